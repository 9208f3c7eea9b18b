"""torch.linalg's QR, symmetric eigendecomposition, SVD and what is built on them at the Tensor level:
qr, eigh, eigvalsh, svd, svdvals, pinv, lstsq, matrix_rank, cond, and torch's older forms
(torch.qr, torch.svd, torch.pinverse).  Validation and torch's errors here; arithmetic and gradients
in fastgrad/ops/spectral.py.

Gradients of eigh's eigenvectors and of svd's U / Vh divide by the gaps between eigenvalues /
squared singular values: they are inf/NaN where those repeat (torch documents the same); the
eigenvalues and singular values alone (eigvalsh, svdvals) have well-defined gradients."""
import numpy as np

from fastgrad import return_types
from fastgrad.functional.decomposition import (check_kernel_dtype, check_matrix, check_square, inv_ex, mT,
                                               scalar_name)
from fastgrad.functional.linalg import matmul
from fastgrad.functional.norms import matrix_norm
from fastgrad.functional.shape import squeeze, unsqueeze
from fastgrad.ops.spectral import Eigh, Pinv, Qr, Svd, eigh_arrays, pinv_array, qr_arrays, svd_arrays
from fastgrad.tensor import Tensor

__all__ = ["qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "lstsq", "matrix_rank", "cond", "torch_qr",
           "torch_svd", "pinverse"]

_make = Tensor._make
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _float_only(t):
    if isinstance(t, Tensor) and scalar_name(t) not in ("Float", "Double"):
        raise RuntimeError("This function doesn't handle types other than float and double")


def qr(A: Tensor, mode: str = "reduced"):
    """(Q, R) with A = Q R, Q orthonormal columns, R upper triangular; mode 'reduced', 'complete'
    or 'r' (R only, Q empty, no gradient), as torch.linalg.qr (LAPACK's signs, as torch)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    check_matrix(A, "linalg.qr", kernel="geqrf_cpu")
    q, r = qr_arrays(A._data, mode)
    if mode == "r":
        return return_types.linalg_qr(_make(q), Qr.apply(A, q, r, 1, mode))
    return return_types.linalg_qr(Qr.apply(A, q, r, 0, mode), Qr.apply(A, q, r, 1, mode))


def torch_qr(input: Tensor, some: bool = True):
    """torch.qr: linalg.qr with some=True as mode 'reduced', some=False as 'complete'."""
    q, r = qr(input, "reduced" if some else "complete")
    return return_types.qr(q, r)


def _uplo(UPLO):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO in ("U", "u")


def eigh(A: Tensor, UPLO: str = "L"):
    """(eigenvalues ascending, eigenvectors) of the symmetric matrix read from A's lower (UPLO='L')
    or upper triangle.  The eigenvectors' gradient is inf/NaN for repeated eigenvalues (as torch)."""
    upper = _uplo(UPLO)
    check_kernel_dtype(A, "linalg_eigh_cpu")
    check_square(A, "linalg.eigh")
    w, q = eigh_arrays(A._data, upper)
    return return_types.linalg_eigh(Eigh.apply(A, w, q, 0), Eigh.apply(A, w, q, 1))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of the symmetric matrix read from A's UPLO triangle;
    gA = Q diag(g) Q^T (well defined for repeated eigenvalues)."""
    upper = _uplo(UPLO)
    check_kernel_dtype(A, "linalg_eigh_cpu")
    check_square(A, "linalg.eigvalsh")
    w, q = eigh_arrays(A._data, upper)
    return Eigh.apply(A, w, q, 0)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending (torch.linalg.svd; driver is CUDA-only in
    torch and must be None).  U / Vh gradients are inf/NaN for repeated singular values, and
    (as torch) they only see the first min(m, n) columns of U / rows of Vh."""
    check_matrix(A, "linalg.svd", kernel="linalg_svd_cpu")
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")
    u, s, vh = svd_arrays(A._data, bool(full_matrices))
    return return_types.linalg_svd(Svd.apply(A, u, s, vh, 0), Svd.apply(A, u, s, vh, 1), Svd.apply(A, u, s, vh, 2))


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """Singular values (descending);  gA = U diag(g) V^T."""
    check_matrix(A, "linalg.svdvals", kernel="linalg_svd_cpu")
    u, s, vh = svd_arrays(A._data, False)
    return Svd.apply(A, u, s, vh, 1)


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """torch.svd: (U, S, V) with V = Vh^T; some=False gives full U, V; compute_uv=False gives zero
    U (m, m) and V (n, n), as torch."""
    check_matrix(input, "linalg.svd", "A", kernel="linalg_svd_cpu")
    if not compute_uv:
        m, n = input._data.shape[-2:]
        b = input._data.shape[:-2]
        return return_types.svd(_make(np.zeros(b + (m, m), input._data.dtype)), svdvals(input),
                                _make(np.zeros(b + (n, n), input._data.dtype)))
    u, s, vh = svd(input, full_matrices=not some)
    return return_types.svd(u, s, mT(vh))


def _tol(t, name):
    if t is None:
        return None
    if isinstance(t, Tensor):
        return t._data.astype(np.float64)
    return np.asarray(float(t))


