"""2-D pooling on arrays: max (with indices), average and adaptive average, over the C kernels of
csrc/pool.c.  Inputs are (N, C, H, W) or (C, H, W) and reach C as P = N C planes of H x W."""
import numpy as np

from fastgrad._ffi import CTYPES, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "pool_geometry"]

_MAX = kernels("max_pool2d_fwd"), kernels("max_pool2d_bwd")
_AVG = kernels("avg_pool2d_fwd"), kernels("avg_pool2d_bwd")
_ADA = kernels("adaptive_avg_pool2d_fwd"), kernels("adaptive_avg_pool2d_bwd")
_I64 = CTYPES[np.dtype(np.int64)]


def pool_geometry(shape, out, kernel=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """The int64 geometry of csrc/pool.c: P H W OH OW kh kw sh sw ph pw dh dw."""
    p = 1
    for d in shape[:-2]:
        p *= d
    return np.array([p, shape[-2], shape[-1], out[0], out[1], *kernel, *stride, *padding, *dilation], np.int64)


def _ptrs(g, *arrays):
    ct = CTYPES[arrays[0].dtype]
    return (from_buffer(_I64, g),) + tuple(from_buffer(ct, a, True) for a in arrays)


class PoolArgs:
    """The settings of one pooling call; ``indices`` is filled by MaxPool2d.forward (the
    argmax array that return_indices hands back)."""

    __slots__ = ("out", "kernel", "stride", "padding", "dilation", "count_include_pad", "divisor", "indices")

    def __init__(self, out, kernel=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1), count_include_pad=True,
                 divisor=0):
        self.out, self.kernel, self.stride, self.padding, self.dilation = out, kernel, stride, padding, dilation
        self.count_include_pad, self.divisor, self.indices = count_include_pad, divisor, None


@register("max_pool2d")
class MaxPool2d(Function):
    """y = max over each (dilated, padded) window; idx = the flat h W + w of the max in its plane.
    dx[idx] += dy (dx zero elsewhere)."""

    @staticmethod
    def forward(ctx, x, a):
        x = contiguous(x)
        g = pool_geometry(x.shape, a.out, a.kernel, a.stride, a.padding, a.dilation)
        y = np.empty(x.shape[:-2] + a.out, x.dtype)
        idx = np.empty(y.shape, np.int64)
        _MAX[0][x.dtype](*_ptrs(g, x, y), from_buffer(_I64, idx))
        a.indices = idx
        ctx.saved = (g, idx, x.shape)
        return y

    @staticmethod
    def backward(ctx, dy):
        g, idx, shape = ctx.saved
        dy = contiguous(dy)
        dx = np.empty(shape, dy.dtype)
        _MAX[1][dy.dtype](from_buffer(_I64, g), from_buffer(_I64, idx), *_ptrs(g, dy, dx)[1:])
        return dx, None


@register("avg_pool2d")
class AvgPool2d(Function):
    """y = window sum / divisor (torch's divisor: divisor_override, else the window size within the
    padded input when count_include_pad, else within the input).  dx = dy / divisor spread over
    each window."""

    @staticmethod
    def forward(ctx, x, a):
        x = contiguous(x)
        g = pool_geometry(x.shape, a.out, a.kernel, a.stride, a.padding)
        y = np.empty(x.shape[:-2] + a.out, x.dtype)
        _AVG[0][x.dtype](*_ptrs(g, x, y), int(a.count_include_pad), a.divisor)
        ctx.saved = (g, a, x.shape)
        return y

    @staticmethod
    def backward(ctx, dy):
        g, a, shape = ctx.saved
        dy = contiguous(dy)
        dx = np.empty(shape, dy.dtype)
        _AVG[1][dy.dtype](*_ptrs(g, dy, dx), int(a.count_include_pad), a.divisor)
        return dx, None


@register("adaptive_avg_pool2d")
class AdaptiveAvgPool2d(Function):
    """y[oh, ow] = mean of x over rows [floor(oh H/OH), ceil((oh+1) H/OH)) and the same columns.
    dx = dy / window size spread over each window."""

    @staticmethod
    def forward(ctx, x, out):
        x = contiguous(x)
        g = pool_geometry(x.shape, out)
        y = np.empty(x.shape[:-2] + tuple(out), x.dtype)
        _ADA[0][x.dtype](*_ptrs(g, x, y))
        ctx.saved = (g, x.shape)
        return y

    @staticmethod
    def backward(ctx, dy):
        g, shape = ctx.saved
        dy = contiguous(dy)
        dx = np.empty(shape, dy.dtype)
        _ADA[1][dy.dtype](*_ptrs(g, dy, dx))
        return dx, None
