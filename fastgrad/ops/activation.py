"""Activations (csrc/activation.c): forward and backward kernels side by side.

relu, sigmoid and tanh on one element (shapes () and (1,)) call the kernels' by-value entry
points (``fg_<name>_fwd1``/``bwd1``): a Python float in, a Python float out, no buffers.  They run
the array kernel on that one element, so the results are bitwise the same."""
import numpy as np

from fastgrad._ffi import CTYPES, ffi, kernel, lib
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import ONE_ELEMENT, contiguous, one_element_array

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softplus"]


_from_buffer = ffi.from_buffer
_kernel_table = {}


def _table(name):
    """{dtype: compiled fg_<name>_<f32|f64>} built once per kernel name."""
    table = _kernel_table.get(name)
    if table is None:
        table = _kernel_table[name] = {d: kernel(name, d) for d in CTYPES if d.kind == "f"}
    return table


def _run(name, x, *settings):
    """y = act(x) through the kernel ``name`` (x C-contiguous; y fresh)."""
    dt = x.dtype
    ct = CTYPES[dt]
    y = np.empty(x.shape, dt)
    _table(name)[dt](x.size, _from_buffer(ct, x), _from_buffer(ct, y), *settings)
    return y


def _grad(name, saved, dy, *settings):
    """dx from the saved input or output and dy through the kernel ``name``."""
    if not dy.flags.c_contiguous:
        dy = contiguous(dy)
    dt = saved.dtype
    ct = CTYPES[dt]
    dx = np.empty(saved.shape, dt)
    _table(name)[dt](saved.size, _from_buffer(ct, saved), _from_buffer(ct, dy), _from_buffer(ct, dx), *settings)
    return dx


def _act_forward(ctx, kernels, x, save_output):
    """y = act(x) in one C call; saves x (or y) with its C pointer, which backward reuses
    (None for one element: backward calls the by-value kernel too)."""
    dt = x.dtype
    if x.shape in ONE_ELEMENT:
        y = one_element_array(kernels[2][dt](x.item()), x.shape, dt)
        if y is not None:
            ctx.saved = (y, None) if save_output else (x, None)
            return y
    if not x.flags.c_contiguous:
        x = contiguous(x)
    ct = CTYPES[dt]
    y = np.empty(x.shape, dt)
    px, py = _from_buffer(ct, x), _from_buffer(ct, y)
    kernels[0][dt](x.size, px, py)
    ctx.saved = (y, py) if save_output else (x, px)
    return y


def _act_backward(kernels, saved, dy):
    """dx from the array and pointer ``_act_forward`` saved and dy, in one C call."""
    src, psrc = saved
    dt = src.dtype
    if psrc is None:
        if dy.shape == src.shape:  # one element
            dx = one_element_array(kernels[3][dt](src.item(), dy.item()), src.shape, dt)
            if dx is not None:
                return dx
        psrc = _from_buffer(CTYPES[dt], src)
    if not dy.flags.c_contiguous:
        dy = contiguous(dy)
    ct = CTYPES[dt]
    dx = np.empty(src.shape, dt)
    kernels[1][dt](src.size, psrc, _from_buffer(ct, dy), _from_buffer(ct, dx))
    return dx


def _kernels(name):
    """(forward, backward, one-element forward, one-element backward) tables of an activation."""
    one = [{d: getattr(lib, "fg_%s_%s1_%s" % (name, way, "f32" if d.itemsize == 4 else "f64"))
            for d in CTYPES if d.kind == "f"} for way in ("fwd", "bwd")]
    return (_table(name + "_fwd"), _table(name + "_bwd"), *one)


_RELU, _SIGMOID, _TANH = _kernels("relu"), _kernels("sigmoid"), _kernels("tanh")


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
        return _run("leaky_relu_fwd", x, slope)

    @staticmethod
    def backward(ctx, dy):
        return _grad("leaky_relu_bwd", ctx.saved[0], dy, ctx.slope), None


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
        return _run("gelu_fwd", x, approximate)

    @staticmethod
    def backward(ctx, dy):
        return _grad("gelu_bwd", ctx.saved[0], dy, ctx.approximate), None


@register("softplus")
class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta, y = x where beta x > threshold."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        x = contiguous(x)
        ctx.save_for_backward(x)
        ctx.settings = (beta, threshold)
        return _run("softplus_fwd", x, beta, threshold)

    @staticmethod
    def backward(ctx, dy):
        return _grad("softplus_bwd", ctx.saved[0], dy, *ctx.settings), None, None
