"""Dirichlet(concentration): density Γ(Σa) / ΠΓ(a_i) Π x_i^(a_i - 1) on the simplex, reparameterised
through normalised Gamma(a_i, 1) draws (each with the implicit gamma gradient)."""
import fastgrad
import fastgrad.nn.functional as F
from fastgrad.distributions import constraints
from fastgrad.distributions.exp_family import ExponentialFamily
from fastgrad.distributions.gamma import standard_gamma
from fastgrad.distributions.utils import xlogy
from fastgrad.tensor import Size

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """Event shape (K,) = the last dim of ``concentration``; mean a / Σa."""
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()):
        """g / Σg with g_i ~ Gamma(a_i, 1)."""
        shape = tuple(self._extended_shape(sample_shape))
        g = standard_gamma(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        finfo = fastgrad.finfo(x.dtype)
        return x.clamp(min=finfo.tiny, max=1 - finfo.eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration - 1.0, value).sum(-1) + fastgrad.lgamma(self.concentration.sum(-1))
                - fastgrad.lgamma(self.concentration).sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        mask = (self.concentration < 1).all(-1, keepdim=True)
        corner = F.one_hot(concentrationm1.argmax(-1), concentrationm1.shape[-1]).to(mode.dtype)
        return fastgrad.where(mask, corner, mode)

    @property
    def variance(self):
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (fastgrad.lgamma(self.concentration).sum(-1) - fastgrad.lgamma(a0) - (k - a0) * fastgrad.digamma(a0)
                - ((self.concentration - 1.0) * fastgrad.digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - fastgrad.lgamma(x.sum(-1))
