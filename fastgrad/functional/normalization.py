"""Layer, group and instance normalisation (torch's F.layer_norm, F.group_norm, F.instance_norm).
layer_norm runs the fused kernel of csrc/layernorm.c; group and instance norm run on the batch-norm
kernel as torch does: the statistics of a group (or of one channel of one sample) are those of one
"channel" of a reshaped (1, N·G, rest) batch.

    layer_norm:    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the trailing normalized_shape
    group_norm:    y = (x - E_g[x]) / sqrt(Var_g[x] + eps) * weight_c + bias_c   (biased Var)
    instance_norm: the same with one group per channel and sample, optional running statistics
    rms_norm:      y = x / sqrt(E[x^2] + eps) * weight over the trailing normalized_shape (composed ops)
"""
import numpy as np

from fastgrad.functional import elementwise as E
from fastgrad.functional import reduce as R
from fastgrad.functional._promote import float_input, to_dtype
from fastgrad.functional.batchnorm import batch_norm
from fastgrad.functional.shape import reshape
from fastgrad.ops.layernorm import LayerNorm
from fastgrad.lowp import F32, LOWP
from fastgrad.tensor import Tensor
from fastgrad.typeinfo import finfo

__all__ = ["layer_norm", "group_norm", "instance_norm", "rms_norm"]


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) dims of input (biased variance), then scale and shift
    elementwise by weight and bias (of shape normalized_shape)."""
    x = float_input(input, "layer_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(d) for d in normalized_shape)
    k = len(shape)
    if k == 0 or x.dim() < k or tuple(x.shape[x.dim() - k:]) != shape:
        raise RuntimeError(f"layer_norm: Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{x.shape}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None:
            if tuple(t.shape) != shape:
                raise RuntimeError(f"layer_norm: Expected {name} to be of same shape as normalized_shape, but got "
                                   f"{name} of shape {list(t.shape)} and normalized_shape = {list(shape)}")
            if t._data.dtype != x._data.dtype:
                raise RuntimeError(f"layer_norm: expected {name} of the input's dtype {x._data.dtype}, got "
                                   f"{t._data.dtype}")
    return LayerNorm.apply(x, weight, bias, int(np.prod(shape)), float(eps))


def _affine(y, weight, bias, c, op):
    """y * weight + bias with the (C,) parameters broadcast along dim 1."""
    shape = (1, c) + (1,) * (y.dim() - 2)
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{op}: Expected {name} to be a vector of size equal to the number of channels in "
                               f"input, but got {name} of shape {list(t.shape)} and input of shape {list(y.shape)}")
    if weight is not None:
        y = E.mul(y, reshape(weight, shape))
    if bias is not None:
        y = E.add(y, reshape(bias, shape))
    return y


def _normalise_rows(x, rows, rest, eps):
    """Each of ``rows`` groups of x (as (1, rows, rest)) normalised by its own mean and biased variance."""
    flat = reshape(x, (1, rows, rest))
    if flat.shape[2] > 1:
        y = batch_norm(flat, None, None, None, None, True, 0.0, eps)
    else:  # one value per group: x - mean is 0 (the batch-norm kernel refuses a single value)
        mu = R.mean(flat, 2, True)
        xc = E.sub(flat, mu)
        y = E.mul(xc, E.rsqrt(E.add(R.mean(E.mul(xc, xc), 2, True), eps)))
    return reshape(y, tuple(x.shape))


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise input (N, C, *) over each group of C // num_groups channels (and every other dim)."""
    x = float_input(input, "group_norm")
    if x.dim() < 2:
        raise RuntimeError(f"group_norm: Expected at least 2 dimensions for input tensor but received {x.dim()}")
    n, c = x.shape[0], x.shape[1]
    if not isinstance(num_groups, int) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by num_groups, but "
                           f"got input of shape {list(x.shape)} and num_groups={num_groups}")
    rest = c // num_groups * int(np.prod(x.shape[2:]))
    return _affine(_normalise_rows(x, n * num_groups, rest, eps), weight, bias, c, "group_norm")


def _check_spatial(x, op):
    size = int(np.prod(x.shape[2:]))
    if size == 1:
        raise ValueError(f"{op}: Expected more than 1 spatial element when training, got input size {list(x.shape)}")


def instance_norm(input: Tensor, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample of input (N, C, *) by its own statistics (or, with
    use_input_stats=False, by running_mean/running_var); given running statistics are updated in
    place with the mean over the batch of the per-sample ones (torch's rule)."""
    x = float_input(input, "instance_norm")
    if x.dim() < 3:
        raise ValueError(f"instance_norm: expected an input of at least 3 dimensions (N, C, *), got "
                         f"{list(x.shape)}")
    if use_input_stats:
        _check_spatial(x, "instance_norm")
    n, c = x.shape[0], x.shape[1]
    if running_mean is None and running_var is None:
        if not use_input_stats:
            raise RuntimeError("instance_norm: running_mean must be defined in evaluation mode")
        return _affine(_normalise_rows(x, n * c, int(np.prod(x.shape[2:])), eps), weight, bias, c, "instance_norm")
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var")):
        if t is None or t.numel() != c:
            raise RuntimeError(f"instance_norm: {name} should contain {c} elements not "
                               f"{0 if t is None else t.numel()}")
    rm = Tensor._make(np.tile(running_mean._data.ravel(), n))
    rv = Tensor._make(np.tile(running_var._data.ravel(), n))
    flat = reshape(x, (1, n * c, int(np.prod(x.shape[2:]))))
    y = reshape(batch_norm(flat, rm, rv, None, None, use_input_stats, momentum, eps), tuple(x.shape))
    if use_input_stats:
        running_mean._data[...] = rm._data.reshape(n, c).mean(0).reshape(running_mean._data.shape)
        running_var._data[...] = rv._data.reshape(n, c).mean(0).reshape(running_var._data.shape)
    return _affine(y, weight, bias, c, "instance_norm")


def rms_norm(input: Tensor, normalized_shape, weight=None, eps=None) -> Tensor:
    """y = x / sqrt(mean(x^2 over the last len(normalized_shape) dims) + eps) * weight; eps None is
    finfo(input.dtype).eps, as torch (float16/bfloat16 run in float32 with float32's eps, as torch)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rms_norm: expected a Tensor, got {type(input).__name__}")
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"rms_norm" not implemented for {input.dtype}')
    x = float_input(input, "rms_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(d) for d in normalized_shape)
    k = len(shape)
    if k == 0:
        raise RuntimeError("rms_norm: Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                           "least one element, but got normalized_shape = []")
    if x.dim() < k or tuple(x.shape[x.dim() - k:]) != shape:
        raise RuntimeError(f"rms_norm: Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size{x.shape}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"rms_norm: Expected weight to be of same shape as normalized_shape, but got weight "
                           f"of shape {list(weight.shape)} and normalized_shape = {list(shape)}")
    d = x._data.dtype
    if d in LOWP:  # float16/bfloat16: computed in float32 and rounded once, as torch (eps of float32 too)
        x = to_dtype(x, F32)
        weight = None if weight is None else to_dtype(weight, F32)
    eps = finfo(x._data.dtype).eps if eps is None else float(eps)
    dims = tuple(range(x.dim() - k, x.dim()))
    y = E.mul(x, E.rsqrt(E.add(R.mean(E.mul(x, x), dims, True), eps)))
    y = y if weight is None else E.mul(y, weight)
    return to_dtype(y, d) if d in LOWP else y
