"""conv3d / conv_transpose3d (composed from the 2-D kernels), Conv3d / ConvTranspose3d, BatchNorm3d and the 3-D lazy
modules: values against a numpy float64 reference and torch, input/weight/bias gradients against torch and finite
differences, empty and unbatched inputs, non-contiguous inputs, torch's init, keys, reprs and errors."""
import math

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


def _ref_conv3d(x, w, b, stride, padding, dilation, groups):
    """numpy float64 cross-correlation over (D, H, W), one kernel tap at a time."""
    n, c, *_ = x.shape
    o, cg, *k = w.shape
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    out = [(xp.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(3)]
    y = np.zeros((n, o, *out))
    og = o // groups
    for a in range(k[0]):
        for bb in range(k[1]):
            for cc in range(k[2]):
                sl = xp[:, :, a * dilation[0]:a * dilation[0] + (out[0] - 1) * stride[0] + 1:stride[0],
                        bb * dilation[1]:bb * dilation[1] + (out[1] - 1) * stride[1] + 1:stride[1],
                        cc * dilation[2]:cc * dilation[2] + (out[2] - 1) * stride[2] + 1:stride[2]]
                for g in range(groups):
                    y[:, g * og:(g + 1) * og] += np.einsum("ncdhw,oc->nodhw", sl[:, g * cg:(g + 1) * cg],
                                                           w[g * og:(g + 1) * og, :, a, bb, cc])
    return y + (0 if b is None else b.reshape(1, -1, 1, 1, 1))


CONV = [  # (input shape, weight shape, bias, kwargs)
    ((2, 4, 5, 6, 7), (6, 4, 3, 3, 3), True, dict(padding=1)),
    ((2, 4, 5, 6, 7), (6, 2, 3, 2, 3), True, dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)),
    ((1, 3, 6, 5, 4), (4, 3, 2, 2, 2), False, dict(stride=2)),
    ((4, 6, 5, 6), (6, 4, 2, 3, 2), True, dict(padding="same", dilation=(2, 1, 1))),
    ((2, 2, 4, 5, 6), (4, 1, 2, 2, 3), True, dict(padding="same", groups=2)),
    ((2, 3, 4, 5, 6), (5, 3, 3, 1, 2), True, dict(padding="valid", stride=(1, 2, 3))),
    ((3, 3, 3, 3), (2, 3, 1, 1, 1), True, {}),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ws,bias,kw", CONV)
def test_conv3d_values_and_gradients_match_torch_and_numpy(xs, ws, bias, kw, dtype, rng):
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype) if bias else None
    xa, wa = fg.tensor(x, requires_grad=True), fg.tensor(w, requires_grad=True)
    ba = fg.tensor(b, requires_grad=True) if bias else None
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if bias else None
    ya, yt = F.conv3d(xa, wa, ba, **kw), TF.conv3d(xt, wt, bt, **kw)
    assert ya.shape == tuple(yt.shape) and ya.dtype == (fg.float32 if dtype == np.float32 else fg.float64)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **_tol(dtype))
    if not isinstance(kw.get("padding", 0), str):
        pad = kw.get("padding", 0)
        t = lambda v, d: (v,) * 3 if isinstance(v, int) else v  # noqa: E731
        x5 = x if x.ndim == 5 else x[None]
        ref = _ref_conv3d(x5.astype(np.float64), w.astype(np.float64), None if b is None else b.astype(np.float64),
                          t(kw.get("stride", 1), 1), t(pad, 0), t(kw.get("dilation", 1), 1), kw.get("groups", 1))
        np.testing.assert_allclose(ya.detach().numpy(), ref if x.ndim == 5 else ref[0], **_tol(dtype))
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    ya.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    for a, t_ in ((xa, xt), (wa, wt), (ba, bt)):
        if a is not None:
            np.testing.assert_allclose(a.grad.numpy(), t_.grad.numpy(), **_tol(dtype))


