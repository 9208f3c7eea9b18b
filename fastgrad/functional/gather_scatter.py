"""The gather/scatter family, torch's names, checks and errors: index_select, index_add,
index_copy, index_fill, index_put, scatter, scatter_add, scatter_reduce (and their in-place
``_`` forms), take, take_along_dim, masked_select, masked_scatter, nonzero, argwhere and the
one-argument where.  Every index is checked here (dtype, range, shapes) before ops/scatter.py
runs, so the C scatters never see an index out of bounds."""
import numpy as np

from fastgrad.lowp import cast as lowp_cast
from fastgrad.autograd.grad_mode import GRAD
from fastgrad.functional._promote import to_dtype
from fastgrad.functional._rebind import inplace_result
from fastgrad.functional.elementwise import where as _where3
from fastgrad.functional.indexing import _normalize_index, gather, getitem, masked_fill
from fastgrad.functional.shape import _check_tensor, expand, reshape
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.scatter import (IndexAdd, IndexCopy, IndexFill, IndexPutAccumulate, IndexSelect, MaskedScatter,
                                  Scatter, ScatterAdd, Take, index_add_into, scatter_add_into)
from fastgrad.ops.indexing import IndexPut
from fastgrad.ops.scatter_reduce import ScatterReduce
from fastgrad.tensor import Tensor

__all__ = ["index_select", "index_add", "index_copy", "index_fill", "index_put", "scatter", "scatter_add",
           "scatter_reduce", "take", "take_along_dim", "masked_select", "masked_scatter", "nonzero",
           "argwhere", "where"]

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _index(index, op, kinds="iu", what="int64"):
    """The index as an int64 array (a Tensor, list or array of integers)."""
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in kinds:
        raise RuntimeError(f"{op}(): Expected dtype {what} for index, got {a.dtype}")
    return a.astype(np.int64, copy=False)


def _in_range(idx, n, d, op, exc=RuntimeError, negative=False, prefix=""):
    """Every index in [0, n) (or [-n, n) when ``negative``): an index out of range raises ``exc``
    naming it; negative ones are wrapped."""
    if not idx.size:
        return idx
    lo, hi = int(idx.min()), int(idx.max())
    low = -n if negative else 0
    if lo < low or hi >= n:
        bad = lo if lo < low else hi
        raise exc(f"{op}: {prefix}index {bad} is out of bounds for dimension {d} with size {n}")
    return np.where(idx < 0, idx + n, idx) if lo < 0 else idx


def _source(src, input, op):
    """src as a Tensor of input's dtype (differentiable cast between floats)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: source must be a Tensor, got {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        if src._data.dtype.kind in "fV" and input._data.dtype.kind in "fV":
            raise RuntimeError(f"{op}(): self ({input._data.dtype}) and source ({src._data.dtype}) must "
                               "have the same scalar type")
        src = to_dtype(src, input._data.dtype, False)
    return src


def _dim_index(input, dim, index, op):
    _check_tensor(input, op)
    x = input._data
    d = wrap_dim(dim, x.ndim, op)
    idx = _index(index, op, what="int32 or int64")
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {list(idx.shape)}")
    return d, idx.reshape(-1), (x.shape[d] if x.ndim else 1)


def _as_1d(input):
    return reshape(input, (1,)) if input._data.ndim == 0 else input


def index_select(input: Tensor, dim: int, index) -> Tensor:
    """y = input's slices at ``index`` (1-D) along ``dim``."""
    d, idx, n = _dim_index(input, dim, index, "index_select")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"index_select(): index out of range in self (index {bad}, size {n} at dim {d}, "
                         f"input shape {list(input._data.shape)})")
    if input._data.ndim == 0:
        return reshape(IndexSelect.apply(_as_1d(input), 0, idx), (-1,))
    return IndexSelect.apply(input, d, idx)


def _slice_source(input, d, idx, src, op):
    x, s = input._data.shape, src._data.shape
    want = x[:d] + (idx.size,) + x[d + 1:] if x else (idx.size,)
    if s != want and not (not x and src._data.size == idx.size):
        if len(s) == len(x) and s[d] != idx.size and s[:d] + s[d + 1:] == x[:d] + x[d + 1:]:
            raise RuntimeError(f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                               f"({s[d]}), for dim: {d}")
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(x)} source.shape = {list(s)}")


