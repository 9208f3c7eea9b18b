"""BatchNorm1d / BatchNorm2d and F.batch_norm: running statistics (momentum, cumulative average,
unbiased variance), num_batches_tracked, train/eval, track_running_stats, affine, state_dict keys,
bad input, the C statistics on shifted data, torch parity over several steps."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck
from opcases_conv import batch_norm_ref


def _t(a, dtype=np.float64, grad=False):
    return fg.tensor(np.asarray(a, dtype), requires_grad=grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batchnorm2d_running_stats_follow_momentum_and_unbiased_var(dtype, rng):
    m = nn.BatchNorm2d(3, momentum=0.25, dtype=fg.float32 if dtype == np.float32 else fg.float64)
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(1, 4):
        x = rng.standard_normal((4, 3, 2, 5)) * 2 + step
        y = m(_t(x, dtype))
        np.testing.assert_allclose(y.detach().numpy(), batch_norm_ref(x), rtol=1e-4 if dtype == np.float32 else 1e-10,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)
        rm = 0.75 * rm + 0.25 * x.mean(axis=(0, 2, 3))
        rv = 0.75 * rv + 0.25 * x.var(axis=(0, 2, 3), ddof=1)
        assert int(m.num_batches_tracked.numpy()) == step
    np.testing.assert_allclose(m.running_mean.numpy(), rm, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(m.running_var.numpy(), rv, rtol=1e-5 if dtype == np.float32 else 1e-12)
    m.eval()
    x = rng.standard_normal((2, 3, 2, 2))
    np.testing.assert_allclose(m(_t(x, dtype)).detach().numpy(), batch_norm_ref(x, None, None, rm, rv),
                               rtol=1e-4 if dtype == np.float32 else 1e-10)
    assert int(m.num_batches_tracked.numpy()) == 3      # eval does not count


def test_batchnorm1d_momentum_none_is_the_cumulative_average(rng):
    m = nn.BatchNorm1d(2, momentum=None, dtype=fg.float64)
    xs = [rng.standard_normal((5, 2)) + i for i in range(4)]
    for x in xs:
        m(_t(x))
    np.testing.assert_allclose(m.running_mean.numpy(), np.mean([x.mean(0) for x in xs], axis=0), rtol=1e-12)
    np.testing.assert_allclose(m.running_var.numpy(), np.mean([x.var(0, ddof=1) for x in xs], axis=0), rtol=1e-12)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval(rng):
    m = nn.BatchNorm2d(3, track_running_stats=False, affine=False).eval()
    assert m.running_mean is None and m.num_batches_tracked is None and list(m.state_dict()) == []
    x = rng.standard_normal((2, 3, 4, 4))
    np.testing.assert_allclose(m(_t(x, np.float32)).numpy(), batch_norm_ref(x), rtol=1e-4, atol=1e-5)


def test_batchnorm_state_dict_keys_and_loading_torch_buffers(rng):
    torch = pytest.importorskip("torch")
    t = torch.nn.BatchNorm2d(4)
    t(torch.randn(3, 4, 5, 5) * 3 + 1)
    m = nn.BatchNorm2d(4)
    assert list(m.state_dict()) == list(t.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                                            "num_batches_tracked"]
    assert m.num_batches_tracked.dtype == fg.int64 and m.num_batches_tracked.shape == ()
    m.load_state_dict({k: fg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(m.eval()(_t(x, np.float32)).detach().numpy(), t.eval()(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,shape,kw", [("BatchNorm2d", (4, 3, 5, 6), {}),
                                          ("BatchNorm1d", (8, 3), dict(momentum=None)),
                                          ("BatchNorm1d", (4, 3, 7), dict(affine=False)),
                                          ("BatchNorm2d", (2, 3, 4, 4), dict(bias=False, eps=1e-3, momentum=0.3))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batchnorm_module_matches_torch_over_steps(cls, shape, kw, dtype, rng):
    torch = pytest.importorskip("torch")
    m = getattr(nn, cls)(3, dtype=fg.float64 if dtype == np.float64 else None, **kw)
    t = getattr(torch.nn, cls)(3, dtype=torch.float64 if dtype == np.float64 else None, **kw)
    assert repr(m) == repr(t)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for step in range(3):
        x = (rng.standard_normal(shape) * 3 + 5).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        xx, tx = _t(x, dtype, True), torch.tensor(x, requires_grad=True)
        y, ty = m(xx), t(tx)
        y.backward(fg.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
        np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), **tol)
    for p, tp in zip(m.parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), **tol)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), **tol)


def test_batch_norm_backward_gradcheck_train_and_eval(rng):
    x = _t(rng.standard_normal((3, 2, 3, 2)), grad=True)
    w, b = _t(rng.standard_normal(2), grad=True), _t(rng.standard_normal(2), grad=True)
    assert gradcheck(lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True), [x, w, b])
    rm, rv = _t([0.3, -0.2]), _t([0.5, 2.0])
    assert gradcheck(lambda a, c, d: F.batch_norm(a, rm, rv, c, d), [x, w, b])


def test_batch_norm_statistics_accurate_with_large_mean(rng):
    x = (rng.standard_normal((64, 2, 8, 8)) * 1e-2 + 1e4).astype(np.float32)
    y = F.batch_norm(_t(x, np.float32), None, None, training=True).numpy()
    ref = batch_norm_ref(x.astype(np.float64))
    np.testing.assert_allclose(y, ref, atol=2e-3)


def test_batch_norm_noncontiguous_input_matches_contiguous(rng):
    base = rng.standard_normal((4, 5, 3, 2))
    xn = fg.from_numpy(base.transpose(0, 3, 2, 1)).requires_grad_(True)
    xc = _t(np.ascontiguousarray(base.transpose(0, 3, 2, 1)), grad=True)
    yn, yc = (F.batch_norm(x, None, None, training=True) for x in (xn, xc))
    np.testing.assert_array_equal(yn.detach().numpy(), yc.detach().numpy())
    g = fg.tensor(rng.standard_normal(yn.shape))
    yn.backward(g)
    yc.backward(g)
    np.testing.assert_array_equal(xn.grad.numpy(), xc.grad.numpy())


BAD = [
    (lambda: F.batch_norm(_t(np.zeros((1, 3))), _t(np.zeros(3)), _t(np.ones(3)), training=True), ValueError,
     "batch_norm: Expected more than 1 value per channel when training"),
    (lambda: F.batch_norm(_t(np.zeros((4, 3))), None, None), RuntimeError,
     "batch_norm: running_mean must be defined in evaluation mode"),
    (lambda: F.batch_norm(_t(np.zeros((4, 3))), _t(np.zeros(4)), _t(np.ones(3)), training=True), RuntimeError,
     "batch_norm: running_mean should contain 3 elements not 4"),
    (lambda: F.batch_norm(_t(np.zeros((4, 3))), None, None, _t(np.ones(4)), training=True), RuntimeError,
     "batch_norm: weight should contain 3 elements not 4"),
    (lambda: nn.BatchNorm2d(3)(_t(np.zeros((2, 3, 4)), np.float32)), ValueError,
     r"BatchNorm2d: expected 4D input \(got 3D input\)"),
    (lambda: nn.BatchNorm1d(3)(_t(np.zeros((2, 3, 4, 4)), np.float32)), ValueError,
     r"BatchNorm1d: expected 2D or 3D input \(got 4D input\)"),
    (lambda: nn.BatchNorm2d(3)(_t(np.zeros((2, 4, 4, 4)), np.float32)), RuntimeError,
     "batch_norm: running_mean should contain 4 elements not 3"),
    (lambda: F.batch_norm(fg.tensor(np.zeros((4, 3), np.int64)), None, None, training=True), TypeError, "batch_norm"),
]


@pytest.mark.parametrize("fn,exc,msg", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_batch_norm_bad_arguments_raise(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()
