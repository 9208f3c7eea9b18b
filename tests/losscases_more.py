"""The cases of test_losses_more.py: one row per loss and option set.

Each case: id, call(F, *tensors) (F is fastgrad.nn.functional or torch.nn.functional: the same
call runs on both), ref(*float64 arrays) -> the numpy closed form of reduction='none' (kl_div's
'batchmean' is sum / N of it), make(rng) -> [(array, differentiable)], reductions."""
import numpy as np

R3 = ("none", "mean", "sum")


def _logsig(x):
    return -np.logaddexp(0.0, -x)


def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _softmax(x):
    return np.exp(_log_softmax(x))


def _pm1(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


# --- makers ------------------------------------------------------------------------------------
def kl_make(shape=(4, 5)):
    return lambda rng: [(_log_softmax(rng.standard_normal(shape)), True),
                        (_softmax(rng.standard_normal(shape)), True)]


def kl_log_make(shape=(4, 5)):
    return lambda rng: [(_log_softmax(rng.standard_normal(shape)), True),
                        (_log_softmax(rng.standard_normal(shape)), True)]


def gauss_make(var_shape, shape=(4, 3), small=False):
    def make(rng):
        v = rng.random(var_shape) + 0.2
        if small:
            v.flat[::2] = 1e-4  # below eps=1e-3: clamped outside autograd
        return [(rng.standard_normal(shape), True), (rng.standard_normal(shape), True), (v, True)]
    return make


def poisson_make(log_input, shape=(4, 3)):
    def make(rng):
        x = rng.standard_normal(shape) if log_input else rng.random(shape) + 0.1
        t = rng.integers(0, 6, shape).astype(np.float64) + rng.random(shape) * 0.5  # spans t <= 1 and t > 1
        return [(x, True), (t, True)]
    return make


def pm_make(shape=(4, 3), tshape=None):
    return lambda rng: [(rng.standard_normal(shape), True), (_pm1(rng, tshape or shape), False)]


def mlsm_make(weight, shape=(4, 5)):
    def make(rng):
        out = [(rng.standard_normal(shape), True), ((rng.random(shape) < 0.5).astype(np.float64), True)]
        if weight:
            out.append((rng.random(shape[-1]) + 0.5, False))
        return out
    return make


def pair_make(shape=(4, 5), tshape=(4,)):
    return lambda rng: [(rng.standard_normal(shape), True), (rng.standard_normal(shape), True),
                        (_pm1(rng, tshape), False)]


def triplet_make(shape=(4, 5)):
    return lambda rng: [(rng.standard_normal(shape), True) for _ in range(3)]


def mm_make(weight, shape=(4, 5)):
    def make(rng):
        out = [(rng.standard_normal(shape), True), (rng.integers(0, shape[-1], shape[:-1]), False)]
        if weight:
            out.append((rng.random(shape[-1]) + 0.5, False))
        return out
    return make


def mlm_make(shape=(4, 5)):
    def make(rng):
        c = shape[-1]
        rows = []
        for _ in range(int(np.prod(shape[:-1]))):
            k = int(rng.integers(0, c + 1))
            row = np.full(c, -1)
            row[:k] = rng.permutation(c)[:k]
            rows.append(row)
        return [(rng.standard_normal(shape), True), (np.array(rows).reshape(shape), False)]
    return make


# --- numpy references (reduction='none') ---------------------------------------------------------
def kl_ref(x, t):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0.0, t * np.log(np.where(t == 0, 1.0, t))) - t * x


def kl_log_ref(x, t):
    return np.exp(t) * (t - x)


def gauss_ref(full, eps=1e-6):
    def ref(x, t, v):
        v = np.asarray(v, np.float64)
        if v.shape != x.shape and v.shape == x.shape[:-1]:
            v = v[..., None]
        v = np.maximum(v, eps)
        out = 0.5 * (np.log(v) + (x - t) ** 2 / v)
        return out + 0.5 * np.log(2 * np.pi) if full else out
    return ref


def poisson_ref(log_input, full, eps=1e-8):
    def ref(x, t):
        out = np.exp(x) - t * x if log_input else x - t * np.log(x + eps)
        if full:
            ts = np.where(t > 1, t, 2.0)
            out = out + np.where(t > 1, ts * np.log(ts) - ts + 0.5 * np.log(2 * np.pi * ts), 0.0)
        return out
    return ref


