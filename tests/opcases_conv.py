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


def _pool_windows(x, k, s, p, d, ceil_mode, fill):
    """(windows (n, c, oh, ow, kh, kw) of the padded x, valid mask of the same shape, padded-window mask)
    by direct loops; out sizes by torch's rule."""
    def size(n, k, p, s, d):
        o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        return o - 1 if ceil_mode and (o - 1) * s >= n + p else o
    n, c, h, w = x.shape
    oh, ow = size(h, k[0], p[0], s[0], d[0]), size(w, k[1], p[1], s[1], d[1])
    win = np.full((n, c, oh, ow, k[0], k[1]), fill)
    valid = np.zeros(win.shape, bool)
    padded = np.zeros(win.shape, bool)
    for a in range(oh):
        for b in range(ow):
            for i in range(k[0]):
                for j in range(k[1]):
                    r, q = a * s[0] - p[0] + i * d[0], b * s[1] - p[1] + j * d[1]
                    padded[:, :, a, b, i, j] = r < h + p[0] and q < w + p[1]
                    if 0 <= r < h and 0 <= q < w:
                        win[:, :, a, b, i, j] = x[:, :, r, q]
                        valid[:, :, a, b, i, j] = True
    return win, valid, padded


def _two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def max_pool_ref(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    k = _two(kernel_size)
    win, _, _ = _pool_windows(x, k, _two(stride or k), _two(padding), _two(dilation), ceil_mode, -np.inf)
    return win.max(axis=(4, 5))


def avg_pool_ref(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
    k = _two(kernel_size)
    win, valid, padded = _pool_windows(x, k, _two(stride or k), _two(padding), (1, 1), ceil_mode, 0.0)
    div = divisor_override or (padded.sum(axis=(4, 5)) if count_include_pad else valid.sum(axis=(4, 5)))
    return win.sum(axis=(4, 5)) / div


def adaptive_avg_ref(x, size):
    n, c, h, w = x.shape
    size = (size, size) if isinstance(size, int) else size
    y = np.empty((n, c) + tuple(size))
    for a in range(size[0]):
        for b in range(size[1]):
            h0, h1 = a * h // size[0], -(-(a + 1) * h // size[0])
            w0, w1 = b * w // size[1], -(-(b + 1) * w // size[1])
            y[:, :, a, b] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return y


def _pool_cases():
    out = []
    for id, xs, kw in [("k2", (2, 3, 6, 7), dict(kernel_size=2)),
                       ("k3-s2-p1-ceil", (1, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
                       ("k1", (2, 2, 4, 3), dict(kernel_size=1)),
                       ("k5-pad2", (1, 1, 6, 6), dict(kernel_size=5, stride=1, padding=2)),
                       ("stride-gt-kernel", (2, 2, 9, 9), dict(kernel_size=2, stride=3)),
                       ("dilation", (1, 2, 8, 7), dict(kernel_size=(2, 3), stride=(1, 2), dilation=(3, 1)))]:
        fn = (lambda kw: lambda x: F.max_pool2d(x, **kw))(kw)
        ref = (lambda kw: lambda x: max_pool_ref(x, **kw))(kw)
        out.append(case("max_pool2d", fn, ref, _n(xs), id, torch=_tconv("max_pool2d", **kw)))
    for id, xs, kw in [("k2", (2, 3, 6, 7), dict(kernel_size=2)),
                       ("k3-s2-p1-ceil", (1, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
                       ("exclude-pad", (1, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                          count_include_pad=False)),
                       ("divisor", (2, 1, 5, 6), dict(kernel_size=(3, 2), padding=(1, 1), divisor_override=4)),
                       ("k5-stride-gt", (1, 2, 9, 9), dict(kernel_size=5, stride=6, padding=2))]:
        fn = (lambda kw: lambda x: F.avg_pool2d(x, **kw))(kw)
        ref = (lambda kw: lambda x: avg_pool_ref(x, **kw))(kw)
        out.append(case("avg_pool2d", fn, ref, _n(xs), id, torch=_tconv("avg_pool2d", **kw)))
    for size in (1, 3, (2, 5), (7, 9)):
        out.append(case("adaptive_avg_pool2d", (lambda s: lambda x: F.adaptive_avg_pool2d(x, s))(size),
                        (lambda s: lambda x: adaptive_avg_ref(x, s))(size), _n((2, 3, 6, 7)), f"out{size}",
                        torch=_tconv("adaptive_avg_pool2d", output_size=size)))
    return out


CASES += _pool_cases()


def batch_norm_ref(x, w=None, b=None, mean=None, var=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * w + b per channel (dim 1); batch statistics (biased var) when
    mean/var are None."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _bn_train(x, w, b):
    return F.batch_norm(x, None, None, w, b, training=True)


def _bn_eval(x, w, b):
    import fastgrad as fg
    c = x.shape[1]
    return F.batch_norm(x, fg.tensor(np.linspace(-0.5, 0.5, c)), fg.tensor(np.linspace(0.5, 2.0, c)), w, b,
                        training=False, eps=1e-3)


def _tbn_eval(x, w, b):
    t = _torch()
    c = x.shape[1]
    return t.nn.functional.batch_norm(x, t.tensor(np.linspace(-0.5, 0.5, c)), t.tensor(np.linspace(0.5, 2.0, c)),
                                      w, b, training=False, eps=1e-3)


CASES += [
    case("batch_norm", _bn_train, batch_norm_ref, _n((4, 3, 5, 2), (3,), (3,)), "train-4d",
         torch=lambda x, w, b: _torch().nn.functional.batch_norm(x, None, None, w, b, training=True)),
    case("batch_norm", _bn_train, batch_norm_ref, _n((6, 4), (4,), (4,)), "train-2d",
         torch=lambda x, w, b: _torch().nn.functional.batch_norm(x, None, None, w, b, training=True)),
    case("batch_norm", _bn_train, batch_norm_ref, _n((1, 2, 7), (2,), (2,)), "train-batch1-3d"),
    case("batch_norm", lambda x: F.batch_norm(x, None, None, training=True), batch_norm_ref, _n((3, 1, 3, 3)),
         "train-single-channel-no-affine"),
    case("batch_norm", _bn_eval, lambda x, w, b: batch_norm_ref(x, w, b, np.linspace(-0.5, 0.5, 3),
                                                                np.linspace(0.5, 2.0, 3), 1e-3),
         _n((2, 3, 4, 4), (3,), (3,)), "eval-4d", torch=_tbn_eval),
]


def pad_ref(x, pad, mode="constant", value=0.0):
    """Direct loops over output positions: constant fill, or the source position reflected /
    clipped / wrapped (circular crops first), per padded dim (last dim first in ``pad``)."""
    k = len(pad) // 2
    y = x
    for i in range(k):
        axis = x.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        n = y.shape[axis]
        cols = []
        for o in range(n + lo + hi):
            s = o - lo
            if mode == "constant":
                cols.append(np.take(y, [s], axis) if 0 <= s < n else np.full(np.take(y, [0], axis).shape, value))
                continue
            if mode == "reflect":
                s = -s if s < 0 else 2 * (n - 1) - s if s >= n else s
            elif mode == "replicate":
                s = min(max(s, 0), n - 1)
            else:
                a, b = max(0, -lo), n - max(0, -hi)
                s = a + (o - max(lo, 0)) % (b - a)
            cols.append(np.take(y, [s], axis))
        y = np.concatenate(cols, axis)
    return y


def _pad_case(id, shape, pad, mode, value=None):
    kw = {} if value is None else dict(value=value)
    return case("pad", lambda x: F.pad(x, pad, mode, **kw), lambda x: pad_ref(x, pad, mode, value or 0.0),
                _n(shape), id, torch=lambda x: _torch().nn.functional.pad(x, pad, mode, **kw))


CASES += [
    _pad_case("constant-2d", (2, 3, 4, 5), (1, 2, 0, 3), "constant", 1.5),
    _pad_case("constant-crop", (2, 3, 4), (-1, 2, 1, -2), "constant"),
    _pad_case("constant-all-dims", (3, 2), (1, 1, 2, 0), "constant"),
    _pad_case("reflect-1d", (2, 3, 6), (3, 5), "reflect"),
    _pad_case("reflect-2d", (2, 2, 4, 5), (1, 2, 3, 0), "reflect"),
    _pad_case("replicate-2d-crop", (1, 2, 4, 5), (-1, 3, 2, 1), "replicate"),
    _pad_case("replicate-3d", (1, 2, 3, 3, 2), (1, 0, 2, 1, 1, 1), "replicate"),
    _pad_case("circular-2d", (2, 2, 4, 5), (2, 1, 4, 3), "circular"),
    _pad_case("circular-crop", (1, 2, 6), (2, -1), "circular"),
]


def conv_transpose_ref(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Direct loops (batched 1-d or 2-d): each input element x[n, c, p, q] adds x w[c, o] to the
    output window at (p s - pad, q s - pad), taps spaced by the dilation."""
    one = x.ndim == 3
    two = lambda v, f: ((f, v) if one else (v, v)) if isinstance(v, int) else ((f,) + tuple(v) if one else tuple(v))  # noqa: E731,E501
    if one:
        x, w = x[:, :, None, :], w[:, :, None, :]
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = two(stride, 1), two(padding, 0), two(output_padding, 0), two(dilation, 1)
    n, cin, h, wd = x.shape
    _, coutg, kh, kw = w.shape
    cing = cin // groups
    oh = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    ow = (wd - 1) * sw + dw * (kw - 1) + 1 + opw
    full = np.zeros((n, coutg * groups, oh, ow))
    for c in range(cin):
        gi = c // cing
        for i in range(kh):
            for j in range(kw):
                contrib = np.einsum("npq,o->nopq", x[:, c], w[c, :, i, j])
                full[:, gi * coutg:(gi + 1) * coutg, i * dh:i * dh + sh * (h - 1) + 1:sh,
                     j * dw:j * dw + sw * (wd - 1) + 1:sw] += contrib
    y = full[:, :, ph:oh - ph, pw:ow - pw] if ph or pw else full
    if b is not None:
        y = y + b[None, :, None, None]
    return y[:, :, 0, :] if one else y


def _ct_case(id, xs, ws, kw, bias=True):
    f = F.conv_transpose1d if len(xs) == 3 else F.conv_transpose2d
    name = "conv_transpose1d" if len(xs) == 3 else "conv_transpose2d"
    cout = ws[1] * kw.get("groups", 1)
    shapes = (xs, ws, (cout,)) if bias else (xs, ws)
    return case("conv_transpose", lambda x, w, b=None: f(x, w, b, **kw),
                lambda x, w, b=None: conv_transpose_ref(x, w, b, **kw), _n(*shapes), name + "-" + id,
                torch=_tconv(name, **kw))


CASES += [
    _ct_case("k3", (2, 3, 4, 5), (3, 2, 3, 3), {}),
    _ct_case("stride2-pad-outpad", (2, 3, 4, 4), (3, 4, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    _ct_case("groups-dilation", (1, 4, 3, 4), (4, 2, 2, 3), dict(groups=2, dilation=(2, 1), stride=(1, 3)), False),
    _ct_case("depthwise-k1", (2, 3, 3, 3), (3, 1, 1, 1), dict(groups=3)),
    _ct_case("outpad-lt-dilation", (1, 2, 3, 3), (2, 2, 2, 2), dict(stride=2, dilation=3, output_padding=2)),
    _ct_case("1d", (2, 3, 6), (3, 2, 4), dict(stride=2, padding=1, output_padding=1)),
]
