"""Shape functions: reshape/view, flatten, squeeze/unsqueeze, permute/transpose/t, expand,
repeat, cat/stack, split/chunk — torch's argument forms and errors, then ops/shape.py."""
import operator

import numpy as np

from fastgrad.functional._promote import common_dtype
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.indexing import GetItem
from fastgrad.ops.shape import Cat, Expand, Permute, Repeat, Reshape, Stack, View
from fastgrad.tensor import Tensor

__all__ = ["reshape", "view", "flatten", "squeeze", "unsqueeze", "transpose", "t", "permute",
           "expand", "repeat", "cat", "concat", "concatenate", "stack", "chunk", "split"]


def _check_tensor(x, op, what="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(x).__name__}")


def _ints(shape, op):
    """A shape/dims argument (int, sequence of ints or of 0-d integer tensors) as a tuple of ints."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"{op}: expected a sequence of ints, got {shape!r}") from None


def _resolve_shape(shape, size, op):
    """torch's shape inference: at most one -1, product must equal ``size``."""
    shape = _ints(shape, op)
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError(f"{op}: only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"{op}: invalid shape dimension {s}")
        else:
            known *= s
    if infer is not None:
        if known == 0 or size % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size}")
        shape = shape[:infer] + (size // known,) + shape[infer + 1:]
    elif known != size:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size}")
    return shape


def reshape(input: Tensor, shape) -> Tensor:
    """y = input with ``shape`` (-1 inferred); a view when possible, else a copy."""
    _check_tensor(input, "reshape")
    shape = _resolve_shape(shape, input._data.size, "reshape")
    return Reshape.apply(input, shape)


def view(input: Tensor, shape) -> Tensor:
    """y = input with ``shape``, sharing memory; RuntimeError when a copy would be needed."""
    _check_tensor(input, "view")
    if isinstance(shape, np.dtype) or (isinstance(shape, type) and issubclass(shape, np.generic)):
        raise TypeError("view: reinterpreting the dtype is not supported")
    a = input._data
    shape = _resolve_shape(shape, a.size, "view")
    if not _viewable(a, shape):
        raise RuntimeError(f"view: size {list(shape)} is not compatible with input tensor's size "
                           f"{list(a.shape)} and stride (at least one dimension spans across two "
                           "contiguous subspaces). Use .reshape(...) instead.")
    return View.apply(input, shape)


def _viewable(a, shape) -> bool:
    """Whether ``a`` can take ``shape`` without a copy (numpy >= 2.1: reshape(copy=False); before,
    setting the shape of a view, which refuses when a copy would be needed)."""
    try:
        np.reshape(a, shape, copy=False)
        return True
    except ValueError:
        return False
    except TypeError:  # numpy < 2.1 has no copy= on reshape
        v = a.view()
        try:
            v.shape = shape
            return True
        except AttributeError:
            return False


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one (a 0-d tensor becomes 1-d)."""
    _check_tensor(input, "flatten")
    shape = input._data.shape
    if not shape:
        return Reshape.apply(input, (1,))
    s = wrap_dim(start_dim, len(shape), "flatten")
    e = wrap_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError("flatten: start_dim cannot come after end_dim")
    if s == e:
        return Reshape.apply(input, shape)
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return Reshape.apply(input, shape[:s] + (n,) + shape[e + 1:])


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (all, or those in ``dim``, an int or tuple; others are kept)."""
    _check_tensor(input, "squeeze")
    shape = input._data.shape
    if dim is None:
        dims = {i for i, s in enumerate(shape) if s == 1}
    else:
        dims = {wrap_dim(d, len(shape), "squeeze") for d in _ints(dim, "squeeze")}
    new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return Reshape.apply(input, new)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (in [-ndim-1, ndim])."""
    _check_tensor(input, "unsqueeze")
    shape = input._data.shape
    d = wrap_dim(dim, len(shape) + 1, "unsqueeze")
    return Reshape.apply(input, shape[:d] + (1,) + shape[d:])


def permute(input: Tensor, dims) -> Tensor:
    """y[i_dims[0], ...] = input[...]: dims reordered as ``dims`` (a view)."""
    _check_tensor(input, "permute")
    nd = input._data.ndim
    dims = _ints(dims, "permute")
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dims don't match in permute: input.dim() = {nd} "
                           f"is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute: duplicate dims are not allowed.")
    return Permute.apply(input, dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dims dim0 and dim1 (a view)."""
    _check_tensor(input, "transpose")
    nd = input._data.ndim
    d0 = wrap_dim(dim0, nd, "transpose")
    d1 = wrap_dim(dim1, nd, "transpose")
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


