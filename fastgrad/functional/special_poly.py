"""torch.special's orthogonal polynomials at the Tensor level: ``name(input, n)`` with a Tensor or a
Python number on either side (not both), torch's promotion (integers to the default float dtype),
broadcasting, and no gradient (torch's results do not require grad either)."""
import numpy as np

from fastgrad.functional.special_more import _pair
from fastgrad.lowp import BF16
from fastgrad.ops import special_poly as P
from fastgrad.tensor import Tensor

__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
           "laguerre_polynomial_l", "legendre_polynomial_p"]

_LIMIT = {np.dtype(np.float32): 128, np.dtype(np.float64): 512}   # torch's Hermite degree limits


def _apply(op, input, n, fn):
    x, k = _pair(input, n, f"special_{op}")
    if x._data.dtype == BF16:
        return _apply(op, x.float(), k.float(), fn).to(BF16)
    xd, kd = x.detach().numpy(), k.detach().numpy()
    with np.errstate(all="ignore"):
        out = np.asarray(fn(xd, kd, _LIMIT.get(xd.dtype, 1024))).astype(xd.dtype)
    return Tensor._make(np.asarray(out, order="C"))


def _chebyshev(kind, shifted):
    prefix = "shifted_" if shifted else ""
    name = f"{prefix}chebyshev_polynomial_{kind}"

    def f(input, n) -> Tensor:
        return _apply(name, input, n, lambda x, k, _: P.chebyshev(kind, x, k, shifted))
    f.__name__ = f.__qualname__ = name
    what = "2x - 1" if shifted else "x"
    f.__doc__ = f"""y = {kind.upper()}_n({what}), the Chebyshev polynomial of the {dict(t='first', u='second',
        v='third', w='fourth')[kind]} kind (0 for n < 0; no gradient)."""
    return f


chebyshev_polynomial_t = _chebyshev("t", False)
chebyshev_polynomial_u = _chebyshev("u", False)
chebyshev_polynomial_v = _chebyshev("v", False)
chebyshev_polynomial_w = _chebyshev("w", False)
shifted_chebyshev_polynomial_t = _chebyshev("t", True)
shifted_chebyshev_polynomial_u = _chebyshev("u", True)
shifted_chebyshev_polynomial_v = _chebyshev("v", True)
shifted_chebyshev_polynomial_w = _chebyshev("w", True)


def hermite_polynomial_h(input, n) -> Tensor:
    """y = H_n(x), the physicists' Hermite polynomial (NaN above degree 128 in float32, 512 in float64)."""
    return _apply("hermite_polynomial_h", input, n, P.hermite_h)


def hermite_polynomial_he(input, n) -> Tensor:
    """y = He_n(x), the probabilists' Hermite polynomial (NaN above degree 128 in float32, 512 in float64)."""
    return _apply("hermite_polynomial_he", input, n, P.hermite_he)


def laguerre_polynomial_l(input, n) -> Tensor:
    """y = L_n(x), the Laguerre polynomial (0 for n < 0; no gradient)."""
    return _apply("laguerre_polynomial_l", input, n, lambda x, k, _: P.laguerre_l(x, k))


def legendre_polynomial_p(input, n) -> Tensor:
    """y = P_n(x), the Legendre polynomial (0 for n < 0; no gradient)."""
    return _apply("legendre_polynomial_p", input, n, lambda x, k, _: P.legendre_p(x, k))
