"""Matrix products on arrays: the GEMM plumbing, MatMul (torch's matmul rules), and the fused
linear layer (Linear, and LinearReLU for a Linear followed by a ReLU).

Arithmetic runs in the C GEMM (``fg_gemm_*``, ``fg_linear_*``) and, for batches that do not fold
into one GEMM, in one ``fg_matmul_nd_*`` call (broadcast batch dims by strides, summed in C for
the gradient of a broadcast operand).  A
transposed operand is never copied: an array whose transpose is C-contiguous is passed
as that base with the transpose flag.  Other layouts are made contiguous once.
"""
import math

import numpy as np

from fastgrad._ffi import CTYPES, NULL, ffi, from_buffer, kernels, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.autograd.grad_buffer import grad_buffer
from fastgrad.ops.common import contiguous

__all__ = ["MatMul", "Linear", "LinearReLU"]

_GEMM, _MATMUL_ND = kernels("gemm"), kernels("matmul_nd")
_PTR = {np.dtype(np.float32): "float *", np.dtype(np.float64): "double *"}
_LINEAR_FWD, _LINEAR_BWD = kernels("linear_fwd"), kernels("linear_bwd")
_LINEAR_RELU_FWD, _LINEAR_RELU_BWD = kernels("linear_relu_fwd"), kernels("linear_relu_bwd")
_new = object.__new__


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
    _GEMM[a.dtype](ta, tb, m, n, k, 1.0, rptr(A), lda, rptr(B), ldb, 0.0, wptr(c), n)
    return c


class _Operand:
    """One operand of fg_matmul_nd: the array (kept alive), its C pointer, trans flag, leading
    dim and batch strides (elements, 0 on broadcast dims) over the product's batch dims."""

    __slots__ = ("x", "ptr", "trans", "ld", "strides")

    def t(self):
        """The same memory read as the transposed matrices (op(X)^T)."""
        o = _new(_Operand)
        o.x, o.ptr, o.trans, o.ld, o.strides = self.x, self.ptr, 1 - self.trans, self.ld, self.strides
        return o


def _layout(x, nbatch):
    """(copy, trans, ld, batch strides) of x (..., r, s) as an fg_matmul_nd operand over ``nbatch``
    batch dims (strides in elements, 0 on broadcast dims); copy: only a layout whose matrices
    have neither rows nor columns at unit stride (or strides that are not whole elements)."""
    r, s = x.shape[-2:]
    isz = x.itemsize
    st = x.strides
    rs, cs = st[-2] // isz, st[-1] // isz
    copy = any(v % isz for v in st) or min(st[-2:]) < 0
    if not copy and (cs == 1 or s == 1) and (r == 1 or rs >= max(s, 1)):
        trans, ld = 0, max(rs if r > 1 else s, 1)
    elif not copy and (rs == 1 or r == 1) and (s == 1 or cs >= max(r, 1)):
        trans, ld = 1, max(cs if s > 1 else r, 1)
    else:
        copy, trans, ld = True, 0, max(s, 1)
        st = [v * isz for v in _contiguous_strides(x.shape)]
    return copy, trans, ld, [0] * (nbatch - (x.ndim - 2)) + [0 if d == 1 else v // isz
                                                              for d, v in zip(x.shape[:-2], st[:-2])]


def _contiguous_strides(shape):
    """Element strides of a C-contiguous array of ``shape``."""
    out, step = [], 1
    for d in reversed(shape):
        out.append(step)
        step *= max(d, 1)
    return out[::-1]


def _ptr(x):
    """C pointer to x's first element: the buffer when contiguous, else its address (strided)."""
    return from_buffer(CTYPES[x.dtype], x) if x.flags.c_contiguous else ffi.cast(_PTR[x.dtype], x.ctypes.data)


def _operand_nd(x, nbatch):
    """An _Operand for x (..., r, s) over ``nbatch`` batch dims (see _layout)."""
    copy, trans, ld, strides = _layout(x, nbatch)
    if copy:
        x = np.ascontiguousarray(x)
    o = _new(_Operand)
    o.x, o.trans, o.ld, o.strides, o.ptr = x, trans, ld, strides, _ptr(x)
    return o


def _out_strides(shape, batch):
    """Batch strides of a contiguous (..., r, s) output over ``batch``: 0 on the batch dims it
    lacks or has as 1 (the products are summed there)."""
    step, out = shape[-2] * shape[-1], []
    lead = len(batch) - (len(shape) - 2)
    for i in range(len(batch) - 1, -1, -1):
        size = shape[i - lead] if i >= lead else 1
        out.append(step if size != 1 else 0)
        step *= size
    return out[::-1]


