"""Unary pointwise maths at the Tensor level, with torch's dtype rules: an integer or bool tensor
is computed in the default float dtype (sin(int tensor) is float32); floor/ceil/round/trunc keep
an integer tensor as it is; float16 is refused naming the op.  In-place forms (``sin_``) follow
functional.inplace's rules.  The kernels: ops/pointwise.py, csrc/pointwise.c."""
import numpy as np

from fastgrad import dtypes
from fastgrad.lowp import via_float32
from fastgrad.autograd.grad_mode import GRAD
from fastgrad.functional._promote import KERNEL_DTYPES, check_kernel_dtype, to_dtype
from fastgrad.functional.elementwise import clamp, sign
from fastgrad.functional.inplace import _NAME, check_cast, clamp_, inplace
from fastgrad.ops import pointwise as P
from fastgrad.tensor import Tensor

__all__ = ["sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh",
           "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "exp2", "expm1", "log2", "log10", "erf", "erfc",
           "erfinv", "lgamma", "digamma", "sinc", "deg2rad", "rad2deg", "floor", "ceil", "round", "trunc", "fix",
           "frac", "logit", "sgn", "nan_to_num", "clamp_min", "clamp_max", "inplace_unary", "inplace_method"]

_make = Tensor._make


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _float(cls, x, op, *p):
    """cls applied to x, an integer/bool x first cast to the default float dtype (as torch)."""
    if isinstance(x, Tensor) and x._data.dtype in KERNEL_DTYPES:  # the common case
        return cls.apply1(x, *p)
    _check_tensor(x, op)
    if x._data.dtype.kind not in "fV":
        x = to_dtype(x, dtypes.get_default_dtype(), False)
    check_kernel_dtype(x._data.dtype, op)
    return cls.apply1(x, *p)


def sin(input): return _float(P.Sin, input, "sin")


def cos(input): return _float(P.Cos, input, "cos")


def tan(input): return _float(P.Tan, input, "tan")


def asin(input): return _float(P.Asin, input, "asin")


def acos(input): return _float(P.Acos, input, "acos")


def atan(input): return _float(P.Atan, input, "atan")


def sinh(input): return _float(P.Sinh, input, "sinh")


def cosh(input): return _float(P.Cosh, input, "cosh")


def asinh(input): return _float(P.Asinh, input, "asinh")


def acosh(input): return _float(P.Acosh, input, "acosh")


def atanh(input): return _float(P.Atanh, input, "atanh")


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def exp2(input): return _float(P.Exp2, input, "exp2")


def expm1(input): return _float(P.Expm1, input, "expm1")


def log2(input): return _float(P.Log2, input, "log2")


def log10(input): return _float(P.Log10, input, "log10")


def erf(input): return _float(P.Erf, input, "erf")


def erfc(input): return _float(P.Erfc, input, "erfc")


def erfinv(input): return _float(P.Erfinv, input, "erfinv")


def lgamma(input): return _float(P.Lgamma, input, "lgamma")


def digamma(input): return _float(P.Digamma, input, "digamma")


def sinc(input): return _float(P.Sinc, input, "sinc")


def deg2rad(input): return _float(P.Deg2rad, input, "deg2rad")


def rad2deg(input): return _float(P.Rad2deg, input, "rad2deg")


def logit(input, eps=None):
    """y = log(z / (1 - z)), z = input clamped to [eps, 1 - eps] when eps is given."""
    return _float(P.Logit, input, "logit", -1.0 if eps is None else float(eps))


def _rounding(cls, x, op, kernel, *p):
    """floor/ceil/round/trunc: an integer tensor is returned as a copy (exact already), bool refused."""
    if isinstance(x, Tensor) and x._data.dtype in KERNEL_DTYPES:
        return cls.apply1(x, *p)
    _check_tensor(x, op)
    d = x._data.dtype
    if d.kind in "iu" and not p:
        return _make(x._data.copy())
    if d.kind not in "fV":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_NAME.get(d.name, d.name)}\'')
    check_kernel_dtype(d, op)
    return cls.apply1(x, *p)


def floor(input): return _rounding(P.Floor, input, "floor", "floor_vml_cpu")


def ceil(input): return _rounding(P.Ceil, input, "ceil", "ceil_vml_cpu")


