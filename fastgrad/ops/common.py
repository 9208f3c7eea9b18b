"""Helpers shared by the op families: dim normalisation, broadcast reduction, checks."""
from math import prod

import numpy as np

from fastgrad._ffi import CTYPES, ffi, from_buffer, kernels
from fastgrad.dtypes import FLOAT_DTYPES, LOWP_DTYPES

__all__ = ["wrap_dim", "wrap_dims", "sum_to", "sum_to_binary", "broadcast_shape", "contiguous", "check_float", "three"]

_SUM_TO, _BINARY_SUM_TO = kernels("sum_to"), kernels("binary_sum_to")
_SUM_PLANS = {}  # (g shape, g strides, itemsize, shape) -> fg_sum_to's dims and strides
_PTR = {np.dtype(np.float32): "float *", np.dtype(np.float64): "double *"}


def wrap_dim(dim: int, ndim: int, op: str) -> int:
    """A dim in [-ndim, ndim) as a non-negative index (0-d tensors accept -1 and 0)."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) + n if dim < 0 else int(dim)


def wrap_dims(dims, ndim: int, op: str) -> tuple:
    """None/() -> all dims; an int or a sequence -> sorted unique non-negative dims."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    elif not isinstance(dims, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {type(dims).__name__} {dims!r}")
    if not ndim:  # a 0-d tensor takes dims -1 and 0, each at most once (torch)
        if len({wrap_dim(d, 0, op) for d in dims}) != len(tuple(dims)):
            raise RuntimeError(f"{op}: dim 0 appears multiple times in the list of dims")
        return ()
    out = sorted({wrap_dim(d, ndim, op) for d in dims})
    if len(out) != len(tuple(dims)):
        raise RuntimeError(f"{op}: dim {tuple(dims)} appears multiple times in the list of dims")
    return tuple(out)


def broadcast_shape(a, b, op: str) -> tuple:
    """numpy/torch broadcasting of two shapes, with an error naming the op and both shapes."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {tuple(a)} and {tuple(b)} are not broadcastable") from None


def sum_to(g: np.ndarray, shape: tuple, alpha: float = 1.0) -> np.ndarray:
    """alpha * ``g`` reduced back to ``shape`` (the inverse of broadcasting): one C reduction
    (csrc/broadcast.c, double accumulation, any strides) for float arrays."""
    if g.shape == shape:
        return g if alpha == 1.0 else np.multiply(g, g.dtype.type(alpha))
    key = (g.shape, g.strides, g.itemsize, shape)
    plan = _SUM_PLANS.get(key)
    if plan is None:
        plan = _sum_plan(g, shape)
        if len(_SUM_PLANS) > 512:
            _SUM_PLANS.clear()
        _SUM_PLANS[key] = plan
    if plan is None or g.dtype.kind != "f":
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                          if s == 1 and g.shape[i + lead] != 1)
        out = g.sum(axis=axes).reshape(shape)
        return out if alpha == 1.0 else np.multiply(out, out.dtype.type(alpha))
    out = np.empty(shape, g.dtype)
    ct = CTYPES[g.dtype]
    nd, dims, sx, sy = plan
    if _SUM_TO[g.dtype](nd, dims, _ptr(ct, g), sx, from_buffer(ct, out, True), sy, alpha):
        raise MemoryError(f"sum_to: cannot allocate scratch for {out.size} elements")
    return out


def sum_to_binary(op: int, x: np.ndarray, w: np.ndarray, shape: tuple, alpha: float = 1.0) -> np.ndarray:
    """alpha * sum_to(x (op) w, shape) for float x of the full shape and w broadcast to it, in one
    C pass (each x (op) w rounded to the dtype first, as the two separate ops would)."""
    key = (x.shape, x.strides, x.itemsize, shape, w.shape, w.strides)
    plan = _SUM_PLANS.get(key)
    if plan is None:
        plan = _sum_plan(x, shape)
        if plan is not None:
            lead = x.ndim - w.ndim
            sw = [0] * lead + [0 if n == 1 else st // w.itemsize for n, st in zip(w.shape, w.strides)]
            plan = plan + (ffi.new("int64_t[]", sw or [0]),) if not any(st % w.itemsize for st in w.strides) else None
        if len(_SUM_PLANS) > 512:
            _SUM_PLANS.clear()
        _SUM_PLANS[key] = plan
    if plan is None or x.dtype != w.dtype:
        from fastgrad.ops.elementwise import binary
        return sum_to(binary(op, x, w), shape, alpha)
    out = np.empty(shape, x.dtype)
    ct = CTYPES[x.dtype]
    nd, dims, sx, sy, sw = plan
    if _BINARY_SUM_TO[x.dtype](op, nd, dims, _ptr(ct, x), sx, _ptr(ct, w), sw, from_buffer(ct, out, True), sy, alpha):
        raise MemoryError(f"sum_to: cannot allocate scratch for {out.size} elements")
    return out


def _ptr(ct, a):
    """C pointer to a's first element: the buffer when contiguous, else its address (strided)."""
    return from_buffer(ct, a) if a.flags.c_contiguous else ffi.cast(_PTR[a.dtype], a.ctypes.data)


def _sum_plan(g, shape):
    """(ndim, dims, element strides of g, strides of the output with 0 on summed dims) as
    cffi arrays for fg_sum_to, or None when numpy must do it (ragged strides, not a float)."""
    if g.dtype not in _PTR or any(st % g.itemsize for st in g.strides):
        return None
    nd, lead = g.ndim, g.ndim - len(shape)
    if lead < 0:
        return None
    sy, step = [0] * nd, 1
    for i in range(nd - 1, lead - 1, -1):
        s = shape[i - lead]
        if s != g.shape[i] and s != 1:
            return None  # not a broadcast of shape: numpy raises its error
        if s == g.shape[i]:
            sy[i] = step
        step *= max(s, 1)
    return (nd, ffi.new("int64_t[]", list(g.shape) or [1]),
            ffi.new("int64_t[]", [st // g.itemsize for st in g.strides] or [0]), ffi.new("int64_t[]", sy or [0]))


def contiguous(a: np.ndarray) -> np.ndarray:
    """a itself when C-contiguous, else a contiguous copy (what the C kernels need)."""
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def check_float(a: np.ndarray, op: str) -> None:
    """float32/float64, or float16/bfloat16 (their ops rerun in float32: fastgrad/lowp.py)."""
    if a.dtype not in FLOAT_DTYPES and a.dtype not in LOWP_DTYPES:
        raise TypeError(f"{op}: expected a float32 or float64 tensor, got {a.dtype}")


def three(shape, first: int, last: int) -> tuple:
    """(outer, len, inner): the products of ``shape`` before dim ``first``, over dims
    first..last and after ``last`` (how the reduce and softmax kernels see an array)."""
    return prod(shape[:first]), prod(shape[first:last + 1]), prod(shape[last + 1:])
