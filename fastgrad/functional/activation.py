"""Activations at the Tensor level: relu, leaky_relu, hardswish, hardsigmoid, sigmoid, tanh, gelu,
softplus (and relu_, leaky_relu_).  The common case (a tensor of a kernel float dtype) is tested
first and goes straight to ``apply1``.  ``inplace=True`` follows torch through ``in_place``."""
import numpy as np

from fastgrad import dtypes
from fastgrad.autograd.grad_mode import GRAD
from fastgrad.autograd.version import bump
from fastgrad.functional._promote import KERNEL_DTYPES, float_input
from fastgrad.functional.inplace import check_writable
from fastgrad.ops.activation import GELU, Hardsigmoid, Hardswish, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from fastgrad.tensor import Tensor

__all__ = ["relu", "leaky_relu", "hardswish", "hardsigmoid", "sigmoid", "tanh", "gelu", "softplus", "relu_",
           "leaky_relu_", "in_place"]

_relu, _sigmoid, _tanh = ReLU.apply1, Sigmoid.apply1, Tanh.apply1  # bound once: the hot calls


def in_place(fn, input, *args):
    """input = fn(input, *args), in place, with torch's rules: a leaf that requires grad raises
    (while grad is recorded); a non-leaf that requires grad takes the result's array and node (as
    functional.inplace does); otherwise the result is written into input's memory and its version
    bumped.  Returns input."""
    if GRAD.enabled and isinstance(input, Tensor) and input.requires_grad:
        if input.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        out = fn(input, *args)
        input._data, input.grad_fn = out._data, out.grad_fn
        return input
    out = fn(input, *args)
    a = input._data
    if not (a.flags.c_contiguous and a.flags.writeable):
        check_writable(input, fn.__name__ + "_")
    a[...] = out._data
    bump(a, input.grad_fn)
    return input


def relu(input, inplace=False):
    """y = max(input, 0)."""
    if inplace:
        return in_place(relu, input)
    if isinstance(input, Tensor) and input._data.dtype in KERNEL_DTYPES:
        return _relu(input)
    return _relu(float_input(input, "relu"))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """y = input > 0 ? input : negative_slope * input."""
    if not np.isfinite(negative_slope):
        raise ValueError(f"leaky_relu: negative_slope must be finite, got {negative_slope}")
    if inplace:
        return in_place(leaky_relu, input, negative_slope)
    return LeakyReLU.apply(float_input(input, "leaky_relu"), float(negative_slope))


def hardswish(input, inplace=False):
    """y = input * relu6(input + 3) / 6."""
    if inplace:
        return in_place(hardswish, input)
    return Hardswish.apply1(float_input(input, "hardswish"))


def hardsigmoid(input, inplace=False):
    """y = relu6(input + 3) / 6."""
    if inplace:
        return in_place(hardsigmoid, input)
    return Hardsigmoid.apply1(float_input(input, "hardsigmoid"))


def _int_to_float(input):
    """An integer or bool tensor as the default float dtype (torch.sigmoid/tanh of integers give floats)."""
    if isinstance(input, Tensor) and input._data.dtype.kind in "biu":
        return Tensor._make(input._data.astype(dtypes.get_default_dtype()))
    return input


def sigmoid(input):
    """y = 1 / (1 + exp(-input))."""
    if isinstance(input, Tensor) and input._data.dtype in KERNEL_DTYPES:
        return _sigmoid(input)
    return _sigmoid(float_input(_int_to_float(input), "sigmoid"))


def tanh(input):
    """y = tanh(input)."""
    if isinstance(input, Tensor) and input._data.dtype in KERNEL_DTYPES:
        return _tanh(input)
    return _tanh(float_input(_int_to_float(input), "tanh"))


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


def relu_(input):
    """relu in place."""
    return in_place(relu, input)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place."""
    return leaky_relu(input, negative_slope, True)
