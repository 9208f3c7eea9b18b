"""Scaled dot-product attention on arrays over the fused C kernels of csrc/attention.c.

q (BH, L, E), k (BH, S, E), v (BH, S, EV) C-contiguous; an additive float mask (M, L, S) whose
block for head bh is (bh // div) % M.  Forward keeps only the row log-sum-exps; backward
recomputes the probabilities block by block (memory linear in L and S)."""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["Attention", "AttnArgs"]

_FWD, _BWD = kernels("attention_fwd"), kernels("attention_bwd")
_I64 = CTYPES[np.dtype(np.int64)]


class AttnArgs:
    """Settings of one attention call: scale, causal, dropout p and its seed, mask broadcast divisor."""

    __slots__ = ("scale", "causal", "p", "seed", "div")

    def __init__(self, scale, causal, p, seed, div):
        self.scale, self.causal, self.p, self.seed, self.div = scale, causal, p, seed, div


def _geometry(q, k, v, mask, a):
    mod = 0 if mask is None else mask.shape[0]
    return np.array([q.shape[0], q.shape[1], k.shape[1], q.shape[2], v.shape[2], int(a.causal), a.div, mod],
                    np.int64)


def _check(err, op):
    if err == -1:
        raise MemoryError(f"{op}: cannot allocate the attention score blocks")
    if err:
        raise RuntimeError(f"{op}: the C kernel failed (error {err})")


@register("scaled_dot_product_attention")
class Attention(Function):
    """o = softmax(scale q k^T + mask) v (causal: key j hidden from query i > ... when j > i), dropout
    p on the probabilities.  dq = scale dS k, dk = scale dS^T q, dv = P^T do, dS = P (dP - rowsum(P dP))."""

    @staticmethod
    def forward(ctx, q, k, v, mask, a):
        q, k, v = contiguous(q), contiguous(k), contiguous(v)
        mask = None if mask is None else contiguous(mask)
        dt = q.dtype
        ct = CTYPES[dt]
        g = _geometry(q, k, v, mask, a)
        o = np.empty((q.shape[0], q.shape[1], v.shape[2]), dt)
        lse = np.empty(q.shape[:2], dt)
        pm = NULL if mask is None else from_buffer(ct, mask)
        _check(_FWD[dt](from_buffer(_I64, g), a.scale, a.p, a.seed, from_buffer(ct, q), from_buffer(ct, k),
                        from_buffer(ct, v), pm, from_buffer(ct, o, True), from_buffer(ct, lse, True)),
               "scaled_dot_product_attention")
        ctx.saved = (q, k, v, mask, lse, g, a)
        return o

    @staticmethod
    def backward(ctx, do):
        q, k, v, mask, lse, g, a = ctx.saved
        dt = q.dtype
        ct = CTYPES[dt]
        do = contiguous(do)
        dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
        pm = NULL if mask is None else from_buffer(ct, mask)
        _check(_BWD[dt](from_buffer(_I64, g), a.scale, a.p, a.seed, from_buffer(ct, q), from_buffer(ct, k),
                        from_buffer(ct, v), pm, from_buffer(ct, lse), from_buffer(ct, do), from_buffer(ct, dq, True),
                        from_buffer(ct, dk, True), from_buffer(ct, dv, True)),
               "scaled_dot_product_attention backward")
        return dq, dk, dv, None, None
