"""RMSNorm and F.rms_norm: forward against the numpy float64 closed form, gradcheck, torch parity
of values and of input and weight gradients (float32, float64; skipped without torch), torch's
errors, parameters, repr and state_dict."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _rms_ref(x, k, w=None, eps=None):
    eps = np.finfo(x.dtype).eps if eps is None else eps
    dims = tuple(range(x.ndim - k, x.ndim))
    y = x / np.sqrt((x * x).mean(dims, keepdims=True) + eps)
    return y if w is None else y * w


@pytest.mark.parametrize("shape,k", [((3, 4, 5), 1), ((3, 4, 5), 2), ((5,), 1), ((0, 4), 1), ((1, 1), 1)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_forward_matches_numpy(rng, shape, k, affine, eps):
    x = rng.standard_normal(shape)
    w = rng.standard_normal(shape[len(shape) - k:]) if affine else None
    out = F.rms_norm(fg.tensor(x), shape[len(shape) - k:], None if w is None else fg.tensor(w), eps)
    np.testing.assert_allclose(out.detach().numpy(), _rms_ref(x, k, w, eps), rtol=1e-12, atol=1e-14)


def test_rms_norm_backward_gradcheck(rng):
    x, w = rng.standard_normal((3, 4)), rng.standard_normal(4)
    assert gradcheck(lambda a, b: F.rms_norm(a, (4,), b, 1e-5), [fg.tensor(x, requires_grad=True),
                                                                 fg.tensor(w, requires_grad=True)])
    assert gradcheck(lambda a: F.rms_norm(a, [2, 4]), [fg.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("eps", [None, 1e-2])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_rms_norm_module_matches_torch(rng, dtype, eps, shape):
    torch = _torch()
    ours = nn.RMSNorm(shape[1:], eps=eps, dtype=getattr(fg, np.dtype(dtype).name))
    theirs = torch.nn.RMSNorm(shape[1:], eps=eps, dtype=getattr(torch, np.dtype(dtype).name))
    w = rng.standard_normal(shape[1:]).astype(dtype)
    ours.weight._data[...] = w
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    x = rng.standard_normal(shape).astype(dtype)
    a, b = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(a), theirs(b)
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    cot = rng.standard_normal(shape).astype(dtype)
    out.backward(fg.tensor(cot))
    ref.backward(torch.tensor(cot))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **tol)


def test_rms_norm_module_parameters_repr_and_state_dict():
    torch = pytest.importorskip("torch")
    for args, kw in [((4,), {}), ([4, 5], {}), ((4,), {"eps": 1e-3, "elementwise_affine": False})]:
        ours, theirs = nn.RMSNorm(*args, **kw), torch.nn.RMSNorm(*args, **kw)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert ours.normalized_shape == theirs.normalized_shape and ours.eps == theirs.eps
        assert not hasattr(ours, "bias") or ours.bias is None
    m = nn.RMSNorm(3, dtype=fg.float64)
    assert m.weight.dtype == fg.float64 and np.all(m.weight.detach().numpy() == 1)
    m.weight._data[...] = 2
    m.reset_parameters()
    assert np.all(m.weight.detach().numpy() == 1)
    assert fg.rms_norm is F.rms_norm


_ERRORS = [
    ("shape", lambda F, T: F.rms_norm(T(np.ones((3, 4))), (3,))),
    ("weight", lambda F, T: F.rms_norm(T(np.ones((3, 4))), (4,), weight=T(np.ones(3)))),
    ("integer", lambda F, T: F.rms_norm(T(np.arange(4)), (4,))),
    ("empty_shape", lambda F, T: F.rms_norm(T(np.ones((3, 4))), [])),
]


@pytest.mark.parametrize("name,fn", _ERRORS, ids=[e[0] for e in _ERRORS])
def test_rms_norm_bad_input_raises_torch_error_type(name, fn):
    with pytest.raises(Exception) as ours:
        fn(F, fg.tensor)
    assert "rms_norm" in str(ours.value)
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        fn(torch.nn.functional, torch.tensor)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rms_norm_low_precision_matches_torch(rng, dtype):
    """float16/bfloat16 run in float32 (float32's eps) and round once, so the result is torch's bit for bit."""
    torch = _torch()
    x, w = rng.standard_normal((16, 33)).astype(np.float32), rng.standard_normal(33).astype(np.float32)
    td = getattr(torch, dtype)
    a = fg.tensor(x).to(getattr(fg, dtype)).requires_grad_()
    b = torch.tensor(x).to(td).requires_grad_()
    out = F.rms_norm(a, (33,), fg.tensor(w).to(getattr(fg, dtype)))
    ref = torch.nn.functional.rms_norm(b, (33,), torch.tensor(w).to(td))
    assert out.dtype == getattr(fg, dtype)
    np.testing.assert_array_equal(out.detach().to(fg.float32).numpy(), ref.detach().float().numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(a.grad.to(fg.float32).numpy(), b.grad.float().numpy(), rtol=2e-2, atol=2e-2)
