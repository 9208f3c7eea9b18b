"""More shape functions, torch's names and semantics: flip/roll/rot90 (copies), narrow, unbind,
movedim, swapaxes, unflatten, broadcast_to/tensors (views), tile, repeat_interleave, the
atleast_*/stack family, tensor_split/hsplit/vsplit/dsplit (views), meshgrid, view(dtype),
clone/contiguous with ``memory_format``.  Built from the ops of ops/shape.py, ops/indexing.py and
ops/shape_more.py, so gradients follow."""
import operator
import warnings

import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import clone as _clone
from fastgrad.functional.shape import (_check_tensor, _ints, _resolve_shape, _slices, _tensor_list, cat,
                                       expand, permute, repeat, reshape, transpose, view as _view_shape)
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.indexing import GetItem
from fastgrad.ops.scatter import IndexSelect
from fastgrad.ops.shape_more import Flip, Roll
from fastgrad.size import Size, shape_args
from fastgrad.tensor import Tensor

__all__ = ["flip", "fliplr", "flipud", "roll", "rot90", "narrow", "unbind", "movedim", "moveaxis",
           "swapaxes", "swapdims", "tile", "repeat_interleave", "broadcast_to", "broadcast_tensors",
           "broadcast_shapes", "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "hstack", "vstack",
           "row_stack", "dstack", "unflatten", "tensor_split", "hsplit", "vsplit", "dsplit", "meshgrid",
           "clone", "contiguous", "memory_format", "preserve_format", "contiguous_format", "channels_last"]


def _dims(dims, nd, op):
    ds = tuple(wrap_dim(d, nd, op) for d in _ints(dims, op))
    for d in ds:
        if ds.count(d) > 1:
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
    return ds


def flip(input: Tensor, dims) -> Tensor:
    """y = input reversed along each of ``dims`` (a copy, as torch)."""
    _check_tensor(input, "flip")
    return Flip.apply(input, _dims(dims, input._data.ndim, "flip"))


def fliplr(input: Tensor) -> Tensor:
    """flip(input, [1]); input must be at least 2-D."""
    _check_tensor(input, "fliplr")
    if input._data.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return Flip.apply(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """flip(input, [0]); input must be at least 1-D."""
    _check_tensor(input, "flipud")
    if input._data.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return Flip.apply(input, (0,))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """y = input shifted cyclically by ``shifts`` along ``dims`` (None: as if flattened)."""
    _check_tensor(input, "roll")
    shifts = _ints(shifts, "roll")
    if dims is None or (not isinstance(dims, (int, np.integer)) and len(dims) == 0):
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts, None)
    dims = tuple(wrap_dim(d, input._data.ndim, "roll") for d in _ints(dims, "roll"))
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return Roll.apply(input, shifts, dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90°·k in the plane ``dims`` (from the first towards the second axis)."""
    _check_tensor(input, "rot90")
    dims = _ints(dims, "rot90")
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = (wrap_dim(d, nd, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = operator.index(k) % 4
    if k == 1:
        return transpose(Flip.apply(input, (d1,)), d0, d1)
    if k == 2:
        return Flip.apply(input, (d0, d1))
    if k == 3:
        return transpose(Flip.apply(input, (d0,)), d0, d1)
    return _clone(input)


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """input[..., start:start + length, ...] along ``dim`` (a view; start may be negative)."""
    _check_tensor(input, "narrow")
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._data.ndim, "narrow")
    n = input._data.shape[d]
    start, length = operator.index(start), operator.index(length)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0 or start > n - length:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slices(input, d, [(start, start + length)])[0]


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices of ``input`` along ``dim``, each without that dim (views)."""
    _check_tensor(input, "unbind")
    if input._data.ndim == 0:
        raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, input._data.ndim, "unbind")
    lead = (slice(None),) * d
    return tuple(GetItem.apply(input, lead + (i,), False) for i in range(input._data.shape[d]))


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move the dims ``source`` to the positions ``destination`` (a view)."""
    _check_tensor(input, "movedim")
    nd = input._data.ndim
    src, dst = _ints(source, "movedim"), _ints(destination, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    src = tuple(wrap_dim(d, nd, "movedim") for d in src)
    dst = tuple(wrap_dim(d, nd, "movedim") for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [None] * nd
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, tuple(order))


moveaxis = movedim


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """transpose(input, axis0, axis1) (a view)."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose(input, dim0, dim1) (a view)."""
    return transpose(input, dim0, dim1)


