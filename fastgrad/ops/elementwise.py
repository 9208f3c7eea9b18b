"""Elementwise ops: arithmetic with broadcasting, unary maths, clamp, maximum/minimum,
where, casts.  Arithmetic runs in csrc/elementwise.c; ``where`` and casts are numpy.

One-element +, -, *, / (shapes () and (1,), the scalar models of a tutorial) skip the C call:
a C call needs three cffi pointers and costs ~0.5 us, while the same IEEE operation on Python
floats is exact and identical — in double, then rounded once to float32, which is the correctly
rounded float32 result because double has more than 2 x 24 + 2 bits.  Results that are not
finite, or would overflow the float32 cast, and division by zero take the C path."""
import operator

import numpy as np

from fastgrad._ffi import ffi, kernel, lib, rptr, wptr, CTYPES
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import (F32, FLT_MAX, ONE_ELEMENT, broadcast_shape, contiguous, one_element_array,
                                 sum_to)

__all__ = ["binary", "unary", "check_broadcast", "Add", "Sub", "Mul", "Div", "Pow", "PowScalar",
           "Neg", "Exp", "Log", "Log1p", "Sign", "Sqrt", "Abs", "Clamp", "Maximum", "Minimum", "Where", "ToDtype", "Clone"]

ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM = (lib.FG_ADD, lib.FG_SUB, lib.FG_MUL, lib.FG_DIV,
                                             lib.FG_POW, lib.FG_MAXIMUM, lib.FG_MINIMUM)
_OP_NAMES = {ADD: "add", SUB: "sub", MUL: "mul", DIV: "div", POW: "pow", MAXIMUM: "maximum",
             MINIMUM: "minimum"}


def check_broadcast(a, b, op):
    return broadcast_shape(a, b, op)


_BINARY = {np.dtype(np.float32): lib.fg_binary_f32, np.dtype(np.float64): lib.fg_binary_f64}
_from_buffer = ffi.from_buffer


_PYTHON_OPS = {ADD: operator.add, SUB: operator.sub, MUL: operator.mul, DIV: operator.truediv}


def _one_element(op, a, b, shape, dtype):
    """a (op) b on Python floats into a fresh array of ``shape`` (() or (1,)), or None when the
    C path must run (module docstring: exact, and identical to the kernel)."""
    f = _PYTHON_OPS.get(op)
    bv = b.item()
    if f is None or (bv == 0 and op == DIV):
        return None
    return one_element_array(f(a.item(), bv), shape, dtype)


def binary(op, a, b):
    """y = a (op) b for two arrays of one float dtype, with numpy broadcasting, in C."""
    dtype = a.dtype
    shape = a.shape
    if a.size == 1 and b.size == 1:  # exact scalar arithmetic (module docstring)
        out = shape if len(shape) >= b.ndim else b.shape
        if out in ONE_ELEMENT:
            y = _one_element(op, a, b, out, dtype)
            if y is not None:
                return y
    if shape == b.shape:
        y = np.empty(shape, dtype)
        if a.flags.c_contiguous and b.flags.c_contiguous:  # the hot path: pointers inline
            ct = CTYPES[dtype]
            _BINARY[dtype](op, y.size, _from_buffer(ct, a), 1, _from_buffer(ct, b), 1,
                           _from_buffer(ct, y))
            return y
        return _binary_nd(op, contiguous(a), contiguous(b), a.shape, y)
    if b.size == 1 and b.ndim <= a.ndim:  # tensor (op) scalar
        y = np.empty(shape, dtype)
        ct = CTYPES[dtype]
        _BINARY[dtype](op, a.size, _from_buffer(ct, contiguous(a)), 1, _from_buffer(ct, contiguous(b)), 0,
                       _from_buffer(ct, y))
        return y
    if a.size == 1 and a.ndim <= b.ndim:  # scalar (op) tensor
        y = np.empty(b.shape, dtype)
        ct = CTYPES[dtype]
        _BINARY[dtype](op, b.size, _from_buffer(ct, contiguous(a)), 0, _from_buffer(ct, contiguous(b)), 1,
                       _from_buffer(ct, y))
        return y
    shape = broadcast_shape(a.shape, b.shape, _OP_NAMES[op])
    return _binary_nd(op, contiguous(a), contiguous(b), shape, np.empty(shape, dtype))


