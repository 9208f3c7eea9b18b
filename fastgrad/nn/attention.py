"""MultiheadAttention (torch's arguments, parameters, state_dict keys, masks and return values).

    out = concat_h(softmax(q_h k_h^T / sqrt(d) + mask) v_h) W_o^T + b_o,   q_h, k_h, v_h: slices of the in-projection

need_weights=False runs the fused kernel (F.scaled_dot_product_attention); need_weights=True
computes the attention matrix explicitly, as torch does, to return it.
"""
import math

import numpy as np

from fastgrad import dtypes
from fastgrad import functional as F
from fastgrad.lowp import cast as lowp_cast
from fastgrad.creation import empty, zeros
from fastgrad.nn import init
from fastgrad.nn.linear import Linear
from fastgrad.nn.module import Module
from fastgrad.nn.parameter import Parameter
from fastgrad.tensor import Tensor

__all__ = ["MultiheadAttention"]


def _float_mask(mask, dt, name):
    """A bool mask (True = not allowed) or a float mask as an additive array of dtype dt, or None."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return np.where(m, dt.type(-np.inf), dt.type(0)) if dt.kind != "V" else lowp_cast(np.where(m, -np.inf, 0.0), dt)
    if m.dtype.kind not in "fV":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return m.astype(dt, copy=False) if dt.kind != "V" and m.dtype.kind != "V" else lowp_cast(m, dt)  # (bfloat16)


class MultiheadAttention(Module):
    """Attention from queries to keys/values with num_heads heads of embed_dim // num_heads each."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), dtype=dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), dtype=dt))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), dtype=dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), dtype=dt))
            self.bias_v = Parameter(empty((1, 1, embed_dim), dtype=dt))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _project(self, query, key, value, same):
        """q, k, v: the in-projections of (N, L, E), (N, S, kdim), (N, S, vdim) (same: one input for the three)."""
        e, b = self.embed_dim, self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if same:
                return F.chunk(F.linear(query, w, b), 3, -1)
            return F.linear(query, w[:e], bq), F.linear(key, w[e:2 * e], bk), F.linear(value, w[2 * e:], bv)
        return (F.linear(query, self.q_proj_weight, bq), F.linear(key, self.k_proj_weight, bk),
                F.linear(value, self.v_proj_weight, bv))

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
                average_attn_weights: bool = True, is_causal: bool = False):
        """(attn_output, attn_weights or None); inputs (L, N, E), or (N, L, E) with batch_first, or (L, E)."""
        batched, same = query.dim() == 3, query is key and key is value
        if not batched:
            if query.dim() != 2:
                raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                                     f"{query.dim()}-D query tensor")
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        out, weights = self._attend(query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1), same,
                                    key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal)
        out = out.transpose(0, 1) if not (batched and self.batch_first) else out
        if not batched:
            out = out.squeeze(1)
            weights = None if weights is None else weights.squeeze(0)
        return out, weights

    def _attend(self, query, key, value, same, key_padding_mask, need_weights, attn_mask, average, is_causal):
        """Attention on batch-first (N, L, E) inputs: (output (N, L, E), weights or None)."""
        n, tgt, e = query.shape
        h, d = self.num_heads, self.head_dim
        dt = query._data.dtype
        if e != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but got {e}")
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key shape {list(key.shape)} does not match value shape {list(value.shape)}")
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        causal = is_causal and key_padding_mask is None and not need_weights
        mask = None if causal else _float_mask(attn_mask, dt, "attn_mask")
        kpm = _float_mask(key_padding_mask, dt, "key_padding_mask")
        q, k, v = self._project(query, key, value, same)
        if self.bias_k is not None:
            k = F.cat([k, self.bias_k.expand(n, 1, e)], 1)
            v = F.cat([v, self.bias_v.expand(n, 1, e)], 1)
            mask = None if mask is None else np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])
            kpm = None if kpm is None else np.pad(kpm, [(0, 0), (0, 1)])
        q, k, v = (F.reshape(t, (n, t.shape[1], h, d)).transpose(1, 2) for t in (q, k, v))  # (N, H, len, d)
        if self.add_zero_attn:
            k = F.cat([k, zeros((n, h, 1, d), dtype=dt)], 2)
            v = F.cat([v, zeros((n, h, 1, d), dtype=dt)], 2)
            mask = None if mask is None else np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])
            kpm = None if kpm is None else np.pad(kpm, [(0, 0), (0, 1)])
        src = k.shape[2]
        if mask is not None:
            if mask.ndim == 2 and mask.shape != (tgt, src):
                raise RuntimeError(f"The shape of the 2D attn_mask is {mask.shape}, but should be {(tgt, src)}.")
            if mask.ndim == 3 and mask.shape != (n * h, tgt, src):
                raise RuntimeError(f"The shape of the 3D attn_mask is {mask.shape}, but should be "
                                   f"{(n * h, tgt, src)}.")
            mask = mask.reshape(n, h, tgt, src) if mask.ndim == 3 else mask
        if kpm is not None:
            if kpm.shape != (n, src):
                raise AssertionError(f"expecting key_padding_mask shape of {(n, src)}, but got {kpm.shape}")
            kpm = kpm.reshape(n, 1, 1, src)
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        mask_t = None if mask is None else Tensor._make(np.ascontiguousarray(mask))
        if not need_weights:
            out = F.scaled_dot_product_attention(q, k, v, mask_t, p, causal)
            weights = None
        else:
            scores = F.matmul(F.mul(q, 1.0 / math.sqrt(d)), k.transpose(-2, -1))
            if mask_t is not None:
                scores = F.add(scores, mask_t)
            weights = F.softmax(scores, -1)
            out = F.matmul(F.dropout(weights, p) if p > 0 else weights, v)
            weights = F.mean(weights, 1) if average else weights
        out = F.reshape(out.transpose(1, 2), (n, tgt, e))
        return self.out_proj(out), weights
