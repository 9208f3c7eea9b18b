"""Layers: Linear, activations, containers, Flatten, Dropout, Embedding, LayerNorm, clip_grad."""
import math

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as NF
from fastgrad.autograd import gradcheck


def _torch():
    """torch, single-threaded (its thread pool spins badly on a loaded 2-core machine), or skip."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def test_linear_forward_shape_and_values(rng):
    lin = nn.Linear(5, 3)
    assert lin.weight.shape == fg.Size([3, 5]) and lin.bias.shape == fg.Size([3])
    x = rng.standard_normal((4, 5)).astype(np.float32)
    y = lin(fg.from_numpy(x))
    np.testing.assert_allclose(y.numpy(force=True), x @ lin.weight._data.T + lin.bias._data, rtol=1e-5, atol=1e-6)
    assert repr(lin) == "Linear(in_features=5, out_features=3, bias=True)"
    nob = nn.Linear(5, 3, bias=False)
    assert nob.bias is None and list(nob.state_dict()) == ["weight"]


def test_linear_init_bounds_are_torchs():
    fg.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt 5) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w = lin.weight.numpy(force=True)
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    b = lin.bias.numpy(force=True)
    assert b.min() >= -bound and b.max() <= bound and b.std() > 0.3 * bound


def test_linear_init_is_seeded():
    fg.manual_seed(7)
    a = nn.Linear(3, 4)
    fg.manual_seed(7)
    b = nn.Linear(3, 4)
    np.testing.assert_array_equal(a.weight._data, b.weight._data)
    np.testing.assert_array_equal(a.bias._data, b.bias._data)


def test_linear_backward_gradcheck(rng):
    lin = nn.Linear(3, 2).double()
    x = fg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: NF.linear(x, w, b), (x, lin.weight, lin.bias))


@pytest.mark.parametrize("module, ref", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.GELU(), lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.Identity(), lambda x: x),
])
def test_activation_modules_forward_matches_numpy(module, ref, rng):
    x = rng.standard_normal((3, 5))
    y = module(fg.tensor(x))
    np.testing.assert_allclose(y.numpy(), ref(x), rtol=1e-6, atol=1e-7)


def test_activation_reprs_match_torch():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softmax(dim=-1)) == "Softmax(dim=-1)"
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"


def test_sequential_indexing_len_append_insert_delete():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b
    seq.append(c)
    assert seq[2] is c and list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert seq(fg.zeros(4, 2)).shape == fg.Size([4, 1])
    del seq[1]
    assert list(seq._modules) == ["0", "1"] and seq[1] is c
    seq.insert(1, b)
    assert list(seq) == [a, b, c]
    with pytest.raises(IndexError):
        seq[3]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("enc", a), ("act", b)]))
    assert list(named.state_dict()) == ["enc.weight", "enc.bias"]


def test_modulelist_and_moduledict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    assert [type(m).__name__ for m in ml] == ["Linear", "Linear", "Linear", "ReLU", "Tanh"]
    assert list(ml.state_dict())[:2] == ["0.weight", "0.bias"]
    md = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert list(md.keys()) == ["enc", "dec"] and "enc" in md and len(md) == 2
    assert list(md.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    md["act"] = nn.ReLU()
    assert md.pop("act").__class__ is nn.ReLU and len(md) == 2


def test_flatten_unflatten():
    x = fg.zeros(2, 3, 4)
    assert nn.Flatten()(x).shape == fg.Size([2, 12])
    assert nn.Flatten(0)(x).shape == fg.Size([24])
    assert nn.Unflatten(1, (3, 4))(fg.zeros(2, 12)).shape == fg.Size([2, 3, 4])


def test_dropout_train_scaling_eval_identity_and_seed():
    x = fg.ones(200, 50)
    d = nn.Dropout(0.25)
    fg.manual_seed(3)
    y = d(x).numpy()
    assert set(np.unique(y).tolist()) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    fg.manual_seed(3)
    np.testing.assert_array_equal(d(x).numpy(), y)
    d.eval()
    assert d(x) is x or np.array_equal(d(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_gradient_is_mask_scaled():
    x = fg.ones(10, 10, requires_grad=True)
    fg.manual_seed(1)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_embedding_forward_backward_with_repeats_and_padding():
    fg.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=1)
    np.testing.assert_array_equal(emb.weight._data[1], 0)
    idx = fg.tensor([[0, 1, 0], [4, 1, 2]])
    out = emb(idx)
    assert out.shape == fg.Size([2, 3, 3])
    np.testing.assert_array_equal(out.detach().numpy(), emb.weight._data[idx.numpy()])
    out.sum().backward()
    g = emb.weight.grad.numpy()
    np.testing.assert_array_equal(g[:, 0], [2, 0, 1, 0, 1])  # row counts; padding row gets none


def test_embedding_from_pretrained_and_errors():
    w = fg.tensor([[1.0, 2.0], [3.0, 4.0]])
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(fg.tensor([1])).numpy(), [[3.0, 4.0]])
    with pytest.raises(IndexError):
        emb(fg.tensor([2]))
    with pytest.raises(RuntimeError):
        emb(fg.tensor([0.5]))


def test_layernorm_forward_matches_numpy(rng):
    x = rng.standard_normal((4, 6)) * 3 + 1
    ln = nn.LayerNorm(6).double()
    ln.weight._data[...] = rng.standard_normal(6)
    ln.bias._data[...] = rng.standard_normal(6)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    ref = (x - mu) / np.sqrt(var + 1e-5) * ln.weight._data + ln.bias._data
    np.testing.assert_allclose(ln(fg.tensor(x)).numpy(force=True), ref, rtol=1e-10, atol=1e-10)


def test_layernorm_backward_gradcheck(rng):
    x = fg.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    w = fg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b = fg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    assert gradcheck(lambda x, w, b: NF.layer_norm(x, (2, 4), w, b), (x, w, b))


def test_one_hot():
    out = NF.one_hot(fg.tensor([0, 2, 1]), 4)
    assert out.dtype == fg.int64
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[[0, 2, 1]])
    assert NF.one_hot(fg.tensor([3])).shape == fg.Size([1, 4])


def test_clip_grad_norm_scales_all_gradients(rng):
    ps = [nn.Parameter(fg.zeros(3)), nn.Parameter(fg.zeros(2, 2)), nn.Parameter(fg.zeros(1))]
    grads = [rng.standard_normal(p.shape).astype(np.float32) for p in ps[:2]]
    for p, g in zip(ps, grads):
        p.grad = fg.from_numpy(g.copy())
    total = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    out = nn.utils.clip_grad_norm_(ps, max_norm=0.5)
    assert abs(out.item() - total) < 1e-5 and ps[2].grad is None
    coef = min(0.5 / (total + 1e-6), 1.0)
    for p, g in zip(ps, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-5)
    inf_norm = nn.utils.clip_grad_norm_(ps, 100.0, norm_type=float("inf"))
    assert abs(inf_norm.item() - max(np.abs(g).max() for g in grads) * coef) < 1e-5


def test_clip_grad_value():
    p = nn.Parameter(fg.zeros(4))
    p.grad = fg.tensor([-3.0, -0.5, 0.5, 3.0])
    nn.utils.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, -0.5, 0.5, 1.0])


def test_layers_match_torch(rng):
    torch = _torch()
    x = rng.standard_normal((4, 2, 6)).astype(np.float32)
    ln = nn.LayerNorm(6)
    ln.weight._data[...] = rng.standard_normal(6)
    tln = torch.nn.LayerNorm(6)
    with torch.no_grad():
        tln.weight.copy_(torch.from_numpy(ln.weight._data))
    xt = torch.from_numpy(x).requires_grad_(True)
    xf = fg.tensor(x, requires_grad=True)
    yt, yf = tln(xt), ln(xf)
    np.testing.assert_allclose(yf.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    (yt * yt).sum().backward()
    (yf * yf).sum().backward()
    np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ln.weight.grad.numpy(), tln.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    # clip_grad_norm_ returns the same norm and scales the same way
    g = [rng.standard_normal((3, 3)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    tp = [torch.zeros(3, 3, requires_grad=True), torch.zeros(5, requires_grad=True)]
    fp = [nn.Parameter(fg.zeros(3, 3)), nn.Parameter(fg.zeros(5))]
    for a, b, gi in zip(tp, fp, g):
        a.grad = torch.from_numpy(gi.copy())
        b.grad = fg.from_numpy(gi.copy())
    for norm_type in (2.0, 1.0, float("inf")):
        nt = torch.nn.utils.clip_grad_norm_(tp, 0.7, norm_type)
        nf = nn.utils.clip_grad_norm_(fp, 0.7, norm_type)
        assert abs(nt.item() - nf.item()) < 1e-5 * max(1, nt.item())
        for a, b in zip(tp, fp):
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-5, atol=1e-7)