def _index_add_args(input, dim, index, source, op):
    d, idx, n = _dim_index(input, dim, index, op)
    source = _source(source, input, op)
    _slice_source(input, d, idx, source, op)
    return d, _in_range(idx, n, d, op), source


def index_add(input: Tensor, dim: int, index, source: Tensor, *, alpha=1) -> Tensor:
    """y = input with alpha * source[j] added at index[j] along ``dim`` (repeats accumulate)."""
    d, idx, source = _index_add_args(input, dim, index, source, "index_add")
    if input._data.ndim == 0:
        return reshape(IndexAdd.apply(_as_1d(input), 0, idx, reshape(source, (-1,)), alpha), ())
    return IndexAdd.apply(input, d, idx, source, alpha)


def index_copy(input: Tensor, dim: int, index, source: Tensor) -> Tensor:
    """y = input with y[index[j]] = source[j] along ``dim``."""
    d, idx, n = _dim_index(input, dim, index, "index_copy")
    source = _source(source, input, "index_copy")
    _slice_source(input, d, idx, source, "index_copy")
    idx = _in_range(idx, n, d, "index_copy", IndexError)
    if input._data.ndim == 0:
        return reshape(IndexCopy.apply(_as_1d(input), 0, idx, reshape(source, (-1,))), ())
    return IndexCopy.apply(input, d, idx, source)


def index_fill(input: Tensor, dim: int, index, value) -> Tensor:
    """y = input with ``value`` (a number or 0-d tensor) at index along ``dim`` (index may be negative)."""
    d, idx, n = _dim_index(input, dim, index, "index_fill")
    idx = _in_range(idx, n, d, "index_fill", IndexError, negative=True)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        value = _source(value, input, "index_fill")
    if input._data.ndim == 0:
        return reshape(IndexFill.apply(_as_1d(input), 0, idx, value), ())
    return IndexFill.apply(input, d, idx, value)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """y = input with y[indices] = values (``indices`` a tuple of index tensors, as x[i, j]);
    ``accumulate`` adds instead, repeated places adding up."""
    _check_tensor(input, "index_put")
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be a tuple of Tensors, not {type(indices).__name__}")
    key, _ = _normalize_index(tuple(indices), "index_put")
    v = values if isinstance(values, Tensor) else Tensor._make(np.asarray(values, input._data.dtype))
    v = _source(v, input, "index_put")
    try:
        target_shape = np.shape(input._data[key])
        np.broadcast_to(np.empty(v._data.shape, np.bool_), target_shape)
    except IndexError as e:
        raise IndexError(f"index_put: {str(e).replace('axis', 'dimension')}") from None
    except ValueError:
        raise RuntimeError(f"index_put: shape mismatch: value tensor of shape {list(v._data.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(target_shape)}") from None
    if accumulate:
        return IndexPutAccumulate.apply(input, key, v)
    return IndexPut.apply(input, key, v)


def _scatter_checks(input, dim, index, src, op):
    _check_tensor(input, op)
    x = input._data
    d = wrap_dim(dim, x.ndim, op)
    idx = _index(index, op, what="int64")
    nd = max(x.ndim, 1)
    if max(idx.ndim, 1) != nd or (src is not None and max(src._data.ndim, 1) != nd):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self tensor"
                           + ("" if src is None else " and src tensor"))
    xs = x.shape or (1,)
    ss = None if src is None else (src._data.shape or (1,))
    ish = idx.shape or (1,)
    if any((j != d and ish[j] > xs[j]) or (ss is not None and ish[j] > ss[j]) for j in range(nd)):
        raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} "
                           f"apart from dimension {d}" + ("" if ss is None else f" and to be no larger size "
                                                          f"than src {list(src._data.shape)}"))
    return d if x.ndim else 0, _in_range(idx.reshape(ish), xs[d] if x.ndim else 1, d, op)


def _run_0d(fn, input, *args):
    """fn on ``input`` made 1-D when it is 0-d (torch treats a 0-d tensor as one element)."""
    if input._data.ndim:
        return fn(input, *args)
    args = [reshape(a, (1,)) if isinstance(a, Tensor) and a._data.ndim == 0 else a for a in args]
    return reshape(fn(_as_1d(input), *args), ())


