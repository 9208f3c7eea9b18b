"""Order statistics at the Tensor level: kthvalue, median, nanmedian, mode (values and indices,
as torch.return_types; gradients scattered to the chosen element), quantile and nanquantile
(torch's five interpolations; gradients through the two neighbouring order statistics)."""
import numpy as np

from fastgrad import return_types
from fastgrad.lowp import via_float32
from fastgrad.functional._dimnames import numpy_names
from fastgrad.functional._promote import KERNEL_DTYPES
from fastgrad.functional.shape import permute, reshape
from fastgrad.functional.sorting import check_tensor, select
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.sort import EvenlyDistributed, kth_indices, sort_indices
from fastgrad.tensor import Tensor

__all__ = ["kthvalue", "median", "nanmedian", "mode", "quantile", "nanquantile"]

_make = Tensor._make


def _dim_input(input, dim, op):
    x = check_tensor(input, op)
    d = wrap_dim(dim, x._data.ndim, op)
    if x._data.ndim and x._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return x, d


def _pick(x, idx, d, keepdim, result):
    """result(values, indices) for int64 indices of keepdim shape along d."""
    if x._data.ndim == 0:
        return result(select(x, None, 0), _make(np.zeros((), np.int64)))
    ix = idx if keepdim else np.squeeze(idx, d)
    return result(select(x, idx, d, bool(keepdim)), _make(np.ascontiguousarray(ix)))


@numpy_names
def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element along dim (k from 1; NaN is the largest)."""
    x, d = _dim_input(input, dim, "kthvalue")
    n = x._data.shape[d] if x._data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    idx = kth_indices(x._data, int(k), d) if x._data.ndim else None
    return _pick(x, idx, d, keepdim, return_types.kthvalue)


def _median_along(x, d, keepdim, ignore_nan, result):
    a = x._data
    if a.ndim == 0:
        return _pick(x, None, d, keepdim, result)
    order = sort_indices(a, d, False, True)
    nan = np.isnan(a) if a.dtype.kind in "fV" else np.zeros(a.shape, bool)
    count = a.shape[d] - nan.sum(axis=d, keepdims=True)
    if ignore_nan:      # the lower median of the values that are not NaN (all NaN: position 0)
        pos = np.maximum((count - 1) // 2, 0)
    else:               # a row with a NaN gives its first NaN
        pos = np.where(count < a.shape[d], count, (a.shape[d] - 1) // 2)
    return _pick(x, np.take_along_axis(order, pos, d), d, keepdim, result)


def _median_all(x, ignore_nan, op):
    a = x._data.ravel()
    vals = a[~np.isnan(a)] if ignore_nan and a.dtype.kind in "fV" else a
    if a.dtype.kind in "fV" and (vals.size == 0 or np.isnan(vals).any()):
        v = np.asarray(np.nan, a.dtype)
    elif vals.size == 0:
        raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
    else:
        v = np.partition(vals, (vals.size - 1) // 2)[(vals.size - 1) // 2]
    if x._data.dtype in KERNEL_DTYPES or x._data.dtype.kind == "f":  # (float16 too)
        return EvenlyDistributed.apply(x, np.asarray(v, a.dtype))
    return _make(np.asarray(v, a.dtype))


@numpy_names
def median(input, dim=None, keepdim=False):
    """The lower median of all elements (NaN if any is NaN; the gradient is shared by the elements
    equal to it), or (values, indices) along dim."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(median, input, dim, keepdim)
    x = check_tensor(input, "median")
    if dim is None:
        return _median_all(x, False, "median")
    x, d = _dim_input(x, dim, "median")
    return _median_along(x, d, keepdim, False, return_types.median)


@numpy_names
def nanmedian(input, dim=None, keepdim=False):
    """median ignoring NaN (NaN only where every element is NaN)."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(nanmedian, input, dim, keepdim)
    x = check_tensor(input, "nanmedian")
    if dim is None:
        return _median_all(x, True, "nanmedian")
    x, d = _dim_input(x, dim, "nanmedian")
    return _median_along(x, d, keepdim, True, return_types.nanmedian)


@numpy_names
def mode(input, dim=-1, keepdim=False):
    """(values, indices) of the most frequent value along dim: the smallest of the most frequent,
    at its last position, as torch."""
    x, d = _dim_input(input, dim, "mode")
    a = x._data
    if a.ndim == 0:
        return _pick(x, None, d, keepdim, return_types.mode)
    order = np.moveaxis(sort_indices(a, d, False, True), d, -1)
    s = np.take_along_axis(np.moveaxis(a, d, -1), order, -1)
    n = s.shape[-1]
    pos = np.arange(n)
    start = np.ones(s.shape, bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    end = np.ones(s.shape, bool)
    end[..., :-1] = start[..., 1:]
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=-1)
    length = np.where(end, pos - first + 1, 0)
    best = np.argmax(length, axis=-1)[..., None]
    return _pick(x, np.moveaxis(np.take_along_axis(order, best, -1), -1, d), d, keepdim, return_types.mode)


_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    x = check_tensor(input, "quantile")
    a = x._data
    if a.dtype not in KERNEL_DTYPES:
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if a.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q._data.dtype != a.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        qs, scalar = q._data.reshape(-1), q._data.ndim == 0
    else:
        qs, scalar = np.asarray([q], a.dtype), True
    if ((qs < 0) | (qs > 1)).any():
        bad = qs[(qs < 0) | (qs > 1)][0]
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {bad:g}" if scalar
                           else "quantile() q values must be in the range [0, 1]")
    if interpolation not in _MODES:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if dim is None:
        xf, d = reshape(x, (-1,)), 0
        out_shape = (1,) * a.ndim if keepdim else ()
    else:
        d = wrap_dim(dim, a.ndim, "quantile")
        xf = x if a.ndim else reshape(x, (1,))
        out_shape = tuple(1 if i == d else s for i, s in enumerate(a.shape) if keepdim or i != d)
        d = d if a.ndim else 0
    s = xf._data
    order = sort_indices(s, d, False, True)
    nan = np.isnan(s).sum(axis=d, keepdims=True)
    n = s.shape[d]
    qk = qs.reshape((-1,) + (1,) * (s.ndim - 1 - d)) if s.ndim - 1 - d else qs   # Q along d
    if ignore_nan:
        ranks = np.maximum(qk * (n - nan - 1).astype(a.dtype), 0)
    else:
        ranks = np.where(nan > 0, np.asarray(n - 1, a.dtype), qk * np.asarray(n - 1, a.dtype))
    ranks = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(interpolation, lambda r: r)(ranks)
    below = ranks.astype(np.int64)
    values = select(xf, np.take_along_axis(order, below, d), d)
    if interpolation in ("linear", "midpoint"):
        above = np.ceil(ranks).astype(np.int64)
        w = np.full(ranks.shape, 0.5, a.dtype) if interpolation == "midpoint" else (ranks - below).astype(a.dtype)
        upper = select(xf, np.take_along_axis(order, above, d), d)
        values = values + _make(w) * (upper - values)
    perm = [d] + [i for i in range(s.ndim) if i != d]
    values = permute(values, perm)
    return reshape(values, out_shape if scalar else (qs.size,) + out_shape)


@numpy_names
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of input along dim (flattened when None): order statistic at rank
    q (n - 1), interpolated as asked; NaN where a row has a NaN.  q: a number or a 1-D tensor
    (its dim comes first)."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


@numpy_names
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN (NaN only where every element is NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


TENSOR_METHODS = {"kthvalue": kthvalue, "median": median, "nanmedian": nanmedian, "mode": mode,
                  "quantile": quantile, "nanquantile": nanquantile}
