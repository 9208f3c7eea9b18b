"""Inverses, determinants, solvers and the Cholesky factor on arrays (torch.linalg's), through
numpy.linalg / LAPACK, batched over leading dims, in the input's dtype.

Backward formulas are torch's (tools/autograd/derivatives.yaml, FunctionsManual.cpp):

* inv:      gA = -Y^T gY Y^T
* det:      gA = g * adj(A)^T, the adjugate from an SVD (well defined for singular A)
* logabsdet gA = g * A^-T
* solve:    gB = A^-T gX, gA = -gB X^T (batch dims summed back to each operand's shape)
* cholesky: gA = sym(L^-T Phi(L^T gL) L^-1), Phi = lower triangle with the diagonal halved
* solve_triangular: as solve, gA restricted to A's triangle (and 0 on a unit diagonal)

LinAlgError (a RuntimeError, as torch.linalg.LinAlgError) reports singular / non-PD inputs with
torch's messages.  Functions never import Tensor.
"""
import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import sum_to

__all__ = ["LinAlgError", "Inv", "Det", "LogAbsDet", "Solve", "Cholesky", "SolveTriangular", "mT", "lapack",
           "inv_info", "cholesky_info", "slogdet_arrays", "tri_solve", "converged"]


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular, not positive-definite, no
    convergence): torch.linalg.LinAlgError."""


LinAlgError.__module__ = "fastgrad.linalg"


def mT(x: np.ndarray) -> np.ndarray:
    """The matrices of x transposed (a view)."""
    return np.swapaxes(x, -1, -2)


def _batch_prefix(idx, batch_shape) -> str:
    return f"(Batch element {idx}): " if batch_shape else ""


def _zero_pivot(a: np.ndarray) -> int:
    """1-based index of the first zero pivot of LU with partial pivoting (LAPACK getrf's info), 0 if none."""
    u = np.array(a, dtype=np.float64)
    n = u.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        u[[k, p]] = u[[p, k]]
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return 0


def inv_info(a: np.ndarray) -> np.ndarray:
    """getrf's info per matrix of a stack (int32, batch shape): 0 where invertible."""
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.zeros(flat.shape[0], np.int32)
    for i, m in enumerate(flat):
        try:
            np.linalg.inv(m)
        except np.linalg.LinAlgError:
            info[i] = max(_zero_pivot(m), 1)
    return info.reshape(a.shape[:-2])


def _pd_order(m: np.ndarray) -> int:
    """Order of the first leading minor that is not positive-definite (potrf's info), 0 if PD:
    a binary search (a leading block of a PD matrix is PD)."""
    def pd(k):  # a NaN pivot fails too (potrf tests !(ajj > 0))
        try:
            return not np.isnan(np.diagonal(np.linalg.cholesky(m[:k, :k]))).any()
        except np.linalg.LinAlgError:
            return False
    n = m.shape[0]
    if pd(n):
        return 0
    lo, hi = 0, n  # pd(lo) holds, pd(hi) fails
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if pd(mid) else (lo, mid)
    return hi


def cholesky_info(a: np.ndarray) -> np.ndarray:
    """potrf's info per matrix of a stack (int32, batch shape)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    return np.array([_pd_order(m) for m in flat], np.int32).reshape(a.shape[:-2])


def _first_failure(info: np.ndarray):
    flat = info.reshape(-1)
    i = int(np.flatnonzero(flat)[0])
    return i, int(flat[i])


def lapack(fn, a, op: str, kind: str = "singular"):
    """fn(a) (a numpy.linalg call), numpy's LinAlgError turned into torch's message naming the
    batch element and the failing pivot / minor."""
    try:
        return fn(a)
    except np.linalg.LinAlgError:
        pass
    if kind == "pd":
        i, k = _first_failure(cholesky_info(a))
        raise LinAlgError(f"{op}: {_batch_prefix(i, a.shape[:-2])}The factorization could not be completed "
                          f"because the input is not positive-definite (the leading minor of order {k} is not "
                          "positive-definite).")
    if kind == "solve":
        raise LinAlgError(f"torch.{op}: The solver failed because the input matrix is singular.")
    i, k = _first_failure(inv_info(a))
    raise LinAlgError(f"{op}: {_batch_prefix(i, a.shape[:-2])}The diagonal element {k} is zero, the inversion "
                      "could not be completed because the input matrix is singular.")


@register("linalg_inv")
class Inv(Function):
    """Y = A^-1;  gA = -Y^T gY Y^T."""

    @staticmethod
    def forward(ctx, a):
        y = np.empty_like(a) if a.size == 0 else lapack(np.linalg.inv, a, "linalg.inv").astype(a.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved
        yt = mT(y)
        return -(yt @ gy @ yt)


def adjugate_t(a: np.ndarray) -> np.ndarray:
    """adj(A)^T = det(A) A^-T, computed from an SVD so that it is finite for singular A:
    A = U S V^T, adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T."""
    if a.shape[-1] == 0:
        return np.zeros_like(a)
    try:
        u, s, vt = np.linalg.svd(a)
    except np.linalg.LinAlgError:  # non-finite A: a NaN gradient, as torch
        return np.full_like(a, np.nan)
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, s[..., :0:-1]], -1), -1)[..., ::-1]
    others = left * right
    d = np.linalg.det(u) * np.linalg.det(vt)
    return (u * (others * d[..., None])[..., None, :]) @ vt if n else u @ vt


@register("linalg_det")
class Det(Function):
    """d = det(A);  gA = g adj(A)^T (= g d A^-T where A is invertible)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):  # NaN in, NaN out (quietly, as torch)
            return np.asarray(np.linalg.det(a), a.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (np.asarray(g)[..., None, None] * adjugate_t(a)).astype(a.dtype, copy=False)


def slogdet_arrays(a: np.ndarray):
    """(sign, log|det|) of a stack, in a's dtype."""
    sign, logabs = np.linalg.slogdet(a)
    return np.asarray(sign, a.dtype), np.asarray(logabs, a.dtype)


@register("linalg_slogdet")
class LogAbsDet(Function):
    """l = log|det A| (precomputed by slogdet_arrays);  gA = g A^-T (inf/nan for singular A, as torch)."""

    @staticmethod
    def forward(ctx, a, logabs):
        ctx.save_for_backward(a)
        return logabs

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        with np.errstate(all="ignore"):
            try:
                inv_t = mT(np.linalg.inv(a))
            except np.linalg.LinAlgError:  # singular: 1/0 along the null directions, as torch's
                u, s, vt = np.linalg.svd(a)
                inv_t = (u / s[..., None, :]) @ vt
        return (np.asarray(g)[..., None, None] * inv_t).astype(a.dtype, copy=False), None


@register("linalg_solve")
class Solve(Function):
    """X = A^-1 B (A (*, n, n), B (*, n, k), batch dims broadcast);  gB = A^-T gX, gA = -gB X^T."""

    @staticmethod
    def forward(ctx, a, b):
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        ab = np.broadcast_to(a, batch + a.shape[-2:])
        bb = np.broadcast_to(b, batch + b.shape[-2:])
        if ab.size == 0 or bb.size == 0:
            x = np.zeros(bb.shape, b.dtype)
        else:
            x = lapack(lambda m: np.linalg.solve(m, bb), ab, "linalg.solve", "solve").astype(b.dtype, copy=False)
        ctx.save_for_backward(a, b, x)
        return x

    @staticmethod
    def backward(ctx, gx):
        a, b, x = ctx.saved
        batch = x.shape[:-2]
        at = np.broadcast_to(mT(a), batch + a.shape[-2:])
        gb = np.linalg.solve(at, gx) if gx.size and at.size else np.zeros_like(gx)
        ga = -(gb @ mT(x)) if ctx.needs_input_grad[0] else None
        return (None if ga is None else sum_to(ga, a.shape).astype(a.dtype, copy=False),
                sum_to(gb, b.shape).astype(b.dtype, copy=False) if ctx.needs_input_grad[1] else None)


def _phi(x):
    """Lower triangle with the diagonal halved."""
    y = np.tril(x)
    d = np.einsum("...ii->...i", y)
    d *= 0.5
    return y


def tri_solve(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool = False) -> np.ndarray:
    """X with tri(A) X = B (batch dims already broadcast): LAPACK's solve on the triangle, or
    substitution (inf/nan, no error, as trsm) where a diagonal element is zero."""
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t.copy()
        np.einsum("...ii->...i", t)[...] = 1
    if t.size == 0 or b.size == 0:
        return np.zeros(np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:], b.dtype)
    try:
        return np.linalg.solve(t, b).astype(b.dtype, copy=False)
    except np.linalg.LinAlgError:
        pass
    n = t.shape[-1]
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=b.dtype)
    t = np.broadcast_to(t, batch + t.shape[-2:])
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(all="ignore"):
        for i in order:
            rest = slice(i + 1, n) if upper else slice(0, i)
            acc = x[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, rest], x[..., rest, :])
            x[..., i, :] = acc / t[..., i, i][..., None]
    return x


