"""Padding on arrays (torch's F.pad): constant, reflect, replicate, circular over the last dims.

Memory movement only, so numpy does it (docs/ARCHITECTURE.md: views and index bookkeeping stay in
numpy).  A non-constant mode is separable: along each padded dim, output position o reads input
position src[o] (reflect: |s| mirrored at the ends without repeating them, replicate: s clipped,
circular: the range left after cropping, wrapped; s = o - left), so the forward is one np.take per
dim and the backward its adjoint, one np.add.at per dim.  Negative pads crop."""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["Pad", "source_index"]


def source_index(n, left, right, mode):
    """src[o] for o in [0, n + left + right): the input position output position o copies."""
    s = np.arange(-left, n + right, dtype=np.int64)
    if mode == "reflect":
        s = np.abs(s)
        s = np.where(s > n - 1, 2 * (n - 1) - s, s)
    elif mode == "replicate":
        s = np.clip(s, 0, n - 1)
    else:  # circular, as torch: crop first (negative pads), then wrap the cropped range [a, b)
        a, b = max(0, -left), n - max(0, -right)
        s = a + (np.arange(-max(left, 0), b - a + max(right, 0), dtype=np.int64) % (b - a))
    return s


def _constant_slices(shape, pairs):
    """(source slices of x, destination slices of y) for constant padding; pairs[i] = (left, right)
    of dim ndim - len(pairs) + i."""
    lead = len(shape) - len(pairs)
    src, dst = [slice(None)] * lead, [slice(None)] * lead
    for n, (lo, hi) in zip(shape[lead:], pairs):
        a, b = max(0, -lo), n - max(0, -hi)
        src.append(slice(a, max(a, b)))
        dst.append(slice(max(0, lo), max(0, lo) + max(0, b - a)))
    return tuple(src), tuple(dst)


@register("pad")
class Pad(Function):
    """y = x padded over its last len(pairs) dims (constant value, or reflect/replicate/circular).
    dx: the matching slice of dy (constant) or dy summed back onto the positions it copied."""

    @staticmethod
    def forward(ctx, x, pairs, mode, value):
        lead = x.ndim - len(pairs)
        ctx.saved = (x.shape, pairs, mode)
        out_shape = x.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[lead:], pairs))
        if mode == "constant":
            if x.dtype.kind == "V":  # bfloat16: numpy would fill raw bytes; Function.apply reruns in float32
                raise TypeError("pad: bfloat16 runs in float32")
            y = np.full(out_shape, value, x.dtype)
            src, dst = _constant_slices(x.shape, pairs)
            y[dst] = x[src]
            return y
        y = x
        for i, (lo, hi) in enumerate(pairs):
            y = np.take(y, source_index(x.shape[lead + i], lo, hi, mode), axis=lead + i)
        return y

    @staticmethod
    def backward(ctx, dy):
        shape, pairs, mode = ctx.saved
        lead = len(shape) - len(pairs)
        if mode == "constant":
            dx = np.zeros(shape, dy.dtype)
            src, dst = _constant_slices(shape, pairs)
            dx[src] = dy[dst]
            return dx, None, None, None
        g = dy
        for i in reversed(range(len(pairs))):
            axis = lead + i
            idx = source_index(shape[axis], *pairs[i], mode)
            acc = np.zeros(g.shape[:axis] + (shape[axis],) + g.shape[axis + 1:], dy.dtype)
            np.add.at(acc, (slice(None),) * axis + (idx,), g)
            g = acc
        return g, None, None, None
