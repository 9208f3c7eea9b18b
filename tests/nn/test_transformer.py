"""nn.MultiheadAttention and the Transformer layers: state_dict keys and values loaded from torch give
torch's outputs, attention weights and gradients (every mask form, bias_kv, zero_attn, kdim/vdim,
unbatched, pre/post norm, gelu); a float64 numpy reference and gradcheck without torch; bad input."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
from fastgrad.autograd import gradcheck


def _load_from_torch(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def _compare(ours, theirs, inputs, kwargs, rng, torch, tol=dict(rtol=2e-4, atol=2e-5)):
    """Outputs (and returned weights), input and parameter gradients of ours and theirs agree."""
    ta = [torch.tensor(a, requires_grad=True) for a in inputs]
    fa = [fg.tensor(a, requires_grad=True) for a in inputs]
    conv = {k: (fg.tensor(v), torch.tensor(v)) if isinstance(v, np.ndarray) else (v, v) for k, v in kwargs.items()}
    out = ours(*fa, **{k: v[0] for k, v in conv.items()})
    ref = theirs(*ta, **{k: v[1] for k, v in conv.items()})
    (o, w), (ot, wt) = (out, ref) if isinstance(out, tuple) else ((out, None), (ref, None))
    g = rng.standard_normal(tuple(ot.shape)).astype(inputs[0].dtype)
    (o * fg.tensor(g)).sum().backward()
    (ot * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(o.detach().numpy(), ot.detach().numpy(), **tol)
    if w is not None or wt is not None:
        np.testing.assert_allclose(w.detach().numpy(), wt.detach().numpy(), **tol)
    for a, b in zip(fa, ta):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    theirs_p = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_p[name].grad.numpy(), err_msg=name, **tol)


MHA_CASES = [
    (dict(), dict(), [(5, 3, 8)]),
    (dict(batch_first=True), dict(need_weights=False), [(3, 5, 8)]),
    (dict(batch_first=True), dict(average_attn_weights=False), [(3, 5, 8), (3, 6, 8), (3, 6, 8)]),
    (dict(batch_first=True), dict(need_weights=False, attn_mask="causal", is_causal=True), [(3, 5, 8)]),
    (dict(batch_first=True), dict(attn_mask="causal"), [(3, 5, 8)]),
    (dict(batch_first=True, add_bias_kv=True, add_zero_attn=True), dict(key_padding_mask="kpm", need_weights=False),
     [(3, 5, 8), (3, 6, 8), (3, 6, 8)]),
    (dict(kdim=5, vdim=3), dict(), [(4, 2, 8), (6, 2, 5), (6, 2, 3)]),
    (dict(bias=False), dict(), [(5, 8)]),
    (dict(), dict(attn_mask="float3d"), [(5, 3, 8)]),
]


@pytest.mark.parametrize("init,call,shapes", MHA_CASES)
def test_multihead_attention_matches_torch(init, call, shapes, rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.MultiheadAttention(8, 2 if not init.get("add_bias_kv") else 4, **init)
    ours = nn.MultiheadAttention(8, theirs.num_heads, **init)
    _load_from_torch(ours, theirs)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    if len(inputs) == 1:
        inputs = inputs * 3
    call = dict(call)
    if call.get("attn_mask") == "causal":
        call["attn_mask"] = np.triu(np.ones((5, 5), bool), 1)
    elif call.get("attn_mask") == "float3d":
        call["attn_mask"] = rng.standard_normal((6, 5, 5)).astype(np.float32)
    if call.get("key_padding_mask") == "kpm":
        kpm = rng.random((3, 6)) > 0.7
        kpm[:, 0] = False
        call["key_padding_mask"] = kpm
    if len(shapes) == 1:  # self-attention: one tensor passed three times
        ta = torch.tensor(inputs[0], requires_grad=True)
        fa = fg.tensor(inputs[0], requires_grad=True)
        conv = {k: (fg.tensor(v), torch.tensor(v)) if isinstance(v, np.ndarray) else (v, v) for k, v in call.items()}
        o, w = ours(fa, fa, fa, **{k: v[0] for k, v in conv.items()})
        ot, wt = theirs(ta, ta, ta, **{k: v[1] for k, v in conv.items()})
        (o.sum() + (0 if w is None else w.sum())).backward()
        (ot.sum() + (0 if wt is None else wt.sum())).backward()
        np.testing.assert_allclose(o.detach().numpy(), ot.detach().numpy(), rtol=2e-4, atol=2e-5)
        np.testing.assert_allclose(fa.grad.numpy(), ta.grad.numpy(), rtol=2e-4, atol=2e-5)
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), dict(theirs.named_parameters())[name].grad.numpy(),
                                       rtol=2e-4, atol=2e-5, err_msg=name)
    else:
        _compare(ours, theirs, inputs, call, rng, torch)


def _mha_reference(x, w_in, b_in, w_out, b_out, heads, mask=None):
    """float64 numpy MHA of batch-first x (N, L, E), self-attention."""
    n, length, e = x.shape
    d = e // heads
    qkv = x @ w_in.T + b_in
    q, k, v = (qkv[..., i * e:(i + 1) * e].reshape(n, length, heads, d).transpose(0, 2, 1, 3) for i in range(3))
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
    if mask is not None:
        s = s + mask
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = (p @ v).transpose(0, 2, 1, 3).reshape(n, length, e)
    return o @ w_out.T + b_out, p.mean(1)


def test_multihead_attention_reference_and_gradcheck(rng):
    m = nn.MultiheadAttention(6, 3, batch_first=True, dtype=fg.float64)
    x = rng.standard_normal((2, 4, 6))
    mask = np.triu(np.full((4, 4), -np.inf), 1)
    for need in (True, False):
        out, w = m(fg.tensor(x), fg.tensor(x), fg.tensor(x), attn_mask=fg.tensor(mask), need_weights=need)
        ref, ref_w = _mha_reference(x, m.in_proj_weight.detach().numpy(), m.in_proj_bias.detach().numpy(),
                                    m.out_proj.weight.detach().numpy(), m.out_proj.bias.detach().numpy(), 3, mask)
        np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
        if need:
            np.testing.assert_allclose(w.detach().numpy(), ref_w, rtol=1e-12, atol=1e-12)
        else:
            assert w is None
    t = fg.tensor(x, requires_grad=True)
    assert gradcheck(lambda a: m(a, a, a, need_weights=False)[0], [t])
    assert gradcheck(lambda a: m(a, a, a, attn_mask=fg.tensor(mask), is_causal=True, need_weights=False)[0], [t])


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True), dict(activation="gelu", batch_first=True)])
def test_transformer_layers_match_torch(kw, rng):
    torch = pytest.importorskip("torch")
    shape = (3, 5, 8) if kw.get("batch_first") else (5, 3, 8)
    x = rng.standard_normal(shape).astype(np.float32)
    mem = rng.standard_normal(shape).astype(np.float32)
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    enc = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw)
    ours = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw)
    _load_from_torch(ours, enc)
    _compare(ours, enc, [x], dict(src_mask=mask), rng, torch)
    enc.zero_grad()
    ours.zero_grad()
    stack_t = torch.nn.TransformerEncoder(enc, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    stack = nn.TransformerEncoder(ours, 2, norm=nn.LayerNorm(8))
    _load_from_torch(stack, stack_t)
    _compare(stack, stack_t, [x], dict(mask=mask, is_causal=True), rng, torch)
    dec_t = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kw)
    dec = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kw)
    _load_from_torch(dec, dec_t)
    _compare(dec, dec_t, [x, mem], dict(tgt_mask=mask), rng, torch)


def test_full_transformer_matches_torch_and_its_mask(rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True)
    ours = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True)
    _load_from_torch(ours, theirs)
    src, tgt = rng.standard_normal((2, 6, 8)).astype(np.float32), rng.standard_normal((2, 4, 8)).astype(np.float32)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    _compare(ours, theirs, [src, tgt], dict(tgt_mask=mask.numpy()), rng, torch)


def test_transformer_dropout_trains_and_eval_is_deterministic(rng):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, batch_first=True)
    x = fg.tensor(rng.standard_normal((2, 5, 8)).astype(np.float32))
    a, b = layer(x), layer(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


BAD = [
    (lambda: nn.MultiheadAttention(10, 3), AssertionError, "embed_dim must be divisible by num_heads"),
    (lambda: nn.MultiheadAttention(0, 2), ValueError, "embed_dim and num_heads must be greater than 0"),
    (lambda: nn.MultiheadAttention(8, 2)(fg.ones(5, 3, 6), fg.ones(5, 3, 6), fg.ones(5, 3, 6)), AssertionError,
     "was expecting embedding dimension of 8, but got 6"),
    (lambda: nn.MultiheadAttention(8, 2)(fg.ones(5, 3, 8), fg.ones(5, 3, 8), fg.ones(5, 3, 8),
                                         attn_mask=fg.ones(4, 4, dtype=fg.bool)), RuntimeError,
     r"The shape of the 2D attn_mask is \(4, 4\), but should be \(5, 5\)"),
    (lambda: nn.MultiheadAttention(8, 2)(fg.ones(5, 3, 8), fg.ones(5, 3, 8), fg.ones(5, 3, 8), is_causal=True),
     RuntimeError, "Need attn_mask if specifying the is_causal hint"),
    (lambda: nn.TransformerEncoderLayer(8, 2, activation="tanh"), RuntimeError, "activation should be relu/gelu"),
]


@pytest.mark.parametrize("fn,exc,msg", BAD)
def test_transformer_bad_input(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()