def _strides(a, shape):
    """Element strides of contiguous ``a`` broadcast to ``shape`` (0 on broadcast dims)."""
    out = [0] * (len(shape) - a.ndim)
    step = 1
    rev = []
    for s in reversed(a.shape):
        rev.append(step if s != 1 else 0)
        step *= s
    return out + rev[::-1]


def _binary_nd(op, a, b, shape, y):
    if y.size:
        nd = max(len(shape), 1)
        kernel("binary_nd", y.dtype)(op, nd, ffi.new("int64_t[]", list(shape) or [1]), rptr(a),
                                     ffi.new("int64_t[]", _strides(a, shape) or [0]), rptr(b),
                                     ffi.new("int64_t[]", _strides(b, shape) or [0]), wptr(y))
    return y


def unary(op, x):
    """y = op(x) elementwise, in C."""
    x = contiguous(x)
    y = np.empty(x.shape, x.dtype)
    kernel("unary", x.dtype)(op, x.size, rptr(x), wptr(y))
    return y


def _scale(x, alpha):
    x = contiguous(x)
    y = np.empty(x.shape, x.dtype)
    kernel("scale", x.dtype)(x.size, rptr(x), wptr(y), alpha)
    return y


@register("add")
class Add(Function):
    """y = a + b.  da = sum_to(dy), db = sum_to(dy)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return binary(ADD, a, b)

    @staticmethod
    def backward(ctx, dy):
        sa, sb = ctx.shapes
        na, nb = ctx.inputs
        return (sum_to(dy, sa) if na is not None else None), (sum_to(dy, sb) if nb is not None else None)


@register("sub")
class Sub(Function):
    """y = a - b.  da = sum_to(dy), db = -sum_to(dy)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return binary(SUB, a, b)

    @staticmethod
    def backward(ctx, dy):
        sa, sb = ctx.shapes
        na, nb = ctx.inputs
        return (sum_to(dy, sa) if na is not None else None), (_scale(sum_to(dy, sb), -1.0) if nb is not None else None)


