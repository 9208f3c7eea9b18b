"""3-D pooling composed from the 2-D kernels: max_pool3d, avg_pool3d, adaptive_avg/max_pool3d, max_unpool3d,
lp_pool3d, the *_with_indices forms and their modules: values, indices and gradients against torch (float32 and
float64) over option grids, ties / NaN / -inf, gradcheck, empty and unbatched inputs, non-contiguous inputs,
errors and reprs as torch."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _run(name, x, args, kw, rng, indices=False):
    """Forward and backward of F.<name> and torch's on x; compare values, indices and input gradients."""
    xa, xt = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = getattr(F, name)(xa, *args, **kw), getattr(TF, name)(xt, *args, **kw)
    if indices:
        (ya, ia), (yt, it) = ya, yt
        assert ia.dtype == fg.int64 and ia.shape == tuple(it.shape)
        np.testing.assert_array_equal(ia.numpy(), it.numpy())
    assert ya.shape == tuple(yt.shape) and ya.dtype == (fg.float32 if x.dtype == np.float32 else fg.float64)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **_tol(x.dtype))
    g = rng.standard_normal(tuple(yt.shape)).astype(x.dtype)
    ya.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), **_tol(x.dtype))


MAX = [  # (shape, kernel_size, stride, padding, dilation, ceil_mode)
    ((2, 3, 7, 8, 9), (3, 2, 3), (2, 2, 1), (1, 1, 1), (2, 1, 1), True),
    ((2, 3, 7, 8, 9), 2, None, 0, 1, False),
    ((3, 7, 8, 9), 3, 2, 1, 1, True),
    ((1, 2, 5, 6, 7), (2, 3, 2), (1, 2, 3), (1, 0, 1), (2, 2, 1), False),
    ((2, 1, 4, 4, 4), 4, 1, 2, 1, True),
    ((1, 1, 6, 5, 4), (3, 1, 2), (3, 1, 2), 0, (1, 1, 2), True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,k,s,p,d,ceil", MAX)
@pytest.mark.parametrize("ret", [False, True])
def test_max_pool3d_matches_torch(shape, k, s, p, d, ceil, ret, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    _run("max_pool3d", x, (k, s, p, d, ceil, ret), {}, rng, indices=ret)


def test_max_pool3d_ties_nan_and_inf_follow_torch(rng):
    x = np.round(rng.standard_normal((2, 2, 5, 6, 7))).astype(np.float32)   # many ties
    _run("max_pool3d", x, (3, 2, 1), dict(return_indices=True, ceil_mode=True), rng, indices=True)
    x = np.full((1, 1, 4, 4, 4), -np.inf, np.float32)
    _run("max_pool3d", x, (3, 2, 1), dict(return_indices=True), rng, indices=True)
    x = rng.standard_normal((1, 2, 4, 5, 6)).astype(np.float64)
    x[0, 0, 1, 2, 3] = x[0, 1, 3, 0, 0] = x[0, 1, 3, 4, 5] = x[0, 1, 2, 4, 1] = np.nan
    ya, ia = F.max_pool3d(fg.tensor(x), 2, 1, return_indices=True)
    yt, it = TF.max_pool3d(torch.tensor(x), 2, 1, return_indices=True)
    np.testing.assert_array_equal(ia.numpy(), it.numpy())
    np.testing.assert_array_equal(np.isnan(ya.numpy()), np.isnan(yt.numpy()))
    for out in ((3, 2, 4), (2, 5, 3), (4, 1, 6)):  # uneven windows; windows that tile evenly (max_pool2d's kernel)
        ya, ia = F.adaptive_max_pool3d(fg.tensor(x), out, True)
        yt, it = TF.adaptive_max_pool3d(torch.tensor(x), out, True)
        np.testing.assert_array_equal(ia.numpy(), it.numpy())
        ya, ia = F.adaptive_max_pool2d(fg.tensor(x[0]), out[1:], True)
        yt, it = TF.adaptive_max_pool2d(torch.tensor(x[0]), out[1:], True)
        np.testing.assert_array_equal(ia.numpy(), it.numpy())
    x = np.round(rng.standard_normal((2, 2, 4, 6, 8))).astype(np.float32)
    x[0, 0, 0] = -np.inf
    _run("adaptive_max_pool3d", x, ((2, 3, 4), True), {}, rng, indices=True)
    _run("adaptive_max_pool2d", x[0], ((3, 4), True), {}, rng, indices=True)


AVG = [  # (shape, kernel_size, stride, padding, ceil_mode)
    ((2, 3, 7, 8, 9), (3, 2, 3), (2, 2, 1), (1, 1, 1), True),
    ((2, 3, 7, 8, 9), 2, None, 0, False),
    ((3, 6, 5, 4), 2, None, 1, False),
    ((1, 2, 5, 6, 7), (3, 3, 2), (2, 3, 2), (1, 1, 0), True),
    ((1, 1, 4, 4, 4), 4, 3, 2, True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,k,s,p,ceil", AVG)
@pytest.mark.parametrize("cip,div", [(True, None), (False, None), (True, 5), (False, 3)])
def test_avg_pool3d_matches_torch(shape, k, s, p, ceil, cip, div, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    _run("avg_pool3d", x, (k, s, p, ceil, cip, div), {}, rng)


ADAPTIVE = [((2, 3, 7, 8, 9), (3, None, 4)), ((3, 5, 8, 9), (7, 3, 10)), ((1, 2, 4, 4, 4), 1),
            ((2, 1, 5, 6, 7), (5, 6, 7)), ((1, 1, 9, 3, 5), (2, 2, 2))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,out", ADAPTIVE)
def test_adaptive_pool3d_match_torch(shape, out, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    _run("adaptive_avg_pool3d", x, (out,), {}, rng)
    _run("adaptive_max_pool3d", x, (out, True), {}, rng, indices=True)
    _run("adaptive_max_pool3d", x, (out,), {}, rng)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_unpool3d_inverts_max_pool3d_like_torch(dtype, rng):
    for shape, kw, size in (((2, 3, 6, 7, 8), dict(kernel_size=2), (6, 7, 8)),
                            ((3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0)), (5, 6, 7)),
                            ((1, 2, 4, 4, 4), dict(kernel_size=2), None)):
        x = rng.standard_normal(shape).astype(dtype)
        yt, it = TF.max_pool3d(torch.tensor(x), return_indices=True, **kw)
        ya, ia = F.max_pool3d(fg.tensor(x), return_indices=True, **kw)
        va, vt = fg.tensor(yt.numpy(), requires_grad=True), yt.clone().requires_grad_()
        ua = F.max_unpool3d(va, ia, output_size=size, **kw)
        ut = TF.max_unpool3d(vt, it, output_size=size, **kw)
        assert ua.shape == tuple(ut.shape)
        np.testing.assert_array_equal(ua.detach().numpy(), ut.detach().numpy())
        g = rng.standard_normal(tuple(ut.shape)).astype(dtype)
        ua.backward(fg.tensor(g))
        ut.backward(torch.tensor(g))
        np.testing.assert_array_equal(va.grad.numpy(), vt.grad.numpy())


def test_pool3d_gradcheck_float64(rng):
    x = fg.tensor(rng.permutation(2 * 2 * 5 * 4 * 5).reshape(2, 2, 5, 4, 5) / 10.0, requires_grad=True)  # no ties
    assert gradcheck(lambda t: F.max_pool3d(t, (2, 3, 2), (2, 1, 2), (1, 1, 0), ceil_mode=True), [x])
    assert gradcheck(lambda t: F.avg_pool3d(t, 3, 2, 1, True, False), [x])
    assert gradcheck(lambda t: F.avg_pool3d(t, (2, 2, 3), 1, 0, False, True, 7), [x])
    assert gradcheck(lambda t: F.adaptive_avg_pool3d(t, (3, 2, 4)), [x])
    assert gradcheck(lambda t: F.adaptive_max_pool3d(t, (3, 2, 4)), [x])
    assert gradcheck(lambda t: F.lp_pool3d(t + 1.0, 2.0, 2), [x])


def test_pool3d_non_contiguous_and_empty_batch(rng):
    x = rng.standard_normal((2, 3, 6, 5, 4))
    xa, xt = fg.tensor(x).transpose(2, 4), torch.tensor(x).transpose(2, 4)
    for name, args in (("max_pool3d", (2,)), ("avg_pool3d", (3, 1, 1)), ("adaptive_avg_pool3d", ((2, 3, 4),)),
                       ("adaptive_max_pool3d", ((2, 3, 4),)), ("lp_pool3d", (3.0, 2))):
        np.testing.assert_allclose(getattr(F, name)(xa, *args).numpy(), getattr(TF, name)(xt, *args).numpy(),
                                   rtol=1e-10, atol=1e-10, err_msg=name)
    e = np.zeros((0, 3, 4, 5, 6), np.float32)
    for name, args in (("max_pool3d", (2,)), ("avg_pool3d", (2,)), ("adaptive_avg_pool3d", (2,)),
                       ("adaptive_max_pool3d", (2,))):
        ea = fg.tensor(e, requires_grad=True)
        y = getattr(F, name)(ea, *args)
        assert y.shape == tuple(getattr(TF, name)(torch.tensor(e), *args).shape), name
        y.sum().backward()
        assert ea.grad.shape == e.shape


def test_lp_pool3d_and_with_indices_forms_match_torch(rng):
    x = rng.random((2, 3, 5, 6, 7))
    for p, k, s, ceil in ((2.0, 2, None, False), (3.0, (2, 3, 2), (1, 2, 2), True)):
        _run("lp_pool3d", x, (p, k, s, ceil), {}, rng)
    ya, ia = F.max_pool3d_with_indices(fg.tensor(x), 2, return_indices=False)
    yt, it = TF.max_pool3d_with_indices(torch.tensor(x), 2, return_indices=False)
    np.testing.assert_array_equal(ia.numpy(), it.numpy())
    ya, ia = F.adaptive_max_pool3d_with_indices(fg.tensor(x), 3)
    yt, it = TF.adaptive_max_pool3d_with_indices(torch.tensor(x), 3)
    np.testing.assert_array_equal(ia.numpy(), it.numpy())


ERRORS = [
    ("max_pool3d", (3, 4, 5), (2,), {}),
    ("max_pool3d", (2, 3, 0, 5, 6), (2,), {}),
    ("max_pool3d", (2, 3, 4, 5, 6), (2,), dict(padding=2)),
    ("max_pool3d", (2, 3, 4, 5, 6), ((2, 2),), {}),
    ("max_pool3d", (2, 3, 4, 5, 6), (5,), {}),
    ("max_pool3d", (2, 3, 4, 5, 6), (0,), {}),
    ("max_pool3d", (2, 3, 4, 5, 6), (2,), dict(stride=0)),
    ("max_pool3d", (2, 3, 4, 5, 6), (2,), dict(dilation=0)),
    ("avg_pool3d", (3, 4, 5), (2,), {}),
    ("avg_pool3d", (2, 3, 4, 5, 6), (2,), dict(padding=2)),
    ("avg_pool3d", (2, 3, 4, 5, 6), (5,), {}),
    ("avg_pool3d", (2, 3, 4, 5, 6), (2,), dict(divisor_override=0)),
    ("avg_pool3d", (2, 3, 4, 5, 6), ((2, 2),), {}),
    ("avg_pool3d", (2, 3, 0, 5, 6), (2,), {}),
    ("adaptive_avg_pool3d", (3, 4, 5), (2,), {}),
    ("adaptive_avg_pool3d", (2, 3, 4, 5, 6), ((2, 2),), {}),
    ("adaptive_avg_pool3d", (2, 3, 4, 5, 6), ((2, None, -1),), {}),
    ("adaptive_avg_pool3d", (2, 3, 0, 5, 6), (2,), {}),
    ("adaptive_max_pool3d", (3, 4, 5), (2,), {}),
    ("adaptive_max_pool3d", (2, 3, 4, 5, 6), ((2, 2),), {}),
    ("adaptive_max_pool3d", (2, 3, 4, 5, 6), ((2, None, -1),), {}),
    ("adaptive_max_pool3d", (2, 3, 0, 5, 6), (2,), {}),
]


@pytest.mark.parametrize("name,shape,args,kw", ERRORS)
def test_pool3d_errors_as_torch(name, shape, args, kw):
    x = np.ones(shape, np.float32)
    with pytest.raises(Exception) as et:
        getattr(TF, name)(torch.tensor(x), *args, **kw)
    with pytest.raises(type(et.value)) as ea:
        getattr(F, name)(fg.tensor(x), *args, **kw)
    want = str(et.value).replace("max_pool3d_with_indices_out_cpu_template", "max_pool3d")
    assert want.split("non-batch dimension ")[0] in str(ea.value), (str(ea.value), want)


def test_max_unpool3d_errors_as_torch(rng):
    x = torch.randn(2, 3, 4, 5, 6)
    y, i = TF.max_pool3d(x, 2, return_indices=True)
    ya, ia = fg.tensor(y.numpy()), fg.tensor(i.numpy())
    for args, kw, exc, msg in (((ya, ia.float(), 2), {}, RuntimeError, "elements in indices should be type int64"),
                               ((ya, ia[:1], 2), {}, RuntimeError, "Expected shape of indices to be same"),
                               ((ya[0, 0], ia[0, 0], 2), {}, RuntimeError, "should be a 4d or 5d Tensor"),
                               ((ya, ia + 100, 2), {}, RuntimeError,
                                r"Found an invalid max index: [0-9]+ \(output volumes are of size 4x4x6\)"),
                               ((ya, ia, 2), dict(output_size=(9, 9, 9)), ValueError, "invalid output_size")):
        with pytest.raises(exc, match=msg):
            F.max_unpool3d(*args, **kw)


MODULES = [("MaxPool3d", (2,), {}, (2, 3, 4, 5, 6)), ("MaxPool3d", ((2, 3, 2), 1, 1, 2, False, True), {}, (3, 5, 6, 7)),
           ("AvgPool3d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False), (2, 3, 5, 6, 7)),
           ("AvgPool3d", (2,), dict(divisor_override=3), (3, 4, 5, 6)),
           ("AdaptiveAvgPool3d", ((1, None, 2),), {}, (2, 3, 4, 5, 6)),
           ("AdaptiveMaxPool3d", (2, True), {}, (3, 4, 5, 6)), ("LPPool3d", (2, 2), {}, (2, 3, 4, 5, 6))]


@pytest.mark.parametrize("name,args,kw,shape", MODULES)
def test_pool3d_modules_match_torch(name, args, kw, shape, rng):
    m, tm = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(tm) and list(m.state_dict()) == []
    x = rng.random(shape)
    ya, yt = m(fg.tensor(x)), tm(torch.tensor(x))
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(ya[1].numpy(), yt[1].numpy())
        ya, yt = ya[0], yt[0]
    np.testing.assert_allclose(ya.numpy(), yt.numpy(), rtol=1e-12, atol=1e-12)


def test_max_unpool3d_module_matches_torch(rng):
    m, tm = nn.MaxUnpool3d(2, (2, 1, 2)), torch.nn.MaxUnpool3d(2, (2, 1, 2))
    assert repr(m) == repr(tm)
    x = rng.standard_normal((2, 3, 4, 5, 6))
    yt, it = TF.max_pool3d(torch.tensor(x), 2, (2, 1, 2), return_indices=True)
    np.testing.assert_array_equal(m(fg.tensor(yt.numpy()), fg.tensor(it.numpy())).numpy(), tm(yt, it).numpy())
