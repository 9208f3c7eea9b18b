"""fastgrad.special: torch.special's names.  Most are aliases of fastgrad functions (expit = sigmoid,
gammaln = lgamma, psi = digamma, multigammaln = mvlgamma, gammainc / gammaincc = igamma / igammac,
...); the rest live in fastgrad/functional/special_more.py and special_poly.py (the orthogonal
polynomials) and special_bessel.py: every public function of torch.special is here
(tests/ops/test_special_namespace.py checks it)."""
from fastgrad.functional.activation import sigmoid as expit
from fastgrad.functional.elementwise import log1p
from fastgrad.functional.numeric_more import xlogy
from fastgrad.functional.pointwise import digamma, erf, erfc, erfinv, exp2, expm1, logit, round, sinc
from fastgrad.functional.pointwise import lgamma as gammaln
from fastgrad.functional.reduce import log_softmax, logsumexp, softmax
from fastgrad.functional.special import i0, mvlgamma as multigammaln, polygamma
from fastgrad.functional.special import igamma as gammainc, igammac as gammaincc
from fastgrad.functional.special_bessel import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1,
                                               modified_bessel_i0, modified_bessel_i1, modified_bessel_k0,
                                               modified_bessel_k1, scaled_modified_bessel_k0, scaled_modified_bessel_k1,
                                               spherical_bessel_j0)
from fastgrad.functional.special_more import entr, erfcx, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py, zeta
from fastgrad.functional.special_poly import (chebyshev_polynomial_t, chebyshev_polynomial_u,
                                             chebyshev_polynomial_v, chebyshev_polynomial_w, hermite_polynomial_h,
                                             hermite_polynomial_he, laguerre_polynomial_l, legendre_polynomial_p,
                                             shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
                                             shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w)
from fastgrad.tensor import Tensor

psi = digamma

__all__ = ["Tensor", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc",
           "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
           "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py",
           "xlogy", "zeta", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
           "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p", "modified_bessel_i0",
           "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1"]
