"""Indexing ops on arrays: basic and advanced indexing, index writes, masked_fill, gather.

Backward scatters the gradient into zeros (``np.add.at`` for advanced indices, so repeated
indices accumulate).  Index normalisation and checks live in fastgrad/functional/indexing.py.
"""
import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import sum_to
from fastgrad.ops.scatter import index_add_into, scatter_add_into

__all__ = ["GetItem", "IndexPut", "MaskedFill", "Gather", "IntsFirst", "target"]


class IntsFirst(tuple):
    """An index that mixes integers with index arrays, in torch's order: ``(ints, rest)``.  torch
    applies the integers first (basic indexing: the view ``a[ints]``) and then the rest, so index
    arrays that are adjacent once the integers are gone stay in place; numpy counts the integers
    as advanced indices and may move the indexed dimensions to the front."""

    __slots__ = ()


def target(a: np.ndarray, index):
    """(array, key) with ``array[key]`` the place ``a[index]`` names; ``array`` is ``a`` or a view
    of it, so reads, writes and ``np.add.at`` through it reach ``a``."""
    if type(index) is IntsFirst:
        return a[index[0]], index[1]
    return a, index


@register("getitem")
class GetItem(Function):
    """y = x[index]; dx = zeros with dy written back (basic index, one bool mask) or added
    (advanced index: repeated entries accumulate; x[int array] through the C index_add, the
    rest with np.add.at)."""

    @staticmethod
    def forward(ctx, x, index, advanced):
        ctx.in_shape = x.shape
        ctx.index = index
        ctx.advanced = advanced
        a, key = target(x, index)
        y = a[key]
        return y if type(y) is np.ndarray else np.asarray(y)

    @staticmethod
    def backward(ctx, dy):
        dx = np.zeros(ctx.in_shape, dy.dtype)
        a, key = target(dx, ctx.index)
        if ctx.advanced:
            one = key[0] if a is dx and type(key) is tuple and len(key) == 1 else None
            if type(one) is np.ndarray and one.dtype == np.int64 and dx.ndim:  # x[idx] (embedding)
                if one.size and one.min() < 0:  # (forward checked the range)
                    one = np.where(one < 0, one + dx.shape[0], one)
                index_add_into(dx, 0, one.reshape(-1), dy.reshape((one.size,) + dx.shape[1:]))
            elif type(one) is np.ndarray and one.dtype == np.bool_:  # x[mask]: no place repeats
                dx[one] = dy
            else:
                np.add.at(a, key, dy)
        else:
            a[key] = dy
        return dx, None, None


@register("index_put")
class IndexPut(Function):
    """y = x with y[index] = value (x is not modified); dx = dy with dy[index] zeroed,
    dvalue = dy[index] summed back to value's shape."""

    @staticmethod
    def forward(ctx, x, index, value):
        ctx.index = index
        ctx.value_shape = np.shape(value)
        y = x.copy()
        a, key = target(y, index)
        a[key] = value
        return y

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        dx = dv = None
        if need[0]:
            dx = dy.copy()
            a, key = target(dx, ctx.index)
            a[key] = 0
        if need[2]:
            a, key = target(dy, ctx.index)
            dv = sum_to(np.asarray(a[key]), ctx.value_shape)
        return dx, None, dv


@register("masked_fill")
class MaskedFill(Function):
    """y = where(mask, value, x) (broadcast); dx = dy where not mask (summed to x's shape),
    dvalue = sum of dy where mask."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.in_shape = x.shape
        ctx.mask = mask
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        mask = ctx.mask
        dx = sum_to(np.where(mask, np.zeros((), dy.dtype), dy), ctx.in_shape) if need[0] else None
        dv = None
        if need[2]:
            dv = np.asarray(np.where(mask, dy, np.zeros((), dy.dtype)).sum(), dtype=dy.dtype)
        return dx, None, dv


@register("gather")
class Gather(Function):
    """y[..i..] = x[..index[..i..] at dim..]; dx = zeros with dy added at the gathered places
    (the C scatter_add of ops/scatter.py)."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.in_shape = x.shape
        ctx.dim = dim
        ctx.index = index
        sub = tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
        return np.take_along_axis(x[sub], index, axis=dim)

    @staticmethod
    def backward(ctx, dy):
        return scatter_add_into(np.zeros(ctx.in_shape, dy.dtype), ctx.dim, ctx.index, dy), None, None
