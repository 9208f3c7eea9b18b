"""The activation modules: constructor arguments, defaults and reprs as torch's, forward and
backward against torch (PReLU's learnable weight included), inplace=True, train/eval for RReLU,
and the bad-argument errors."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn

# (constructor args, kwargs) per module name: every activation module torch has that fastgrad has
MODULES = [
    ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 3.0, True), {}), ("ReLU6", (), {}), ("ReLU6", (True,), {}),
    ("SiLU", (), {}), ("SiLU", (True,), {}), ("Mish", (), {}), ("Mish", (), {"inplace": True}), ("ELU", (), {}),
    ("ELU", (0.5, True), {}), ("SELU", (), {}), ("SELU", (True,), {}), ("CELU", (2.0,), {}),
    ("Softsign", (), {}), ("LogSigmoid", (), {}), ("GLU", (), {}), ("GLU", (1,), {}), ("PReLU", (), {}),
    ("PReLU", (4, 0.1), {}), ("RReLU", (), {}), ("RReLU", (0.1, 0.3, True), {}), ("Softmin", (1,), {}),
    ("Softmin", (), {}), ("Threshold", (0.1, 20), {}), ("Threshold", (0.1, 20.0, True), {}),
    ("Tanhshrink", (), {}), ("Softshrink", (), {}), ("Hardshrink", (0.3,), {}), ("Hardsigmoid", (True,), {}),
    ("Hardswish", (), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("Softplus", (), {}),
    ("Softplus", (2, 10), {}), ("GELU", (), {}), ("GELU", ("tanh",), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Softmax", (), {}), ("Softmax", (1,), {}), ("LogSoftmax", (1,), {}), ("Softmax2d", (), {}),
    ("Identity", (), {}), ("ReLU", (), {}), ("ReLU", (True,), {}),
]
IDS = [f"{n}{a}{k}" for n, a, k in MODULES]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=IDS)
def test_module_repr_matches_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")  # torch's, for Softmax() and Softmin()
@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=IDS)
def test_module_forward_backward_matches_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((2, 4, 3, 2)) * 3
    x[np.abs(x) < 0.05] = 0.3  # away from the kinks at 0
    m, tm = getattr(nn, name)(*args, **kwargs).double(), getattr(torch.nn, name)(*args, **kwargs).double()
    m.eval()  # RReLU: the deterministic slope
    tm.eval()
    fx, tx = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(fx * 1.0), tm(tx * 1.0)  # a non-leaf, so inplace=True is allowed
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = np.random.default_rng(5).standard_normal(tuple(ty.shape))
    y.backward(fg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)
    for (pn, p), (tn, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert pn == tn
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_inplace_module_returns_its_input_and_a_leaf_raises():
    h = fg.randn(3, 4) * 1.0
    assert nn.ELU(inplace=True)(h) is h
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        nn.ReLU(inplace=True)(fg.randn(3, requires_grad=True))


def test_prelu_parameter_and_training():
    m = nn.PReLU(3, init=0.1)
    assert tuple(m.weight.shape) == (3,) and m.weight.requires_grad
    np.testing.assert_allclose(m.weight.detach().numpy(), 0.1)
    assert list(m.state_dict()) == ["weight"]
    assert nn.PReLU(dtype=fg.float64).weight.dtype == fg.float64
    opt = fg.optim.SGD(m.parameters(), lr=0.1)
    x = -fg.ones(4, 3, 2)
    (m(x).sum()).backward()  # d/dw = sum of x over the batch and spatial dims = -8 per channel
    np.testing.assert_allclose(m.weight.grad.numpy(), -8.0)
    opt.step()
    np.testing.assert_allclose(m.weight.detach().numpy(), 0.9)
    m.reset_parameters()
    np.testing.assert_allclose(m.weight.detach().numpy(), 0.1)


def test_rrelu_module_random_in_training_deterministic_in_eval():
    m = nn.RReLU(0.1, 0.3)
    x = -fg.ones(1000)
    y = m(x).numpy()
    assert y.min() >= -0.3 and y.max() <= -0.1 and y.std() > 0.03
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -0.2)


def test_module_bad_arguments():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(fg.randn(2, 3))


def test_sequential_with_the_new_activations_trains_as_torch():
    torch = pytest.importorskip("torch")
    fg.manual_seed(0)
    layers = lambda m: [m.Linear(5, 8), m.SiLU(), m.Linear(8, 8), m.Mish(), m.Linear(8, 6), m.ELU(),  # noqa: E731
                        m.PReLU(6), m.GLU(), m.Linear(3, 1)]
    fm, tm = nn.Sequential(*layers(nn)).double(), torch.nn.Sequential(*layers(torch.nn)).double()
    with torch.no_grad():
        for p, tp in zip(fm.parameters(), tm.parameters()):
            tp.copy_(torch.tensor(p.detach().numpy()))
    x = np.random.default_rng(0).standard_normal((7, 5))
    loss = (fm(fg.tensor(x)) ** 2).mean()
    tloss = (tm(torch.tensor(x)) ** 2).mean()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    for p, tp in zip(fm.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-14)
