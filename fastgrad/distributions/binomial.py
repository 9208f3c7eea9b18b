"""Binomial(total_count, probs | logits): P(k) = C(n, k) p^k (1 - p)^(n - k), k = 0 … n."""
import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits
from fastgrad.tensor import Size

__all__ = ["Binomial"]


class Binomial(Distribution):
    """mean n p, variance n p (1 - p); ``total_count`` broadcasts with the probabilities."""
    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(Binomial, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        n = self.total_count.detach().numpy()
        p = self.probs.detach().numpy()
        draws = fastgrad.random.get_rng().binomial(n.astype("int64"), p, size=shape)
        return fastgrad.tensor(draws, dtype=self._param.dtype)

    def log_prob(self, value):
        """k logits - lgamma(k + 1) - lgamma(n - k + 1) - (n log(1 + e^logits) - lgamma(n + 1))."""
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = fastgrad.lgamma(self.total_count + 1)
        log_factorial_k = fastgrad.lgamma(value + 1)
        log_factorial_nmk = fastgrad.lgamma(self.total_count - value + 1)
        clamped = (self.logits.clamp(min=0) + self.logits - self.logits.clamp(max=0)) / 2  # torch's _clamp_by_zero
        normalize_term = (self.total_count * clamped
                          + self.total_count * fastgrad.log1p(fastgrad.exp(-fastgrad.abs(self.logits)))
                          - log_factorial_n)
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(fastgrad.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = fastgrad.arange(1 + total_count, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