CONV_T = [  # (input shape, weight shape, bias, kwargs)
    ((2, 4, 3, 4, 5), (4, 3, 3, 3, 3), True, dict(padding=1)),
    ((2, 4, 3, 4, 5), (4, 3, 3, 2, 3), True, dict(stride=(2, 2, 3), padding=(1, 0, 1), output_padding=(1, 1, 2),
                                                  dilation=(1, 2, 1), groups=2)),
    ((4, 3, 4, 5), (4, 3, 2, 2, 2), False, dict(stride=3, padding=1, output_padding=1, dilation=2)),
    ((1, 2, 2, 3, 2), (2, 5, 1, 2, 3), True, dict(stride=(1, 2, 1))),
    ((2, 6, 2, 2, 3), (6, 1, 2, 3, 2), True, dict(groups=3, output_padding=(0, 1, 0), stride=2, dilation=(2, 1, 1))),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ws,bias,kw", CONV_T)
def test_conv_transpose3d_values_and_gradients_match_torch(xs, ws, bias, kw, dtype, rng):
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    groups = kw.get("groups", 1)
    b = rng.standard_normal(ws[1] * groups).astype(dtype) if bias else None
    xa, wa = fg.tensor(x, requires_grad=True), fg.tensor(w, requires_grad=True)
    ba = fg.tensor(b, requires_grad=True) if bias else None
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if bias else None
    ya, yt = F.conv_transpose3d(xa, wa, ba, **kw), TF.conv_transpose3d(xt, wt, bt, **kw)
    assert ya.shape == tuple(yt.shape)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **_tol(dtype))
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    ya.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    for a, t_ in ((xa, xt), (wa, wt), (ba, bt)):
        if a is not None:
            np.testing.assert_allclose(a.grad.numpy(), t_.grad.numpy(), **_tol(dtype))


def test_conv3d_and_transpose_gradcheck_float64(rng):
    x = fg.tensor(rng.standard_normal((2, 4, 4, 3, 5)), requires_grad=True)
    w = fg.tensor(rng.standard_normal((2, 2, 2, 2, 3)), requires_grad=True)
    b = fg.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda p, q, r: F.conv3d(p, q, r, stride=(2, 1, 1), padding=(1, 0, 1), dilation=(1, 1, 2),
                                              groups=2), [x, w, b])
    assert gradcheck(lambda p, q: F.conv3d(p, q, padding="same", groups=2), [x, w])
    wt = fg.tensor(rng.standard_normal((4, 1, 2, 2, 2)), requires_grad=True)
    assert gradcheck(lambda p, q, r: F.conv_transpose3d(p, q, r, stride=2, padding=(1, 0, 0), output_padding=(1, 0, 1),
                                                        groups=2), [x, wt, b])


def test_conv3d_non_contiguous_inputs_and_weights(rng):
    x = rng.standard_normal((2, 3, 6, 5, 4))
    w = rng.standard_normal((4, 3, 2, 3, 2))
    xa, wa = fg.tensor(x).transpose(2, 4), fg.tensor(w).transpose(2, 4)   # (2, 3, 4, 5, 6), (4, 3, 2, 3, 2)
    xt, wt = torch.tensor(x).transpose(2, 4), torch.tensor(w).transpose(2, 4)
    np.testing.assert_allclose(F.conv3d(xa, wa, stride=(1, 2, 1)).numpy(), TF.conv3d(xt, wt, stride=(1, 2, 1)).numpy(),
                               rtol=1e-10, atol=1e-10)
    wt2 = torch.tensor(w).permute(1, 0, 2, 3, 4)                            # (3, 4, ...) as a transposed weight
    np.testing.assert_allclose(F.conv_transpose3d(xa, fg.tensor(w).permute(1, 0, 2, 3, 4), stride=2).numpy(),
                               TF.conv_transpose3d(xt, wt2, stride=2).numpy(), rtol=1e-10, atol=1e-10)


