"""Op cases for torch.linalg's inverses, determinants, solvers and factorizations (see test_ops.py):
well-conditioned inputs (a normal draw plus a multiple of the identity), batched and broadcast
shapes; Cholesky and eigh run on a symmetric positive-definite A = X X^T + n I built from the input,
so finite differences see the symmetric matrix torch's gradient describes."""
import numpy as np

import fastgrad as fg
from opcases.common import _n, _torch, case


def _wc(*shapes):
    """rng -> arrays; square ones get n I added (well conditioned, det away from 0)."""
    def make(rng):
        out = []
        for s in shapes:
            a = rng.standard_normal(s)
            if len(s) >= 2 and s[-1] == s[-2]:
                a = a + s[-1] * np.eye(s[-1])
            out.append(a)
        return out
    return make


def _spd_np(x):
    return x @ np.swapaxes(x, -1, -2) + x.shape[-1] * np.eye(x.shape[-1])


def _spd(x):
    return x @ x.mT + fg.eye(x.shape[-1], dtype=x.dtype) * x.shape[-1]


def _spd_t(x):
    torch = _torch()
    return x @ x.mT + torch.eye(x.shape[-1], dtype=x.dtype) * x.shape[-1]


def _tri_np(a, b, upper, left, unit):
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t - np.einsum("...ii->...i", t)[..., None] * np.eye(t.shape[-1]) + np.eye(t.shape[-1])
    if left:
        return np.linalg.solve(t, np.broadcast_to(b, np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:]))
    return np.swapaxes(np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _tl():
    return _torch().linalg


CASES = [
    case("linalg_inv", fg.linalg.inv, np.linalg.inv, _wc((3, 3)), "inv-3x3", torch=lambda a: _tl().inv(a)),
    case("linalg_inv", fg.linalg.inv, np.linalg.inv, _wc((2, 3, 4, 4)), "inv-batched",
         torch=lambda a: _tl().inv(a)),
    case("linalg_inv", fg.linalg.inv, np.linalg.inv, _wc((1, 1)), "inv-1x1", torch=lambda a: _tl().inv(a)),
    case("linalg_inv", lambda a: fg.linalg.matrix_power(a, -2), lambda a: np.linalg.matrix_power(np.linalg.inv(a), 2),
         _wc((2, 3, 3)), "matrix_power-neg", torch=lambda a: _tl().matrix_power(a, -2)),
    case("linalg_det", fg.linalg.det, np.linalg.det, _wc((3, 3)), "det-3x3", torch=lambda a: _tl().det(a)),
    case("linalg_det", fg.linalg.det, np.linalg.det, _wc((2, 4, 4)), "det-batched", torch=lambda a: _tl().det(a)),
    case("linalg_slogdet", lambda a: fg.linalg.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1],
         _wc((2, 4, 4)), "slogdet", torch=lambda a: _tl().slogdet(a)[1]),
    case("linalg_slogdet", fg.logdet, lambda a: np.log(np.linalg.det(a)), _wc((3, 3)), "logdet",
         torch=lambda a: _torch().logdet(a)),
    case("linalg_solve", fg.linalg.solve, np.linalg.solve, _wc((3, 3), (3, 2)), "solve-3x3",
         torch=lambda a, b: _tl().solve(a, b)),
    case("linalg_solve", fg.linalg.solve, lambda a, b: np.linalg.solve(a, b[..., None])[..., 0],
         _wc((2, 3, 3), (3,)), "solve-vector", torch=lambda a, b: _tl().solve(a, b)),
    case("linalg_solve", fg.linalg.solve, lambda a, b: np.linalg.solve(np.broadcast_to(a, (2, 4, 3, 3)), b),
         _wc((4, 3, 3), (2, 1, 3, 2)), "solve-broadcast", torch=lambda a, b: _tl().solve(a, b)),
    case("linalg_solve", lambda a, b: fg.linalg.solve(a, b, left=False),
         lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2),
         _wc((3, 3), (2, 3)), "solve-right", torch=lambda a, b: _tl().solve(a, b, left=False)),
    case("linalg_cholesky", lambda x: fg.linalg.cholesky(_spd(x)), lambda x: np.linalg.cholesky(_spd_np(x)),
         _wc((2, 4, 4)), "cholesky", torch=lambda x: _tl().cholesky(_spd_t(x))),
    case("linalg_cholesky", lambda x: fg.linalg.cholesky(_spd(x), upper=True),
         lambda x: np.swapaxes(np.linalg.cholesky(_spd_np(x)), -1, -2), _wc((3, 3)), "cholesky-upper",
         torch=lambda x: _tl().cholesky(_spd_t(x), upper=True)),
]
for _upper in (True, False):
    for _left in (True, False):
        for _unit in (False, True):
            _bs = (2, 3, 2) if _left else (2, 2, 3)
            CASES.append(case(
                "linalg_solve_triangular",
                lambda a, b, u=_upper, le=_left, un=_unit: fg.linalg.solve_triangular(a, b, upper=u, left=le,
                                                                                     unitriangular=un),
                lambda a, b, u=_upper, le=_left, un=_unit: _tri_np(a, b, u, le, un), _wc((3, 3), _bs),
                f"solve_triangular-{'upper' if _upper else 'lower'}-{'left' if _left else 'right'}"
                f"{'-unit' if _unit else ''}",
                torch=lambda a, b, u=_upper, le=_left, un=_unit: _tl().solve_triangular(a, b, upper=u, left=le,
                                                                                       unitriangular=un)))


