"""Gather/scatter ops on arrays: index_select, index_add/copy/fill, scatter, scatter_add, take,
masked_scatter, index_put with accumulation.

The ``*_into`` helpers write into an array in place (the Functions copy their input first; the
in-place methods of functional/scatter.py call them on the tensor's own array).  Accumulating
scatters of float arrays run the sequential C loops of csrc/scatter.c (np.add.at is several times
slower, see benchmarks/bench_scatter.py).  Every index was validated in functional/scatter.py
(range, dtype int64, shapes): the C side trusts them.
"""
from math import prod

import numpy as np

from fastgrad._ffi import CTYPES, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import sum_to

__all__ = ["IndexSelect", "IndexAdd", "IndexCopy", "IndexFill", "Scatter", "ScatterAdd", "Take",
           "MaskedScatter", "IndexPutAccumulate", "index_add_into", "scatter_add_into", "full_index",
           "gather", "lead"]

_INDEX_ADD, _SCATTER_ADD = kernels("index_add"), kernels("scatter_add")
_I64 = CTYPES[np.dtype(np.int64)]


def lead(dim, idx):
    """The index ``(:, ..., :, idx)`` that selects ``idx`` along ``dim``."""
    return (slice(None),) * dim + (idx,)


def _c_ok(out):
    return out.dtype in _INDEX_ADD and out.flags.c_contiguous and out.flags.writeable


def index_add_into(out, dim, idx, src, alpha=1.0):
    """out[..., idx[j], ...] += alpha src[..., j, ...] along ``dim`` (duplicates accumulate)."""
    if not idx.size:
        return out
    if _c_ok(out):
        src = np.ascontiguousarray(src, dtype=out.dtype)
        outer = prod(out.shape[:dim])
        inner = prod(out.shape[dim + 1:])
        ct = CTYPES[out.dtype]
        idx = np.ascontiguousarray(idx, dtype=np.int64)
        _INDEX_ADD[out.dtype](outer, idx.size, inner, out.shape[dim], from_buffer(_I64, idx),
                              from_buffer(ct, src), from_buffer(ct, out, True), float(alpha))
    else:
        np.add.at(out, lead(dim, idx), src if alpha == 1 else np.asarray(src * alpha, out.dtype))
    return out


def full_index(idx, dim):
    """The advanced index that names, for each element of ``idx``, its place along ``dim``."""
    nd = idx.ndim
    return tuple(idx if d == dim else np.arange(s).reshape((1,) * d + (s,) + (1,) * (nd - d - 1))
                 for d, s in enumerate(idx.shape))


def _sub(a, shape, dim=None):
    """a[:shape[0], :shape[1], ...] (every dim but ``dim`` cut to the index's size)."""
    return a[tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(shape))]


def gather(a, dim, idx):
    """y[...] = a[... idx[...] at dim ...] (torch's gather, idx no larger than a off ``dim``)."""
    return np.take_along_axis(_sub(a, idx.shape, dim), idx, axis=dim)


def scatter_add_into(out, dim, idx, src):
    """out[... idx[i] at dim ...] += src[i] for every position i of idx (duplicates accumulate)."""
    if not idx.size:
        return out
    src = _sub(src, idx.shape)
    if _c_ok(out) and all(s == o for d, (s, o) in enumerate(zip(idx.shape, out.shape)) if d != dim):
        src = np.ascontiguousarray(src, dtype=out.dtype)
        idx = np.ascontiguousarray(idx, dtype=np.int64)
        outer = prod(idx.shape[:dim])
        inner = prod(idx.shape[dim + 1:])
        ct = CTYPES[out.dtype]
        _SCATTER_ADD[out.dtype](outer, idx.shape[dim], inner, out.shape[dim], from_buffer(_I64, idx),
                                from_buffer(ct, src), from_buffer(ct, out, True))
    else:
        np.add.at(out, full_index(idx, dim), src)
    return out


def _pad_to(g, shape):
    """g (the index's shape) placed in zeros of ``shape`` (src larger than index gets 0 there)."""
    if g.shape == tuple(shape):
        return g
    out = np.zeros(shape, g.dtype)
    out[tuple(slice(0, s) for s in g.shape)] = g
    return out


@register("index_select")
class IndexSelect(Function):
    """y = x[..., idx, ...] along dim (a copy); dx = zeros with dy added at idx (C index_add)."""

    @staticmethod
    def forward(ctx, x, dim, idx):
        ctx.in_shape, ctx.dim, ctx.idx = x.shape, dim, idx
        return np.take(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, dy):
        return index_add_into(np.zeros(ctx.in_shape, dy.dtype), ctx.dim, ctx.idx, dy), None, None


@register("index_add")
class IndexAdd(Function):
    """y = x with alpha src[j] added at idx[j] along dim; dx = dy, dsrc = alpha dy[idx]."""

    @staticmethod
    def forward(ctx, x, dim, idx, src, alpha):
        ctx.dim, ctx.idx, ctx.alpha = dim, idx, alpha
        return index_add_into(np.array(x, order="C"), dim, idx, src, alpha)

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        ds = None
        if need[3]:
            ds = np.take(dy, ctx.idx, axis=ctx.dim)
            if ctx.alpha != 1:
                ds *= dy.dtype.type(ctx.alpha)
        return (dy if need[0] else None), None, None, ds, None


