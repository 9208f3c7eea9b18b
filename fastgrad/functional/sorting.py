"""Sorting at the Tensor level: sort, argsort, msort, topk (values and indices, gradients scattered
back), unique, unique_consecutive, searchsorted, bucketize (no gradient).  NaN sorts as the
largest value, as torch."""
from numbers import Number

import numpy as np

from fastgrad import return_types
from fastgrad.dtypes import LOWP_DTYPES, bfloat16
from fastgrad.functional._promote import KERNEL_DTYPES
from fastgrad.lowp import from_float32, to_float32
from fastgrad.functional._dimnames import numpy_names
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.sort import TakeAlong, sort_indices, topk_indices
from fastgrad.tensor import Tensor

__all__ = ["sort", "argsort", "msort", "topk", "unique", "unique_consecutive", "searchsorted", "bucketize"]

_make = Tensor._make


def check_tensor(input, op, what="input"):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(input).__name__}")
    return input


def select(x, idx, d, keepdim=True):
    """x at the int64 indices idx along d: differentiable for float x (gradients scattered back)."""
    if x._data.dtype in KERNEL_DTYPES or x._data.dtype in LOWP_DTYPES:
        return TakeAlong.apply1(x, idx, d, keepdim)
    y = np.take_along_axis(x._data, idx, d) if x._data.ndim else x._data.copy()
    return _make(np.ascontiguousarray(y if keepdim or not x._data.ndim else np.squeeze(y, d)))


@numpy_names
def sort(input, dim=-1, descending=False, *, stable=False):
    """(values, indices) of input sorted along dim; NaN is the largest value; descending or
    stable sorts keep equal values in their order."""
    x = check_tensor(input, "sort")
    d = wrap_dim(dim, x._data.ndim, "sort")
    if x._data.ndim == 0:
        return return_types.sort(select(x, None, 0), _make(np.zeros((), np.int64)))
    idx = sort_indices(x._data, d, bool(descending), bool(stable))
    return return_types.sort(select(x, idx, d), _make(idx))


@numpy_names
def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort input along dim (as sort's)."""
    return sort(input, dim, descending, stable=stable).indices


def msort(input):
    """input sorted along its first dim (sort(input, 0).values)."""
    return sort(input, 0).values


@numpy_names
def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (smallest) elements along dim, largest first (smallest
    first); NaN counts as the largest."""
    x = check_tensor(input, "topk")
    d = wrap_dim(dim, x._data.ndim, "topk")
    n = x._data.shape[d] if x._data.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if x._data.ndim == 0:
        idx = np.zeros((), np.int64)
        return return_types.topk(select(x, None, 0) if k else _make(x._data.reshape(0)[:0]), _make(idx))
    idx = topk_indices(x._data, int(k), d, bool(largest))
    return return_types.topk(select(x, idx, d), _make(idx))


def _flags(out, inverse, counts, return_inverse, return_counts):
    res = (out,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return res if len(res) > 1 else out


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of input (flattened), or distinct slices along dim, in ascending order;
    optionally the inverse indices and the counts.  Each NaN is distinct, as torch."""
    a = check_tensor(input, "unique")._data
    if a.dtype == bfloat16:  # by value (numpy would order the bits): through float32, exact
        r = unique(_make(to_float32(a)), sorted, return_inverse, return_counts, dim)
        if isinstance(r, tuple):
            return (_make(from_float32(r[0]._data, bfloat16)),) + tuple(r[1:])
        return _make(from_float32(r._data, bfloat16))
    if dim is None:
        out, inv, cnt = np.unique(a.ravel(), return_inverse=True, return_counts=True, equal_nan=False)
        inv = inv.reshape(a.shape)
    else:
        d = wrap_dim(dim, a.ndim, "unique")
        if a.shape[d] == 0:
            return _flags(_make(a.copy()), _make(np.zeros(0, np.int64)), _make(np.zeros(0, np.int64)),
                          return_inverse, return_counts)
        out, inv, cnt = np.unique(a, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
    return _flags(_make(np.ascontiguousarray(out)), _make(inv.astype(np.int64)), _make(cnt.astype(np.int64)),
                  return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """input with each run of equal consecutive values (or slices along dim) kept once; optionally
    the inverse indices and the run lengths."""
    a = check_tensor(input, "unique_consecutive")._data
    if dim is None:
        rows, shape = a.reshape(-1, 1), a.shape
    else:
        d = wrap_dim(dim, a.ndim, "unique_consecutive")
        rows, shape = np.moveaxis(a, d, 0).reshape(a.shape[d] if a.ndim else 1, -1), (a.shape[d],)
    n = rows.shape[0]
    keep = np.ones(n, bool)
    keep[1:] = np.any(rows[1:] != rows[:-1], axis=1) if rows.shape[1] else False
    starts = np.flatnonzero(keep)
    if dim is None:
        out = a.ravel()[keep]
    else:
        out = np.take(a, starts, axis=d)
    inv = (np.cumsum(keep) - 1).reshape(shape)
    cnt = np.diff(np.append(starts, n))
    return _flags(_make(np.ascontiguousarray(out)), _make(inv.astype(np.int64)), _make(cnt.astype(np.int64)),
                  return_inverse, return_counts)


def _side(right, side, op):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"{op}(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(f"{op}(): side and right can't be set to opposites, got side of left while "
                               "right was True")
        return side
    return "right" if right else "left"


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Indices where the values would be inserted into the innermost dim of sorted_sequence to keep
    it sorted (side 'left': first such place; 'right' or right=True: last)."""
    seq = check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")._data
    scalar = isinstance(input, Number)
    vals = np.asarray(input, seq.dtype) if scalar else check_tensor(input, "searchsorted")._data
    how = _side(right, side, "torch.searchsorted")
    srt = None if sorter is None else check_tensor(sorter, "searchsorted", "sorter")._data
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if srt is not None and srt.shape != seq.shape:
        raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                           f"tensor {list(seq.shape)}and got sorter tensor {list(srt.shape)}")
    if seq.ndim == 1:
        out = np.searchsorted(seq, vals, side=how, sorter=srt)
    else:
        if scalar or seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor "
                               f"{list(np.shape(vals))}")
        s2, v2 = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        r2 = None if srt is None else srt.reshape(s2.shape)
        out = np.stack([np.searchsorted(s2[i], v2[i], side=how, sorter=None if r2 is None else r2[i])
                        for i in range(s2.shape[0])]).reshape(vals.shape) if v2.size else np.zeros(vals.shape)
    return _make(np.asarray(out, np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Index of the bucket of each value: boundaries[i-1] < x <= boundaries[i] (right=False) or
    boundaries[i-1] <= x < boundaries[i] (right=True); boundaries is 1-D and sorted."""
    b = check_tensor(boundaries, "bucketize", "boundaries")
    if b._data.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim({b._data.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


TENSOR_METHODS = {"sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "unique": unique,
                  "unique_consecutive": unique_consecutive}
