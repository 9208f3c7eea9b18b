"""LU with partial pivoting on arrays (torch.linalg.lu_factor / lu / lu_solve): numpy has no getrf,
so the factorization is the unblocked right-looking algorithm LAPACK's getf2 runs (the row of the
largest |pivot|, the first on ties), vectorised over the batch and the trailing submatrix; pivots
are LAPACK's 1-based int32 row swaps.

Backward (torch's linalg_lu_backward, A = P L U, k = min(m, n)):

* square: gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T
* tall (L = [L1; L2]): gA2 = gL2 U^-T, and the square rule on (L1, U) with gU - L2^T gA2
* wide (U = [U1 U2]): gA2 = L^-T gU2, and the square rule on (L, U1) with gL - gA2 U2^T
* lu_solve, X = A^-1 B: gB = A^-T gX, gA = -gB X^T, carried to the packed factors as
  gLU = tril(P^T gA U^T, -1) + triu(L^T P^T gA)
"""
import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import sum_to
from fastgrad.ops.decomposition import mT, tri_solve

__all__ = ["LuFactor", "Lu", "LuSolve", "lu_arrays", "perm_from_pivots", "p_matrix", "unpack"]


def lu_arrays(a: np.ndarray):
    """(packed LU, pivots int32 (*, k), info int32 (*)) of a stack of (m, n) matrices."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    nb = int(np.prod(batch))
    lu = np.array(a, dtype=a.dtype).reshape((nb, m, n))
    piv = np.zeros((nb, k), np.int32)
    info = np.zeros(nb, np.int32)
    idx = np.arange(nb)
    with np.errstate(all="ignore"):
        for j in range(k):
            p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1) if nb else np.zeros(0, np.int64)
            piv[:, j] = p + 1
            row = lu[idx, j].copy()
            lu[idx, j] = lu[idx, p]
            lu[idx, p] = row
            d = lu[:, j, j]
            zero = d == 0
            info[(info == 0) & zero] = j + 1
            scale = np.where(zero, 1, d)
            lu[:, j + 1:, j] /= scale[:, None]
            lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def perm_from_pivots(piv: np.ndarray, m: int) -> np.ndarray:
    """perm (*, m) with (P^T A)[i] = A[perm[i]] for LAPACK's row swaps."""
    batch = piv.shape[:-1]
    nb = int(np.prod(batch))
    perm = np.broadcast_to(np.arange(m), batch + (m,)).reshape(nb, m).copy()
    p = piv.reshape(nb, piv.shape[-1]).astype(np.int64) - 1
    idx = np.arange(perm.shape[0])
    for j in range(p.shape[1]):
        a, b = perm[idx, j].copy(), perm[idx, p[:, j]].copy()
        perm[idx, j], perm[idx, p[:, j]] = b, a
    return perm.reshape(batch + (m,))


def p_matrix(perm: np.ndarray, dtype) -> np.ndarray:
    """P with P[perm[i], i] = 1 (A = P L U)."""
    m = perm.shape[-1]
    return (perm[..., None, :] == np.arange(m)[:, None]).astype(dtype)


def apply_p(perm: np.ndarray, g: np.ndarray) -> np.ndarray:
    """P g: row perm[i] of the result is row i of g."""
    inv = np.argsort(perm, -1)
    return np.take_along_axis(g, np.broadcast_to(inv[..., :, None], g.shape), -2)


def apply_pt(perm: np.ndarray, g: np.ndarray) -> np.ndarray:
    """P^T g: row i of the result is row perm[i] of g."""
    return np.take_along_axis(g, np.broadcast_to(perm[..., :, None], g.shape), -2)


