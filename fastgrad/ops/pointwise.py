"""Unary pointwise maths (csrc/pointwise.c): one C kernel pair for every op, picked by its op
code (``FG_PW_*``).  ``Unary`` runs y = op(x) forward and dx = dy op'(x) backward from the saved
input; each op below is its maths and its code."""
import numpy as np

from fastgrad._ffi import CTYPES, from_buffer, kernels, lib
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["unary", "Unary", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh",
           "Atanh", "Exp2", "Expm1", "Log2", "Log10", "Erf", "Erfc", "Erfinv", "Lgamma", "Digamma", "Sinc",
           "Floor", "Ceil", "Round", "Trunc", "Frac", "Logit", "Deg2rad", "Rad2deg", "NanToNum"]

_FWD, _BWD = kernels("pw_fwd"), kernels("pw_bwd")


def unary(op, x, p=0.0):
    """y = op(x) elementwise in C (p: round's decimals, logit's eps)."""
    x = contiguous(x)
    dt = x.dtype
    ct = CTYPES[dt]
    y = np.empty(x.shape, dt)
    _FWD[dt](op, x.size, from_buffer(ct, x), from_buffer(ct, y), p)
    return y


class Unary(Function):
    """y = op(x), dx = dy op'(x) (csrc/pointwise.inc), op = OP.  A setting (round's decimals,
    logit's eps) is passed after x and gets no gradient."""

    OP = None

    @classmethod
    def forward(cls, ctx, x, *p):
        x = contiguous(x)
        ctx.saved = (x,)
        ctx.p = p
        return unary(cls.OP, x, *p)

    @classmethod
    def backward(cls, ctx, dy):
        (x,) = ctx.saved
        dy = contiguous(dy)
        dt = x.dtype
        ct = CTYPES[dt]
        dx = np.empty(x.shape, dt)
        _BWD[dt](cls.OP, x.size, from_buffer(ct, x), from_buffer(ct, dy), from_buffer(ct, dx), *(ctx.p or (0.0,)))
        return (dx, None) if ctx.p else dx


@register("sin")
class Sin(Unary):
    """y = sin x.  dx = dy cos x."""
    OP = lib.FG_PW_SIN


@register("cos")
class Cos(Unary):
    """y = cos x.  dx = -dy sin x."""
    OP = lib.FG_PW_COS


@register("tan")
class Tan(Unary):
    """y = tan x.  dx = dy (1 + tan^2 x)."""
    OP = lib.FG_PW_TAN


@register("asin")
class Asin(Unary):
    """y = asin x.  dx = dy / sqrt(1 - x^2)."""
    OP = lib.FG_PW_ASIN


@register("acos")
class Acos(Unary):
    """y = acos x.  dx = -dy / sqrt(1 - x^2) (-inf at +-1, as torch)."""
    OP = lib.FG_PW_ACOS


@register("atan")
class Atan(Unary):
    """y = atan x.  dx = dy / (1 + x^2)."""
    OP = lib.FG_PW_ATAN


@register("sinh")
class Sinh(Unary):
    """y = sinh x.  dx = dy cosh x."""
    OP = lib.FG_PW_SINH


@register("cosh")
class Cosh(Unary):
    """y = cosh x.  dx = dy sinh x."""
    OP = lib.FG_PW_COSH


@register("asinh")
class Asinh(Unary):
    """y = asinh x.  dx = dy / sqrt(x^2 + 1)."""
    OP = lib.FG_PW_ASINH


@register("acosh")
class Acosh(Unary):
    """y = acosh x.  dx = dy / sqrt(x^2 - 1)."""
    OP = lib.FG_PW_ACOSH


@register("atanh")
class Atanh(Unary):
    """y = atanh x.  dx = dy / (1 - x^2)."""
    OP = lib.FG_PW_ATANH


@register("exp2")
class Exp2(Unary):
    """y = 2^x.  dx = dy 2^x ln 2."""
    OP = lib.FG_PW_EXP2


@register("expm1")
class Expm1(Unary):
    """y = e^x - 1 (accurate near 0).  dx = dy e^x."""
    OP = lib.FG_PW_EXPM1


@register("log2")
class Log2(Unary):
    """y = log2 x.  dx = dy / (x ln 2)."""
    OP = lib.FG_PW_LOG2


@register("log10")
class Log10(Unary):
    """y = log10 x.  dx = dy / (x ln 10)."""
    OP = lib.FG_PW_LOG10


@register("erf")
class Erf(Unary):
    """y = erf x.  dx = dy 2/sqrt(pi) e^(-x^2)."""
    OP = lib.FG_PW_ERF


@register("erfc")
class Erfc(Unary):
    """y = 1 - erf x (accurate in the tail).  dx = -dy 2/sqrt(pi) e^(-x^2)."""
    OP = lib.FG_PW_ERFC


@register("erfinv")
class Erfinv(Unary):
    """y = erf^-1(x).  dx = dy sqrt(pi)/2 e^(y^2)."""
    OP = lib.FG_PW_ERFINV


@register("lgamma")
class Lgamma(Unary):
    """y = log |Gamma(x)|.  dx = dy digamma(x)."""
    OP = lib.FG_PW_LGAMMA


@register("digamma")
class Digamma(Unary):
    """y = Gamma'(x) / Gamma(x).  dx = dy trigamma(x)."""
    OP = lib.FG_PW_DIGAMMA


@register("sinc")
class Sinc(Unary):
    """y = sin(pi x) / (pi x), 1 at 0.  dx = dy (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at 0."""
    OP = lib.FG_PW_SINC


@register("floor")
class Floor(Unary):
    """y = floor x.  dx = 0."""
    OP = lib.FG_PW_FLOOR


@register("ceil")
class Ceil(Unary):
    """y = ceil x.  dx = 0."""
    OP = lib.FG_PW_CEIL


@register("round")
class Round(Unary):
    """y = x rounded half to even (to `decimals` places: nearbyint(x 10^d) / 10^d).  dx = 0."""
    OP = lib.FG_PW_ROUND


@register("trunc")
class Trunc(Unary):
    """y = trunc x (towards 0).  dx = 0."""
    OP = lib.FG_PW_TRUNC


@register("frac")
class Frac(Unary):
    """y = x - trunc x.  dx = dy."""
    OP = lib.FG_PW_FRAC


@register("logit")
class Logit(Unary):
    """y = log(z / (1 - z)), z = x clamped to [eps, 1 - eps] (eps < 0: z = x).
    dx = dy / (x (1 - x)) inside, 0 outside [eps, 1 - eps] (NaN outside [0, 1] without eps)."""
    OP = lib.FG_PW_LOGIT


@register("deg2rad")
class Deg2rad(Unary):
    """y = x pi/180.  dx = dy pi/180."""
    OP = lib.FG_PW_DEG2RAD


@register("rad2deg")
class Rad2deg(Unary):
    """y = x 180/pi.  dx = dy 180/pi."""
    OP = lib.FG_PW_RAD2DEG


@register("nan_to_num")
class NanToNum(Function):
    """y = x with NaN, +inf, -inf replaced by nan, posinf, neginf.  dx = dy where x is finite, else 0
    (torch).  (numpy: a memory-bound select)"""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.saved = (x,)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved
        return np.where(np.isfinite(x), dy, np.zeros((), dy.dtype)), None, None, None
