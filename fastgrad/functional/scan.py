"""Scans at the Tensor level: cumsum, cumprod, logcumsumexp (C kernels), cummax and cummin
(values and indices, as torch.return_types)."""
import numpy as np

from fastgrad import dtypes, return_types
from fastgrad.lowp import via_float32
from fastgrad.functional._dimnames import numpy_names
from fastgrad.functional._promote import float_input, to_dtype
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.scan import Cumprod, Cumsum, Logcumsumexp, cum_maxmin
from fastgrad.ops.sort import TakeAlong
from fastgrad.tensor import Tensor

__all__ = ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"]

_make = Tensor._make


def _tensor(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input


def _scan(input, dim, dtype, fn, op):
    x = _tensor(input, op)
    if dtype is not None:
        x = to_dtype(x, dtypes.to_dtype(dtype), False)
    d = wrap_dim(dim, x._data.ndim, op)
    if x._data.dtype.kind not in "fV":  # integers and bool: int64 (torch), no gradient
        a = x._data.astype(np.int64)
        return _make(np.asarray((np.cumsum if fn is Cumsum else np.cumprod)(a, axis=d) if a.ndim else a))
    float_input(x, op)
    return fn.apply1(x, d)


@numpy_names
def cumsum(input, dim, *, dtype=None):
    """y[k] = sum_{j <= k} x[j] along dim (double accumulation); integers give int64."""
    return _scan(input, dim, dtype, Cumsum, "cumsum")


@numpy_names
def cumprod(input, dim, *, dtype=None):
    """y[k] = prod_{j <= k} x[j] along dim; the gradient is exact with zeros, as torch."""
    return _scan(input, dim, dtype, Cumprod, "cumprod")


@numpy_names
def logcumsumexp(input, dim):
    """y[k] = log sum_{j <= k} exp(x[j]) along dim."""
    x = _tensor(input, "logcumsumexp")
    if x._data.dtype.kind not in "fV":
        raise RuntimeError(f"logcumsumexp(): expected a floating-point input, got {dtypes.dtype_name(x._data.dtype)}")
    return Logcumsumexp.apply1(float_input(x, "logcumsumexp"), wrap_dim(dim, x._data.ndim, "logcumsumexp"))


def _cum(input, dim, is_max, op, result):
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(_cum, input, dim, is_max, op, result)
    x = _tensor(input, op)
    d = wrap_dim(dim, x._data.ndim, op)
    vals, idx = cum_maxmin(x._data, d, is_max)
    if x._data.dtype.kind not in "fV":
        return result(_make(vals), _make(idx))
    return result(TakeAlong.apply1(x, idx, d), _make(idx))


@numpy_names
def cummax(input, dim):
    """(values, indices) of the running max along dim; a NaN wins, a tie takes the later index."""
    return _cum(input, dim, True, "cummax", return_types.cummax)


@numpy_names
def cummin(input, dim):
    """(values, indices) of the running min along dim; a NaN wins, a tie takes the later index."""
    return _cum(input, dim, False, "cummin", return_types.cummin)


TENSOR_METHODS = {"cumsum": cumsum, "cumprod": cumprod, "logcumsumexp": logcumsumexp, "cummax": cummax,
                  "cummin": cummin}