def scatter(input: Tensor, dim: int, index, src=None, value=None, *, reduce=None) -> Tensor:
    """y = input with y[... index[i] at dim ...] = src[i] (or ``value``); reduce='add' or
    'multiply' combines instead (no gradient, as torch)."""
    if src is None and value is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    if not isinstance(src, Tensor):
        src, value = None, src if value is None else value
    else:
        src = _source(src, input, "scatter")
    d, idx = _scatter_checks(input, dim, index, src, "scatter")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce}")
        if GRAD.enabled and (input.requires_grad or (src is not None and src.requires_grad)):
            raise RuntimeError("derivative for aten::scatter with reduce is not implemented")
        s = src if src is not None else Tensor._make(lowp_cast(np.full(idx.shape, value), input._data.dtype))
        return _run_0d(lambda x, i, t: ScatterReduce.apply(x, d, i, t, "sum" if reduce == "add" else "prod", True),
                       input, idx, s)
    if src is None:
        if isinstance(value, Tensor):
            value = value._data
        v = np.asarray(value, input._data.dtype) if input._data.dtype.kind != "V" else lowp_cast(
            value, input._data.dtype)  # (bfloat16: numpy cannot convert a number to it)
        return _run_0d(lambda x, i: Scatter.apply(x, d, i, v), input, idx)
    return _run_0d(lambda x, i, s: Scatter.apply(x, d, i, s), input, idx, src)


def scatter_add(input: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """y = input with src[i] added at [... index[i] at dim ...] (repeats accumulate)."""
    src = _source(src, input, "scatter_add")
    d, idx = _scatter_checks(input, dim, index, src, "scatter_add")
    return _run_0d(lambda x, i, s: ScatterAdd.apply(x, d, i, s), input, idx, src)


def scatter_reduce(input: Tensor, dim: int, index, src: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    """y = input with src reduced ('sum', 'prod', 'mean', 'amax', 'amin') into the places
    [... index[i] at dim ...]; include_self: whether input's own values take part."""
    if reduce not in _REDUCES:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be one of sum, prod, mean, amax, amin, "
                           f"got {reduce}")
    src = _source(src, input, "scatter_reduce")
    d, idx = _scatter_checks(input, dim, index, src, "scatter_reduce")
    return _run_0d(lambda x, i, s: ScatterReduce.apply(x, d, i, s, reduce, bool(include_self)), input, idx, src)


def take(input: Tensor, index) -> Tensor:
    """y = input.flatten()[index], shaped as index (negative indices count from the end)."""
    _check_tensor(input, "take")
    idx = _index(index, "take", what="int64")
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"take: out of range: tried to access index {bad} on a tensor of {n} elements.")
    return Take.apply(input, np.where(idx < 0, idx + n, idx))


def take_along_dim(input: Tensor, indices, dim=None) -> Tensor:
    """y = input's values at ``indices`` along ``dim`` (the two broadcast off ``dim``); dim None:
    of the flattened input."""
    _check_tensor(input, "take_along_dim")
    idx = _index(indices, "take_along_dim", what="int64")
    if dim is None:
        flat = reshape(input, (-1,))
        return gather_checked(flat, 0, idx.reshape(-1))
    x = input._data
    d = wrap_dim(dim, x.ndim, "take_along_dim")
    if idx.ndim != x.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {x.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    try:
        xs = list(np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:], idx.shape[:d] + (1,) + idx.shape[d + 1:]))
    except ValueError:
        raise RuntimeError(f"take_along_dim(): shapes {list(x.shape)} and {list(idx.shape)} cannot be broadcast "
                           f"off dimension {d}") from None
    ishape = list(xs)
    xs[d], ishape[d] = x.shape[d], idx.shape[d]
    return gather_checked(expand(input, tuple(xs)), d, np.broadcast_to(idx, tuple(ishape)))


def gather_checked(input, d, idx):
    return gather(input, d, Tensor._make(np.ascontiguousarray(idx)))


def masked_select(input: Tensor, mask) -> Tensor:
    """The 1-D tensor of input's elements where ``mask`` (broadcast with input) is True."""
    _check_tensor(input, "masked_select")
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {m.dtype}")
    try:
        shape = np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the shape of the mask {list(m.shape)} and the input "
                           f"{list(input._data.shape)} cannot be broadcast") from None
    return getitem(expand(input, shape), Tensor._make(np.broadcast_to(m, shape)))


