"""Sorting and selection on arrays: index computations with torch's NaN order (NaN sorts as the
largest value), and the two Functions that carry gradients through a selection.  Sorting runs in
numpy (its argsort is as fast as torch's sort or faster: benchmarks/bench_reduce_more.py); topk of
float arrays runs a C heap selection (csrc/sort.c), 5x faster than numpy's argpartition.  Every
function takes a dim d that is already wrapped."""
import numpy as np

from fastgrad._ffi import kernels, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.lowp import order_key
from fastgrad.ops.common import contiguous, three

_TOPK = kernels("topk")

__all__ = ["sort_indices", "topk_indices", "kth_indices", "TakeAlong", "EvenlyDistributed"]


def sort_indices(a, d, descending, stable):
    """int64 indices that sort array ``a`` along d (NaN last ascending, first descending); with
    ``stable`` equal values keep their order (stable=False: numpy's fast sort, ties in any order)."""
    a = order_key(a)
    if not descending:
        return np.argsort(a, axis=d, kind="stable" if stable else None).astype(np.int64, copy=False)
    # descending: an ascending sort of the reversed array, read backwards (stable: equal values
    # keep their order, as torch's stable descending sort)
    n = a.shape[d]
    rev = np.flip(a, d)
    idx = np.flip(np.argsort(rev, axis=d, kind="stable" if stable else None), d)
    return (n - 1 - idx).astype(np.int64)


def topk_indices(a, k, d, largest):
    """int64 indices of the k largest (smallest) values along d, in sorted order."""
    a = order_key(a)
    n = a.shape[d]
    if k == 0:
        shape = list(a.shape)
        shape[d] = 0
        return np.zeros(shape, np.int64)
    if a.dtype in _TOPK and 4 * k <= n:
        last = d == a.ndim - 1
        rows = contiguous(a if last else np.moveaxis(a, d, -1))  # columns to rows first: 2x faster
        vals, idx = np.empty(rows.shape[:-1] + (k,), a.dtype), np.empty(rows.shape[:-1] + (k,), np.int64)
        if vals.size:
            _TOPK[a.dtype](vals.size // k, n, 1, k, 1 if largest else 0, rptr(rows), wptr(vals), wptr(idx),
                           wptr(np.empty(k, np.int64)))
        return idx if last else np.moveaxis(idx, -1, d)
    if 2 * k >= n or n < 64:  # a full sort is as cheap
        idx = sort_indices(a, d, largest, True)
        return np.take(idx, np.arange(k), axis=d)
    part = np.argpartition(a, n - k if largest else k - 1, axis=d)
    part = np.take(part, np.arange(n - k, n) if largest else np.arange(k), axis=d)
    vals = np.take_along_axis(a, part, d)
    order = sort_indices(vals, d, largest, True)
    return np.take_along_axis(part, order, d).astype(np.int64, copy=False)


def kth_indices(a, k, d):
    """int64 indices (keepdim shape) of the k-th smallest (1-based) value along d; NaN is largest."""
    a = order_key(a)
    part = np.argpartition(a, k - 1, axis=d)
    return np.take(part, [k - 1], axis=d).astype(np.int64, copy=False)


def scatter_add_along(shape, d, idx, dy):
    """zeros(shape) with dy added at idx along d (repeated indices accumulate)."""
    dx = np.zeros(shape, dy.dtype)
    if dx.size and idx.size:
        o, n, i = three(shape, d, d)
        k = idx.size // (o * i)
        base = np.arange(o)[:, None, None] * (n * i) + np.arange(i)[None, None, :]
        flat = (base + idx.reshape(o, k, i) * i).ravel()
        dx.ravel()[:] = np.bincount(flat, weights=dy.ravel(), minlength=dx.size)
    return dx


@register("take_along")
class TakeAlong(Function):
    """y = x at idx along d (the values of sort, topk, kthvalue, median, mode, cummax, ...); idx
    has x's rank, and y is squeezed at d unless keepdim.  dx = dy added at idx."""

    @staticmethod
    def forward(ctx, x, idx, d, keepdim=True):
        ctx.save_for_backward(idx)
        ctx.shape, ctx.d = x.shape, d
        y = x[idx] if x.ndim == 1 else np.take_along_axis(x, idx, d) if x.ndim else x.copy()
        return contiguous(y if keepdim or not x.ndim else np.squeeze(y, d))

    @staticmethod
    def backward(ctx, dy):
        (idx,) = ctx.saved
        if not ctx.shape:
            return dy.copy(), None, None, None
        dy = contiguous(dy.reshape(idx.shape))
        return scatter_add_along(ctx.shape, ctx.d, idx, dy), None, None, None


@register("evenly_distributed")
class EvenlyDistributed(Function):
    """y = value, one element of x (the global median).  dx = dy / count at the elements equal to
    it (the NaNs when it is NaN), as torch's evenly_distribute_backward."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.save_for_backward(x, value)
        return np.asarray(value, x.dtype)

    @staticmethod
    def backward(ctx, dy):
        x, v = ctx.saved
        mask = np.isnan(x) if np.isnan(v) else x == v
        dx = np.where(mask, dy / max(int(mask.sum()), 1), np.zeros((), x.dtype)).astype(x.dtype)
        return dx, None
