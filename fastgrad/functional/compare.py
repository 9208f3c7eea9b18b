"""Comparisons and logic: no gradient, bool results (numpy, with torch's broadcasting errors)."""
import numpy as np

from fastgrad.lowp import compare_operands, values
from fastgrad.ops.common import broadcast_shape
from fastgrad.tensor import Tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
           "isnan", "isinf", "isfinite", "equal", "allclose"]

_make = Tensor._make


def _compare(a, b, fn, op):
    av = a._data if isinstance(a, Tensor) else np.asarray(a)
    bv = b._data if isinstance(b, Tensor) else np.asarray(b)
    if av.itemsize == 2 or bv.itemsize == 2:  # float16/bfloat16 (fastgrad/lowp.py; int16 passes through)
        av, bv = compare_operands(av, bv, isinstance(a, Tensor), isinstance(b, Tensor))
    broadcast_shape(av.shape, bv.shape, op)
    return _make(np.asarray(fn(av, bv)))


def eq(input, other): return _compare(input, other, np.equal, "eq")


def ne(input, other): return _compare(input, other, np.not_equal, "ne")


def lt(input, other): return _compare(input, other, np.less, "lt")


def le(input, other): return _compare(input, other, np.less_equal, "le")


def gt(input, other): return _compare(input, other, np.greater, "gt")


def ge(input, other): return _compare(input, other, np.greater_equal, "ge")


def logical_and(input, other): return _compare(input, other, np.logical_and, "logical_and")


def logical_or(input, other): return _compare(input, other, np.logical_or, "logical_or")


def logical_xor(input, other): return _compare(input, other, np.logical_xor, "logical_xor")


def logical_not(input): return _make(np.logical_not(input._data))


def isnan(input): return _make(np.isnan(values(input._data)))


def isinf(input): return _make(np.isinf(values(input._data)))


def isfinite(input): return _make(np.isfinite(values(input._data)))


def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(values(input._data), values(other._data)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """isclose(...).all(); the two tensors must have one dtype, as torch's."""
    if input._data.dtype != other._data.dtype:
        from fastgrad.functional.inplace import _NAME
        a, b = input._data.dtype.name, other._data.dtype.name
        raise RuntimeError(f"{_NAME.get(a, a)} did not match {_NAME.get(b, b)}")
    return bool(np.allclose(values(input._data), values(other._data), rtol=rtol, atol=atol, equal_nan=equal_nan))
