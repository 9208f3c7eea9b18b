"""Dropout variants at the Tensor level: whole-channel dropout (F.dropout1d/2d/3d) and alpha
dropout (F.alpha_dropout, F.feature_alpha_dropout, which keep SELU's mean 0 and variance 1).

    dropoutNd:     y = x * m / (1 - p),  m ~ Bernoulli(1 - p) per (sample, channel)
    alpha_dropout: y = a (x m + α' (1 - m)) + b,  α' = -1.7581, a = ((1 - p)(1 + p α'²))^-1/2, b = -a α' p
"""
import warnings

import numpy as np

from fastgrad.functional import elementwise as E
from fastgrad.random import bernoulli_mask
from fastgrad.tensor import Tensor

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # SELU's scale * alpha


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise_shape(x, feature):
    """Per element, or per (sample, channel) with the spatial dims broadcast."""
    return x.shape if not feature else tuple(x.shape[:2]) + (1,) * (x.dim() - 2)


def _feature_dropout(x, p, training):
    """x times one Bernoulli(1 - p) / (1 - p) draw per (dim 0, dim 1) entry (torch's feature_dropout)."""
    if not training or p == 0.0:
        return x
    dt = x._data.dtype
    if p == 1.0:
        return E.mul(x, dt.type(0))
    keep = bernoulli_mask(_noise_shape(x, x.dim() >= 2), 1.0 - p)
    return E.mul(x, np.where(keep, dt.type(1.0 / (1.0 - p)), dt.type(0)).astype(dt))


def _channel_dropout(input, p, training, n, name):
    """torch's dropout1d/3d: (N, C, *n dims) or unbatched (C, *n dims)."""
    _check_p(p)
    if input.dim() not in (n + 1, n + 2):
        if n == 1:
            raise RuntimeError(f"{name}: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                               f"dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                               f"dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                               f"inputs).")
        warnings.warn(f"{name}: Received a {input.dim()}-D input to {name}, which is deprecated and will result "
                      f"in an error in a future release.", UserWarning, stacklevel=3)
    if input.dim() == n + 2:
        return _feature_dropout(input, p, training)
    return _feature_dropout(input.unsqueeze(0), p, training).squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p."""
    return _channel_dropout(input, p, training, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p (a 3-D input is read as (N, C, L))."""
    _check_p(p)
    if input.dim() not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is deprecated and will "
                      f"result in an error in a future release.", UserWarning, stacklevel=2)
    if input.dim() == 3:  # torch reads it as (N, C, L) (pytorch/pytorch#77081), and warns
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim.", UserWarning, stacklevel=2)
    return _feature_dropout(input, p, training)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    return _channel_dropout(input, p, training, 3, "dropout3d")


def _alpha(input, p, training, feature):
    _check_p(p)
    if not training or p == 0.0:
        return input
    dt = input._data.dtype
    if p == 1.0:
        return E.mul(input, dt.type(0))
    keep = bernoulli_mask(_noise_shape(input, feature), 1.0 - p).astype(dt)
    a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = ((keep - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(dt)
    return E.add(E.mul(input, (keep * a).astype(dt)), b)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped values go to SELU's negative saturation, then an affine
    map restores mean 0 and variance 1."""
    return _alpha(input, p, training, False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout with one draw per (sample, channel)."""
    return _alpha(input, p, training, True)
