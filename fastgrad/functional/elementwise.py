"""Elementwise arithmetic at the Tensor level: + - * / **, unary maths, clamp, maximum/minimum,
where, dropout.  ``_binary`` holds the family's common-case tests: two tensors of one float
dtype, or a tensor and a Python number, go straight to the op's ``apply``."""
import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import (KERNEL_DTYPES, PY_SCALARS, Number, as_tensor, check_kernel_dtype,
                                          operand, result_dtype, to_dtype)
from fastgrad.ops.common import broadcast_shape
from fastgrad.ops.elementwise import Add, Div, Maximum, Minimum, Mul, Pow, PowScalar, Sub, Where
from fastgrad.ops.unary import Abs, Clamp, Exp, Log, Log1p, Neg, Sign, Sqrt
from fastgrad.random import bernoulli_mask
from fastgrad.tensor import Tensor

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "neg",
           "negative", "exp", "log", "sqrt", "log1p", "rsqrt", "reciprocal", "square", "abs", "absolute",
           "sign", "clamp", "clip", "maximum", "minimum", "where", "floor_divide", "remainder", "dropout"]

_make = Tensor._make


def _binary(fn, int_fn, a, b, op):
    """a (op) b through the Function ``fn`` with torch's promotion; integer/bool results through
    the numpy ufunc ``int_fn`` (no gradient).  The common cases are tested first, inline."""
    if isinstance(b, Tensor) and isinstance(a, Tensor):  # two tensors of one float dtype: the common case
        d = a._data.dtype
        if d is b._data.dtype and d in KERNEL_DTYPES:
            return fn.apply2(a, b)
    elif type(b) in PY_SCALARS and isinstance(a, Tensor) and a._data.dtype in KERNEL_DTYPES:
        return fn.apply1(a, np.asarray(b, a._data.dtype))  # tensor (op) Python number: the common case
    if type(a) in PY_SCALARS and isinstance(b, Tensor) and b._data.dtype in KERNEL_DTYPES:
        return fn.apply(np.asarray(a, b._data.dtype), b)  # Python number (op) tensor
    if not isinstance(a, Tensor):
        if not isinstance(a, Number):
            a = as_tensor(a, op)
    if not isinstance(b, Tensor):
        if not isinstance(b, Number):
            b = as_tensor(b, op)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype \
            and a._data.dtype in KERNEL_DTYPES:
        return fn.apply2(a, b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument, got {type(a).__name__} "
                        f"and {type(b).__name__}")
    dtype = result_dtype(a, b)
    check_kernel_dtype(dtype, op)
    if dtype.kind not in "fV":  # integer/bool arithmetic: numpy, no gradient ("V": bfloat16)
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else b
        broadcast_shape(np.shape(av), np.shape(bv), op)
        return _make(np.asarray(int_fn(av, bv)))
    return fn.apply(operand(a, dtype, op), operand(b, dtype, op))


def add(input, other, *, alpha=1):
    """y = input + alpha * other (broadcasting)."""
    return _binary(Add, np.add, input, other if alpha == 1 else mul(other, alpha), "add")


def sub(input, other, *, alpha=1):
    """y = input - alpha * other (broadcasting)."""
    return _binary(Sub, np.subtract, input, other if alpha == 1 else mul(other, alpha), "sub")


subtract = sub


def mul(input, other):
    """y = input * other (broadcasting)."""
    return _binary(Mul, np.multiply, input, other, "mul")


multiply = mul


def div(input, other, *, rounding_mode=None):
    """y = input / other (true division; integer tensors give float32, as torch)."""
    if rounding_mode is not None:
        if rounding_mode in ("trunc", "floor"):
            from fastgrad.functional.pointwise_binary import div_rounding
            return div_rounding(input, other, rounding_mode)
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    if isinstance(input, Tensor) and input._data.dtype.kind not in "fV" and not (
            isinstance(other, Tensor) and other._data.dtype.kind in "fV") and not isinstance(other, float):
        input = to_dtype(input, dtypes.get_default_dtype(), False)
    elif isinstance(other, Tensor) and other._data.dtype.kind not in "fV" and not (
            isinstance(input, Tensor) and input._data.dtype.kind in "fV") and not isinstance(input, float):
        other = to_dtype(other, dtypes.get_default_dtype(), False)
    return _binary(Div, np.true_divide, input, other, "div")


divide = true_divide = div


def pow(input, exponent):
    """y = input ** exponent (scalar or tensor exponent; a scalar base is a constant)."""
    if type(exponent) in PY_SCALARS and isinstance(input, Tensor) and input._data.dtype in KERNEL_DTYPES:
        return PowScalar.apply1(input, float(exponent))  # the common case, checked in one go
    if isinstance(input, Tensor) and isinstance(exponent, Number) and not isinstance(exponent, bool):
        check_kernel_dtype(input._data.dtype, "pow")
        if input._data.dtype.kind not in "fV":
            if isinstance(exponent, (int, np.integer)) and exponent < 0:
                raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
            return _make(np.power(input._data, exponent).astype(
                dtypes.get_default_dtype() if isinstance(exponent, float) else input._data.dtype))
        return PowScalar.apply(input, float(exponent))
    return _binary(Pow, np.power, input, exponent, "pow")


