"""torch.special's second set of Bessel functions at the Tensor level (torch's special_* kernels,
which have no gradients): bessel_j0 / j1 / y0 / y1, modified_bessel_i0 / i1 / k0 / k1,
scaled_modified_bessel_k0 / k1, spherical_bessel_j0 and airy_ai.  One float argument (integers and
bool give the default float dtype); the results never require grad, as torch's."""
import numpy as np

from fastgrad.functional.special import _as_float
from fastgrad.lowp import BF16
from fastgrad.ops import special_bessel as B
from fastgrad.ops import special_bessel_jy as JY
from fastgrad.tensor import Tensor

__all__ = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "airy_ai", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "spherical_bessel_j0"]


def _apply(fn, op, input):
    x = _as_float(input, op)
    if x._data.dtype == BF16:
        return _apply(fn, op, x.float()).to(BF16)
    xd = x.detach().numpy()
    with np.errstate(all="ignore"):
        out = np.asarray(fn(xd.astype(np.float64))).astype(xd.dtype)
    return Tensor._make(np.asarray(out, order="C"))


def _i0(x):
    return np.exp(np.abs(x)) * B.i0e(x)


def _j0(x):
    """sin(x) / x (0 at +-inf; its Taylor polynomial below 0.5, as torch)."""
    x2 = x * x
    small = 1 + x2 * (-1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (1 / 362880 + x2 * (-1 / 39916800
                                                                                       + x2 / 6227020800)))))
    return np.where(np.isinf(x), 0.0, np.where(np.abs(x) < 0.5, small, np.sin(x) / np.where(x == 0, 1.0, x)))


def modified_bessel_i0(input: Tensor) -> Tensor:
    """y = I0(x), the modified Bessel function of the first kind of order 0 (no gradient)."""
    return _apply(_i0, "special_modified_bessel_i0", input)


def modified_bessel_i1(input: Tensor) -> Tensor:
    """y = I1(x), the modified Bessel function of the first kind of order 1 (no gradient)."""
    return _apply(B.i1, "special_modified_bessel_i1", input)


def modified_bessel_k0(input: Tensor) -> Tensor:
    """y = K0(x), the modified Bessel function of the second kind of order 0 (inf at 0, NaN below)."""
    return _apply(B.k0, "special_modified_bessel_k0", input)


def modified_bessel_k1(input: Tensor) -> Tensor:
    """y = K1(x), the modified Bessel function of the second kind of order 1 (inf at 0, NaN below)."""
    return _apply(B.k1, "special_modified_bessel_k1", input)


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:
    """y = exp(x) K0(x) (no gradient)."""
    return _apply(B.k0e, "special_scaled_modified_bessel_k0", input)


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:
    """y = exp(x) K1(x) (no gradient)."""
    return _apply(B.k1e, "special_scaled_modified_bessel_k1", input)


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """y = j0(x) = sin(x) / x, the spherical Bessel function of the first kind of order 0 (no gradient)."""
    return _apply(_j0, "special_spherical_bessel_j0", input)


def bessel_j0(input: Tensor) -> Tensor:
    """y = J0(x), the Bessel function of the first kind of order 0 (no gradient)."""
    return _apply(JY.bessel_j0, "special_bessel_j0", input)


def bessel_j1(input: Tensor) -> Tensor:
    """y = J1(x), the Bessel function of the first kind of order 1 (no gradient)."""
    return _apply(JY.bessel_j1, "special_bessel_j1", input)


def bessel_y0(input: Tensor) -> Tensor:
    """y = Y0(x), the Bessel function of the second kind of order 0 (-inf at 0, NaN below; no gradient)."""
    return _apply(JY.bessel_y0, "special_bessel_y0", input)


def bessel_y1(input: Tensor) -> Tensor:
    """y = Y1(x), the Bessel function of the second kind of order 1 (-inf at 0, NaN below; no gradient)."""
    return _apply(JY.bessel_y1, "special_bessel_y1", input)


def airy_ai(input: Tensor) -> Tensor:
    """y = Ai(x), the Airy function of the first kind (NaN at +-inf, as torch; no gradient)."""
    return _apply(JY.airy_ai, "special_airy_ai", input)
