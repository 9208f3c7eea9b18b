"""Reductions (csrc/reduce.c): sum, mean, max/min along dims, var, softmax, log_softmax, prod,
logsumexp.

C kernels see an (outer, len, inner) view of a contiguous array and reduce the middle axis;
dims that are not adjacent fall back to numpy with float64 accumulation."""
from math import prod

import numpy as np

from fastgrad.dtypes import LOWP_DTYPES
from fastgrad.lowp import from_float32, to_float32
from fastgrad._ffi import kernels, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous, three, wrap_dim

__all__ = ["Sum", "Mean", "AmaxAmin", "SelectAlongDim", "Var", "Norm2", "Softmax", "LogSoftmax",
           "max_min_along", "Prod", "Logsumexp"]

_SUM, _SUM_AXIS, _MAXMIN_AXIS = kernels("sum"), kernels("sum_axis"), kernels("maxmin_axis")


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _out_shape(shape, axes, keepdim):
    if keepdim:
        return _kept_shape(shape, axes)
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _run(shape, axes):
    """(outer, len, inner) when ``axes`` is one contiguous run of dims, else None."""
    if not axes or axes[-1] - axes[0] + 1 != len(axes):
        return None
    return three(shape, axes[0], axes[-1])


def _sum(x, axes, keepdim, scale):
    """scale * sum of x over axes (double accumulation)."""
    out_shape = _out_shape(x.shape, axes, keepdim)
    if len(axes) == x.ndim:
        x = contiguous(x)
        total = _SUM[x.dtype](x.size, rptr(x)) * scale
        return np.full(out_shape, total, x.dtype)
    run = _run(x.shape, axes)
    if run is None:
        return (x.sum(axis=axes, keepdims=keepdim, dtype=np.float64) * scale).astype(x.dtype)
    x = contiguous(x)
    y = np.empty(out_shape, x.dtype)
    _SUM_AXIS[x.dtype](run[0], run[1], run[2], rptr(x), wptr(y), scale)
    return y


def _spread(dy, shape, axes, scale):
    """Broadcast dy (reduced over axes) back to ``shape``, times scale, as a fresh array."""
    dk = dy.reshape(_kept_shape(shape, axes))
    out = np.empty(shape, dy.dtype)
    if scale == 1.0:
        out[...] = dk
    else:
        np.multiply(dk, np.asarray(scale, dy.dtype), out=out)
    return out


@register("sum")
class Sum(Function):
    """y = sum over axes.  dx = dy broadcast back."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes = x.shape, axes
        return _sum(x, axes, keepdim, 1.0)

    @staticmethod
    def backward(ctx, dy):
        return _spread(dy, ctx.shape, ctx.axes, 1.0), None, None


@register("mean")
class Mean(Function):
    """y = sum over axes / N.  dx = dy / N broadcast back (N = 0 gives nan, as torch)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        n = prod(x.shape[a] for a in axes)
        ctx.shape, ctx.axes, ctx.scale = x.shape, axes, (1.0 / n if n else float("nan"))
        return _sum(x, axes, keepdim, ctx.scale)

    @staticmethod
    def backward(ctx, dy):
        return _spread(dy, ctx.shape, ctx.axes, ctx.scale), None, None


def _kept_result(ctx, x, yk, axes, keepdim):
    """Save x and the keepdim-shaped result yk for backward; return the result as asked."""
    ctx.save_for_backward(x, yk)
    ctx.axes = axes
    return contiguous(yk if keepdim else yk.reshape(_out_shape(x.shape, axes, False)))


