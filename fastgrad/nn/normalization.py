"""LayerNorm (on the layer-norm kernel), RMSNorm (composed from functional ops) and GroupNorm (on the
batch-norm kernel)."""
from fastgrad import dtypes
from fastgrad.creation import ones, zeros
from fastgrad.functional.normalization import group_norm
from fastgrad.functional.channel_ops import cross_map_lrn2d, local_response_norm
from fastgrad.nn import functional as NF
from fastgrad.nn.module import Module
from fastgrad.nn.parameter import Parameter

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm"]


def _affine_parameters(module, shape, affine, bias, dtype):
    """weight (ones) and bias (zeros) of ``shape``, or None-registered ones, as torch's norm layers."""
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    module.register_parameter("weight", Parameter(ones(shape, dtype=dt)) if affine else None)
    module.register_parameter("bias", Parameter(zeros(shape, dtype=dt)) if affine and bias else None)


def _reset_affine(module):
    if module.weight is not None:
        module.weight._data.fill(1)
    if module.bias is not None:
        module.bias._data.fill(0)


class LayerNorm(Module):
    """y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the trailing ``normalized_shape``."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input):
        return NF.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class RMSNorm(Module):
    """y = x / sqrt(E[x^2] + eps) * weight over the trailing ``normalized_shape``; eps None means
    finfo(input.dtype).eps at call time, as torch."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine: bool = True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        self.register_parameter("weight", Parameter(ones(self.normalized_shape, dtype=dt))
                                if elementwise_affine else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight._data.fill(1)

    def forward(self, input):
        return NF.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, statistics over each group of
    num_channels // num_groups channels (and all other dims) of each sample; weight/bias per channel."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_parameters(self, (num_channels,), affine, bias, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """y_c = x_c / (k + alpha / size * sum of x^2 over the ``size`` neighbouring channels)^beta
    (F.local_response_norm)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(LocalResponseNorm):
    """torch's legacy cross-map LRN on (N, C, H, W): the same forward values as torch.nn.CrossMapLRN2d
    (its running-sum window included); the gradient is that forward's exact derivative."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1):
        super().__init__(size, alpha, beta, k)

    def forward(self, input):
        return cross_map_lrn2d(input, self.size, self.alpha, self.beta, self.k)
