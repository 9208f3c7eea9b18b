"""torch.linalg's LU family at the Tensor level: lu_factor, lu_factor_ex, lu, lu_solve, and torch's
older forms (torch.lu, torch.lu_solve, torch.lu_unpack) — validation and torch's errors; the
factorization and its gradients are in fastgrad/ops/lu.py."""
import numpy as np

from fastgrad import return_types
from fastgrad.functional.decomposition import check_kernel_dtype, check_matrix, mT, scalar_name
from fastgrad.functional.elementwise import add
from fastgrad.functional.triangular import tril, triu
from fastgrad.ops.lu import Lu, LuFactor, LuSolve, lu_arrays, p_matrix, perm_from_pivots, unpack
from fastgrad.tensor import Tensor

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve", "torch_lu", "torch_lu_solve", "lu_unpack"]

_make = Tensor._make


def _check_lu_input(A, op, pivot):
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: Expected tensor with 2 or more dimensions. Got size: {list(A._data.shape)} instead")
    check_kernel_dtype(A, "lu_cpu")
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def _factor(A, op, pivot):
    _check_lu_input(A, op, pivot)
    lu_, piv, info = lu_arrays(A._data)
    perm = perm_from_pivots(piv, A._data.shape[-2])
    return LuFactor.apply(A, lu_, perm), _make(piv), info


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False):
    """(LU, pivots, info) as torch.linalg.lu_factor_ex: L (unit diagonal, not stored) and U packed
    in one matrix, LAPACK's 1-based row swaps (int32), info = the 1-based index of the first zero
    diagonal element of U (0 if none)."""
    lu_, piv, info = _factor(A, "linalg.lu_factor_ex", pivot)
    if check_errors and info.any():
        _raise_singular(info, "torch.linalg.lu_factor_ex")
    return return_types.linalg_lu_factor_ex(lu_, piv, _make(np.array(info, np.int32)))


def _raise_singular(info, op):
    flat = info.reshape(-1)
    i = int(np.flatnonzero(flat)[0])
    k = int(flat[i]) - 1
    prefix = f"(Batch element {i}): " if info.ndim else ""
    raise RuntimeError(f"{op}: {prefix}U[{k},{k}] is zero and using it on lu_solve would result in a division by "
                       "zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) "
                       "or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A: Tensor, *, pivot: bool = True):
    """(LU, pivots) of A = P L U (torch.linalg.lu_factor); raises RuntimeError when U has a zero on
    its diagonal, as torch."""
    lu_, piv, info = _factor(A, "linalg.lu_factor", pivot)
    if info.any():
        _raise_singular(info, "torch.linalg.lu_factor")
    return return_types.linalg_lu_factor(lu_, piv)


def lu(A: Tensor, *, pivot: bool = True):
    """(P, L, U) with A = P L U: P (m, m) a permutation, L (m, k) unit lower, U (k, n) upper
    triangular, k = min(m, n); no error for singular A.  P has no gradient."""
    _check_lu_input(A, "linalg.lu", pivot)
    lu_, piv, _ = lu_arrays(A._data)
    perm = perm_from_pivots(piv, A._data.shape[-2])
    l_, u = unpack(lu_)
    P = _make(p_matrix(perm, A._data.dtype))
    return return_types.linalg_lu(P, Lu.apply(A, l_, u, perm, 1), Lu.apply(A, l_, u, perm, 2))


def _check_pivots(LU, pivots, op):
    if not isinstance(pivots, Tensor) or pivots._data.dtype != np.int32:
        raise RuntimeError(f"{op}: pivots should be a Tensor of scalar type torch.int32")
    n = LU._data.shape[-1]
    if pivots._data.shape[-1:] != (n,) or np.any(pivots._data < 1) or np.any(pivots._data > n):
        raise RuntimeError(f"{op}: Expected pivots of shape {tuple(LU._data.shape[:-1])} with values in [1, {n}], "
                           f"got shape {tuple(pivots._data.shape)}")


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """X with A X = B (left=False: X A = B; adjoint: A^T in place of A) from A's lu_factor;
    gradients reach B and the packed factors (torch's lu_solve backward)."""
    op = "linalg.lu_solve"
    check_matrix(LU, op, "LU", kernel="lu_cpu")
    m, n = LU._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"torch.{op}: A must be batches of square matrices, but they are {m} by {n} matrices")
    _check_pivots(LU, pivots, op)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lu_solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if B._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    if B._data.dtype != LU._data.dtype:
        raise RuntimeError(f"{op}: Expected LU and B to have the same dtype, but found LU of type {scalar_name(LU)} "
                           f"and B of type {scalar_name(B)} instead")
    rows = B._data.shape[-2] if left else B._data.shape[-1]
    if rows != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
                           f"({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    perm = perm_from_pivots(pivots._data, n)
    if left:
        return LuSolve.apply(LU, perm, B, bool(adjoint))
    return mT(LuSolve.apply(LU, perm, mT(B), not adjoint))  # X A = B  <=>  A^T X^T = B^T


def torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """torch.lu (deprecated in torch): (LU, pivots), or (LU, pivots, infos) without raising."""
    lu_, piv, info = _factor(A, "linalg.lu_factor", pivot)
    if get_infos:
        return lu_, piv, _make(np.array(info, np.int32))
    if info.any():
        _raise_singular(info, "torch.linalg.lu_factor")
    return lu_, piv


def torch_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """torch.lu_solve (deprecated in torch): linalg.lu_solve with the arguments reordered."""
    return lu_solve(LU_data, LU_pivots, b)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P, L, U) from lu_factor's packed factors (L, U differentiable in LU_data); an output not
    asked for is an empty tensor, as torch."""
    check_matrix(LU_data, "lu_unpack", "LU_data")
    m, n = LU_data._data.shape[-2:]
    k = min(m, n)
    dt = LU_data._data.dtype
    empty = _make(np.zeros((0,), dt))
    L = U = empty
    if unpack_data:
        eye = _make(np.eye(m, k, dtype=dt))
        L = add(tril(LU_data[..., :, :k], -1), eye)
        U = triu(LU_data[..., :k, :])
    P = empty
    if unpack_pivots:
        P = _make(p_matrix(perm_from_pivots(LU_pivots._data, m), dt))
    return return_types.lu_unpack(P, L, U)


TENSOR_METHODS = {"lu": torch_lu, "lu_solve": torch_lu_solve}
