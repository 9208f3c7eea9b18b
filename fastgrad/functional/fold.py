"""F.unfold (im2col) and F.fold (col2im) at the Tensor level, with torch's argument checks and messages.

    unfold: y[n, (c, ki, kj), (i, j)] = xpad[n, c, i s0 + ki d0, j s1 + kj d1]
    fold:   y = unfold's adjoint: each column entry is summed back into the position it came from

Both are composed from differentiable ops (``pad``, ``index_select`` / ``index_add`` over the flattened
padded plane with one int64 index of the K * L sampled positions), so their gradients are each other:
linear in the data, no C of their own.  (The conv kernels' im2col lives inside csrc/conv.c and is not
exposed: it writes the GEMM's packed layout, not torch's (N, C * K, L).)
"""
import numpy as np

from fastgrad import dtypes
from fastgrad.functional.gather_scatter import index_add, index_select
from fastgrad.functional.indexing import getitem
from fastgrad.functional.pad import pad
from fastgrad.functional.shape import reshape
from fastgrad.tensor import Tensor

__all__ = ["unfold", "fold"]


def _pair(v, name, op):
    """An int or a sequence of two ints (torch's messages otherwise)."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v), int(v))
    try:
        t = tuple(v)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(v).__name__}") from None
    for e in t:
        if not isinstance(e, (int, np.integer)) or isinstance(e, bool):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element of type "
                            f"{type(e).__name__}")
    if len(t) != 2:
        raise RuntimeError(f"{op}: It is expected {name} equals to 2, but got size {len(t)}")
    return tuple(int(e) for e in t)


def _settings(kernel_size, dilation, padding, stride, op):
    k, d = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    p, s = _pair(padding, "padding", op), _pair(stride, "stride", op)
    if k[0] <= 0 or k[1] <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kernel_height: {k[0]} "
                           f"kernel_width: {k[1]}")
    if s[0] <= 0 or s[1] <= 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")
    if d[0] <= 0 or d[1] <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if p[0] < 0 or p[1] < 0:
        raise RuntimeError(f"{op}: padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    return k, d, p, s


def _float(x, op, kernel):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind not in "fV":
        raise NotImplementedError(f'{op}: "{kernel}" not implemented for {dtypes.dtype_name(x._data.dtype)}')


def _blocks(hw, k, d, p, s):
    """The number of sliding blocks per spatial dim (may be <= 0)."""
    return tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(hw, k, d, p, s))


def _positions(hw_pad, blocks, k, d, s):
    """int64 flat offsets into the padded (Hp * Wp) plane, ordered (ki, kj, i, j): K * L entries."""
    ki, kj = np.arange(k[0]) * d[0], np.arange(k[1]) * d[1]
    i, j = np.arange(blocks[0]) * s[0], np.arange(blocks[1]) * s[1]
    rows = ki[:, None, None, None] + i[None, None, :, None]
    cols = kj[None, :, None, None] + j[None, None, None, :]
    return (rows * hw_pad[1] + cols).reshape(-1).astype(np.int64)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks of a (N, C, H, W) or (C, H, W) input as columns:
    y[n, c K + ki kW + kj, i bW + j] = xpad[n, c, i sH + ki dH, j sW + kj dW]; y is (N, C K, L)."""
    _float(input, "unfold", "im2col_out_cpu")
    k, d, p, s = _settings(kernel_size, dilation, padding, stride, "unfold")
    shape = tuple(input._data.shape)
    if len(shape) < 3:  # torch's own dims check fires first
        nd = max(len(shape), 1)
        raise IndexError(f"unfold: Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got "
                         f"{len(shape)}) for input of size {list(shape)}")
    if len(shape) not in (3, 4) or any(n == 0 for n in shape[-3:]):
        raise RuntimeError(f"unfold: Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(shape)}")
    batched = len(shape) == 4
    x = input if batched else reshape(input, (1,) + shape)
    n, c, h, w = x._data.shape
    blocks = _blocks((h, w), k, d, p, s)
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"unfold: Given input with spatial size ({h}, {w}), kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {blocks}, but its "
                           f"components must be at least one.")
    if p != (0, 0):
        x = pad(x, (p[1], p[1], p[0], p[0]))
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    idx = _positions((hp, wp), blocks, k, d, s)
    cols = index_select(reshape(x, (n, c, hp * wp)), 2, idx)
    out = (n, c * k[0] * k[1], blocks[0] * blocks[1])
    return reshape(cols, out if batched else out[1:])


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding-block columns (N, C K, L) or (C K, L) back into an (N, C, H, W) image (the adjoint of
    unfold): y[n, c, pos(ki, kj, i, j)] += x[n, c K + ki kW + kj, i bW + j], padding cropped."""
    _float(input, "fold", "col2im_out_cpu")
    size = _pair(output_size, "output_size", "fold")
    k, d, p, s = _settings(kernel_size, dilation, padding, stride, "fold")
    shape = tuple(input._data.shape)
    if len(shape) not in (2, 3) or any(m == 0 for m in shape[-2:]):
        raise RuntimeError(f"fold: Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(shape)}")
    batched = len(shape) == 3
    x = input if batched else reshape(input, (1,) + shape)
    n, ck, length = x._data.shape
    kk = k[0] * k[1]
    if ck % kk:
        raise RuntimeError(f"fold: Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={ck} and kernel_size={k}.")
    blocks = _blocks(size, k, d, p, s)
    if blocks[0] * blocks[1] != length or blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"fold: Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, "
                           f"stride={s}, expected size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={length}.")
    c = ck // kk
    hp, wp = size[0] + 2 * p[0], size[1] + 2 * p[1]
    idx = _positions((hp, wp), blocks, k, d, s)
    base = Tensor._make(np.zeros((n, c, hp * wp), x._data.dtype))
    img = reshape(index_add(base, 2, idx, reshape(x, (n, c, kk * length))), (n, c, hp, wp))
    if p != (0, 0):
        img = getitem(img, (slice(None), slice(None), slice(p[0], p[0] + size[0]), slice(p[1], p[1] + size[1])))
    return img if batched else reshape(img, img._data.shape[1:])
