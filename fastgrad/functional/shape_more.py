"""More shape functions, torch's names and semantics: flip/roll/rot90 (copies), narrow, unbind,
movedim, swapaxes, unflatten, broadcast_to/tensors (views), tile, repeat_interleave, meshgrid.
Built from the ops of ops/shape.py, ops/indexing.py and ops/shape_more.py, so gradients follow.
(Joining/splitting: join_split.py; clone/contiguous/view(dtype): storage_layout.py.)"""
import operator
import warnings

import numpy as np

from fastgrad.functional._promote import clone as _clone
from fastgrad.functional.shape import (_check_tensor, _ints, _resolve_shape, _slices, expand, permute, repeat, reshape,
                                       transpose)
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.indexing import GetItem
from fastgrad.ops.scatter import IndexSelect
from fastgrad.ops.shape_more import Flip, Roll
from fastgrad.size import Size, shape_args
from fastgrad.tensor import Tensor

__all__ = ["flip", "fliplr", "flipud", "roll", "rot90", "narrow", "unbind", "movedim", "moveaxis",
           "swapaxes", "swapdims", "tile", "repeat_interleave", "broadcast_to", "broadcast_tensors",
           "broadcast_shapes", "unflatten", "meshgrid"]


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


def _unflatten_method(self, dim, sizes):
    return unflatten(self, dim, sizes)


TENSOR_METHODS = {
    "flip": lambda self, *dims: flip(self, shape_args(dims)), "fliplr": fliplr, "flipud": flipud,
    "roll": roll, "rot90": rot90, "narrow": narrow, "unbind": unbind, "movedim": movedim,
    "moveaxis": movedim, "swapaxes": swapaxes, "swapdims": swapdims,
    "tile": lambda self, *dims: tile(self, shape_args(dims)), "repeat_interleave": repeat_interleave,
    "broadcast_to": broadcast_to, "unflatten": _unflatten_method,
}
