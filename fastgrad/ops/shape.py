"""Shape and indexing ops: views, concatenation, indexing, gather — memory movement in numpy.

Forward outputs stay numpy views where numpy can make one (reshape, permute, expand,
basic slicing): zero copy, possibly non-contiguous or read-only (expand); every C kernel
caller makes its operand contiguous first.  Backward maps the gradient back through the
same view (reshape/transpose), sums it over broadcast dims (expand, repeat) or scatters it
into zeros (indexing; ``np.add.at`` so repeated indices accumulate).
"""
import operator

import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.autograd.grad_mode import GRAD
from fastgrad.ops.common import sum_to, wrap_dim
from fastgrad.tensor import Tensor

__all__ = ["reshape", "view", "flatten", "squeeze", "unsqueeze", "transpose", "t", "permute",
           "expand", "repeat", "cat", "concat", "stack", "chunk", "split", "getitem", "setitem",
           "masked_fill", "gather"]

_make = Tensor._make


def _F():
    """fastgrad.functional, imported late (it imports this module)."""
    from fastgrad import functional
    return functional


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


# -- views: reshape family ---------------------------------------------------------------
@register("reshape")
class Reshape(Function):
    """y = x with a new shape (a view when numpy can make one); dx = dy reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, dy):
        return dy.reshape(ctx.in_shape), None


@register("view")
class View(Reshape):
    """Reshape that never copies (checked by the public ``view`` before apply)."""


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
    try:
        np.reshape(a, shape, copy=False)
    except ValueError:
        raise RuntimeError(f"view: size {list(shape)} is not compatible with input tensor's size "
                           f"{list(a.shape)} and stride (at least one dimension spans across two "
                           "contiguous subspaces). Use .reshape(...) instead.") from None
    return View.apply(input, shape)


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


# -- views: dimension order --------------------------------------------------------------
@register("permute")
class Permute(Function):
    """y = x with dims reordered (a view); dx = dy with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, dy):
        return dy.transpose(np.argsort(ctx.dims)), None


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


# -- broadcasting copies -----------------------------------------------------------------
@register("expand")
class Expand(Function):
    """y = x broadcast to ``shape`` (a read-only view); dx = dy summed over the broadcast dims."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, dy):
        return sum_to(dy, ctx.in_shape), None


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


@register("repeat")
class Repeat(Function):
    """y = x tiled ``sizes`` times along each dim (np.tile); dx = dy summed over the copies."""

    @staticmethod
    def forward(ctx, x, sizes):
        padded = (1,) * (len(sizes) - x.ndim) + x.shape
        ctx.in_shape = x.shape
        ctx.padded = padded
        return np.tile(x.reshape(padded), sizes)

    @staticmethod
    def backward(ctx, dy):
        padded = ctx.padded
        inter = []
        for r, s in zip(dy.shape, padded):
            inter += [r // s if s else 0, s]
        if 0 in padded:
            return np.zeros(ctx.in_shape, dy.dtype), None
        g = dy.reshape(inter).sum(axis=tuple(range(0, 2 * len(padded), 2)))
        return g.reshape(ctx.in_shape), None


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


# -- joining and splitting ---------------------------------------------------------------
@register("cat")
class Cat(Function):
    """y = concatenation of xs along dim; dx_i = the matching slice of dy (a view)."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.ends = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, dy):
        return (None,) + tuple(np.split(dy, ctx.ends, axis=ctx.dim))


@register("stack")
class Stack(Function):
    """y = xs stacked along a new dim; dx_i = dy indexed at i along it (a view)."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, dy):
        lead = (slice(None),) * ctx.dim
        return (None,) + tuple(dy[lead + (i,)] for i in range(dy.shape[ctx.dim]))


def _common_dtype(tensors, op):
    """torch promotion over a list: any float -> the widest float; else numpy's rule."""
    ds = {x._data.dtype for x in tensors}
    if len(ds) == 1:
        return tensors
    floats = [d for d in ds if d.kind == "f"]
    target = np.result_type(*floats) if floats else np.result_type(*ds)
    F = _F()
    return [x if x._data.dtype == target else F.to_dtype(x, target, False) for x in tensors]


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
    kept = _common_dtype(kept, "cat")
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
    return Stack.apply(d, *_common_dtype(tensors, "stack"))


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


# -- indexing ----------------------------------------------------------------------------
@register("getitem")
class GetItem(Function):
    """y = x[index]; dx = zeros with dy written back (basic index) or added with np.add.at
    (advanced index: repeated entries accumulate)."""

    @staticmethod
    def forward(ctx, x, index, advanced):
        ctx.in_shape = x.shape
        ctx.index = index
        ctx.advanced = advanced
        y = x[index]
        return y if type(y) is np.ndarray else np.asarray(y)

    @staticmethod
    def backward(ctx, dy):
        dx = np.zeros(ctx.in_shape, dy.dtype)
        if ctx.advanced:
            np.add.at(dx, ctx.index, dy)
        else:
            dx[ctx.index] = dy
        return dx, None, None


