"""Bitwise ops on integer and bool tensors (torch's ``& | ^ ~ << >>``): no gradient.  Bool with bool
stays bool (logical); integers keep their dtype with a Python int (torch's result_type: a bool
tensor with a Python int gives int64); float operands raise torch's NotImplementedError."""
import numpy as np

from fastgrad.ops.common import broadcast_shape
from fastgrad.tensor import Tensor

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
           "bitwise_right_shift"]

_make = Tensor._make
_KIND_NAMES = {"f": "Float", "c": "ComplexFloat"}


def _operand(x, name):
    """x as an array of kind b/i/u; a Python bool/int stays a Python scalar (weak type)."""
    if isinstance(x, Tensor):
        a = x._data
    elif isinstance(x, (bool, int, np.integer, np.bool_)):
        return x
    else:
        a = np.asarray(x)
    if a.dtype.kind not in "biu":
        kind = _KIND_NAMES.get(a.dtype.kind, str(a.dtype))
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{kind}\'')
    return a


def _result_dtype(a, b):
    """torch.result_type for two bool/int operands, at most one a Python scalar."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return np.result_type(a.dtype, b.dtype)
    arr, scalar = (a, b) if isinstance(a, np.ndarray) else (b, a)
    if arr.dtype == np.bool_ and not isinstance(scalar, (bool, np.bool_)):
        return np.dtype(np.int64)
    return arr.dtype


def _binary(input, other, fn, name):
    a, b = _operand(input, name), _operand(other, name)
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
        raise TypeError(f"{name}: expected at least one Tensor operand")
    dt = _result_dtype(a, b)
    a, b = np.asarray(a, dt), np.asarray(b, dt)
    broadcast_shape(a.shape, b.shape, name)
    return _make(np.asarray(fn(a, b, dt)))


def bitwise_and(input, other):
    """y = input & other (logical for bool)."""
    return _binary(input, other, lambda a, b, dt: np.bitwise_and(a, b), "bitwise_and")


def bitwise_or(input, other):
    """y = input | other (logical for bool)."""
    return _binary(input, other, lambda a, b, dt: np.bitwise_or(a, b), "bitwise_or")


def bitwise_xor(input, other):
    """y = input ^ other (logical for bool)."""
    return _binary(input, other, lambda a, b, dt: np.bitwise_xor(a, b), "bitwise_xor")


def bitwise_not(input):
    """y = ~input (logical not for bool)."""
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    if a.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return _make(np.asarray(np.invert(a)))


def _shift(a, b, dt, left):
    """a << b or a >> b; a shift by a negative count or by the width or more gives 0 for << and
    the sign fill for >> (torch's CPU results; numpy leaves them undefined)."""
    if dt == np.bool_:
        dt = np.dtype(np.int64)
        a, b = a.astype(dt), b.astype(dt)
    bits = 8 * dt.itemsize
    out_of_range = (b < 0) | (b >= bits)
    safe = np.where(out_of_range, 0, b).astype(dt)
    if left:
        return np.where(out_of_range, np.zeros((), dt), np.left_shift(a, safe))
    fill = np.where(a < 0, np.asarray(-1).astype(dt), np.zeros((), dt)) if dt.kind == "i" else np.zeros((), dt)
    return np.where(out_of_range, fill, np.right_shift(a, safe))


def bitwise_left_shift(input, other):
    """y = input << other."""
    return _binary(input, other, lambda a, b, dt: _shift(a, b, dt, True), "lshift")


def bitwise_right_shift(input, other):
    """y = input >> other (arithmetic for signed integers)."""
    return _binary(input, other, lambda a, b, dt: _shift(a, b, dt, False), "rshift")
