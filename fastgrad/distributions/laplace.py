"""Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale), reparameterised."""
from numbers import Number

import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.utils import broadcast_all, standard_uniform
from fastgrad.tensor import Size

__all__ = ["Laplace"]


class Laplace(Distribution):
    """mean loc, variance 2 scale², entropy 1 + log(2 scale)."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return (2 ** 0.5) * self.scale

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = Size() if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Laplace, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        super(Laplace, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()):
        """loc - scale sign(u) log(1 - |u|), u ~ U(-1, 1)."""
        shape = self._extended_shape(sample_shape)
        finfo = fastgrad.finfo(self.loc.dtype)
        u = (standard_uniform(shape, self.loc.dtype) * 2 - 1).clamp(min=finfo.eps - 1, max=1)
        return self.loc - self.scale * u.sign() * fastgrad.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -fastgrad.log(2 * self.scale) - fastgrad.abs(value - self.loc) / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * fastgrad.expm1(-(value - self.loc).abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * fastgrad.log1p(-2 * term.abs())

    def entropy(self):
        return 1 + fastgrad.log(2 * self.scale)