def test_conv3d_empty_batch(rng):
    x, w = np.zeros((0, 3, 4, 4, 4), np.float32), rng.standard_normal((5, 3, 2, 2, 2)).astype(np.float32)
    xa, wa = fg.tensor(x, requires_grad=True), fg.tensor(w, requires_grad=True)
    y = F.conv3d(xa, wa, padding=1)
    assert y.shape == tuple(TF.conv3d(torch.tensor(x), torch.tensor(w), padding=1).shape) == (0, 5, 5, 5, 5)
    y.sum().backward()
    assert xa.grad.shape == (0, 3, 4, 4, 4) and np.all(wa.grad.numpy() == 0)
    wt = rng.standard_normal((3, 2, 2, 2, 2)).astype(np.float32)
    assert F.conv_transpose3d(fg.tensor(x), fg.tensor(wt), stride=2).shape == \
        tuple(TF.conv_transpose3d(torch.tensor(x), torch.tensor(wt), stride=2).shape)


def _same_error(fa, ft):
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(type(et.value)) as ea:
        fa()
    assert str(et.value).split(" (Triggered")[0] in str(ea.value), (str(ea.value), str(et.value))


ERRORS = [
    ("conv3d", (3, 4, 5), (4, 3, 2, 2, 2), {}),
    ("conv3d", (2, 3, 4, 5, 6), (4, 3, 2, 2, 2), dict(stride=(1, 1))),
    ("conv3d", (2, 3, 4, 5, 6), (4, 3, 9, 2, 2), {}),
    ("conv3d", (2, 5, 4, 5, 6), (4, 3, 2, 2, 2), {}),
    ("conv3d", (2, 3, 4, 5, 6), (4, 3, 2, 2, 2), dict(padding="same", stride=2)),
    ("conv3d", (2, 3, 4, 5, 6), (4, 3, 2, 2, 2), dict(padding="full")),
    ("conv3d", (2, 3, 4, 5, 6), (4, 3, 2, 2, 2), dict(stride=0)),
    ("conv3d", (2, 3, 4, 5, 6), (4, 3, 2, 2, 2), dict(padding=-1)),
    ("conv3d", (2, 3, 4, 5, 6), (4, 3, 2, 2, 2), dict(groups=0)),
    ("conv3d", (2, 6, 4, 5, 6), (3, 3, 2, 2, 2), dict(groups=2)),
    ("conv3d", (2, 3, 4, 5, 6), (0, 3, 1, 1, 1), {}),
    ("conv3d", (2, 6, 4, 5, 6), (1, 2, 1, 1, 1), dict(groups=3)),
    ("conv_transpose3d", (2, 3, 4, 5, 6), (3, 4, 2, 2, 2), dict(groups=2)),
    ("conv_transpose3d", (2, 3, 4, 5, 6), (3, 4, 2, 2, 2), dict(stride=2, output_padding=2)),
    ("conv_transpose3d", (2, 3, 4, 5, 6), (5, 4, 2, 2, 2), {}),
    ("conv_transpose3d", (2, 3, 1, 1, 1), (3, 4, 1, 1, 1), dict(padding=1)),
]


@pytest.mark.parametrize("name,xs,ws,kw", ERRORS)
def test_conv3d_errors_as_torch(name, xs, ws, kw):
    x, w = np.ones(xs, np.float32), np.ones(ws, np.float32)
    _same_error(lambda: getattr(F, name)(fg.tensor(x), fg.tensor(w), **kw),
                lambda: getattr(TF, name)(torch.tensor(x), torch.tensor(w), **kw))


@pytest.mark.parametrize("name,xs,ws", [("conv1d", (2, 3, 4), (0, 3, 1)), ("conv2d", (2, 3, 4, 4), (0, 3, 1, 1)),
                                         ("conv2d", (2, 4, 4, 4), (1, 2, 1, 1))])
