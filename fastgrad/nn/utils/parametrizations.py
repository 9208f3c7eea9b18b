"""Ready-made parametrizations (torch.nn.utils.parametrizations): weight_norm, orthogonal.

    weight_norm:  w = g * v / ||v||   (original0 = g, original1 = v, torch's keys)
    orthogonal:   w = an orthogonal matrix (see _orthogonal.py; original, and 0.base with trivialization)
"""
from fastgrad.nn.module import Module
from fastgrad.nn.utils import parametrize
from fastgrad.nn.utils._orthogonal import _Orthogonal, orthogonal_maps
from fastgrad.nn.utils.weight_norm import _weight_norm, norm_except_dim
from fastgrad.tensor import Tensor

__all__ = ["weight_norm", "orthogonal"]


class _WeightNorm(Module):
    """(g, v) -> v * g / ||v|| (norm over every dim but ``dim``; all dims when dim is None)."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name: str = "weight", dim=0):
    """Parametrise ``module.<name>`` as g * v / ||v||: ``parametrizations.<name>.original0`` is g,
    ``original1`` is v (torch's state_dict keys)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def orthogonal(module, name: str = "weight", orthogonal_map=None, *, use_trivialization: bool = True):
    """Keep ``module.<name>`` (a matrix or a batch of matrices) orthogonal: Q^T Q = I (tall) or
    Q Q^T = I (wide).  ``orthogonal_map``: "matrix_exp" (default for square), "householder" (default
    otherwise); "cayley" raises NotImplementedError (no linear solve yet)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.dim() < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.dim()} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in orthogonal_maps:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    if orthogonal_map == "cayley":
        raise NotImplementedError("orthogonal: orthogonal_map='cayley' needs linalg.solve, which fastgrad does "
                                  "not have yet; use 'matrix_exp' or 'householder'")
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
