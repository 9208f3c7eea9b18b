"""Poisson(rate): P(k) = rate^k exp(-rate) / k! on k = 0, 1, …"""
from numbers import Number

import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.exp_family import ExponentialFamily
from fastgrad.distributions.utils import broadcast_all
from fastgrad.tensor import Size

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """mean = variance = rate; log_prob k log rate - rate - lgamma(k + 1) (0 log 0 = 0)."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Poisson, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with fastgrad.no_grad():
            return fastgrad.poisson(self.rate.expand(shape).contiguous())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        safe = fastgrad.where(value == 0, fastgrad.ones_like(rate), rate)
        xlogy = fastgrad.where(value == 0, fastgrad.zeros_like(rate), value * safe.log())
        return xlogy - rate - (value + 1).lgamma()

    @property
    def _natural_params(self):
        return (fastgrad.log(self.rate),)

    def _log_normalizer(self, x):
        return fastgrad.exp(x)
