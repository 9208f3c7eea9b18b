"""Op cases for the loss family (see test_ops.py).  Targets that are not differentiated
(class indices, fixed weights) are constants closed over by fn and ref.

Each case: name (registered op), fn (fastgrad tensors -> tensor), ref (float64 arrays ->
float64 array), inputs (float64 arrays, or rng -> arrays), grad, id, optional torch."""
import numpy as np

import fastgrad as fg
import fastgrad.functional as F
from opcases.common import _n, case


def _tF():
    import torch.nn.functional as tF
    return tF


def _tt(a):
    import torch
    return torch.tensor(a)


def _apart(*shapes, gap=0.1, kinks=(0.0,)):
    """Pairs (input, target) whose difference stays at least ``gap`` away from each kink."""
    def make(rng):
        x, t = (rng.standard_normal(s) for s in shapes)
        d = x - t
        for k in kinks:
            for sign in (1, -1):
                near = np.abs(d - sign * k) < gap
                d[near] = sign * k + np.where(d[near] >= sign * k, 2 * gap, -2 * gap)
        return [t + d, t]
    return make


def _red(loss, reduction, denom=None):
    if reduction == "none":
        return loss
    s = loss.sum()
    return np.asarray(s if reduction == "sum" else s / (loss.size if denom is None else denom))


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _ce_ref(x, t, w=None, ignore_index=-100, reduction="mean", ls=0.0):
    """torch's cross_entropy with class indices, in float64 (x: (N, C, ...) or (C,))."""
    if x.ndim == 1:
        return _ce_ref(x[None], np.asarray(t).reshape(1), w, ignore_index, reduction, ls).reshape(
            () if reduction == "none" else ())
    c = x.shape[1]
    logp = np.moveaxis(_log_softmax(x, 1), 1, -1).reshape(-1, c)
    tt = np.asarray(t).reshape(-1)
    w = np.ones(c) if w is None else w
    keep = tt != ignore_index
    safe = np.where(keep, tt, 0)
    wt = np.where(keep, w[safe], 0.0)
    nll = -wt * logp[np.arange(len(tt)), safe]
    smooth = np.where(keep, -(logp * w).sum(1), 0.0)
    loss = (1 - ls) * nll + ls / c * smooth
    if reduction == "none":
        return loss.reshape(np.asarray(t).shape)
    return _red(loss, reduction, wt.sum())


def _ce_probs_ref(x, q, w=None, reduction="mean", ls=0.0):
    cd = 1 if x.ndim > 1 else 0
    c = x.shape[cd]
    q = q * (1 - ls) + ls / c
    wb = 1.0 if w is None else w.reshape((c,) + (1,) * (x.ndim - cd - 1))
    loss = -(_log_softmax(x, cd) * q * wb).sum(cd)
    return _red(loss, reduction, x.size // c)


def _nll_ref(x, t, w=None, ignore_index=-100, reduction="mean"):
    c = x.shape[1]
    xr = np.moveaxis(x, 1, -1).reshape(-1, c)
    tt = t.reshape(-1)
    w = np.ones(c) if w is None else w
    keep = tt != ignore_index
    safe = np.where(keep, tt, 0)
    wt = np.where(keep, w[safe], 0.0)
    loss = -wt * xr[np.arange(len(tt)), safe]
    return loss.reshape(t.shape) if reduction == "none" else _red(loss, reduction, wt.sum())


def _bce_ref(p, t, w=None, reduction="mean"):
    loss = -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100))
    return _red(loss if w is None else loss * w, reduction)


def _bcel_ref(x, t, w=None, pw=None, reduction="mean"):
    pw = 1.0 if pw is None else pw
    loss = (1 - t) * x + (1 + (pw - 1) * t) * np.logaddexp(0, -x)
    return _red(loss if w is None else loss * w, reduction)


def _smooth(d, beta):
    z = np.abs(d)
    return np.where(z < beta, 0.5 * d * d / beta, z - 0.5 * beta)


def _huber(d, delta):
    z = np.abs(d)
    return np.where(z < delta, 0.5 * d * d, delta * (z - 0.5 * delta))


def _probs(*shapes):
    return lambda rng: [rng.uniform(0.05, 0.95, s) for s in shapes]


