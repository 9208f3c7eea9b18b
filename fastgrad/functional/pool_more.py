"""Adaptive max pooling and max unpooling at the Tensor level (torch's F.adaptive_max_pool1d/2d,
F.max_unpool1d/2d): window bounds, output sizes and torch's error messages.  Adaptive max pool finds
each window's index in numpy and gathers the values (so the gradient flows to the chosen elements), or,
when the output size divides the input's, runs max_pool2d with kernel = stride = input / output.

    window i of n inputs into m outputs: [floor(i n / m), ceil((i + 1) n / m))
    max_unpool output size: (in - 1) stride - 2 padding + kernel_size
"""
import numpy as np

from fastgrad.functional._promote import float_input
from fastgrad.functional.indexing import gather
from fastgrad.functional.pool import _pair, _single, max_pool2d
from fastgrad.functional.shape import reshape
from fastgrad.ops.unpool import MaxUnpool
from fastgrad.tensor import Tensor

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d"]

_make = Tensor._make


def _bounds(n, m):
    i = np.arange(m)
    return (i * n) // m, -((-(i + 1) * n) // m)


def _window_argmax(w):
    """Flat index of the max of each row of w (..., K): the first max, or the last NaN (torch's CPU rule)."""
    nan = np.isnan(w)
    first_max = np.argmax(np.where(nan, -np.inf, w), axis=-1)
    last_nan = w.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
    return np.where(nan.any(-1), last_nan, first_max)


def _adaptive_max(x, out, op):
    """(values, flat indices) of the adaptive max pool of x (B, C, H, W) to out = (oh, ow)."""
    b, c, h, w = x.shape
    oh, ow = out
    data = x._data
    idx = np.zeros((b, c, oh, ow), np.int64)
    hs, he = _bounds(h, oh)
    ws, we = _bounds(w, ow)
    for i in range(oh):
        for j in range(ow):
            win = data[:, :, hs[i]:he[i], ws[j]:we[j]]
            k = _window_argmax(win.reshape(b, c, win.shape[2] * win.shape[3]))
            kw = we[j] - ws[j]
            idx[:, :, i, j] = (hs[i] + k // kw) * w + ws[j] + k % kw
    values = reshape(gather(reshape(x, (b, c, h * w)), 2, idx.reshape(b, c, oh * ow)), (b, c, oh, ow))
    return values, idx


def _check_input(x, spatial, op):
    if x.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: Expected {spatial + 1}D or {spatial + 2}D tensor, but got {list(x.shape)}")
    for d in range(x.dim() - spatial - 1, x.dim()):
        if x.shape[d] == 0:
            raise RuntimeError(f"{op}: Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(x.shape)} with dimension {d} being empty")


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over windows that tile (H, W) into ``output_size`` (None keeps that input size)."""
    x = float_input(input, "adaptive_max_pool2d")
    _check_input(x, 2, "adaptive_max_pool2d")
    out = (output_size, output_size) if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(out) != 2:
        raise RuntimeError("adaptive_max_pool2d: internal error: output_size.size() must be 2")
    out = tuple(x.shape[-2 + i] if o is None else int(o) for i, o in enumerate(out))
    if min(out) < 0:
        raise RuntimeError(f"adaptive_max_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {list(out)}")
    x4 = x if x.dim() == 4 else x.unsqueeze(0)
    h, w = x4.shape[-2:]
    if min(out) > 0 and h % out[0] == 0 and w % out[1] == 0 and x4.shape[0] > 0:
        # windows [i k, (i + 1) k): max_pool2d's C kernel (same windows, same first-max / NaN rule)
        values, idx = max_pool2d(x4, (h // out[0], w // out[1]), return_indices=True)
        idx = idx._data
    else:
        values, idx = _adaptive_max(x4, out, "adaptive_max_pool2d")
    if x.dim() == 3:
        values, idx = values.squeeze(0), idx[0]
    return (values, _make(idx)) if return_indices else values


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over windows that tile L into ``output_size``."""
    x = float_input(input, "adaptive_max_pool1d")
    _check_input(x, 1, "adaptive_max_pool1d")
    o = _single(output_size, "output_size", "adaptive_max_pool1d")
    values, idx = adaptive_max_pool2d(x.unsqueeze(-2), (1, o), True)
    values, idx = values.squeeze(-2), _make(idx._data[..., 0, :])
    return (values, idx) if return_indices else values


def _triple(v, what, op):
    t = (v,) * 3 if isinstance(v, int) and not isinstance(v, bool) else tuple(v)
    if len(t) == 1:
        t = t * 3
    if len(t) != 3:
        raise RuntimeError(f"{op}: {what} must be a single int, or a tuple of three ints")
    return t


def _unpool(input, indices, kernel_size, stride, padding, output_size, spatial, op):
    x = float_input(input, op)
    conv = {1: lambda v, what, o: (_single(v, what, o),), 2: _pair, 3: _triple}[spatial]
    k = conv(kernel_size, "kernel_size", op)
    s = k if stride is None else conv(stride, "stride", op)
    p = conv(padding, "padding", op)
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype != np.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: {idx.dtype}")
    if tuple(idx.shape) != tuple(x.shape):
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input tensor "
                           f"({list(x.shape)}) but got indices tensor with shape: {list(idx.shape)}")
    if x.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: Input to max_unpooling{spatial}d should be a {spatial + 1}d or {spatial + 2}d "
                           f"Tensor, but got a tensor with {x.dim()} dimensions.")
    default = tuple((x.shape[-spatial + i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(spatial))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in output_size)[-spatial:]
        for i in range(spatial):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < out[i] < hi:
                raise ValueError(f"{op}: invalid output_size {list(out)} (dim {i} must be between {lo} and {hi})")
    plane = int(np.prod(out))
    lead = tuple(x.shape[:-spatial])
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise RuntimeError(f"{op}: Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, out))})")
    b, c = (1,) + lead if len(lead) == 1 else lead
    flat = reshape(x, (b, c, -1))
    y = MaxUnpool.apply1(flat, idx.reshape(b, c, -1), plane)
    return reshape(y, lead + out)


def max_unpool2d(input: Tensor, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Place each value of input at the position max_pool2d took it from; zeros elsewhere."""
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool1d(input: Tensor, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Place each value of input at the position max_pool1d took it from; zeros elsewhere."""
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool1d")
