"""Shape ops on arrays: views (reshape, permute, expand), tiling, concatenation and stacking —
memory movement in numpy.

Forward outputs stay numpy views where numpy can make one (reshape, permute, expand): zero copy,
possibly non-contiguous or read-only (expand); every C kernel caller makes its operand contiguous
first.  Backward maps the gradient back through the same view (reshape/transpose) or sums it over
the broadcast dims (expand, repeat).  Arguments are validated in fastgrad/functional/shape.py.
"""
import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import sum_to

__all__ = ["Reshape", "View", "Permute", "Expand", "Repeat", "Cat", "Stack"]


@register("reshape")
class Reshape(Function):
    """y = x with a new shape (a view when numpy can make one); dx = dy reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, dy):
        return dy.reshape(ctx.in_shape), None


@register("view")
class View(Reshape):
    """Reshape that never copies (checked by the public ``view`` before apply)."""


@register("permute")
class Permute(Function):
    """y = x with dims reordered (a view); dx = dy with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, dy):
        return dy.transpose(np.argsort(ctx.dims)), None


@register("expand")
class Expand(Function):
    """y = x broadcast to ``shape`` (a read-only view); dx = dy summed over the broadcast dims."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, dy):
        return sum_to(dy, ctx.in_shape), None


@register("repeat")
class Repeat(Function):
    """y = x tiled ``sizes`` times along each dim (np.tile); dx = dy summed over the copies."""

    @staticmethod
    def forward(ctx, x, sizes):
        padded = (1,) * (len(sizes) - x.ndim) + x.shape
        ctx.in_shape = x.shape
        ctx.padded = padded
        return np.tile(x.reshape(padded), sizes)

    @staticmethod
    def backward(ctx, dy):
        padded = ctx.padded
        inter = []
        for r, s in zip(dy.shape, padded):
            inter += [r // s if s else 0, s]
        if 0 in padded:
            return np.zeros(ctx.in_shape, dy.dtype), None
        g = dy.reshape(inter).sum(axis=tuple(range(0, 2 * len(padded), 2)))
        return g.reshape(ctx.in_shape), None


@register("cat")
class Cat(Function):
    """y = concatenation of xs along dim; dx_i = the matching slice of dy (a view)."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.ends = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, dy):
        return (None,) + tuple(np.split(dy, ctx.ends, axis=ctx.dim))


@register("stack")
class Stack(Function):
    """y = xs stacked along a new dim; dx_i = dy indexed at i along it (a view)."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, dy):
        lead = (slice(None),) * ctx.dim
        return (None,) + tuple(dy[lead + (i,)] for i in range(dy.shape[ctx.dim]))
