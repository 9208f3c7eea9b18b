"""conv1d / conv2d and nn.Conv1d / nn.Conv2d: padding strings, unbatched inputs, the im2col
kernels, thread-count determinism, bad arguments, the modules (repr, init, state_dict) and
torch parity beyond the op table (tests/opcases_conv.py)."""
import math

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad._ffi import lib, rptr, wptr
from fastgrad.autograd import gradcheck
from fastgrad.ops.conv import conv_geometry
from opcases_conv import conv_ref

TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _t(a, dtype=np.float64, grad=False):
    return fg.tensor(np.asarray(a, dtype), requires_grad=grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k,dil", [(1, 1), (2, 1), (3, 1), (4, 1), (5, 2), (4, 3)])
def test_conv2d_forward_same_padding_keeps_size(k, dil, dtype, rng):
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, k, k))
    y = F.conv2d(_t(x, dtype), _t(w, dtype), padding="same", dilation=dil)
    assert tuple(y.shape) == (2, 4, 7, 6)
    total = dil * (k - 1)
    lo, hi = total // 2, total - total // 2   # torch: the extra zero goes on the far side
    xp = np.pad(x, ((0, 0), (0, 0), (lo, hi), (lo, hi)))
    np.testing.assert_allclose(y.numpy(), conv_ref(xp, w, dilation=dil), **TOL[dtype])


def test_conv2d_backward_same_padding_even_kernel_gradcheck(rng):
    x, w = _t(rng.standard_normal((1, 2, 5, 4)), grad=True), _t(rng.standard_normal((3, 2, 2, 4)), grad=True)
    assert gradcheck(lambda a, b: F.conv2d(a, b, padding="same"), [x, w])


def test_conv1d_backward_same_and_valid_gradcheck(rng):
    x, w = _t(rng.standard_normal((2, 3, 6)), grad=True), _t(rng.standard_normal((2, 3, 4)), grad=True)
    assert gradcheck(lambda a, b: F.conv1d(a, b, padding="same"), [x, w])
    y = F.conv1d(x, w, padding="valid")
    np.testing.assert_allclose(y.detach().numpy(), conv_ref(x.detach().numpy(), w.detach().numpy()), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_forward_unbatched_matches_batched(dtype, rng):
    x, w, b = rng.standard_normal((3, 6, 5)), rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(2)
    y = F.conv2d(_t(x, dtype), _t(w, dtype), _t(b, dtype), padding=1)
    assert tuple(y.shape) == (2, 6, 5)
    np.testing.assert_allclose(y.numpy(), conv_ref(x[None], w, b, padding=1)[0], **TOL[dtype])
    y1 = F.conv1d(_t(x[:, 0], dtype), _t(w[:, :, 0], dtype))
    np.testing.assert_allclose(y1.numpy(), conv_ref(x[None, :, 0], w[:, :, 0])[0], **TOL[dtype])


def test_conv2d_backward_noncontiguous_input_and_weight(rng):
    xb, wb = rng.standard_normal((2, 5, 6, 3)), rng.standard_normal((3, 3, 4, 2))
    x = fg.from_numpy(xb.transpose(0, 3, 1, 2)).requires_grad_(True)        # (2, 3, 5, 6) strided
    w = fg.from_numpy(wb.transpose(3, 0, 1, 2)[:, :, ::2, :]).requires_grad_(True)  # (2, 3, 2, 4)... sliced
    xc, wc = _t(np.ascontiguousarray(x.detach().numpy()), grad=True), _t(np.ascontiguousarray(w.detach().numpy()),
                                                                          grad=True)
    y, yc = F.conv2d(x, w, stride=(1, 2)), F.conv2d(xc, wc, stride=(1, 2))
    np.testing.assert_array_equal(y.detach().numpy(), yc.detach().numpy())
    g = fg.tensor(rng.standard_normal(y.shape))
    y.backward(g)
    yc.backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), xc.grad.numpy())
    np.testing.assert_array_equal(w.grad.numpy(), wc.grad.numpy())


