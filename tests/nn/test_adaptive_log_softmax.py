"""nn.AdaptiveLogSoftmaxWithLoss: structure, parameter names and init as torch's; output, loss, log_prob,
predict and every parameter gradient against torch with the weights copied through state_dict; a numpy
float64 check of log_prob; unbatched input; torch's errors."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
CFG = dict(in_features=16, n_classes=20, cutoffs=[4, 10, 15], div_value=2.0)


def _pair(dtype, head_bias, seed=0):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(**CFG, head_bias=head_bias).to(
        torch.float64 if dtype == np.float64 else torch.float32)
    m = nn.AdaptiveLogSoftmaxWithLoss(**CFG, head_bias=head_bias, dtype=fg.float64 if dtype == np.float64 else None)
    m.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return torch, m, t


def test_asm_structure_names_and_init():
    m = nn.AdaptiveLogSoftmaxWithLoss(**CFG)
    names = [k for k, _ in m.named_parameters()]
    assert names == ["head.weight", "tail.0.0.weight", "tail.0.1.weight", "tail.1.0.weight", "tail.1.1.weight",
                     "tail.2.0.weight", "tail.2.1.weight"]
    shapes = {k: tuple(p.shape) for k, p in m.named_parameters()}
    assert shapes["head.weight"] == (4 + 3, 16)
    assert shapes["tail.0.0.weight"] == (8, 16) and shapes["tail.0.1.weight"] == (6, 8)
    assert shapes["tail.1.0.weight"] == (4, 16) and shapes["tail.1.1.weight"] == (5, 4)
    assert shapes["tail.2.0.weight"] == (2, 16) and shapes["tail.2.1.weight"] == (5, 2)
    assert m.shortlist_size == 4 and m.n_clusters == 3 and m.head_size == 7 and m.cutoffs == [4, 10, 15, 20]
    for k, p in m.named_parameters():  # Linear's kaiming-uniform(a=sqrt(5)): |w| <= 1/sqrt(fan_in)
        assert np.abs(p.detach().numpy()).max() <= 1 / np.sqrt(p.shape[1]) + 1e-7
    assert "head.bias" in nn.AdaptiveLogSoftmaxWithLoss(**CFG, head_bias=True).state_dict()
    torch = pytest.importorskip("torch")
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(**CFG, head_bias=True)
    mine = nn.AdaptiveLogSoftmaxWithLoss(**CFG, head_bias=True)
    assert {k: tuple(v.shape) for k, v in t.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in mine.state_dict().items()}
    assert list(t.state_dict()) == list(mine.state_dict())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("head_bias", [False, True])
@pytest.mark.parametrize("targets", [[0, 3, 4, 9, 10, 14, 15, 19, 2], [1, 2, 3], [12, 19, 4], [7]])
def test_asm_forward_and_grads_match_torch(dtype, head_bias, targets):
    torch, m, t = _pair(dtype, head_bias)
    x = np.random.default_rng(len(targets)).standard_normal((len(targets), 16)).astype(dtype)
    a = fg.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    oa, ob = m(a, fg.tensor(targets)), t(b, torch.tensor(targets))
    assert type(oa).__name__ == "_ASMoutput" and oa._fields == ("output", "loss")
    assert tuple(oa.output.shape) == tuple(ob.output.shape) and oa.output.dtype == np.dtype(dtype)
    np.testing.assert_allclose(oa.output.detach().numpy(), ob.output.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(oa.loss.item(), ob.loss.item(), **TOL[dtype])
    (oa.loss + oa.output.sum() * 0.5).backward()
    (ob.loss + ob.output.sum() * 0.5).backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype])
    tp = dict(t.named_parameters())
    for k, p in m.named_parameters():
        if tp[k].grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), k
        else:
            np.testing.assert_allclose(p.grad.numpy(), tp[k].grad.numpy(), err_msg=k, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_asm_log_prob_and_predict_match_torch(dtype):
    torch, m, t = _pair(dtype, True, seed=3)
    x = np.random.default_rng(5).standard_normal((12, 16)).astype(dtype)
    a, b = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    la, lb = m.log_prob(a), t.log_prob(b)
    np.testing.assert_allclose(la.detach().numpy(), lb.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(np.exp(la.detach().numpy().astype(np.float64)).sum(1), 1.0, rtol=1e-5)
    (la * fg.tensor(np.linspace(0, 1, 20).astype(dtype))).sum().backward()
    (lb * torch.tensor(np.linspace(0, 1, 20).astype(dtype))).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype])
    for k, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), dict(t.named_parameters())[k].grad.numpy(), err_msg=k,
                                   **TOL[dtype])
    # predict: all rows in the shortlist, all in clusters, and a mix (head bias steers the head argmax)
    for bias in ([5.0] * 4 + [0.0] * 3, [-5.0] * 4 + [5.0] * 3, [0.0] * 7):
        with torch.no_grad():
            t.head.bias.copy_(torch.tensor(bias))
        m.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
        pa, pb = m.predict(fg.tensor(x)), t.predict(torch.tensor(x))
        assert pa.dtype == np.int64
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())
        np.testing.assert_array_equal(pa.numpy(), m.log_prob(fg.tensor(x)).detach().numpy().argmax(1))


def test_asm_log_prob_matches_numpy_float64():
    m = nn.AdaptiveLogSoftmaxWithLoss(**CFG, head_bias=True, dtype=fg.float64)
    x = np.random.default_rng(2).standard_normal((3, 16))
    w = {k: p.detach().numpy() for k, p in m.named_parameters()}

    def lsm(z):
        return z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
    head = lsm(x @ w["head.weight"].T + w["head.bias"])
    parts = [head[:, :4]] + [lsm(x @ w[f"tail.{i}.0.weight"].T @ w[f"tail.{i}.1.weight"].T) + head[:, 4 + i:5 + i]
                             for i in range(3)]
    np.testing.assert_allclose(m.log_prob(fg.tensor(x)).detach().numpy(), np.concatenate(parts, 1), rtol=1e-12)
    y = np.array([0, 11, 19])
    out = m(fg.tensor(x), fg.tensor(y))
    np.testing.assert_allclose(out.output.detach().numpy(), np.concatenate(parts, 1)[np.arange(3), y], rtol=1e-12)


def test_asm_unbatched_matches_torch():
    torch, m, t = _pair(np.float64, False)
    x = np.random.default_rng(1).standard_normal(16)
    a, b = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    oa, ob = m(a, fg.tensor(12)), t(b, torch.tensor(12))
    assert tuple(oa.output.shape) == tuple(ob.output.shape) == ()
    np.testing.assert_allclose(oa.output.item(), ob.output.item(), rtol=1e-12)
    oa.loss.backward()
    ob.loss.backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("cutoffs", [[], [4, 4], [10, 4], [0, 5], [5, 20], [2.5]])
def test_asm_cutoff_errors_as_torch(cutoffs):
    with pytest.raises(ValueError, match="cutoffs should be a sequence"):
        nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="cutoffs should be a sequence"):
        torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs)


def test_asm_forward_errors_as_torch():
    torch = pytest.importorskip("torch")
    m = nn.AdaptiveLogSoftmaxWithLoss(**CFG)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(**CFG)
    x = np.zeros((3, 16), np.float32)
    bad = [(x, [1, 2]), (x[None], [1, 2, 3]), (x[0], [1]), (x, [[1, 2, 3]]), (x, [1, 2, 20]), (x, [1, -1, 2])]
    for xi, yi in bad:
        with pytest.raises(RuntimeError) as ours:
            m(fg.tensor(xi), fg.tensor(yi))
        with pytest.raises(RuntimeError) as theirs:
            t(torch.tensor(xi), torch.tensor(yi))
        assert str(ours.value).split(",")[0][:30] == str(theirs.value).split(",")[0][:30]
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input"):
        m(fg.tensor(x), fg.tensor(3))


def test_asm_empty_batch_and_noncontiguous_input_match_torch():
    torch, m, t = _pair(np.float32, False)
    out = m(fg.zeros(0, 16), fg.zeros(0, dtype=fg.int64))
    assert tuple(out.output.shape) == (0,) and np.isnan(out.loss.item())
    x = np.random.default_rng(0).standard_normal((16, 5)).astype(np.float32)
    y = [1, 5, 12, 19, 3]
    ours = m(fg.tensor(x).T, fg.tensor(y)).output.detach().numpy()
    np.testing.assert_allclose(ours, t(torch.tensor(x).T, torch.tensor(y)).output.detach().numpy(), **TOL[np.float32])