def masked_scatter(input: Tensor, mask, source: Tensor) -> Tensor:
    """y = input with source's first elements written, in order, where ``mask`` is True."""
    _check_tensor(input, "masked_scatter")
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {m.dtype}")
    source = _source(source, input, "masked_scatter")
    try:
        np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter: the shape of the mask {list(m.shape)} and the input "
                           f"{list(input._data.shape)} cannot be broadcast") from None
    ones = int(np.broadcast_to(m, np.broadcast_shapes(input._data.shape, m.shape)).sum())
    if ones > source._data.size:
        raise RuntimeError(f"masked_scatter: Number of elements of source ({source._data.size}) < number of ones "
                           f"in mask ({ones})")
    return MaskedScatter.apply(input, m, source)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    _check_tensor(input, "nonzero")
    a = input._data
    idx = np.nonzero(a.reshape(1) if a.ndim == 0 else a)
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
    out = np.stack(idx, axis=1).astype(np.int64) if a.ndim else np.zeros((int(bool(a)), 0), np.int64)
    return Tensor._make(out)


def argwhere(input: Tensor) -> Tensor:
    """nonzero(input): an (n, ndim) tensor of the indices of the non-zero elements."""
    return nonzero(input)


def where(condition, input=None, other=None):
    """where(condition, input, other) elementwise; where(condition) = nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return _where3(condition, input, other)


# -- in-place forms -----------------------------------------------------------------------
def index_add_(self, dim, index, source, *, alpha=1):
    d, idx, src = _index_add_args(self, dim, index, source, "index_add")  # checked before any write
    into = (lambda a: index_add_into(a, d, idx, src._data, alpha)) if self._data.ndim else None
    return inplace_result(self, "index_add_", lambda s: index_add(s, dim, index, source, alpha=alpha), (source,),
                          into)


def index_copy_(self, dim, index, source):
    return inplace_result(self, "index_copy_", lambda s: index_copy(s, dim, index, source), (source,))


def index_fill_(self, dim, index, value):
    return inplace_result(self, "index_fill_", lambda s: index_fill(s, dim, index, value), (value,))


def index_put_(self, indices, values, accumulate=False):
    return inplace_result(self, "index_put_", lambda s: index_put(s, indices, values, accumulate), (values,))


def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return inplace_result(self, "scatter_", lambda s: scatter(s, dim, index, src, value, reduce=reduce), (src,))


def scatter_add_(self, dim, index, src):
    src = _source(src, self, "scatter_add")
    d, idx = _scatter_checks(self, dim, index, src, "scatter_add")  # checked before any write
    into = (lambda a: scatter_add_into(a, d, idx, src._data)) if self._data.ndim else None
    return inplace_result(self, "scatter_add_", lambda s: scatter_add(s, dim, index, src), (src,), into)


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return inplace_result(self, "scatter_reduce_",
                          lambda s: scatter_reduce(s, dim, index, src, reduce, include_self=include_self), (src,))


def masked_fill_(self, mask, value):
    return inplace_result(self, "masked_fill_", lambda s: masked_fill(s, mask, value), (value,))


def masked_scatter_(self, mask, source):
    return inplace_result(self, "masked_scatter_", lambda s: masked_scatter(s, mask, source), (source,))


TENSOR_METHODS = {
    "index_select": index_select, "index_add": index_add, "index_copy": index_copy, "index_fill": index_fill,
    "index_put": index_put, "scatter": scatter, "scatter_add": scatter_add, "scatter_reduce": scatter_reduce,
    "take": take, "take_along_dim": take_along_dim, "masked_select": masked_select,
    "masked_scatter": masked_scatter, "nonzero": nonzero, "argwhere": argwhere,
    "index_add_": index_add_, "index_copy_": index_copy_, "index_fill_": index_fill_, "index_put_": index_put_,
    "scatter_": scatter_, "scatter_add_": scatter_add_, "scatter_reduce_": scatter_reduce_,
    "masked_scatter_": masked_scatter_, "masked_fill_": masked_fill_,
    "where": lambda self, condition, other: where(condition, self, other),
}
