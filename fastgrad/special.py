"""fastgrad.special: torch.special's names.  Most are aliases of fastgrad functions (expit = sigmoid,
gammaln = lgamma, psi = digamma, multigammaln = mvlgamma, gammainc / gammaincc = igamma / igammac,
...); the rest live in fastgrad/functional/special_more.py.  torch.special's Bessel-of-the-second-kind,
Airy and orthogonal-polynomial functions are not here yet (tests/system/test_special_names.py)."""
from fastgrad.functional.activation import sigmoid as expit
from fastgrad.functional.elementwise import log1p
from fastgrad.functional.numeric_more import xlogy
from fastgrad.functional.pointwise import digamma, erf, erfc, erfinv, exp2, expm1, logit, round, sinc
from fastgrad.functional.pointwise import lgamma as gammaln
from fastgrad.functional.reduce import log_softmax, logsumexp, softmax
from fastgrad.functional.special import i0, mvlgamma as multigammaln, polygamma
from fastgrad.functional.special import igamma as gammainc, igammac as gammaincc
from fastgrad.functional.special_more import entr, erfcx, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py, zeta
from fastgrad.tensor import Tensor

psi = digamma

__all__ = ["Tensor", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc",
           "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
           "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py",
           "xlogy", "zeta"]
