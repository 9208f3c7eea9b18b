"""torch.linalg's matrix exponential and its tensor-shaped helpers at the Tensor level: matrix_exp,
vander (and torch.vander), linalg.diagonal, tensorinv, tensorsolve — validation and torch's errors;
the exponential's arithmetic and gradient are in fastgrad/ops/matrix_function.py, the rest are
compositions of differentiable ops (inv, solve, cumprod, reshape)."""
import math
import operator

import numpy as np

from fastgrad.functional.decomposition import check_square, inv, scalar_name, solve
from fastgrad.functional.scan import cumprod
from fastgrad.functional.shape import cat, expand, reshape, unsqueeze
from fastgrad.functional.shape_more import movedim
from fastgrad.functional.triangular import diagonal as _diagonal
from fastgrad.ops.matrix_function import MatrixExp
from fastgrad.tensor import Tensor

__all__ = ["matrix_exp", "vander", "linalg_diagonal", "tensorinv", "tensorsolve"]

_make = Tensor._make


def matrix_exp(A: Tensor) -> Tensor:
    """exp(A) = sum_k A^k / k! of each matrix (float16/bfloat16 computed in float32 and rounded);
    gA = the upper-right block of exp([[A^T, G], [0, A^T]])."""
    if isinstance(A, Tensor) and scalar_name(A) in ("Half", "BFloat16") and A._data.ndim >= 2:
        m, n = A._data.shape[-2:]
        if m != n:
            raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, but they are {m} by {n} "
                               "matrices")
        return MatrixExp.apply1(A)  # numpy refuses low precision: the op reruns in float32 (fastgrad/lowp.py)
    check_square(A, "linalg.matrix_exp")
    return MatrixExp.apply1(A)


def vander(x: Tensor, *, N=None) -> Tensor:
    """Vandermonde matrix of x (*, n): (*, n, N), column j = x^j (torch.linalg.vander; by a cumprod, so
    the gradient is finite at x = 0)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg_vander(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x._data.ndim == 0:
        raise RuntimeError("N must be greater than 1.")
    n = x._data.shape[-1] if N is None else operator.index(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    col = unsqueeze(x, -1)
    ones = _make(np.ones(x._data.shape + (1,), x._data.dtype))
    if x._data.dtype.kind not in "fV":
        return _make(np.cumprod(np.concatenate([ones._data, np.repeat(col._data, n - 1, -1)], -1), -1))
    return cumprod(cat([ones, expand(col, tuple(x._data.shape) + (n - 1,))], -1), -1)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: torch.diagonal with the last two dims as the default."""
    return _diagonal(A, offset, dim1, dim2)


def _prod(shape):
    return int(math.prod(shape))


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of A seen as a square matrix (prod(shape[:ind]), prod(shape[ind:])), shaped
    shape[ind:] + shape[:ind], so that tensordot(tensorinv(A), A, ind) is the identity."""
    ind = operator.index(ind)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A._data.shape)
    rows, cols = _prod(shape[:ind]), _prod(shape[ind:])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return reshape(inv(reshape(A, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B (A's dims ``dims`` moved to the end first); X has the
    shape of A's trailing dims."""
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        A = movedim(A, dims, tuple(range(A._data.ndim - len(dims), A._data.ndim)))
    shape = tuple(A._data.shape)
    nb = B._data.ndim
    rows, cols = _prod(shape[:nb]), _prod(shape[nb:])
    if rows != cols or shape[:nb] != tuple(B._data.shape) and _prod(B._data.shape) != rows:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    x = solve(reshape(A, (rows, cols)), reshape(B, (rows,)))
    return reshape(x, shape[nb:])


TENSOR_METHODS = {"matrix_exp": matrix_exp}
