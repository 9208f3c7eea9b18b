"""Statistics of the variables in a matrix's rows, torch's names and errors: cov (correction,
frequency and analytic weights) and corrcoef.  Composed of differentiable fastgrad ops."""
import warnings

import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import to_dtype
from fastgrad.functional.elementwise import clamp, div, mul, sqrt, sub
from fastgrad.functional.linalg import mm
from fastgrad.functional.reduce import sum as _sum
from fastgrad.functional.shape import reshape
from fastgrad.functional.triangular import diag
from fastgrad.lowp import BF16, via_float32
from fastgrad.tensor import Tensor

__all__ = ["cov", "corrcoef"]

_make = Tensor._make


def _check_tensor(x, op, name="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _weights(w, name, num_obs, kinds, kind_name):
    _check_tensor(w, "cov", name)
    a = w._data
    if a.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{a.ndim} dimensions")
    if a.size != num_obs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                           f"input but got {a.size} != {num_obs}")
    if a.dtype.kind not in kinds:
        raise RuntimeError(f"cov(): expected {name} to have {kind_name} dtype but got {dtypes.dtype_name(a.dtype)}")
    if a.size and a.min() < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """Covariance of the variables in input's rows (observations in its columns): sum_k w_k
    (x_ik - mean_i)(x_jk - mean_j) / (sum w - correction), w = fweights * aweights."""
    _check_tensor(input, "cov")
    if isinstance(correction, bool) or not isinstance(correction, (int, np.integer)):
        raise TypeError(f"cov(): argument 'correction' must be int, not {type(correction).__name__}")
    if input._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    if input._data.dtype == BF16 or any(getattr(w, "_data", None) is not None and w._data.dtype == BF16
                                        for w in (aweights,)):
        return via_float32(lambda t, aw: cov(t, correction=correction, fweights=fweights, aweights=aw), input,
                           aweights)
    x = input if input._data.ndim == 2 else reshape(input, (1, -1))
    if x._data.dtype.kind not in "fV":
        x = to_dtype(x, dtypes.get_default_dtype())
    num_obs = x._data.shape[1]
    w = None
    if fweights is not None:
        w = _weights(fweights, "fweights", num_obs, "iu", "integral")
    if aweights is not None:
        aw = _weights(aweights, "aweights", num_obs, "fV", "floating point")
        aw = aw if aw._data.dtype == x._data.dtype else to_dtype(aw, x._data.dtype)
        w = aw if w is None else mul(w, aw)
    if w is not None:
        w = to_dtype(w, x._data.dtype) if w._data.dtype != x._data.dtype else w
        w_sum = _sum(w)
        avg = div(_sum(mul(x, w), 1), w_sum)
    else:
        w_sum = None
        avg = _sum(x, 1) / num_obs if num_obs else mul(_sum(x, 1), float("nan"))
    if w is not None and correction != 0:
        if aweights is None:
            norm = sub(w_sum, correction)
        else:
            norm = sub(w_sum, div(mul(_sum(mul(w, aw)), correction), w_sum))
    elif w is not None:
        norm = w_sum
    else:
        norm = _make(np.asarray(num_obs - correction, dtype=x._data.dtype))
    if float(norm._data) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = mul(norm, 0)
    xm = sub(x, reshape(avg, (-1, 1)))
    c = mm(xm, (mul(xm, w) if w is not None else xm).t())
    c = div(c, norm)
    return reshape(c, ()) if c._data.shape == (1, 1) else c


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation of the variables in input's rows: cov_ij / sqrt(cov_ii cov_jj), clipped
    to [-1, 1]."""
    _check_tensor(input, "corrcoef")
    if input._data.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    c = cov(input)
    if c._data.ndim == 0:
        return div(c, c)
    std = sqrt(diag(c))
    c = div(div(c, reshape(std, (-1, 1))), reshape(std, (1, -1)))
    return clamp(c, -1, 1)


TENSOR_METHODS = {"cov": cov, "corrcoef": corrcoef}
