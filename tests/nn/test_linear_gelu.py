"""Linear followed by GELU: nn.Sequential's fused node (LinearGELU / LinearGELUTanh) and the
backward fusion of the unfused pair (a custom forward's ``gelu(c_fc(x))``) are bitwise the
separate ops, values and gradients; no fusion when the Linear output has another use; torch parity."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as F
import fastgrad.ops.linear_gelu as linear_gelu_ops
from fastgrad import nn

SHAPES = [(5, 13), (3, 7, 13), (1, 13), (13,)]


def grads(*tensors):
    out = [t.grad.numpy().copy() for t in tensors]
    for t in tensors:
        t.grad = None
    return out


def reference(lin, act, x, g):
    """the separate ops, with the GELU's input made a view so that no fusion can happen."""
    h = lin(x)
    y = act(h.view(h.shape))
    y.backward(g)
    return y.detach().numpy().copy(), grads(x, lin.weight, lin.bias)


@pytest.fixture
def colsum_calls(monkeypatch):
    calls = []
    real = linear_gelu_ops._grad_and_colsum

    def spy(*a):
        calls.append(a[0].shape)
        return real(*a)

    monkeypatch.setattr(linear_gelu_ops, "_grad_and_colsum", spy)
    return calls


@pytest.mark.parametrize("dtype", [fg.float32, fg.float64])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", SHAPES)
def test_sequential_fused_node_is_bitwise_the_separate_ops(shape, approximate, dtype, colsum_calls):
    lin, act = nn.Linear(13, 21).to(dtype), nn.GELU(approximate)
    seq = nn.Sequential(lin, act)
    x = fg.randn(*shape, dtype=dtype, requires_grad=True)
    y = seq(x)
    assert y.grad_fn.name() == ("LinearGELUBackward" if approximate == "none" else "LinearGELUTanhBackward")
    g = fg.randn(*y.shape, dtype=dtype)
    y.backward(g)
    got = grads(x, lin.weight, lin.bias)
    assert colsum_calls
    want_y, want = reference(lin, act, x, g)
    np.testing.assert_array_equal(y.detach().numpy(), want_y)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


class NanoMLP(nn.Module):
    """nanoGPT's MLP: a custom forward calling gelu on a Linear's fresh output."""

    def __init__(self, approximate, reuse=False):
        super().__init__()
        self.c_fc, self.gelu, self.c_proj = nn.Linear(13, 24), nn.GELU(approximate), nn.Linear(24, 13)
        self.reuse = reuse

    def forward(self, x):
        if self.reuse:  # the Linear output used twice: no fusion
            h = self.c_fc(x)
            return self.c_proj(self.gelu(h) + 0.5 * h)
        return self.c_proj(self.gelu(self.c_fc(x)))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_custom_forward_gets_the_fused_backward_bitwise(approximate, colsum_calls):
    m = NanoMLP(approximate)
    x = fg.randn(3, 5, 13, requires_grad=True)
    y = m(x)
    g = fg.randn(*y.shape)
    y.backward(g)
    got = grads(x, m.c_fc.weight, m.c_fc.bias, m.c_proj.weight)
    assert colsum_calls == [(3, 5, 24)]  # the GELU made c_fc's bias gradient
    h = m.c_fc(x)
    y2 = m.c_proj(m.gelu(h.view(h.shape)))  # no fusion possible
    y2.backward(g)
    want = grads(x, m.c_fc.weight, m.c_fc.bias, m.c_proj.weight)
    np.testing.assert_array_equal(y.detach().numpy(), y2.detach().numpy())
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_linear_output_used_elsewhere_is_not_fused(rng):
    m = NanoMLP("none", reuse=True).to(fg.float64)
    x = fg.randn(4, 13, dtype=fg.float64, requires_grad=True)
    y = m(x)
    y.sum().backward()
    got = m.c_fc.bias.grad.numpy()
    # float64 reference of d sum(c_proj(gelu(h) + h/2)) / db: colsum(dh), dh = v (gelu'(h) + 1/2)
    h = m.c_fc(x).detach().numpy()
    v = np.ones((4, 13)) @ m.c_proj.weight.detach().numpy()
    from math import erf, exp, pi, sqrt
    dg = np.vectorize(lambda t: 0.5 * (1 + erf(t / sqrt(2))) + t * exp(-t * t / 2) / sqrt(2 * pi))(h)
    np.testing.assert_allclose(got, (v * (dg + 0.5)).sum(0), rtol=1e-12, atol=1e-12)


def test_gelu_without_bias_grad_and_after_other_ops(colsum_calls):
    lin = nn.Linear(6, 4)
    lin.bias.requires_grad_(False)
    x = fg.randn(3, 6, requires_grad=True)
    F.gelu(lin(x)).sum().backward()
    F.gelu(x * 2).sum().backward()
    assert colsum_calls == []
    assert lin.bias.grad is None and lin.weight.grad is not None


def test_linear_gelu_functional_falls_back_and_validates():
    from fastgrad.functional import linear_gelu
    x, w = fg.randn(2, 3, requires_grad=True), fg.randn(4, 3, requires_grad=True)
    y = linear_gelu(x, w, None)  # no bias: the separate ops
    assert y.grad_fn.name() == "GELUBackward"
    np.testing.assert_array_equal(y.detach().numpy(), F.gelu(F.linear(x, w)).detach().numpy())
    with pytest.raises(ValueError, match="gelu.*'x'"):
        linear_gelu(x, w, fg.zeros(4), approximate="x")
    with pytest.raises(RuntimeError, match="linear"):
        linear_gelu(fg.randn(2, 5), w, fg.zeros(4))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_sequential_matches_torch(approximate):
    torch = pytest.importorskip("torch")
    seq = nn.Sequential(nn.Linear(13, 21), nn.GELU(approximate))
    tseq = torch.nn.Sequential(torch.nn.Linear(13, 21), torch.nn.GELU(approximate))
    with torch.no_grad():
        tseq[0].weight.copy_(torch.from_numpy(seq[0].weight.detach().numpy()))
        tseq[0].bias.copy_(torch.from_numpy(seq[0].bias.detach().numpy()))
    xn = np.random.default_rng(0).standard_normal((6, 13)).astype(np.float32) * 2
    x, tx = fg.tensor(xn, requires_grad=True), torch.tensor(xn, requires_grad=True)
    y, ty = seq(x), tseq(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(seq[0].weight.grad.numpy(), tseq[0].weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(seq[0].bias.grad.numpy(), tseq[0].bias.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_gradcheck_fused_node():
    seq = nn.Sequential(nn.Linear(5, 4), nn.GELU()).to(fg.float64)
    x = fg.randn(3, 5, dtype=fg.float64, requires_grad=True)
    assert fg.autograd.gradcheck(lambda a, w, b: fg.functional.linear_gelu(a, w, b),
                                 (x, seq[0].weight, seq[0].bias))


def test_linear_graph_freed_by_another_backward_raises_torchs_error():
    lin = nn.Linear(6, 4)
    x = fg.randn(3, 6, requires_grad=True)
    h = lin(x)
    a = F.gelu(h)
    h.sum().backward()  # frees the Linear node's saved arrays
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        a.sum().backward()


def test_retain_graph_twice_gives_the_same_gradients():
    m = NanoMLP("none")
    x = fg.randn(4, 13, requires_grad=True)
    y = m(x).sum()
    y.backward(retain_graph=True)
    first = grads(x, m.c_fc.weight, m.c_fc.bias)
    y.backward()
    for a, b in zip(first, grads(x, m.c_fc.weight, m.c_fc.bias)):
        np.testing.assert_array_equal(a, b)