def _matmul_nd(A, B, batch, m, n, k, cshape, dtype):
    """One fg_matmul_nd call: C (cshape, contiguous) = op(A) op(B) over ``batch``, summed over
    the batch dims C lacks."""
    c = np.empty(cshape, dtype)
    if c.size == 0:
        return c
    if k == 0 or math.prod(batch) == 0:
        c.fill(0)
        return c
    new = ffi.new
    _MATMUL_ND[dtype](len(batch), new("int64_t[]", list(batch) or [1]), A.trans, B.trans, m, n, k,
                      A.ptr, new("int64_t[]", A.strides or [0]), A.ld, B.ptr, new("int64_t[]", B.strides or [0]),
                      B.ld, from_buffer(CTYPES[dtype], c, True),
                      new("int64_t[]", _out_strides(cshape, batch) or [0]), max(cshape[-1], 1))
    return c


def _is_single(a):
    """True when ``a`` holds one matrix (no batch dims, or all of size 1)."""
    return a.ndim == 2 or all(d == 1 for d in a.shape[:-2])


def _bmm(a, b):
    """c = a @ b for (..., m, k) and (..., k, n) arrays with broadcast batch dims, in one
    fg_matmul_nd call (one GEMM when the batch folds into a's rows; no per-batch Python).  The
    plan is computed once per shapes and strides."""
    if a.ndim == 2 and b.ndim == 2:
        return _gemm(a, b)
    key = (a.shape, b.shape, a.strides, b.strides, a.itemsize)
    p = _PLANS.get(key)
    if p is None:
        p = _plan(a, b)
        if len(_PLANS) > 512:
            _PLANS.clear()
        _PLANS[key] = p
    cshape, empty, args, copy_a, copy_b = p
    if empty:
        return np.zeros(cshape, a.dtype)
    if copy_a:
        a = np.ascontiguousarray(a)
    if copy_b:
        b = np.ascontiguousarray(b)
    c = np.empty(cshape, a.dtype)
    nb, dims, ta, tb, m, n, k, sa, lda, sb, ldb, sc, ldc = args
    _MATMUL_ND[a.dtype](nb, dims, ta, tb, m, n, k, _ptr(a), sa, lda, _ptr(b), sb, ldb,
                        from_buffer(CTYPES[a.dtype], c, True), sc, ldc)
    return c


_PLANS = {}  # (a shape, b shape, a strides, b strides, itemsize) -> how _bmm multiplies them


def _plan(a, b):
    """(c shape, empty, fg_matmul_nd's arguments but the pointers, copy a, copy b).  When b is
    one matrix and a is contiguous, a's batch folds into its rows: no batch dims, one GEMM."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k = a.shape[-2:]
    n = b.shape[-1]
    cshape = batch + (m, n)
    if _is_single(b) and a.shape[:-2] == batch and a.flags.c_contiguous:
        batch, m = (), math.prod(a.shape[:-1])
        b = b.reshape(b.shape[-2:])
    nb = len(batch)
    copy_a, ta, lda, sa = _layout(a, nb) if nb else (False, 0, max(k, 1), [])
    copy_b, tb, ldb, sb = _layout(b, nb)
    new = ffi.new
    args = (nb, new("int64_t[]", list(batch) or [1]), ta, tb, m, n, k, new("int64_t[]", sa or [0]), lda,
            new("int64_t[]", sb or [0]), ldb, new("int64_t[]", _out_strides(cshape, batch) or [0]), max(n, 1))
    return cshape, math.prod(cshape) == 0 or k == 0, args, copy_a, copy_b


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
        if a2.ndim == 2 and b2.ndim == 2:
            if need[0]:
                da = _gemm(dc, b2.T).reshape(a_shape)
            if need[1]:
                db = _gemm(a2.T, dc).reshape(b_shape)
            return da, db
        batch = c_shape[:-2]
        m, k = a2.shape[-2:]
        n = b2.shape[-1]
        nb = len(batch)
        fold = _is_single(b2) and a2.shape[:-2] == batch and dc.flags.c_contiguous
        if need[0]:
            if fold:  # B shared by every batch entry: dA_flat = dC_flat B^T, one GEMM
                da = _gemm(dc.reshape(math.prod(c_shape[:-1]), n), b2.reshape(k, n).T)
            else:  # dA = dC B^T, summed over A's broadcast batch dims, one C call
                da = _matmul_nd(_operand_nd(dc, nb), _operand_nd(b2, nb).t(), batch, m, k, n, a2.shape,
                                dc.dtype)
            da = da.reshape(a_shape)
        if need[1]:
            if fold and a2.flags.c_contiguous:  # dB = A_flat^T dC_flat, one GEMM
                rows = math.prod(a2.shape[:-1])
                db = _gemm(a2.reshape(rows, k).T, dc.reshape(rows, n))
            else:  # dB = A^T dC, summed over B's broadcast batch dims, one C call
                db = _matmul_nd(_operand_nd(a2, nb).t(), _operand_nd(dc, nb), batch, k, n, m, b2.shape,
                                dc.dtype)
            db = db.reshape(b_shape)
        return da, db


class _LinearSaved:
    """What the linear forward keeps for backward: x as (m, k) rows, W, their C pointers (None
    for empty products), x's original shape and, when fused with a relu, y and its pointer."""

    __slots__ = ("x", "w", "px", "pw", "shape", "y", "py")


