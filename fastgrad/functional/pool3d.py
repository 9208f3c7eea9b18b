"""3-D pooling (torch's F.max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d, max_unpool3d and the
``*_with_indices`` forms) composed from the 2-D kernels: pool each (H, W) plane first, then reduce along depth.

    a window is a box, so  max_box x = max_d max_hw x  and  sum_box x / |box| = (sum_d sum_hw x / |hw|) / |d|
    (torch's divisors factor the same way); the depth step is a gather of the chosen plane (max) or a
    (D_out, D) averaging matrix applied with matmul (avg), so gradients come from autograd.
"""
import numpy as np

from fastgrad.functional._promote import float_input
from fastgrad.functional.indexing import gather
from fastgrad.functional.pool import _out_size, adaptive_avg_pool2d, avg_pool2d, max_pool2d
from fastgrad.functional.pool_more import _bounds, _unpool, adaptive_max_pool2d
from fastgrad.tensor import Tensor

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d", "max_unpool3d"]

_make = Tensor._make


def _triple(v, what, op):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v, v)
    t = tuple(v)
    if len(t) == 1:
        t = t * 3
    if len(t) != 3 or not all(isinstance(e, int) and not isinstance(e, bool) for e in t):
        either = "either " if op == "max_pool3d" else ""
        raise RuntimeError(f"{op}: {what} must {either}be {'omitted, ' if what == 'stride' else ''}a single int, "
                           f"or a tuple of three ints")
    return t


def _as_5d(x, op):
    if x.dim() not in (4, 5):
        raise RuntimeError(f"{op}: non-empty 4D or 5D (batch mode) tensor expected for input")
    return x if x.dim() == 5 else x.unsqueeze(0)


