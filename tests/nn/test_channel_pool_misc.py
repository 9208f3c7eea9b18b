"""F.lp_pool1d/2d and nn.LPPool1d/2d, the max-pool ``*_with_indices`` forms, F.channel_shuffle /
nn.ChannelShuffle, F.pdist, F.local_response_norm / nn.LocalResponseNorm and nn.CrossMapLRN2d: forward
against numpy, gradcheck (float64), torch parity of values and gradients, shapes and torch's errors."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

TOL = {np.float32: dict(rtol=3e-5, atol=3e-5), np.float64: dict(rtol=1e-11, atol=1e-12)}


def _parity(fn_fg, fn_t, arrays, dtype, rng, tol=None):
    """Values and gradients of fn_fg(*fastgrad tensors) against fn_t(*torch tensors)."""
    torch = pytest.importorskip("torch")
    tol = tol or TOL[dtype]
    a = [fg.tensor(x.astype(dtype), requires_grad=True) for x in arrays]
    t = [torch.tensor(x.astype(dtype), requires_grad=True) for x in arrays]
    ya, yt = fn_fg(*a), fn_t(*t)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **tol)
    assert tuple(ya.shape) == tuple(yt.shape) and ya.dtype == dtype
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    ya.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    for u, v in zip(a, t):
        np.testing.assert_allclose(u.grad.numpy(), v.grad.numpy(), **tol)


# -- lp_pool ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p,k,s,ceil", [(2, 3, None, False), (1.5, (2, 3), (1, 2), False), (3, 2, 2, True),
                                        (1, 3, 2, False)])
@pytest.mark.parametrize("batched", [True, False])
def test_lp_pool2d_matches_torch(p, k, s, ceil, batched, dtype, rng):
    torch = pytest.importorskip("torch")
    x = np.abs(rng.standard_normal((2, 3, 7, 8) if batched else (3, 7, 8))) + 0.1
    _parity(lambda a: F.lp_pool2d(a, p, k, s, ceil), lambda a: torch.nn.functional.lp_pool2d(a, p, k, s, ceil),
            [x], dtype, rng)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p,k,s,ceil", [(2, 3, None, False), (1.5, 2, 1, False), (3, 2, 2, True)])
@pytest.mark.parametrize("batched", [True, False])
def test_lp_pool1d_matches_torch(p, k, s, ceil, batched, dtype, rng):
    torch = pytest.importorskip("torch")
    x = np.abs(rng.standard_normal((2, 3, 9) if batched else (3, 9))) + 0.1
    _parity(lambda a: F.lp_pool1d(a, p, k, s, ceil), lambda a: torch.nn.functional.lp_pool1d(a, p, k, s, ceil),
            [x], dtype, rng)


def test_lp_pool_forward_numpy_gradcheck_and_modules(rng):
    x = np.abs(rng.standard_normal((2, 3, 4, 6))) + 0.1
    ref = (x ** 3).reshape(2, 3, 2, 2, 3, 2).sum(axis=(3, 5)) ** (1 / 3)
    np.testing.assert_allclose(F.lp_pool2d(fg.tensor(x), 3, (2, 2)).numpy(), ref, rtol=1e-12)
    a = fg.tensor(x, requires_grad=True)
    assert gradcheck(lambda t: F.lp_pool2d(t.transpose(2, 3), 2, 2), [a])        # non-contiguous
    assert gradcheck(lambda t: F.lp_pool1d(t[0], 1.5, 3, 2), [a])
    torch = pytest.importorskip("torch")
    for m, tm in [(nn.LPPool2d(2, 3), torch.nn.LPPool2d(2, 3)), (nn.LPPool1d(1.5, 3, 2), torch.nn.LPPool1d(1.5, 3, 2))]:
        assert repr(m) == repr(tm)
        inp = x if isinstance(m, nn.LPPool2d) and not isinstance(m, nn.LPPool1d) else x[0]
        np.testing.assert_allclose(m(fg.tensor(inp)).numpy(), tm(torch.tensor(inp)).numpy(), rtol=1e-12)
    assert F.lp_pool2d(fg.zeros(0, 3, 4, 4), 2, 2).shape == (0, 3, 2, 2)


# -- *_with_indices -----------------------------------------------------------------------------------
def test_with_indices_forms_match_return_indices_and_torch(rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    cases = [(F.max_pool2d_with_indices, tf.max_pool2d_with_indices, x, (3, 2, 1)),
             (F.max_pool1d_with_indices, tf.max_pool1d_with_indices, x[0], (3, 2, 1)),
             (F.adaptive_max_pool2d_with_indices, tf.adaptive_max_pool2d_with_indices, x, ((3, 4),)),
             (F.adaptive_max_pool1d_with_indices, tf.adaptive_max_pool1d_with_indices, x[0], (5,)),
             (fg.max_pool1d_with_indices, torch.max_pool1d_with_indices, x[:, 0], (2,))]
    for f, tfn, inp, args in cases:
        a = fg.tensor(inp, requires_grad=True)
        b = torch.tensor(inp, requires_grad=True)
        (ya, ia), (yb, ib) = f(a, *args), tfn(b, *args)
        np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
        np.testing.assert_array_equal(ia.numpy(), ib.numpy())
        assert ia.dtype == fg.int64
        ya.sum().backward()
        yb.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    y, i = F.max_pool2d_with_indices(fg.tensor(x), 2, return_indices=False)      # a pair all the same
    assert y.shape == (2, 3, 3, 4) and i.shape == (2, 3, 3, 4)


# -- channel_shuffle ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,g", [((2, 6, 3), 3), ((2, 6, 2, 3), 2), ((1, 4, 1), 4), ((0, 6, 3), 2),
                                     ((3, 5, 2, 2, 2), 1)])
def test_channel_shuffle_matches_numpy_and_torch(shape, g, rng):
    x = rng.standard_normal(shape)
    n, c = shape[:2]
    ref = x.reshape((n, g, c // g) + shape[2:]).swapaxes(1, 2).reshape(shape)
    np.testing.assert_array_equal(F.channel_shuffle(fg.tensor(x), g).numpy(), ref)
    np.testing.assert_array_equal(nn.ChannelShuffle(g)(fg.tensor(x)).numpy(), ref)
    assert fg.native_channel_shuffle(fg.tensor(x), g).shape == shape
    torch = pytest.importorskip("torch")
    _parity(lambda a: F.channel_shuffle(a.transpose(0, 1).transpose(0, 1), g),
            lambda a: torch.nn.functional.channel_shuffle(a, g), [x], np.float64, rng)
    assert repr(nn.ChannelShuffle(g)) == repr(torch.nn.ChannelShuffle(g))


@pytest.mark.parametrize("shape,g,msg", [((2, 6, 3), 4, "Got 6 channels and 4 groups"),
                                         ((2, 6, 3), 0, "must be positive"), ((6, 3), 3, "> 2 dims")])
def test_channel_shuffle_errors_as_torch(shape, g, msg):
    with pytest.raises(RuntimeError, match=msg):
        F.channel_shuffle(fg.zeros(*shape), g)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=msg):
        torch.nn.functional.channel_shuffle(torch.zeros(*shape), g)


# -- pdist ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, float("inf"), 0.0])
@pytest.mark.parametrize("n", [5, 2, 1, 0])
def test_pdist_matches_numpy_and_torch(n, p, dtype, rng):
    x = rng.standard_normal((n, 4))
    i, j = np.triu_indices(n, 1)
    d = np.abs(x[i] - x[j])
    ref = (d.max(1) if p == np.inf else (d != 0).sum(1) if p == 0 else (d ** p).sum(1) ** (1 / p)) if n > 1 else \
        np.zeros(0)
    y = F.pdist(fg.tensor(x.astype(dtype)), p)
    np.testing.assert_allclose(y.numpy(), ref, **TOL[dtype])
    torch = pytest.importorskip("torch")
    if n > 1:
        _parity(lambda a: fg.pdist(a, p), lambda a: torch.pdist(a, p), [x], dtype, rng)


def test_pdist_gradcheck_zero_distance_and_errors(rng):
    x = fg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda a: F.pdist(a.t().t(), 2), [x])
    assert gradcheck(lambda a: F.pdist(a, 1.5), [x])
    same = fg.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    F.pdist(same).sum().backward()                                  # zero distance: gradient 0, as torch
    np.testing.assert_allclose(same.grad.numpy()[0], [0.4472136, 0.8944272], rtol=1e-6)
    for x, p, msg in [(fg.zeros(3, 4, 5), 2, "only supports 2D tensors, got: 3D"),
                      (fg.zeros(3, 4), -1, "non-negative p"),
                      (fg.zeros(3, 4, dtype=fg.int64), 2, "floating-point")]:
        with pytest.raises(RuntimeError, match=msg):
            F.pdist(x, p)


# -- local_response_norm / CrossMapLRN2d --------------------------------------------------------------------
def lrn_ref(x, size, alpha, beta, k):
    c = x.shape[1]
    sq = np.pad(x ** 2, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    win = sum(sq[:, j:j + c] for j in range(size))
    return x / (k + alpha * win / size) ** beta


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,size", [((2, 5, 4), 3), ((2, 6, 3, 4), 2), ((1, 3, 2, 2, 2), 5), ((2, 1, 3), 1),
                                        ((3, 4, 1, 5), 4)])
def test_local_response_norm_matches_numpy_and_torch(shape, size, dtype, rng):
    x = rng.standard_normal(shape)
    y = F.local_response_norm(fg.tensor(x.astype(dtype)), size, 0.3, 0.75, 1.5)
    np.testing.assert_allclose(y.numpy(), lrn_ref(x, size, 0.3, 0.75, 1.5), **TOL[dtype])
    torch = pytest.importorskip("torch")
    _parity(lambda a: nn.LocalResponseNorm(size, 0.3, 0.75, 1.5)(a),
            lambda a: torch.nn.LocalResponseNorm(size, 0.3, 0.75, 1.5)(a), [x], dtype, rng)


def test_local_response_norm_gradcheck_empty_and_errors(rng):
    x = fg.tensor(rng.standard_normal((2, 3, 5)), requires_grad=True)
    assert gradcheck(lambda a: F.local_response_norm(a.transpose(1, 2), 3, 0.5, 0.75, 1.0), [x])
    assert F.local_response_norm(fg.zeros(0, 3, 4), 2).shape == (0, 3, 4)
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input"):
        F.local_response_norm(fg.zeros(2, 3), 2)
    torch = pytest.importorskip("torch")
    assert repr(nn.LocalResponseNorm(2)) == repr(torch.nn.LocalResponseNorm(2))


@pytest.mark.parametrize("c,size", [(3, 3), (7, 3), (8, 5), (2, 5), (6, 2), (1, 1)])
def test_cross_map_lrn2d_forward_matches_torch_and_gradcheck(c, size, rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, c, 3, 4))
    m, tm = nn.CrossMapLRN2d(size, 0.2, 0.75, 1.5), torch.nn.CrossMapLRN2d(size, 0.2, 0.75, 1.5)
    np.testing.assert_allclose(m(fg.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-14)
    x32 = x.astype(np.float32)
    np.testing.assert_allclose(m(fg.tensor(x32)).numpy(), tm(torch.tensor(x32)).numpy(), rtol=2e-6, atol=2e-6)
    a = fg.tensor(x[:1, :, :2, :2], requires_grad=True)
    assert gradcheck(lambda t: m(t), [a])       # the exact derivative (torch's hand-written backward is not)
    assert repr(m) == repr(tm)
    with pytest.raises(ValueError, match="Expected input to be 4D, got 3D"):
        m(fg.zeros(2, 3, 4))
