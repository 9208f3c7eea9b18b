"""The functions of ``torch.special`` that fastgrad had no other name for, at the Tensor level:
erfcx, ndtr, ndtri, log_ndtr, i0e, i1, i1e, entr (one float argument: integers and bool give the
default float dtype) and xlog1py, zeta (two, Tensor or Python number; integer results promote to the
default float dtype), with torch's values at the edges and torch's gradients."""
from fastgrad import dtypes
from fastgrad.functional._promote import Number, result_dtype, to_dtype
from fastgrad.functional.special import _as_float, _check_tensor
from fastgrad.lowp import BF16, via_float32
from fastgrad.ops.common import broadcast_shape
from fastgrad.ops.special_bessel import I0e, I1, I1e
from fastgrad.ops.special_more import Entr, Erfcx, LogNdtr, Ndtr, Ndtri, Xlog1py, Zeta
from fastgrad.tensor import Tensor

__all__ = ["erfcx", "ndtr", "ndtri", "log_ndtr", "i0e", "i1", "i1e", "entr", "xlog1py", "zeta"]


_HALF_NAMES = {"float16": "Half", "bfloat16": "BFloat16"}
# torch's CPU has no float16/bfloat16 kernel for these: refused as torch refuses them
_FULL_PRECISION_ONLY = {"special_erfcx": "erfcx", "special_ndtri": "ndtri", "special_log_ndtr": "log_ndtr",
                        "special_zeta": "zeta"}


def _refuse_half(x: Tensor, op: str) -> None:
    kernel = _FULL_PRECISION_ONLY.get(op)
    name = _HALF_NAMES.get(str(x.dtype).rsplit(".", 1)[-1])
    if kernel is not None and name is not None:
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{name}\'')


def _unary(fn, op, input):
    x = _as_float(input, op)
    _refuse_half(x, op)
    if x._data.dtype == BF16:
        return via_float32(lambda t: _unary(fn, op, t), x)
    return fn.apply1(x)


def erfcx(input: Tensor) -> Tensor:
    """y = exp(x^2) erfc(x), the scaled complementary error function; dy/dx = 2 x y - 2 / sqrt(pi)."""
    return _unary(Erfcx, "special_erfcx", input)


def ndtr(input: Tensor) -> Tensor:
    """y = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF; dy/dx = exp(-x^2 / 2) / sqrt(2 pi)."""
    return _unary(Ndtr, "special_ndtr", input)


def ndtri(input: Tensor) -> Tensor:
    """y = ndtr^-1(p), the standard normal quantile; dy/dp = sqrt(2 pi) exp(y^2 / 2)."""
    return _unary(Ndtri, "special_ndtri", input)


def log_ndtr(input: Tensor) -> Tensor:
    """y = log ndtr(x), accurate far in the lower tail; dy/dx = exp(-x^2 / 2 - y) / sqrt(2 pi)."""
    return _unary(LogNdtr, "special_log_ndtr", input)


def i0e(input: Tensor) -> Tensor:
    """y = exp(-|x|) I0(x); dy/dx = i1e(x) - sgn(x) y."""
    return _unary(I0e, "special_i0e", input)


def i1(input: Tensor) -> Tensor:
    """y = I1(x), the modified Bessel function of the first kind of order 1; dy/dx = I0(x) - y / x."""
    return _unary(I1, "special_i1", input)


def i1e(input: Tensor) -> Tensor:
    """y = exp(-|x|) I1(x); dy/dx = i0e(x) - y (sgn(x) + 1 / x)."""
    return _unary(I1e, "special_i1e", input)


def entr(input: Tensor) -> Tensor:
    """y = -x log x (0 at 0, -inf for x < 0); dy/dx = -(1 + log x)."""
    return _unary(Entr, "special_entr", input)


def _pair(a, b, op):
    """Two Tensors of one float dtype: torch's promotion, integer results to the default float dtype;
    one of the two may be a Python number (a 0-d Tensor of the promoted dtype)."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if not ta and not tb:
        _check_tensor(a, op)
    for v, name, pos in ((a, "self", 1), (b, "other", 2)):
        if not isinstance(v, (Tensor, Number)) or isinstance(v, (str, complex)):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor or Number, "
                            f"not {type(v).__name__}")
    if ta and tb:
        broadcast_shape(a._data.shape, b._data.shape, op)
    dt = result_dtype(a, b)
    if dt.kind not in "fV":
        dt = dtypes.get_default_dtype()
    out = []
    for v in (a, b):
        if not isinstance(v, Tensor):
            v = Tensor._make(__import__("numpy").asarray(float(v), dtype="float64"))
        out.append(v if v._data.dtype == dt else to_dtype(v, dt))
    return out


def xlog1py(input, other) -> Tensor:
    """y = input log1p(other), 0 where input = 0 (unless other is NaN); differentiable in both."""
    a, b = _pair(input, other, "special_xlog1py")
    if a._data.dtype == BF16:
        return via_float32(xlog1py, a, b)
    return Xlog1py.apply(a, b)


def zeta(input, other) -> Tensor:
    """y = sum_k (k + other)^-input, Hurwitz's zeta; gradient in ``other`` only, -input zeta(input + 1,
    other) (torch raises for ``input``, and so does backward here)."""
    x, q = _pair(input, other, "special_zeta")
    _refuse_half(x, "special_zeta")
    if x._data.dtype == BF16:
        return via_float32(zeta, x, q)
    return Zeta.apply(x, q)