def soft_margin_ref(x, t):
    return np.log1p(np.exp(-x * t))


def mlsm_ref(x, t, w=None):
    loss = -(t * _logsig(x) + (1 - t) * _logsig(-x))
    if w is not None:
        loss = loss * w
    return loss.mean(-1)


def ranking_ref(margin):
    return lambda x1, x2, t: np.maximum(0.0, -t * (x1 - x2) + margin)


def hinge_ref(margin):
    return lambda x, t: np.where(t == 1, x, np.maximum(0.0, margin - x))


def cosine_ref(margin):
    def ref(x1, x2, t):
        cos = (x1 * x2).sum(-1) / np.sqrt(((x1 * x1).sum(-1) + 1e-12) * ((x2 * x2).sum(-1) + 1e-12))
        return np.where(t == 1, 1 - cos, np.maximum(0.0, cos - margin))
    return ref


def _pdist(a, b, p, eps=1e-6):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1.0 / p)


def triplet_ref(margin, p, swap):
    def ref(a, pos, neg):
        dn = _pdist(a, neg, p)
        if swap:
            dn = np.minimum(dn, _pdist(pos, neg, p))
        return np.maximum(0.0, margin + _pdist(a, pos, p) - dn)
    return ref


def mm_ref(p, margin):
    def ref(x, y, w=None):
        x2 = x.reshape(-1, x.shape[-1])
        y = np.asarray(y).reshape(-1)
        xy = x2[np.arange(len(y)), y][:, None]
        z = np.maximum(0.0, margin - xy + x2) ** p
        if w is not None:
            z = z * w[y][:, None]
        z[np.arange(len(y)), y] = 0
        return (z.sum(1) / x2.shape[1]).reshape(np.shape(y) if x.ndim > 1 else ())
    return ref


def mlm_ref(x, t):
    x2, t2 = x.reshape(-1, x.shape[-1]), t.reshape(-1, x.shape[-1])
    out = []
    for xr, tr in zip(x2, t2):
        tg = []
        for v in tr:
            if v < 0:
                break
            tg.append(v)
        others = [i for i in range(len(xr)) if i not in tg]
        out.append(sum(max(0.0, 1 - (xr[j] - xr[i])) for j in tg for i in others) / len(xr))
    return np.array(out).reshape(x.shape[:-1])