# QR, eigh, SVD, pinv: gauge-invariant outputs (|Q|, Q diag(f(L)) Q^T, U diag(S) Vh, squared entries)
def _sym_np(x):
    return x + np.swapaxes(x, -1, -2)


def _eigvec_sq_np(x):
    return np.linalg.eigh(_sym_np(x))[1] ** 2


def _svd_sq(x, k, fm=False):
    r = fg.linalg.svd(x, full_matrices=fm)
    n = min(x.shape[-2:])
    return r[0][..., :n] ** 2 if k == 0 else r[2][..., :n, :] ** 2


def _svd_sq_np(x, k):
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    return u ** 2 if k == 0 else vh ** 2


def _svd_sq_t(x, k, fm=False):
    r = _tl().svd(x, full_matrices=fm)
    n = min(x.shape[-2:])
    return r[0][..., :n] ** 2 if k == 0 else r[2][..., :n, :] ** 2


CASES += [
    case("linalg_eigh", lambda x: fg.linalg.eigvalsh(x + x.mT), lambda x: np.linalg.eigvalsh(_sym_np(x)),
         _wc((2, 4, 4)), "eigvalsh", torch=lambda x: _tl().eigvalsh(x + x.mT)),
    case("linalg_eigh", lambda x: fg.linalg.eigh(x + x.mT)[1] ** 2, _eigvec_sq_np, _wc((2, 4, 4)), "eigh-vectors",
         torch=lambda x: _tl().eigh(x + x.mT)[1] ** 2),
    case("linalg_eigh", lambda x: fg.linalg.eigh(x + x.mT, UPLO="U")[0], lambda x: np.linalg.eigvalsh(_sym_np(x)),
         _wc((3, 3)), "eigh-upper", torch=lambda x: _tl().eigh(x + x.mT, UPLO="U")[0]),
    case("linalg_svd", fg.linalg.svdvals, lambda x: np.linalg.svd(x, compute_uv=False), _wc((2, 5, 3)), "svdvals",
         torch=lambda x: _tl().svdvals(x)),
    case("linalg_svd", lambda x: _svd_sq(x, 0), lambda x: _svd_sq_np(x, 0), _wc((2, 5, 3)), "svd-U-tall",
         torch=lambda x: _svd_sq_t(x, 0)),
    case("linalg_svd", lambda x: _svd_sq(x, 2), lambda x: _svd_sq_np(x, 2), _wc((3, 5)), "svd-Vh-wide",
         torch=lambda x: _svd_sq_t(x, 2)),
    case("linalg_svd", lambda x: _svd_sq(x, 0, True), lambda x: _svd_sq_np(x, 0), _wc((3, 5)), "svd-U-full",
         torch=lambda x: _svd_sq_t(x, 0, True)),
    case("linalg_svd", lambda x: _svd_sq(x, 2, True), lambda x: _svd_sq_np(x, 2), _wc((5, 3)), "svd-Vh-full",
         torch=lambda x: _svd_sq_t(x, 2, True)),
    case("linalg_qr", lambda x: fg.linalg.qr(x)[0], lambda x: np.linalg.qr(x)[0], _wc((2, 5, 3)), "qr-Q-tall",
         torch=lambda x: _tl().qr(x)[0]),
    case("linalg_qr", lambda x: fg.linalg.qr(x)[1], lambda x: np.linalg.qr(x)[1], _wc((2, 5, 3)), "qr-R-tall",
         torch=lambda x: _tl().qr(x)[1]),
    case("linalg_qr", lambda x: fg.linalg.qr(x)[0], lambda x: np.linalg.qr(x)[0], _wc((3, 5)), "qr-Q-wide",
         torch=lambda x: _tl().qr(x)[0]),
    case("linalg_qr", lambda x: fg.linalg.qr(x, mode="complete")[1], lambda x: np.linalg.qr(x, mode="complete")[1],
         _wc((3, 5)), "qr-R-wide-complete", torch=lambda x: _tl().qr(x, mode="complete")[1]),
    case("linalg_pinv", fg.linalg.pinv, np.linalg.pinv, _wc((2, 5, 3)), "pinv-tall", torch=lambda x: _tl().pinv(x)),
    case("linalg_pinv", fg.linalg.pinv, np.linalg.pinv, _wc((3, 4)), "pinv-wide", torch=lambda x: _tl().pinv(x)),
    case("linalg_pinv", lambda x: fg.linalg.pinv(x @ x.mT, hermitian=True),
         lambda x: np.linalg.pinv(x @ np.swapaxes(x, -1, -2), hermitian=True), _wc((3, 3)), "pinv-hermitian",
         torch=lambda x: _tl().pinv(x @ x.mT, hermitian=True)),
    case("linalg_pinv", lambda a, b: fg.linalg.lstsq(a, b).solution, lambda a, b: np.linalg.lstsq(a, b)[0],
         _wc((5, 3), (5, 2)), "lstsq", torch=lambda a, b: _tl().lstsq(a, b).solution),
]


