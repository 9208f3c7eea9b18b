"""Binary and ternary pointwise maths at the Tensor level: atan2, logaddexp(2), hypot, fmod,
remainder, copysign, heaviside, lerp, addcmul, addcdiv, float_power, and the closeness tests
(isclose, isposinf, isneginf, isreal), with torch's type promotion and errors.  The kernels:
ops/pointwise_binary.py, csrc/pointwise.c."""
import numpy as np

from fastgrad import dtypes
from fastgrad.lowp import values
from fastgrad.functional._promote import (KERNEL_DTYPES, Number, as_tensor, check_kernel_dtype, operand,
                                          result_dtype)
from fastgrad.functional.compare import allclose, equal, isfinite, isinf, isnan
from fastgrad.functional.elementwise import _trunc_divide, div, floor_divide, pow, true_divide
from fastgrad.functional.inplace import _NAME
from fastgrad.functional.pointwise import inplace_method
from fastgrad.ops import pointwise_binary as B
from fastgrad.ops.common import broadcast_shape
from fastgrad.tensor import Tensor

__all__ = ["div_rounding", "atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "fmod", "remainder", "copysign",
           "heaviside", "lerp", "addcmul", "addcdiv", "float_power", "isclose", "isposinf", "isneginf", "isreal"]

_make = Tensor._make


def _tname(d):
    return _NAME.get(d.name, d.name)