# --- the table -----------------------------------------------------------------------------------
CASES = [
    ("kl_div", lambda F, x, t, **k: F.kl_div(x, t, **k), kl_ref, kl_make(), R3 + ("batchmean",)),
    ("kl_div-log_target", lambda F, x, t, **k: F.kl_div(x, t, log_target=True, **k), kl_log_ref, kl_log_make(),
     R3 + ("batchmean",)),
    ("kl_div-1d", lambda F, x, t, **k: F.kl_div(x, t, **k), kl_ref, kl_make((6,)), R3 + ("batchmean",)),
    ("gaussian_nll", lambda F, x, t, v, **k: F.gaussian_nll_loss(x, t, v, **k), gauss_ref(False),
     gauss_make((4, 3)), R3),
    ("gaussian_nll-full-var_short", lambda F, x, t, v, **k: F.gaussian_nll_loss(x, t, v, full=True, **k),
     gauss_ref(True), gauss_make((4,)), R3),
    ("gaussian_nll-float_var", lambda F, x, t, **k: F.gaussian_nll_loss(x, t, 0.7, full=True, **k),
     lambda x, t: gauss_ref(True)(x, t, np.full(x.shape, 0.7)),
     lambda rng: [(rng.standard_normal((4, 3)), True), (rng.standard_normal((4, 3)), True)], R3),
    ("gaussian_nll-var_col", lambda F, x, t, v, **k: F.gaussian_nll_loss(x, t, v, **k), gauss_ref(False),
     gauss_make((4, 1)), R3),
    ("gaussian_nll-var_below_eps", lambda F, x, t, v, **k: F.gaussian_nll_loss(x, t, v, eps=1e-3, **k),
     gauss_ref(False, 1e-3), gauss_make((4, 3), small=True), R3),
    ("poisson_nll", lambda F, x, t, **k: F.poisson_nll_loss(x, t, **k), poisson_ref(True, False),
     poisson_make(True), R3),
    ("poisson_nll-full", lambda F, x, t, **k: F.poisson_nll_loss(x, t, full=True, **k), poisson_ref(True, True),
     poisson_make(True), R3),
    ("poisson_nll-rate", lambda F, x, t, **k: F.poisson_nll_loss(x, t, log_input=False, **k),
     poisson_ref(False, False), poisson_make(False), R3),
    ("poisson_nll-rate-full-eps", lambda F, x, t, **k: F.poisson_nll_loss(x, t, log_input=False, full=True,
                                                                          eps=1e-3, **k),
     poisson_ref(False, True, 1e-3), poisson_make(False), R3),
    ("soft_margin", lambda F, x, t, **k: F.soft_margin_loss(x, t, **k), soft_margin_ref, pm_make(), R3),
    ("multilabel_soft_margin", lambda F, x, t, **k: F.multilabel_soft_margin_loss(x, t, **k), mlsm_ref,
     mlsm_make(False), R3),
    ("multilabel_soft_margin-weight", lambda F, x, t, w, **k: F.multilabel_soft_margin_loss(x, t, weight=w, **k),
     mlsm_ref, mlsm_make(True), R3),
    ("margin_ranking", lambda F, a, b, t, **k: F.margin_ranking_loss(a, b, t, **k), ranking_ref(0.0),
     pair_make((6,), (6,)), R3),
    ("margin_ranking-margin", lambda F, a, b, t, **k: F.margin_ranking_loss(a, b, t, margin=0.5, **k),
     ranking_ref(0.5), pair_make((3, 4), (3, 4)), R3),
    ("hinge_embedding", lambda F, x, t, **k: F.hinge_embedding_loss(x, t, **k), hinge_ref(1.0), pm_make(), R3),
    ("hinge_embedding-margin", lambda F, x, t, **k: F.hinge_embedding_loss(x, t, margin=0.3, **k),
     hinge_ref(0.3), pm_make(), R3),
    ("cosine_embedding", lambda F, a, b, t, **k: F.cosine_embedding_loss(a, b, t, **k), cosine_ref(0.0),
     pair_make(), R3),
    ("cosine_embedding-margin", lambda F, a, b, t, **k: F.cosine_embedding_loss(a, b, t, margin=-0.5, **k),
     cosine_ref(-0.5), pair_make(), R3),
    ("cosine_embedding-1d", lambda F, a, b, t, **k: F.cosine_embedding_loss(a, b, t, **k), cosine_ref(0.0),
     pair_make((5,), ()), R3),
    ("triplet_margin", lambda F, a, p, n, **k: F.triplet_margin_loss(a, p, n, **k), triplet_ref(1.0, 2, False),
     triplet_make(), R3),
    ("triplet_margin-p1-swap", lambda F, a, p, n, **k: F.triplet_margin_loss(a, p, n, margin=0.5, p=1, swap=True,
                                                                           **k),
     triplet_ref(0.5, 1, True), triplet_make(), R3),
    ("triplet_margin-1d", lambda F, a, p, n, **k: F.triplet_margin_loss(a, p, n, p=3, **k),
     triplet_ref(1.0, 3, False), triplet_make((5,)), R3),
    ("triplet_margin_with_distance", lambda F, a, p, n, **k: F.triplet_margin_with_distance_loss(a, p, n, **k),
     triplet_ref(1.0, 2, False), triplet_make(), R3),
    ("triplet_margin_with_distance-swap", lambda F, a, p, n, **k: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda x, y: F.pairwise_distance(x, y, 1.0), margin=2.0, swap=True, **k),
     triplet_ref(2.0, 1, True), triplet_make(), R3),
    ("multi_margin", lambda F, x, y, **k: F.multi_margin_loss(x, y, **k), mm_ref(1, 1.0), mm_make(False), R3),
    ("multi_margin-p2-weight", lambda F, x, y, w, **k: F.multi_margin_loss(x, y, p=2, margin=0.7, weight=w, **k),
     mm_ref(2, 0.7), mm_make(True), R3),
    ("multi_margin-1d", lambda F, x, y, **k: F.multi_margin_loss(x, y, **k), mm_ref(1, 1.0), mm_make(False, (5,)),
     R3),
    ("multilabel_margin", lambda F, x, y, **k: F.multilabel_margin_loss(x, y, **k), mlm_ref, mlm_make(), R3),
    ("multilabel_margin-1d", lambda F, x, y, **k: F.multilabel_margin_loss(x, y, **k), mlm_ref, mlm_make((5,)),
     R3),
]
