"""More activations at the Tensor level: hardtanh, relu6, silu, mish, elu, selu, celu, softsign,
logsigmoid (C kernels, csrc/activation_more.c), and glu, prelu, rrelu, softmin, threshold,
tanhshrink, softshrink, hardshrink, gumbel_softmax (composed from other ops), with torch's
``inplace=`` flags and ``*_`` forms (``functional.activation.in_place``)."""
import warnings

import numpy as np

from fastgrad.lowp import via_float32
from fastgrad.functional._promote import float_input
from fastgrad.functional.activation import in_place, leaky_relu, relu_, sigmoid, tanh
from fastgrad.functional.elementwise import add, clamp, div, mul, neg, sub, where
from fastgrad.functional.reduce import softmax
from fastgrad.functional.shape import chunk, reshape
from fastgrad.ops.activation_more import ELU, Hardtanh, LogSigmoid, Mish, SiLU, Softsign
from fastgrad.ops.common import wrap_dim
from fastgrad.random import get_rng, sample_like
from fastgrad.tensor import Tensor

__all__ = ["hardtanh", "hardtanh_", "relu6", "silu", "mish", "elu", "elu_", "selu", "selu_", "celu", "celu_",
           "softsign", "logsigmoid", "glu", "prelu", "rrelu", "rrelu_", "softmin", "threshold", "threshold_",
           "tanhshrink", "softshrink", "hardshrink", "gumbel_softmax"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_make = Tensor._make


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """y = clamp(input, min_val, max_val); gradient 0 at and beyond the ends."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return in_place(hardtanh, input, min_val, max_val)
    return Hardtanh.apply1(float_input(input, "hardtanh"), float(min_val), float(max_val))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """y = min(max(input, 0), 6) (torch's hardtanh(0, 6): gradient 0 at 0 and 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def silu(input, inplace=False):
    """y = input * sigmoid(input)."""
    if inplace:
        return in_place(silu, input)
    return SiLU.apply1(float_input(input, "silu"))


def mish(input, inplace=False):
    """y = input * tanh(softplus(input))."""
    if inplace:
        return in_place(mish, input)
    return Mish.apply1(float_input(input, "mish"))


def elu(input, alpha=1.0, inplace=False):
    """y = input > 0 ? input : alpha * (exp(input) - 1)."""
    if inplace:
        return in_place(elu, input, alpha)
    return ELU.apply1(float_input(input, "elu"), float(alpha), 1.0, 1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """y = scale * (input > 0 ? input : alpha * (exp(input) - 1)), torch's alpha and scale."""
    if inplace:
        return in_place(selu, input)
    return ELU.apply1(float_input(input, "selu"), _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """y = input > 0 ? input : alpha * (exp(input / alpha) - 1)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return in_place(celu, input, alpha)
    return ELU.apply1(float_input(input, "celu"), float(alpha), 1.0, 1.0 / float(alpha))


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def softsign(input):
    """y = input / (1 + |input|)."""
    return Softsign.apply1(float_input(input, "softsign"))


def logsigmoid(input):
    """y = log(sigmoid(input)) = -softplus(-input)."""
    return LogSigmoid.apply1(float_input(input, "logsigmoid"))


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    x = float_input(input, "glu")
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    a, b = chunk(x, 2, d)
    return mul(a, sigmoid(b))


def prelu(input, weight):
    """y = input > 0 ? input : weight * input, weight per channel (dim 1) or one value."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(prelu, input, weight)
    x = float_input(input, "prelu")
    w = float_input(weight, "prelu")
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.numel() not in (1, channels):
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{w.numel()} and channel size = {channels}.")
    w = reshape(w, (() if w.numel() == 1 else (channels,) + (1,) * (x.ndim - 2)))
    return where(_make(x._data > 0), x, mul(w, x))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky relu: slope drawn from U(lower, upper) per element when training,
    (lower + upper) / 2 otherwise."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if inplace:
        return in_place(rrelu, input, lower, upper, training)
    x = float_input(input, "rrelu")
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    a = x._data
    noise = np.where(a <= 0, sample_like(a, "uniform", lower, upper), np.ones((), a.dtype)).astype(a.dtype)
    return mul(x, _make(noise))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """y = softmax(-input) along dim."""
    return softmax(neg(float_input(input, "softmin")), dim, dtype)


def threshold(input, threshold, value, inplace=False):
    """y = input > threshold ? input : value (NaN stays NaN); gradient 0 where replaced."""
    if inplace:
        return in_place(_threshold, input, threshold, value)
    return _threshold(input, threshold, value)


def _threshold(input, threshold, value):
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(_threshold, input, threshold, value)
    x = float_input(input, "threshold")
    return where(_make(x._data <= threshold), value, x)


def threshold_(input, threshold, value):
    return in_place(_threshold, input, threshold, value)


def tanhshrink(input):
    """y = input - tanh(input)."""
    x = float_input(input, "tanhshrink")
    return sub(x, tanh(x))


def softshrink(input, lambd=0.5):
    """y = input - clamp(input, -lambd, lambd): input -/+ lambd outside [-lambd, lambd], 0 inside."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(softshrink, input, lambd)
    x = float_input(input, "softshrink")
    if not 0 <= lambd <= np.finfo(x._data.dtype).max:
        name = "Float" if x._data.dtype == np.float32 else "Double"
        raise RuntimeError(f"lambda must be in range [0, {np.finfo(x._data.dtype).max:g}] for input dtype "
                           f"{name}, but found {lambd:g}")
    return sub(x, clamp(x, -lambd, lambd))


def hardshrink(input, lambd=0.5):
    """y = |input| <= lambd ? 0 : input."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(hardshrink, input, lambd)
    x = float_input(input, "hardshrink")
    return where(_make(np.abs(x._data) <= lambd), 0.0, x)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) along dim, g ~ Gumbel(0, 1); hard=True: the one-hot of its
    argmax in the forward pass, the soft sample's gradient (straight-through)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    x = float_input(logits, "gumbel_softmax")
    a = x._data
    g = -np.log(get_rng().standard_exponential(a.shape)).astype(a.dtype)
    y = softmax(div(add(x, _make(g)), tau), dim)
    if not hard:
        return y
    d = wrap_dim(dim, a.ndim, "gumbel_softmax") if a.ndim else 0
    soft = y._data
    one_hot = np.zeros_like(soft)
    if soft.size:
        idx = np.expand_dims(np.argmax(soft, axis=d), d) if soft.ndim else None
        if idx is None:
            one_hot[...] = 1
        else:
            np.put_along_axis(one_hot, idx, 1, axis=d)
    return add(sub(_make(one_hot), y.detach()), y)


TENSOR_METHODS = {"relu_": relu_, "prelu": prelu, "hardshrink": hardshrink}