@register("index_copy")
class IndexCopy(Function):
    """y = x with y[idx[j]] = src[j] along dim; dx = dy zeroed at idx, dsrc = dy[idx]."""

    @staticmethod
    def forward(ctx, x, dim, idx, src):
        ctx.dim, ctx.idx = dim, idx
        y = np.array(x, order="C")
        y[lead(dim, idx)] = src
        return y

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        dx = ds = None
        if need[0]:
            dx = dy.copy()
            dx[lead(ctx.dim, ctx.idx)] = 0
        if need[3]:
            ds = np.take(dy, ctx.idx, axis=ctx.dim)
        return dx, None, None, ds


@register("index_fill")
class IndexFill(Function):
    """y = x with value at idx along dim; dx = dy zeroed there, dvalue = sum of dy there (each
    place once, however often its index repeats: torch's rule)."""

    @staticmethod
    def forward(ctx, x, dim, idx, value):
        ctx.dim, ctx.idx = dim, idx
        y = np.array(x, order="C")
        y[lead(dim, idx)] = value
        return y

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        dx = dv = None
        key = lead(ctx.dim, np.unique(ctx.idx))
        if need[0]:
            dx = dy.copy()
            dx[key] = 0
        if need[3]:
            dv = np.asarray(dy[key].sum(), dtype=dy.dtype)
        return dx, None, None, dv


@register("scatter")
class Scatter(Function):
    """y = x with y[... idx[i] at dim ...] = src[i] (or a scalar value); dx = dy zeroed at the
    written places, dsrc = dy gathered there (zeros where src is larger than the index)."""

    @staticmethod
    def forward(ctx, x, dim, idx, src):
        ctx.dim, ctx.idx, ctx.src_shape = dim, idx, np.shape(src)
        y = np.array(x, order="C")
        y[full_index(idx, dim)] = _sub(src, idx.shape) if np.ndim(src) else src
        return y

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        dx = ds = None
        if need[0]:
            dx = dy.copy()
            dx[full_index(ctx.idx, ctx.dim)] = 0
        if need[3]:
            ds = _pad_to(gather(dy, ctx.dim, ctx.idx), ctx.src_shape)
        return dx, None, None, ds


@register("scatter_add")
class ScatterAdd(Function):
    """y = x with src[i] added at [... idx[i] at dim ...] (duplicates accumulate); dx = dy,
    dsrc = dy gathered at the index (zeros where src is larger than the index)."""

    @staticmethod
    def forward(ctx, x, dim, idx, src):
        ctx.dim, ctx.idx, ctx.src_shape = dim, idx, src.shape
        return scatter_add_into(np.array(x, order="C"), dim, idx, src)

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        ds = _pad_to(gather(dy, ctx.dim, ctx.idx), ctx.src_shape) if need[3] else None
        return (dy if need[0] else None), None, None, ds


@register("take")
class Take(Function):
    """y = x.flatten()[idx] (idx of any shape, already made non-negative); dx = the counts of
    dy per flat index (np.bincount, accumulated in double) reshaped to x."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.in_shape, ctx.idx = x.shape, idx
        return np.asarray(x.reshape(-1)[idx])

    @staticmethod
    def backward(ctx, dy):
        n = prod(ctx.in_shape)
        g = np.bincount(ctx.idx.reshape(-1), weights=dy.reshape(-1), minlength=n)
        return g.astype(dy.dtype, copy=False).reshape(ctx.in_shape), None


@register("masked_scatter")
class MaskedScatter(Function):
    """y = x (broadcast to the mask) with the first mask.sum() elements of source written where
    mask is True, in row-major order; dx = dy where not mask, dsource = dy[mask] then zeros."""

    @staticmethod
    def forward(ctx, x, mask, source):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        mask = np.broadcast_to(mask, shape)
        ctx.in_shape, ctx.mask, ctx.src_shape = x.shape, mask, source.shape
        y = np.array(np.broadcast_to(x, shape), order="C")
        y[mask] = source.reshape(-1)[:int(mask.sum())]
        return y

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        dx = ds = None
        if need[0]:
            dx = sum_to(np.where(ctx.mask, np.zeros((), dy.dtype), dy), ctx.in_shape)
        if need[2]:
            sel = dy[ctx.mask]
            ds = np.zeros(prod(ctx.src_shape), dy.dtype)
            ds[:sel.size] = sel
            ds = ds.reshape(ctx.src_shape)
        return dx, None, ds


@register("index_put_accumulate")
class IndexPutAccumulate(Function):
    """y = x with values added at x[indices] (np.add.at: repeated indices accumulate);
    dx = dy, dvalues = dy[indices] summed back to values' shape."""

    @staticmethod
    def forward(ctx, x, indices, values):
        ctx.indices, ctx.value_shape = indices, np.shape(values)
        y = np.array(x, order="C")
        np.add.at(y, indices, values)
        return y

    @staticmethod
    def backward(ctx, dy):
        need = ctx.needs_input_grad
        dv = sum_to(np.asarray(dy[ctx.indices]), ctx.value_shape) if need[2] else None
        return (dy if need[0] else None), None, dv
