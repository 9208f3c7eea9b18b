"""Op cases for layer_norm, scaled_dot_product_attention (the fused kernels) and max_unpool (see
test_ops.py), with their float64 numpy references."""
import numpy as np

import fastgrad.functional as F
from opcases.common import _n, _torch, case


def layer_norm_ref(x, w=None, b=None, k=1, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def sdpa_ref(q, k, v, causal=False, scale=None):
    s = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    if causal:
        s = s + np.triu(np.full(s.shape[-2:], -np.inf), 1)
    p = np.exp(s - s.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True) @ v


def _tf(name, **kw):
    return lambda *a: getattr(_torch().nn.functional, name)(*a, **kw)


def unpool_ref(x, idx, out_hw):
    n, c = x.shape[:2]
    y = np.zeros((n, c, out_hw[0] * out_hw[1]))
    np.put_along_axis(y, idx.reshape(n, c, -1), x.reshape(n, c, -1), 2)
    return y.reshape(n, c, *out_hw)


_IDX = np.array([[[[0, 3], [9, 14]], [[5, 2], [8, 15]]]])  # flat positions in a 4x4 output, one per 2x2 window

CASES = [
    case("layer_norm", lambda x, w, b: F.layer_norm(x, (6,), w, b), lambda x, w, b: layer_norm_ref(x, w, b),
         _n((4, 6), (6,), (6,)), "last-dim-affine",
         torch=lambda x, w, b: _torch().nn.functional.layer_norm(x, (6,), w, b)),
    case("layer_norm", lambda x: F.layer_norm(x, (3, 4)), lambda x: layer_norm_ref(x, k=2), _n((2, 3, 4)),
         "two-dims-plain"),
    case("layer_norm", lambda x: F.layer_norm(x.transpose(0, 1), 5), lambda x: layer_norm_ref(x.swapaxes(0, 1)),
         _n((5, 3)), "non-contiguous"),
    case("scaled_dot_product_attention", F.scaled_dot_product_attention, sdpa_ref, _n((2, 5, 4), (2, 7, 4), (2, 7, 3)),
         "cross", torch=_tf("scaled_dot_product_attention")),
    case("scaled_dot_product_attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
         lambda q, k, v: sdpa_ref(q, k, v, causal=True), _n((1, 2, 9, 4), (1, 2, 9, 4), (1, 2, 9, 4)), "causal",
         torch=_tf("scaled_dot_product_attention", is_causal=True)),
    case("max_unpool", lambda x: F.max_unpool2d(x, _IDX.repeat(2, 0), 2),
         lambda x: unpool_ref(x, _IDX.repeat(2, 0), (4, 4)), _n((2, 2, 2, 2)), "2x2-to-4x4"),
]