def test_conv2d_backward_only_weight_and_no_bias_grad(rng):
    x, w = _t(rng.standard_normal((3, 2, 5, 5))), _t(rng.standard_normal((4, 2, 3, 3)), grad=True)
    b = _t(rng.standard_normal(4))
    F.conv2d(x, w, b).sum().backward()
    assert x.grad is None and b.grad is None
    win = np.lib.stride_tricks.sliding_window_view(x.numpy(), (3, 3), axis=(2, 3))  # (n, c, p, q, i, j)
    ref = win.sum(axis=(0, 2, 3))                                                    # dw[o] = sum x windows
    np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(ref, (4, 2, 3, 3)), rtol=1e-12)


def test_conv2d_forward_empty_batch(rng):
    w = _t(rng.standard_normal((4, 2, 3, 3)), grad=True)
    x = _t(np.zeros((0, 2, 5, 5)), grad=True)
    y = F.conv2d(x, w, padding=1)
    assert tuple(y.shape) == (0, 4, 5, 5)
    y.sum().backward()
    assert x.grad.shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(w.grad.numpy(), 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geo", [(5, 7, 3, 3, 1, 1, 1, 1, 1, 1), (6, 5, 2, 3, 3, 2, 0, 2, 1, 2),
                                 (4, 4, 3, 1, 2, 1, 3, 0, 2, 1), (1, 9, 1, 4, 1, 3, 0, 5, 1, 1)])
def test_im2col_and_col2im_kernels_match_numpy(geo, dtype, rng):
    h, w, kh, kw, sh, sw, ph, pw, dh, dw = geo
    c = 3
    g = conv_geometry((1, c, h, w), (1, c, kh, kw), (sh, sw), (ph, pw), (dh, dw), 1)
    oh, ow = int(g[7]), int(g[8])
    x = rng.standard_normal((c, h, w)).astype(dtype)
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    ref = np.empty((c, kh, kw, oh, ow), dtype)
    for i in range(kh):
        for j in range(kw):
            ref[:, i, j] = xp[:, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
    col = np.full((c * kh * kw, oh * ow), np.nan, dtype)
    sfx = "f32" if dtype == np.float32 else "f64"
    getattr(lib, "fg_im2col_" + sfx)(rptr(g), c, rptr(x), wptr(col))
    np.testing.assert_array_equal(col, ref.reshape(col.shape))
    # col2im is im2col's adjoint: <im2col(x), d> == <x, col2im(d)>
    d = rng.standard_normal(col.shape).astype(dtype)
    back = np.full(x.shape, np.nan, dtype)
    getattr(lib, "fg_col2im_" + sfx)(rptr(g), c, rptr(d), wptr(back))
    np.testing.assert_allclose(np.vdot(col.astype(np.float64), d), np.vdot(x.astype(np.float64), back),
                               rtol=1e-4 if dtype == np.float32 else 1e-12)


def test_conv2d_results_bitwise_identical_for_any_thread_count(rng):
    x = _t(rng.standard_normal((37, 8, 12, 12)), np.float32, True)
    w = _t(rng.standard_normal((16, 8, 3, 3)), np.float32, True)
    b = _t(rng.standard_normal(16), np.float32, True)
    g = fg.tensor(rng.standard_normal((37, 16, 12, 12)).astype(np.float32))
    before = fg.get_num_threads()
    outs = []
    try:
        for n in (1, 2, 3):
            fg.set_num_threads(n)
            for t in (x, w, b):
                t.grad = None
            y = F.conv2d(x, w, b, padding=1)
            y.backward(g)
            outs.append([y.detach().numpy().copy()] + [t.grad.numpy().copy() for t in (x, w, b)])
    finally:
        fg.set_num_threads(before)
    for other in outs[1:]:
        for a, b_ in zip(outs[0], other):
            np.testing.assert_array_equal(a, b_)


BAD = [
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), padding=-1),
     RuntimeError, "conv2d: negative padding is not supported"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 7, 7)))), RuntimeError,
     r"conv2d: Calculated padded input size per channel: \(5 x 5\). Kernel size: \(7 x 7\)"),
    (lambda: F.conv1d(_t(np.zeros((2, 3, 4))), _t(np.zeros((6, 3, 3))), dilation=2), RuntimeError,
     r"conv1d: Calculated padded input size per channel: \(4\). Kernel size: \(5\)"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), groups=3), RuntimeError,
     r"conv2d: Given groups=3, weight of size \[6, 4, 3, 3\], expected input\[2, 4, 5, 5\] to have 12 channels"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((5, 2, 3, 3))), groups=2), RuntimeError,
     "conv2d: Given groups=2, expected weight to be divisible by 2 at dimension 0"),
    (lambda: F.conv2d(_t(np.zeros((5, 5))), _t(np.zeros((6, 4, 3, 3)))), RuntimeError,
     r"conv2d: Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[5, 5\]"),
    (lambda: F.conv1d(_t(np.zeros((2, 3, 4, 5))), _t(np.zeros((6, 3, 3)))), RuntimeError,
     r"conv1d: Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3)))), RuntimeError,
     "conv2d: expected weight to be 4-dimensional"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), stride=0), RuntimeError,
     "conv2d: non-positive stride is not supported"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), dilation=0), RuntimeError,
     "conv2d: non-positive dilation is not supported"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), groups=0), RuntimeError,
     "conv2d: non-positive groups is not supported"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), padding="same", stride=2),
     RuntimeError, "conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), padding="foo"), RuntimeError,
     "conv2d: Invalid padding string: 'foo'"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), padding=(1, 1, 1)), RuntimeError,
     "conv2d: expected padding to be a single integer value or a list of 2 values"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3))), _t(np.zeros(5))), RuntimeError,
     r"conv2d: Given weight of size \[6, 4, 3, 3\], expected bias to be 1-dimensional with 6 elements"),
    (lambda: F.conv2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((6, 4, 3, 3)), np.float32)), RuntimeError,
     "conv2d: expected input and weight to have the same dtype"),
    (lambda: F.conv2d(fg.tensor(np.zeros((2, 4, 5, 5), np.int64)), _t(np.zeros((6, 4, 3, 3)))), TypeError,
     "conv2d"),
    (lambda: F.conv2d(np.zeros((2, 4, 5, 5)), _t(np.zeros((6, 4, 3, 3)))), TypeError, "conv2d"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, "out_channels must be divisible by groups"),
    (lambda: nn.Conv2d(3, 6, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 6, 3, padding_mode="foo"), ValueError, "padding_mode must be one of"),
    (lambda: nn.Conv2d(4, 6, 3, padding="same", stride=2), ValueError, "padding='same' is not supported"),
    (lambda: nn.Conv1d(4, 6, 3, padding="full"), ValueError, "Invalid padding string 'full'"),
]


