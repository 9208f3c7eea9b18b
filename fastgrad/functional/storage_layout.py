"""How a tensor lies in memory, torch's names and semantics: memory formats, clone and contiguous
with ``memory_format``, and view(dtype) (the same memory read as another dtype)."""
import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import clone as _clone
from fastgrad.functional.shape import _check_tensor, permute, view as _view_shape
from fastgrad.size import Size, shape_args
from fastgrad.tensor import Tensor

__all__ = ["clone", "contiguous", "memory_format", "preserve_format", "contiguous_format", "channels_last"]


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


TENSOR_METHODS = {"clone": clone, "contiguous": contiguous, "view": _view_method}