def _logits_and_probs(shape, cdim=1):
    def make(rng):
        x = rng.standard_normal(shape)
        e = np.exp(rng.standard_normal(shape))
        return [x, e / e.sum(axis=cdim, keepdims=True)]
    return make


def _like(arr, x):
    """A constant tensor with x's dtype (weights must match the input dtype, as torch)."""
    return fg.tensor(np.asarray(arr, dtype=x.dtype))


_T3 = np.array([2, 0, 3])
_T3I = np.array([2, -100, 3])
_TND = np.array([[0, 2, 1], [2, 2, 0]])          # (N=2, d=3) targets for (2, C=3, 3) logits
_W4 = np.array([0.5, 2.0, 1.0, 1.5])
_W3 = np.array([1.0, 0.3, 2.0])
_L = lambda x: fg.tensor(x)  # noqa: E731  int64 class indices

CASES = [
    # -- regression
    case("mse_loss", F.mse_loss, lambda x, t: _red((x - t) ** 2, "mean"), _n((3, 4), (3, 4)), "mean",
         torch=lambda x, t: _tF().mse_loss(x, t)),
    case("mse_loss", lambda x, t: F.mse_loss(x, t, reduction="sum"), lambda x, t: _red((x - t) ** 2, "sum"),
         _n((5,), (5,)), "sum"),
    case("mse_loss", lambda x, t: F.mse_loss(x, t, reduction="none"), lambda x, t: (x - t) ** 2,
         _n((2, 3), (2, 3)), "none"),
    case("mse_loss", F.mse_loss, lambda x, t: np.asarray((x - t) ** 2), _n((), ()), "0d"),
    case("mse_loss", F.mse_loss, lambda x, t: np.asarray(np.nan), _n((0,), (0,)), "empty", grad=False),
    case("mse_loss", lambda x, t: F.mse_loss(x[:, ::2], t[:, ::2]),
         lambda x, t: _red((x[:, ::2] - t[:, ::2]) ** 2, "mean"), _n((3, 4), (3, 4)), "strided"),
    case("l1_loss", F.l1_loss, lambda x, t: _red(np.abs(x - t), "mean"), _apart((3, 4), (3, 4)), "mean",
         torch=lambda x, t: _tF().l1_loss(x, t)),
    case("l1_loss", lambda x, t: F.l1_loss(x, t, reduction="none"), lambda x, t: np.abs(x - t),
         _apart((6,), (6,)), "none"),
    case("l1_loss", lambda x, t: F.smooth_l1_loss(x, t, beta=0.0, reduction="sum"),
         lambda x, t: _red(np.abs(x - t), "sum"), _apart((6,), (6,)), "smooth-beta0"),
    case("smooth_l1_loss", F.smooth_l1_loss, lambda x, t: _red(_smooth(x - t, 1.0), "mean"),
         _apart((4, 5), (4, 5), kinks=(1.0,)), "mean", torch=lambda x, t: _tF().smooth_l1_loss(x, t)),
    case("smooth_l1_loss", lambda x, t: F.smooth_l1_loss(x, t, reduction="none", beta=0.5),
         lambda x, t: _smooth(x - t, 0.5), _apart((7,), (7,), kinks=(0.5,)), "none-beta"),
    case("huber_loss", F.huber_loss, lambda x, t: _red(_huber(x - t, 1.0), "mean"),
         _apart((4, 5), (4, 5), kinks=(1.0,)), "mean", torch=lambda x, t: _tF().huber_loss(x, t)),
    case("huber_loss", lambda x, t: F.huber_loss(x, t, reduction="sum", delta=0.3),
         lambda x, t: _red(_huber(x - t, 0.3), "sum"), _apart((7,), (7,), kinks=(0.3,)), "sum-delta"),
    # -- cross-entropy with class indices (fused C kernel)
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(_T3)), lambda x: _ce_ref(x, _T3), _n((3, 4)), "mean",
         torch=lambda x: _tF().cross_entropy(x, _tt(_T3))),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(_T3), reduction="none"),
         lambda x: _ce_ref(x, _T3, reduction="none"), _n((3, 4)), "none"),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(_T3), reduction="sum"),
         lambda x: _ce_ref(x, _T3, reduction="sum"), _n((3, 4)), "sum"),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(_T3I), weight=_like(_W4, x), label_smoothing=0.2),
         lambda x: _ce_ref(x, _T3I, _W4, ls=0.2), _n((3, 4)), "weight-smooth-ignore"),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(_TND), weight=_like(_W3, x)),
         lambda x: _ce_ref(x, _TND, _W3), _n((2, 3, 3)), "nd"),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(_TND), reduction="none", label_smoothing=0.1),
         lambda x: _ce_ref(x, _TND, reduction="none", ls=0.1), _n((2, 3, 3)), "nd-none"),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(np.array(1))), lambda x: _ce_ref(x, 1),
         _n((5,)), "unbatched"),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(np.array([0]))), lambda x: _ce_ref(x, [0]),
         _n((1, 1)), "size1"),
    case("cross_entropy", lambda x: F.cross_entropy(x, _L(np.zeros(0, np.int64)), reduction="sum"),
         lambda x: np.asarray(0.0), _n((0, 4)), "empty-sum"),
    # -- cross-entropy with class probabilities
    case("cross_entropy_probs", F.cross_entropy, _ce_probs_ref, _logits_and_probs((3, 4)), "mean",
         torch=lambda x, q: _tF().cross_entropy(x, q)),
    case("cross_entropy_probs", lambda x, q: F.cross_entropy(x, q, weight=_like(_W3, x), label_smoothing=0.3,
                                                             reduction="none"),
         lambda x, q: _ce_probs_ref(x, q, _W3, "none", 0.3), _logits_and_probs((2, 3, 4)), "nd-weight-smooth"),
    case("cross_entropy_probs", lambda x, q: F.cross_entropy(x, q, reduction="sum"),
         lambda x, q: _ce_probs_ref(x, q, reduction="sum"), _logits_and_probs((4,), 0), "unbatched"),
    # -- nll
    case("nll_loss", lambda x: F.nll_loss(x, _L(_T3)), lambda x: _nll_ref(x, _T3), _n((3, 4)), "mean",
         torch=lambda x: _tF().nll_loss(x, _tt(_T3))),
    case("nll_loss", lambda x: F.nll_loss(x, _L(_T3I), weight=_like(_W4, x), reduction="sum"),
         lambda x: _nll_ref(x, _T3I, _W4, reduction="sum"), _n((3, 4)), "weight-ignore-sum"),
    case("nll_loss", lambda x: F.nll_loss(x, _L(_TND), weight=_like(_W3, x), reduction="none"),
         lambda x: _nll_ref(x, _TND, _W3, reduction="none"), _n((2, 3, 3)), "nd-none"),
    case("nll_loss", lambda x: F.nll_loss(x, _L(_TND), weight=_like(_W3, x)),
         lambda x: _nll_ref(x, _TND, _W3), _n((2, 3, 3)), "nd-mean"),
    # -- binary
    case("binary_cross_entropy", F.binary_cross_entropy, _bce_ref, _probs((3, 4), (3, 4)), "mean",
         torch=lambda p, t: _tF().binary_cross_entropy(p, t)),
    case("binary_cross_entropy", lambda p, t: F.binary_cross_entropy(p, t, weight=_like(_W4, p), reduction="none"),
         lambda p, t: _bce_ref(p, t, _W4, "none"), _probs((3, 4), (3, 4)), "weight-none"),
    case("binary_cross_entropy", lambda p, t: F.binary_cross_entropy(p, t, reduction="sum"),
         lambda p, t: _bce_ref(p, t, reduction="sum"), _probs((1,), (1,)), "size1-sum"),
    case("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, _bcel_ref,
         lambda r: [3 * r.standard_normal((3, 4)), r.uniform(0, 1, (3, 4))], "mean",
         torch=lambda x, t: _tF().binary_cross_entropy_with_logits(x, t)),
    case("binary_cross_entropy_with_logits",
         lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=_like(_W4, x), pos_weight=_like(_W4 + 1, x),
                                                         reduction="sum"),
         lambda x, t: _bcel_ref(x, t, _W4, _W4 + 1, "sum"),
         lambda r: [3 * r.standard_normal((2, 4)), r.uniform(0, 1, (2, 4))], "weight-posweight"),
    case("binary_cross_entropy_with_logits",
         lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=_like([3.0], x), reduction="none"),
         lambda x, t: _bcel_ref(x, t, pw=3.0, reduction="none"),
         lambda r: [r.standard_normal((5,)), r.uniform(0, 1, (5,))], "scalar-posweight-none"),
]
