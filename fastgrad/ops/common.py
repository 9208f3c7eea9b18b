"""Helpers shared by the op families: dim normalisation, broadcast reduction, checks."""
from math import prod

import numpy as np

from fastgrad._ffi import kernels, rptr, wptr
from fastgrad.dtypes import FLOAT_DTYPES

__all__ = ["wrap_dim", "wrap_dims", "sum_to", "broadcast_shape", "contiguous", "check_float", "three"]

_COLSUM = kernels("colsum")


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


def sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Reduce a broadcast gradient back to ``shape`` (the inverse of broadcasting)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and g.shape[i + lead] != 1)
    if g.ndim == 2 and axes == (0,) and g.flags.c_contiguous and g.dtype.kind == "f":
        out = np.empty(g.shape[1], g.dtype)  # bias-shaped: one C column sum
        _COLSUM[g.dtype](g.shape[0], g.shape[1], rptr(g), wptr(out))
        return out.reshape(shape)
    return g.sum(axis=axes).reshape(shape) if axes else g.reshape(shape)


def contiguous(a: np.ndarray) -> np.ndarray:
    """a itself when C-contiguous, else a contiguous copy (what the C kernels need)."""
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def check_float(a: np.ndarray, op: str) -> None:
    if a.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{op}: expected a float32 or float64 tensor, got {a.dtype}")


def three(shape, first: int, last: int) -> tuple:
    """(outer, len, inner): the products of ``shape`` before dim ``first``, over dims
    first..last and after ``last`` (how the reduce and softmax kernels see an array)."""
    return prod(shape[:first]), prod(shape[first:last + 1]), prod(shape[last + 1:])
