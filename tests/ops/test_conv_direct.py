"""conv1d / conv2d on the direct small-channel path (csrc/conv_direct.c) from the Tensor API:
gradcheck in float64 and torch parity of the output and both gradients (float32 and float64)."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

torch = pytest.importorskip("torch")
TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-11, atol=1e-11)}
# x shape, w shape, stride, padding, dilation, groups (shapes the direct path takes)
CASES = [
    ((2, 16, 10, 10), (16, 16, 3, 3), 1, 1, 1, 1),
    ((1, 6, 12, 12), (16, 6, 5, 5), 1, 0, 1, 1),
    ((2, 8, 9, 11), (8, 1, 3, 3), 1, 1, 1, 8),     # depthwise
    ((2, 4, 8, 8), (8, 1, 5, 5), 1, 4, 2, 4),      # depthwise x2, dilated, padding > kernel / 2
    ((3, 6, 7, 5), (9, 2, 3, 3), 1, "same", 1, 3),
    ((2, 8, 11, 10), (16, 8, 3, 3), 2, 1, 1, 1),   # stride 2, odd size
    ((2, 8, 9, 9), (8, 1, 5, 5), 2, 2, 1, 8),      # depthwise stride 2
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ws,st,p,d,groups", CASES)
def test_direct_conv2d_matches_torch(xs, ws, st, p, d, groups, dtype, rng):
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (xs, ws, ws[0]))
    fx, fw, fb = (fg.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    fy = F.conv2d(fx, fw, fb, st, padding=p, dilation=d, groups=groups)
    ty = torch.nn.functional.conv2d(tx, tw, tb, st, padding=p, dilation=d, groups=groups)
    np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), **TOL[dtype])
    dy = rng.standard_normal(ty.shape).astype(dtype)
    fy.backward(fg.tensor(dy))
    ty.backward(torch.tensor(dy))
    for a, t in ((fx, tx), (fw, tw), (fb, tb)):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("xs,ws,st,p,d,groups", [((1, 4, 5, 6), (4, 4, 3, 3), 1, 1, 1, 1),
                                                 ((2, 3, 6, 5), (6, 1, 3, 3), 1, 2, 2, 3),
                                                 ((1, 4, 7, 6), (4, 4, 3, 3), 2, 1, 1, 1)])
def test_direct_conv2d_gradcheck(xs, ws, st, p, d, groups, rng):
    x = fg.tensor(rng.standard_normal(xs), requires_grad=True)
    w = fg.tensor(rng.standard_normal(ws), requires_grad=True)
    b = fg.tensor(rng.standard_normal(ws[0]), requires_grad=True)
    assert gradcheck(lambda a, c, e: F.conv2d(a, c, e, st, padding=p, dilation=d, groups=groups), [x, w, b])


def test_direct_conv1d_depthwise_matches_torch(rng):
    x, w = rng.standard_normal((2, 8, 37)), rng.standard_normal((8, 1, 5))
    fx, fw = fg.tensor(x, requires_grad=True), fg.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    fy, ty = F.conv1d(fx, fw, padding=2, groups=8), torch.nn.functional.conv1d(tx, tw, padding=2, groups=8)
    fy.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), **TOL[np.float64])
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), **TOL[np.float64])
    np.testing.assert_allclose(fw.grad.numpy(), tw.grad.numpy(), **TOL[np.float64])
