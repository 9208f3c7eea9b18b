"""torch.linalg's inverses, determinants and solvers at the Tensor level: validation (square
matrices, batch broadcasting, float32/float64) with torch's errors, and the composite forms
(logdet, matrix_power, the *_ex variants, left=False through transposes).  The arithmetic and the
gradients are in fastgrad/ops/decomposition.py."""
import operator

import numpy as np

from fastgrad import return_types
from fastgrad.functional.elementwise import where
from fastgrad.functional.linalg import matmul
from fastgrad.functional.shape import squeeze, transpose, unsqueeze
from fastgrad.ops.decomposition import (Cholesky, Det, Inv, LinAlgError, LogAbsDet, Solve, SolveTriangular,
                                        cholesky_info, inv_info, slogdet_arrays)
from fastgrad.tensor import Tensor

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "logdet", "solve", "solve_ex", "cholesky",
           "cholesky_ex", "solve_triangular", "matrix_power", "inverse", "torch_slogdet", "torch_cholesky",
           "check_matrix", "check_square", "check_kernel_dtype", "scalar_name", "mT"]

_make = Tensor._make
_TORCH_SCALAR = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                 "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "float16": "Half",
                 "bfloat16": "BFloat16", "float32": "Float", "float64": "Double"}


def scalar_name(t: Tensor) -> str:
    """torch's ScalarType name of t's dtype (Float, Double, Long, Half, ...)."""
    return _TORCH_SCALAR.get(str(t.dtype).split(".")[-1], str(t.dtype))


def check_matrix(t, op: str, name: str = "A", kernel: str = None) -> None:
    """t is a float32/float64 Tensor with at least 2 dims, else torch's error (for float16 /
    bfloat16, NotImplementedError naming torch's CPU ``kernel`` where torch's message does)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if t._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    s = scalar_name(t)
    if s in ("Half", "BFloat16"):
        if kernel:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{s}\'')
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {s}")
    if s not in ("Float", "Double"):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {s}")


def check_kernel_dtype(t, kernel: str) -> None:
    """torch's CPU kernel refuses any dtype but float32/float64: NotImplementedError naming it."""
    if isinstance(t, Tensor) and scalar_name(t) not in ("Float", "Double"):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_name(t)}\'')


def check_square(t, op: str, name: str = "A", kernel: str = None) -> None:
    """check_matrix, and t's matrices are square."""
    check_matrix(t, op, name, kernel)
    m, n = t._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are {m} by {n} matrices")


def mT(t: Tensor) -> Tensor:
    """The matrices of t transposed (torch's .mT)."""
    return transpose(t, -2, -1)


def inv(A: Tensor) -> Tensor:
    """A^-1 of each matrix;  gA = -A^-T gY A^-T.  Raises LinAlgError for a singular matrix."""
    check_square(A, "linalg.inv")
    return Inv.apply1(A)


inverse = inv


def _info_tensor(info):
    return _make(np.array(info, np.int32))


