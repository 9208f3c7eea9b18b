"""F.unfold / F.fold and nn.Unfold / nn.Fold: forward against a float64 numpy im2col loop, gradcheck,
torch parity of values and gradients over kernel_size / dilation / padding / stride, batched and
unbatched, empty batch, non-contiguous input, and torch's errors."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}
SETTINGS = [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=(2, 1)), dict(kernel_size=3, padding=1),
            dict(kernel_size=(3, 2), dilation=(2, 1), padding=(2, 1), stride=(1, 3)), dict(kernel_size=1),
            dict(kernel_size=[2, 2], dilation=[2, 1], padding=[1, 0], stride=[2, 2])]


def im2col_ref(x, k, d, p, s):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    bh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    bw = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    y = np.zeros((n, c, k[0], k[1], bh, bw))
    for ki in range(k[0]):
        for kj in range(k[1]):
            for i in range(bh):
                for j in range(bw):
                    y[:, :, ki, kj, i, j] = xp[:, :, i * s[0] + ki * d[0], j * s[1] + kj * d[1]]
    return y.reshape(n, c * k[0] * k[1], bh * bw)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _full(kw):
    return [_pair(kw.get(name, 1 if name != "padding" else 0)) for name in ("kernel_size", "dilation", "padding",
                                                                            "stride")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", SETTINGS)
def test_unfold_forward_matches_numpy_and_fold_is_its_adjoint(kw, dtype, rng):
    x = rng.standard_normal((2, 3, 7, 8))
    y = F.unfold(fg.tensor(x.astype(dtype)), **kw)
    assert y.dtype == dtype
    ref = im2col_ref(x, *_full(kw))
    np.testing.assert_allclose(y.numpy(), ref, **TOL[dtype])
    c = rng.standard_normal(ref.shape)
    z = F.fold(fg.tensor(c.astype(dtype)), (7, 8), **kw)
    assert z.shape == (2, 3, 7, 8)
    np.testing.assert_allclose((z.numpy().astype(np.float64) * x).sum(), (c * ref).sum(), rtol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", SETTINGS)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_fold_values_and_gradients_match_torch(kw, batched, dtype, rng):
    torch = pytest.importorskip("torch")
    shape = (2, 3, 7, 8) if batched else (3, 7, 8)
    x = rng.standard_normal(shape).astype(dtype)
    a, b = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = F.unfold(a, **kw), torch.nn.functional.unfold(b, **kw)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), **TOL[dtype])
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    ya.backward(fg.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype])
    c = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    ca, cb = fg.tensor(c, requires_grad=True), torch.tensor(c, requires_grad=True)
    za, zb = F.fold(ca, (7, 8), **kw), torch.nn.functional.fold(cb, (7, 8), **kw)
    np.testing.assert_allclose(za.detach().numpy(), zb.detach().numpy(), **TOL[dtype])
    gz = rng.standard_normal(shape).astype(dtype)
    za.backward(fg.tensor(gz))
    zb.backward(torch.tensor(gz))
    np.testing.assert_allclose(ca.grad.numpy(), cb.grad.numpy(), **TOL[dtype])


def test_unfold_fold_gradcheck_float64_and_non_contiguous(rng):
    x = fg.tensor(rng.standard_normal((2, 5, 3, 4)), requires_grad=True)
    kw = dict(kernel_size=(2, 2), dilation=(1, 2), padding=1, stride=(2, 1))
    assert gradcheck(lambda a: F.unfold(a.transpose(1, 2), **kw), [x])        # (2, 3, 5, 4), non-contiguous
    cols = F.unfold(fg.zeros(2, 3, 5, 4, dtype=fg.float64), **kw)
    c = fg.tensor(rng.standard_normal(tuple(cols.shape)[::-1]), requires_grad=True)
    assert gradcheck(lambda a: F.fold(a.transpose(0, 2), (5, 4), **kw), [c])  # non-contiguous columns


def test_unfold_fold_shapes_empty_batch_and_size_one(rng):
    assert F.unfold(fg.zeros(0, 3, 5, 6), 2).shape == (0, 12, 20)
    assert F.fold(fg.zeros(0, 12, 20), (5, 6), 2).shape == (0, 3, 5, 6)
    x = rng.standard_normal((1, 1, 1, 1)).astype(np.float32)
    np.testing.assert_array_equal(F.unfold(fg.tensor(x), 1).numpy(), x.reshape(1, 1, 1))
    np.testing.assert_array_equal(F.fold(fg.tensor(x.reshape(1, 1, 1)), 1, 1).numpy(), x)


def test_unfold_fold_modules_match_torch_and_repr(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    u, tu = nn.Unfold((2, 3), dilation=2, padding=1, stride=2), torch.nn.Unfold((2, 3), dilation=2, padding=1, stride=2)
    np.testing.assert_allclose(u(fg.tensor(x)).numpy(), tu(torch.tensor(x)).numpy())
    assert repr(u) == repr(tu) and u.state_dict() == {} and dict(tu.state_dict()) == {}
    f, tf = nn.Fold(6, (2, 3), dilation=2, padding=1, stride=2), torch.nn.Fold(6, (2, 3), dilation=2, padding=1,
                                                                             stride=2)
    c = tu(torch.tensor(x)).numpy()
    np.testing.assert_allclose(f(fg.tensor(c)).numpy(), tf(torch.tensor(c)).numpy(), rtol=1e-6, atol=1e-6)
    assert repr(f) == repr(tf)


BAD_UNFOLD = [((2, 3, 5, 6), dict(kernel_size=7), RuntimeError, "sliding blocks"),
              ((2, 3, 5, 6), dict(kernel_size=0), RuntimeError, "kernel size should be greater than zero"),
              ((2, 3, 5, 6), dict(kernel_size=2, stride=0), RuntimeError, "stride should be greater than zero"),
              ((2, 3, 5, 6), dict(kernel_size=2, padding=-1), RuntimeError, "padding should be non-negative"),
              ((2, 3, 5, 6), dict(kernel_size=2, dilation=0), RuntimeError, "dilation should be greater than zero"),
              ((2, 3, 5, 6), dict(kernel_size=(2, 2, 2)), RuntimeError, "kernel_size equals to 2"),
              ((2, 3, 5, 6), dict(kernel_size=(2,)), RuntimeError, "kernel_size equals to 2, but got size 1"),
              ((2, 3, 5, 6), dict(kernel_size=2.0), TypeError, "kernel_size"),
              ((2, 0, 5, 6), dict(kernel_size=2), RuntimeError, r"3D or 4D .* \[2, 0, 5, 6\]"),
              ((1, 2, 3, 4, 5), dict(kernel_size=2), RuntimeError, "3D or 4D"),
              ((5, 6), dict(kernel_size=2), IndexError, "Dimension out of range")]


@pytest.mark.parametrize("shape,kw,exc,msg", BAD_UNFOLD)
def test_unfold_bad_input_raises_as_torch(shape, kw, exc, msg):
    with pytest.raises(exc, match=msg):
        F.unfold(fg.zeros(*shape), **kw)
    torch = pytest.importorskip("torch")
    with pytest.raises(exc):
        torch.nn.functional.unfold(torch.zeros(*shape), **kw)


BAD_FOLD = [((2, 12, 20), dict(output_size=(5, 6), kernel_size=2, stride=2), "sliding blocks 2 \\* 3 = 6"),
            ((2, 13, 20), dict(output_size=(5, 6), kernel_size=2), "divisible by the product of kernel_size"),
            ((2, 12, 20, 1), dict(output_size=(5, 6), kernel_size=2), "2D or 3D"),
            ((12,), dict(output_size=(5, 6), kernel_size=2), "2D or 3D"),
            ((2, 0, 20), dict(output_size=(5, 6), kernel_size=2), "2D or 3D"),
            ((2, 12, 20), dict(output_size=(1, 1), kernel_size=2), "sliding blocks 0 \\* 0 = 0"),
            ((2, 12, 20), dict(output_size=(5, 6, 7), kernel_size=2), "output_size equals to 2"),
            ((2, 12, 20), dict(output_size=(5, 6), kernel_size=0), "kernel size should be greater than zero")]


@pytest.mark.parametrize("shape,kw,msg", BAD_FOLD)
def test_fold_bad_input_raises_as_torch(shape, kw, msg):
    with pytest.raises(RuntimeError, match=msg):
        F.fold(fg.zeros(*shape), **kw)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.fold(torch.zeros(*shape), **kw)


def test_unfold_fold_integer_input_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="unfold"):
        F.unfold(fg.zeros(1, 1, 3, 3, dtype=fg.int64), 2)
    with pytest.raises(NotImplementedError, match="fold"):
        F.fold(fg.zeros(1, 4, 4, dtype=fg.int64), 3, 2)
