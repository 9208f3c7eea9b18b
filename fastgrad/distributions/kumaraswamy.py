"""Kumaraswamy(a, b): density a b x^(a-1) (1 - x^a)^(b-1) on (0, 1); (1 - U^(1/b))^(1/a),
reparameterised."""
import math

import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.transformed_distribution import TransformedDistribution
from fastgrad.distributions.transforms import AffineTransform, PowerTransform
from fastgrad.distributions.uniform import Uniform
from fastgrad.distributions.utils import broadcast_all, euler_constant

__all__ = ["Kumaraswamy"]


def _moments(a, b, n):
    """E[x^n] = b B(1 + n/a, b)."""
    arg1 = 1 + n / a
    log_value = fastgrad.lgamma(arg1) + fastgrad.lgamma(b) - fastgrad.lgamma(arg1 + b)
    return b * fastgrad.exp(log_value)


class Kumaraswamy(TransformedDistribution):
    """``concentration1`` = a, ``concentration0`` = b (torch's names)."""
    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(fastgrad.full_like(self.concentration0, 0), fastgrad.full_like(self.concentration0, 1),
                            validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration0.reciprocal()), AffineTransform(loc=1.0, scale=-1.0),
                      PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        """torch's expression, NaN where a < 1 or b < 1."""
        log_mode = (self.concentration0.reciprocal() * (-self.concentration0).log1p()
                    - (-self.concentration0 * self.concentration1).log1p())
        return log_mode.masked_fill((self.concentration0 < 1) | (self.concentration1 < 1), math.nan).exp()

    @property
    def variance(self):
        return _moments(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self):
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        H0 = fastgrad.digamma(self.concentration0 + 1) + euler_constant
        return t0 + t1 * H0 - fastgrad.log(self.concentration1) - fastgrad.log(self.concentration0)
