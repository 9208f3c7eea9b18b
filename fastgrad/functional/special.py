"""Special functions and floating-point bit functions at the Tensor level, torch's names, dtypes
and errors: i0, igamma / igammac, polygamma, mvlgamma (ops/special.py and composed lgamma), frexp,
ldexp, nextafter, and the integer gcd / lcm, with their in-place ``_`` forms."""
import math
import operator

import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import Number, result_dtype, to_dtype
from fastgrad.functional.elementwise import add, mul, pow
from fastgrad.functional.pointwise import digamma, inplace_method, lgamma
from fastgrad.functional.reduce import sum as _sum
from fastgrad.functional.shape import unsqueeze
from fastgrad.lowp import BF16, TORCH_NAME, via_float32
from fastgrad.ops.common import broadcast_shape
from fastgrad.ops.special import I0, Igamma, Igammac, Polygamma
from fastgrad.return_types import frexp as _Frexp
from fastgrad.tensor import Tensor

__all__ = ["i0", "igamma", "igammac", "polygamma", "mvlgamma", "frexp", "ldexp", "nextafter", "gcd", "lcm"]

_make = Tensor._make


_NAME = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
         "float32": "Float", "float64": "Double"}


def _tname(d):
    return TORCH_NAME.get(d) or _NAME.get(d.name, d.name)


def _check_tensor(x, op, name="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _as_float(x, op):
    """x itself when float, integers and bool cast to the default float dtype (torch's unary maths)."""
    _check_tensor(x, op)
    return x if x._data.dtype.kind in "fV" else to_dtype(x, dtypes.get_default_dtype())


def _float_pair(a, b, op):
    """Two Tensors of one float dtype (torch's promotion); integer results raise as torch."""
    _check_tensor(a, op)
    _check_tensor(b, op, "other", 2)
    broadcast_shape(a._data.shape, b._data.shape, op)
    dt = result_dtype(a, b)
    if dt.kind not in "fV":
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'{_tname(dt)}\'')
    return tuple(x if x._data.dtype == dt else to_dtype(x, dt) for x in (a, b))


# -- Bessel, incomplete gamma, polygamma, multivariate log-gamma ---------------------------------
def i0(input: Tensor) -> Tensor:
    """y = I0(x), the modified Bessel function of the first kind of order 0; dy/dx = I1(x)."""
    x = _as_float(input, "i0")
    if x._data.dtype == BF16:
        return via_float32(i0, x)
    return I0.apply1(x)


def igamma(input: Tensor, other: Tensor) -> Tensor:
    """y = P(input, other) = gamma(a, x) / Gamma(a), the regularized lower incomplete gamma function
    (gradient in ``other`` only; torch raises for ``input``, and so does backward here)."""
    a, x = _float_pair(input, other, "igamma")
    if a._data.dtype == BF16:
        return via_float32(igamma, a, x)
    return Igamma.apply(a, x)


def igammac(input: Tensor, other: Tensor) -> Tensor:
    """y = Q(input, other) = 1 - P(input, other), the regularized upper incomplete gamma function."""
    a, x = _float_pair(input, other, "igammac")
    if a._data.dtype == BF16:
        return via_float32(igammac, a, x)
    return Igammac.apply(a, x)


