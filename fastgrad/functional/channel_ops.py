"""Channel-wise ops of torch.nn.functional composed from differentiable fastgrad ops: channel_shuffle,
local_response_norm and the legacy cross-map LRN of nn.CrossMapLRN2d.

    channel_shuffle: (N, g * c, *) -> view (N, g, c, *) -> transpose(1, 2) -> (N, c * g, *)
    local_response_norm: y_c = x_c / (k + alpha / n * sum_{c' in window(c)} x_c'^2)^beta
"""
import numpy as np

from fastgrad.functional.elementwise import add, div, mul, pow as _pow
from fastgrad.functional.gather_scatter import index_select
from fastgrad.functional.pad import pad
from fastgrad.functional.scan import cumsum
from fastgrad.functional.shape import reshape, transpose
from fastgrad.functional.shape_more import narrow
from fastgrad.lowp import refuse
from fastgrad.tensor import Tensor

__all__ = ["channel_shuffle", "native_channel_shuffle", "local_response_norm", "cross_map_lrn2d"]


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of (N, C, *) from ``groups`` blocks: out channel i g' + j = in channel j c + i."""
    shape = tuple(input.shape)
    if len(shape) <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    y = transpose(reshape(input, (shape[0], groups, c // groups) + shape[2:]), 1, 2)
    return reshape(y, shape)


native_channel_shuffle = channel_shuffle


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """y = x / (k + alpha * mean of x^2 over the ``size`` channels c - size // 2 .. c + (size - 1) // 2, zeros
    outside)^beta, over (N, C, *) with at least one spatial dim."""
    nd = input.dim()
    if nd < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {nd} dimensions)")
    if input.numel() == 0:
        return input
    if nd > 3:  # torch pools over a 5-D view with avg_pool3d, which has no float16/bfloat16 kernel
        refuse(input._data.dtype, "avg_pool3d_out_frame", "local_response_norm")
    shape = tuple(input.shape)
    sq = reshape(mul(input, input), (shape[0], shape[1], -1))
    padded = pad(sq, (0, 0, size // 2, (size - 1) // 2))                  # (N, C + size - 1, L)
    c = shape[1]
    win = narrow(padded, 1, 0, c)
    for j in range(1, size):                                              # size shifted slices: O(size N C L)
        win = add(win, narrow(padded, 1, j, c))
    scale = _pow(add(mul(win, alpha / size), k), beta)
    return div(input, reshape(scale, shape))


def cross_map_lrn2d(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> Tensor:
    """nn.CrossMapLRN2d's forward, window for window: y_c = x_c (k + alpha / size * s_c)^-beta with s_c the sum
    of x^2 over the channels torch's legacy running sum covers (see _cross_map_window); (N, C, H, W) only."""
    if input.dim() != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
    c = input.shape[1]
    hi, lo = _cross_map_window(size, c)
    csum = cumsum(pad(mul(input, input), (0, 0, 0, 0, 1, 0)), 1)        # csum[:, j] = sum of x^2 over [0, j)
    s = index_select(csum, 1, hi) - index_select(csum, 1, lo) + index_select(csum, 1, np.ones(c, np.int64))
    return mul(input, _pow(add(mul(s, alpha / size), k), -beta))


def _cross_map_window(size, c):
    """Index arrays (hi, lo) with s_c = csum[hi] - csum[lo] + csum[1]: torch's running sum starts from channels
    [0, pre_pad), adds channel c + pre_pad - 1 and, for c > pre_pad only, drops channel c - pre_pad (so channel
    0 is never dropped), pre_pad = int((size - 1) / 2 + 1)."""
    pre = int((size - 1) / 2 + 1)
    ch = np.arange(c)
    hi = np.minimum(np.maximum(ch + pre - 1, min(pre, c) - 1), c - 1) + 1
    lo = np.where(ch > pre, ch - pre + 1, 1)
    return hi.astype(np.int64), lo.astype(np.int64)