@register("amax_amin")
class AmaxAmin(Function):
    """y = max (or min) over axes.  dx = dy / (number of ties) at the extremal elements.  (numpy)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim, is_max):
        # functional/reduce.py has checked that no reduced dim is empty (an empty input with
        # non-empty reduced dims gives an empty result, as torch)
        fn = np.max if is_max else np.min
        yk = fn(x, axis=axes, keepdims=True) if axes else x.copy()
        return _kept_result(ctx, x, yk, axes, keepdim)

    @staticmethod
    def backward(ctx, dy):
        x, yk = ctx.saved
        mask = (x == yk) | (np.isnan(x) & np.isnan(yk))
        count = mask.sum(axis=ctx.axes, keepdims=True) if ctx.axes else 1
        dx = np.where(mask, dy.reshape(yk.shape) / count, np.zeros((), x.dtype)).astype(x.dtype)
        return dx, None, None, None


def max_min_along(a, d, keepdim, is_max):
    """(values, int64 indices) of the max/min of array ``a`` along dim d, in one C pass."""
    if a.dtype in LOWP_DTYPES:  # float16/bfloat16: selected in float32 (exact), values in a's dtype
        vals, idx = max_min_along(to_float32(a), d, keepdim, is_max)
        return from_float32(vals, a.dtype), idx
    a = contiguous(a)
    shape = a.shape
    outer, n, inner = three(shape, d, d)  # (1, 1, 1) for a 0-d array
    kshape = _kept_shape(shape, (d,)) if a.ndim else ()
    vals = np.empty(kshape, a.dtype)
    idx = np.empty(kshape, np.int64)
    _MAXMIN_AXIS[a.dtype](1 if is_max else 0, outer, n, inner, rptr(a), wptr(vals), wptr(idx))
    if not keepdim and a.ndim:
        vals, idx = vals.reshape(_out_shape(shape, (d,), False)), idx.reshape(_out_shape(shape, (d,), False))
    return vals, idx


@register("select_along_dim")
class SelectAlongDim(Function):
    """y = x[..., idx, ...] along dim (values precomputed by max/min).  dx = dy scattered at idx."""

    @staticmethod
    def forward(ctx, x, values, idx, d, keepdim):
        ctx.save_for_backward(idx)
        ctx.shape, ctx.d, ctx.keepdim = x.shape, d, keepdim
        return values

    @staticmethod
    def backward(ctx, dy):
        (idx,) = ctx.saved
        dx = np.zeros(ctx.shape, dy.dtype)
        if len(ctx.shape) == 0:
            dx[...] = dy
        else:
            if not ctx.keepdim:
                idx, dy = np.expand_dims(idx, ctx.d), np.expand_dims(dy, ctx.d)
            np.put_along_axis(dx, idx, dy, axis=ctx.d)
        return dx, None, None, None, None


@register("var")
class Var(Function):
    """y = sum((x - mean)^2) / (N - correction), or its square root s (std) when root.
    dx = dy 2 (x - mean) / (N - correction), times 1 / (2 s) for std (0 where s = 0, as torch).
    (numpy, float64 sums)"""

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, root):
        n = prod(x.shape[a] for a in axes)
        mean = x.mean(axis=axes, keepdims=True, dtype=np.float64) if n else np.full(
            _kept_shape(x.shape, axes), np.nan)
        centred = (x - mean).astype(x.dtype)
        denom = n - correction
        with np.errstate(divide="ignore", invalid="ignore"):
            sq = np.square(centred, dtype=np.float64).sum(axis=axes, keepdims=keepdim)
            y = sq / denom if denom > 0 else sq * np.inf if denom == 0 else sq * np.nan
            y = (np.sqrt(y) if root else y).astype(x.dtype)
        y = contiguous(y)
        ctx.save_for_backward(centred, y)
        ctx.axes, ctx.denom, ctx.root = axes, denom, root
        return y

    @staticmethod
    def backward(ctx, dy):
        centred, y = ctx.saved
        kept = _kept_shape(centred.shape, ctx.axes)
        dk = dy.reshape(kept)
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.root:  # d sqrt(v) = dv / (2 s), masked where s == 0
                yk = y.reshape(kept)
                dk = np.where(yk == 0, np.zeros((), dy.dtype), dk / (2 * yk))
            dx = (centred * dk * (2.0 / ctx.denom if ctx.denom else np.inf)).astype(centred.dtype)
        return dx, None, None, None, None


@register("norm2")
class Norm2(Function):
    """y = sqrt(sum x^2) over axes.  dx = dy x / y (0 where y = 0, as torch)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        x = contiguous(x)
        sq = np.square(x, dtype=np.float64).sum(axis=axes, keepdims=True) if axes else np.square(
            x, dtype=np.float64)
        yk = np.sqrt(sq).astype(x.dtype)
        return _kept_result(ctx, x, yk, axes, keepdim)

    @staticmethod
    def backward(ctx, dy):
        x, yk = ctx.saved
        dk = dy.reshape(yk.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = np.where(yk == 0, np.zeros((), x.dtype), x * (dk / yk))
        return dx.astype(x.dtype), None, None


class _SoftmaxBase(Function):
    fwd = bwd = None

    @classmethod
    def forward(cls, ctx, x, dim):
        d = wrap_dim(dim, x.ndim, cls.op_name)
        x = contiguous(x)
        y = np.empty(x.shape, x.dtype)
        if x.size:
            o, n, i = three(x.shape, d, d)
            cls.fwd[x.dtype](o, n, i, rptr(x), wptr(y))
        ctx.save_for_backward(y)
        ctx.d = d
        return y

    @classmethod
    def backward(cls, ctx, dy):
        (y,) = ctx.saved
        dy = contiguous(dy)
        dx = np.empty(y.shape, y.dtype)
        if y.size:
            o, n, i = three(y.shape, ctx.d, ctx.d)
            cls.bwd[y.dtype](o, n, i, rptr(y), rptr(dy), wptr(dx))
        return dx, None


@register("softmax")
class Softmax(_SoftmaxBase):
    """y = exp(x - max) / sum exp(x - max) along dim.  dx = y (dy - sum(dy y))."""

    fwd, bwd = kernels("softmax_fwd"), kernels("softmax_bwd")


@register("log_softmax")
class LogSoftmax(_SoftmaxBase):
    """y = x - max - log sum exp(x - max) along dim.  dx = dy - exp(y) sum(dy)."""

    fwd, bwd = kernels("log_softmax_fwd"), kernels("log_softmax_bwd")


def _middle(x, axes):
    """x (contiguous) and (outer, len, inner) with the reduced ``axes`` as the middle run: x itself
    when they are adjacent, else a copy with them moved to the end."""
    run = _run(x.shape, axes) if axes else (x.size, 1, 1)
    if run is not None:
        return contiguous(x), run
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.ascontiguousarray(x.transpose(rest + list(axes)))
    n = prod(x.shape[a] for a in axes)
    return moved, (moved.size // n if n else prod(x.shape[a] for a in rest), n, 1)


def _unmiddle(g, x_shape, axes):
    """The inverse of _middle for a gradient laid out as _middle's array."""
    if not axes or _run(x_shape, axes) is not None:
        return g.reshape(x_shape)
    rest = [a for a in range(len(x_shape)) if a not in axes]
    order = rest + list(axes)
    g = g.reshape([x_shape[a] for a in order])
    return np.ascontiguousarray(g.transpose(np.argsort(order)))


class _AxisReduce(Function):
    """A reduction over ``axes`` run by an (outer, len, inner) C kernel pair (FWD, BWD)."""

    FWD = BWD = None

    @classmethod
    def forward(cls, ctx, x, axes, keepdim):
        xm, (o, n, i) = _middle(x, axes)
        y = np.empty(_out_shape(x.shape, axes, keepdim), x.dtype)
        if y.size:
            cls.FWD[x.dtype](o, n, i, rptr(xm), wptr(y))
        ctx.save_for_backward(xm, y)
        ctx.shape, ctx.axes, ctx.run = x.shape, axes, (o, n, i)
        return y

    @classmethod
    def backward(cls, ctx, dy):
        xm, y = ctx.saved
        dx = np.empty(xm.shape, xm.dtype)
        if dx.size:
            cls._bwd(ctx.run, xm, y, contiguous(dy), dx)
        return _unmiddle(dx, ctx.shape, ctx.axes), None, None


@register("prod")
class Prod(_AxisReduce):
    """y = prod over axes.  dx = dy prod of the others (prefix times suffix products: exact with
    zeros, as torch)."""

    FWD, BWD = kernels("prod_fwd"), kernels("prod_bwd")

    @classmethod
    def _bwd(cls, run, xm, y, dy, dx):
        cls.BWD[xm.dtype](*run, rptr(xm), rptr(dy), wptr(dx))


@register("logsumexp")
class Logsumexp(_AxisReduce):
    """y = m + log sum exp(x - m) over axes (m the max, 0 when infinite).  dx = dy exp(x - y)."""

    FWD, BWD = kernels("logsumexp_fwd"), kernels("logsumexp_bwd")

    @classmethod
    def _bwd(cls, run, xm, y, dy, dx):
        cls.BWD[xm.dtype](*run, rptr(xm), rptr(contiguous(y)), rptr(dy), wptr(dx))
