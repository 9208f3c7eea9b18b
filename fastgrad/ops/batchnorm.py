"""Batch normalisation on arrays over the fused C kernels of csrc/batchnorm.c: x (N, C, *) is seen
as (N, C, HW); statistics per channel over N and HW."""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["BatchNorm", "BNArgs"]

_FWD, _BWD = kernels("batch_norm_fwd"), kernels("batch_norm_bwd")
_F64 = CTYPES[np.dtype(np.float64)]


class BNArgs:
    """Settings of one batch_norm call.  training: use (and return in mean/var) the batch statistics,
    else normalise with mean/var (the running statistics, float64 arrays)."""

    __slots__ = ("training", "mean", "var", "eps")

    def __init__(self, training, mean, var, eps):
        self.training, self.mean, self.var, self.eps = training, mean, var, eps


def _opt(ct, a):
    return NULL if a is None else from_buffer(ct, a)


@register("batch_norm")
class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) w + b per channel; training: batch mean and biased variance
    (one pass, double), left in args.mean/args.var.  Backward: dw = sum dy xhat, db = sum dy,
    dx = w invstd (dy - mean(dy) - xhat mean(dy xhat)) in training, w invstd dy in eval."""

    @staticmethod
    def forward(ctx, x, w, b, a):
        x = contiguous(x)
        n, c = x.shape[0], x.shape[1]
        hw = x.size // (n * c) if n * c else 0
        dt = x.dtype
        ct = CTYPES[dt]
        if a.training:
            a.mean, a.var = np.empty(c), np.empty(c)
        w = None if w is None else contiguous(w)
        b = None if b is None else contiguous(b)
        y = np.empty_like(x)
        _FWD[dt](n, c, hw, from_buffer(ct, x), _opt(ct, w), _opt(ct, b), from_buffer(_F64, a.mean, True),
                 from_buffer(_F64, a.var, True), from_buffer(ct, y, True), int(a.training), a.eps)
        ctx.saved = (x, w, a.mean, a.var, a.training, a.eps, hw)
        return y

    @staticmethod
    def backward(ctx, dy):
        x, w, mean, var, training, eps, hw = ctx.saved
        need = ctx.needs_input_grad
        dt = x.dtype
        ct = CTYPES[dt]
        dy = contiguous(dy)
        c = x.shape[1]
        dx = np.empty_like(x) if need[0] else None
        dw = np.empty(c, dt) if need[1] else None
        db = np.empty(c, dt) if need[2] else None
        _BWD[dt](x.shape[0], c, hw, from_buffer(ct, x), _opt(ct, w), from_buffer(_F64, mean), from_buffer(_F64, var),
                 from_buffer(ct, dy), *(NULL if g is None else from_buffer(ct, g, True) for g in (dx, dw, db)),
                 int(training), eps)
        return dx, dw, db, None
