"""F.scaled_dot_product_attention over the fused kernel (csrc/attention.c): forward against a float64
numpy reference of the naive algorithm, gradcheck (with and without dropout: backward regenerates
the forward's draws), torch parity, masks and their broadcasting, odd lengths, fully masked rows,
grouped-query heads, bad input."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

sdpa = F.scaled_dot_product_attention


def naive(q, k, v, mask=None, causal=False, scale=None):
    """float64 reference: softmax(q k^T scale + mask) v, a fully masked row gives 0."""
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        s = s + np.triu(np.full(s.shape[-2:], -np.inf), 1)
    if mask is not None:
        s = s + (np.where(mask, 0.0, -np.inf) if mask.dtype == bool else mask)
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(s - m)
    tot = e.sum(-1, keepdims=True)
    p = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return p @ v


def _arrays(rng, *shapes):
    return [rng.standard_normal(s) for s in shapes]


CASES = [  # (q, k, v shapes, causal)
    ((2, 3, 7, 8), (2, 3, 7, 8), (2, 3, 7, 8), False),
    ((2, 2, 65, 16), (2, 2, 65, 16), (2, 2, 65, 16), True),
    ((1, 2, 63, 8), (1, 2, 40, 8), (1, 2, 40, 5), True),
    ((2, 1, 5, 16), (2, 1, 9, 16), (2, 1, 9, 3), True),
    ((1, 1, 1, 8), (1, 1, 1, 8), (1, 1, 1, 8), True),
    ((7, 8), (9, 8), (9, 4), False),
    ((3, 33, 128), (3, 33, 128), (3, 33, 128), True),
    ((0, 2, 4, 8), (0, 2, 4, 8), (0, 2, 4, 8), False),
]


@pytest.mark.parametrize("qs,ks,vs,causal", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sdpa_forward_matches_the_naive_algorithm(qs, ks, vs, causal, dtype, rng):
    q, k, v = _arrays(rng, qs, ks, vs)
    out = sdpa(*(fg.tensor(a.astype(dtype)) for a in (q, k, v)), is_causal=causal)
    assert out.dtype == dtype and tuple(out.shape) == qs[:-1] + vs[-1:]
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), naive(q, k, v, causal=causal), **tol)


GRAD_CASES = [((2, 3, 7, 8), (2, 3, 7, 8), (2, 3, 7, 8), False), ((1, 1, 65, 4), (1, 1, 65, 4), (1, 1, 65, 3), True),
              ((1, 2, 33, 3), (1, 2, 20, 3), (1, 2, 20, 2), True)] + CASES[3:6]


@pytest.mark.parametrize("qs,ks,vs,causal", GRAD_CASES)
def test_sdpa_gradcheck(qs, ks, vs, causal, rng):
    ts = [fg.tensor(a, requires_grad=True) for a in _arrays(rng, qs, ks, vs)]
    assert gradcheck(lambda q, k, v: sdpa(q, k, v, is_causal=causal, scale=0.7), ts)


def test_sdpa_gradcheck_with_masks_and_dropout(rng):
    q, k, v = (fg.tensor(a, requires_grad=True) for a in _arrays(rng, (2, 3, 6, 4), (2, 3, 7, 4), (2, 3, 7, 5)))
    bool_mask = fg.tensor(rng.random((2, 1, 6, 7)) > 0.3)
    float_mask = fg.tensor(rng.standard_normal((3, 6, 7)))
    assert gradcheck(lambda a, b, c: sdpa(a, b, c, attn_mask=bool_mask), [q, k, v])
    assert gradcheck(lambda a, b, c: sdpa(a, b, c, attn_mask=float_mask), [q, k, v])

    def dropped(a, b, c):
        fg.manual_seed(7)        # the same draws for every evaluation: backward must regenerate them
        return sdpa(a, b, c, dropout_p=0.3)
    assert gradcheck(dropped, [q, k, v])
    # a float mask that requires grad goes through the composed path and gets its gradient
    fm = fg.tensor(rng.standard_normal((6, 7)), requires_grad=True)
    assert gradcheck(lambda a, m: sdpa(a, k.detach(), v.detach(), attn_mask=m), [q, fm])


@pytest.mark.parametrize("mask_shape", [(6, 7), (1, 7), (2, 1, 6, 7), (3, 6, 7), (1, 3, 6, 7), (2, 3, 6, 7),
                                        (2, 3, 1, 7), (7,)])
def test_sdpa_masks_broadcast_like_the_scores(mask_shape, rng):
    q, k, v = _arrays(rng, (2, 3, 6, 4), (2, 3, 7, 4), (2, 3, 7, 5))
    for mask in (rng.random(mask_shape) > 0.3, rng.standard_normal(mask_shape)):
        out = sdpa(*(fg.tensor(a) for a in (q, k, v)), attn_mask=fg.tensor(mask))
        np.testing.assert_allclose(out.numpy(), naive(q, k, v, np.broadcast_to(mask, (2, 3, 6, 7))), rtol=1e-12,
                                   atol=1e-12)


def test_sdpa_fully_masked_row_is_zero_with_zero_gradient(rng):
    q, k, v = (fg.tensor(a, requires_grad=True) for a in _arrays(rng, (1, 4, 4), (1, 5, 4), (1, 5, 3)))
    mask = np.ones((4, 5), bool)
    mask[1] = False
    out = sdpa(q, k, v, attn_mask=fg.tensor(mask))
    assert not out.detach().numpy()[0, 1].any()
    out.sum().backward()
    assert not q.grad.numpy()[0, 1].any()
    assert np.isfinite(k.grad.numpy()).all() and np.isfinite(v.grad.numpy()).all()


def test_sdpa_dropout_zeroes_a_fraction_p_and_scales_the_rest(rng):
    """With v = identity, the output rows are the (dropped-out) attention probabilities themselves."""
    fg.manual_seed(0)
    L = S = 64
    q, k = _arrays(rng, (4, L, 8), (4, S, 8))
    v = np.broadcast_to(np.eye(S), (4, S, S)).copy()
    probs = naive(q, k, v)
    out = sdpa(fg.tensor(q), fg.tensor(k), fg.tensor(v), dropout_p=0.25).numpy()
    dropped = out == 0
    assert abs(dropped.mean() - 0.25) < 0.01
    np.testing.assert_allclose(out[~dropped], probs[~dropped] / 0.75, rtol=1e-12)
    again = sdpa(fg.tensor(q), fg.tensor(k), fg.tensor(v), dropout_p=0.25).numpy()
    assert (again != out).any()                                           # a new draw per call
    np.testing.assert_array_equal(sdpa(fg.tensor(q), fg.tensor(k), fg.tensor(v), dropout_p=1.0).numpy(), 0)


def test_sdpa_grouped_query_heads_repeat_key_and_value(rng):
    q, k, v = _arrays(rng, (2, 4, 5, 8), (2, 2, 6, 8), (2, 2, 6, 3))
    ts = [fg.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = sdpa(*ts, enable_gqa=True)
    np.testing.assert_allclose(out.detach().numpy(), naive(q, np.repeat(k, 2, 1), np.repeat(v, 2, 1)), rtol=1e-12)
    assert gradcheck(lambda a, b, c: sdpa(a, b, c, enable_gqa=True), ts)


def test_sdpa_matches_torch(rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    for qs, ks, vs, causal in CASES[:7]:
        for dtype in ("float32", "float64"):
            arrays = [a.astype(dtype) for a in _arrays(rng, qs, ks, vs)]
            ours = [fg.tensor(a, requires_grad=True) for a in arrays]
            theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
            o, ot = sdpa(*ours, is_causal=causal), tf.scaled_dot_product_attention(*theirs, is_causal=causal)
            g = rng.standard_normal(tuple(ot.shape)).astype(dtype)
            (o * fg.tensor(g)).sum().backward()
            (ot * torch.tensor(g)).sum().backward()
            tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(o.detach().numpy(), ot.detach().numpy(), **tol)
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    q, k, v = _arrays(rng, (2, 3, 6, 4), (2, 3, 7, 4), (2, 3, 7, 5))
    mask = rng.random((2, 1, 6, 7)) > 0.5
    mask[0, 0, 2] = False
    np.testing.assert_allclose(sdpa(*(fg.tensor(a) for a in (q, k, v)), attn_mask=fg.tensor(mask)).numpy(),
                               tf.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)),
                                                               attn_mask=torch.tensor(mask)).numpy(), rtol=1e-10)


BAD = [
    (lambda q: sdpa(q, q, q, attn_mask=fg.ones(4, 4, dtype=fg.bool), is_causal=True), RuntimeError,
     "Explicit attn_mask should not be set when is_causal=True"),
    (lambda q: sdpa(q, fg.ones(2, 4, 5), q), RuntimeError, r"do not match"),
    (lambda q: sdpa(q, q, fg.ones(2, 4, 4, dtype=fg.float64)), RuntimeError,
     "Expected query, key, and value to have the same dtype"),
    (lambda q: sdpa(q, q, q, attn_mask=fg.ones(4, 4, dtype=fg.int64)), RuntimeError,
     "Expected attn_mask dtype to be bool or float or to match query dtype"),
    (lambda q: sdpa(q, q, q, attn_mask=fg.ones(3, 4, 4, dtype=fg.bool)), RuntimeError,
     r"attn_mask of shape \[3, 4, 4\] cannot be broadcast"),
    (lambda q: sdpa(q, q, q, dropout_p=1.5), ValueError, "dropout_p must be in"),
    (lambda q: sdpa(q.long(), q, q), TypeError, "scaled_dot_product_attention: expected a floating-point tensor"),
]


@pytest.mark.parametrize("fn,exc,msg", BAD)
def test_sdpa_bad_input(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn(fg.ones(2, 4, 4))
