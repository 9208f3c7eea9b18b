"""Indexing functions: ``x[index]``, ``x[index] = value``, masked_fill, gather — index
normalisation (torch's rules for tensors, lists, bools, slices) and checks, then ops/indexing.py."""
import operator

import numpy as np

from fastgrad.autograd.grad_mode import GRAD
from fastgrad.functional._promote import to_dtype
from fastgrad.functional.shape import _check_tensor, reshape
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.indexing import Gather, GetItem, IndexPut, IntsFirst, MaskedFill, target
from fastgrad.tensor import Tensor

__all__ = ["getitem", "setitem", "masked_fill", "gather"]


def _index_array(a, op):
    if a.dtype == np.bool_:
        return a
    if a.dtype.kind in "iu":
        return a if a.dtype == np.int64 else a.astype(np.int64)
    if a.size == 0 and a.dtype.kind in "fV":  # x[[]]: an empty list is an empty index list
        return a.astype(np.int64)
    raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool tensors, "
                     f"got {a.dtype}")


def _normalize_index(index, op):
    """(index numpy accepts, whether it contains advanced (array/bool) parts).  An index that mixes
    integers with advanced parts becomes ``IntsFirst`` (torch's placement of the indexed dims)."""
    items = index if type(index) is tuple else (index,)
    out = []
    advanced = has_int = False
    for it in items:
        if isinstance(it, Tensor):
            a = it._data
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))  # a 0-d integer tensor indexes like an int (as torch)
                has_int = True
                continue
            out.append(_index_array(a if a.dtype != np.uint8 else a.astype(bool), op))
            advanced = True
        elif isinstance(it, slice):
            if it.step is not None:
                step = operator.index(it.step)
                if step <= 0:
                    raise ValueError(f"{op}: step must be greater than zero")
            out.append(it)
        elif it is None or it is Ellipsis:
            out.append(it)
        elif isinstance(it, (bool, np.bool_)):
            out.append(bool(it))
            advanced = True
        elif isinstance(it, (int, np.integer)):
            out.append(int(it))
            has_int = True
        elif isinstance(it, (list, tuple, np.ndarray, range)):
            a = np.asarray(it._data if isinstance(it, Tensor) else it)
            out.append(_index_array(a, op))
            advanced = True
        else:
            try:
                out.append(operator.index(it))
                has_int = True
            except TypeError:
                raise IndexError(f"{op}: only integers, slices (`:`), ellipsis (`...`), None and "
                                 f"long or byte Variables are valid indices (got "
                                 f"{type(it).__name__})") from None
    if has_int and advanced:
        return _ints_first(out), advanced
    return tuple(out), advanced


def _ints_first(items):
    """IntsFirst((the integers, with ``:`` for every other dimension), (the rest))."""
    ints, rest = [], []
    for it in items:
        if type(it) is int:
            ints.append(it)
        elif it is Ellipsis:
            ints.append(it)
            rest.append(it)
        else:
            rest.append(it)
            if isinstance(it, np.ndarray):  # a bool mask covers as many dims as it has
                ints.extend([slice(None)] * (it.ndim if it.dtype == np.bool_ else 1))
            elif it is not None and type(it) is not bool:  # None and a bool add a dim
                ints.append(slice(None))
    return IntsFirst((tuple(ints), tuple(rest)))


def _index_error(e, op):
    return IndexError(f"{op}: " + str(e).replace("axis", "dimension"))


def getitem(input: Tensor, index) -> Tensor:
    """y = input[index] (numpy/torch semantics); basic indices give views."""
    idx, advanced = _normalize_index(index, "getitem")
    try:
        return GetItem.apply(input, idx, advanced)
    except IndexError as e:
        raise _index_error(e, "getitem") from None


def setitem(input: Tensor, index, value) -> None:
    """input[index] = value, in place.  When recording and ``input`` or ``value`` requires grad,
    a leaf ``input`` raises (as torch); otherwise the write is recorded: ``input`` is rebound to
    a new graph node holding the updated copy (earlier saved values stay intact)."""
    idx, _ = _normalize_index(index, "setitem")
    a = input._data
    if GRAD.enabled and (input.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
        if input.requires_grad and input.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if a.dtype.kind not in "fV":
            raise RuntimeError(f"setitem: cannot write a value that requires grad into a "
                               f"{a.dtype} tensor")
        if isinstance(value, Tensor) and value._data.dtype != a.dtype:
            value = to_dtype(value, a.dtype, False)
        elif not isinstance(value, Tensor):
            value = np.asarray(value, dtype=a.dtype)
        try:
            out = IndexPut.apply(input, idx, value)
        except IndexError as e:
            raise _index_error(e, "setitem") from None
        except ValueError as e:
            raise RuntimeError(f"setitem: {e}") from None
        input._data = out._data
        input.grad_fn = out.grad_fn
        input.requires_grad = True
        return
    v = value._data if isinstance(value, Tensor) else value
    if not a.flags.writeable:  # e.g. an expand() view: write into a private copy
        input._data = a = a.copy()
    try:
        dest, key = target(a, idx)
        dest[key] = v
    except IndexError as e:
        raise _index_error(e, "setitem") from None
    except ValueError as e:
        raise RuntimeError(f"setitem: {e}") from None


def masked_fill(input: Tensor, mask, value) -> Tensor:
    """y = input with ``value`` where the bool ``mask`` (broadcastable) is True."""
    _check_tensor(input, "masked_fill")
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {m.dtype}")
    try:
        np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: mask of shape {tuple(m.shape)} is not broadcastable to the "
                           f"input shape {tuple(input._data.shape)}") from None
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype and value.requires_grad:
            value = to_dtype(value, input._data.dtype, False)
    elif not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"masked_fill: value must be a number or a 0-d Tensor, got {type(value).__name__}")
    return MaskedFill.apply(input, m, value)


def gather(input: Tensor, dim: int, index) -> Tensor:
    """out[i][j] = input[i][index[i][j]] (dim=1), generally: index replaces position ``dim``."""
    _check_tensor(input, "gather")
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): Expected dtype int64 for index, got {idx.dtype}")
    idx = idx.astype(np.int64, copy=False)
    x = input._data
    nd = x.ndim
    d = wrap_dim(dim, nd, "gather")
    if max(nd, 1) != max(idx.ndim, 1):
        raise RuntimeError("gather: Index tensor must have the same number of dimensions as input tensor")
    if nd == 0:  # a 0-d input gathers like a 1-element vector
        return reshape(gather(reshape(input, (1,)), 0, idx.reshape(1)), ())
    for j in range(nd):
        if j != d and idx.shape[j] > x.shape[j]:
            raise RuntimeError(f"gather: Size does not match at dimension {j} expected index "
                               f"{list(idx.shape)} to be no larger than self {list(x.shape)} apart "
                               f"from dimension {d}")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= x.shape[d]:
            raise RuntimeError(f"gather: index {lo if lo < 0 else hi} is out of bounds for dimension "
                               f"{d} with size {x.shape[d]}")
    return Gather.apply(input, d, idx)