def _cholesky_checked(a):
    """numpy's Cholesky, failing (as LAPACK's potrf does) on a NaN pivot as well."""
    l_ = np.linalg.cholesky(a)
    if np.isnan(np.einsum("...ii->...i", l_)).any():
        raise np.linalg.LinAlgError("NaN pivot")
    return l_


def converged(fn, a, op: str, what: str):
    """fn(a) (an SVD or eigendecomposition); numpy's non-convergence as torch's LinAlgError."""
    try:
        return fn(a)
    except np.linalg.LinAlgError:
        if not np.isfinite(a).all():
            raise LinAlgError(f"{op}: The algorithm failed to converge because the input matrix contained "
                              "non-finite values.") from None
        raise LinAlgError(f"{op}: The algorithm failed to converge because the input matrix is ill-conditioned "
                          f"or has too many repeated {what}.") from None


@register("linalg_cholesky")
class Cholesky(Function):
    """L = chol(A) (lower; A's lower triangle is read);  gA = sym(L^-T Phi(L^T gL) L^-1)."""

    @staticmethod
    def forward(ctx, a):
        l_ = np.zeros_like(a) if a.size == 0 else lapack(_cholesky_checked, a, "linalg.cholesky", "pd")
        l_ = l_.astype(a.dtype, copy=False)
        ctx.save_for_backward(l_)
        return l_

    @staticmethod
    def backward(ctx, gl):
        (l_,) = ctx.saved
        if l_.size == 0:
            return np.zeros_like(gl)
        p = _phi(mT(l_) @ gl)
        s = tri_solve(mT(l_), p, upper=True)                   # L^-T P
        s = mT(tri_solve(mT(l_), mT(s), upper=True))          # (L^-T P) L^-1 = (L^-T (L^-T P)^T)^T
        return (0.5 * (s + mT(s))).astype(l_.dtype, copy=False)