def tile(input: Tensor, dims) -> Tensor:
    """repeat, with ``dims`` padded by leading 1s when shorter than input.ndim."""
    _check_tensor(input, "tile")
    dims = _ints(dims, "tile")
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element (slice along ``dim``; None: of the flattened input) repeated ``repeats`` times
    (an int, or a tensor of one count per element).  With one integer tensor argument: the
    indices 0..n-1 repeated by its counts."""
    _check_tensor(input, "repeat_interleave")
    if repeats is None:
        r = input._data
        if r.ndim > 1 or r.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 0-dim or 1-dim integer tensor")
        if (r < 0).any():
            raise RuntimeError("repeat_interleave: repeats can not be negative")
        return Tensor._make(np.repeat(np.arange(r.size, dtype=np.int64), r.reshape(-1)))
    if dim is None:
        input, d = reshape(input, (-1,)), 0
    else:
        d = wrap_dim(dim, input._data.ndim, "repeat_interleave")
        if input._data.ndim == 0:
            input = reshape(input, (1,))
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.dtype.kind not in "iu" or r.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor of integers")
        r = r.reshape(-1).astype(np.int64)
        if r.size == 1:
            r = np.full(n, r[0])
        elif r.size != n:
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, "
                               f"but got repeats.size(0) = {r.size} and input.size({d}) = {n}")
    else:
        r = np.full(n, operator.index(repeats), np.int64)
    if (r < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    if output_size is not None and int(r.sum()) != output_size:
        raise RuntimeError(f"repeat_interleave: allocated size ({output_size}) does not match required "
                           f"size ({int(r.sum())})")
    return IndexSelect.apply(input, d, np.repeat(np.arange(n, dtype=np.int64), r))


def broadcast_to(input: Tensor, size) -> Tensor:
    """expand(input, size) (a view)."""
    return expand(input, size)


def broadcast_shapes(*shapes) -> Size:
    """The shape that broadcasting the given shapes (ints or sequences) gives, as torch.Size."""
    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: Shape mismatch: objects cannot be broadcast to a single "
                           f"shape; got {[list(s) for s in shapes]}") from None


def broadcast_tensors(*tensors) -> tuple:
    """Every tensor expanded to their common broadcast shape (views)."""
    tensors = shape_args(tensors)
    for x in tensors:
        _check_tensor(x, "broadcast_tensors")
    try:
        shape = np.broadcast_shapes(*(x._data.shape for x in tensors))
    except ValueError:
        raise RuntimeError(f"broadcast_tensors: shapes {[list(x._data.shape) for x in tensors]} cannot be "
                           "broadcast together") from None
    return tuple(expand(x, shape) for x in tensors)


def _atleast(tensors, n, op):
    args = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = []
    for x in args:
        _check_tensor(x, op)
        s = x._data.shape
        if len(s) < n:
            s = {0: (1,) * n, 1: (1,) + s + (1,) * (n - 2) if n == 3 else (1,) + s, 2: s + (1,)}[len(s)]
        out.append(reshape(x, s) if s != x._data.shape else x)
    return out[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else tuple(out)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (0-d -> (1,)); one tensor in, one out."""
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims ((n,) -> (1, n))."""
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims ((n,) -> (1, n, 1), (m, n) -> (m, n, 1))."""
    return _atleast(tensors, 3, "atleast_3d")


