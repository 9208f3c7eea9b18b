"""group_norm / instance_norm, interpolate / pixel_shuffle, channel and alpha dropout, adaptive max
pooling and max unpooling, and their modules: forward against float64 numpy references, gradcheck,
torch parity (values, gradients, indices, running statistics, state_dict keys) and bad input."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _t(a, dtype=np.float64, grad=False):
    return fg.tensor(np.asarray(a, dtype), requires_grad=grad)


def _torch():
    return pytest.importorskip("torch")


# -- group_norm / instance_norm --------------------------------------------------------------------
def group_norm_ref(x, g, w=None, b=None, eps=1e-5):
    n, c = x.shape[:2]
    r = x.reshape(n, g, int(np.prod(x.shape[1:])) // g)
    mu = r.mean(-1, keepdims=True)
    var = r.var(-1, keepdims=True)
    y = ((r - mu) / np.sqrt(var + eps)).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4), 2), ((2, 4, 3, 3), 4), ((2, 4), 4),
                                          ((1, 8, 17), 1), ((0, 4, 3), 2)])
def test_group_norm_forward_matches_numpy(shape, groups, dtype, rng):
    x = rng.standard_normal(shape)
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    y = F.group_norm(_t(x, dtype), groups, _t(w, dtype), _t(b, dtype))
    assert y.dtype == dtype and y.shape == shape
    np.testing.assert_allclose(y.numpy(), group_norm_ref(x, groups, w, b), **TOL[dtype])


def test_group_norm_and_instance_norm_gradcheck(rng):
    x, w, b = _t(rng.standard_normal((2, 6, 5)), grad=True), _t(rng.standard_normal(6), grad=True), \
        _t(rng.standard_normal(6), grad=True)
    assert gradcheck(lambda a, u, v: F.group_norm(a, 3, u, v), [x, w, b])
    assert gradcheck(lambda a: F.group_norm(a.transpose(1, 2), 5), [x])      # non-contiguous (2, 5, 6)
    assert gradcheck(lambda a, u, v: F.instance_norm(a, weight=u, bias=v), [x, w, b])


def test_instance_norm_is_group_norm_with_one_channel_per_group(rng):
    x = rng.standard_normal((3, 4, 2, 5))
    np.testing.assert_allclose(F.instance_norm(_t(x)).numpy(), group_norm_ref(x, 4), **TOL[np.float64])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_group_and_instance_norm_match_torch_values_grads_and_running_stats(dtype, rng):
    torch = _torch()
    x = rng.standard_normal((3, 4, 5, 2)).astype(dtype)
    w, b = rng.standard_normal(4).astype(dtype), rng.standard_normal(4).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    for name, args in (("group_norm", (2,)), ("instance_norm", ())):
        xs, ws, bs = _t(x, dtype, True), _t(w, dtype, True), _t(b, dtype, True)
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        kw = dict(weight=ws, bias=bs)
        y = getattr(F, name)(xs, *args, **kw)
        yt = getattr(torch.nn.functional, name)(xt, *args, weight=wt, bias=bt)
        (y * _t(g, dtype)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        for ours, theirs in ((y.detach(), yt.detach()), (xs.grad, xt.grad), (ws.grad, wt.grad), (bs.grad, bt.grad)):
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-5)
    rm, rv = rng.standard_normal(4).astype(dtype), rng.random(4).astype(dtype) + 0.5
    ours = [_t(rm, dtype), _t(rv, dtype)]
    theirs = [torch.tensor(rm), torch.tensor(rv)]
    y = F.instance_norm(_t(x, dtype), *ours, momentum=0.3)
    yt = torch.nn.functional.instance_norm(torch.tensor(x), *theirs, momentum=0.3)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-5, atol=1e-5)
    for a, b_ in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b_.numpy(), rtol=1e-5, atol=1e-6)
    y = F.instance_norm(_t(x, dtype), *ours, use_input_stats=False)
    yt = torch.nn.functional.instance_norm(torch.tensor(x), *theirs, use_input_stats=False)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-5, atol=1e-5)


def test_norm_modules_match_torch_state_dict_and_eval(rng):
    torch = _torch()
    x = rng.standard_normal((2, 4, 6)).astype(np.float32)
    for ours, theirs in ((nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)),
                         (nn.InstanceNorm1d(4, affine=True, track_running_stats=True),
                          torch.nn.InstanceNorm1d(4, affine=True, track_running_stats=True))):
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
        for _ in range(2):
            np.testing.assert_allclose(ours(_t(x, np.float32)).detach().numpy(),
                                       theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
        ours.eval()
        theirs.eval()
        np.testing.assert_allclose(ours(_t(x, np.float32)).detach().numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
        if isinstance(ours, nn.GroupNorm):
            continue
        # unbatched (C, L)
        np.testing.assert_allclose(ours(_t(x[0], np.float32)).detach().numpy(),
                                   theirs(torch.tensor(x[0])).detach().numpy(), rtol=1e-5, atol=1e-5)


NORM_BAD = [
    (lambda: F.group_norm(_t(np.zeros((2, 5, 3))), 2), RuntimeError,
     r"group_norm: Expected number of channels in input to be divisible by num_groups, but got input of shape "
     r"\[2, 5, 3\] and num_groups=2"),
    (lambda: F.group_norm(_t(np.zeros((2, 4, 3))), 2, _t(np.ones(3))), RuntimeError,
     r"group_norm: Expected weight to be a vector of size equal to the number of channels in input, but got "
     r"weight of shape \[3\] and input of shape \[2, 4, 3\]"),
    (lambda: F.group_norm(_t(np.zeros(3)), 1), RuntimeError, "group_norm: Expected at least 2 dimensions"),
    (lambda: F.instance_norm(_t(np.zeros((2, 3, 1)))), ValueError,
     r"instance_norm: Expected more than 1 spatial element when training, got input size \[2, 3, 1\]"),
    (lambda: F.group_norm(_t(np.zeros((2, 4)), np.int64), 2), TypeError, "group_norm: expected a floating-point"),
    (lambda: nn.GroupNorm(3, 4), ValueError, "num_channels must be divisible by num_groups"),
    (lambda: nn.InstanceNorm2d(3)(_t(np.zeros((2, 3)))), ValueError, r"InstanceNorm2d: expected 3D or 4D input"),
    (lambda: nn.InstanceNorm1d(3, affine=True)(_t(np.zeros((2, 4, 5)))), ValueError,
     r"expected input's size at dim=1 to match num_features \(3\), but got: 4"),
]


@pytest.mark.parametrize("fn,exc,msg", NORM_BAD)
def test_norm_bad_input(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()


# -- interpolate / pixel_shuffle -------------------------------------------------------------------
def _src_linear(n_in, n_out, align, scale):
    dst = np.arange(n_out, dtype=np.float64)
    if align:
        return dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    s = 1.0 / scale if scale else n_in / n_out
    return np.maximum(s * (dst + 0.5) - 0.5, 0.0)


def interpolate_ref(x, out, mode, align=False, scales=None):
    """Separable float64 reference: one 1-D resampling per spatial dim, written as a matrix."""
    y = x
    for d, n_out in enumerate(out):
        n_in = y.shape[2 + d]
        m = np.zeros((n_out, n_in))
        scale = scales[d] if scales else None
        if mode in ("nearest", "nearest-exact"):
            s = 1.0 / scale if scale else n_in / n_out
            off = 0.5 if mode == "nearest-exact" else 0.0
            src = np.minimum(np.floor((np.arange(n_out) + off) * s).astype(int), n_in - 1)
            m[np.arange(n_out), src] = 1
        else:
            src = _src_linear(n_in, n_out, align, scale)
            i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
            i1 = np.minimum(i0 + 1, n_in - 1)
            lam = src - i0
            np.add.at(m, (np.arange(n_out), i0), 1 - lam)
            np.add.at(m, (np.arange(n_out), i1), lam)
        y = np.moveaxis(np.tensordot(m, np.moveaxis(y, 2 + d, 0), axes=1), 0, 2 + d)
    return y


INTERP = [((2, 3, 5), dict(size=8, mode="nearest")), ((2, 3, 5), dict(scale_factor=2.5, mode="nearest")),
          ((2, 3, 7), dict(size=3, mode="nearest-exact")), ((2, 3, 5), dict(size=9, mode="linear")),
          ((2, 3, 5), dict(size=9, mode="linear", align_corners=True)), ((2, 3, 5), dict(size=2, mode="linear")),
          ((1, 2, 4, 5), dict(size=(7, 3), mode="bilinear")), ((1, 2, 4, 5), dict(scale_factor=1.7, mode="bilinear")),
          ((1, 2, 4, 5), dict(scale_factor=(2, 3), mode="bilinear", align_corners=True)),
          ((1, 2, 4, 5), dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
          ((1, 2, 3, 4, 5), dict(size=(4, 5, 6), mode="trilinear")),
          ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="nearest")), ((2, 3, 9), dict(size=4, mode="area")),
          ((2, 3, 6, 7), dict(size=(3, 2), mode="area")), ((1, 2, 4, 5), dict(size=(1, 1), mode="bilinear",
                                                                                align_corners=True)),
          ((1, 1, 3, 3), dict(scale_factor=0.5, mode="nearest")), ((1, 1, 1, 1), dict(size=(3, 2), mode="bilinear"))]


@pytest.mark.parametrize("shape,kw", INTERP, ids=[f"{s}-{k}" for s, k in INTERP])
def test_interpolate_forward_reference_and_gradcheck(shape, kw, rng):
    x = rng.standard_normal(shape)
    y = F.interpolate(_t(x), **kw)
    if kw["mode"] != "area":
        size = kw.get("size")
        if size is not None:
            out = [size] * (len(shape) - 2) if isinstance(size, int) else list(size)
            scales = None
        else:
            sf = kw["scale_factor"]
            sf = [sf] * (len(shape) - 2) if isinstance(sf, (int, float)) else list(sf)
            out = [int(np.floor(n * s)) for n, s in zip(shape[2:], sf)]
            scales = None if kw.get("recompute_scale_factor") else sf
        np.testing.assert_allclose(y.numpy(), interpolate_ref(x, out, kw["mode"], bool(kw.get("align_corners")),
                                                              scales), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda a: F.interpolate(a, **kw), [_t(x, grad=True)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_matches_torch(dtype, rng):
    torch = _torch()
    for shape, kw in INTERP:
        x = rng.standard_normal(shape).astype(dtype)
        xs, xt = _t(x, dtype, True), torch.tensor(x, requires_grad=True)
        y, yt = F.interpolate(xs, **kw), torch.nn.functional.interpolate(xt, **kw)
        assert tuple(y.shape) == tuple(yt.shape), (shape, kw)
        g = rng.standard_normal(tuple(y.shape)).astype(dtype)
        (y * _t(g, dtype)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_pixel_shuffle_reference_inverse_and_gradcheck(rng):
    x = rng.standard_normal((2, 8, 3, 4))
    y = F.pixel_shuffle(_t(x), 2).numpy()
    ref = np.zeros((2, 2, 6, 8))
    for c in range(2):
        for i in range(2):
            for j in range(2):
                ref[:, c, i::2, j::2] = x[:, c * 4 + i * 2 + j]
    np.testing.assert_array_equal(y, ref)
    np.testing.assert_array_equal(F.pixel_unshuffle(_t(y), 2).numpy(), x)
    assert gradcheck(lambda a: F.pixel_shuffle(a, 2), [_t(x[0], grad=True)])      # unbatched (C, H, W)
    assert gradcheck(lambda a: F.pixel_unshuffle(a, 2), [_t(y, grad=True)])


def test_resample_modules_match_torch(rng):
    torch = _torch()
    x = rng.standard_normal((1, 4, 3, 4)).astype(np.float32)
    pairs = [(nn.Upsample(scale_factor=2, mode="bilinear"), torch.nn.Upsample(scale_factor=2, mode="bilinear")),
             (nn.Upsample(size=(5, 5)), torch.nn.Upsample(size=(5, 5))),
             (nn.UpsamplingNearest2d(scale_factor=2), torch.nn.UpsamplingNearest2d(scale_factor=2)),
             (nn.UpsamplingBilinear2d(size=(4, 7)), torch.nn.UpsamplingBilinear2d(size=(4, 7))),
             (nn.PixelShuffle(2), torch.nn.PixelShuffle(2)), (nn.PixelUnshuffle(1), torch.nn.PixelUnshuffle(1))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(_t(x, np.float32)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-6,
                                   atol=1e-6)


RESAMPLE_BAD = [
    (lambda: F.interpolate(_t(np.zeros((1, 1, 4))), size=3, scale_factor=2), ValueError,
     "only one of size or scale_factor should be defined"),
    (lambda: F.interpolate(_t(np.zeros((1, 1, 4))), size=(3, 3)), ValueError,
     "Input and output must have the same number of spatial dimensions"),
    (lambda: F.interpolate(_t(np.zeros((1, 1, 4))), size=3, mode="nearest", align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes"),
    (lambda: F.interpolate(_t(np.zeros((1, 1, 4))), size=3, mode="bilinear"), NotImplementedError, "bilinear"),
    (lambda: F.interpolate(_t(np.zeros((1, 1, 4, 4))), size=3, mode="bicubic"), NotImplementedError, "bicubic"),
    (lambda: F.pixel_shuffle(_t(np.zeros((1, 3, 2, 2))), 2), RuntimeError,
     r"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor"),
    (lambda: F.pixel_unshuffle(_t(np.zeros((1, 1, 3, 4))), 2), RuntimeError,
     "pixel_unshuffle expects height to be divisible by downscale_factor"),
    (lambda: F.pixel_shuffle(_t(np.zeros((4, 2))), 2), RuntimeError, "at least 3 dimensions"),
]


@pytest.mark.parametrize("fn,exc,msg", RESAMPLE_BAD)
def test_resample_bad_input(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()


# -- channel and alpha dropout ---------------------------------------------------------------------
@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (4, 6, 5)), (F.dropout1d, (6, 5)), (F.dropout2d, (4, 6, 3, 3)),
                                      (F.dropout3d, (2, 6, 2, 2, 2)), (F.dropout3d, (6, 2, 2, 2))])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(fn, shape):
    x = _t(np.ones(shape), grad=True)
    y = fn(x, 0.5)
    v = y.detach().numpy()
    spatial = {F.dropout1d: 1, F.dropout2d: 2, F.dropout3d: 3}[fn]
    per_channel = v.reshape(-1, int(np.prod(shape[-spatial:])))   # one row per (sample, channel)
    assert set(np.unique(v)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()   # a channel is all kept or all dropped
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)            # dy/dx is the mask / (1 - p)
    np.testing.assert_array_equal(fn(x, 0.5, training=False).detach().numpy(), np.ones(shape))
    np.testing.assert_array_equal(fn(x, 0.0).detach().numpy(), np.ones(shape))
    np.testing.assert_array_equal(fn(x, 1.0).detach().numpy(), np.zeros(shape))


def test_channel_dropout_keeps_about_1_minus_p_of_the_channels():
    fg.manual_seed(0)
    v = F.dropout2d(_t(np.ones((200, 50, 1, 1))), 0.3).numpy()
    assert abs((v > 0).mean() - 0.7) < 0.02


def test_alpha_dropout_keeps_mean_and_variance_and_its_affine_form():
    fg.manual_seed(0)
    x = np.random.default_rng(1).standard_normal(200_000)
    y = F.alpha_dropout(_t(x), 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.02
    alpha, p = 1.7580993408473766, 0.2
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    kept = np.isclose(y, a * x + a * alpha * p)
    dropped = np.isclose(y, -a * alpha + a * alpha * p)
    assert (kept | dropped).all() and abs(dropped.mean() - p) < 0.01
    np.testing.assert_array_equal(F.alpha_dropout(_t(x), 0.2).numpy(), x)      # training=False by default
    v = F.feature_alpha_dropout(_t(np.ones((300, 4, 3))), 0.5, training=True).numpy()
    assert (v.min(-1) == v.max(-1)).all()


def test_dropout_modules_and_warnings():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((nn.Dropout1d(0.2), torch.nn.Dropout1d(0.2)), (nn.Dropout2d(), torch.nn.Dropout2d()),
                         (nn.Dropout3d(0.1), torch.nn.Dropout3d(0.1)),
                         (nn.AlphaDropout(0.3), torch.nn.AlphaDropout(0.3)),
                         (nn.FeatureAlphaDropout(0.3), torch.nn.FeatureAlphaDropout(0.3))):
        assert repr(ours) == repr(theirs)
        ours.eval()
        x = np.ones((2, 3, 4, 5, 2)[:{nn.Dropout1d: 3, nn.Dropout2d: 4, nn.Dropout3d: 5}.get(type(ours), 3)])
        np.testing.assert_array_equal(ours(_t(x)).numpy(), x)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        F.dropout2d(_t(np.ones((2, 3, 4))), 0.5)
    assert any("3D input to dropout2d" in str(m.message) for m in w)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(_t(np.ones((2, 3, 4, 5))))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout2d(_t(np.ones((2, 3, 4, 5))), 1.5)


# -- adaptive max pooling and max unpooling --------------------------------------------------------
def adaptive_max_ref(x, out):
    h, w = x.shape[-2:]
    oh, ow = out
    y = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            hs, he = (i * h) // oh, -((-(i + 1) * h) // oh)
            ws, we = (j * w) // ow, -((-(j + 1) * w) // ow)
            y[..., i, j] = x[..., hs:he, ws:we].max(axis=(-2, -1))
    return y


@pytest.mark.parametrize("shape,out", [((2, 3, 7, 5), (3, 2)), ((2, 3, 8, 8), (1, 1)), ((3, 7, 5), (4, 5)),
                                       ((1, 2, 5, 5), (5, 5)), ((0, 2, 4, 4), (2, 2))])
def test_adaptive_max_pool2d_reference_indices_gradcheck(shape, out, rng):
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64)  # distinct values: no ties
    y, idx = F.adaptive_max_pool2d(_t(x), out, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), adaptive_max_ref(x, out))
    flat = x.reshape(x.shape[:-2] + (shape[-2] * shape[-1],))
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(idx.shape[:-2] + (out[0] * out[1],)),
                                                     -1), y.numpy().reshape(y.shape[:-2] + (out[0] * out[1],)))
    if x.size:
        assert gradcheck(lambda a: F.adaptive_max_pool2d(a, out), [_t(x, grad=True)])


def test_adaptive_max_pool_and_unpool_match_torch(rng):
    torch = _torch()
    tf = torch.nn.functional
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    x[0, 0, 1, 1] = np.nan
    x[1, 1, :3, :3] = 5.0  # ties: the first max
    for out in ((3, 2), (None, 4), 1):
        y, i = F.adaptive_max_pool2d(_t(x, np.float32), out, True)
        yt, it = tf.adaptive_max_pool2d(torch.tensor(x), out, True)
        np.testing.assert_array_equal(y.numpy(), yt.numpy())
        np.testing.assert_array_equal(i.numpy(), it.numpy())
    x1 = rng.standard_normal((2, 3, 9)).astype(np.float32)
    y, i = F.adaptive_max_pool1d(_t(x1, np.float32), 4, True)
    yt, it = tf.adaptive_max_pool1d(torch.tensor(x1), 4, True)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    for shape, out in (((2, 3, 6, 6), None), ((2, 3, 7, 7), (7, 7)), ((3, 6, 6), None)):
        x = rng.standard_normal(shape).astype(np.float32)
        p, i = F.max_pool2d(_t(x, np.float32), 2, return_indices=True)
        pt, it = tf.max_pool2d(torch.tensor(x), 2, return_indices=True)
        ps, pts = _t(p.numpy(), np.float32, True), torch.tensor(p.numpy(), requires_grad=True)
        u, ut = F.max_unpool2d(ps, i, 2, output_size=out), tf.max_unpool2d(pts, it, 2, output_size=out)
        g = rng.standard_normal(tuple(u.shape)).astype(np.float32)
        (u * _t(g, np.float32)).sum().backward()
        (ut * torch.tensor(g)).sum().backward()
        np.testing.assert_array_equal(u.detach().numpy(), ut.detach().numpy())
        np.testing.assert_array_equal(ps.grad.numpy(), pts.grad.numpy())
    x1 = rng.standard_normal((2, 3, 8)).astype(np.float32)
    p, i = F.max_pool1d(_t(x1, np.float32), 2, return_indices=True)
    pt, it = tf.max_pool1d(torch.tensor(x1), 2, return_indices=True)
    np.testing.assert_array_equal(F.max_unpool1d(p, i, 2).numpy(), tf.max_unpool1d(pt, it, 2).numpy())
    for ours, theirs in ((nn.AdaptiveMaxPool2d((3, 3)), torch.nn.AdaptiveMaxPool2d((3, 3))),
                         (nn.AdaptiveMaxPool1d(2), torch.nn.AdaptiveMaxPool1d(2)),
                         (nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)),
                         (nn.MaxUnpool1d(3, 2), torch.nn.MaxUnpool1d(3, 2))):
        assert repr(ours) == repr(theirs)


def test_max_unpool_gradcheck_and_module(rng):
    x = rng.standard_normal((2, 2, 6, 6))
    p, i = F.max_pool2d(_t(x), 2, return_indices=True)
    assert gradcheck(lambda a: F.max_unpool2d(a, i, 2), [_t(p.numpy(), grad=True)])
    u = nn.MaxUnpool2d(2)(p, i).numpy().reshape(2, 2, -1)
    at = i.numpy().reshape(2, 2, -1)
    np.testing.assert_array_equal(np.take_along_axis(u, at, 2), p.numpy().reshape(2, 2, -1))  # values at indices
    np.put_along_axis(u, at, 0.0, 2)
    assert not u.any()                                                                     # zeros elsewhere


POOL_BAD = [
    (lambda: F.max_unpool2d(_t(np.ones((1, 1, 2, 2))), fg.tensor([[[[0, 1], [2, 99]]]]), 2), RuntimeError,
     r"max_unpool2d: Found an invalid max index: 99 \(output volumes are of size 4x4\)"),
    (lambda: F.max_unpool2d(_t(np.ones((1, 1, 2, 2))), fg.tensor([[[[0, 1], [2, 3]]]]), 2, output_size=(9, 9)),
     ValueError, r"max_unpool2d: invalid output_size \[9, 9\]"),
    (lambda: F.max_unpool2d(_t(np.ones((1, 1, 2, 2))), fg.tensor([[[[0, 1]]]]), 2), RuntimeError,
     "Expected shape of indices to be same as that of the input tensor"),
    (lambda: F.max_unpool2d(_t(np.ones((1, 1, 2, 2))), fg.tensor([[[[0, 1], [2, 3]]]], dtype=fg.int32), 2),
     RuntimeError, "elements in indices should be type int64"),
    (lambda: F.adaptive_max_pool2d(_t(np.ones((2, 0, 3, 3))), 2), RuntimeError,
     r"adaptive_max_pool2d: Expected input to have non-zero size for non-batch dimensions, but input has sizes "
     r"\[2, 0, 3, 3\] with dimension 1 being empty"),
    (lambda: F.adaptive_max_pool2d(_t(np.ones((3, 3))), 2), RuntimeError,
     r"adaptive_max_pool2d: Expected 3D or 4D tensor, but got \[3, 3\]"),
]


@pytest.mark.parametrize("fn,exc,msg", POOL_BAD)
def test_pool_more_bad_input(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()


# -- layer_norm (the fused kernel of csrc/layernorm.c) ---------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,normalized", [((4, 5, 8), (8,)), ((3, 6), (6,)), ((2, 3, 4), (3, 4)), ((0, 4), (4,)),
                                              ((5, 1), (1,)), ((7, 33), (33,))])
def test_layer_norm_forward_matches_numpy(shape, normalized, dtype, rng):
    x = rng.standard_normal(shape) * 3 + 100          # |mean| >> std: the shifted sums keep the variance
    w, b = rng.standard_normal(normalized), rng.standard_normal(normalized)
    axes = tuple(range(len(shape) - len(normalized), len(shape)))
    ref = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5) * w + b
    y = F.layer_norm(_t(x, dtype), normalized, _t(w, dtype), _t(b, dtype))
    assert y.dtype == dtype and y.shape == shape
    np.testing.assert_allclose(y.numpy(), ref, **(dict(rtol=1e-4, atol=1e-4) if dtype == np.float32
                                                   else dict(rtol=1e-10, atol=1e-10)))


def test_layer_norm_gradcheck_and_module(rng):
    x = _t(rng.standard_normal((3, 4, 5)), grad=True)
    w, b = _t(rng.standard_normal((4, 5)), grad=True), _t(rng.standard_normal((4, 5)), grad=True)
    assert gradcheck(lambda a, u, v: F.layer_norm(a, (4, 5), u, v), [x, w, b])
    assert gradcheck(lambda a: F.layer_norm(a.transpose(0, 2), 3), [x])          # non-contiguous, no affine
    m = nn.LayerNorm(5, dtype=fg.float64)
    np.testing.assert_allclose(m(x).detach().numpy(), F.layer_norm(x, (5,), m.weight, m.bias).detach().numpy())


def test_layer_norm_matches_torch(rng):
    torch = _torch()
    for dtype in ("float32", "float64"):
        x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((6, 7, 16), (16,), (16,)))
        ours, theirs = [_t(a, dtype, True) for a in (x, w, b)], [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        y, yt = F.layer_norm(ours[0], (16,), *ours[1:]), torch.nn.functional.layer_norm(theirs[0], (16,), *theirs[1:])
        g = rng.standard_normal(x.shape).astype(dtype)
        (y * _t(g, dtype)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **tol)
        for a, t in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize("fn,msg", [
    (lambda: F.layer_norm(_t(np.zeros((2, 3))), (4,)),
     r"layer_norm: Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size"),
    (lambda: F.layer_norm(_t(np.zeros((2, 4))), (4,), _t(np.ones(3))),
     r"layer_norm: Expected weight to be of same shape as normalized_shape, but got weight of shape \[3\]"),
    (lambda: F.layer_norm(_t(np.zeros((2, 4))), (4,), _t(np.ones(4), np.float32)), "layer_norm: expected weight of"),
])
def test_layer_norm_bad_input(fn, msg):
    with pytest.raises(RuntimeError, match=msg):
        fn()
