"""scatter_reduce on arrays: sum, prod, mean, amax, amin of src into x at an index along a dim
(``include_self``: whether x's own values take part), with torch's gradients (amax/amin share the
gradient evenly among the elements equal to the result; prod handles zeros as torch does)."""
import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.scatter import _pad_to, _sub, full_index, gather, scatter_add_into

__all__ = ["ScatterReduce", "scatter_reduce_into"]

_UFUNC = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else (True if dtype.kind == "b" else np.iinfo(dtype).max)
    small = -np.inf if dtype.kind == "f" else (False if dtype.kind == "b" else np.iinfo(dtype).min)
    return small if reduce == "amax" else big


def _counts(shape, dim, idx, include_self, dtype):
    """How many values were reduced into each place (1 for x itself when include_self)."""
    n = np.full(shape, 1 if include_self else 0, dtype)
    scatter_add_into(n, dim, idx, np.ones(idx.shape, dtype))
    return n


def scatter_reduce_into(y, dim, idx, src, reduce, include_self):
    """y = scatter_reduce(y, ...), in place (y C-contiguous and writable)."""
    if not idx.size:
        return y
    key = full_index(idx, dim)
    src = _sub(src, idx.shape)
    if not include_self:
        y[key] = _identity(reduce, y.dtype)
    if reduce in ("sum", "mean"):
        scatter_add_into(y, dim, idx, src)
    else:
        _UFUNC[reduce].at(y, key, src)
    if reduce == "mean":
        n = _counts(y.shape, dim, idx, include_self, y.dtype)
        n[n == 0] = 1
        if y.dtype.kind == "f":
            y /= n
        else:
            np.floor_divide(y, n, out=y)
    return y


@register("scatter_reduce")
class ScatterReduce(Function):
    """y = x with src reduced in at [... idx[i] at dim ...]; the gradients are torch's
    (scatter_reduce_backward): sum and mean pass dy (over the count), prod divides the product by
    the factor (zeros handled by recomputing without them), amax/amin split dy evenly among the
    values equal to the result."""

    @staticmethod
    def forward(ctx, x, dim, idx, src, reduce, include_self):
        y = scatter_reduce_into(np.array(x, order="C"), dim, idx, src, reduce, include_self)
        ctx.x, ctx.src, ctx.y, ctx.dim, ctx.idx = x, src, y, dim, idx
        ctx.reduce, ctx.include_self = reduce, include_self
        return y

    @staticmethod
    def backward(ctx, dy):
        x, src, y, dim, idx = ctx.x, ctx.src, ctx.y, ctx.dim, ctx.idx
        reduce, inc = ctx.reduce, ctx.include_self
        srcs = _sub(src, idx.shape)
        if reduce == "sum":
            gx, gs = dy, gather(dy, dim, idx)
        elif reduce == "mean":
            n = _counts(x.shape, dim, idx, inc, dy.dtype)
            n[n == 0] = 1
            gx = dy / n
            gs = gather(gx, dim, idx)
        elif reduce == "prod":
            mx = np.where(x == 0, np.ones((), x.dtype), x)
            gx = dy * scatter_reduce_into(np.array(mx, order="C"), dim, idx, srcs, "prod", inc) / mx
            zero = srcs == 0
            nz = gather(scatter_add_into(np.zeros(x.shape, dy.dtype), dim, idx, zero.astype(dy.dtype)), dim, idx)
            single = zero & (nz == 1)
            ms = np.where(single, np.ones((), srcs.dtype), srcs)
            ms_result = scatter_reduce_into(np.array(x, order="C"), dim, idx, ms, "prod", inc)
            gs = np.where(single, gather(dy * ms_result, dim, idx),
                          gather(dy * y, dim, idx) / np.where(zero, np.ones((), srcs.dtype), srcs))
        else:  # amax, amin
            value = gather(y, dim, idx)
            self_is = (x == y).astype(dy.dtype)  # (counted even when include_self=False, as torch)
            src_is = (srcs == value).astype(dy.dtype)
            share = dy / scatter_add_into(self_is.copy(), dim, idx, src_is)
            gx = self_is * share
            gs = src_is * gather(share, dim, idx)
        if not inc:
            gx = np.array(gx, copy=True)
            gx[full_index(idx, dim)] = 0
        need = ctx.needs_input_grad
        return (gx if need[0] else None), None, None, (_pad_to(gs, src.shape) if need[3] else None), None, None