@register("linalg_solve_triangular")
class SolveTriangular(Function):
    """X = tri(A)^-1 B (left) or B tri(A)^-1 (right); gB = tri(A)^-T gX (left) or gX tri(A)^-T,
    gA = -gB X^T (left) or -X^T gB, kept on A's triangle (diagonal excluded when unitriangular)."""

    @staticmethod
    def forward(ctx, a, b, upper, left, unit):
        if left:
            x = tri_solve(a, b, upper, unit)
        else:
            x = mT(tri_solve(mT(a), mT(b), not upper, unit))
        ctx.save_for_backward(a, b, x)
        ctx.flags = (upper, left, unit)
        return x

    @staticmethod
    def backward(ctx, gx):
        a, b, x = ctx.saved
        upper, left, unit = ctx.flags
        batch = x.shape[:-2]
        if left:
            gb = tri_solve(mT(a), gx, not upper, unit)
            ga = -(gb @ mT(x))
        else:
            gb = mT(tri_solve(a, mT(gx), upper, unit))
            ga = -(mT(x) @ gb)
        ga = np.triu(ga, 1 if unit else 0) if upper else np.tril(ga, -1 if unit else 0)
        gb = np.broadcast_to(gb, batch + b.shape[-2:])
        return (sum_to(ga, a.shape).astype(a.dtype, copy=False) if ctx.needs_input_grad[0] else None,
                sum_to(np.ascontiguousarray(gb), b.shape).astype(b.dtype, copy=False)
                if ctx.needs_input_grad[1] else None, None, None, None)