def neg(input):
    """y = -input."""
    if input._data.dtype.kind not in "fV":
        return _make(np.negative(input._data))
    return Neg.apply(input)


negative = neg


def _unary_float(cls, x, op):
    if not isinstance(x, Tensor):
        x = as_tensor(x, op)
    if x._data.dtype.kind not in "fV":
        x = to_dtype(x, dtypes.get_default_dtype(), False)
    check_kernel_dtype(x._data.dtype, op)
    return cls.apply(x)


def exp(input): return _unary_float(Exp, input, "exp")


def log(input): return _unary_float(Log, input, "log")


def sqrt(input): return _unary_float(Sqrt, input, "sqrt")


def log1p(input): return _unary_float(Log1p, input, "log1p")


def rsqrt(input): return reciprocal(sqrt(input))


def reciprocal(input): return div(1.0, input)


def square(input):
    """input * input (bool squares to int64, as torch)."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        return Tensor._make(input._data.astype(np.int64))
    return mul(input, input)


def abs(input):
    """y = |input|; subgradient 0 at 0, as torch."""
    if input._data.dtype.kind not in "fV":
        return _make(np.abs(input._data))
    return Abs.apply(input)


absolute = abs


def sign(input):
    """y = sign(input): -1, 0 or 1 (0 for NaN, as torch); its gradient is zero."""
    d = input._data.dtype
    if d == np.bool_:
        return _make(input._data.copy())
    if d.kind not in "fV":
        return _make(np.sign(input._data))
    check_kernel_dtype(d, "sign")
    return Sign.apply(input)


def clamp(input, min=None, max=None):
    """y = min(max(input, min), max); gradient passes where min <= input <= max."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        y = input
        if min is not None:
            y = maximum(y, min)
        if max is not None:
            y = minimum(y, max)
        return y
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, Number):
            raise TypeError(f"clamp: '{name}' must be a number or a Tensor, got {type(v).__name__}")
    if input._data.dtype.kind not in "fV":
        return _make(np.clip(input._data, min, max))
    lo = -np.inf if min is None else float(min)
    hi = np.inf if max is None else float(max)
    return Clamp.apply(input, lo, hi)


clip = clamp


def maximum(input, other):
    """y = max(input, other) elementwise; ties split the gradient in half, as torch."""
    return _binary(Maximum, np.maximum, input, other, "maximum")


def minimum(input, other):
    """y = min(input, other) elementwise; ties split the gradient in half, as torch."""
    return _binary(Minimum, np.minimum, input, other, "minimum")


def where(condition, input, other):
    """y = condition ? input : other (broadcasting); gradient flows to the chosen side."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: expected condition to be a bool tensor, got {cond.dtype}")
    dtype = result_dtype(input, other) if (isinstance(input, Tensor) or isinstance(other, Tensor)) \
        else dtypes.get_default_dtype()
    if dtype.kind not in "fV":
        return _make(np.where(cond, np.asarray(input), np.asarray(other)))
    return Where.apply(cond, operand(input, dtype, "where"), operand(other, dtype, "where"))


def _integer_division(input, other, fn, op, kernel):
    """floor_divide / remainder (no gradient) with torch's result type; an integer division by zero
    raises as torch (numpy would return 0)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = as_tensor(input, op)
    dt = result_dtype(input, other)
    if dt == np.bool_:
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'Bool\'')
    a = np.asarray(input._data if isinstance(input, Tensor) else input, dt)
    b = np.asarray(other._data if isinstance(other, Tensor) else other, dt)
    broadcast_shape(a.shape, b.shape, op)
    if dt.kind in "iu" and not b.all():
        raise RuntimeError("ZeroDivisionError")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _make(np.asarray(fn(a, b)))


def _trunc_divide(a, b):
    """a / b rounded towards zero: trunc(a / b) for floats (torch), exact for integers."""
    if a.dtype.kind in "fV":
        return np.trunc(a / b)
    q = np.floor_divide(a, b)
    return q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))


def floor_divide(input, other):
    """y = floor(input / other), torch's result type; no gradient."""
    return _integer_division(input, other, np.floor_divide, "floor_divide", "div_floor")


def remainder(input, other):
    """y = input - floor(input / other) * other (the sign of other, as Python), torch's result type;
    differentiable for floats (functional.pointwise_binary.remainder)."""
    from fastgrad.functional.pointwise_binary import remainder as pointwise_remainder
    return pointwise_remainder(input, other)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return mul(input, 0.0)
    keep = bernoulli_mask(input._data.shape, 1.0 - p)
    scale = np.asarray(1.0 / (1.0 - p), dtype=input._data.dtype)
    return mul(input, np.where(keep, scale, np.zeros((), input._data.dtype)))
