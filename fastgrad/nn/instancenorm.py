"""InstanceNorm1d/2d/3d (torch's arguments, buffers, state_dict keys, repr, unbatched inputs)."""
import warnings

from fastgrad.functional.normalization import instance_norm
from fastgrad.nn.batchnorm import _BatchNorm
from fastgrad.nn.module import _weight_bias

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias with statistics per sample and channel
    (running statistics, when tracked, are used in eval mode)."""

    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _normalise(self, input):
        b = self._buffers
        weight, bias = _weight_bias(self)
        return instance_norm(input, b["running_mean"], b["running_var"], weight, bias,
                             self.training or not self.track_running_stats,
                             0.0 if self.momentum is None else self.momentum, self.eps)

    def forward(self, input):
        name, n = type(self).__name__, self._spatial
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"{name}: expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")
        feature_dim = input.dim() - (n + 1)
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          f"warning by not passing in num_features, which is not used because affine=False",
                          UserWarning, stacklevel=2)
        if input.dim() == n + 1:
            return self._normalise(input.unsqueeze(0)).squeeze(0)
        return self._normalise(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or unbatched (C, L) inputs."""
    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or unbatched (C, H, W) inputs."""
    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""
    _spatial = 3