def inv_ex(A: Tensor, *, check_errors: bool = False):
    """(inverse, info) as torch.linalg.inv_ex: info is getrf's (0, or the 1-based index of a zero
    pivot); a singular matrix's inverse is NaN (and carries no gradient) instead of raising."""
    check_square(A, "linalg.inv_ex")
    a = A._data
    try:
        return return_types.linalg_inv_ex(Inv.apply1(A), _info_tensor(np.zeros(a.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    info = inv_info(a)
    out = np.full(a.shape, np.nan, a.dtype)
    ok = info == 0
    if ok.any():
        out[ok] = np.linalg.inv(a[ok])
    return return_types.linalg_inv_ex(_make(out), _info_tensor(info))


def det(A: Tensor) -> Tensor:
    """det(A) of each matrix;  gA = g adj(A)^T (finite for singular A, as torch)."""
    check_square(A, "linalg.det", kernel="lu_cpu")
    return Det.apply1(A)


def _slogdet(A, op, result):
    check_square(A, op)
    sign, logabs = slogdet_arrays(A._data)
    return result(_make(sign), LogAbsDet.apply(A, logabs))


def slogdet(A: Tensor):
    """(sign, log|det A|) as torch.linalg.slogdet;  g_A = g_logabsdet A^-T (sign has no gradient)."""
    return _slogdet(A, "linalg.slogdet", return_types.linalg_slogdet)


def torch_slogdet(input: Tensor):
    """torch.slogdet: linalg.slogdet with torch.return_types.slogdet."""
    return _slogdet(input, "linalg.slogdet", return_types.slogdet)


def logdet(input: Tensor) -> Tensor:
    """log det(A): log|det A| where det > 0, NaN where det < 0, -inf where det = 0 (torch.logdet)."""
    check_square(input, "logdet")
    sign, logabs = slogdet_arrays(input._data)
    return where(sign < 0, float("nan"), LogAbsDet.apply(input, logabs))  # no gradient where det < 0, as torch


def _solve_shapes(A, B, op, left):
    """(A, B as a matrix, vector case) after torch's checks; B is a vector when it is 1-D or A's
    shape without its last dim."""
    check_square(A, op, kernel="lu_cpu")
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}(): argument 'B' must be Tensor, not {type(B).__name__}")
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{scalar_name(A)} and B of type {scalar_name(B)} instead")
    a, b = A._data, B._data
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    n = a.shape[-1]
    if vector:
        rows = b.shape[-1]
        Bm = unsqueeze(B, -1)
    else:
        if b.ndim < 2:
            raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
        rows = b.shape[-2] if left else b.shape[-1]
        Bm = B if left else mT(B)
    if rows != n:
        shown = f"{rows}x1" if vector else f"{b.shape[-2]}x{b.shape[-1]}"
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {shown})")
    try:
        np.broadcast_shapes(a.shape[:-2], Bm._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: The size of A's batch dims {tuple(a.shape[:-2])} must match B's "
                           f"{tuple(Bm._data.shape[:-2])} or broadcast to it") from None
    return A if left else mT(A), Bm, vector


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (left) or X A = B (left=False), batch dims broadcast; B may be a vector.
    gB = A^-T gX, gA = -gB X^T.  Raises LinAlgError for a singular A."""
    Am, Bm, vector = _solve_shapes(A, B, "linalg.solve", left)
    x = Solve.apply2(Am, Bm)
    if vector:
        return squeeze(x, -1)
    return x if left else mT(x)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False):
    """(result, info) as torch.linalg.solve_ex: a singular A gives info > 0 and a NaN result."""
    _solve_shapes(A, B, "linalg.solve_ex", left)
    try:
        x = solve(A, B, left=left)
        return return_types.linalg_solve_ex(x, _info_tensor(np.zeros(A._data.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    Am, Bm, vector = _solve_shapes(A, B, "linalg.solve_ex", left)
    a, b = Am._data, Bm._data
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    x = np.full(batch + b.shape[-2:], np.nan, b.dtype)
    info = inv_info(a)
    ok = info == 0
    if ok.any():
        x[ok] = np.linalg.solve(a[ok], np.broadcast_to(b, x.shape)[ok])
    if not left:
        x = np.swapaxes(x, -1, -2)
    x = x[..., 0] if vector else np.ascontiguousarray(x)
    return return_types.linalg_solve_ex(_make(x), _info_tensor(info))


def _cholesky(A, upper, op):
    check_square(A, op, kernel="cholesky_cpu")
    if upper:  # A = U^T U from A's upper triangle: U = chol(A^T)^T
        return mT(Cholesky.apply1(mT(A)))
    return Cholesky.apply1(A)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L L^T (U with A = U^T U when upper);  gA = sym(L^-T Phi(L^T gL) L^-1).
    Raises LinAlgError when A is not positive-definite."""
    return _cholesky(A, upper, "linalg.cholesky")


def torch_cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated in torch): upper is positional."""
    return _cholesky(input, upper, "linalg.cholesky")


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info) as torch.linalg.cholesky_ex: info is the order of the first leading minor that is
    not positive-definite (0 when A is PD); L is NaN there (and carries no gradient)."""
    check_square(A, "linalg.cholesky_ex")
    try:
        L = _cholesky(A, upper, "linalg.cholesky_ex")
        return return_types.linalg_cholesky_ex(L, _info_tensor(np.zeros(A._data.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    a = mT(A)._data if upper else A._data
    info = cholesky_info(a)
    out = np.full(a.shape, np.nan, a.dtype)
    ok = info == 0
    if ok.any():
        out[ok] = np.linalg.cholesky(a[ok])
    res = _make(np.ascontiguousarray(np.swapaxes(out, -1, -2)) if upper else out)
    return return_types.linalg_cholesky_ex(res, _info_tensor(info))


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """X with tri(A) X = B (left) or X tri(A) = B, reading only A's upper / lower triangle (and a
    unit diagonal when unitriangular); no error for a zero diagonal (inf/NaN, as torch)."""
    op = "linalg.solve_triangular"
    check_kernel_dtype(A, "triangular_solve_cpu")
    check_kernel_dtype(B, "triangular_solve_cpu")
    check_matrix(A, op, kernel="triangular_solve_cpu")
    check_matrix(B, op, "B", kernel="triangular_solve_cpu")
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{scalar_name(A)} and B of type {scalar_name(B)} instead")
    a, b = A._data, B._data
    n = a.shape[-1]
    if a.shape[-2] != n:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by {n} matrices")
    k = b.shape[-2] if left else b.shape[-1]
    if k != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: the batch dims of A {tuple(a.shape[:-2])} and B {tuple(b.shape[:-2])} "
                           "do not broadcast") from None
    return SolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular))


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n by repeated squaring (n < 0: inv(A)^-n; n = 0: the identity, with a zero gradient)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_power(): argument 'input' must be Tensor, not {type(A).__name__}")
    if A._data.ndim < 2 or A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A._data.shape[-2] if A._data.ndim > 1 else 1} by {A._data.shape[-1]} matrices")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    n = operator.index(n)
    if n == 0:
        eye = np.broadcast_to(np.eye(A._data.shape[-1], dtype=A._data.dtype), A._data.shape)
        return where(np.ones(A._data.shape, np.bool_), _make(np.ascontiguousarray(eye)), A)
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while True:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if not n:
            return result
        base = matmul(base, base)


# Tensor methods (torch's names)
TENSOR_METHODS = {
    "inverse": inverse, "det": det, "logdet": logdet, "slogdet": torch_slogdet, "cholesky": torch_cholesky,
    "matrix_power": matrix_power,
}
