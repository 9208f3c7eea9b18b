"""Activations (csrc/activation.c): forward and backward kernels side by side.

relu, sigmoid and tanh on one element (shapes () and (1,)) call the kernels' by-value entry
points (``fg_<name>_fwd1``/``bwd1``: a Python float in and out, no buffers; bitwise the array
kernel's results) and make the result an array with ``one_element.array``."""
import numpy as np

from fastgrad._ffi import CTYPES, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops import one_element
from fastgrad.ops.common import contiguous
from fastgrad.ops.linear_gelu import gelu_backward

__all__ = ["ReLU", "LeakyReLU", "Hardswish", "Hardsigmoid", "Sigmoid", "Tanh", "GELU", "Softplus"]

_ONE_ELEMENT = one_element.SHAPES
_array1 = one_element.array


def _run(table, x, *settings):
    """y = act(x) through the kernel table ``table`` (x C-contiguous; y fresh)."""
    dt = x.dtype
    ct = CTYPES[dt]
    y = np.empty(x.shape, dt)
    table[dt](x.size, from_buffer(ct, x), from_buffer(ct, y), *settings)
    return y


def _grad(table, saved, dy, *settings):
    """dx from the saved input or output and dy through the kernel table ``table``."""
    if not dy.flags.c_contiguous:
        dy = contiguous(dy)
    dt = saved.dtype
    ct = CTYPES[dt]
    dx = np.empty(saved.shape, dt)
    table[dt](saved.size, from_buffer(ct, saved), from_buffer(ct, dy), from_buffer(ct, dx), *settings)
    return dx


def _act_forward(ctx, tables, x, save_output):
    """y = act(x) in one C call; saves x (or y) with its C pointer, which backward reuses
    (None for one element: backward calls the by-value kernel too)."""
    dt = x.dtype
    if x.shape in _ONE_ELEMENT:
        y = _array1(tables[2][dt](x.item()), x.shape, dt)
        if y is not None:
            ctx.saved = (y, None) if save_output else (x, None)
            return y
    if not x.flags.c_contiguous:
        x = contiguous(x)
    ct = CTYPES[dt]
    y = np.empty(x.shape, dt)
    px, py = from_buffer(ct, x), from_buffer(ct, y)
    tables[0][dt](x.size, px, py)
    ctx.saved = (y, py) if save_output else (x, px)
    return y


def _act_backward(tables, saved, dy):
    """dx from the array and pointer ``_act_forward`` saved and dy, in one C call."""
    src, psrc = saved
    dt = src.dtype
    if psrc is None:
        if dy.shape == src.shape:  # one element
            dx = _array1(tables[3][dt](src.item(), dy.item()), src.shape, dt)
            if dx is not None:
                return dx
        psrc = from_buffer(CTYPES[dt], src)
    if not dy.flags.c_contiguous:
        dy = contiguous(dy)
    ct = CTYPES[dt]
    dx = np.empty(src.shape, dt)
    tables[1][dt](src.size, psrc, from_buffer(ct, dy), from_buffer(ct, dx))
    return dx


def _tables(name):
    """(forward, backward, one-element forward, one-element backward) kernel tables."""
    return kernels(name + "_fwd"), kernels(name + "_bwd"), kernels(name + "_fwd1"), kernels(name + "_bwd1")


_RELU, _SIGMOID, _TANH = _tables("relu"), _tables("sigmoid"), _tables("tanh")


@register("relu")
class ReLU(Function):
    """y = max(x, 0). Subgradient at 0 is 0, as in PyTorch."""

    @staticmethod
    def forward(ctx, x):
        return _act_forward(ctx, _RELU, x, False)

    @staticmethod
    def backward(ctx, dy):
        return _act_backward(_RELU, ctx.saved, dy)


class FromInput(Function):
    """An activation whose derivative reads its saved input: y = KERNELS[0](x, *settings),
    dx = KERNELS[1](x, dy, *settings).  A subclass names its two kernel tables and documents its
    maths; the settings (slope, approximate, beta and threshold) get no gradient."""

    KERNELS = None

    @classmethod
    def forward(cls, ctx, x, *settings):
        x = contiguous(x)
        ctx.save_for_backward(x)
        ctx.settings = settings
        return _run(cls.KERNELS[0], x, *settings)

    @classmethod
    def backward(cls, ctx, dy):
        settings = ctx.settings
        dx = _grad(cls.KERNELS[1], ctx.saved[0], dy, *settings)
        return (dx,) + (None,) * len(settings) if settings else dx


@register("leaky_relu")
class LeakyReLU(FromInput):
    """y = x > 0 ? x : slope x.  dx = dy or slope dy."""

    KERNELS = kernels("leaky_relu_fwd"), kernels("leaky_relu_bwd")


@register("hardswish")
class Hardswish(FromInput):
    """y = x relu6(x + 3) / 6.  dx = dy (x/3 + 1/2) on (-3, 3), 0 below, dy above (torch: 0 at -3,
    dy at 3)."""

    KERNELS = kernels("hardswish_fwd"), kernels("hardswish_bwd")


@register("hardsigmoid")
class Hardsigmoid(FromInput):
    """y = relu6(x + 3) / 6.  dx = dy / 6 on (-3, 3), else 0 (1/6 rounded to float32, as torch)."""

    KERNELS = kernels("hardsigmoid_fwd"), kernels("hardsigmoid_bwd")


@register("sigmoid")
class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)); backward from the saved output: dx = dy y (1 - y)."""

    @staticmethod
    def forward(ctx, x):
        return _act_forward(ctx, _SIGMOID, x, True)

    @staticmethod
    def backward(ctx, dy):
        return _act_backward(_SIGMOID, ctx.saved, dy)


@register("tanh")
class Tanh(Function):
    """y = tanh(x); backward from the saved output: dx = dy (1 - y^2)."""

    @staticmethod
    def forward(ctx, x):
        return _act_forward(ctx, _TANH, x, True)

    @staticmethod
    def backward(ctx, dy):
        return _act_backward(_TANH, ctx.saved, dy)


@register("gelu")
class GELU(FromInput):
    """y = x Phi(x) (approximate=1: the tanh form).  Backward: ops/linear_gelu.py (after a Linear,
    the bias gradient comes out of the same pass)."""

    KERNELS = kernels("gelu_fwd"), kernels("gelu_bwd")
    backward = staticmethod(gelu_backward)


@register("softplus")
class Softplus(FromInput):
    """y = log(1 + exp(beta x)) / beta, y = x where beta x > threshold."""

    KERNELS = kernels("softplus_fwd"), kernels("softplus_bwd")