def unpack(lu: np.ndarray):
    """(L unit lower (m, k), U upper (k, n)) from a packed LU."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    return np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype), np.triu(lu[..., :k, :])


def _square_grad(l_, u, gl, gu):
    """L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T for square L, U."""
    x = np.tril(mT(l_) @ gl, -1) + np.triu(gu @ mT(u))
    y = mT(tri_solve(u, mT(x), upper=True))               # X U^-T
    return tri_solve(mT(l_), y, upper=True, unit=True)    # L^-T X U^-T


def lu_grad(perm, l_, u, gl, gu):
    """gA of A = P L U from gL (m, k) and gU (k, n) (either may be zeros)."""
    m, n = l_.shape[-2], u.shape[-1]
    k = min(m, n)
    with np.errstate(all="ignore"):
        if m == n:
            g = _square_grad(l_, u, gl, gu)
        elif m > n:
            l1, l2, gl1, gl2 = l_[..., :k, :], l_[..., k:, :], gl[..., :k, :], gl[..., k:, :]
            ga2 = mT(tri_solve(u, mT(gl2), upper=True))
            g = np.concatenate([_square_grad(l1, u, gl1, gu - mT(l2) @ ga2), ga2], -2)
        else:
            u1, u2, gu1, gu2 = u[..., :, :k], u[..., :, k:], gu[..., :, :k], gu[..., :, k:]
            ga2 = tri_solve(mT(l_), gu2, upper=True, unit=True)
            g = np.concatenate([_square_grad(l_, u1, gl - ga2 @ mT(u2), gu1), ga2], -1)
    return apply_p(perm, g)


@register("linalg_lu_factor")
class LuFactor(Function):
    """The packed LU of lu_factor (precomputed by lu_arrays); gA from gL = tril(gLU, -1), gU = triu(gLU)."""

    @staticmethod
    def forward(ctx, a, lu, perm):
        ctx.save_for_backward(lu, perm)
        return lu

    @staticmethod
    def backward(ctx, g):
        lu, perm = ctx.saved
        l_, u = unpack(lu)
        k = l_.shape[-1]
        gl, gu = np.tril(g[..., :, :k], -1), np.triu(g[..., :k, :])
        return lu_grad(perm, l_, u, gl, gu).astype(lu.dtype, copy=False), None, None


@register("linalg_lu")
class Lu(Function):
    """Output k of lu (1: L, 2: U; P has no gradient), from the packed factors."""

    @staticmethod
    def forward(ctx, a, l_, u, perm, k):
        ctx.save_for_backward(l_, u, perm)
        ctx.k = k
        return l_ if k == 1 else u

    @staticmethod
    def backward(ctx, g):
        l_, u, perm = ctx.saved
        gl = g if ctx.k == 1 else np.zeros_like(l_)
        gu = g if ctx.k == 2 else np.zeros_like(u)
        return lu_grad(perm, l_, u, gl, gu).astype(u.dtype, copy=False), None, None, None, None


def _solve_with(l_, u, perm, b, adjoint):
    """X with A X = B (A^T X = B when adjoint), A = P L U square; batch dims broadcast."""
    if not adjoint:  # X = U^-1 L^-1 P^T B
        batch = np.broadcast_shapes(perm.shape[:-1], b.shape[:-2])
        pb = apply_pt(np.broadcast_to(perm, batch + perm.shape[-1:]), np.broadcast_to(b, batch + b.shape[-2:]))
        return tri_solve(u, tri_solve(l_, pb, upper=False, unit=True), upper=True)
    y = tri_solve(mT(l_), tri_solve(mT(u), b, upper=False), upper=True, unit=True)  # X = P L^-T U^-T B
    batch = np.broadcast_shapes(perm.shape[:-1], y.shape[:-2])
    return apply_p(np.broadcast_to(perm, batch + perm.shape[-1:]), np.broadcast_to(y, batch + y.shape[-2:]))


@register("linalg_lu_solve")
class LuSolve(Function):
    """X = A^-1 B (A^-T B when adjoint) from A's packed LU;  gB = A^-T gX (A^-1 gX), gA = -gB X^T
    (-X gB^T), carried to the packed factors."""

    @staticmethod
    def forward(ctx, lu, perm, b, adjoint):
        l_, u = unpack(lu)
        x = _solve_with(l_, u, perm, b, adjoint).astype(b.dtype, copy=False)
        ctx.save_for_backward(lu, perm, b, x)
        ctx.adjoint = adjoint
        return x

    @staticmethod
    def backward(ctx, gx):
        lu, perm, b, x = ctx.saved
        l_, u = unpack(lu)
        with np.errstate(all="ignore"):
            gb = _solve_with(l_, u, perm, gx, not ctx.adjoint)
            glu = None
            if ctx.needs_input_grad[0]:
                ga = -(gb @ mT(x)) if not ctx.adjoint else -(x @ mT(gb))
                batch = ga.shape[:-2]
                pga = apply_pt(np.broadcast_to(perm, batch + perm.shape[-1:]), ga)
                glu = np.tril(pga @ mT(u), -1) + np.triu(mT(l_) @ pga)
                glu = sum_to(glu, lu.shape).astype(lu.dtype, copy=False)
        gb = sum_to(np.ascontiguousarray(gb), b.shape).astype(b.dtype, copy=False) if ctx.needs_input_grad[2] else None
        return glu, None, gb, None