def _tolerances(A, atol, rtol, rcond=None):
    """(atol, rtol) as torch: rtol defaults to eps * max(m, n) when neither is given, to 0 when
    only atol is."""
    atol_, rtol_ = _tol(atol, "atol"), _tol(rtol if rcond is None else rcond, "rtol")
    if rtol_ is None:
        eps = np.finfo(A._data.dtype).eps
        rtol_ = np.asarray(0.0) if atol_ is not None and np.any(atol_ > 0) else \
            np.asarray(eps * max(A._data.shape[-2:]))
    if atol_ is None:
        atol_ = np.asarray(0.0)
    return atol_, rtol_


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """Moore-Penrose pseudo-inverse, singular values at or below max(atol, rtol * s_max) dropped;
    hermitian: from eigh of A's lower triangle.  gA is torch's pinv_backward."""
    if isinstance(A, Tensor) and (A._data.ndim < 2 or scalar_name(A) not in ("Float", "Double")):
        raise RuntimeError(f"linalg.pinv({scalar_name(A)}{{{list(A._data.shape)}}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    check_matrix(A, "linalg.pinv")
    if hermitian:
        check_square(A, "linalg.pinv")
    atol_, rtol_ = _tolerances(A, atol, rtol)
    return Pinv.apply(A, pinv_array(A._data, atol_, rtol_, bool(hermitian)))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: pinv with rtol = rcond."""
    return pinv(input, rtol=rcond)


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """(solution, residuals, rank, singular_values) of min ||A X - B||_F as torch.linalg.lstsq: the
    solution and its gradient are pinv(A) B's (the minimum-norm solution; torch's default 'gelsy'
    gives a basic one when A is rank-deficient); residuals (squared column norms) for drivers other
    than 'gelsy' when m > n and A has full rank; rank except for 'gels'; singular values for
    'gelsd' / 'gelss'."""
    op = "torch.linalg.lstsq"
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    _float_only(A)
    check_matrix(A, "linalg.lstsq")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lstsq(): argument 'b' must be Tensor, not {type(B).__name__}")
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but got input's dtype "
                           f"{A.dtype} and other's dtype {B.dtype}")
    a = A._data
    m, n = a.shape[-2:]
    vector = B._data.ndim == a.ndim - 1
    Bm = unsqueeze(B, -1) if vector else B
    if Bm._data.ndim < 2 or Bm._data.shape[-2] != m:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2) (got {m} and "
                           f"{Bm._data.shape[-2] if Bm._data.ndim >= 2 else Bm._data.shape[-1]})")
    eps = np.finfo(a.dtype).eps
    rtol = eps * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    P = pinv(A, rtol=rtol)
    x = matmul(P, Bm)
    u, s, vh = svd_arrays(a, False)
    smax = s.max(-1, keepdims=True) if s.size else np.zeros(s.shape[:-1] + (1,), s.dtype)
    rank = (s > rtol * smax).sum(-1).astype(np.int64)
    empty = _make(np.zeros((0,), a.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and n > 0 and np.all(rank == n):
        r = matmul(A, x) - Bm
        residuals = (r * r).sum(-2)
    sv = _make(s) if driver in ("gelsd", "gelss") else empty
    rk = _make(np.zeros((0,), np.int64)) if driver == "gels" else _make(np.asarray(rank))
    # residuals keep their (*, 1) shape for a vector B, as torch
    return return_types.linalg_lstsq(squeeze(x, -1) if vector else x, residuals, rk, sv)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, tol=None) -> Tensor:
    """Number of singular values (|eigenvalues| when hermitian) above max(atol, rtol * s_max) (int64)."""
    _float_only(A)
    check_matrix(A, "linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol_, rtol_ = _tolerances(A, atol, rtol)
    a = A._data
    if a.size == 0:
        return _make(np.zeros(a.shape[:-2], np.int64))
    s = np.abs(eigh_arrays(a, False)[0]) if hermitian else svd_arrays(a, False)[1]
    cut = np.maximum(atol_, rtol_ * s.max(-1))
    return _make(np.asarray((s > cut[..., None]).sum(-1), np.int64))


def cond(A: Tensor, p=None) -> Tensor:
    """Condition number: s_max / s_min for p None or 2 (s_min / s_max for -2), else
    norm(A, p) * norm(inv(A), p) for 'fro', 'nuc', inf, -inf, 1, -1 (square A)."""
    if p in (None, 2, -2):
        check_matrix(A, "linalg.svd", kernel="linalg_svd_cpu")
        s = svdvals(A)
        if s._data.shape[-1] == 0:
            return _make(np.zeros(s._data.shape[:-1], A._data.dtype))
        hi, lo = s[..., 0], s[..., -1]
        return lo / hi if p == -2 else hi / lo
    if p not in ("fro", "nuc", float("inf"), float("-inf"), 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    check_square(A, f"linalg.cond(ord={p})")
    a = A._data
    res = inv_ex(A)
    if not res.info._data.any():
        return matrix_norm(A, p) * matrix_norm(res.inverse, p)
    ok = res.info._data == 0  # singular matrices: inf (no gradient), as torch
    out = np.full(a.shape[:-2], np.inf, a.dtype)
    if ok.any():
        out[ok] = np.linalg.cond(a[ok], p)
    return _make(out)


TENSOR_METHODS = {"pinverse": pinverse, "qr": torch_qr, "svd": torch_svd}