def _setup(input, kernel_size, stride, padding, dilation, ceil_mode, op):
    """(x as 5-d, k, s, p, d, output (D, H, W)) after torch's checks of a 3-d pool's arguments."""
    x = float_input(input, op)
    k = _triple(kernel_size, "kernel_size", op)
    empty = stride is None or (not isinstance(stride, int) and len(tuple(stride)) == 0)
    s = k if empty else _triple(stride, "stride", op)
    p, d = _triple(padding, "padding", op), _triple(dilation, "dilation", op)
    x5 = _as_5d(x, op)
    shape = tuple(x.shape)
    if any(v == 0 for v in s):
        raise RuntimeError(f"{op}: stride should not be zero")
    if min(k) <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kT: {k[0]} kH: {k[1]} kW: {k[2]}")
    if min(s) <= 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got dT: {s[0]} dH: {s[1]} dW: {s[2]}")
    if min(d) <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilationT: {d[0]} dilationH: {d[1]} "
                           f"dilationW: {d[2]}")
    if 0 in shape[-4:]:
        raise RuntimeError(f"{op}(): Expected input's non-batch dimensions to have positive length, but input has a "
                           f"shape of {list(shape)} and non-batch dimension {shape[-4:].index(0)} has length zero!")
    out = tuple(_out_size(shape[-3 + i], k[i], p[i], s[i], d[i], ceil_mode, op) for i in range(3))
    if op == "avg_pool3d" and any(n < kk for n, kk in zip(shape[-3:], k)):
        raise RuntimeError(f"{op}: input image (T: {shape[-3]} H: {shape[-2]} W: {shape[-1]}) smaller than kernel "
                           f"size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    if min(out) < 1:
        raise RuntimeError(f"{op}: Given input size: ({'x'.join(map(str, shape[-4:]))}). Calculated output size: "
                           f"({shape[-4]}x{'x'.join(map(str, out))}). Output size is too small")
    return x, x5, k, s, p, d, out


def _depth_max(v, idx2, taps, valid, plane):
    """(values, flat indices) of the max along depth of v (N, C, D, Ho, Wo) over the windows ``taps`` (Do, K)
    (entries where ``valid`` is False are outside the input); idx2 holds each plane's (h W + w) argmax.
    torch's rule: the first max in (d, h, w) order, the last NaN if any, the window's first element if all
    are -inf."""
    depth = v.shape[2]
    do = taps.shape[0]
    cl = np.clip(taps, 0, max(depth - 1, 0))
    cand = np.where(valid[:, :, None, None], v._data[:, :, cl], -np.inf)   # (N, C, Do, K, Ho, Wo)
    nan = np.isnan(cand)
    first_max = np.argmax(np.where(nan, -np.inf, cand), axis=3)
    last_nan = cand.shape[3] - 1 - np.argmax(nan[:, :, :, ::-1], axis=3)
    j = np.where(nan.any(3), last_nan, first_max)
    o = np.arange(do)[None, None, :, None, None]
    j = np.where(valid[o, j], j, np.argmax(valid, axis=1)[o])
    dsel = taps[o, j].astype(np.int64)                                     # (N, C, Do, Ho, Wo)
    values = gather(v, 2, dsel)
    return values, dsel * plane + np.take_along_axis(idx2, dsel, axis=2)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """y = max over each window of (N, C, D, H, W) or (C, D, H, W); with return_indices also the flat index
    d H W + h W + w of each max within its volume (int64)."""
    op = "max_pool3d"
    x, x5, k, s, p, d, out = _setup(input, kernel_size, stride, padding, dilation, ceil_mode, op)
    n, c, depth, h, w = x5.shape
    v, i2 = max_pool2d(x5.reshape(n, c * depth, h, w), k[1:], s[1:], p[1:], d[1:], ceil_mode, True)
    v = v.reshape(n, c, depth, out[1], out[2])
    taps = (np.arange(out[0]) * s[0] - p[0])[:, None] + np.arange(k[0]) * d[0]
    values, idx = _depth_max(v, i2._data.reshape(v.shape), taps, (taps >= 0) & (taps < depth), h * w)
    if x.dim() == 4:
        values, idx = values.squeeze(0), idx[0]
    return (values, _make(idx)) if return_indices else values


def _depth_mean(v, weights):
    """y[..., o, :] = sum_d weights[o, d] v[..., d, :] for v (N, C, D, Ho, Wo): one matmul."""
    n, c, depth, ho, wo = v.shape
    a = Tensor._make(weights.astype(v._data.dtype))
    return (a @ v.reshape(n, c, depth, ho * wo)).reshape(n, c, weights.shape[0], ho, wo)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """y = window sum / divisor (divisor_override, else the window's size counting padding when
    count_include_pad, else the elements inside the input)."""
    op = "avg_pool3d"
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    x, x5, k, s, p, _, out = _setup(input, kernel_size, stride, padding, 1, ceil_mode, op)
    n, c, depth, h, w = x5.shape
    v = avg_pool2d(x5.reshape(n, c * depth, h, w), k[1:], s[1:], p[1:], ceil_mode, count_include_pad,
                   1 if divisor_override else None).reshape(n, c, depth, out[1], out[2])
    weights = np.zeros((out[0], depth))
    for o in range(out[0]):
        start = o * s[0] - p[0]
        end = min(start + k[0], depth + p[0])
        lo, hi = max(start, 0), min(end, depth)
        div = divisor_override if divisor_override else (end - start if count_include_pad else hi - lo)
        weights[o, lo:hi] = 1.0 / div
    y = _depth_mean(v, weights)
    return y if x.dim() == 5 else y.squeeze(0)


def _adaptive_setup(input, output_size, op):
    x = float_input(input, op)
    shape = tuple(x.shape)
    if len(shape) not in (4, 5):
        raise RuntimeError(f"{op}(): Expected 4D or 5D tensor, but got{':' if 'max' in op else ''} {list(shape)}")
    size = (output_size,) * 3 if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(size) != 3:
        raise RuntimeError(f"{op}{'(): internal error: output_size.size()' if 'max' in op else ': output_size'} "
                           f"must be 3")
    size = tuple(shape[-3 + i] if v is None else int(v) for i, v in enumerate(size))
    if min(size) < 0:
        if "max" in op:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {min(size)}: "
                               f"{list(shape[:-3] + size)}")
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{size[0]}, {size[1]},{size[2]}}}")
    for i in range(len(shape) - 4, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(shape)} with dimension {i} being empty")
    x5 = x if x.dim() == 5 else x.unsqueeze(0)
    return x, x5, size


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """y[od, oh, ow] = mean of x over [floor(od D / OD), ceil((od + 1) D / OD)) and likewise for H and W;
    None in output_size keeps that input size."""
    x, x5, size = _adaptive_setup(input, output_size, "adaptive_avg_pool3d")
    n, c, depth, h, w = x5.shape
    v = adaptive_avg_pool2d(x5.reshape(n, c * depth, h, w), size[1:]).reshape(n, c, depth, size[1], size[2])
    lo, hi = _bounds(depth, size[0])
    weights = np.zeros((size[0], depth))
    for o in range(size[0]):
        weights[o, lo[o]:hi[o]] = 1.0 / (hi[o] - lo[o])
    y = _depth_mean(v, weights)
    return y if x.dim() == 5 else y.squeeze(0)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max over windows that tile (D, H, W) into ``output_size`` (None keeps that input size); with
    return_indices also the flat index d H W + h W + w of each max."""
    x, x5, size = _adaptive_setup(input, output_size, "adaptive_max_pool3d")
    n, c, depth, h, w = x5.shape
    v, i2 = adaptive_max_pool2d(x5.reshape(n, c * depth, h, w), size[1:], True)
    v = v.reshape(n, c, depth, size[1], size[2])
    lo, hi = _bounds(depth, size[0])
    width = int((hi - lo).max()) if size[0] else 1
    taps = lo[:, None] + np.arange(width)
    values, idx = _depth_max(v, i2._data.reshape(v.shape), taps, taps < hi[:, None], h * w)
    if x.dim() == 4:
        values, idx = values.squeeze(0), idx[0]
    return (values, _make(idx)) if return_indices else values


def max_unpool3d(input: Tensor, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Place each value of input at the position max_pool3d took it from; zeros elsewhere."""
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")

