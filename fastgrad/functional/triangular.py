"""Triangles and diagonals, torch's names and semantics: tril/triu (and tril_/triu_),
tril_indices/triu_indices, diag, diagonal (a view), diag_embed, trace."""
import operator

import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import clone
from fastgrad.functional._rebind import inplace_result
from fastgrad.functional.shape import _check_tensor
from fastgrad.ops.common import wrap_dim
from fastgrad.ops.shape_more import DiagEmbed, Diagonal, Tri, tri_mask
from fastgrad.tensor import Tensor

__all__ = ["tril", "triu", "tril_", "triu_", "tril_indices", "triu_indices", "diag", "diagonal",
           "diag_embed", "trace"]


def _tri(input, diagonal, upper, op):
    _check_tensor(input, op)
    if input._data.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    diagonal = operator.index(diagonal)
    return Tri.apply(input, diagonal, upper)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """y = input where column - row <= diagonal (the last two dims), else 0."""
    return _tri(input, diagonal, False, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """y = input where column - row >= diagonal (the last two dims), else 0."""
    return _tri(input, diagonal, True, "triu")


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    """tril, in place."""
    return inplace_result(input, "tril_", lambda s: tril(s, diagonal))


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    """triu, in place."""
    return inplace_result(input, "triu_", lambda s: triu(s, diagonal))


def _tri_indices(row, col, offset, dtype, upper, op):
    row, col, offset = operator.index(row), operator.index(col), operator.index(offset)
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row must be non-negative, got {row}" if row < 0
                           else f"{op}: col must be non-negative, got {col}")
    dt = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    if dt.kind not in "iu":
        raise NotImplementedError(f'"{op}" not implemented for \'{dtypes.dtype_name(dt)}\'')
    r, c = np.nonzero(tri_mask(row, col, offset, upper))
    return Tensor._make(np.stack([r, c]).astype(dt))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) row/column indices of the lower triangle of a row x col matrix, row-major."""
    return _tri_indices(row, col, offset, dtype, False, "tril_indices")


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) row/column indices of the upper triangle of a row x col matrix, row-major."""
    return _tri_indices(row, col, offset, dtype, True, "triu_indices")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """y[..., i] = input[..i.., i + offset ..] over dims (dim1, dim2), moved last (a view)."""
    _check_tensor(input, "diagonal")
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd, "diagonal"), wrap_dim(dim2, nd, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, operator.index(offset), d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose diagonals (offset, over new dims dim1 and dim2) hold input's last dim."""
    _check_tensor(input, "diag_embed")
    nd = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, nd, "diag_embed"), wrap_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagEmbed.apply(input, operator.index(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: a square matrix with it on diagonal ``diagonal``; 2-D: that diagonal (a copy)."""
    _check_tensor(input, "diag")
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return clone(globals()["diagonal"](input, diagonal, 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix."""
    _check_tensor(input, "trace")
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return diagonal(input).sum()


TENSOR_METHODS = {"tril": tril, "triu": triu, "tril_": tril_, "triu_": triu_, "diag": diag,
                  "diagonal": diagonal, "diag_embed": diag_embed, "trace": trace}
