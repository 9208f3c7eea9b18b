"""torch.gradient (functional/finite_differences.py): values against numpy.gradient in float64
(uniform spacings, per-dim spacings, sample coordinates, edge_order 1 and 2), gradients against
gradcheck and torch, integer inputs, and bad input raising torch's exception type."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck

RNG = np.random.default_rng(4)


def _torch():
    return pytest.importorskip("torch")


def _raises_like(fn_fg, fn_th):
    torch = _torch()
    with pytest.raises(Exception) as te:
        fn_th(torch)
    with pytest.raises(type(te.value)):
        fn_fg(fg)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_matches_numpy(edge_order):
    x = RNG.standard_normal((4, 5, 3))
    c0, c1 = np.sort(RNG.uniform(0, 5, 4)), np.sort(RNG.uniform(-2, 2, 5))
    cases = [({}, {}), ({"spacing": 0.5}, {"varargs": [0.5]}),
             ({"spacing": [2.0, 0.5, 3.0]}, {"varargs": [2.0, 0.5, 3.0]}),
             ({"spacing": [fg.tensor(c0), fg.tensor(c1)], "dim": [0, 1]}, {"varargs": [c0, c1], "axis": (0, 1)}),
             ({"dim": -1}, {"axis": -1}), ({"spacing": 2.0, "dim": 1}, {"varargs": [2.0], "axis": 1})]
    for fkw, nkw in cases:
        nkw = dict(nkw)
        ref = np.gradient(x, *nkw.pop("varargs", []), edge_order=edge_order, **nkw)
        ref = ref if isinstance(ref, (list, tuple)) else [ref]
        out = fg.gradient(fg.tensor(x), edge_order=edge_order, **fkw)
        assert isinstance(out, tuple) and len(out) == len(ref)
        for o, r in zip(out, ref):
            np.testing.assert_allclose(o.numpy(), r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_torch_parity_and_grads(edge_order):
    torch = _torch()
    x = RNG.standard_normal((3, 5))
    c = np.sort(RNG.uniform(0, 4, 5))
    for kw in ({}, {"spacing": 2.5}, {"spacing": [2.0, 0.5]}, {"spacing": ["c"], "dim": 1}, {"dim": 0}):
        fkw = {k: ([fg.tensor(c)] if v == ["c"] else v) for k, v in kw.items()}
        tkw = {k: ([torch.tensor(c)] if v == ["c"] else v) for k, v in kw.items()}
        a, ta = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = fg.gradient(a, edge_order=edge_order, **fkw), torch.gradient(ta, edge_order=edge_order, **tkw)
        assert len(out) == len(tout)
        for o, t in zip(out, tout):
            np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
        sum(o.sum() * (i + 1) for i, o in enumerate(out)).backward()
        sum(t.sum() * (i + 1) for i, t in enumerate(tout)).backward()
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    cc = fg.tensor(c, requires_grad=True)
    assert gradcheck(lambda t, s: fg.gradient(t, spacing=[s], dim=1, edge_order=edge_order)[0],
                     [fg.tensor(x, requires_grad=True), cc])
    assert gradcheck(lambda t: fg.gradient(t.transpose(0, 1), edge_order=edge_order)[1],
                     [fg.tensor(x, requires_grad=True)])
    y = fg.gradient(fg.tensor(x, dtype=fg.float32), edge_order=edge_order)[0]
    ty = torch.gradient(torch.tensor(x, dtype=torch.float32), edge_order=edge_order)[0]
    assert y.dtype == fg.float32
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-6)


def test_gradient_integer_input_and_shapes():
    torch = _torch()
    for x in ([1, 4, 9, 16], [[1, 2, 4], [3, 9, 27]]):
        out, tout = fg.gradient(fg.tensor(x), dim=-1), torch.gradient(torch.tensor(x), dim=-1)
        for o, t in zip(out, tout):
            assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
            np.testing.assert_allclose(o.numpy(), t.numpy())
    assert fg.gradient(fg.tensor(1.0)) == ()
    assert fg.gradient(fg.ones(1, 4), dim=1)[0].shape == (1, 4)


def test_gradient_errors_as_torch():
    for c in (lambda m: m.gradient(m.ones(3, 4), spacing=[2.0]),
              lambda m: m.gradient(m.ones(3, 4), edge_order=3),
              lambda m: m.gradient(m.ones(2, 4), edge_order=2),
              lambda m: m.gradient(m.ones(3, 4), dim=[0, 0]),
              lambda m: m.gradient(m.ones(1, 4)),
              lambda m: m.gradient(m.ones(3, 4), dim=2),
              lambda m: m.gradient(m.ones(3, 4), spacing=[m.ones(1, 3)], dim=0)):
        _raises_like(c, c)
    with pytest.raises(RuntimeError, match="one value per sample"):   # torch returns a misshapen result
        fg.gradient(fg.ones(3, 4), spacing=[fg.tensor([0.0, 1.0])], dim=0)