def _values(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _promote(a, b, op, ints):
    """(a, b) as operands of one float dtype (torch's result type); an integer result type becomes the
    default float dtype (ints='float') or raises torch's NotImplementedError (ints='error')."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(a).__name__}")
    for x in (a, b):
        if not isinstance(x, (Tensor, Number)):
            raise TypeError(f"{op}(): expected a Tensor or a number, got {type(x).__name__}")
    broadcast_shape(np.shape(_values(a)), np.shape(_values(b)), op)
    dt = result_dtype(a, b)
    if dt.kind not in "fV":
        if ints == "error":
            raise NotImplementedError(f'"{op}_cpu" not implemented for \'{_tname(dt)}\'')
        dt = dtypes.get_default_dtype()
    check_kernel_dtype(dt, op)
    return operand(a, dt, op), operand(b, dt, op)


def _binary(cls, a, b, op, ints):
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype \
            and a._data.dtype in KERNEL_DTYPES and a._data.shape == b._data.shape:  # the common case
        return cls.apply2(a, b)
    return cls.apply(*_promote(a, b, op, ints))


def atan2(input, other):
    """y = atan2(input, other), the angle of (other, input); integers give the default float dtype."""
    return _binary(B.Atan2, input, other, "atan2", "float")


arctan2 = atan2


def logaddexp(input, other):
    """y = log(e^input + e^other), without overflow."""
    return _binary(B.Logaddexp, input, other, "logaddexp", "error")


def logaddexp2(input, other):
    """y = log2(2^input + 2^other), without overflow."""
    return _binary(B.Logaddexp2, input, other, "logaddexp2", "error")


def hypot(input, other):
    """y = sqrt(input^2 + other^2), without overflow."""
    return _binary(B.Hypot, input, other, "hypot", "error")


def copysign(input, other):
    """y = |input| with the sign of other (-0 counts as negative); integers give the default float dtype."""
    return _binary(B.Copysign, input, other, "copysign", "float")


def _integer_mod(input, other, fn, op):
    a, b = _values(input), _values(other)
    dt = result_dtype(input, other)
    if dt == np.bool_:
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'Bool\'')
    a, b = np.asarray(a, dt), np.asarray(b, dt)
    broadcast_shape(a.shape, b.shape, op)
    if not b.all():
        raise RuntimeError("ZeroDivisionError")
    return _make(np.asarray(fn(a, b)))


def fmod(input, other):
    """y = input - trunc(input / other) other (the sign of input, as C's fmod)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if result_dtype(input, other).kind not in "fV":
        return _integer_mod(input, other, np.fmod, "fmod")
    return _binary(B.Fmod, input, other, "fmod", "error")


def remainder(input, other):
    """y = input - floor(input / other) other (the sign of other, as Python's %)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = as_tensor(input, "remainder")
    if result_dtype(input, other).kind not in "fV":
        return _integer_mod(input, other, np.remainder, "remainder")
    return _binary(B.Remainder, input, other, "remainder", "error")


def div_rounding(input, other, rounding_mode):
    """torch's div(input, other, rounding_mode='trunc' / 'floor'): integers stay integers (division by
    zero raises); floats are recorded with a zero gradient, as torch."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = as_tensor(input, "div")
    dt = result_dtype(input, other)
    if dt.kind not in "fV":
        fn = np.floor_divide if rounding_mode == "floor" else _trunc_divide
        return _integer_mod(input, other, fn, "div_" + rounding_mode)
    check_kernel_dtype(dt, "div")
    broadcast_shape(np.shape(_values(input)), np.shape(_values(other)), "div")
    return B.DivRounding.apply(operand(input, dt, "div"), operand(other, dt, "div"), rounding_mode == "floor")


def heaviside(input, values):
    """y = input == 0 ? values : (input > 0) (no gradient; both tensors of one dtype, as torch)."""
    if not isinstance(input, Tensor) or not isinstance(values, Tensor):
        raise TypeError("heaviside(): expected two Tensors, got "
                        f"{type(input).__name__} and {type(values).__name__}")
    a, v = input._data, values._data
    if a.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if a.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    broadcast_shape(a.shape, v.shape, "heaviside")
    return _make(np.asarray(np.where(a == 0, v, (a > 0).astype(a.dtype)), a.dtype))


def lerp(input, end, weight):
    """y = input + weight (end - input); weight a number or a tensor (broadcasting)."""
    for name, x in (("input", input), ("end", end)):
        if not isinstance(x, Tensor):
            raise TypeError(f"lerp(): argument '{name}' must be Tensor, not {type(x).__name__}")
    d = input._data.dtype
    if end._data.dtype != d:
        raise RuntimeError(f"expected dtype {_tname(d).lower()} for `end` but got dtype "
                           f"{_tname(end._data.dtype).lower()}")
    if d.kind not in "fV":
        raise NotImplementedError(f'"lerp_kernel_scalar" not implemented for \'{_tname(d)}\'')
    check_kernel_dtype(d, "lerp")
    if isinstance(weight, Tensor):
        if weight._data.dtype != d:
            raise RuntimeError(f"expected dtype {_tname(d).lower()} for `weight` but got dtype "
                               f"{_tname(weight._data.dtype).lower()}")
        shape = broadcast_shape(input._data.shape, end._data.shape, "lerp")
        broadcast_shape(shape, weight._data.shape, "lerp")
        return B.Lerp.apply(input, end, weight)
    if not isinstance(weight, Number):
        raise TypeError(f"lerp(): argument 'weight' must be a number or a Tensor, not {type(weight).__name__}")
    broadcast_shape(input._data.shape, end._data.shape, "lerp")
    return B.Lerp.apply(input, end, np.asarray(weight, d if d.kind != "V" else np.float32))  # ("V": bfloat16)


def _addc(cls, input, tensor1, tensor2, value, op):
    ts = (input, tensor1, tensor2)
    for x in ts:
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected Tensors, got {type(x).__name__}")
    if not isinstance(value, Number):
        raise TypeError(f"{op}(): argument 'value' must be a number, not {type(value).__name__}")
    shape = broadcast_shape(input._data.shape, tensor1._data.shape, op)
    broadcast_shape(shape, tensor2._data.shape, op)
    ds = [x._data.dtype for x in ts]
    floats = [d for d in ds if d.kind in "fV"]
    dt = np.result_type(*floats) if floats else np.result_type(*ds)
    if dt.kind not in "fV":
        if cls is B.Addcdiv:
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
                "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
                "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer "
                "inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
                "behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes.")
        if isinstance(value, float):
            raise RuntimeError(f"{op}: a float value with integer tensors: the result type "
                               f"{_tname(dt)} cannot hold it")
        a, b, c = (x._data.astype(dt) for x in ts)
        return _make(np.asarray(a + dt.type(value) * b * c))
    check_kernel_dtype(dt, op)
    return cls.apply(*(operand(x, dt, op) for x in ts), float(value))


