"""Dropout: inverted dropout while training, identity in eval mode."""
from fastgrad import functional as F
from fastgrad.nn.module import Module

__all__ = ["Dropout"]


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
