"""Binary elementwise ops with broadcasting (csrc/broadcast.c, csrc/elementwise.c): + - * / **,
x ** p, maximum/minimum and where (numpy selection).  One-element operands take the exact path of
``ops/one_element.py``; two arrays of one shape are the hot path (pointers inline); any other
shapes and layouts are one strided C call through a plan cached per shapes and strides, and the
backward of a broadcast operand one C reduction (ops/common.py's sum_to, sum_to_binary)."""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, ffi, from_buffer, kernels, lib, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.ops import one_element
from fastgrad.ops.common import broadcast_shape, contiguous, sum_to, sum_to_binary

__all__ = ["binary", "scale", "ADD", "SUB", "MUL", "DIV", "POW", "Add", "Sub", "Mul", "Div", "Pow",
           "PowScalar", "Maximum", "Minimum", "Where"]

ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM = (lib.FG_ADD, lib.FG_SUB, lib.FG_MUL, lib.FG_DIV,
                                             lib.FG_POW, lib.FG_MAXIMUM, lib.FG_MINIMUM)
_OP_NAMES = {ADD: "add", SUB: "sub", MUL: "mul", DIV: "div", POW: "pow", MAXIMUM: "maximum",
             MINIMUM: "minimum"}
_BINARY, _BINARY_ND, _SCALE = kernels("binary"), kernels("binary_nd"), kernels("scale")
_POW_BWD, _MAXMIN_BWD = kernels("pow_bwd"), kernels("maxmin_bwd")
_POW_SCALAR_FWD, _POW_SCALAR_BWD = kernels("pow_scalar_fwd"), kernels("pow_scalar_bwd")
_ONE_ELEMENT = one_element.SHAPES
_binary1 = one_element.binary


def binary(op, a, b):
    """y = a (op) b for two arrays of one float dtype, with numpy broadcasting, in C: one
    strided kernel call (csrc/broadcast.c) whatever the shapes and layouts."""
    dtype = a.dtype
    shape = a.shape
    bshape = b.shape
    if a.size == 1 and b.size == 1:  # exact scalar arithmetic (ops/one_element.py)
        out = shape if len(shape) >= b.ndim else bshape
        if out in _ONE_ELEMENT:
            y = _binary1(op, a, b, out, dtype)
            if y is not None:
                return y
    ct = CTYPES[dtype]
    if b.dtype is not dtype:  # one pointer type serves both: never hand C a buffer of another width
        raise TypeError(f"binary: operands of different dtypes ({dtype}, {b.dtype})")
    if shape == bshape and a.flags.c_contiguous and b.flags.c_contiguous:  # the hot path: pointers inline
        y = np.empty(shape, dtype)
        _BINARY[dtype](op, y.size, from_buffer(ct, a), 1, from_buffer(ct, b), 1, from_buffer(ct, y))
        return y
    if b.size == 1 and b.ndim <= a.ndim and a.flags.c_contiguous:  # tensor (op) scalar
        y = np.empty(shape, dtype)
        _BINARY[dtype](op, a.size, from_buffer(ct, a), 1, _ptr(ct, b), 0, from_buffer(ct, y))
        return y
    key = (shape, bshape, a.strides, b.strides, dtype.itemsize)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan(a, b, _OP_NAMES[op])
        if plan is None:  # strides that are not whole elements: contiguous copies
            return binary(op, np.ascontiguousarray(a), np.ascontiguousarray(b))
        if len(_PLANS) > 512:
            _PLANS.clear()
        _PLANS[key] = plan
    out, nd, dims, sa, sb, ca, cb = plan
    y = np.empty(out, dtype)
    if nd:
        _BINARY_ND[dtype](op, nd, dims, from_buffer(ct, a) if ca else _ptr(ct, a), sa,
                          from_buffer(ct, b) if cb else _ptr(ct, b), sb, from_buffer(ct, y))
    return y


_PLANS = {}  # (a shape, b shape, a strides, b strides, itemsize) -> (out shape, fg_binary_nd's dims, strides)
_PTR = {CTYPES[np.dtype(np.float32)]: "float *", CTYPES[np.dtype(np.float64)]: "double *"}


def _ptr(ct, a):
    """C pointer to a's first element: the buffer when contiguous, else its address (strided)."""
    return from_buffer(ct, a) if a.flags.c_contiguous else ffi.cast(_PTR[ct], a.ctypes.data)