def polygamma(n: int, input: Tensor) -> Tensor:
    """y = psi^(n)(x), the n-th derivative of digamma (n = 0: digamma); dy/dx = psi^(n+1)(x)."""
    n = operator.index(n)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = _as_float(input, "polygamma")
    if n == 0:
        return digamma(x)
    if x._data.dtype == BF16:
        return via_float32(lambda t: polygamma(n, t), x)
    return Polygamma.apply1(x, n)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma: sum_{i<p} lgamma(x - i/2) + p (p - 1) / 4 log(pi) (defined for
    x > (p - 1) / 2; like torch 2.x, smaller x are not refused: lgamma is then log|Gamma|)."""
    p = operator.index(p)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _as_float(input, "mvlgamma")
    if x._data.dtype == BF16:
        return via_float32(mvlgamma, x, p)
    offsets = _make(np.arange(0, -p / 2, -0.5)[:p].astype(x._data.dtype))
    return add(_sum(lgamma(add(unsqueeze(x, -1), offsets)), -1), p * (p - 1) / 4 * math.log(math.pi))


# -- floating-point bits ------------------------------------------------------------------
def frexp(input: Tensor):
    """(mantissa, exponent) with input = mantissa * 2^exponent, |mantissa| in [0.5, 1) (exponent
    int32); the mantissa's gradient is dy * 2^-exponent."""
    _check_tensor(input, "frexp")
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if input._data.dtype == BF16:   # the float32 mantissa of a bfloat16 value is exact in bfloat16
        return via_float32(frexp, input)
    vals = input._data
    _, e = np.frexp(vals)
    e = e.astype(np.int32)
    one = np.ones((), vals.dtype)   # mantissa = input * 2^-e in two exact steps (2^-e alone overflows for subnormals)
    lo = -e // 2
    scales = [_make(np.asarray(np.ldexp(one, k).astype(vals.dtype))) for k in (-e - lo, lo)]
    mantissa = mul(mul(input, scales[0]), scales[1])
    return _Frexp(mantissa, _make(np.asarray(e, order="C")))


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """y = input * 2^other (integers give the default float dtype), differentiable in both."""
    _check_tensor(input, "ldexp")
    _check_tensor(other, "ldexp", "other", 2)
    return mul(input, pow(2.0, other))


def _nextafter_bf16(x, y):
    """nextafter on bfloat16 storage (uint16 bits)."""
    from fastgrad.lowp import values
    xv, yv = np.broadcast_arrays(values(x), values(y))
    bits = np.broadcast_to(x.view(np.uint16), xv.shape).astype(np.int32)
    sign_y = np.signbit(yv).astype(np.int32) << 15
    step = np.where((xv < yv) == (xv > 0), 1, -1)
    out = np.where(xv == 0, 1 | sign_y, bits + step)
    out = np.where(xv == yv, np.broadcast_to(y.view(np.uint16), xv.shape), out)
    out = np.where(np.isnan(xv) | np.isnan(yv), 0x7FC0, out)
    return np.asarray(out.astype(np.uint16), order="C").view(BF16)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next representable value after input towards other, in the promoted float dtype (no
    gradient)."""
    a, b = _float_pair(input, other, "nextafter")
    if a._data.dtype == BF16:
        return _make(_nextafter_bf16(a._data, b._data))
    return _make(np.asarray(np.nextafter(a._data, b._data), order="C"))


# -- integer ------------------------------------------------------------------------------
def _int_pair(a, b, op, fn):
    _check_tensor(a, op)
    if isinstance(b, Number) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    _check_tensor(b, op, "other", 2)
    broadcast_shape(a._data.shape, b._data.shape, op)
    dt = result_dtype(a, b)
    if dt.kind not in "iu":
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'{_tname(dt)}\'')
    return _make(np.asarray(fn(a._data.astype(dt), b._data.astype(dt)).astype(dt), order="C"))


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise greatest common divisor (non-negative; gcd(0, 0) = 0) of integer tensors."""
    return _int_pair(input, other, "gcd", np.gcd)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise least common multiple (non-negative; 0 when either is 0) of integer tensors."""
    return _int_pair(input, other, "lcm", np.lcm)


i0_ = inplace_method(i0)
igamma_ = inplace_method(igamma)
igammac_ = inplace_method(igammac)
ldexp_ = inplace_method(ldexp)
nextafter_ = inplace_method(nextafter)
gcd_ = inplace_method(gcd)
lcm_ = inplace_method(lcm)


def _polygamma_method(self, n):
    return polygamma(n, self)


def _polygamma_(self, n):
    return inplace_method(_polygamma_method)(self, n)


def _mvlgamma_(self, p):
    return inplace_method(mvlgamma)(self, p)


TENSOR_METHODS = {"i0": i0, "i0_": i0_, "igamma": igamma, "igamma_": igamma_, "igammac": igammac,
                  "igammac_": igammac_, "polygamma": _polygamma_method, "polygamma_": _polygamma_,
                  "mvlgamma": mvlgamma, "mvlgamma_": _mvlgamma_, "frexp": frexp, "ldexp": ldexp, "ldexp_": ldexp_,
                  "nextafter": nextafter, "nextafter_": nextafter_, "gcd": gcd, "gcd_": gcd_, "lcm": lcm,
                  "lcm_": lcm_}
