"""F.affine_grid and F.grid_sample (4-D): every mode (bilinear, nearest) x padding_mode (zeros, border,
reflection) x align_corners against torch (values, input and grid gradients), gradcheck in float64, a numpy
reference for bilinear/zeros, size-1 and empty shapes, non-contiguous operands, and torch's errors."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-11, atol=1e-12)}
MODES = [(m, p, a) for m in ("bilinear", "nearest") for p in ("zeros", "border", "reflection") for a in (False, True)]


def bilinear_zeros_ref(x, g, align):
    n, c, h, w = x.shape
    out = np.zeros((n, c) + g.shape[1:3])
    for b in range(n):
        for i in range(g.shape[1]):
            for j in range(g.shape[2]):
                gx, gy = g[b, i, j]
                px = (gx + 1) * (w - 1) / 2 if align else ((gx + 1) * w - 1) / 2
                py = (gy + 1) * (h - 1) / 2 if align else ((gy + 1) * h - 1) / 2
                x0, y0 = int(np.floor(px)), int(np.floor(py))
                for yy in (y0, y0 + 1):
                    for xx in (x0, x0 + 1):
                        if 0 <= yy < h and 0 <= xx < w:
                            out[b, :, i, j] += (1 - abs(px - xx)) * (1 - abs(py - yy)) * x[b, :, yy, xx]
    return out


@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_bilinear_zeros_matches_numpy(align, rng):
    x, g = rng.standard_normal((2, 3, 4, 5)), rng.uniform(-1.3, 1.3, (2, 3, 4, 2))
    y = F.grid_sample(fg.tensor(x), fg.tensor(g), align_corners=align)
    np.testing.assert_allclose(y.numpy(), bilinear_zeros_ref(x, g, align), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode,padding_mode,align", MODES)
def test_grid_sample_values_and_gradients_match_torch(mode, padding_mode, align, dtype, rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    g = rng.uniform(-1.6, 1.6, (2, 6, 7, 2))
    g[0, 0, :4] = [[-1, -1], [1, 1], [0, 0], [0.25, -0.5]]        # corners, centre, nearest's half-pixel ties
    g = g.astype(dtype)
    xa, ga = fg.tensor(x, requires_grad=True), fg.tensor(g, requires_grad=True)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    ya = F.grid_sample(xa, ga, mode, padding_mode, align)
    yt = torch.nn.functional.grid_sample(xt, gt, mode, padding_mode, align)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **TOL[dtype])
    c = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    ya.backward(fg.tensor(c))
    yt.backward(torch.tensor(c))
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), **TOL[dtype])
    if mode == "bilinear":
        np.testing.assert_allclose(ga.grad.numpy(), gt.grad.numpy(), rtol=1e-4 if dtype == np.float32 else 1e-10,
                                   atol=1e-4 if dtype == np.float32 else 1e-10)
    else:   # nearest: the output does not depend on the grid (torch returns zeros, fastgrad no gradient)
        assert ga.grad is None and not gt.grad.abs().max()


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck_non_contiguous(padding_mode, rng):
    x = fg.tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)        # transposed: (2, 3, 4, 5)
    g = fg.tensor(rng.uniform(-1.2, 1.2, (2, 2, 3, 4)), requires_grad=True)     # permuted: (2, 3, 4, 2)
    assert gradcheck(lambda a, b: F.grid_sample(a.transpose(2, 3), b.permute(0, 2, 3, 1), "bilinear", padding_mode,
                                                False), [x, g])
    assert gradcheck(lambda a: F.grid_sample(a, g.detach().permute(0, 2, 3, 1), "nearest", padding_mode, True), [x])


def test_grid_sample_shapes_size_one_and_empty(rng):
    torch = pytest.importorskip("torch")
    g = rng.uniform(-1.5, 1.5, (1, 3, 3, 2))
    x1 = rng.standard_normal((1, 2, 1, 1))
    for pm in ("zeros", "border", "reflection"):
        for align in (False, True):
            np.testing.assert_allclose(
                F.grid_sample(fg.tensor(x1), fg.tensor(g), "bilinear", pm, align).numpy(),
                torch.nn.functional.grid_sample(torch.tensor(x1), torch.tensor(g), "bilinear", pm, align).numpy(),
                rtol=1e-12, atol=1e-12)
    assert F.grid_sample(fg.zeros(0, 3, 4, 5), fg.zeros(0, 6, 7, 2), align_corners=False).shape == (0, 3, 6, 7)
    assert F.grid_sample(fg.zeros(2, 3, 4, 5), fg.zeros(2, 0, 7, 2), align_corners=False).shape == (2, 3, 0, 7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 3, 1, 1)])
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_values_and_gradients_match_torch(size, align, dtype, rng):
    torch = pytest.importorskip("torch")
    th = rng.standard_normal((2, 2, 3)).astype(dtype)
    a, t = fg.tensor(th, requires_grad=True), torch.tensor(th, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ya, yt = F.affine_grid(a, size, align), torch.nn.functional.affine_grid(t, size, align)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **TOL[dtype])
    c = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    ya.backward(fg.tensor(c))
    yt.backward(torch.tensor(c))
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), **TOL[dtype])


def test_affine_grid_identity_resamples_the_input_and_gradcheck(rng):
    x = rng.standard_normal((1, 2, 4, 5))
    eye = fg.tensor(np.eye(2, 3)[None])
    for align in (False, True):
        y = F.grid_sample(fg.tensor(x), F.affine_grid(eye, (1, 2, 4, 5), align), align_corners=align)
        np.testing.assert_allclose(y.numpy(), x, rtol=1e-12, atol=1e-12)
    th = fg.tensor(rng.standard_normal((2, 2, 3)) * 0.3 + np.eye(2, 3), requires_grad=True)
    img = fg.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    assert gradcheck(lambda t, a: F.grid_sample(a, F.affine_grid(t, (2, 3, 3, 4), False), align_corners=False),
                     [th, img])


def test_default_align_corners_warns_as_torch():
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(fg.zeros(1, 1, 2, 2), fg.zeros(1, 1, 1, 2))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(fg.zeros(1, 2, 3), (1, 1, 2, 2))


GS_BAD = [((2, 3, 4, 5), (2, 6, 7, 2), dict(mode="foo"), ValueError, "expected mode to be"),
          ((2, 3, 4, 5), (2, 6, 7, 2), dict(padding_mode="foo"), ValueError, "expected padding_mode to be"),
          ((2, 3, 4, 5), (1, 6, 7, 2), {}, RuntimeError, "same batch size"),
          ((2, 3, 4, 5), (2, 6, 7, 1), {}, RuntimeError, "size 2 in last dimension"),
          ((2, 3, 0, 5), (2, 6, 7, 2), {}, RuntimeError, "non-empty spatial dimensions"),
          ((2, 3, 4, 5), (2, 7, 2), {}, RuntimeError, "same number of dimensions")]


@pytest.mark.parametrize("xs,gs,kw,exc,msg", GS_BAD)
def test_grid_sample_errors_as_torch(xs, gs, kw, exc, msg):
    kw = dict(kw, align_corners=False)
    with pytest.raises(exc, match=msg):
        F.grid_sample(fg.zeros(*xs), fg.zeros(*gs), **kw)
    torch = pytest.importorskip("torch")
    with pytest.raises(exc):
        torch.nn.functional.grid_sample(torch.zeros(*xs), torch.zeros(*gs), **kw)


def test_grid_sample_and_affine_grid_unsupported_and_bad_arguments():
    with pytest.raises(RuntimeError, match="same dtype"):
        F.grid_sample(fg.zeros(1, 1, 2, 2), fg.zeros(1, 1, 1, 2, dtype=fg.float64), align_corners=False)
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.grid_sample(fg.zeros(1, 1, 2, 2), fg.zeros(1, 1, 1, 2), mode="bicubic", align_corners=False)
    with pytest.raises(NotImplementedError, match="5-D"):
        F.grid_sample(fg.zeros(1, 1, 2, 2, 2), fg.zeros(1, 1, 1, 1, 3), align_corners=False)
    for theta, size, exc, msg in [(fg.zeros(2, 2, 3), (2, 3, 4), NotImplementedError, "only supports 4D and 5D"),
                                  (fg.zeros(2, 1, 3), (2, 3, 4, 5), ValueError, "shape Nx2x3"),
                                  (fg.zeros(2, 2, 3), (2, 3, 0, 5), ValueError, "non-zero, positive output size"),
                                  (fg.zeros(2, 2, 3, dtype=fg.int64), (2, 3, 4, 5), ValueError, "floating point"),
                                  (fg.zeros(2, 2, 3), (3, 3, 4, 5), RuntimeError, "batch size")]:
        with pytest.raises(exc, match=msg):
            F.affine_grid(theta, size, align_corners=False)
