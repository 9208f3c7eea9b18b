"""QR, the symmetric eigendecomposition, the SVD and the pseudo-inverse on arrays (torch.linalg's),
through numpy.linalg / LAPACK, batched over leading dims, in the input's dtype.

A decomposition with several outputs is computed once (``eigh_arrays`` …) and each output is its
own graph node (``Eigh.apply(A, L, Q, k)`` returns output k): the gradient of a decomposition is
linear in the output gradients, so the nodes' contributions add up to torch's formula, and an
output that is not used costs nothing in backward.  Formulas (real case, torch's FunctionsManual):

* eigh:  gA = Q (diag(gL) + skew(Q^T gQ)/2 / E) Q^T,  E_ij = L_j - L_i (inf/NaN for repeated
  eigenvalues, as torch)
* svd:   gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] V^T (+ the terms for the
  part of gU / gV outside span(U) / span(V)),  E_ij = s_j^2 - s_i^2
* qr:    gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q (m >= n; m < n splits A = [X|Y])
* pinv:  gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)
"""
import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.decomposition import converged, mT, tri_solve

__all__ = ["Eigh", "Svd", "Qr", "Pinv", "eigh_arrays", "svd_arrays", "qr_arrays", "pinv_array"]


def _sym(a, upper):
    """The symmetric matrix whose lower (upper) triangle is a's (what LAPACK's syevd reads)."""
    t = np.triu(a) if upper else np.tril(a)
    return t + mT(np.triu(a, 1) if upper else np.tril(a, -1))


def eigh_arrays(a: np.ndarray, upper: bool):
    """(eigenvalues ascending, eigenvectors as columns) in a's dtype."""
    if a.size == 0:
        return np.zeros(a.shape[:-1], a.dtype), np.zeros(a.shape, a.dtype)
    w, q = converged(lambda x: np.linalg.eigh(x, UPLO="U" if upper else "L"), a, "linalg.eigh", "eigenvalues")
    return w.astype(a.dtype, copy=False), q.astype(a.dtype, copy=False)


@register("linalg_eigh")
class Eigh(Function):
    """Output k of eigh (0: eigenvalues, 1: eigenvectors), precomputed by eigh_arrays."""

    @staticmethod
    def forward(ctx, a, w, q, k):
        ctx.save_for_backward(w, q)
        ctx.k = k
        return (w, q)[k]

    @staticmethod
    def backward(ctx, g):
        w, q = ctx.saved
        if ctx.k == 0:
            inner = np.zeros(w.shape + w.shape[-1:], w.dtype)
            np.einsum("...ii->...i", inner)[...] = g
        else:
            qg = mT(q) @ g
            inner = 0.5 * (qg - mT(qg))
            e = w[..., None, :] - w[..., :, None]
            np.einsum("...ii->...i", e)[...] = 1
        with np.errstate(all="ignore"):  # inf/NaN for repeated eigenvalues, as torch
            if ctx.k == 1:
                inner = inner / e
            return (q @ inner @ mT(q)).astype(q.dtype, copy=False), None, None, None


def svd_arrays(a: np.ndarray, full_matrices: bool):
    """(U, S, Vh) in a's dtype (empty matrices included)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        ur, vc = (m, n) if full_matrices else (k, k)
        u = np.broadcast_to(np.eye(m, ur, dtype=a.dtype), a.shape[:-2] + (m, ur)).copy()
        vh = np.broadcast_to(np.eye(vc, n, dtype=a.dtype), a.shape[:-2] + (vc, n)).copy()
        return u, np.zeros(a.shape[:-2] + (k,), a.dtype), vh
    u, s, vh = converged(lambda x: np.linalg.svd(x, full_matrices=full_matrices), a, "linalg.svd",
                         "singular values")
    return u.astype(a.dtype, copy=False), s.astype(a.dtype, copy=False), vh.astype(a.dtype, copy=False)


@register("linalg_svd")
class Svd(Function):
    """Output k of svd (0: U, 1: S, 2: Vh), precomputed by svd_arrays; with full_matrices the
    gradient sees only the first min(m, n) columns of U / rows of Vh, as torch's."""

    @staticmethod
    def forward(ctx, a, u, s, vh, k):
        ctx.save_for_backward(u, s, vh)
        ctx.k, ctx.mn = k, a.shape[-2:]
        return (u, s, vh)[k]

    @staticmethod
    def backward(ctx, g):
        u, s, vh = ctx.saved
        m, n = ctx.mn
        r = s.shape[-1]
        u, vh = u[..., :r], vh[..., :r, :]
        if ctx.k == 1:
            return ((u * g[..., None, :]) @ vh).astype(s.dtype, copy=False), None, None, None, None
        s2 = s * s
        e = s2[..., None, :] - s2[..., :, None]
        np.einsum("...ii->...i", e)[...] = 1
        with np.errstate(all="ignore"):
            if ctx.k == 0:
                gu = g[..., :r]
                x = mT(u) @ gu
                inner = ((x - mT(x)) / e) * s[..., None, :]
                ga = u @ inner @ vh
                if m > r:  # the part of gU outside span(U): (I - U U^T) gU S^-1 V^T
                    gus = gu / s[..., None, :]
                    ga = ga + (gus - u @ (mT(u) @ gus)) @ vh
            else:
                gvh = g[..., :r, :]
                v = mT(vh)
                x = vh @ mT(gvh)  # V^T gV
                inner = s[..., :, None] * ((x - mT(x)) / e)
                ga = u @ inner @ vh
                if n > r:  # U S^-1 gV^T (I - V V^T)
                    sg = gvh / s[..., :, None]
                    ga = ga + u @ (sg - (sg @ v) @ vh)
        return ga.astype(s.dtype, copy=False), None, None, None, None