def _plan(a, b, op):
    """(broadcast shape, ndim (0: empty result), and as cffi arrays its dims and each operand's
    element strides (0 on broadcast dims) for fg_binary_nd, a and b contiguous); None for strides
    that are not whole elements."""
    shape = broadcast_shape(a.shape, b.shape, op)
    if any(s % a.itemsize for s in a.strides + b.strides):
        return None
    nd = len(shape)

    def strides(x):
        st = [0] * (nd - x.ndim)
        for n, s in zip(x.shape, x.strides):
            st.append(0 if n == 1 else s // x.itemsize)
        return st or [0]

    return (shape, max(nd, 1) if 0 not in shape else 0, ffi.new("int64_t[]", list(shape) or [1]),
            ffi.new("int64_t[]", strides(a)), ffi.new("int64_t[]", strides(b)), a.flags.c_contiguous,
            b.flags.c_contiguous)


def scale(x, alpha, out=None):
    """alpha * x in C, into ``out`` (a fresh array by default; ``x`` itself is allowed)."""
    x = contiguous(x)
    y = np.empty(x.shape, x.dtype) if out is None else out
    _SCALE[x.dtype](x.size, rptr(x), wptr(y), alpha)
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
    """y = a - b.  da = sum_to(dy), db = -sum_to(dy) (the sign inside the one C reduction)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return binary(SUB, a, b)

    @staticmethod
    def backward(ctx, dy):
        sa, sb = ctx.shapes
        na, nb = ctx.inputs
        return (sum_to(dy, sa) if na is not None else None), (sum_to(dy, sb, -1.0) if nb is not None else None)


@register("mul")
class Mul(Function):
    """y = a * b.  da = sum_to(dy * b), db = sum_to(dy * a) (one C pass each when summed)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.saved = (a, b)
        return binary(MUL, a, b)

    @staticmethod
    def backward(ctx, dy):
        a, b = ctx.saved
        na, nb = ctx.inputs
        return (_grad(MUL, dy, b, a.shape) if na is not None else None,
                _grad(MUL, dy, a, b.shape) if nb is not None else None)


def _grad(op, dy, w, shape, alpha=1.0):
    """alpha * sum_to(dy (op) w, shape): the product alone when nothing is summed."""
    if dy.shape == shape:
        y = binary(op, dy, w)
        return y if alpha == 1.0 else scale(y, alpha, y)
    return sum_to_binary(op, dy, w, shape, alpha)


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
        da = _grad(DIV, dy, b, a.shape) if na else None
        # (dy * y) / b, not (dy / b) * y: dy / b overflows for a subnormal b where a = 0
        db = _grad(DIV, binary(MUL, dy, y), b, b.shape, -1.0) if nb else None
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
        _POW_BWD[y.dtype](y.size, rptr(af), rptr(bf), rptr(y), rptr(dy),
                                   wptr(da) if na else NULL, wptr(db) if nb else NULL)
        return (sum_to(da, a.shape) if na else None), (sum_to(db, b.shape) if nb else None)


@register("pow_scalar")
class PowScalar(Function):
    """y = x ** p for a Python number p.  dx = dy p x^(p-1).  One-element squares take the exact
    path of ops/one_element.py (x*x and dy*(2x) round once, as the kernel does)."""

    @staticmethod
    def forward(ctx, x, p):
        if not x.flags.c_contiguous:
            x = contiguous(x)
        dt = x.dtype
        if p == 2.0 and x.shape in _ONE_ELEMENT:
            y = one_element.square(x)
            if y is not None:
                ctx.saved = (x, None, p)
                return y
        ct = CTYPES[dt]
        y = np.empty(x.shape, dt)
        px = from_buffer(ct, x)
        _POW_SCALAR_FWD[dt](x.size, px, from_buffer(ct, y), p)
        ctx.saved = (x, px, p)  # backward reuses the pointer
        return y

    @staticmethod
    def backward(ctx, dy):
        x, px, p = ctx.saved
        dt = x.dtype
        if p == 2.0 and x.shape in _ONE_ELEMENT and dy.shape == x.shape:
            dx = one_element.square_grad(x, dy)
            if dx is not None:
                return dx, None
        if not dy.flags.c_contiguous:
            dy = contiguous(dy)
        ct = CTYPES[dt]
        if px is None:
            px = from_buffer(ct, x)
        dx = np.empty(x.shape, dt)
        _POW_SCALAR_BWD[dt](x.size, px, from_buffer(ct, dy), from_buffer(ct, dx), p)
        return dx, None


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
        _MAXMIN_BWD[dy.dtype](cls.is_max, dy.size, rptr(af), rptr(bf), rptr(dy), wptr(da), wptr(db))
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