def hstack(tensors) -> Tensor:
    """cat along dim 1 (dim 0 for 1-D tensors) after atleast_1d."""
    ts = _atleast(_tensor_list(tensors, "hstack"), 1, "hstack")
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """cat along dim 0 after atleast_2d."""
    return cat(_atleast(_tensor_list(tensors, "vstack"), 2, "vstack"), 0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    """cat along dim 2 after atleast_3d."""
    return cat(_atleast(_tensor_list(tensors, "dstack"), 3, "dstack"), 2)


def column_stack(tensors) -> Tensor:
    """hstack, with 0-d and 1-d tensors made columns (n, 1) first."""
    ts = _tensor_list(tensors, "column_stack")
    return hstack([reshape(x, (x._data.size, 1)) if x._data.ndim <= 1 else x for x in ts])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one -1 inferred; a view when possible)."""
    _check_tensor(input, "unflatten")
    shape = input._data.shape
    d = wrap_dim(dim, len(shape), "unflatten")
    sizes = _ints(sizes, "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    sizes = _resolve_shape(sizes, shape[d], "unflatten")
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def _split_at(input, d, bounds):
    n = input._data.shape[d]
    edges = [0] + [min(max(b, 0), n) for b in bounds] + [n]
    return _slices(input, d, [(a, max(a, b)) for a, b in zip(edges[:-1], edges[1:])])


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views: ``sections`` nearly equal pieces (the first n % sections one longer), or the pieces
    between the given indices."""
    _check_tensor(input, "tensor_split")
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split: expected at least a 1-dimensional tensor")
    d = wrap_dim(dim, input._data.ndim, "tensor_split")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in "iu" or ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional "
                               "or one-dimensional tensor of integers")
        ios = int(ios._data) if ios._data.ndim == 0 else ios._data.tolist()
    if isinstance(ios, (int, np.integer)):
        s = int(ios)
        if s <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {s}")
        n = input._data.shape[d]
        q, r = divmod(n, s)
        bounds = np.cumsum([q + 1] * r + [q] * (s - r))[:-1].tolist()
        return _split_at(input, d, bounds)
    return _split_at(input, d, list(_ints(ios, "tensor_split")))


def _dir_split(input, ios, dim, op):
    if isinstance(ios, (int, np.integer)):
        n = input._data.shape[dim]
        if ios == 0 or n % ios:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 1 (dim 0 for 1-D), sections must divide evenly."""
    _check_tensor(input, "hsplit")
    if input._data.ndim < 1:
        raise RuntimeError(f"torch.hsplit requires a tensor with at least 1 dimension, but got a tensor "
                           f"with {input._data.ndim} dimensions!")
    return _dir_split(input, indices_or_sections, 0 if input._data.ndim == 1 else 1, "hsplit")


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 0 (input at least 2-D), sections must divide evenly."""
    _check_tensor(input, "vsplit")
    if input._data.ndim < 2:
        raise RuntimeError(f"torch.vsplit requires a tensor with at least 2 dimension, but got a tensor "
                           f"with {input._data.ndim} dimensions!")
    return _dir_split(input, indices_or_sections, 0, "vsplit")


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 2 (input at least 3-D), sections must divide evenly."""
    _check_tensor(input, "dsplit")
    if input._data.ndim < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor "
                           f"with {input._data.ndim} dimensions!")
    return _dir_split(input, indices_or_sections, 2, "dsplit")


def meshgrid(*tensors, indexing=None) -> tuple:
    """Coordinate grids (views) of 0-d/1-d tensors; indexing 'ij' (torch's default, with its
    warning when not given) or 'xy' (the first two dims swapped)."""
    tensors = shape_args(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid: expects a non-empty TensorList")
    for x in tensors:
        _check_tensor(x, "meshgrid")
        if x._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"{x._data.ndim}D")
        if x._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype")
    vecs = [reshape(x, (-1,)) for x in tensors]
    swap = indexing == "xy" and len(vecs) >= 2
    if swap:
        vecs[0], vecs[1] = vecs[1], vecs[0]
    shape = tuple(v._data.shape[0] for v in vecs)
    n = len(vecs)
    grids = [expand(reshape(v, (1,) * i + (-1,) + (1,) * (n - i - 1)), shape) for i, v in enumerate(vecs)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


class memory_format:
    """torch.memory_format: how clone/contiguous lay out the copy."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "fastgrad." + self.name


