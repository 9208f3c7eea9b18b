"""Exponential(rate): density rate exp(-rate x) on x >= 0, reparameterised."""
from numbers import Number

import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.exp_family import ExponentialFamily
from fastgrad.distributions.utils import broadcast_all
from fastgrad.tensor import Size

__all__ = ["Exponential"]


class Exponential(ExponentialFamily):
    """mean 1/rate, variance 1/rate², entropy 1 - log rate."""
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return fastgrad.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Exponential, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Exponential, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()):
        """E / rate with E ~ Exp(1)."""
        shape = self._extended_shape(sample_shape)
        e = fastgrad.random.get_rng().standard_exponential(tuple(shape))
        return fastgrad.tensor(e, dtype=self.rate.dtype) / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - fastgrad.exp(-self.rate * value)

    def icdf(self, value):
        return -fastgrad.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - fastgrad.log(self.rate)

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -fastgrad.log(-x)
