"""Binary and ternary pointwise maths (csrc/pointwise.c): atan2, logaddexp(2), hypot, fmod,
remainder, copysign (one kernel pair picked by ``FG_PW2_*``), heaviside (no gradient), lerp,
addcmul, addcdiv.  Operands are broadcast to the result's shape first (a copy only when shapes
differ); gradients are summed back to each operand's shape."""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, from_buffer, kernels, lib
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous, sum_to

__all__ = ["binary_values", "Binary", "Atan2", "Logaddexp", "Logaddexp2", "Hypot", "Fmod", "Remainder",
           "Copysign", "DivRounding", "Lerp", "Addcmul", "Addcdiv"]

_FWD2, _BWD2 = kernels("pw2_fwd"), kernels("pw2_bwd")
_LERP, _ADDC = kernels("lerp_fwd"), kernels("addc_fwd")


def _full(x, shape, dt):
    """x broadcast to ``shape`` as a C-contiguous array of dtype dt."""
    x = np.asarray(x, dt)
    return contiguous(x) if x.shape == shape else np.ascontiguousarray(np.broadcast_to(x, shape))


def binary_values(op, a, b):
    """(y = op(a, b), a, b broadcast) in C; a and b of one float dtype."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    dt = np.result_type(a, b)
    a, b = _full(a, shape, dt), _full(b, shape, dt)
    ct = CTYPES[dt]
    y = np.empty(shape, dt)
    _FWD2[dt](op, y.size, from_buffer(ct, a), from_buffer(ct, b), from_buffer(ct, y))
    return y, a, b


class Binary(Function):
    """y = op(a, b); (da, db) = dy (d op/da, d op/db) (csrc/pointwise.inc), op = OP."""

    OP = None

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        y, a, b = binary_values(cls.OP, a, b)
        ctx.saved = (a, b)
        return y

    @classmethod
    def backward(cls, ctx, dy):
        a, b = ctx.saved
        dy = contiguous(dy)
        dt = a.dtype
        ct = CTYPES[dt]
        need_a, need_b = ctx.inputs[0] is not None, ctx.inputs[1] is not None
        da = np.empty(a.shape, dt) if need_a else None
        db = np.empty(a.shape, dt) if need_b else None
        _BWD2[dt](cls.OP, a.size, from_buffer(ct, a), from_buffer(ct, b), from_buffer(ct, dy),
                  from_buffer(ct, da) if need_a else NULL, from_buffer(ct, db) if need_b else NULL)
        sa, sb = ctx.shapes
        return (sum_to(da, sa) if need_a else None), (sum_to(db, sb) if need_b else None)


@register("atan2")
class Atan2(Binary):
    """y = atan2(a, b).  da = dy b / (a^2 + b^2), db = -dy a / (a^2 + b^2)."""
    OP = lib.FG_PW2_ATAN2


@register("logaddexp")
class Logaddexp(Binary):
    """y = log(e^a + e^b).  da = dy / (1 + e^(b - a)), db = dy / (1 + e^(a - b))."""
    OP = lib.FG_PW2_LOGADDEXP


@register("logaddexp2")
class Logaddexp2(Binary):
    """y = log2(2^a + 2^b).  da = dy / (1 + 2^(b - a)), db = dy / (1 + 2^(a - b))."""
    OP = lib.FG_PW2_LOGADDEXP2


@register("hypot")
class Hypot(Binary):
    """y = sqrt(a^2 + b^2).  da = dy a / y, db = dy b / y."""
    OP = lib.FG_PW2_HYPOT


@register("fmod")
class Fmod(Binary):
    """y = a - trunc(a / b) b (the sign of a).  da = dy, db = -dy trunc(a / b)."""
    OP = lib.FG_PW2_FMOD


@register("remainder")
class Remainder(Binary):
    """y = a - floor(a / b) b (the sign of b).  da = dy, db = -dy floor(a / b)."""
    OP = lib.FG_PW2_REMAINDER


@register("copysign")
class Copysign(Binary):
    """y = |a| sign(b).  da = dy y / a (0 at a = 0), db = 0."""
    OP = lib.FG_PW2_COPYSIGN


@register("div_rounding")
class DivRounding(Function):
    """y = trunc(a / b) or floor(a / b) (torch's div with rounding_mode 'trunc' / 'floor', floats;
    floor as numpy's floor_divide: fmod-based, exact).  da = db = 0, as torch.  (numpy)"""

    @staticmethod
    def forward(ctx, a, b, floor):
        ctx.shapes = (np.shape(a), np.shape(b))
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.floor_divide(a, b) if floor else np.trunc(np.true_divide(a, b))
        return np.asarray(y, np.result_type(a, b))

    @staticmethod
    def backward(ctx, dy):
        (sa, sb), e = ctx.shapes, ctx.inputs
        return (np.zeros(sa, dy.dtype) if e[0] is not None else None,
                np.zeros(sb, dy.dtype) if e[1] is not None else None, None)


@register("lerp")
class Lerp(Function):
    """y = a + w (b - a) (torch's two-sided form for |w| >= 1/2).  da = dy (1 - w), db = dy w,
    dw = dy (b - a); w a tensor or a number."""

    @staticmethod
    def forward(ctx, a, b, w):
        shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(w))
        dt = np.result_type(a, b)
        ctx.shapes = (np.shape(a), np.shape(b), np.shape(w))
        a, b = _full(a, shape, dt), _full(b, shape, dt)
        wa = np.asarray(w, dt)
        w = wa if wa.ndim == 0 else _full(wa, shape, dt)
        ctx.saved = (a, b, w)
        ct = CTYPES[dt]
        y = np.empty(shape, dt)
        _LERP[dt](y.size, from_buffer(ct, a), from_buffer(ct, b), from_buffer(ct, w.reshape(-1)),
                  0 if w.ndim == 0 else 1, from_buffer(ct, y))
        return y

    @staticmethod
    def backward(ctx, dy):
        a, b, w = ctx.saved
        sa, sb, sw = ctx.shapes
        need = [e is not None for e in ctx.inputs]
        da = sum_to(dy * (1 - w), sa) if need[0] else None
        db = sum_to(dy * w, sb) if need[1] else None
        dw = sum_to(dy * (b - a), sw) if need[2] else None
        return da, db, dw


