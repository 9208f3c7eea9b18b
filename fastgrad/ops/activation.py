"""Activations (csrc/activation.c): forward and backward kernels side by side.

relu, sigmoid and tanh on one element (shapes () and (1,)) call the kernels' by-value entry
points (``fg_<name>_fwd1``/``bwd1``: a Python float in and out, no buffers; bitwise the array
kernel's results) and make the result an array with ``one_element.array``."""
import numpy as np

from fastgrad._ffi import CTYPES, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops import one_element
from fastgrad.ops.common import contiguous

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
_LEAKY_RELU = kernels("leaky_relu_fwd"), kernels("leaky_relu_bwd")
_HARDSWISH = kernels("hardswish_fwd"), kernels("hardswish_bwd")
_HARDSIGMOID = kernels("hardsigmoid_fwd"), kernels("hardsigmoid_bwd")
_GELU = kernels("gelu_fwd"), kernels("gelu_bwd")
_SOFTPLUS = kernels("softplus_fwd"), kernels("softplus_bwd")


@register("relu")
class ReLU(Function):
    """y = max(x, 0). Subgradient at 0 is 0, as in PyTorch."""

    @staticmethod
    def forward(ctx, x):
        return _act_forward(ctx, _RELU, x, False)

    @staticmethod
    def backward(ctx, dy):
        return _act_backward(_RELU, ctx.saved, dy)


@register("leaky_relu")
class LeakyReLU(Function):
    """y = x > 0 ? x : slope x."""

    @staticmethod
    def forward(ctx, x, slope):
        x = contiguous(x)
        ctx.save_for_backward(x)
        ctx.slope = slope
        return _run(_LEAKY_RELU[0], x, slope)

    @staticmethod
    def backward(ctx, dy):
        return _grad(_LEAKY_RELU[1], ctx.saved[0], dy, ctx.slope), None


@register("hardswish")
class Hardswish(Function):
    """y = x relu6(x + 3) / 6.  dx = dy (x/3 + 1/2) on (-3, 3), 0 below, dy above (torch: 0 at -3,
    dy at 3)."""

    @staticmethod
    def forward(ctx, x):
        x = contiguous(x)
        ctx.save_for_backward(x)
        return _run(_HARDSWISH[0], x)

    @staticmethod
    def backward(ctx, dy):
        return _grad(_HARDSWISH[1], ctx.saved[0], dy)


@register("hardsigmoid")
class Hardsigmoid(Function):
    """y = relu6(x + 3) / 6.  dx = dy / 6 on (-3, 3), else 0 (1/6 rounded to float32, as torch)."""

    @staticmethod
    def forward(ctx, x):
        x = contiguous(x)
        ctx.save_for_backward(x)
        return _run(_HARDSIGMOID[0], x)

    @staticmethod
    def backward(ctx, dy):
        return _grad(_HARDSIGMOID[1], ctx.saved[0], dy)


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
class GELU(Function):
    """y = x Phi(x) (approximate=1: the tanh form)."""

    @staticmethod
    def forward(ctx, x, approximate):
        x = contiguous(x)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        return _run(_GELU[0], x, approximate)

    @staticmethod
    def backward(ctx, dy):
        return _grad(_GELU[1], ctx.saved[0], dy, ctx.approximate), None


@register("softplus")
class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta, y = x where beta x > threshold."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        x = contiguous(x)
        ctx.save_for_backward(x)
        ctx.settings = (beta, threshold)
        return _run(_SOFTPLUS[0], x, beta, threshold)

    @staticmethod
    def backward(ctx, dy):
        return _grad(_SOFTPLUS[1], ctx.saved[0], dy, *ctx.settings), None, None
