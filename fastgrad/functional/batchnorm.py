"""Batch normalisation at the Tensor level (torch's F.batch_norm): checks, the running-statistics
update, then ``ops.norm.BatchNorm``.

    y = (x - mean) / sqrt(var + eps) * weight + bias, statistics per channel (dim 1)
    training: running = (1 - momentum) running + momentum batch (running_var gets the unbiased var)
"""
import numpy as np

from fastgrad.functional._promote import float_input
from fastgrad.ops.batchnorm import BatchNorm, BNArgs
from fastgrad.tensor import Tensor

__all__ = ["batch_norm"]

_apply = BatchNorm.apply


def _check_len(t, name, c):
    if t is not None and t.numel() != c:
        raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {t.numel()}")


def batch_norm(input: Tensor, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of input (N, C, *) by the batch statistics (training) or by
    running_mean/running_var (eval); in training, running statistics that are given are updated in
    place with ``momentum`` (unbiased variance, as torch)."""
    x = float_input(input, "batch_norm")
    shape = tuple(x.shape)
    if len(shape) < 2:
        c = 0
    else:
        c = shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_len(t, name, c)
    if len(shape) < 2:
        raise RuntimeError(f"batch_norm: expected input with at least 2 dimensions, but got {list(shape)}")
    per_channel = x.numel() // c if c else 0
    if training and per_channel == 1:
        raise ValueError(f"batch_norm: Expected more than 1 value per channel when training, got input size "
                         f"{list(shape)}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"batch_norm: {'running_mean' if running_mean is None else 'running_var'} must be "
                           f"defined in evaluation mode")
    for t in (weight, bias):
        if t is not None and (not isinstance(t, Tensor) or t._data.dtype != x._data.dtype):
            raise RuntimeError(f"batch_norm: expected weight and bias of the input's dtype {x._data.dtype}")
    if training:
        a = BNArgs(True, None, None, float(eps))
    else:
        a = BNArgs(False, running_mean._data.astype(np.float64).ravel(), running_var._data.astype(np.float64).ravel(),
                   float(eps))
    y = _apply(x, weight, bias, a)
    if training and running_mean is not None and momentum is not None:
        m = float(momentum)
        rm, rv = running_mean._data, running_var._data
        rm[...] = (m * a.mean + (1 - m) * rm.astype(np.float64)).reshape(rm.shape)
        unbiased = a.var * per_channel / (per_channel - 1) if per_channel > 1 else a.var
        rv[...] = (m * unbiased + (1 - m) * rv.astype(np.float64)).reshape(rv.shape)
    return y
