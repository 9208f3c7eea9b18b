"""Layer normalisation on arrays over the fused C kernels of csrc/layernorm.c: x is seen as (R, N) rows
of the normalised size N; w, b (N) or None."""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["LayerNorm"]

_FWD, _BWD = kernels("layer_norm_fwd"), kernels("layer_norm_bwd")


def _opt(ct, a):
    return NULL if a is None else from_buffer(ct, a)


@register("layer_norm")
class LayerNorm(Function):
    """y = (x - mean) rstd w + b per row (biased variance).  dx = rstd (g - mean(g) - xhat mean(g xhat)),
    g = dy w;  dw = sum dy xhat, db = sum dy over the rows."""

    @staticmethod
    def forward(ctx, x, w, b, n, eps):
        x = contiguous(x)
        dt = x.dtype
        ct = CTYPES[dt]
        rows = x.size // n if n else 0
        w = None if w is None else contiguous(w)
        b = None if b is None else contiguous(b)
        y = np.empty_like(x)
        mean, rstd = np.empty(rows, dt), np.empty(rows, dt)
        _FWD[dt](rows, n, from_buffer(ct, x), _opt(ct, w), _opt(ct, b), eps, from_buffer(ct, y, True),
                 from_buffer(ct, mean, True), from_buffer(ct, rstd, True))
        ctx.saved = (x, w, b is not None, mean, rstd, n)
        return y

    @staticmethod
    def backward(ctx, dy):
        x, w, has_b, mean, rstd, n = ctx.saved
        need = ctx.needs_input_grad
        dt = x.dtype
        ct = CTYPES[dt]
        dy = contiguous(dy)
        dx = np.empty_like(x) if need[0] else None
        dw = np.empty(w.shape, dt) if need[1] and w is not None else None
        db = np.empty((n,), dt) if need[2] and has_b else None
        if x.size:
            _BWD[dt](mean.size, n, from_buffer(ct, x), _opt(ct, w), from_buffer(ct, mean), from_buffer(ct, rstd),
                     from_buffer(ct, dy), *(NULL if g is None else from_buffer(ct, g, True) for g in (dx, dw, db)))
        else:
            for g in (dw, db):
                if g is not None:
                    g[...] = 0
        return dx, dw, (None if db is None else db.reshape(w.shape if w is not None else (n,))), None, None
