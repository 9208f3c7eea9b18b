"""Categorical(probs | logits): P(x = k) = p_k over k = 0 … K-1 (the last dim of the parameter)."""
import numpy as np

import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.utils import lazy_property, logits_to_probs, probs_to_logits
from fastgrad.tensor import Size

__all__ = ["Categorical"]


class Categorical(Distribution):
    """Index in [0, K) with probabilities ``probs`` (normalised over the last dim) or unnormalised
    log-probabilities ``logits``; exactly one of the two."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = Size(batch_shape)
        param_shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        super(Categorical, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self):
        return fastgrad.full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return fastgrad.full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape=Size()):
        """int64 indices of shape sample_shape + batch_shape, by inverse CDF on fastgrad's stream."""
        sample_shape = Size(sample_shape)
        n = int(np.prod(tuple(sample_shape), dtype=np.int64))
        probs = self.probs.detach().numpy().astype(np.float64).reshape(-1, self._num_events)
        cdf = np.cumsum(probs, axis=-1)
        cdf /= cdf[:, -1:]
        u = fastgrad.random.get_rng().random((n, probs.shape[0], 1))
        idx = np.minimum((cdf[None] <= u).sum(-1), self._num_events - 1)
        return fastgrad.from_numpy(idx.astype(np.int64).reshape(tuple(self._extended_shape(sample_shape))))

    def log_prob(self, value):
        """logits[..., value] (normalised)."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = fastgrad.broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        """-Σ_k p_k log p_k (logits clamped at the dtype's min so that p = 0 gives 0)."""
        min_real = fastgrad.finfo(self.logits.dtype).min
        logits = fastgrad.clamp(self.logits, min=min_real)
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand=True):
        values = fastgrad.arange(self._num_events, dtype=fastgrad.long)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