def test_fewer_out_channels_than_groups_raise_as_torch(name, xs, ws):
    x, w = np.ones(xs, np.float32), np.ones(ws, np.float32)
    groups = xs[1] // ws[1]
    _same_error(lambda: getattr(F, name)(fg.tensor(x), fg.tensor(w), groups=groups),
                lambda: getattr(TF, name)(torch.tensor(x), torch.tensor(w), groups=groups))


def test_conv3d_bias_and_dtype_errors():
    x, w = fg.ones(2, 3, 4, 4, 4), fg.ones(4, 3, 2, 2, 2)
    with pytest.raises(RuntimeError, match="conv3d: expected weight to be 5-dimensional"):
        F.conv3d(x, fg.ones(4, 3, 2, 2))
    with pytest.raises(RuntimeError, match="conv3d: expected input and weight to have the same dtype"):
        F.conv3d(x, w.double())
    with pytest.raises(RuntimeError, match="conv3d: Given weight of size \\[4, 3, 2, 2, 2\\], expected bias"):
        F.conv3d(x, w, fg.ones(3))


MODULES = [  # (class, args, kwargs, input shape)
    ("Conv3d", (4, 6, 3), dict(padding=1), (2, 4, 5, 6, 7)),
    ("Conv3d", (4, 6, (3, 2, 1)), dict(stride=(2, 1, 1), dilation=2, groups=2, bias=False), (2, 4, 6, 5, 4)),
    ("Conv3d", (4, 6, 3), dict(padding="same", padding_mode="reflect"), (2, 4, 5, 6, 7)),
    ("Conv3d", (4, 6, 2), dict(padding=(1, 0, 1), padding_mode="replicate"), (4, 5, 6, 7)),
    ("Conv3d", (4, 6, 3), dict(padding=1, padding_mode="circular", stride=2), (2, 4, 5, 6, 7)),
    ("Conv3d", (4, 6, 2), dict(padding="valid"), (2, 4, 5, 6, 7)),
    ("ConvTranspose3d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 3, 4, 5)),
    ("ConvTranspose3d", (4, 6, (2, 3, 2)), dict(stride=(1, 2, 2), groups=2, dilation=(2, 1, 1), bias=False),
     (4, 3, 2, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", MODULES)
def test_conv3d_modules_match_torch(name, args, kw, shape, rng):
    m, tm = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(tm)
    sd, tsd = m.state_dict(), tm.state_dict()
    assert list(sd) == list(tsd) and all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
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


def test_conv3d_init_follows_torch_bounds():
    fg.manual_seed(0)
    m = nn.Conv3d(8, 16, (3, 2, 4), groups=2)
    fan_in = 4 * 3 * 2 * 4
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert m.weight.shape == (16, 4, 3, 2, 4) and m.bias.shape == (16,)
    assert np.abs(w).max() <= 1 / math.sqrt(fan_in) and np.abs(w).max() > 0.8 / math.sqrt(fan_in)
    assert np.abs(b).max() <= 1 / math.sqrt(fan_in)
    t = nn.ConvTranspose3d(6, 4, 2, groups=2)
    assert t.weight.shape == (6, 2, 2, 2, 2) and t.bias.shape == (4,)


def test_conv_transpose3d_output_size_and_module_errors(rng):
    m, tm = nn.ConvTranspose3d(2, 3, 3, stride=2), torch.nn.ConvTranspose3d(2, 3, 3, stride=2)
    x = rng.standard_normal((1, 2, 3, 3, 3)).astype(np.float32)
    assert m(fg.tensor(x), output_size=(8, 7, 8)).shape == tuple(tm(torch.tensor(x), output_size=(8, 7, 8)).shape)
    with pytest.raises(ValueError, match="requested an output size"):
        m(fg.tensor(x), output_size=(10, 7, 8))
    for kw in (dict(padding="same", stride=2), dict(padding="full"), dict(padding_mode="mirror"), dict(groups=3)):
        with pytest.raises(ValueError):
            torch.nn.Conv3d(4, 6, 3, **kw)
        with pytest.raises(ValueError):
            nn.Conv3d(4, 6, 3, **kw)
    with pytest.raises(ValueError, match="zeros"):
        nn.ConvTranspose3d(4, 6, 3, padding_mode="reflect")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [{}, dict(momentum=None), dict(affine=False), dict(track_running_stats=False)])
def test_batchnorm3d_train_and_eval_match_torch(kw, dtype, rng):
    m, tm = nn.BatchNorm3d(3, **kw), torch.nn.BatchNorm3d(3, **kw)
    if dtype == np.float64:
        m, tm = m.double(), tm.double()
    assert repr(m) == repr(tm) and list(m.state_dict()) == list(tm.state_dict())
    for step in range(2):
        x = (rng.standard_normal((2, 3, 4, 3, 5)) * 2 + 1).astype(dtype)
        xa, xt = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yt = m(xa), tm(xt)
        np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **_tol(dtype))
        g = rng.standard_normal(x.shape).astype(dtype)
        ya.backward(fg.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), **_tol(dtype))
        for (k, p), (_, q) in zip(m.named_parameters(), tm.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=k, **_tol(dtype))
    for k, v in m.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tm.state_dict()[k].numpy(), err_msg=k, **_tol(dtype))
    m.eval(), tm.eval()
    x = rng.standard_normal((1, 3, 2, 2, 2)).astype(dtype)
    np.testing.assert_allclose(m(fg.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), **_tol(dtype))


