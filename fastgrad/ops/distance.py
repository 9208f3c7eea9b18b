"""Pairwise distances on arrays: cdist between the rows of two (batched) matrices, by the GEMM
for the Euclidean distance (as torch's 'use_mm' modes) or from the differences for any p."""
import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.linalg import _bmm
from fastgrad.ops.norms import _norm

__all__ = ["CDist"]


def _t(x):
    return np.swapaxes(x, -1, -2)


@register("cdist")
class CDist(Function):
    """y[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p (both operands share their batch dims).
    With ``use_mm`` (p = 2): y = sqrt(max(|x1|^2 + |x2|^2 - 2 x1 x2^T, 0)).  Backward as torch:
    p = 2: r = dy / y (0 where y = 0), dx1 = x1 rowsum(r) - r x2, dx2 = x2 colsum(r) - r^T x1;
    else g = d(||d||_p)/dd dy with d = x1_i - x2_j (inf: sgn(d) on the maxima, no tie split),
    dx1 = sum_j g, dx2 = -sum_i g."""

    @staticmethod
    def forward(ctx, x1, x2, p, use_mm):
        ctx.saved = (x1, x2)
        ctx.p = p
        if p == 2 and use_mm:
            n1 = np.square(x1).sum(-1)[..., :, None]
            n2 = np.square(x2).sum(-1)[..., None, :]
            sq = n1 + n2 - 2 * _bmm(x1, _t(x2))
            y = np.sqrt(np.maximum(sq, 0, out=sq))
        else:
            d = x1[..., :, None, :] - x2[..., None, :, :]
            y = _norm(d, p, (d.ndim - 1,))[..., 0].astype(x1.dtype)
        ctx.y = y
        return y

    @staticmethod
    def backward(ctx, dy):
        x1, x2 = ctx.saved
        p, y = ctx.p, ctx.y
        zero = np.zeros((), y.dtype)
        need = ctx.needs_input_grad
        if p == 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(y == 0, zero, dy / y)
            dx1 = x1 * r.sum(-1)[..., None] - _bmm(r, x2) if need[0] else None
            dx2 = x2 * r.sum(-2)[..., None] - _bmm(_t(r), x1) if need[1] else None
            return dx1, dx2, None, None
        d = x1[..., :, None, :] - x2[..., None, :, :]
        yk, dk = y[..., None], dy[..., None]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 0:
                g = np.zeros_like(d)
            elif p == 1:
                g = np.sign(d) * dk
            elif p == float("inf"):
                g = np.sign(d) * (np.abs(d) == yk) * dk
            elif p < 2:
                g = np.sign(d) * np.power(np.abs(d), p - 1) * np.where(yk == 0, zero, dk / np.power(yk, p - 1))
            else:
                g = d * np.power(np.abs(d), p - 2) * np.where(yk == 0, zero, dk / np.power(yk, p - 1))
        g = g.astype(x1.dtype, copy=False)
        return (g.sum(-2) if need[0] else None), (-g.sum(-3) if need[1] else None), None, None