def _expm_np(a):
    """exp(A) by its Taylor series (float64, small norms: converges in 60 terms)."""
    out = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy()
    term = out.copy()
    for k in range(1, 60):
        term = term @ a / k
        out = out + term
    return out


def _small(*shapes):
    def make(rng):
        return [rng.standard_normal(s) * 0.5 for s in shapes]
    return make


# matrix_exp (no torch form: torch's float16 matrix_exp overflows, so the low-precision table would compare
# against garbage; tests/ops/test_linalg_matrix_function.py has the float32/float64 parity)
CASES += [
    case("linalg_matrix_exp", fg.linalg.matrix_exp, _expm_np, _small((3, 3)), "matrix_exp"),
    case("linalg_matrix_exp", fg.linalg.matrix_exp, _expm_np, _small((2, 2, 4, 4)), "matrix_exp-batched"),
    case("linalg_matrix_exp", lambda a: fg.linalg.matrix_exp(a * 4), lambda a: _expm_np(a * 4), _small((3, 3)),
         "matrix_exp-squaring"),
    case("linalg_inv", lambda a: fg.linalg.tensorinv(a, ind=1), lambda a: np.linalg.tensorinv(a, ind=1),
         lambda rng: [(rng.standard_normal((6, 6)) + 6 * np.eye(6)).reshape(6, 2, 3)],
         "tensorinv", torch=lambda a: _tl().tensorinv(a, ind=1)),
    case("linalg_solve", fg.linalg.tensorsolve, np.linalg.tensorsolve, _wc((2, 3, 6), (2, 3)), "tensorsolve",
         torch=lambda a, b: _tl().tensorsolve(a, b)),
]
CASES[-1]["inputs"] = lambda rng: [(rng.standard_normal((6, 6)) + 6 * np.eye(6)).reshape(2, 3, 6),
                                   rng.standard_normal((2, 3))]


# LU with partial pivoting (random draws: rows get swapped; finite differences keep the pivots)
def _lu_np(a):
    """(packed LU, perm) by getf2 in float64: the reference the fastgrad factorization follows."""
    a = np.array(a, dtype=np.float64)
    m, n = a.shape
    perm = np.arange(m)
    for j in range(min(m, n)):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        a[[j, p]], perm[[j, p]] = a[[p, j]], perm[[p, j]]
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return a, perm


def _lu_batched(a):
    return np.stack([_lu_np(m)[0] for m in a.reshape((-1,) + a.shape[-2:])]).reshape(a.shape)


def _lu_L(a):
    k = min(a.shape[-2:])
    return np.tril(_lu_batched(a)[..., :, :k], -1) + np.eye(a.shape[-2], k)


def _lu_U(a):
    return np.triu(_lu_batched(a)[..., :min(a.shape[-2:]), :])


CASES += [
    case("linalg_lu_factor", lambda a: fg.linalg.lu_factor(a).LU, _lu_batched, _n((2, 4, 4)), "lu_factor",
         torch=lambda a: _tl().lu_factor(a).LU),
    case("linalg_lu_factor", lambda a: fg.linalg.lu_factor(a).LU, _lu_batched, _n((5, 3)), "lu_factor-tall",
         torch=lambda a: _tl().lu_factor(a).LU),
    case("linalg_lu_factor", lambda a: fg.linalg.lu_factor(a).LU, _lu_batched, _n((3, 5)), "lu_factor-wide",
         torch=lambda a: _tl().lu_factor(a).LU),
    case("linalg_lu", lambda a: fg.linalg.lu(a).L, _lu_L, _n((2, 5, 3)), "lu-L-tall", torch=lambda a: _tl().lu(a).L),
    case("linalg_lu", lambda a: fg.linalg.lu(a).U, _lu_U, _n((3, 5)), "lu-U-wide", torch=lambda a: _tl().lu(a).U),
    case("linalg_lu_solve", lambda a, b: fg.linalg.lu_solve(*fg.linalg.lu_factor(a), b), np.linalg.solve,
         _n((2, 3, 3), (2, 3, 2)), "lu_solve", torch=lambda a, b: _tl().lu_solve(*_tl().lu_factor(a), b)),
    case("linalg_lu_solve", lambda a, b: fg.linalg.lu_solve(*fg.linalg.lu_factor(a), b, adjoint=True),
         lambda a, b: np.linalg.solve(np.swapaxes(a, -1, -2), b), _n((3, 3), (3, 2)), "lu_solve-adjoint",
         torch=lambda a, b: _tl().lu_solve(*_tl().lu_factor(a), b, adjoint=True)),
    case("linalg_lu_solve", lambda a, b: fg.linalg.lu_solve(*fg.linalg.lu_factor(a), b, left=False),
         lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2),
         _n((3, 3), (2, 3)), "lu_solve-right", torch=lambda a, b: _tl().lu_solve(*_tl().lu_factor(a), b, left=False)),
]
