"""F.pad and the convolution modules' padding_mode: bad arguments (torch's types and messages),
unbatched inputs, and Conv1d/Conv2d with reflect/replicate/circular against torch (the forward
and gradcheck cases of F.pad are in tests/opcases_conv.py)."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck
from opcases_conv import conv_ref, pad_ref


def _t(a, dtype=np.float64, grad=False):
    return fg.tensor(np.asarray(a, dtype), requires_grad=grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_forward_unbatched_and_batched(mode, dtype, rng):
    x = rng.standard_normal((3, 4, 5)).astype(dtype)
    for pad in ((2, 1), (1, 2, 3, 0)):
        y = F.pad(_t(x, dtype), pad, mode)
        assert y.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(y.numpy(), pad_ref(x, pad, mode))


def test_conv2d_with_reflect_padding_gradcheck(rng):
    m = nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", dtype=fg.float64)
    x = _t(rng.standard_normal((2, 2, 4, 5)), grad=True)
    assert gradcheck(lambda a, w, b: F.conv2d(F.pad(a, (1, 1, 1, 1), "reflect"), w, b), [x, m.weight, m.bias])
    xs = x.detach().numpy()
    ref = conv_ref(pad_ref(xs, (1, 1, 1, 1), "reflect"), m.weight.detach().numpy(), m.bias.detach().numpy())
    np.testing.assert_allclose(m(x).detach().numpy(), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls,args,kw,shape", [
    ("Conv2d", (3, 4, 3), dict(padding=1, padding_mode="reflect"), (2, 3, 6, 7)),
    ("Conv2d", (3, 4, (3, 4)), dict(padding="same", padding_mode="circular"), (2, 3, 6, 7)),
    ("Conv2d", (4, 4, 3), dict(padding=(2, 1), padding_mode="replicate", groups=2, stride=2), (2, 4, 6, 7)),
    ("Conv1d", (3, 4, 4), dict(padding="same", padding_mode="reflect", dilation=2), (2, 3, 9)),
    ("Conv1d", (3, 4, 3), dict(padding="valid", padding_mode="circular"), (3, 9)),
])
def test_conv_padding_modes_match_torch(cls, args, kw, shape, rng):
    torch = pytest.importorskip("torch")
    t = getattr(torch.nn, cls)(*args, dtype=torch.float64, **kw)
    m = getattr(nn, cls)(*args, dtype=fg.float64, **kw)
    assert repr(m) == repr(t)
    m.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal(shape)
    xx, tx = _t(x, grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(xx), t(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-10, atol=1e-12)


X3 = np.zeros((1, 2, 3))
BAD = [
    (lambda: F.pad(_t(X3), (3, 3), "reflect"), RuntimeError,
     r"pad: Argument #4: Padding size should be less than the corresponding input dimension, but got: padding "
     r"\(3, 3\) at dimension 2 of input \[1, 2, 3\]"),
    (lambda: F.pad(_t(X3), (1,)), RuntimeError, "pad: Padding length must be divisible by 2"),
    (lambda: F.pad(_t(X3), (1,) * 8), RuntimeError, "pad: Padding length should be less than or equal to two times"),
    (lambda: F.pad(_t(np.zeros((2, 3))), (1, 1, 1, 1), "reflect"), NotImplementedError,
     "pad: Padding size 4 is not supported for 2D input tensor."),
    (lambda: F.pad(_t(np.zeros(3)), (1, 1), "reflect"), NotImplementedError,
     "pad: Padding size 2 is not supported for 1D input tensor."),
    (lambda: F.pad(_t(X3), (4, 4), "circular"), RuntimeError, "pad: Padding value causes wrapping around more than"),
    (lambda: F.pad(_t(X3), (-2, -2)), RuntimeError, "pad: narrow"),
    (lambda: F.pad(_t(X3), (1, 1), "foo"), NotImplementedError, "pad: Unrecognised padding mode foo"),
    (lambda: F.pad(_t(X3), (1, 1), "reflect", 1.0), RuntimeError,
     'pad: Padding mode "reflect" doesn\'t take in value argument'),
    (lambda: F.pad(fg.tensor(np.zeros((1, 2, 3), np.int64)), (1, 1)), TypeError, "pad"),
]


@pytest.mark.parametrize("fn,exc,msg", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_pad_bad_arguments_raise(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()
