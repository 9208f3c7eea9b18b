"""BatchNorm1d, BatchNorm2d and BatchNorm3d (torch's arguments, buffers, state_dict keys, repr and update rule)."""
from fastgrad import dtypes
from fastgrad import functional as F
from fastgrad.creation import ones, tensor, zeros
from fastgrad.nn.module import Module, _weight_bias
from fastgrad.nn.parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel: batch statistics in training
    (running_mean/running_var updated with momentum, or the cumulative average when momentum is
    None), the running ones in eval (batch ones when track_running_stats=False)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight._data[...] = 1
            if self.bias is not None:
                self.bias._data[...] = 0

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        b = self._buffers
        if self.training and self.track_running_stats and b["num_batches_tracked"] is not None:
            b["num_batches_tracked"]._data[...] += 1
            if self.momentum is None:
                factor = 1.0 / float(b["num_batches_tracked"]._data)
        bn_training = True if self.training else (b["running_mean"] is None and b["running_var"] is None)
        use = not self.training or self.track_running_stats
        weight, bias = _weight_bias(self)
        return F.batch_norm(input, b["running_mean"] if use else None, b["running_var"] if use else None,
                            weight, bias, bn_training, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs."""

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs."""

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"BatchNorm2d: expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) inputs: statistics per channel over N, D, H and W."""

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"BatchNorm3d: expected 5D input (got {input.dim()}D input)")
