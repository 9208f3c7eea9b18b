"""Matrix products: matmul (torch's rules), mm, bmm, and the fused linear layer.

Arithmetic runs in the C GEMM (``fg_gemm_*``, ``fg_gemm_batched_*``, ``fg_linear_*``).  A
transposed operand is never copied: an array whose transpose is C-contiguous is passed
as that base with the transpose flag.  Other layouts are made contiguous once.
"""
import math

import numpy as np

from fastgrad._ffi import CTYPES, NULL, ffi, kernel, lib, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.autograd.grad_buffer import grad_buffer
from fastgrad.ops.common import broadcast_shape, contiguous, sum_to
from fastgrad.tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "linear", "linear_relu"]

_make = Tensor._make
_from_buffer = ffi.from_buffer
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_LINEAR_FWD = {_F32: lib.fg_linear_fwd_f32, _F64: lib.fg_linear_fwd_f64}
_LINEAR_BWD = {_F32: lib.fg_linear_bwd_f32, _F64: lib.fg_linear_bwd_f64}
_TORCH_NAME = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}


# -- GEMM plumbing (arrays only) ---------------------------------------------------------
def _operand(a):
    """(C-contiguous array, trans flag, leading dim) for a 2-D operand, copying only when
    neither ``a`` nor ``a.T`` is C-contiguous."""
    if a.flags.c_contiguous:
        return a, 0, max(a.shape[1], 1)
    at = a.T
    if at.flags.c_contiguous:
        return at, 1, max(at.shape[1], 1)
    a = np.ascontiguousarray(a)
    return a, 0, max(a.shape[1], 1)


def _gemm(a, b):
    """c = a @ b for 2-D arrays (one C call)."""
    m, k = a.shape
    n = b.shape[1]
    if m == 0 or n == 0 or k == 0:
        return np.zeros((m, n), a.dtype)
    A, ta, lda = _operand(a)
    B, tb, ldb = _operand(b)
    c = np.empty((m, n), a.dtype)
    kernel("gemm", a.dtype)(ta, tb, m, n, k, 1.0, rptr(A), lda, rptr(B), ldb, 0.0, wptr(c), n)
    return c


def _batch_operand(a, batch):
    """(array, trans, ld, batch stride) for a (..., r, s) operand of a batched product."""
    r, s = a.shape[-2:]
    if a.ndim == 2 or (a.shape[:-2] != batch and _is_single(a)):  # one matrix, broadcast
        A, t, ld = _operand(a.reshape(r, s))
        return A, t, ld, 0
    if a.shape[:-2] != batch:  # partially broadcast batch dims: materialise once
        a = np.broadcast_to(a, batch + (r, s))
    if a.flags.c_contiguous:
        return a, 0, max(s, 1), r * s
    at = np.swapaxes(a, -1, -2)
    if at.flags.c_contiguous:
        return at, 1, max(r, 1), r * s
    return np.ascontiguousarray(a), 0, max(s, 1), r * s


def _is_single(a):
    """True when ``a`` holds one matrix (no batch dims, or all of size 1)."""
    return a.ndim == 2 or all(d == 1 for d in a.shape[:-2])