def test_batchnorm3d_rejects_other_ranks_and_gradchecks(rng):
    for shape in ((2, 3, 4, 5), (2, 3)):
        with pytest.raises(ValueError, match="expected 5D input"):
            nn.BatchNorm3d(3)(fg.zeros(*shape))
        with pytest.raises(ValueError, match="expected 5D input"):
            torch.nn.BatchNorm3d(3)(torch.zeros(*shape))
    x = fg.tensor(rng.standard_normal((2, 2, 2, 3, 2)), requires_grad=True)
    w = fg.tensor(rng.standard_normal(2), requires_grad=True)
    b = fg.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda p, q, r: F.batch_norm(p, None, None, q, r, training=True), [x, w, b])


LAZY = [("LazyConv3d", (5, 3), dict(padding=1), (2, 3, 4, 5, 4)), ("LazyConv3d", (4, 2), dict(groups=2), (4, 3, 3, 3)),
        ("LazyConvTranspose3d", (4, 2), dict(stride=2, groups=2, bias=False), (1, 6, 2, 3, 2)),
        ("LazyBatchNorm3d", (), {}, (4, 3, 2, 2, 2)), ("LazyInstanceNorm3d", (), dict(affine=True), (2, 3, 3, 4, 2))]


@pytest.mark.parametrize("name,args,kw,shape", LAZY)
def test_lazy_3d_modules_materialise_like_torch(name, args, kw, shape, rng):
    m, tm = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(tm) and type(m).cls_to_become.__name__ == type(tm).cls_to_become.__name__
    assert list(m.state_dict()) == list(tm.state_dict()) and m.has_uninitialized_params()
    x = rng.standard_normal(shape).astype(np.float32)
    m(fg.tensor(x))
    tm(torch.tensor(x))
    assert type(m).__name__ == type(tm).__name__ and repr(m) == repr(tm)
    sd, tsd = m.state_dict(), tm.state_dict()
    assert list(sd) == list(tsd) and all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
    m.load_state_dict({k: fg.tensor(v.numpy()) for k, v in tsd.items()})
    np.testing.assert_allclose(m(fg.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-4)


def test_top_level_names():
    assert fg.conv3d is F.conv3d and fg.conv_transpose3d is F.conv_transpose3d and fg.max_pool3d is F.max_pool3d