def _index_array(a, op):
    if a.dtype == np.bool_:
        return a
    if a.dtype.kind in "iu":
        return a if a.dtype == np.int64 else a.astype(np.int64)
    if a.size == 0 and a.dtype.kind == "f":  # x[[]]: an empty list is an empty index list
        return a.astype(np.int64)
    raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool tensors, "
                     f"got {a.dtype}")


def _normalize_index(index, op):
    """(index tuple numpy accepts, whether it contains advanced (array/bool) parts)."""
    items = index if type(index) is tuple else (index,)
    out = []
    advanced = False
    for it in items:
        if isinstance(it, Tensor):
            a = it._data
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))  # a 0-d integer tensor indexes like an int (as torch)
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
        elif isinstance(it, (list, tuple, np.ndarray)):
            a = np.asarray(it._data if isinstance(it, Tensor) else it)
            out.append(_index_array(a, op))
            advanced = True
        else:
            try:
                out.append(operator.index(it))
            except TypeError:
                raise IndexError(f"{op}: only integers, slices (`:`), ellipsis (`...`), None and "
                                 f"long or byte Variables are valid indices (got "
                                 f"{type(it).__name__})") from None
    return tuple(out), advanced


def _index_error(e, op):
    return IndexError(f"{op}: " + str(e).replace("axis", "dimension"))


def getitem(input: Tensor, index) -> Tensor:
    """y = input[index] (numpy/torch semantics); basic indices give views."""
    idx, advanced = _normalize_index(index, "getitem")
    try:
        return GetItem.apply(input, idx, advanced)
    except IndexError as e:
        raise _index_error(e, "getitem") from None


@register("index_put")
class IndexPut(Function):
    """y = x with y[index] = value (x is not modified); dx = dy with dy[index] zeroed,
    dvalue = dy[index] summed back to value's shape."""

    @staticmethod
    def forward(ctx, x, index, value):
        ctx.index = index
        ctx.value_shape = np.shape(value)
        y = x.copy()
        y[index] = value
        return y

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        dx = dv = None
        if need[0]:
            dx = dy.copy()
            dx[ctx.index] = 0
        if need[2]:
            dv = sum_to(np.asarray(dy[ctx.index]), ctx.value_shape)
        return dx, None, dv


def setitem(input: Tensor, index, value) -> None:
    """input[index] = value, in place.  When recording and ``input`` or ``value`` requires grad,
    a leaf ``input`` raises (as torch); otherwise the write is recorded: ``input`` is rebound to
    a new graph node holding the updated copy (earlier saved values stay intact)."""
    idx, _ = _normalize_index(index, "setitem")
    a = input._data
    if GRAD.enabled and (input.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
        if input.requires_grad and input.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if a.dtype.kind != "f":
            raise RuntimeError(f"setitem: cannot write a value that requires grad into a "
                               f"{a.dtype} tensor")
        if isinstance(value, Tensor) and value._data.dtype != a.dtype:
            value = _F().to_dtype(value, a.dtype, False)
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
        a[idx] = v
    except IndexError as e:
        raise _index_error(e, "setitem") from None
    except ValueError as e:
        raise RuntimeError(f"setitem: {e}") from None


# -- masking and gathering ---------------------------------------------------------------
@register("masked_fill")
class MaskedFill(Function):
    """y = where(mask, value, x) (broadcast); dx = dy where not mask (summed to x's shape),
    dvalue = sum of dy where mask."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.in_shape = x.shape
        ctx.mask = mask
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        mask = ctx.mask
        dx = sum_to(np.where(mask, np.zeros((), dy.dtype), dy), ctx.in_shape) if need[0] else None
        dv = None
        if need[2]:
            dv = np.asarray(np.where(mask, dy, np.zeros((), dy.dtype)).sum(), dtype=dy.dtype)
        return dx, None, dv


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
            value = _F().to_dtype(value, input._data.dtype, False)
    elif not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"masked_fill: value must be a number or a 0-d Tensor, got {type(value).__name__}")
    return MaskedFill.apply(input, m, value)


@register("gather")
class Gather(Function):
    """y[..i..] = x[..index[..i..] at dim..]; dx = zeros with dy added at the gathered places."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.in_shape = x.shape
        ctx.dim = dim
        ctx.index = index
        sub = tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
        return np.take_along_axis(x[sub], index, axis=dim)

    @staticmethod
    def backward(ctx, dy):
        index, dim = ctx.index, ctx.dim
        nd = index.ndim
        full = tuple(index if d == dim else
                     np.arange(s).reshape((1,) * d + (s,) + (1,) * (nd - d - 1))
                     for d, s in enumerate(index.shape))
        dx = np.zeros(ctx.in_shape, dy.dtype)
        np.add.at(dx, full, dy)
        return dx, None, None


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
