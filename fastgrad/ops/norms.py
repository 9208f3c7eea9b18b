"""Norms on arrays: vector p-norms (every ord torch's linalg.vector_norm takes), with torch's
gradients, including at the points where the norm is not differentiable (0 there); and the
matrix norms of singular values ('nuc', 2, -2) through numpy's SVD."""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["VectorNorm", "SvdNorm"]

_INF = float("inf")


def _norm(x, p, axes):
    """||x||_p over axes, keepdims, accumulated in float64."""
    if p == 2:
        return np.sqrt(np.square(x, dtype=np.float64).sum(axis=axes, keepdims=True))
    a = np.abs(x).astype(np.float64, copy=False)
    if p == _INF:
        return a.max(axis=axes, keepdims=True, initial=0.0)  # |x| >= 0: 0 is max's identity
    if p == -_INF:
        return a.min(axis=axes, keepdims=True)
    if p == 0:
        return (a != 0).sum(axis=axes, keepdims=True).astype(np.float64)
    if p == 1:
        return a.sum(axis=axes, keepdims=True)
    with np.errstate(divide="ignore", over="ignore"):
        return np.power(np.power(a, p).sum(axis=axes, keepdims=True), 1.0 / p)


@register("vector_norm")
class VectorNorm(Function):
    """y = (sum |x|^p)^(1/p) over axes (p = inf: max |x|, -inf: min |x|, 0: count of non-zeros).
    dx as torch: p=2: x dy / y; p=1: sgn(x) dy; p=+-inf: sgn(x) dy / #ties on the ties;
    p=0: 0; else sgn(x) |x|^(p-1) dy / y^(p-1); 0 wherever y = 0."""

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        y = _norm(x, p, axes).astype(x.dtype)
        ctx.saved = (x, y)
        ctx.p, ctx.axes = p, axes
        return y if keepdim else y.reshape([s for i, s in enumerate(y.shape) if i not in axes])

    @staticmethod
    def backward(ctx, dy):
        x, y = ctx.saved
        p, axes = ctx.p, ctx.axes
        dy = dy.reshape(y.shape)
        dt = x.dtype
        zero = np.zeros((), dt)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 0:
                dx = np.zeros_like(x)
            elif p == 1:
                dx = np.sign(x) * dy
            elif p == 2:
                dx = x * np.where(y == 0, zero, dy / y)
            elif p in (_INF, -_INF):
                mask = (np.abs(x) == y) | np.isnan(x)
                dx = np.sign(x) * (dy / mask.sum(axis=axes, keepdims=True)) * mask
            elif p < 1:
                scaled = np.where(x == 0, zero, np.sign(x) * np.power(np.abs(x), p - 1))
                dx = scaled * dy * np.power(y, 1 - p)
            elif p < 2:
                dx = np.sign(x) * np.power(np.abs(x), p - 1) * np.where(y == 0, zero, dy / np.power(y, p - 1))
            else:
                dx = x * np.power(np.abs(x), p - 2) * np.where(y == 0, zero, dy / np.power(y, p - 1))
        return np.asarray(dx, dt), None, None, None


@register("matrix_norm_svd")
class SvdNorm(Function):
    """Matrix norms of the singular values s of the matrices over dims (d0, d1): 'nuc': sum s,
    2: max s, -2: min s (numpy's SVD, in float64).  dA = U diag(ds) V^T with ds = dy on the
    singular values the norm uses (all for 'nuc'; the largest / smallest for 2 / -2)."""

    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        m = np.moveaxis(x.astype(np.float64, copy=False), dims, (-2, -1))
        u, s, vh = np.linalg.svd(m, full_matrices=False)
        pick = slice(None) if ord == "nuc" else slice(0, 1) if ord == 2 else slice(-1, None)
        ctx.saved = (u[..., :, pick], vh[..., pick, :])
        ctx.shape, ctx.dims, ctx.dtype = m.shape, dims, x.dtype
        y = s[..., pick].sum(-1).astype(x.dtype)
        if keepdim:
            for d in sorted(dims):
                y = np.expand_dims(y, d)
        return y

    @staticmethod
    def backward(ctx, dy):
        u, vh = ctx.saved
        d0, d1 = ctx.dims
        g = dy
        if g.ndim != len(ctx.shape) - 2:  # keepdim: drop the two kept dims
            g = np.squeeze(g, axis=(d0, d1))
        dm = (u * g[..., None, None]) @ vh
        return np.moveaxis(dm, (-2, -1), (d0, d1)).astype(ctx.dtype), None, None, None
