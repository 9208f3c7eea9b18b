"""F.bilinear / nn.Bilinear and the lazy modules (LazyLinear, LazyConv1d/2d, LazyConvTranspose1d/2d,
LazyBatchNorm1d/2d, LazyInstanceNorm1d/2d) with UninitializedParameter / UninitializedBuffer: forward
against numpy, gradcheck, torch parity of values and gradients (weights copied via state_dict), init,
state_dict before and after the first forward, class switch, and torch's errors."""
import copy
import pickle

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck
from fastgrad.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy

TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-11, atol=1e-12)}


# -- F.bilinear / nn.Bilinear ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [(2,), (2, 7), (), (0,), (1,)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear_forward_matches_numpy(batch, with_bias, dtype, rng):
    x1, x2 = rng.standard_normal(batch + (3,)), rng.standard_normal(batch + (4,))
    w, b = rng.standard_normal((5, 3, 4)), rng.standard_normal(5)
    y = F.bilinear(fg.tensor(x1.astype(dtype)), fg.tensor(x2.astype(dtype)), fg.tensor(w.astype(dtype)),
                   fg.tensor(b.astype(dtype)) if with_bias else None)
    ref = np.einsum("...i,oij,...j->...o", x1, w, x2) + (b if with_bias else 0)
    assert y.shape == batch + (5,) and y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ref, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear_values_and_gradients_match_torch(with_bias, dtype, rng):
    torch = pytest.importorskip("torch")
    arrs = [rng.standard_normal(s).astype(dtype) for s in ((2, 6, 3), (2, 6, 4), (5, 3, 4), (5,))]
    if not with_bias:
        arrs = arrs[:3]
    a = [fg.tensor(v, requires_grad=True) for v in arrs]
    t = [torch.tensor(v, requires_grad=True) for v in arrs]
    ya, yt = F.bilinear(*a), torch.nn.functional.bilinear(*t)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **TOL[dtype])
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    ya.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    for u, v in zip(a, t):
        np.testing.assert_allclose(u.grad.numpy(), v.grad.numpy(), **TOL[dtype])


def test_bilinear_gradcheck_float64_non_contiguous(rng):
    x1 = fg.tensor(rng.standard_normal((3, 2)), requires_grad=True)      # transposed: (2, 3), non-contiguous
    x2 = fg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    w = fg.tensor(rng.standard_normal((5, 3, 4)), requires_grad=True)
    b = fg.tensor(rng.standard_normal(5), requires_grad=True)
    assert gradcheck(lambda p, q, r, s: F.bilinear(p.t(), q, r, s), [x1, x2, w, b])
    assert gradcheck(lambda p, q, r: F.bilinear(p.t()[0], q[1], r.transpose(1, 2).transpose(1, 2)), [x1, x2, w])


BAD = [((2, 3), (3, 4), (5, 3, 4), (5,), "input batch dimensions do not match at dim 0: got 2 and 3"),
       ((2, 3), (2, 5), (5, 3, 4), (5,), "input2 size does not match weight size: got 5 but expected 4"),
       ((2, 2), (2, 4), (5, 3, 4), (5,), "input1 size does not match weight size: got 2 but expected 3"),
       ((2, 3), (2, 4), (5, 3, 4), (4,), "bias size does not match weight size: got 4 but expected 5"),
       ((2, 3), (2, 1, 4), (5, 3, 4), (5,), "input dimensions do not match: got 2 and 3")]


@pytest.mark.parametrize("s1,s2,sw,sb,msg", BAD)
def test_bilinear_bad_shapes_raise_as_torch(s1, s2, sw, sb, msg):
    with pytest.raises(RuntimeError, match=msg):
        F.bilinear(fg.zeros(*s1), fg.zeros(*s2), fg.zeros(*sw), fg.zeros(*sb))
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=msg):
        torch.nn.functional.bilinear(torch.zeros(*s1), torch.zeros(*s2), torch.zeros(*sw), torch.zeros(*sb))


def test_bilinear_mixed_dtypes_raise_as_torch():
    with pytest.raises(RuntimeError, match="All tensors must have the same dtype"):
        F.bilinear(fg.zeros(2, 3, dtype=fg.float64), fg.zeros(2, 4), fg.zeros(5, 3, 4))
    with pytest.raises(RuntimeError, match="3-dimensional"):
        F.bilinear(fg.zeros(2, 3), fg.zeros(2, 4), fg.zeros(3, 4))


