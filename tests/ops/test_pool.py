"""max_pool2d / avg_pool2d / adaptive_avg_pool2d and their modules: indices, NaN, unbatched and
empty-batch inputs, bad arguments, module reprs, torch parity beyond the op table
(tests/opcases_conv.py holds the forward/gradcheck cases)."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck
from opcases_conv import adaptive_avg_ref, avg_pool_ref, max_pool_ref

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}


def _t(a, dtype=np.float64, grad=False):
    return fg.tensor(np.asarray(a, dtype), requires_grad=grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=(2, 3), stride=(3, 1), dilation=(2, 1), padding=(1, 1))])
def test_max_pool2d_forward_indices_point_at_the_max(kw, dtype, rng):
    x = rng.standard_normal((2, 3, 7, 8)).astype(dtype)
    y, idx = F.max_pool2d(_t(x, dtype), return_indices=True, **kw)
    assert idx.dtype == np.int64 and idx.shape == y.shape
    np.testing.assert_array_equal(y.numpy(), max_pool_ref(x.astype(np.float64), **kw).astype(dtype))
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(2, 3, -1), 2).reshape(y.shape),
                                  y.numpy())


def test_max_pool2d_indices_and_nan_match_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 2, 6, 6))
    x[0, 0, 1, 1] = np.nan
    x[1, 1, :2, :2] = 7.0           # a tie: the first max wins in both
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, dilation=1)):
        y, i = F.max_pool2d(_t(x), return_indices=True, **kw)
        ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pool_forward_unbatched_matches_batched(dtype, rng):
    x = rng.standard_normal((3, 5, 6)).astype(dtype)
    for f, ref, kw in ((F.max_pool2d, max_pool_ref, dict(kernel_size=2)),
                       (F.avg_pool2d, avg_pool_ref, dict(kernel_size=3, stride=1, padding=1)),
                       (F.adaptive_avg_pool2d, adaptive_avg_ref, dict())):
        args = (4,) if f is F.adaptive_avg_pool2d else ()
        y = f(_t(x, dtype), *args, **kw)
        np.testing.assert_allclose(y.numpy(), ref(x[None].astype(np.float64), *args, **kw)[0], **TOL[dtype])


def test_pool_backward_gradcheck_unbatched_and_noncontiguous(rng):
    x = _t(rng.standard_normal((5, 6, 2)), grad=True)   # permuted inside: a strided (2, 5, 6) view
    assert gradcheck(lambda a: F.avg_pool2d(a.permute(2, 0, 1), 2, 1, 1, count_include_pad=False), [x])
    assert gradcheck(lambda a: F.max_pool2d(a.permute(2, 0, 1), 3, 2, 1, ceil_mode=True), [x])
    assert gradcheck(lambda a: F.adaptive_avg_pool2d(a.permute(2, 0, 1), (4, None)), [x])


def test_pool_empty_batch(rng):
    x = _t(np.zeros((0, 2, 4, 4)), grad=True)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, 3)):
        assert y.shape[0] == 0
        y.sum().backward()
        assert x.grad.shape == (0, 2, 4, 4)


BAD = [
    (lambda: F.max_pool2d(_t(np.zeros((2, 3, 5, 5))), 2, padding=2), RuntimeError,
     "max_pool2d: pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"),
    (lambda: F.avg_pool2d(_t(np.zeros((2, 3, 5, 5))), 2, padding=-1), RuntimeError,
     "avg_pool2d: pad must be non-negative, but got pad: -1"),
    (lambda: F.max_pool2d(_t(np.zeros((1, 1, 2, 2))), 3), RuntimeError,
     r"max_pool2d: Given input size: \(1x2x2\). Calculated output size: \(1x0x0\). Output size is too small"),
    (lambda: F.avg_pool2d(_t(np.zeros((1, 1, 2, 2))), 3), RuntimeError, "avg_pool2d: Given input size"),
    (lambda: F.max_pool2d(_t(np.zeros((5, 5))), 2), RuntimeError,
     r"max_pool2d: non-empty 3D or 4D \(batch mode\) tensor expected for input"),
    (lambda: F.avg_pool2d(_t(np.zeros((5, 5))), 2), IndexError, "avg_pool2d: Dimension out of range"),
    (lambda: F.max_pool2d(_t(np.zeros((2, 3, 5, 5))), 2, stride=0), RuntimeError,
     "max_pool2d: stride should not be zero"),
    (lambda: F.max_pool2d(_t(np.zeros((2, 3, 5, 5))), 2, dilation=0), RuntimeError,
     "max_pool2d: dilation should be greater than zero, but got dilationH: 0 dilationW: 0"),
    (lambda: F.avg_pool2d(_t(np.zeros((2, 3, 5, 5))), 2, divisor_override=0), RuntimeError,
     "avg_pool2d: divisor must be not zero"),
    (lambda: F.max_pool2d(_t(np.zeros((2, 3, 5, 5))), (2, 2, 2)), RuntimeError,
     "max_pool2d: kernel_size must either be a single int, or a tuple of two ints"),
    (lambda: F.max_pool2d(_t(np.zeros((1, 1, 0, 4))), 1), RuntimeError,
     r"max_pool2d: Expected 3D or 4D \(batch mode\) tensor with optional 0 dim batch size for input"),
    (lambda: F.adaptive_avg_pool2d(_t(np.zeros((5, 5))), 2), RuntimeError,
     r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got \[5, 5\]"),
    (lambda: F.adaptive_avg_pool2d(_t(np.zeros((2, 3, 5, 5))), (2, -1)), RuntimeError,
     "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0"),
    (lambda: F.adaptive_avg_pool2d(_t(np.zeros((2, 3, 5, 5))), (2, 2, 2)), RuntimeError,
     "adaptive_avg_pool2d: output_size must be 2"),
    (lambda: F.adaptive_avg_pool2d(_t(np.zeros((1, 1, 0, 4))), 2), RuntimeError,
     "adaptive_avg_pool2d.*dimension 2 being empty"),
    (lambda: F.max_pool2d(fg.tensor(np.zeros((1, 1, 4, 4), np.int64)), 2), TypeError, "max_pool2d"),
    (lambda: F.avg_pool2d(np.zeros((1, 1, 4, 4)), 2), TypeError, "avg_pool2d"),
]


@pytest.mark.parametrize("fn,exc,msg", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_pool_bad_arguments_raise(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()


def test_pool_bad_arguments_match_torch_messages():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    for name, shape, args, kw in [("max_pool2d", (2, 3, 5, 5), (2,), dict(padding=2)),
                                  ("avg_pool2d", (1, 1, 2, 2), (3,), {}),
                                  ("max_pool2d", (2, 3, 5, 5), (2,), dict(dilation=0))]:
        with pytest.raises(RuntimeError) as ours:
            getattr(F, name)(_t(np.zeros(shape)), *args, **kw)
        with pytest.raises(RuntimeError) as theirs:
            getattr(tf, name)(torch.zeros(shape), *args, **kw)
        assert str(ours.value) == f"{name}: " + str(theirs.value).split("\n")[0]


@pytest.mark.parametrize("cls,args,kw", [("MaxPool2d", (2,), {}),
                                         ("MaxPool2d", ((3, 2),), dict(stride=1, padding=1, dilation=2,
                                                                       ceil_mode=True, return_indices=True)),
                                         ("AvgPool2d", (2,), {}), ("AvgPool2d", (3, 1, 1, True, False, 2), {}),
                                         ("AdaptiveAvgPool2d", ((3, None),), {}), ("AdaptiveAvgPool2d", (3,), {})])
def test_pool_module_repr_and_forward_match_torch(cls, args, kw, rng):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == {} or list(ours.state_dict()) == list(theirs.state_dict())
    x = rng.standard_normal((2, 3, 7, 6))
    y, ty = ours(_t(x)), theirs(torch.tensor(x))
    if isinstance(y, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        y, ty = y[0], ty[0]
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw,shape", [
    ("max_pool1d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (2, 3, 9)),
    ("max_pool1d", dict(kernel_size=2, dilation=2), (3, 8)),
    ("avg_pool1d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 9)),
    ("avg_pool1d", dict(kernel_size=4, stride=5), (3, 9)),
    ("adaptive_avg_pool1d", dict(output_size=4), (2, 3, 9)),
    ("adaptive_avg_pool1d", dict(output_size=(12,)), (3, 7)),
])
def test_pool1d_forward_matches_2d_reference_and_gradcheck(name, kw, shape, dtype, rng):
    x = rng.standard_normal(shape)
    y = getattr(F, name)(_t(x, dtype), **kw)
    x4 = (x if len(shape) == 3 else x[None])[:, :, None, :]
    if name == "max_pool1d":
        ref = max_pool_ref(x4, (1, kw["kernel_size"]), (1, kw.get("stride", kw["kernel_size"])),
                           (0, kw.get("padding", 0)), (1, kw.get("dilation", 1)), kw.get("ceil_mode", False))
    elif name == "avg_pool1d":
        ref = avg_pool_ref(x4, (1, kw["kernel_size"]), (1, kw.get("stride", kw["kernel_size"])),
                           (0, kw.get("padding", 0)), kw.get("ceil_mode", False), kw.get("count_include_pad", True))
    else:
        o = kw["output_size"]
        ref = adaptive_avg_ref(x4, (1, o if isinstance(o, int) else o[0]))
    ref = ref[:, :, 0] if len(shape) == 3 else ref[0, :, 0]
    np.testing.assert_allclose(y.numpy(), ref, **TOL[dtype])
    if dtype == np.float64:
        assert gradcheck(lambda a: getattr(F, name)(a, **kw), [_t(x, grad=True)])


def test_pool1d_indices_modules_and_messages_match_torch(rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = rng.standard_normal((2, 3, 9))
    y, i = F.max_pool1d(_t(x), 3, 2, 1, return_indices=True)
    ty, ti = tf.max_pool1d(torch.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    for cls, args in (("MaxPool1d", (2,)), ("AvgPool1d", (3, 1, 1)), ("AdaptiveAvgPool1d", (4,))):
        ours, theirs = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(_t(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-12)
    for name, shape, args, kw in [("max_pool1d", (2, 3, 5), (2,), dict(padding=2)), ("max_pool1d", (1, 1, 2), (3,), {}),
                                  ("max_pool1d", (5,), (2,), {}), ("avg_pool1d", (5,), (2,), {}),
                                  ("avg_pool1d", (1, 1, 2), (3,), {}), ("max_pool1d", (2, 3, 5), (2,), dict(stride=0)),
                                  ("adaptive_avg_pool1d", (2, 3, 5), ((2, 2),), {}),
                                  ("max_pool1d", (2, 3, 5), ((2, 2),), {}),
                                  ("max_pool1d", (2, 3, 5), (2,), dict(dilation=0))]:
        with pytest.raises(RuntimeError) as ours:
            getattr(F, name)(_t(np.zeros(shape)), *args, **kw)
        with pytest.raises(RuntimeError) as theirs:
            getattr(tf, name)(torch.zeros(shape), *args, **kw)
        theirs = str(theirs.value).split("\n")[0]
        assert str(ours.value) in (theirs, f"{name}: {theirs}")
