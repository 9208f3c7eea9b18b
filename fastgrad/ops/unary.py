"""Unary elementwise ops (csrc/elementwise.c): -x, exp, log, log1p, sign, sqrt, |x|, clamp;
float casts and copies (numpy)."""
import numpy as np

from fastgrad._ffi import kernels, lib, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous
from fastgrad.ops.elementwise import ADD, DIV, MUL, binary, scale

__all__ = ["unary", "Neg", "Exp", "Log", "Log1p", "Sign", "Sqrt", "Abs", "Clamp", "ToDtype", "Clone"]

_UNARY, _CLAMP_FWD, _CLAMP_BWD = kernels("unary"), kernels("clamp_fwd"), kernels("clamp_bwd")


def unary(op, x):
    """y = op(x) elementwise, in C."""
    x = contiguous(x)
    y = np.empty(x.shape, x.dtype)
    _UNARY[x.dtype](op, x.size, rptr(x), wptr(y))
    return y


@register("neg")
class Neg(Function):
    """y = -x.  dx = -dy."""

    @staticmethod
    def forward(ctx, x):
        return unary(lib.FG_NEG, x)

    @staticmethod
    def backward(ctx, dy):
        return unary(lib.FG_NEG, dy)


@register("exp")
class Exp(Function):
    """y = exp(x).  dx = dy y."""

    @staticmethod
    def forward(ctx, x):
        y = unary(lib.FG_EXP, x)
        ctx.saved = (y,)
        return y

    @staticmethod
    def backward(ctx, dy):
        return binary(MUL, contiguous(dy), ctx.saved[0])


@register("log")
class Log(Function):
    """y = log(x).  dx = dy / x."""

    @staticmethod
    def forward(ctx, x):
        x = contiguous(x)
        ctx.saved = (x,)
        return unary(lib.FG_LOG, x)

    @staticmethod
    def backward(ctx, dy):
        return binary(DIV, contiguous(dy), ctx.saved[0])


@register("log1p")
class Log1p(Function):
    """y = log(1 + x), accurate for small x.  dx = dy / (1 + x)."""

    @staticmethod
    def forward(ctx, x):
        x = contiguous(x)
        ctx.saved = (x,)
        return unary(lib.FG_LOG1P, x)

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved
        one = np.ones((), x.dtype)
        return binary(DIV, contiguous(dy), binary(ADD, x, one))


@register("sign")
class Sign(Function):
    """y = sign(x) (sign(0) = sign(NaN) = 0, as torch).  dx = 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return unary(lib.FG_SIGN, x)

    @staticmethod
    def backward(ctx, dy):
        return np.zeros(ctx.shape, dy.dtype)


@register("sqrt")
class Sqrt(Function):
    """y = sqrt(x).  dx = dy / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        y = unary(lib.FG_SQRT, x)
        ctx.saved = (y,)
        return y

    @staticmethod
    def backward(ctx, dy):
        dx = binary(DIV, contiguous(dy), ctx.saved[0])
        return scale(dx, 0.5, dx)


@register("abs")
class Abs(Function):
    """y = |x|.  dx = dy sign(x) (0 at 0, as torch)."""

    @staticmethod
    def forward(ctx, x):
        x = contiguous(x)
        ctx.saved = (x,)
        return unary(lib.FG_ABS, x)

    @staticmethod
    def backward(ctx, dy):
        return binary(MUL, contiguous(dy), unary(lib.FG_SIGN, ctx.saved[0]))


@register("clamp")
class Clamp(Function):
    """y = min(max(x, lo), hi).  dx = lo <= x <= hi ? dy : 0."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        x = contiguous(x)
        y = np.empty(x.shape, x.dtype)
        _CLAMP_FWD[x.dtype](x.size, rptr(x), wptr(y), lo, hi)
        ctx.saved = (x,)
        ctx.bounds = (lo, hi)
        return y

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved
        dy = contiguous(dy)
        dx = np.empty(x.shape, x.dtype)
        _CLAMP_BWD[x.dtype](x.size, rptr(x), rptr(dy), wptr(dx), *ctx.bounds)
        return dx, None, None


@register("to_dtype")
class ToDtype(Function):
    """y = x cast to another float dtype.  dx = dy cast back.  (numpy: a conversion)"""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, dy):
        return dy.astype(ctx.src), None


@register("clone")
class Clone(Function):
    """y = copy of x.  dx = dy."""

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True, order="C")

    @staticmethod
    def backward(ctx, dy):
        return dy
