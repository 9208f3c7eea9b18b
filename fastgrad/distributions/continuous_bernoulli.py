"""ContinuousBernoulli(probs | logits): density C(λ) λ^x (1 - λ)^(1 - x) on [0, 1] (Loaiza-Ganem &
Cunningham 2019), with C's Taylor expansion near λ = 1/2 (the ``lims`` band) as torch; rsample by
inverting the CDF."""
import math
from numbers import Number

import fastgrad
import fastgrad.nn.functional as F
from fastgrad.distributions import constraints
from fastgrad.distributions.exp_family import ExponentialFamily
from fastgrad.distributions.utils import (broadcast_all, clamp_probs, lazy_property, logits_to_probs,
                                          probs_to_logits, standard_uniform)
from fastgrad.tensor import Size

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ExponentialFamily):
    """log_prob x logit(λ) + log(1 - λ) + log C(λ); mean λ/(2λ - 1) + 1/(log(1 - λ) - log λ)."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (self.probs,) = broadcast_all(probs)
            if validate_args is not None:
                if not self.arg_constraints["probs"].check(self.probs).all():
                    raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(self.probs)
        else:
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        batch_shape = Size() if is_scalar else self._param.size()
        self._lims = lims
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = Size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(ContinuousBernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        return fastgrad.where(self._outside_unstable_region(), self.probs,
                              self._lims[0] * fastgrad.ones_like(self.probs))

    def _cont_bern_log_norm(self):
        """log C(λ), by its Taylor series in (λ - 1/2)² inside the lims band."""
        cut_probs = self._cut_probs()
        below = fastgrad.where(cut_probs <= 0.5, cut_probs, fastgrad.zeros_like(cut_probs))
        above = fastgrad.where(cut_probs >= 0.5, cut_probs, fastgrad.ones_like(cut_probs))
        log_norm = (fastgrad.log(fastgrad.abs(fastgrad.log1p(-cut_probs) - fastgrad.log(cut_probs)))
                    - fastgrad.where(cut_probs <= 0.5, fastgrad.log1p(-2.0 * below), fastgrad.log(2.0 * above - 1.0)))
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return fastgrad.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        cut_probs = self._cut_probs()
        mus = cut_probs / (2.0 * cut_probs - 1.0) + 1.0 / (fastgrad.log1p(-cut_probs) - fastgrad.log(cut_probs))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return fastgrad.where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self):
        return self.variance.sqrt()

    @property
    def variance(self):
        cut_probs = self._cut_probs()
        variances = (cut_probs * (cut_probs - 1.0) / (1.0 - 2.0 * cut_probs).pow(2)
                     + 1.0 / (fastgrad.log1p(-cut_probs) - fastgrad.log(cut_probs)).pow(2))
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return fastgrad.where(self._outside_unstable_region(), variances, taylor)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def rsample(self, sample_shape=Size()):
        """icdf(u), u ~ U[0, 1)."""
        return self.icdf(standard_uniform(self._extended_shape(sample_shape), self.probs.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        cut_probs = self._cut_probs()
        cdfs = (cut_probs.pow(value) * (1.0 - cut_probs).pow(1.0 - value) + cut_probs - 1.0) / (2.0 * cut_probs - 1.0)
        unbounded = fastgrad.where(self._outside_unstable_region(), cdfs, value)
        return fastgrad.where(value <= 0.0, fastgrad.zeros_like(value),
                              fastgrad.where(value >= 1.0, fastgrad.ones_like(value), unbounded))

    def icdf(self, value):
        cut_probs = self._cut_probs()
        inside = ((fastgrad.log1p(-cut_probs + value * (2.0 * cut_probs - 1.0)) - fastgrad.log1p(-cut_probs))
                  / (fastgrad.log(cut_probs) - fastgrad.log1p(-cut_probs)))
        return fastgrad.where(self._outside_unstable_region(), inside, value)

    def entropy(self):
        log_probs0 = fastgrad.log1p(-self.probs)
        log_probs1 = fastgrad.log(self.probs)
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """log C as a function of the natural parameter (Taylor series inside the lims band)."""
        out_unst_reg = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut_nat_params = fastgrad.where(out_unst_reg, x, (self._lims[0] - 0.5) * fastgrad.ones_like(x))
        log_norm = (fastgrad.log(fastgrad.abs(fastgrad.expm1(cut_nat_params)))
                    - fastgrad.log(fastgrad.abs(cut_nat_params)))
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return fastgrad.where(out_unst_reg, log_norm, taylor)