def _bmm(a, b):
    """c = a @ b for (..., m, k) and (..., k, n) arrays with broadcast batch dims."""
    if a.ndim == 2 and b.ndim == 2:
        return _gemm(a, b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if _is_single(b) and a.shape[:-2] == batch and a.flags.c_contiguous:
        # one matrix on the right: fold the batch into the rows, a single GEMM
        c = _gemm(a.reshape(a.size // k if k else math.prod(a.shape[:-1]), k), b.reshape(k, n))
        return c.reshape(batch + (m, n))
    count = 1
    for d in batch:
        count *= d
    if count == 0 or m == 0 or n == 0 or k == 0:
        return np.zeros(batch + (m, n), a.dtype)
    A, ta, lda, sa = _batch_operand(a, batch)
    B, tb, ldb, sb = _batch_operand(b, batch)
    c = np.empty(batch + (m, n), a.dtype)
    kernel("gemm_batched", a.dtype)(ta, tb, count, m, n, k, 1.0, rptr(A), sa, lda, rptr(B), sb, ldb,
                                    0.0, wptr(c), m * n, n)
    return c


@register("matmul")
class MatMul(Function):
    """C = A B with torch's matmul rules (1-d operands promoted, then the added dim removed;
    batch dims broadcast).  dA = dC B^T, dB = A^T dC, summed over broadcast batch dims."""

    @staticmethod
    def forward(ctx, a, b):
        a2 = a if a.ndim > 1 else a.reshape(1, -1)
        b2 = b if b.ndim > 1 else b.reshape(-1, 1)
        c = _bmm(a2, b2)
        ctx.save_for_backward(a2, b2)
        ctx.shapes = (a.shape, b.shape, c.shape)
        if a.ndim == 1:
            c = c.reshape(c.shape[:-2] + c.shape[-1:])
        if b.ndim == 1:
            c = c.reshape(c.shape[:-1])
        return c

    @staticmethod
    def backward(ctx, dy):
        a2, b2 = ctx.saved
        a_shape, b_shape, c_shape = ctx.shapes
        need = ctx.needs_input_grad
        dc = dy.reshape(c_shape)
        da = db = None
        if need[0]:
            da = sum_to(_bmm(dc, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a_shape)
        if need[1]:
            if b2.ndim == 2 and a2.ndim > 2 and a2.flags.c_contiguous and dc.flags.c_contiguous:
                # B shared by every batch entry: dB = A_flat^T dC_flat, one GEMM
                k, rows = a2.shape[-1], math.prod(a2.shape[:-1])
                db = _gemm(a2.reshape(rows, k).T, dc.reshape(rows, dc.shape[-1]))
            else:
                db = sum_to(_bmm(np.swapaxes(a2, -1, -2), dc), b2.shape)
            db = db.reshape(b_shape)
        return da, db


# -- public functions --------------------------------------------------------------------
def _dtype_name(d):
    return _TORCH_NAME.get(d.name, d.name)


def _check_pair(a, b, op):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        bad, pos, arg = (a, 1, "input") if not isinstance(a, Tensor) else (b, 2, "other")
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be Tensor, "
                        f"not {type(bad).__name__}")
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        raise RuntimeError(f"{op}: expected m1 and m2 to have the same dtype, but got: "
                           f"{_dtype_name(da)} != {_dtype_name(db)}")


def _shape_error(op, a, b):
    return RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied")


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with torch's rules: 1-d·1-d is a dot product, a 1-d operand is promoted
    to a matrix and the added dim removed, N-d operands broadcast their batch dims."""
    _check_pair(input, other, "matmul")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise _shape_error("matmul", a, b)
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shape(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else (), "matmul")
    if a.dtype.kind != "f":
        return _make(np.asarray(np.matmul(a, b)))
    return MatMul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (no broadcasting)."""
    _check_pair(input, mat2, "mm")
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("mm: self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mm: mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise _shape_error("mm", a, b)
    if a.dtype.kind != "f":
        return _make(a @ b)
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
    _check_pair(input, mat2, "bmm")
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("bmm: batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("bmm: batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype.kind != "f":
        return _make(a @ b)
    return MatMul.apply(input, mat2)


_LINEAR_RELU_FWD = {_F32: lib.fg_linear_relu_fwd_f32, _F64: lib.fg_linear_relu_fwd_f64}
_LINEAR_RELU_BWD = {_F32: lib.fg_linear_relu_bwd_f32, _F64: lib.fg_linear_relu_bwd_f64}


def _linear_forward(ctx, x, w, b, fused):
    """y = x W^T + b (relu'd when ``fused``) for x (..., k): one C call.  Saves x as (m, k) rows,
    W, their C pointers (backward reuses them), x's shape and, when fused, y and its pointer."""
    shape = x.shape
    k = shape[-1]
    n = w.shape[0]
    if len(shape) == 2 and x.flags.c_contiguous:  # the training-loop case: no reshapes
        m = shape[0]
        x2 = x
    else:
        m = x.size // k if k else math.prod(shape[:-1])
        x2 = contiguous(x).reshape(m, k)
    if not w.flags.c_contiguous:
        w = contiguous(w)
    dtype = x.dtype
    if m == 0 or k == 0:
        y = np.zeros((m, n), dtype)
        if b is not None:
            y += b
        if fused:
            np.maximum(y, 0, out=y)
        ctx.saved = (x2, w, None, None, shape, y, None)
    else:
        y = np.empty((m, n), dtype)
        ct = CTYPES[dtype]
        px = _from_buffer(ct, x2)
        pw = _from_buffer(ct, w)
        py = _from_buffer(ct, y)
        if b is not None and not b.flags.c_contiguous:
            b = contiguous(b)
        (_LINEAR_RELU_FWD if fused else _LINEAR_FWD)[dtype](
            m, n, k, px, pw, NULL if b is None else _from_buffer(ct, b), py)
        ctx.saved = (x2, w, px, pw, shape, y, py) if fused else (x2, w, px, pw, shape)
    return y if len(shape) == 2 else y.reshape(shape[:-1] + (n,))


def _linear_backward(ctx, dy, fused):
    """dx = dz W, dW = dz^T x, db = colsum(dz), with dz = dy (or y > 0 ? dy : 0 when fused);
    only the gradients whose inputs need one, in one C call."""
    saved = ctx.saved
    x2, w = saved[0], saved[1]
    inputs = ctx.inputs
    m, k = x2.shape
    n = w.shape[0]
    dt = dy.dtype
    dx = np.empty((m, k), dt) if inputs[0] is not None else None
    ew, eb = inputs[1], inputs[2]
    pdw = pdb = NULL
    if ew is None:
        dw = None
    elif isinstance(ew, Tensor):  # a leaf: its reusable gradient buffer
        dw, pdw = grad_buffer(ew, (n, k), dt)
    else:
        dw = np.empty((n, k), dt)
    if eb is None:
        db = None
    elif isinstance(eb, Tensor):
        db, pdb = grad_buffer(eb, (n,), dt)
    else:
        db = np.empty(n, dt)
    if m == 0 or k == 0 or n == 0:  # degenerate sizes: numpy (no kernel call on empty buffers)
        dz = dy.reshape(m, n)
        if fused:
            dz = np.where(saved[5] > 0, dz, 0).astype(dt, copy=False)
        for g, v in ((dx, dz @ w), (dw, dz.T @ x2), (db, dz.sum(0))):
            if g is not None:
                g[...] = v
    else:
        if dy.ndim != 2 or not dy.flags.c_contiguous:
            dy = contiguous(dy).reshape(m, n)
        ct = CTYPES[dt]
        pdx = NULL if dx is None else _from_buffer(ct, dx)
        if pdw is NULL and dw is not None:
            pdw = _from_buffer(ct, dw)
        if pdb is NULL and db is not None:
            pdb = _from_buffer(ct, db)
        if fused:
            if _LINEAR_RELU_BWD[dt](m, n, k, saved[2], saved[3], saved[6], _from_buffer(ct, dy), pdx, pdw, pdb):
                raise MemoryError(f"linear_relu backward: cannot allocate {m * n} elements of scratch")
        else:
            _LINEAR_BWD[dt](m, n, k, saved[2], saved[3], _from_buffer(ct, dy), pdx, pdw, pdb)
    shape = saved[4]
    if dx is not None and len(shape) != 2:
        dx = dx.reshape(shape)
    return dx, dw, db


@register("linear")
class Linear(Function):
    """y = x W^T + b for x (..., k), W (n, k), b (n,) or None: one fused C call each way
    (backward: dx = dy W, dW = dy^T x, db = column sums of dy, only those needed)."""

    @staticmethod
    def forward(ctx, x, w, b):
        return _linear_forward(ctx, x, w, b, False)

    @staticmethod
    def backward(ctx, dy):
        return _linear_backward(ctx, dy, False)


@register("linear_relu")
class LinearReLU(Function):
    """y = relu(x W^T + b): a Linear followed by a ReLU in one node and one C call each way
    (what nn.Sequential runs for that pair).  Backward: dz = y > 0 ? dy : 0, then as Linear."""

    @staticmethod
    def forward(ctx, x, w, b):
        return _linear_forward(ctx, x, w, b, True)

    @staticmethod
    def backward(ctx, dy):
        return _linear_backward(ctx, dy, True)


def _training_case(input, weight, bias) -> bool:
    """The training-loop case, checked in one go: 2-D input, W (n, k), b (n,), one float dtype."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor):
        x, w, b = input._data, weight._data, bias._data
        dt = x.dtype
        return (dt is w.dtype is b.dtype and dt in _LINEAR_FWD and x.ndim == 2 and w.ndim == 2
                and x.shape[1] == w.shape[1] and b.shape == (w.shape[0],))
    return False


def linear(input: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """y = input weight^T + bias over the last dim of ``input`` (any leading dims)."""
    if _training_case(input, weight, bias):
        return Linear.apply3(input, weight, bias)
    _check_pair(input, weight, "linear")
    x, w = input._data, weight._data
    if x.ndim == 0:
        raise RuntimeError("linear: input must have at least 1 dimension, got a 0-d tensor")
    if w.ndim != 2 or x.dtype.kind != "f":  # the general (rare) forms go through matmul
        y = matmul(input, weight.t() if w.ndim == 2 else weight)
        return y if bias is None else _add(y, bias)
    if x.shape[-1] != w.shape[1]:
        m = x.size // x.shape[-1] if x.shape[-1] else 0
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied "
                           f"({m}x{x.shape[-1]} and {w.shape[1]}x{w.shape[0]})")
    if bias is None:
        return Linear.apply(input, weight, None)
    if not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' (position 3) must be Tensor, not {type(bias).__name__}")
    if bias._data.shape != (w.shape[0],) or bias._data.dtype != x.dtype:
        out_shape = x.shape[:-1] + (w.shape[0],)
        try:
            fits = np.broadcast_shapes(out_shape, bias._data.shape) == out_shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"linear: bias of shape {tuple(bias._data.shape)} does not match the "
                               f"output features of weight {tuple(w.shape)} (expected ({w.shape[0]},))")
        return _add(Linear.apply(input, weight, None), bias)
    return Linear.apply(input, weight, bias)


def linear_relu(input: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """relu(linear(input, weight, bias)) as one fused node when the inputs are the usual
    training-loop case (2-D input, matching float dtypes), else exactly the two separate ops."""
    if _training_case(input, weight, bias):
        return LinearReLU.apply3(input, weight, bias)
    from fastgrad import functional
    return functional.relu(linear(input, weight, bias))


def _add(a, b):
    from fastgrad import functional
    return functional.add(a, b)
