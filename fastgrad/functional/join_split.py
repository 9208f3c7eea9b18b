"""Joining and splitting, torch's names and semantics: atleast_1d/2d/3d, hstack, vstack/row_stack,
dstack, column_stack (copies, through cat), tensor_split, hsplit, vsplit, dsplit (views)."""
import numpy as np

from fastgrad.functional.shape import _check_tensor, _ints, _slices, _tensor_list, cat, reshape
from fastgrad.ops.common import wrap_dim
from fastgrad.tensor import Tensor

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "hstack", "vstack", "row_stack", "dstack",
           "tensor_split", "hsplit", "vsplit", "dsplit"]


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


TENSOR_METHODS = {"tensor_split": tensor_split, "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit}
