"""Multinomial(total_count, probs | logits): counts of ``total_count`` Categorical draws,
P(x) = n! / Π x_i! Π p_i^x_i."""
import math

import fastgrad
import fastgrad.nn.functional as F
from fastgrad.distributions import constraints
from fastgrad.distributions.binomial import Binomial
from fastgrad.distributions.categorical import Categorical
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.utils import broadcast_all
from fastgrad.tensor import Size

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Event shape (K,); mean n p, variance n p (1 - p); an int ``total_count`` (as torch)."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        super(Multinomial, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    def sample(self, sample_shape=Size()):
        """Counts of total_count Categorical draws, in probs' dtype."""
        sample_shape = Size(sample_shape)
        k = self._categorical._num_events
        if self.total_count == 0:
            return fastgrad.zeros(tuple(self._extended_shape(sample_shape)), dtype=self.probs.dtype)
        idx = self._categorical.sample(Size((self.total_count,) + tuple(sample_shape)))
        return F.one_hot(idx, k).sum(0).to(self.probs.dtype)

    def entropy(self):
        n = fastgrad.tensor(float(self.total_count), dtype=self.probs.dtype)
        cat_entropy = self._categorical.entropy()
        term1 = n * cat_entropy - fastgrad.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = fastgrad.exp(self._binomial.log_prob(support))
        weights = fastgrad.lgamma(support + 1)
        term2 = (binomial_probs * weights).sum(0).sum(-1)
        return term1 + term2

    def log_prob(self, value):
        """lgamma(Σx + 1) - Σ lgamma(x + 1) + Σ x logits (0 · -inf = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = fastgrad.lgamma(value.sum(-1) + 1)
        log_factorial_xs = fastgrad.lgamma(value + 1).sum(-1)
        logits = logits.masked_fill((value == 0) & (logits == -math.inf), 0)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
