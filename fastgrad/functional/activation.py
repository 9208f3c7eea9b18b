"""Activations at the Tensor level: relu, leaky_relu, hardswish, hardsigmoid, sigmoid, tanh, gelu,
softplus.  The common case (a tensor of a kernel float dtype) is tested first and goes straight to
``apply1``."""
import numpy as np

from fastgrad.functional._promote import KERNEL_DTYPES, float_input
from fastgrad.ops.activation import GELU, Hardsigmoid, Hardswish, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from fastgrad.tensor import Tensor

__all__ = ["relu", "leaky_relu", "hardswish", "hardsigmoid", "sigmoid", "tanh", "gelu", "softplus"]

_relu, _sigmoid, _tanh = ReLU.apply1, Sigmoid.apply1, Tanh.apply1  # bound once: the hot calls


def relu(input, inplace=False):
    """y = max(input, 0)."""
    if isinstance(input, Tensor) and input._data.dtype in KERNEL_DTYPES:
        return _relu(input)
    return _relu(float_input(input, "relu"))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """y = input > 0 ? input : negative_slope * input."""
    if not np.isfinite(negative_slope):
        raise ValueError(f"leaky_relu: negative_slope must be finite, got {negative_slope}")
    return LeakyReLU.apply(float_input(input, "leaky_relu"), float(negative_slope))


def hardswish(input, inplace=False):
    """y = input * relu6(input + 3) / 6."""
    return Hardswish.apply1(float_input(input, "hardswish"))


def hardsigmoid(input, inplace=False):
    """y = relu6(input + 3) / 6."""
    return Hardsigmoid.apply1(float_input(input, "hardsigmoid"))


def sigmoid(input):
    """y = 1 / (1 + exp(-input))."""
    if isinstance(input, Tensor) and input._data.dtype in KERNEL_DTYPES:
        return _sigmoid(input)
    return _sigmoid(float_input(input, "sigmoid"))


def tanh(input):
    """y = tanh(input)."""
    if isinstance(input, Tensor) and input._data.dtype in KERNEL_DTYPES:
        return _tanh(input)
    return _tanh(float_input(input, "tanh"))


def gelu(input, approximate="none"):
    """y = input * Phi(input) (approximate='tanh': the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(float_input(input, "gelu"), 1 if approximate == "tanh" else 0)


def softplus(input, beta=1.0, threshold=20.0):
    """y = log(1 + exp(beta * input)) / beta, linear above threshold."""
    if not np.isfinite(beta) or beta == 0:
        raise ValueError(f"softplus: beta must be finite and non-zero, got beta={beta}")
    if np.isnan(threshold):
        raise ValueError(f"softplus: threshold must not be NaN, got {threshold}")
    return Softplus.apply(float_input(input, "softplus"), float(beta), float(threshold))
