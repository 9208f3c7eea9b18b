"""Op cases for the CNN ops (convolution, pooling, batch norm; see test_ops.py), and the direct
numpy loops they are checked against (also used by tests/ops/test_conv.py and test_pool.py)."""
import numpy as np

import fastgrad.functional as F
from opcases.common import _n, _torch, case


def conv_ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Direct loops: y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] x[n, g(o) Cg + c, p s - pad + i d, ...]
    for batched 1-d or 2-d inputs (float64)."""
    one = x.ndim == 3
    if one:
        x, w = x[:, :, None, :], w[:, :, None, :]
    two = lambda v, first: (v, v) if isinstance(v, int) else ((first,) + tuple(v) if one else tuple(v))  # noqa: E731
    (sh, sw), (ph, pw), (dh, dw) = two(stride, 1), two(padding, 0), two(dilation, 1)
    if one and isinstance(stride, int):
        sh = 1
    if one and isinstance(padding, int):
        ph = 0
    if one and isinstance(dilation, int):
        dh = 1
    n, c, h, wd = x.shape
    oc, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, oc, oh, ow))
    ocg = oc // groups
    for o in range(oc):
        g = o // ocg
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                y[:, o] += np.einsum("ncpq,c->npq", patch, w[o, :, i, j])
        if b is not None:
            y[:, o] += b[o]
    return y[:, :, 0, :] if one else y


def _tconv(fn, **kw):
    return lambda *a: getattr(_torch().nn.functional, fn)(*a, **kw)


def _conv_cases():
    out = []
    for id, xs, ws, kw, bias in [
        ("k3", (2, 3, 6, 5), (4, 3, 3, 3), {}, True),
        ("k1-pointwise", (2, 3, 4, 4), (5, 3, 1, 1), {}, True),
        ("k5-pad2", (1, 2, 7, 7), (3, 2, 5, 5), dict(padding=2), True),
        ("stride3-gt-kernel2", (2, 2, 9, 8), (3, 2, 2, 2), dict(stride=3), False),
        ("dilation-pad", (1, 2, 8, 7), (2, 2, 3, 2), dict(padding=(2, 1), dilation=(2, 3)), True),
        ("groups2", (2, 4, 5, 5), (6, 2, 3, 3), dict(groups=2, padding=1), True),
        ("depthwise", (2, 3, 5, 6), (3, 1, 3, 3), dict(groups=3, stride=2, padding=1), True),
        ("single-channel", (3, 1, 5, 5), (1, 1, 3, 3), {}, False),
    ]:
        fn = (lambda kw: lambda x, w, b=None: F.conv2d(x, w, b, **kw))(kw)
        ref = (lambda kw: lambda x, w, b=None: conv_ref(x, w, b, **kw))(kw)
        shapes = (xs, ws, (ws[0],)) if bias else (xs, ws)
        out.append(case("convolution", fn, ref, _n(*shapes), "conv2d-" + id, torch=_tconv("conv2d", **kw)))
    for id, xs, ws, kw in [("k3", (2, 3, 9), (4, 3, 3), {}), ("stride2-pad-dil", (1, 2, 11), (3, 2, 3),
                           dict(stride=2, padding=2, dilation=2)), ("depthwise", (2, 4, 7), (4, 1, 5),
                           dict(groups=4, padding=2))]:
        fn = (lambda kw: lambda x, w, b: F.conv1d(x, w, b, **kw))(kw)
        ref = (lambda kw: lambda x, w, b: conv_ref(x, w, b, **kw))(kw)
        out.append(case("convolution", fn, ref, _n(xs, ws, (ws[0],)), "conv1d-" + id, torch=_tconv("conv1d", **kw)))
    return out


CASES = _conv_cases()