@pytest.mark.parametrize("fn,exc,msg", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_conv_bad_arguments_raise(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()


def test_conv_bad_arguments_match_torch_type_and_message():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x, w = np.zeros((2, 4, 5, 5)), np.zeros((6, 4, 3, 3))
    for kw in (dict(padding=-1), dict(groups=3), dict(stride=0), dict(padding="same", stride=2)):
        with pytest.raises(RuntimeError) as ours:
            F.conv2d(_t(x), _t(w), **kw)
        with pytest.raises(RuntimeError) as theirs:
            tf.conv2d(torch.tensor(x), torch.tensor(w), **kw)
        assert str(ours.value) == "conv2d: " + str(theirs.value).split("\n")[0]


@pytest.mark.parametrize("args,kw", [((4, 6, 3), dict(stride=2, padding=1, groups=2, bias=False)),
                                     ((4, 6, (3, 5)), dict(padding="same", dilation=2)), ((4, 6, 3), {})])
@pytest.mark.parametrize("cls", ["Conv1d", "Conv2d"])
def test_conv_module_repr_state_dict_and_init_match_torch(cls, args, kw):
    torch = pytest.importorskip("torch")
    fg.manual_seed(0)
    if cls == "Conv1d" and not isinstance(args[2], int):
        args = args[:2] + (args[2][1],)
    ours, theirs = getattr(nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert repr(ours) == repr(theirs)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    assert all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
    fan_in = args[0] // kw.get("groups", 1) * math.prod(ours.kernel_size)
    bound = 1 / math.sqrt(fan_in)
    for p in ours.parameters():
        v = p.detach().numpy()
        assert v.min() >= -bound and v.max() <= bound
    w = ours.weight.detach().numpy()      # >= 36 draws of U(-bound, bound): std bound/sqrt(3)
    assert bound / 3 < w.std() < bound / 1.5


def test_conv2d_module_loads_torch_weights_and_matches_forward_backward(rng):
    torch = pytest.importorskip("torch")
    t = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 4, 3, stride=2,
                                                                                                     groups=4))
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, stride=2, groups=4))
    m.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((2, 3, 9, 9)).astype(np.float32)
    y, ty = m(fg.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    y.sum().backward()
    ty.sum().backward()
    for (name, p), tp in zip(m.named_parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=name)


CT_BAD = [
    (lambda: F.conv_transpose2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((4, 3, 3, 3))), stride=2, output_padding=2),
     RuntimeError, "conv_transpose2d: output padding must be smaller than either stride or dilation, but got "
                   "output_padding_height: 2 output_padding_width: 2 stride_height: 2 stride_width: 2 "
                   "dilation_height: 1 dilation_width: 1"),
    (lambda: F.conv_transpose2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((4, 3, 3, 3))), groups=3), RuntimeError,
     "conv_transpose2d: Given groups=3, expected weight to be divisible by 3 at dimension 0"),
    (lambda: F.conv_transpose2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((5, 3, 3, 3)))), RuntimeError,
     r"conv_transpose2d: Given transposed=1, weight of size \[5, 3, 3, 3\], expected input\[2, 4, 5, 5\] to have "
     r"5 channels, but got 4 channels instead"),
    (lambda: F.conv_transpose2d(_t(np.zeros((5, 5))), _t(np.zeros((4, 3, 3, 3)))), RuntimeError,
     r"conv_transpose2d: Expected 3D \(unbatched\) or 4D \(batched\) input to conv_transpose2d"),
    (lambda: F.conv_transpose2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((4, 3, 3, 3))), padding=-1), RuntimeError,
     "conv_transpose2d: negative padding is not supported"),
    (lambda: F.conv_transpose2d(_t(np.zeros((1, 4, 1, 1))), _t(np.zeros((4, 3, 1, 1))), padding=1), RuntimeError,
     r"conv_transpose2d: Given input size per channel: \(1 x 1\). Calculated output size per channel: \(-1 x -1\)"),
    (lambda: F.conv_transpose2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((4, 3, 3, 3))), _t(np.zeros(4))),
     RuntimeError, "conv_transpose2d: Given transposed=1, weight of size .* expected bias to be 1-dimensional with 3"),
    (lambda: F.conv_transpose2d(_t(np.zeros((2, 4, 5, 5))), _t(np.zeros((4, 3, 3, 3))), padding="same"), TypeError,
     "conv_transpose2d"),
    (lambda: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)(_t(np.zeros((1, 4, 5, 5)), np.float32),
                                                              output_size=[12, 10]), ValueError,
     r"requested an output size of \[12, 10\], but valid sizes range from \[9, 9\] to \[10, 10\]"),
]


