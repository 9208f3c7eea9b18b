"""Dropout (inverted dropout while training, identity in eval mode), channel dropout (Dropout1d/2d/3d)
and alpha dropout."""
from fastgrad import functional as F
from fastgrad.functional import dropout_more as D
from fastgrad.nn.module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class Dropout(Module):
    """Zero each element with probability p and scale the survivors by 1/(1-p) (training only)."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _ChannelDropout(Dropout):
    """Zero whole channels (every element of a (sample, channel) slice) with probability p."""

    _fn = None

    def forward(self, input):
        return type(self)._fn(input, self.p, self.training)


class Dropout1d(_ChannelDropout):
    """Channel dropout for (N, C, L) or (C, L) input."""
    _fn = staticmethod(D.dropout1d)


class Dropout2d(_ChannelDropout):
    """Channel dropout for (N, C, H, W) input."""
    _fn = staticmethod(D.dropout2d)


class Dropout3d(_ChannelDropout):
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W) input."""
    _fn = staticmethod(D.dropout3d)


class AlphaDropout(_ChannelDropout):
    """Dropout that keeps SELU's self-normalising mean and variance."""
    _fn = staticmethod(D.alpha_dropout)


class FeatureAlphaDropout(_ChannelDropout):
    """Alpha dropout of whole channels."""
    _fn = staticmethod(D.feature_alpha_dropout)