preserve_format, contiguous_format = memory_format("preserve_format"), memory_format("contiguous_format")
channels_last = memory_format("channels_last")


def _clone_as(input, order):
    """A copy laid out in the dim ``order`` (outermost first): y.permute(order) is contiguous."""
    inv = tuple(np.argsort(order))
    return permute(_clone(permute(input, tuple(order))), inv)


def clone(input: Tensor, *, memory_format=preserve_format) -> Tensor:
    """A copy in the graph; preserve_format keeps a dense input's strides (as torch), else row-major."""
    _check_tensor(input, "clone")
    a = input._data
    if memory_format is channels_last:
        if a.ndim != 4:
            raise RuntimeError("required rank 4 tensor to use channels_last format")
        return _clone_as(input, (0, 2, 3, 1))
    if memory_format is preserve_format and not a.flags.c_contiguous and a.ndim > 1:
        if all(st > 0 for st, n in zip(a.strides, a.shape) if n > 1):  # torch keeps the dims' order
            return _clone_as(input, sorted(range(a.ndim), key=lambda d: (-abs(a.strides[d]), d)))
    elif memory_format not in (preserve_format, contiguous_format):
        raise RuntimeError(f"clone: unsupported memory format {memory_format!r}")
    return _clone(input)


def contiguous(input: Tensor, memory_format=contiguous_format) -> Tensor:
    """input itself when laid out as ``memory_format`` asks, else a copy that is."""
    _check_tensor(input, "contiguous")
    a = input._data
    if memory_format is channels_last:
        if a.ndim == 4 and a.transpose(0, 2, 3, 1).flags.c_contiguous:
            return input
        return clone(input, memory_format=channels_last)
    if memory_format is preserve_format:
        raise RuntimeError("contiguous: preserve memory format is unsupported by the contiguous operator")
    if memory_format is not contiguous_format:
        raise RuntimeError(f"contiguous: unsupported memory format {memory_format!r}")
    return input if a.flags.c_contiguous else _clone(input)


def _view_method(self, *shape):
    """Tensor.view(*shape), or view(dtype): the same memory read as another dtype (the last dim
    scales by the itemsize ratio; no gradient), as torch."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, Size, Tensor)):
        try:
            dt = dtypes.to_dtype(shape[0])
        except (TypeError, ValueError):
            dt = None
        if dt is not None:
            return _view_dtype(self, dt)
    return _view_shape(self, shape_args(shape))



def _view_dtype(self, dt):
    a = self._data
    if dt.itemsize != a.itemsize:
        if a.ndim == 0:
            raise RuntimeError("view: self.dim() cannot be 0 if self.element_size() != dtype.itemsize")
        if a.strides[-1] != a.itemsize and a.shape[-1] != 1:
            raise RuntimeError("view: self.stride(-1) must be 1 to view with a dtype of a different size")
        if (a.shape[-1] * a.itemsize) % dt.itemsize:
            raise RuntimeError(f"view: self.size(-1) must be divisible by {dt.itemsize // a.itemsize} to "
                               f"view {a.dtype} as {dt}")
    out = Tensor._make(a.view(dt))
    if self.requires_grad and dt == a.dtype:
        return _view_shape(self, a.shape)
    return out


def _unflatten_method(self, dim, sizes):
    return unflatten(self, dim, sizes)


TENSOR_METHODS = {
    "flip": lambda self, *dims: flip(self, shape_args(dims)), "fliplr": fliplr, "flipud": flipud,
    "roll": roll, "rot90": rot90, "narrow": narrow, "unbind": unbind, "movedim": movedim,
    "moveaxis": movedim, "swapaxes": swapaxes, "swapdims": swapdims,
    "tile": lambda self, *dims: tile(self, shape_args(dims)), "repeat_interleave": repeat_interleave,
    "broadcast_to": broadcast_to, "unflatten": _unflatten_method, "tensor_split": tensor_split,
    "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit, "clone": clone, "contiguous": contiguous,
    "view": _view_method,
}
