"""StudentT(df, loc, scale): density Γ((ν+1)/2) / (Γ(ν/2) √(νπ) σ) (1 + y²/ν)^(-(ν+1)/2),
y = (x - loc) / scale; rsample loc + scale X / √(Z / ν), X ~ N(0, 1), Z ~ Chi2(ν)."""
import math

import fastgrad
from fastgrad.distributions import constraints
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.gamma import Chi2
from fastgrad.distributions.utils import broadcast_all, standard_normal
from fastgrad.tensor import Size

__all__ = ["StudentT"]


class StudentT(Distribution):
    """mean loc (NaN for ν <= 1), variance σ² ν / (ν - 2) (inf for 1 < ν <= 2, NaN for ν <= 1)."""
    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self):
        return self.loc.masked_fill(self.df <= 1, math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        big = self.df > 2
        safe_df = fastgrad.where(big, self.df, fastgrad.full_like(self.df, 3.0))
        m = self.scale.pow(2) * safe_df / (safe_df - 2)
        m = fastgrad.where(big, m, self.df)
        return m.masked_fill((self.df <= 2) & (self.df > 1), math.inf).masked_fill(self.df <= 1, math.nan)

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = Size(batch_shape)
        new.df = self.df.expand(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        super(StudentT, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        x = standard_normal(shape, self.df.dtype)
        z = self._chi2.rsample(sample_shape)
        y = x * fastgrad.rsqrt(z / self.df)
        return self.loc + self.scale * y

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + fastgrad.lgamma(0.5 * self.df)
             - fastgrad.lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * fastgrad.log1p(y ** 2.0 / self.df) - z

    def entropy(self):
        lbeta = fastgrad.lgamma(0.5 * self.df) + math.lgamma(0.5) - fastgrad.lgamma(0.5 * (self.df + 1))
        return (self.scale.log()
                + 0.5 * (self.df + 1) * (fastgrad.digamma(0.5 * (self.df + 1)) - fastgrad.digamma(0.5 * self.df))
                + 0.5 * self.df.log() + lbeta)
