"""Scaled dot-product attention at the Tensor level (torch's F.scaled_dot_product_attention): shape
and mask rules, grouped-query heads, then the fused ``ops.attention.Attention``.

    out = softmax(q k^T * scale + mask) v,  scale = 1 / sqrt(E) by default
    is_causal: query i sees keys j <= i (torch's top-left aligned tril(ones(L, S)))
    bool mask: True takes part; float mask: added to the scores
"""
import math

import numpy as np

from fastgrad.lowp import cast as lowp_cast
from fastgrad.functional import elementwise as E
from fastgrad.functional import reduce as R
from fastgrad.functional._promote import float_input
from fastgrad.functional.linalg import matmul
from fastgrad.functional.shape import reshape, transpose
from fastgrad.ops.attention import Attention, AttnArgs
from fastgrad.random import default_generator
from fastgrad.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]

_OP = "scaled_dot_product_attention"


def _additive_mask(attn_mask, dt, n_q, n_k):
    """The mask as an additive float array (bool: 0 where True, -inf where False), or None."""
    if attn_mask is None:
        return None
    m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    if m.dtype == np.bool_:
        m = np.where(m, dt.type(0), dt.type(-np.inf))
    elif m.dtype != dt:
        raise RuntimeError(f"{_OP}: Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {m.dtype} and query.dtype: {dt} instead.")
    if m.ndim < 2:
        m = np.broadcast_to(m, (n_q, n_k))
    try:
        np.broadcast_shapes(m.shape[-2:], (n_q, n_k))
    except ValueError:
        raise RuntimeError(f"{_OP}: attn_mask of shape {list(m.shape)} cannot be broadcast to the scores "
                           f"({n_q}, {n_k})") from None
    return m


def _mask_blocks(m, batch, n_q, n_k):
    """(mask as (M, L, S), div) with head bh's block at (bh // div) % M, for batch dims ``batch``."""
    mb = (1,) * (len(batch) - (m.ndim - 2)) + m.shape[:-2] if m.ndim - 2 <= len(batch) else None
    if mb is None or any(a not in (1, b) for a, b in zip(mb, batch)):
        raise RuntimeError(f"{_OP}: attn_mask of shape {list(m.shape)} cannot be broadcast to the scores "
                           f"{list(batch) + [n_q, n_k]}")
    m = np.broadcast_to(m, m.shape[:-2] + (n_q, n_k))
    full = [a == b for a, b in zip(mb, batch)]
    ones = [a == 1 for a in mb]
    for cut in range(len(batch) + 1):  # a run of full dims, then a run of size-1 dims
        if all(full[:cut]) and all(ones[cut:]):
            mod = int(np.prod(batch[:cut]))
            return np.ascontiguousarray(m).reshape(mod, n_q, n_k), int(np.prod(batch[cut:]))
    mod = int(np.prod(batch))
    return np.ascontiguousarray(np.broadcast_to(m, tuple(batch) + (n_q, n_k))).reshape(mod, n_q, n_k), 1


def _reference(q, k, v, attn_mask, dropout_p, is_causal, scale):
    """The composed (graph-recording) form, for a float mask that requires grad."""
    n_q, n_k = q.shape[-2], k.shape[-2]
    w = E.mul(matmul(q, transpose(k, -2, -1)), scale)
    if is_causal:
        w = E.add(w, lowp_cast(np.triu(np.full((n_q, n_k), -np.inf, np.float32), 1), q._data.dtype))
    w = E.add(w, attn_mask)
    p = R.softmax(w, -1)
    if dropout_p > 0:
        p = E.dropout(p, dropout_p)
    return matmul(p, v)


def _broadcast_batch(q, k, v, enable_gqa):
    """q, k, v with a common batch shape (k, v heads repeated when enable_gqa)."""
    if enable_gqa and q.dim() >= 3 and k.dim() >= 3 and k.shape[-3] != q.shape[-3]:
        hq, hk = q.shape[-3], k.shape[-3]
        if hk == 0 or hq % hk or v.shape[-3] != hk:
            raise RuntimeError(f"{_OP}: number of heads in key and value must divide the number of heads in query "
                               f"(query {hq}, key {hk}, value {v.shape[-3]})")
        rep = hq // hk
        k, v = _repeat_heads(k, rep), _repeat_heads(v, rep)
    try:
        batch = np.broadcast_shapes(tuple(q.shape[:-2]), tuple(k.shape[:-2]), tuple(v.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"{_OP}: the batch dims of query {list(q.shape)}, key {list(k.shape)} and value "
                           f"{list(v.shape)} do not broadcast") from None
    return k, v, tuple(batch)


def _repeat_heads(t, rep):
    """t (..., H, S, E) -> (..., H rep, S, E), each head repeated rep times (gradients summed back)."""
    shape = tuple(t.shape)
    x = t.unsqueeze(-3).expand(*shape[:-2], rep, *shape[-2:])
    return reshape(x, shape[:-3] + (shape[-3] * rep,) + shape[-2:])


def _flat(t, batch, rows, cols):
    x = t if tuple(t.shape[:-2]) == batch else t.expand(*batch, t.shape[-2], t.shape[-1])
    return reshape(x, (int(np.prod(batch)), rows, cols))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None, enable_gqa: bool = False) -> Tensor:
    """softmax(query key^T * scale + mask) value over the last two dims of query (..., L, E),
    key (..., S, E), value (..., S, Ev); dropout_p on the attention probabilities."""
    q, k, v = (float_input(t, _OP) for t in (query, key, value))
    dt = q._data.dtype
    if k._data.dtype != dt or v._data.dtype != dt:
        raise RuntimeError(f"{_OP}: Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{dt}, key.dtype: {k._data.dtype}, and value.dtype: {v._data.dtype} instead.")
    if min(q.dim(), k.dim(), v.dim()) < 2:
        raise RuntimeError(f"{_OP}: query, key and value must have at least 2 dims, got {list(q.shape)}, "
                           f"{list(k.shape)}, {list(v.shape)}")
    n_q, e, n_k = q.shape[-2], q.shape[-1], k.shape[-2]
    if k.shape[-1] != e or v.shape[-2] != n_k:
        raise RuntimeError(f"{_OP}: query {list(q.shape)}, key {list(k.shape)} and value {list(v.shape)} do not "
                           f"match: key needs query's last dim ({e}) and value key's sequence length ({n_k})")
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{_OP}: Explicit attn_mask should not be set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{_OP}: dropout_p must be in [0, 1], got {dropout_p}")
    scale = 1.0 / math.sqrt(e) if scale is None else float(scale)
    k, v, batch = _broadcast_batch(q, k, v, enable_gqa)
    if isinstance(attn_mask, Tensor) and attn_mask.requires_grad:
        return _reference(q, k, v, attn_mask, dropout_p, is_causal, scale)
    mask = _additive_mask(attn_mask, dt, n_q, n_k)
    mask, div = (None, 1) if mask is None else _mask_blocks(mask, batch, n_q, n_k)
    seed = int(default_generator.rng.integers(0, 2 ** 63)) if dropout_p > 0 else 0
    a = AttnArgs(scale, bool(is_causal), float(dropout_p), seed, div)
    out = Attention.apply(_flat(q, batch, n_q, e), _flat(k, batch, n_k, e), _flat(v, batch, n_k, v.shape[-1]), mask, a)
    return reshape(out, batch + (n_q, v.shape[-1]))
