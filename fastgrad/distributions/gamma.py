"""Gamma(concentration, rate): density rate^a x^(a-1) exp(-rate x) / Γ(a) on x > 0, reparameterised
by implicit differentiation of the standard gamma's CDF (Figurnov et al. 2018), as torch.  Chi2(df)
is Gamma(df / 2, 1 / 2)."""
from numbers import Number

import numpy as np

import fastgrad
from fastgrad.autograd import Function
from fastgrad.distributions import constraints
from fastgrad.distributions.exp_family import ExponentialFamily
from fastgrad.distributions.utils import broadcast_all, xlogy
from fastgrad.tensor import Size, Tensor

__all__ = ["Gamma", "Chi2", "standard_gamma"]

_CHUNK = 4096
_LARGE = 2000.0  # above this concentration, the Wilson–Hilferty cube-root normal approximation


def _standard_gamma_grad(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """dx/da for x ~ Gamma(a, 1) held at a fixed CDF value: -(∂P(a, x)/∂a) / p(x; a), with
    P(a, x) = Σ_n x^(a+n) e^-x / Γ(a+n+1), so that dx/da = -Σ_n r_n (log x - ψ(a+n+1)),
    r_n = Π_{k=0..n} x / (a + k)."""
    x = np.maximum(np.asarray(x, np.float64), np.finfo(np.float64).tiny)
    a = np.asarray(a, np.float64)
    out = np.empty_like(x)
    big = a >= _LARGE
    if big.any():  # x = a (1 - 1/(9a) + z / (3√a))³ with z fixed
        ab, xb = a[big], x[big]
        c = np.cbrt(xb / ab)
        z = (c - 1 + 1 / (9 * ab)) * 3 * np.sqrt(ab)
        out[big] = c ** 3 + 3 * ab * c ** 2 * (1 / (9 * ab ** 2) - z / (6 * ab ** 1.5))
    small = np.flatnonzero(~big)
    if small.size:
        psi = fastgrad.digamma(fastgrad.from_numpy(a[~big] + 1)).numpy()
        xs, as_ = x[~big], a[~big]
        res = np.empty_like(xs)
        for s in range(0, xs.size, _CHUNK):
            xc, ac, pc = xs[s:s + _CHUNK], as_[s:s + _CHUNK], psi[s:s + _CHUNK]
            n_terms = int(np.ceil(max(0.0, float((xc - ac).max())) + 12 * np.sqrt(xc.max()) + 40))
            k = np.arange(n_terms, dtype=np.float64)
            ak = ac[:, None] + k[None, :]
            log_r = np.cumsum(np.log(xc)[:, None] - np.log(ak), axis=1)
            psi_n = pc[:, None] + np.concatenate([np.zeros((xc.size, 1)), np.cumsum(1.0 / ak[:, 1:], axis=1)], 1)
            res[s:s + _CHUNK] = -(np.exp(log_r) * (np.log(xc)[:, None] - psi_n)).sum(1)
        out[~big] = res
    return out


class _StandardGamma(Function):
    """x ~ Gamma(alpha, 1) from fastgrad's stream; backward dy · dx/dalpha (implicit reparameterisation)."""

    @staticmethod
    def forward(ctx, alpha):
        a = alpha.detach().numpy()
        draws = fastgrad.random.get_rng().standard_gamma(a.astype(np.float64))
        draws = np.maximum(draws, np.finfo(a.dtype).tiny).astype(a.dtype)
        x = fastgrad.from_numpy(draws)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, dy):
        alpha, x = ctx.saved_tensors
        a = alpha.detach().numpy()
        grad = _standard_gamma_grad(x.detach().numpy(), a).astype(a.dtype)
        return dy * fastgrad.from_numpy(grad)


def standard_gamma(alpha: Tensor) -> Tensor:
    """Gamma(alpha, 1) draws shaped like alpha, differentiable in alpha."""
    return _StandardGamma.apply(alpha.contiguous())


class Gamma(ExponentialFamily):
    """mean a / rate, variance a / rate², entropy a - log rate + lgamma(a) + (1 - a) ψ(a)."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, Number) and isinstance(rate, Number):
            batch_shape = Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Gamma, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()):
        """standard_gamma(a) / rate."""
        shape = tuple(self._extended_shape(sample_shape))
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value.clamp(min=fastgrad.finfo(value.dtype).tiny)

    def log_prob(self, value):
        value = fastgrad.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value)
                - self.rate * value - fastgrad.lgamma(self.concentration))

    def cdf(self, value):
        """P(a, rate x), the regularised lower incomplete gamma function."""
        if self._validate_args:
            self._validate_sample(value)
        from fastgrad.distributions._gammainc import gammainc
        a, x = fastgrad.broadcast_tensors(self.concentration, self.rate * value)
        return gammainc(a.contiguous(), x.contiguous())

    def entropy(self):
        return (self.concentration - fastgrad.log(self.rate) + fastgrad.lgamma(self.concentration)
                + (1.0 - self.concentration) * fastgrad.digamma(self.concentration))

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return fastgrad.lgamma(x + 1) + (x + 1) * fastgrad.log(-y.reciprocal())


class Chi2(Gamma):
    """Chi-squared with ``df`` degrees of freedom: Gamma(df / 2, 1 / 2)."""
    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        if isinstance(df, Number):
            df = fastgrad.tensor(float(df))
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        return self.concentration * 2