@pytest.mark.parametrize("fn,exc,msg", CT_BAD, ids=[f"bad{i}" for i in range(len(CT_BAD))])
def test_conv_transpose_bad_arguments_raise(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn()


@pytest.mark.parametrize("cls,args,kw", [("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1,
                                                                               groups=2, bias=False)),
                                         ("ConvTranspose1d", (4, 6, 3), {}),
                                         ("ConvTranspose2d", (4, 6, (3, 2)), dict(dilation=2))])
def test_conv_transpose_module_matches_torch(cls, args, kw, rng):
    torch = pytest.importorskip("torch")
    fg.manual_seed(0)
    ours, theirs = getattr(nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    bound = 1 / math.sqrt(ours.weight.shape[1] * math.prod(ours.kernel_size))   # torch: fan_in from weight dim 1
    assert all(np.abs(p.detach().numpy()).max() <= bound for p in ours.parameters())
    ours.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((2, 4, 5, 5) if cls.endswith("2d") else (2, 4, 7)).astype(np.float32)
    y, ty = ours(fg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    if cls == "ConvTranspose2d" and kw.get("stride") == 2:
        size = [10, 10]
        ys = ours(fg.tensor(x), output_size=size)
        assert tuple(ys.shape) == tuple(theirs(torch.tensor(x), output_size=size).shape)