def _linear_forward(ctx, x, w, b, fused):
    """y = x W^T + b (relu'd when ``fused``) for x (..., k): one C call; saves a _LinearSaved."""
    shape = x.shape
    k = shape[-1]
    n = w.shape[0]
    if len(shape) == 2 and x.flags.c_contiguous:  # rows already: no reshape
        m = shape[0]
        x2 = x
    else:
        m = x.size // k if k else math.prod(shape[:-1])
        x2 = contiguous(x).reshape(m, k)
    if not w.flags.c_contiguous:
        w = contiguous(w)
    dtype = x.dtype
    s = ctx.saved = _new(_LinearSaved)
    s.x = x2
    s.w = w
    s.shape = shape
    if m == 0 or k == 0:
        y = np.zeros((m, n), dtype)
        if b is not None:
            y += b
        if fused:
            np.maximum(y, 0, out=y)
        s.y = y
    else:
        y = np.empty((m, n), dtype)
        ct = CTYPES[dtype]
        s.px = px = from_buffer(ct, x2)
        s.pw = pw = from_buffer(ct, w)
        py = from_buffer(ct, y)
        if b is not None and not b.flags.c_contiguous:
            b = contiguous(b)
        (_LINEAR_RELU_FWD if fused else _LINEAR_FWD)[dtype](
            m, n, k, px, pw, NULL if b is None else from_buffer(ct, b), py)
        if fused:
            s.y = y
            s.py = py
    return y if len(shape) == 2 else y.reshape(shape[:-1] + (n,))


def _linear_backward(ctx, dy, fused):
    """dx = dz W, dW = dz^T x, db = colsum(dz), with dz = dy (or y > 0 ? dy : 0 when fused);
    only the gradients whose inputs need one, in one C call."""
    s = ctx.saved
    x2, w = s.x, s.w
    inputs = ctx.inputs
    pre = ctx.__dict__.pop("bias_grad", None) if ctx.__dict__ else None  # (dz, db): ops/linear_gelu.py
    dy0 = dy
    m, k = x2.shape
    n = w.shape[0]
    dt = dy.dtype
    dx = np.empty((m, k), dt) if inputs[0] is not None else None
    ew, eb = inputs[1], inputs[2]
    pdw = pdb = NULL
    if ew is None:
        dw = None
    elif not isinstance(ew, Function):  # a leaf: its reusable gradient buffer
        dw, pdw = grad_buffer(ew, (n, k), dt)
    else:
        dw = np.empty((n, k), dt)
    if eb is None:
        db = None
    elif not isinstance(eb, Function):
        db, pdb = grad_buffer(eb, (n,), dt)
    else:
        db = np.empty(n, dt)
    if m == 0 or k == 0 or n == 0:  # degenerate sizes: numpy (no kernel call on empty buffers)
        dz = dy.reshape(m, n)
        if fused:
            dz = np.where(s.y > 0, dz, 0).astype(dt, copy=False)
        for g, v in ((dx, dz @ w), (dw, dz.T @ x2), (db, dz.sum(0))):
            if g is not None:
                g[...] = v
    else:
        if dy.ndim != 2 or not dy.flags.c_contiguous:
            dy = contiguous(dy).reshape(m, n)
        ct = CTYPES[dt]
        pdx = NULL if dx is None else from_buffer(ct, dx)
        if pdw is NULL and dw is not None:
            pdw = from_buffer(ct, dw)
        if pre is not None and pre[0] is dy0 and db is not None:  # dy is that very dz: db is its colsum
            db[...] = pre[1]
            pdb = NULL
        elif pdb is NULL and db is not None:
            pdb = from_buffer(ct, db)
        if fused:
            if _LINEAR_RELU_BWD[dt](m, n, k, s.px, s.pw, s.py, from_buffer(ct, dy), pdx, pdw, pdb):
                raise MemoryError(f"linear_relu backward: cannot allocate {m * n} elements of scratch")
        else:
            _LINEAR_BWD[dt](m, n, k, s.px, s.pw, from_buffer(ct, dy), pdx, pdw, pdb)
    shape = s.shape
    if dx is not None and len(shape) != 2:
        dx = dx.reshape(shape)
    return dx, dw, db


@register("linear")
class Linear(Function):
    """y = x W^T + b for x (..., k), W (n, k), b (n,) or None: one fused C call each way
    (backward: dx = dy W, dW = dy^T x, db = column sums of dy, only those needed)."""

    fused = False  # LinearReLU: the relu epilogue / mask in the same C calls

    @classmethod
    def forward(cls, ctx, x, w, b):
        return _linear_forward(ctx, x, w, b, cls.fused)

    @classmethod
    def backward(cls, ctx, dy):
        return _linear_backward(ctx, dy, cls.fused)


@register("linear_relu")
class LinearReLU(Linear):
    """y = relu(x W^T + b): a Linear followed by a ReLU in one node and one C call each way
    (what nn.Sequential runs for that pair).  Backward: dz = y > 0 ? dy : 0, then as Linear."""

    fused = True
