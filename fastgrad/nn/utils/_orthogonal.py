"""The orthogonal parametrization (torch.nn.utils.parametrizations.orthogonal), real matrices.

    matrix_exp:   Q = exp(A)[:, :k],  A = L - L^T,  L = tril(X) padded to n x n
    householder:  Q = H_1 ... H_k I[:, :k],  H_i = I - tau_i v_i v_i^T,  v_i = e_i + tril(X, -1)[:, i],
                  tau_i = 2 / (1 + ||tril(X, -1)[:, i]||^2),  columns signed by diag(X)
With the dynamic trivialization (default) Q is ``base @ Q``: ``base`` (a buffer) starts as the
orthogonalised weight and the original as -I, so the initial weight is the weight made orthogonal.
The matrix exponential is a degree-18 Taylor polynomial after scaling by 2^-s (||A/2^s||_1 <= 1/2)
and s squarings, built from matmuls so that autograd differentiates it; ``cayley`` needs a linear
solve, which fastgrad does not have yet, and raises NotImplementedError.
"""
import math

import numpy as np

from fastgrad.autograd.grad_mode import no_grad
from fastgrad.creation import eye, zeros_like
from fastgrad.creation_random import randn
from fastgrad.functional.shape import cat
from fastgrad.nn.module import Module
from fastgrad.tensor import Tensor

__all__ = ["_Orthogonal", "orthogonal_maps"]

orthogonal_maps = ("matrix_exp", "cayley", "householder")
_TAYLOR_DEGREE = 18


def _matrix_exp(a: Tensor) -> Tensor:
    """exp(a) for a batch of square matrices: Taylor polynomial of a / 2^s (Horner), squared s times."""
    n = a.shape[-1]
    norm = float(np.abs(a._data).sum(axis=-2).max()) if a._data.size else 0.0
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    b = a / float(2 ** s) if s else a
    ident = eye(n, dtype=a.dtype)
    t = ident + b / float(_TAYLOR_DEGREE)
    for j in range(_TAYLOR_DEGREE - 1, 0, -1):
        t = ident + (b @ t) / float(j)
    for _ in range(s):
        t = t @ t
    return t


def _householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """H_1 ... H_k applied to the first k columns of I (torch.linalg.householder_product's result)."""
    n, k = a.shape[-2], a.shape[-1]
    v = a + eye(n, k, dtype=a.dtype)
    q = eye(n, k, dtype=a.dtype)
    for i in range(k - 1, -1, -1):
        vi = v[..., :, i:i + 1]
        q = q - (vi * tau[..., i:i + 1].unsqueeze(-1)) @ (vi.mT @ q)
    return q


def _qr_q(m: np.ndarray) -> np.ndarray:
    """Q of m = QR with diag(R) >= 0 (batched), torch's _make_orthogonal."""
    q, r = np.linalg.qr(m)
    sign = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    return q * sign[..., None, :]


def _is_orthogonal(q: np.ndarray) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    eps = 10.0 * n * np.finfo(q.dtype).eps
    return bool(np.allclose(np.swapaxes(q, -1, -2) @ q, np.eye(k, dtype=q.dtype), rtol=1e-5, atol=eps))


def _geqrf(m: np.ndarray):
    """LAPACK geqrf of a batch of tall matrices: (reflectors and R packed, tau)."""
    flat = m.reshape((-1,) + m.shape[-2:])
    hs, taus = [], []
    for x in flat:
        h, tau = np.linalg.qr(x, mode="raw")
        hs.append(h.T)
        taus.append(tau)
    tau = np.stack(taus).reshape(m.shape[:-2] + (m.shape[-1],))
    return np.stack(hs).reshape(m.shape).astype(m.dtype), tau.astype(m.dtype)


class _Orthogonal(Module):
    """X -> an orthogonal matrix (see the module docstring)."""

    def __init__(self, weight, orthogonal_map: str, *, use_trivialization: bool = True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            if self.orthogonal_map == "cayley":
                raise NotImplementedError("orthogonal: orthogonal_map='cayley' needs linalg.solve, which fastgrad "
                                          "does not have yet; use 'matrix_exp' or 'householder'")
            x = x.tril()
            if n != k:
                x = cat([x, zeros_like(x[..., :, :1]).expand(*x.shape[:-1], n - k)], -1)
            q = _matrix_exp(x - x.mT)
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(-2))
            q = _householder_product(a, tau)
            signs = Tensor._make(np.trunc(x.detach()._data.diagonal(axis1=-2, axis2=-1)).astype(q._data.dtype))
            q = q * signs.unsqueeze(-2)
        if "base" in self._buffers:
            q = self.base @ q
        return q.mT if transposed else q

    def right_inverse(self, q: Tensor) -> Tensor:
        if q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {q.shape}.")
        with no_grad():
            q_init = q
            arr = q.detach()._data
            n, k = arr.shape[-2], arr.shape[-1]
            transpose = n < k
            if transpose:
                arr = np.swapaxes(arr, -1, -2)
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in ("cayley", "matrix_exp"):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential "
                                              "or the Cayley parametrizations when use_trivialization=False.")
                a, tau = _geqrf(arr)
                d = np.sign(np.diagonal(a, axis1=-2, axis2=-1)).copy()
                d[tau == 0.0] *= -1
                idx = np.arange(k)
                a[..., idx, idx] = d
                return Tensor._make(np.ascontiguousarray(np.swapaxes(a, -1, -2) if transpose else a))
            if n == k:
                base = arr.copy() if _is_orthogonal(arr) else _qr_q(arr)
            else:
                fill = randn(*(arr.shape[:-2] + (n, n - k)), dtype=q.dtype).detach()._data
                base = _qr_q(np.concatenate([arr, fill], -1))
            self.base = Tensor._make(np.ascontiguousarray(base.astype(arr.dtype)))
            neg_id = zeros_like(q_init).detach()
            neg_id._data[..., np.arange(min(n, k)), np.arange(min(n, k))] = -1.0
            return neg_id