def test_bilinear_module_init_keys_repr_and_torch_parity(rng):
    torch = pytest.importorskip("torch")
    m, tm = nn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["weight", "bias"]
    assert repr(m) == repr(tm) and m.weight.shape == (5, 3, 4) and m.weight.dtype == fg.float32
    bound = 1 / np.sqrt(3)
    for p in (m.weight, m.bias):
        v = p.detach().numpy()
        assert np.abs(v).max() <= bound and v.std() > bound / 4
    m.load_state_dict({k: fg.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x1, x2 = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((6, 4)).astype(np.float32)
    ya, yt = m(fg.tensor(x1), fg.tensor(x2)), tm(torch.tensor(x1), torch.tensor(x2))
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    ya.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.bias.grad.numpy(), tm.bias.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert nn.Bilinear(2, 2, 3, bias=False).bias is None and fg.bilinear is F.bilinear


# -- UninitializedParameter / UninitializedBuffer ------------------------------------------------------------
def test_uninitialized_parameter_and_buffer_materialize():
    p = UninitializedParameter()
    assert isinstance(p, nn.Parameter) and is_lazy(p) and p.requires_grad and repr(p) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        p.shape
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == fg.float32 and not is_lazy(p)
    b = UninitializedBuffer(dtype=fg.float64)
    assert repr(b) == "<UninitializedBuffer>" and not b.requires_grad
    b.materialize((4,))
    assert type(b) is fg.Tensor and b.shape == (4,) and b.dtype == fg.float64
    q = UninitializedParameter(requires_grad=False)
    assert isinstance(copy.deepcopy(q), UninitializedParameter) and not pickle.loads(pickle.dumps(q)).requires_grad
    assert nn.UninitializedParameter is UninitializedParameter and nn.UninitializedBuffer is UninitializedBuffer


# -- lazy modules ------------------------------------------------------------------------------------------
LAZY = [("LazyLinear", (4,), {}, (2, 3)), ("LazyLinear", (4,), dict(bias=False), (2, 5, 3)),
        ("LazyConv1d", (5, 3), dict(padding=1), (2, 3, 8)), ("LazyConv1d", (4, 2), dict(groups=2), (4, 9)),
        ("LazyConv2d", (5, 3), dict(stride=2, padding=1), (2, 3, 7, 6)), ("LazyConv2d", (4, (2, 3)), {}, (3, 5, 5)),
        ("LazyConvTranspose1d", (4, 3), dict(stride=2), (2, 6, 5)),
        ("LazyConvTranspose2d", (4, 2), dict(stride=2, groups=2, bias=False), (1, 6, 3, 3)),
        ("LazyBatchNorm1d", (), {}, (4, 3)), ("LazyBatchNorm1d", (), dict(affine=False), (4, 3, 5)),
        ("LazyBatchNorm2d", (), dict(momentum=None), (4, 3, 2, 2)),
        ("LazyInstanceNorm1d", (), {}, (4, 3, 5)), ("LazyInstanceNorm2d", (), dict(track_running_stats=False),
                                                   (2, 3, 4, 5))]


@pytest.mark.parametrize("name,args,kw,shape", LAZY)
def test_lazy_module_materialises_like_torch(name, args, kw, shape, rng):
    torch = pytest.importorskip("torch")
    m, tm = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(tm) and type(m).cls_to_become.__name__ == type(tm).cls_to_become.__name__
    assert list(m.state_dict()) == list(tm.state_dict()) and m.has_uninitialized_params()
    assert all(is_lazy(v) for k, v in m.state_dict().items() if k != "num_batches_tracked")
    x = rng.standard_normal(shape).astype(np.float32)
    m(fg.tensor(x))
    tm(torch.tensor(x))
    assert type(m).__name__ == type(tm).__name__ and repr(m) == repr(tm)
    assert not hasattr(m, "has_uninitialized_params") and not any(is_lazy(p) for p in m.parameters())
    sd, tsd = m.state_dict(), tm.state_dict()
    assert list(sd) == list(tsd) and all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
    # values and gradients of the eager module, with torch's weights
    m.load_state_dict({k: fg.tensor(v.numpy()) for k, v in tsd.items()})
    x = rng.standard_normal(shape).astype(np.float32)
    xa, xt = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = m(xa), tm(xt)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
    ya.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (k, p), (_, q) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=k)
    for k, v in m.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tm.state_dict()[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_lazy_linear_init_follows_linear_and_trains(rng):
    m = nn.LazyLinear(64)
    m(fg.zeros(2, 16))
    bound = 1 / np.sqrt(16)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert w.shape == (64, 16) and np.abs(w).max() <= bound and w.std() > bound / 4 and np.abs(b).max() <= bound
    opt = fg.optim.SGD(m.parameters(), lr=0.1)
    before = w.copy()
    m(fg.ones(2, 16)).sum().backward()
    opt.step()
    assert not np.array_equal(m.weight.detach().numpy(), before)
    assert nn.LazyLinear(3, dtype=fg.float64)(fg.zeros(1, 2, dtype=fg.float64)).dtype == fg.float64


def test_lazy_module_loads_initialised_state_dict_before_first_forward(rng):
    src = nn.Linear(3, 4)
    m = nn.LazyLinear(4)
    m.load_state_dict(src.state_dict())
    assert type(m) is nn.LazyLinear and not m.has_uninitialized_params()
    np.testing.assert_array_equal(m.weight.detach().numpy(), src.weight.detach().numpy())
    x = fg.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    np.testing.assert_array_equal(m(x).detach().numpy(), src(x).detach().numpy())   # not re-initialised
    assert type(m) is nn.Linear and m.in_features == 3    # as torch: in_features from the first input
    lazy = nn.LazyLinear(4)
    lazy.load_state_dict(nn.LazyLinear(4).state_dict())  # uninitialised into uninitialised: stays lazy
    assert lazy.has_uninitialized_params()


def test_lazy_errors_as_torch():
    with pytest.raises(RuntimeError, match="uninitialized"):
        nn.Linear(3, 4).load_state_dict(nn.LazyLinear(4).state_dict())
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(fg.zeros(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 1, groups=2)(fg.zeros(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match="Can't access the shape"):
        nn.LazyLinear(2).weight.shape
