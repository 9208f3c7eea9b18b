"""More indexing with torch's names, checks and errors: select (a view), split_with_sizes
(views), unravel_index, put / put_ (into the flattened tensor), index_reduce / index_reduce_
(prod, mean, amax, amin along a dim) and resize_as_.  Composed of getitem, split, index_put and
scatter_reduce, so gradients follow theirs."""
import operator

import numpy as np

from fastgrad.functional._rebind import inplace_result
from fastgrad.functional.gather_scatter import index_put, scatter_reduce
from fastgrad.functional.indexing import getitem
from fastgrad.functional.shape import reshape, split
from fastgrad.lowp import TORCH_NAME
from fastgrad.ops.common import wrap_dim
from fastgrad.size import shape_args
from fastgrad.tensor import Tensor

__all__ = ["select", "split_with_sizes", "unravel_index", "put", "put_", "index_reduce", "index_reduce_",
           "resize_as_"]

_make = Tensor._make
_NAME = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
         "float32": "Float", "float64": "Double"}


def _tname(d):
    return TORCH_NAME.get(d) or _NAME.get(d.name, d.name)


def _check_tensor(x, op, name="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """input[..., index, ...] at ``dim``: that dim removed (a view, as torch)."""
    _check_tensor(input, "select")
    x = input._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim, "select")
    if isinstance(index, bool):
        raise TypeError("select(): argument 'index' (position 3) must be int, not bool")
    i = operator.index(index)
    if not -x.shape[d] <= i < x.shape[d]:
        raise IndexError(f"select(): index {i} out of range for tensor of size {list(x.shape)} at dimension {d}")
    return getitem(input, (slice(None),) * d + (i,))


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Views of ``input`` along ``dim`` of the given sizes (which must sum to its size there)."""
    _check_tensor(input, "split_with_sizes")
    if input._data.ndim == 0:
        raise IndexError("split_with_sizes: dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, input._data.ndim, "split_with_sizes")
    sizes = [operator.index(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={sizes}")
    n = input._data.shape[d]
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    return split(input, sizes, d)


def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in ``shape`` of the flat (C-order) ``indices``: one int64 tensor per dim,
    each shaped as indices (indices are taken modulo the number of elements, as torch 2.x does, so
    negative ones count from the end)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): expected 'indices' to be a Tensor, but got {type(indices).__name__}")
    a = indices._data
    if a.dtype.kind not in "iu" or a.dtype == np.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {_tname(a.dtype)}")
    dims = (operator.index(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape_args((shape,)))
    if any(s < 0 for s in dims):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(dims)}")
    total = int(np.prod(dims, dtype=np.int64))
    flat = a.astype(np.int64)
    if total:
        flat = flat % total                # as torch 2.x: out-of-range indices wrap instead of raising
    out = []
    for s in reversed(dims):
        out.append(flat % s if s else flat)
        flat = flat // s if s else flat
    return tuple(_make(np.array(c, dtype=np.int64)) for c in reversed(out))


def _put_checks(input, index, source, op):
    _check_tensor(input, op)
    _check_tensor(index, op, "index", 2)
    _check_tensor(source, op, "source", 3)
    if index._data.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_tname(index._data.dtype)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{_tname(input._data.dtype)} and source.dtype = {_tname(source._data.dtype)}")
    if source._data.size != index._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    n = input._data.size
    idx = index._data.reshape(-1)
    if idx.size:
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor of {n} elements.")
    return np.where(idx < 0, idx + n, idx)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """input.flatten()[index] = source (or += with ``accumulate``), reshaped back; differentiable
    in input (where not overwritten) and source."""
    idx = _put_checks(input, index, source, "put")
    flat = reshape(input, (-1,))
    out = index_put(flat, (_make(idx),), reshape(source, (-1,)), bool(accumulate))
    return reshape(out, input._data.shape)


def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    _put_checks(self, index, source, "put_")
    return inplace_result(self, "put_", lambda s: put(s, index, source, accumulate), (source,))


_INDEX_REDUCES = ("prod", "mean", "amax", "amin")


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """y = input with source's slices along ``dim`` reduced ('prod', 'mean', 'amax', 'amin') into
    the slices ``index`` names; include_self: whether input's own values take part."""
    op = "index_reduce_"
    _check_tensor(input, "index_reduce")
    _check_tensor(source, "index_reduce", "source", 4)
    if reduce not in _INDEX_REDUCES:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    x, s = input._data, source._data
    d = wrap_dim(dim, x.ndim, op)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index but got: {_tname(idx.dtype)}")
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"{_tname(idx.dtype)} and size: {list(idx.shape)}")
    if s.dtype != x.dtype:
        raise RuntimeError(f"{op}(): self ({_tname(x.dtype)}) and source ({_tname(s.dtype)}) must have the same "
                           "scalar type")
    xs, ss = x.shape or (1,), s.shape or (1,)
    n_src = ss[d] if len(ss) > d else 1
    if idx.size != n_src:
        raise RuntimeError(f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({n_src}), for dim: {d}")
    if len(xs) != len(ss) or any(a != b for j, (a, b) in enumerate(zip(xs, ss)) if j != d):
        raise RuntimeError(f"{op}(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {list(xs[:d] + xs[d + 1:])} at dimension {d} and source slice shape: "
                           f"{list(ss[:d] + ss[d + 1:])} at dimension {d}.")
    flat = idx.reshape(-1).astype(np.int64)
    if flat.size and (flat.min() < -xs[d] or flat.max() >= xs[d]):
        raise IndexError("index out of range in self")
    flat = np.where(flat < 0, flat + xs[d], flat)
    full = np.broadcast_to(flat.reshape((-1,) + (1,) * (len(ss) - d - 1)), ss) if s.ndim else flat.reshape(())
    return scatter_reduce(input, dim, _make(np.asarray(full, order="C")), source, reduce,
                          include_self=bool(include_self))


def index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    return inplace_result(self, "index_reduce_",
                          lambda s: index_reduce(s, dim, index, source, reduce, include_self=include_self), (source,))


def resize_as_(self: Tensor, the_template: Tensor) -> Tensor:
    """self resized in place to the template's shape: its first elements kept in order, new ones
    zero (torch leaves them uninitialised)."""
    _check_tensor(self, "resize_as_")
    _check_tensor(the_template, "resize_as_", "the_template", 2)
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = the_template._data.shape
    a = self._data
    if a.shape == shape:
        return self
    n = int(np.prod(shape, dtype=np.int64))
    if a.size == n:
        self._data = a.reshape(shape)
        return self
    new = np.zeros(n, a.dtype)
    k = min(n, a.size)
    new[:k] = a.reshape(-1)[:k]
    self._data = new.reshape(shape)
    return self


TENSOR_METHODS = {"select": select, "split_with_sizes": split_with_sizes, "put": put, "put_": put_,
                  "index_reduce": index_reduce, "index_reduce_": index_reduce_, "resize_as_": resize_as_}
