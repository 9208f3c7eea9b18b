"""More shape ops on arrays: flip, roll, triangular masks, diagonals (a view) and diag_embed.

flip, roll, tril/triu and diag_embed copy (as torch); diagonal is a view of its input (writable
when the input is), so writes through it reach the input and share its version counter.
Arguments are validated in fastgrad/functional/shape_more.py and functional/triangular.py.
"""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["Flip", "Roll", "Tri", "Diagonal", "DiagEmbed", "diagonal_view", "tri_mask"]


@register("flip")
class Flip(Function):
    """y = x reversed along ``dims`` (a copy); dx = dy reversed the same way."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, dy):
        return np.flip(dy, ctx.dims), None


@register("roll")
class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``dims`` (None: the flattened array);
    dx = dy rolled back."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        if dims is None:
            return np.roll(x.reshape(-1), shifts).reshape(x.shape)
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, dy):
        neg = tuple(-s for s in ctx.shifts)
        if ctx.dims is None:
            return np.roll(dy.reshape(-1), neg).reshape(dy.shape), None, None
        return np.roll(dy, neg, ctx.dims), None, None


def tri_mask(rows, cols, diagonal, upper):
    """Bool mask of the kept elements: j - i >= diagonal (upper) or j - i <= diagonal (lower)."""
    d = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    return d >= diagonal if upper else d <= diagonal


@register("tri")
class Tri(Function):
    """y = x with the elements off the lower (tril) or upper (triu) triangle of the last two dims
    zeroed; dx = dy masked the same way."""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.mask = m = tri_mask(x.shape[-2], x.shape[-1], diagonal, upper)
        return np.where(m, x, np.zeros((), x.dtype))

    @staticmethod
    def backward(ctx, dy):
        return np.where(ctx.mask, dy, np.zeros((), dy.dtype)), None, None


def diagonal_view(a, offset, d1, d2):
    """The diagonal of ``a`` over dims d1, d2 as a view (last dim), writable when ``a`` is
    (numpy makes it read-only by default; its base stays ``a``, so the version counter is shared)."""
    v = np.diagonal(a, offset, d1, d2)
    if a.flags.writeable:
        try:
            v.flags.writeable = True
        except ValueError:
            pass
    return v


@register("diagonal")
class Diagonal(Function):
    """y = x[..., i, i + offset] over dims (d1, d2), moved last (a view); dx = zeros with dy on
    that diagonal."""

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.in_shape, ctx.args = x.shape, (offset, d1, d2)
        return diagonal_view(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, dy):
        dx = np.zeros(ctx.in_shape, dy.dtype)
        diagonal_view(dx, *ctx.args)[...] = dy
        return dx, None, None, None


@register("diag_embed")
class DiagEmbed(Function):
    """y (new dims d1, d2) = zeros with x's last dim on diagonal ``offset``; dx = that diagonal of dy."""

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        n = x.shape[-1] + abs(offset) if x.ndim else 1 + abs(offset)
        shape = list(x.shape[:-1])
        for d in sorted((d1, d2)):
            shape.insert(d, n)
        y = np.zeros(shape, x.dtype)
        diagonal_view(y, offset, d1, d2)[...] = x
        return y

    @staticmethod
    def backward(ctx, dy):
        return np.array(diagonal_view(dy, *ctx.args)), None, None, None