class _Addc(Function):
    """y = a + value b (op) c, op = * (DIV 0) or / (DIV 1); value a number."""

    DIV = 0

    @classmethod
    def forward(cls, ctx, a, b, c, value):
        shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
        dt = np.result_type(a, b, c)
        ctx.shapes = (np.shape(a), np.shape(b), np.shape(c))
        a, b, c = _full(a, shape, dt), _full(b, shape, dt), _full(c, shape, dt)
        ctx.saved = (b, c)
        ctx.value = value
        ct = CTYPES[dt]
        y = np.empty(shape, dt)
        _ADDC[dt](y.size, from_buffer(ct, a), from_buffer(ct, b), from_buffer(ct, c), from_buffer(ct, y),
                  value, cls.DIV)
        return y

    @classmethod
    def backward(cls, ctx, dy):
        b, c = ctx.saved
        sa, sb, sc = ctx.shapes
        v = dy.dtype.type(ctx.value)
        need = [e is not None for e in ctx.inputs]
        da = sum_to(dy, sa) if need[0] else None
        if cls.DIV:
            db = sum_to(dy * v / c, sb) if need[1] else None
            dc = sum_to(-dy * v * b / (c * c), sc) if need[2] else None
        else:
            db = sum_to(dy * v * c, sb) if need[1] else None
            dc = sum_to(dy * v * b, sc) if need[2] else None
        return da, db, dc, None


@register("addcmul")
class Addcmul(_Addc):
    """y = a + value b c.  da = dy, db = value dy c, dc = value dy b."""
    DIV = 0


@register("addcdiv")
class Addcdiv(_Addc):
    """y = a + value b / c.  da = dy, db = value dy / c, dc = -value dy b / c^2."""
    DIV = 1