@register("mul")
class Mul(Function):
    """y = a * b.  da = sum_to(dy * b), db = sum_to(dy * a)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.saved = (a, b)
        return binary(MUL, a, b)

    @staticmethod
    def backward(ctx, dy):
        a, b = ctx.saved
        na, nb = ctx.inputs
        return (sum_to(binary(MUL, dy, b), a.shape) if na is not None else None,
                sum_to(binary(MUL, dy, a), b.shape) if nb is not None else None)


@register("div")
class Div(Function):
    """y = a / b.  da = sum_to(dy / b), db = -sum_to(dy * y / b)."""

    @staticmethod
    def forward(ctx, a, b):
        y = binary(DIV, a, b)
        ctx.saved = (a, b, y)
        return y

    @staticmethod
    def backward(ctx, dy):
        a, b, y = ctx.saved
        na, nb = ctx.needs_input_grad
        da = sum_to(binary(DIV, dy, b), a.shape) if na else None
        # (dy * y) / b, not (dy / b) * y: dy / b overflows for a subnormal b where a = 0
        db = sum_to(_scale(binary(DIV, binary(MUL, dy, y), b), -1.0), b.shape) if nb else None
        return da, db


@register("pow")
class Pow(Function):
    """y = a ** b (tensor exponent).  da = dy b a^(b-1), db = dy y log(a)."""

    @staticmethod
    def forward(ctx, a, b):
        y = binary(POW, a, b)
        ctx.saved = (a, b, y)
        return y

    @staticmethod
    def backward(ctx, dy):
        a, b, y = ctx.saved
        na, nb = ctx.needs_input_grad
        shape = y.shape
        af = contiguous(np.broadcast_to(a, shape))
        bf = contiguous(np.broadcast_to(b, shape))
        dy = contiguous(dy)
        da = np.empty(shape, y.dtype) if na else None
        db = np.empty(shape, y.dtype) if nb else None
        kernel("pow_bwd", y.dtype)(y.size, rptr(af), rptr(bf), rptr(y), rptr(dy),
                                   wptr(da) if na else ffi.NULL, wptr(db) if nb else ffi.NULL)
        return (sum_to(da, a.shape) if na else None), (sum_to(db, b.shape) if nb else None)


_POW_SCALAR_FWD = {np.dtype(np.float32): lib.fg_pow_scalar_fwd_f32, np.dtype(np.float64): lib.fg_pow_scalar_fwd_f64}
_POW_SCALAR_BWD = {np.dtype(np.float32): lib.fg_pow_scalar_bwd_f32, np.dtype(np.float64): lib.fg_pow_scalar_bwd_f64}


@register("pow_scalar")
class PowScalar(Function):
    """y = x ** p for a Python number p.  dx = dy p x^(p-1).  One-element squares use the exact
    Python-float path (module docstring): x*x and dy*(2x) round once, as the kernel does."""

    @staticmethod
    def forward(ctx, x, p):
        if not x.flags.c_contiguous:
            x = contiguous(x)
        dt = x.dtype
        if p == 2.0 and x.shape in ONE_ELEMENT:
            v = x.item()
            y = one_element_array(v * v, x.shape, dt)
            if y is not None:
                ctx.saved = (x, None, p)
                return y
        ct = CTYPES[dt]
        y = np.empty(x.shape, dt)
        px = _from_buffer(ct, x)
        _POW_SCALAR_FWD[dt](x.size, px, _from_buffer(ct, y), p)
        ctx.saved = (x, px, p)  # backward reuses the pointer
        return y

    @staticmethod
    def backward(ctx, dy):
        x, px, p = ctx.saved
        dt = x.dtype
        if p == 2.0 and x.shape in ONE_ELEMENT and dy.shape == x.shape:
            two_x = 2.0 * x.item()
            if dt is not F32 or -FLT_MAX <= two_x <= FLT_MAX:  # the kernel's 2x did not overflow
                dx = one_element_array(dy.item() * two_x, x.shape, dt)
                if dx is not None:
                    return dx, None
        if not dy.flags.c_contiguous:
            dy = contiguous(dy)
        ct = CTYPES[dt]
        if px is None:
            px = _from_buffer(ct, x)
        dx = np.empty(x.shape, dt)
        _POW_SCALAR_BWD[dt](x.size, px, _from_buffer(ct, dy), _from_buffer(ct, dx), p)
        return dx, None


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
        kernel("scale", dx.dtype)(dx.size, rptr(dx), wptr(dx), 0.5)
        return dx


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
        kernel("clamp_fwd", x.dtype)(x.size, rptr(x), wptr(y), lo, hi)
        ctx.saved = (x,)
        ctx.bounds = (lo, hi)
        return y

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved
        dy = contiguous(dy)
        dx = np.empty(x.shape, x.dtype)
        kernel("clamp_bwd", x.dtype)(x.size, rptr(x), rptr(dy), wptr(dx), *ctx.bounds)
        return dx, None, None


class _MaxMin(Function):
    """Elementwise maximum/minimum; at ties each side gets dy / 2, as torch."""

    is_max = 1

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.saved = (a, b)
        return binary(MAXIMUM if cls.is_max else MINIMUM, a, b)

    @classmethod
    def backward(cls, ctx, dy):
        a, b = ctx.saved
        shape = dy.shape
        af = contiguous(np.broadcast_to(a, shape))
        bf = contiguous(np.broadcast_to(b, shape))
        dy = contiguous(dy)
        da = np.empty(shape, dy.dtype)
        db = np.empty(shape, dy.dtype)
        kernel("maxmin_bwd", dy.dtype)(cls.is_max, dy.size, rptr(af), rptr(bf), rptr(dy), wptr(da), wptr(db))
        na, nb = ctx.needs_input_grad
        return (sum_to(da, a.shape) if na else None), (sum_to(db, b.shape) if nb else None)


@register("maximum")
class Maximum(_MaxMin):
    """y = max(a, b) elementwise."""

    is_max = 1


@register("minimum")
class Minimum(_MaxMin):
    """y = min(a, b) elementwise."""

    is_max = 0


@register("where")
class Where(Function):
    """y = cond ? a : b.  da = sum_to(cond ? dy : 0), db = sum_to(cond ? 0 : dy).  (numpy: selection)"""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.saved = (cond,)
        ctx.shapes = (a.shape, b.shape)
        shape = broadcast_shape(broadcast_shape(cond.shape, a.shape, "where"), b.shape, "where")
        return np.where(np.broadcast_to(cond, shape), a, b)

    @staticmethod
    def backward(ctx, dy):
        (cond,) = ctx.saved
        _, na, nb = ctx.needs_input_grad
        zero = np.zeros((), dy.dtype)
        da = sum_to(np.where(cond, dy, zero), ctx.shapes[0]) if na else None
        db = sum_to(np.where(cond, zero, dy), ctx.shapes[1]) if nb else None
        return None, da, db


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