def qr_arrays(a: np.ndarray, mode: str):
    """(Q, R) of numpy.linalg.qr in a's dtype; mode 'r' gives an empty Q as torch."""
    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        qc = m if mode == "complete" else k
        q = np.broadcast_to(np.eye(m, qc, dtype=a.dtype), a.shape[:-2] + (m, qc)).copy()
        rr = m if mode == "complete" else k
        r = np.zeros(a.shape[:-2] + (rr, n), a.dtype)
        return (np.zeros((0,), a.dtype) if mode == "r" else q), r
    q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        q = np.zeros((0,), a.dtype)
    return q.astype(a.dtype, copy=False), r.astype(a.dtype, copy=False)


def _copyltu(x):
    return np.tril(x) + mT(np.tril(x, -1))


def _qr_square_part(q, r, gq, gr):
    """gA for A = Q R with R square upper triangular (A with m >= n, reduced)."""
    mm = r @ mT(gr) - mT(gq) @ q
    x = gq + q @ _copyltu(mm)
    return mT(tri_solve(r, mT(x), upper=True))  # X R^-T


@register("linalg_qr")
class Qr(Function):
    """Output k of qr (0: Q, 1: R), precomputed by qr_arrays; no gradient for mode='r' or for
    mode='complete' with more rows than columns (torch's errors, raised in backward)."""

    @staticmethod
    def forward(ctx, a, q, r, k, mode):
        ctx.save_for_backward(a, q, r)
        ctx.k, ctx.mode = k, mode
        return (q, r)[k]

    @staticmethod
    def backward(ctx, g):
        a, q, r = ctx.saved
        m, n = a.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                               "through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        gq = g if ctx.k == 0 else np.zeros_like(q)
        gr = g if ctx.k == 1 else np.zeros_like(r)
        with np.errstate(all="ignore"):
            if m >= n:
                ga = _qr_square_part(q, r, gq, gr)
            else:  # A = [X | Y], R = [U | V], X = Q U
                y, u, gu, gv = a[..., m:], r[..., :m], gr[..., :m], gr[..., m:]
                gx = _qr_square_part(q, u, gq + y @ mT(gv), gu)
                ga = np.concatenate([gx, q @ gv], -1)
        return ga.astype(a.dtype, copy=False), None, None, None, None


def pinv_array(a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    """A^+ keeping the singular values (|eigenvalues| when hermitian) above max(atol, rtol * s_max);
    atol / rtol are numbers or arrays broadcasting against the batch dims."""
    m, n = a.shape[-2:]
    if a.size == 0:
        return np.zeros(a.shape[:-2] + (n, m), a.dtype)
    if hermitian:
        w, q = converged(np.linalg.eigh, a, "linalg.eigh", "eigenvalues")
        s = np.abs(w)
    else:
        u, s, vh = converged(lambda x: np.linalg.svd(x, full_matrices=False), a, "linalg.svd", "singular values")
    smax = s.max(-1, keepdims=True)
    cut = np.maximum(np.asarray(atol)[..., None], np.asarray(rtol)[..., None] * smax)
    keep = s > cut
    with np.errstate(all="ignore"):
        if hermitian:
            inv = np.where(keep, 1 / np.where(keep, w, 1), 0)
            p = (q * inv[..., None, :]) @ mT(q)
        else:
            inv = np.where(keep, 1 / np.where(keep, s, 1), 0)
            p = mT(vh) @ (inv[..., :, None] * mT(u))
    return p.astype(a.dtype, copy=False)


@register("linalg_pinv")
class Pinv(Function):
    """P = A^+ (precomputed by pinv_array);  gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""

    @staticmethod
    def forward(ctx, a, p):
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved
        pt, gt = mT(p), mT(g)
        ga = -(pt @ g @ pt)
        ga = ga + (gt - a @ (p @ gt)) @ (p @ pt)
        ga = ga + (pt @ p) @ (gt - (gt @ p) @ a)
        return ga.astype(a.dtype, copy=False), None
