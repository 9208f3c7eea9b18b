"""InverseGamma(concentration, rate): 1 / X with X ~ Gamma(concentration, rate); density
rate^a x^(-a-1) exp(-rate / x) / Γ(a) on x > 0, reparameterised through the gamma draw."""
import math

import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.gamma import Gamma
from fastgrad.distributions.transformed_distribution import TransformedDistribution
from fastgrad.distributions.transforms import PowerTransform

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """mean rate / (a - 1) (inf for a <= 1), mode rate / (a + 1), variance inf for a <= 2."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -fastgrad.ones((), dtype=base_dist.rate.dtype)
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(InverseGamma, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def concentration(self):
        return self.base_dist.concentration

    @property
    def rate(self):
        return self.base_dist.rate

    @property
    def mean(self):
        result = self.rate / (self.concentration - 1)
        return fastgrad.where(self.concentration > 1, result, fastgrad.full_like(result, math.inf))

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        result = self.rate.square() / ((self.concentration - 1).square() * (self.concentration - 2))
        return fastgrad.where(self.concentration > 2, result, fastgrad.full_like(result, math.inf))

    def entropy(self):
        return (self.concentration + self.rate.log() + self.concentration.lgamma()
                - (1 + self.concentration) * self.concentration.digamma())
