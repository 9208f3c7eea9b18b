"""The matrix exponential on arrays: scaling and squaring with the degree-13 Padé approximant
(Higham 2005, the method of torch's and scipy's expm), batched, in the input's dtype.

Backward is torch's rule for an analytic function of a matrix: the gradient is the upper-right
block of exp([[A^T, G], [0, A^T]])."""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["MatrixExp", "expm"]

_B13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
        10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm(a: np.ndarray) -> np.ndarray:
    """exp(A) of each matrix of a stack, in a's dtype."""
    if a.dtype not in (np.float32, np.float64):  # float16/bfloat16: the op reruns in float32 (fastgrad/lowp.py)
        raise TypeError(f"matrix_exp: expected float32 or float64, got {a.dtype}")
    n = a.shape[-1]
    if a.size == 0:
        return np.zeros(a.shape, a.dtype)
    x = a
    norm1 = np.abs(x).sum(-2).max(-1)  # the 1-norm of each matrix
    with np.errstate(all="ignore"):
        s = np.maximum(0, np.ceil(np.log2(np.where(np.isfinite(norm1), norm1, 0) / _THETA13))).astype(np.int64)
    x = x / np.exp2(s).astype(a.dtype)[..., None, None]
    b = _B13
    eye = np.eye(n, dtype=a.dtype)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    with np.errstate(all="ignore"):
        try:
            r = np.linalg.solve(v - u, v + u)
        except np.linalg.LinAlgError:  # only for non-finite input
            r = np.full(x.shape, np.nan, a.dtype)
        for i in range(int(s.max()) if s.size else 0):
            r = np.where((i < s)[..., None, None], r @ r, r)
    return r.astype(a.dtype, copy=False)


@register("linalg_matrix_exp")
class MatrixExp(Function):
    """Y = exp(A);  gA = [exp([[A^T, G], [0, A^T]])]_{12}."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return expm(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        n = a.shape[-1]
        if a.size == 0:
            return np.zeros_like(a)
        at = np.swapaxes(a, -1, -2)
        big = np.zeros(a.shape[:-2] + (2 * n, 2 * n), a.dtype)
        big[..., :n, :n] = at
        big[..., n:, n:] = at
        big[..., :n, n:] = g
        return expm(big)[..., :n, n:].copy()