def addcmul(input, tensor1, tensor2, *, value=1):
    """y = input + value tensor1 tensor2 (broadcasting)."""
    return _addc(B.Addcmul, input, tensor1, tensor2, value, "addcmul")


def addcdiv(input, tensor1, tensor2, *, value=1):
    """y = input + value tensor1 / tensor2 (broadcasting; floating-point only, as torch)."""
    return _addc(B.Addcdiv, input, tensor1, tensor2, value, "addcdiv")


def float_power(input, exponent):
    """y = input ** exponent computed in float64 (torch's float_power)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power(): argument 'input' must be Tensor, not {type(input).__name__}")
    a = operand(input, dtypes.float64, "float_power") if isinstance(input, Tensor) else float(input)
    b = operand(exponent, dtypes.float64, "float_power") if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol |other| elementwise (bool; torch's: equal values, infinities of
    one sign, and NaNs when equal_nan, are close)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"isclose(): expected two Tensors, got {type(input).__name__} and {type(other).__name__}")
    a, b = input._data, other._data
    if a.dtype == b.dtype and a.dtype.kind == "V":  # bfloat16: by value (fastgrad/lowp.py)
        a, b = values(a), values(b)
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_tname(a.dtype)} did not match {_tname(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    broadcast_shape(a.shape, b.shape, "isclose")
    close = a == b
    if equal_nan and a.dtype.kind in "fV":
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol or atol:
        af, bf = (a, b) if a.dtype.kind in "fV" else (a.astype(dtypes.get_default_dtype()),
                                                     b.astype(dtypes.get_default_dtype()))
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(af - bf)
            close = close | (np.isfinite(diff) & (diff <= atol + np.abs(rtol * bf)))
    return _make(np.asarray(close))


def isposinf(input):
    """input == +inf (False everywhere for integer and bool tensors)."""
    return _make(np.asarray(np.isposinf(input._data) if input._data.dtype.kind in "fV"
                            else np.zeros(input._data.shape, bool)))


def isneginf(input):
    """input == -inf (False everywhere for integer and bool tensors)."""
    return _make(np.asarray(np.isneginf(input._data) if input._data.dtype.kind in "fV"
                            else np.zeros(input._data.shape, bool)))


def isreal(input):
    """True everywhere for real tensors (an imaginary part of 0 for complex ones)."""
    return _make(np.asarray(np.isreal(input._data)))


TENSOR_METHODS = {
    "atan2": atan2, "arctan2": atan2, "logaddexp": logaddexp, "logaddexp2": logaddexp2, "hypot": hypot,
    "fmod": fmod, "remainder": remainder, "copysign": copysign, "heaviside": heaviside, "lerp": lerp,
    "addcmul": addcmul, "addcdiv": addcdiv, "float_power": float_power, "isclose": isclose,
    "isposinf": isposinf, "isneginf": isneginf, "isreal": isreal, "isnan": isnan, "isinf": isinf,
    "isfinite": isfinite, "allclose": allclose, "equal": equal, "div": div, "divide": div,
    "true_divide": true_divide, "floor_divide": floor_divide,
}
for _name in ("atan2", "arctan2", "hypot", "fmod", "remainder", "copysign", "heaviside", "lerp", "addcmul",
              "addcdiv", "float_power", "div", "divide", "true_divide", "floor_divide"):
    TENSOR_METHODS[_name + "_"] = inplace_method(TENSOR_METHODS[_name])
