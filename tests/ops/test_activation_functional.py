"""The activations of functional/activation_more.py (and relu/leaky_relu/hardswish/hardsigmoid's
in-place forms) at the Tensor level: torch's inplace= semantics, the *_ forms, torch.* and Tensor
method forms, the composed ops' specifics (rrelu's random slopes, gumbel_softmax, prelu's weight
gradient, NaN handling) and bad input.  Values, gradcheck and torch parity of every op are in the
op table (tests/opcases_activation.py)."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

# (name, fastgrad call with inplace, torch call with inplace)
INPLACE = {
    "relu": (lambda t, ip: F.relu(t, inplace=ip), lambda T, t, ip: T.relu(t, inplace=ip)),
    "leaky_relu": (lambda t, ip: F.leaky_relu(t, 0.2, ip), lambda T, t, ip: T.leaky_relu(t, 0.2, ip)),
    "hardswish": (lambda t, ip: F.hardswish(t, ip), lambda T, t, ip: T.hardswish(t, ip)),
    "hardsigmoid": (lambda t, ip: F.hardsigmoid(t, ip), lambda T, t, ip: T.hardsigmoid(t, ip)),
    "hardtanh": (lambda t, ip: F.hardtanh(t, -0.5, 0.7, ip), lambda T, t, ip: T.hardtanh(t, -0.5, 0.7, ip)),
    "relu6": (lambda t, ip: F.relu6(t, ip), lambda T, t, ip: T.relu6(t, ip)),
    "silu": (lambda t, ip: F.silu(t, ip), lambda T, t, ip: T.silu(t, ip)),
    "mish": (lambda t, ip: F.mish(t, ip), lambda T, t, ip: T.mish(t, ip)),
    "elu": (lambda t, ip: F.elu(t, 0.5, ip), lambda T, t, ip: T.elu(t, 0.5, ip)),
    "selu": (lambda t, ip: F.selu(t, ip), lambda T, t, ip: T.selu(t, ip)),
    "celu": (lambda t, ip: F.celu(t, 1.5, ip), lambda T, t, ip: T.celu(t, 1.5, ip)),
    "rrelu": (lambda t, ip: F.rrelu(t, 0.1, 0.3, False, ip), lambda T, t, ip: T.rrelu(t, 0.1, 0.3, False, ip)),
    "threshold": (lambda t, ip: F.threshold(t, 0.2, -1.0, ip), lambda T, t, ip: T.threshold(t, 0.2, -1.0, ip)),
}
X = np.array([[-2.5, -0.3, 0.4, 1.7], [3.5, -4.0, 0.05, -0.9]])


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_a_leaf_that_requires_grad_raises(name):
    fn = INPLACE[name][0]
    x = fg.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        fn(x, True)


@pytest.mark.parametrize("name", list(INPLACE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inplace_writes_into_the_tensors_memory(name, dtype):
    fn = INPLACE[name][0]
    a = X.astype(dtype)
    want = fn(fg.tensor(a), False).numpy()
    x = fg.from_numpy(a)
    v0 = x._version
    out = fn(x, True)
    assert out is x
    np.testing.assert_array_equal(a, want)  # the numpy array the tensor shares was written
    assert x._version > v0
    with fg.no_grad():  # a leaf that requires grad may be written under no_grad, as torch
        w = fg.tensor(X.astype(dtype), requires_grad=True)
        assert fn(w, True) is w
    np.testing.assert_array_equal(w.detach().numpy(), want)


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_a_non_leaf_matches_torch(name):
    torch = pytest.importorskip("torch")
    fn, tfn = INPLACE[name]
    x = fg.tensor(X, requires_grad=True)
    h = x * 2.0
    out = fn(h, True)
    assert out is h and h.grad_fn is not None
    (h * fg.tensor(X + 1)).sum().backward()
    tx = torch.tensor(X, requires_grad=True)
    th = tx * 2.0
    tfn(torch.nn.functional, th, True)
    (th * torch.tensor(X + 1)).sum().backward()
    np.testing.assert_allclose(h.detach().numpy(), th.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_underscore_forms_and_torch_names():
    torch = pytest.importorskip("torch")
    a = X.copy()
    forms = [(F.relu_, ()), (F.elu_, (0.5,)), (F.selu_, ()), (F.celu_, (2.0,)), (F.leaky_relu_, (0.3,)),
             (F.hardtanh_, (-0.2, 0.2)), (F.rrelu_, (0.1, 0.2)), (F.threshold_, (0.1, 5.0)),
             (fg.relu_, ()), (fg.selu_, ()), (fg.celu_, ()), (fg.rrelu_, ()), (fg.threshold_, (0.0, 1.0))]
    for f, args in forms:
        x = fg.tensor(a)
        tx = torch.tensor(a)
        assert f(x, *args) is x
        tf = getattr(torch, f.__name__) if hasattr(torch, f.__name__) else getattr(torch.nn.functional, f.__name__)
        tf(tx, *args)
        np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12, err_msg=f.__name__)
    for name, args in [("selu", ()), ("celu", (0.7,)), ("rrelu", ()), ("threshold", (0.1, 2.0)),
                       ("hardshrink", (0.4,))]:
        np.testing.assert_allclose(getattr(fg, name)(fg.tensor(a), *args).numpy(),
                                   getattr(torch, name)(torch.tensor(a), *args).numpy(), rtol=1e-12)
    x = fg.tensor(a)
    assert x.relu_() is x and (x.numpy() >= 0).all()
    np.testing.assert_allclose(fg.tensor(a).hardshrink(0.5).numpy(), torch.tensor(a).hardshrink(0.5).numpy())
    w = np.array([0.1, 0.2])
    x4 = np.random.default_rng(1).standard_normal((3, 2, 4))
    np.testing.assert_allclose(fg.tensor(x4).prelu(fg.tensor(w)).numpy(),
                               torch.tensor(x4).prelu(torch.tensor(w)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(fg.prelu(fg.tensor(x4), fg.tensor(w)).numpy(),
                               torch.prelu(torch.tensor(x4), torch.tensor(w)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape,channels", [((2, 3, 4, 5), 3), ((6, 4), 4), ((5,), 1), ((2, 3, 4), 1)])
def test_prelu_weight_gradient_matches_torch(shape, channels):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    x[..., 0] = 0.0  # the value at 0: weight * dy for x, nothing for the weight
    w = rng.uniform(0.1, 0.5, channels)
    g = rng.standard_normal(shape)
    fx, fw = fg.tensor(x, requires_grad=True), fg.tensor(w, requires_grad=True)
    F.prelu(fx, fw).backward(fg.tensor(g))
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    torch.nn.functional.prelu(tx, tw).backward(torch.tensor(g))
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(fw.grad.numpy(), tw.grad.numpy(), rtol=1e-12)
    assert gradcheck(F.prelu, [fg.tensor(x + 0.01 * (x == 0), requires_grad=True), fg.tensor(w, requires_grad=True)])


def test_rrelu_training_draws_slopes_in_range_and_backward_uses_them():
    fg.manual_seed(0)
    x = fg.tensor(np.random.default_rng(0).standard_normal(4000), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    a, b, g = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    neg = a < 0
    slopes = b[neg] / a[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03  # random, per element
    np.testing.assert_allclose(g[neg], slopes, rtol=1e-12)
    np.testing.assert_array_equal(b[~neg], a[~neg])
    np.testing.assert_array_equal(g[~neg], 1.0)
    np.testing.assert_allclose(F.rrelu(x, 0.1, 0.3).detach().numpy(), np.where(a > 0, a, 0.2 * a))


def test_gumbel_softmax_soft_and_hard():
    fg.manual_seed(1)
    logits = fg.tensor(np.log(np.array([[0.1, 0.2, 0.7]] * 3000)), requires_grad=True)
    y = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(y.detach().numpy().sum(1), 1.0, rtol=1e-12)
    h = F.gumbel_softmax(logits, tau=0.5, hard=True, dim=1)
    hv = h.detach().numpy()
    assert set(np.unique(hv)) <= {0.0, 1.0} and (hv.sum(1) == 1).all()
    np.testing.assert_allclose(hv.mean(0), [0.1, 0.2, 0.7], atol=0.03)  # Gumbel-max draws the softmax
    w = fg.tensor(np.random.default_rng(0).standard_normal((3000, 3)))
    (h * w).sum().backward()  # straight-through: the soft sample's gradient
    assert np.abs(logits.grad.numpy()).sum() > 0
    np.testing.assert_allclose(logits.grad.numpy().sum(1), 0.0, atol=1e-10)
    with pytest.warns(UserWarning, match="eps"):
        F.gumbel_softmax(logits, eps=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.gumbel_softmax(fg.tensor([1.0, 2.0]))


def test_nan_and_kinks_match_torch():
    torch = pytest.importorskip("torch")
    v = np.array([np.nan, -0.5, 0.5, -0.2, 0.2, 0.0, 6.0, -1.0, 1.0, np.inf, -np.inf])
    cases = [("threshold", (0.2, 5.0)), ("hardshrink", (0.5,)), ("softshrink", (0.5,)), ("hardtanh", ()),
             ("relu6", ()), ("tanhshrink", ()), ("softsign", ()), ("logsigmoid", ()), ("elu", ()),
             ("selu", ()), ("celu", (2.0,)), ("silu", ()), ("mish", ())]
    for name, args in cases:
        x = fg.tensor(v, requires_grad=True)
        tx = torch.tensor(v, requires_grad=True)
        y, ty = getattr(F, name)(x, *args), getattr(torch.nn.functional, name)(tx, *args)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, err_msg=name)
        fin = np.isfinite(v)  # gradients at the finite points, kinks included
        y.backward(fg.ones_like(y))
        ty.backward(torch.ones_like(ty))
        np.testing.assert_allclose(x.grad.numpy()[fin], tx.grad.numpy()[fin], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("fn", [F.silu, F.mish, F.elu, F.selu, F.celu, F.softsign, F.logsigmoid, F.hardtanh,
                                F.relu6, F.tanhshrink, F.softshrink, F.hardshrink, F.glu, F.rrelu,
                                lambda t: F.threshold(t, 0.0, 1.0), lambda t: F.softmin(t, 0),
                                F.gumbel_softmax, lambda t: F.prelu(t, fg.tensor([0.25]))])
def test_non_float_input_raises_type_error_naming_the_op(fn):
    with pytest.raises(TypeError, match=r"^\w+: expected a floating-point tensor"):
        fn(fg.tensor([1, 2]))
    with pytest.raises(TypeError, match="expected a Tensor"):
        fn([1.0, 2.0])


def test_bad_arguments_raise_as_torch():
    x = fg.randn(3, 4)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(RuntimeError, match="lambda must be in range"):
        F.softshrink(x, -1.0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError: alpha cannot be 0 for CELU"):
        F.celu(x, 0.0)
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 0 is size 3"):
        F.glu(x, 0)
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(fg.tensor(1.0))
    with pytest.raises(IndexError):
        F.glu(x, 5)
    with pytest.raises(RuntimeError, match="Found parameter numbers = 3 and channel size = 4"):
        F.prelu(fg.randn(2, 4), fg.ones(3))
    with pytest.raises(RuntimeError, match="Expected `weight` to be a scalar or 1D tensor"):
        F.prelu(fg.randn(2, 4), fg.ones(1, 4))
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        F.rrelu(x, 0.5, 0.1)
    F.hardshrink(x, -1.0)  # torch accepts a negative lambd here