def trunc(input): return _rounding(P.Trunc, input, "trunc", "trunc_vml_cpu")


fix = trunc


def round(input, *, decimals=0):
    """Round half to even; to ``decimals`` places (negative: tens, hundreds, ...) when given."""
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if decimals == 0:
        return _rounding(P.Round, input, "round", "round_cpu")
    return _rounding(P.Round, input, "round", "round_cpu", float(decimals))


def frac(input):
    """y = input - trunc(input) (floating-point tensors only, as torch)."""
    if isinstance(input, Tensor) and input._data.dtype.kind not in "fV":
        d = input._data.dtype
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_NAME.get(d.name, d.name)}'")
    return _float(P.Frac, input, "frac")


def sgn(input):
    """sign(input) for real tensors (torch's sgn is z/|z| for complex ones)."""
    _check_tensor(input, "sgn")
    return sign(input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by nan, posinf (default: the dtype's largest) and neginf (its lowest);
    integer and bool tensors are returned unchanged (a copy)."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        big = 3.3895313892515355e38  # (bfloat16's largest finite value: the defaults are the input dtype's)
        return via_float32(nan_to_num, input, nan, big if posinf is None else posinf,
                           -big if neginf is None else neginf)
    _check_tensor(input, "nan_to_num")
    d = input._data.dtype
    if d.kind not in "fV":
        return _make(input._data.copy())
    check_kernel_dtype(d, "nan_to_num")
    fi = np.finfo(d)
    return P.NanToNum.apply1(input, float(nan), float(fi.max if posinf is None else posinf),
                             float(fi.min if neginf is None else neginf))


def clamp_min(input, min):
    """y = max(input, min) (clamp with only a lower bound)."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """y = min(input, max) (clamp with only an upper bound)."""
    return clamp(input, max=max)


def inplace_unary(fn, self, *args, **kwargs):
    """self = fn(self, ...) written into self (torch's in-place rules, functional.inplace): a leaf that
    requires grad raises; a non-leaf that requires grad is recorded out of place and rebound; a
    result self's dtype cannot hold (sin_ of an integer tensor) raises as torch."""
    if self.requires_grad and GRAD.enabled:
        if self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        out = fn(self, *args, **kwargs)
        self._data, self.grad_fn = out._data, out.grad_fn
        return self
    grad_operand = GRAD.enabled and any(isinstance(a, Tensor) and a.requires_grad
                                        for a in (*args, *kwargs.values()))
    # an operand that requires grad makes the result a graph node that may have saved self's values:
    # compute it from a copy, since the result is then written into self's memory
    out = fn(Tensor._make(self._data.copy()) if grad_operand else self.detach(), *args, **kwargs)
    if out._data.dtype != self._data.dtype:
        check_cast(self, out, "copy")
    return inplace(self, out, "copy")


def inplace_method(fn):
    """The in-place method of fn (``sin`` -> ``Tensor.sin_``)."""
    def method(self, *args, **kwargs):
        return inplace_unary(fn, self, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}."
    return method


_UNARY = {"sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan, "arcsin": asin,
          "arccos": acos, "arctan": atan, "sinh": sinh, "cosh": cosh, "asinh": asinh, "acosh": acosh,
          "atanh": atanh, "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh, "exp2": exp2, "expm1": expm1,
          "log2": log2, "log10": log10, "erf": erf, "erfc": erfc, "erfinv": erfinv, "lgamma": lgamma,
          "digamma": digamma, "sinc": sinc, "deg2rad": deg2rad, "rad2deg": rad2deg, "floor": floor,
          "ceil": ceil, "round": round, "trunc": trunc, "fix": fix, "frac": frac, "logit": logit, "sgn": sgn,
          "sign": sign, "nan_to_num": nan_to_num}

TENSOR_METHODS = dict(_UNARY)
TENSOR_METHODS.update({name + "_": inplace_method(fn) for name, fn in _UNARY.items()})
TENSOR_METHODS.update({"clamp_min": clamp_min, "clamp_max": clamp_max,
                       "clamp_min_": lambda self, min: clamp_(self, min, None),
                       "clamp_max_": lambda self, max: clamp_(self, None, max)})
