"""Scans along one dim (csrc/scan.c): cumsum, cumprod, logcumsumexp, and the running max/min.

The C kernels see an (outer, len, inner) view of a contiguous array and scan the middle axis."""
import numpy as np

from fastgrad._ffi import kernels, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous, three

__all__ = ["Cumsum", "Cumprod", "Logcumsumexp", "cum_maxmin"]


def _scan(kernel, d, *arrays):
    """kernel(outer, len, inner, *arrays, out) on contiguous arrays; returns the new out."""
    arrays = [contiguous(a) for a in arrays]
    out = np.empty(arrays[0].shape, arrays[0].dtype)
    if out.size:
        o, n, i = three(out.shape, d, d)
        kernel[out.dtype](o, n, i, *[rptr(a) for a in arrays], wptr(out))
    return out


@register("cumsum")
class Cumsum(Function):
    """y[k] = sum_{j <= k} x[j] along d.  dx[k] = sum_{j >= k} dy[j]."""

    FWD, BWD = kernels("cumsum_fwd"), kernels("cumsum_bwd")

    @staticmethod
    def forward(ctx, x, d):
        ctx.d = d
        return _scan(Cumsum.FWD, d, x)

    @staticmethod
    def backward(ctx, dy):
        return _scan(Cumsum.BWD, ctx.d, dy), None


class _ScanOfOutput(Function):
    """A scan whose backward kernel reads the input and the output: y = FWD(x), dx = BWD(x, y, dy)."""

    FWD = BWD = None

    @classmethod
    def forward(cls, ctx, x, d):
        y = _scan(cls.FWD, d, x)
        ctx.save_for_backward(x, y)
        ctx.d = d
        return y

    @classmethod
    def backward(cls, ctx, dy):
        x, y = ctx.saved
        return _scan(cls.BWD, ctx.d, x, y, dy), None


@register("cumprod")
class Cumprod(_ScanOfOutput):
    """y[k] = prod_{j <= k} x[j] along d.  dx[k] = sum_{j >= k} dy[j] prod_{i <= j, i != k} x[i]
    (exact with zeros, as torch)."""

    FWD, BWD = kernels("cumprod_fwd"), kernels("cumprod_bwd")


@register("logcumsumexp")
class Logcumsumexp(_ScanOfOutput):
    """y[k] = log sum_{j <= k} exp(x[j]) along d.  dx[k] = sum_{j >= k} dy[j] exp(x[k] - y[j])."""

    FWD, BWD = kernels("logcumsumexp_fwd"), kernels("logcumsumexp_bwd")


def cum_maxmin(a, d, is_max):
    """(values, int64 indices) of the running max (min) of array ``a`` along d, as torch: a NaN
    wins from where it appears (a later NaN takes the index), a tie takes the later index."""
    if a.ndim == 0 or a.size == 0:
        return a.copy(), np.zeros(a.shape, np.int64)
    vals = (np.maximum if is_max else np.minimum).accumulate(a, axis=d)
    hit = (a == vals) | (np.isnan(a) & np.isnan(vals))
    pos = np.arange(a.shape[d]).reshape((-1,) + (1,) * (a.ndim - 1 - d))
    return vals, np.maximum.accumulate(np.where(hit, pos, 0), axis=d).astype(np.int64)