def t(input: Tensor) -> Tensor:
    """Transpose of a matrix; 0-d and 1-d tensors are returned as views unchanged (as torch)."""
    _check_tensor(input, "t")
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return Permute.apply(input, (1, 0) if nd == 2 else tuple(range(nd)))


def expand(input: Tensor, shape) -> Tensor:
    """Broadcast ``input`` to ``shape``; -1 keeps the existing size (no copy)."""
    _check_tensor(input, "expand")
    sizes = _ints(shape, "expand")
    old = input._data.shape
    lead = len(sizes) - len(old)
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(old)})")
    out = []
    for i in range(len(sizes) - 1, -1, -1):  # checked last dim first, as torch reports
        s = sizes[i]
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: the expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            out.append(s)
            continue
        have = old[i - lead]
        if s == -1:
            s = have
        elif s < 0 or (have != s and have != 1):
            raise RuntimeError(f"expand: the expanded size of the tensor ({s}) must match the existing "
                               f"size ({have}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(old)}")
        out.append(s)
    return Expand.apply(input, tuple(out[::-1]))


def repeat(input: Tensor, sizes) -> Tensor:
    """Tile ``input``: len(sizes) >= ndim, leading new dims added (torch's Tensor.repeat)."""
    _check_tensor(input, "repeat")
    sizes = _ints(sizes, "repeat")
    if len(sizes) < input._data.ndim:
        raise RuntimeError("repeat: Number of dimensions of repeat dims can not be smaller than "
                           "number of dimensions of tensor")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {list(sizes)}")
    return Repeat.apply(input, sizes)


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, "
                            f"but got {type(x).__name__}")
    return list(tensors)


def cat(tensors, dim: int = 0) -> Tensor:
    """Concatenate along an existing dim (legacy 1-d empty tensors are skipped, as torch)."""
    tensors = _tensor_list(tensors, "cat")
    kept = [x for x in tensors if not (x._data.ndim == 1 and x._data.shape[0] == 0)]
    if not kept:
        return tensors[0]
    for i, x in enumerate(kept):
        if x._data.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = kept[0]._data.shape
    d = wrap_dim(dim, len(ref), "cat")
    for i, x in enumerate(kept):
        s = x._data.shape
        if len(s) != len(ref):
            raise RuntimeError(f"cat: Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(s)}")
        for j in range(len(ref)):
            if j != d and s[j] != ref[j]:
                raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[j]} but got size {s[j]} for tensor number "
                                   f"{i} in the list.")
    kept = common_dtype(kept, "cat")
    if len(kept) == 1:
        return Reshape.apply(kept[0], ref)  # a new node, as torch returns a new tensor
    return Cat.apply(d, *kept)


concat = concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dim ``dim`` (in [-ndim-1, ndim])."""
    tensors = _tensor_list(tensors, "stack")
    ref = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} at "
                               f"entry 0 and {list(x._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(ref) + 1, "stack")
    return Stack.apply(d, *common_dtype(tensors, "stack"))


def _slices(input, dim, bounds):
    lead = (slice(None),) * dim
    return tuple(GetItem.apply(input, lead + (slice(a, b),), False) for a, b in bounds)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along dim (the last may be smaller), or of the given sizes."""
    _check_tensor(tensor, "split")
    if tensor._data.ndim == 0:
        raise RuntimeError("split: dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, tensor._data.ndim, "split")
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split: split_size must be non-negative, got {size}")
        if size == 0:
            if n:
                raise RuntimeError(f"split: split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {n}")
            return _slices(tensor, d, [(0, 0)])
        return _slices(tensor, d, [(a, min(a + size, n)) for a in range(0, n, size)] or [(0, 0)])
    sizes = _ints(split_size_or_sections, "split")
    if any(s < 0 for s in sizes) or sum(sizes) != n:
        raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
    ends = np.cumsum((0,) + sizes)
    return _slices(tensor, d, list(zip(ends[:-1].tolist(), ends[1:].tolist())))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of ceil(size / chunks) (possibly fewer pieces), as torch."""
    _check_tensor(input, "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input._data.ndim, "chunk")
    n = input._data.shape[d]
    if n == 0:
        return _slices(input, d, [(0, 0)] * chunks)
    return split(input, -(-n // chunks), d)
