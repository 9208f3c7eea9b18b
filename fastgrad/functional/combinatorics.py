"""Building matrices and index combinations, torch's names and errors: block_diag,
cartesian_prod, combinations, vander and diagflat.  Composed of differentiable fastgrad ops
(cat, index_select, cumprod, diag_embed), so gradients follow theirs."""
import itertools
import operator

import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import to_dtype
from fastgrad.functional.gather_scatter import index_select
from fastgrad.functional.scan import cumprod
from fastgrad.functional.shape import cat, expand, reshape, stack
from fastgrad.functional.shape_more import flip, meshgrid
from fastgrad.functional.triangular import diag
from fastgrad.lowp import BF16
from fastgrad.tensor import Tensor

__all__ = ["block_diag", "cartesian_prod", "combinations", "vander", "diagflat"]

_make = Tensor._make


def _check_tensor(x, op, name="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _promoted(tensors):
    """torch's result dtype over a list of tensors (any float -> the widest float)."""
    ds = [t._data.dtype for t in tensors]
    floats = [d for d in ds if d.kind in "fV"]
    if floats:
        return np.result_type(*floats) if all(d.kind == "f" for d in floats) else floats[0]
    return np.result_type(*ds)


def block_diag(*tensors) -> Tensor:
    """The block-diagonal matrix of the inputs (0-d: 1x1, 1-d: one row, 2-d as they are)."""
    for i, t in enumerate(tensors):
        _check_tensor(t, "block_diag", f"tensors[{i}]", i + 1)
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    if not tensors:
        return _make(np.zeros((1, 0), dtypes.get_default_dtype()))
    dt = _promoted(tensors)
    mats = [reshape(t, (1, 1) if t._data.ndim == 0 else (1, -1) if t._data.ndim == 1 else t._data.shape)
            for t in tensors]
    mats = [m if m._data.dtype == dt else to_dtype(m, dt) for m in mats]
    width = sum(m._data.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m._data.shape
        parts = [_make(np.zeros((r, left), dt)), m, _make(np.zeros((r, width - left - c), dt))]
        rows.append(cat(parts, 1))
        left += c
    return cat(rows, 0)


def cartesian_prod(*tensors) -> Tensor:
    """Every tuple (a_i, b_j, ...) of the 1-D inputs' elements, one per row, in lexicographic order
    (a single input is returned as it is)."""
    for i, t in enumerate(tensors):
        _check_tensor(t, "cartesian_prod", f"tensors[{i}]", i + 1)
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if not tensors:
        raise RuntimeError("cartesian_prod: expects a non-empty TensorList")
    if len(tensors) == 1:
        return tensors[0]
    if any(t._data.dtype != tensors[0]._data.dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of the 1-D input's elements (itertools.combinations order),
    one per row; ``with_replacement`` allows repeats."""
    _check_tensor(input, "combinations")
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._data.shape)}")
    r = operator.index(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _make(np.zeros((0,), input._data.dtype))
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return reshape(index_select(input, 0, _make(idx.reshape(-1))), (-1, r))


def vander(x: Tensor, N=None, increasing: bool = False) -> Tensor:
    """Vandermonde matrix: column j is x ** (N - 1 - j) (x ** j when ``increasing``); integer and
    bool inputs give int64."""
    _check_tensor(x, "vander", "x")
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else operator.index(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x._data.dtype.kind not in "fV" and x._data.dtype != np.int64:
        x = to_dtype(x, dtypes.int64)
    dt = x._data.dtype
    m = x._data.shape[0]
    if n == 0:
        return _make(np.zeros((m, 0), dt))
    ones = _make(np.ones((m, 1), np.float32 if dt == BF16 else dt))
    cols = [ones if dt != BF16 else to_dtype(ones, dt)]
    if n > 1:
        cols.append(cumprod(expand(reshape(x, (-1, 1)), (m, n - 1)), 1))
    out = cat(cols, 1)
    return out if increasing else flip(out, [1])


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The square matrix with the flattened input on diagonal ``offset``."""
    _check_tensor(input, "diagflat")
    return diag(reshape(input, (-1,)), operator.index(offset))


TENSOR_METHODS = {"diagflat": diagflat}
