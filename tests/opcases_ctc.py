"""Op cases for the CTC loss (see test_ops.py), and its float64 oracle: the probability of a target
summed by brute force over every alignment (all C^T paths, collapsed by merging repeats then dropping
blanks), so the reference shares nothing with the alpha/beta recursions it checks.

torch's gradient with respect to log_probs (exp(lp) - occupancy) is the gradient through a log_softmax
that produced them, so the differentiated input of each case is the logits x and the loss is taken of
log_softmax(x, -1)."""
import itertools

import numpy as np

import fastgrad as fg
import fastgrad.nn.functional as F
from opcases.common import _n, case


def log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _collapse(path, blank):
    out, prev = [], None
    for p in path:
        if p != prev and p != blank:
            out.append(p)
        prev = p
    return out


def ctc_nll_brute(lp, target, blank):
    """-log sum over the alignments of one sample: lp (T, C) float64, target a list of labels."""
    t_len, c = lp.shape
    total = 0.0
    for path in itertools.product(range(c), repeat=t_len):
        if _collapse(path, blank) == list(target):
            total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
    with np.errstate(divide="ignore"):
        return -np.log(total)


def ctc_ref(lp, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """torch's ctc_loss in float64: lp (T, N, C), targets padded (N, S); 'mean' divides by the target
    lengths (at least 1) before averaging over the batch."""
    nll = np.array([ctc_nll_brute(lp[:input_lengths[b], b], list(targets[b][:target_lengths[b]]), blank)
                    for b in range(lp.shape[1])])
    if zero_infinity:
        nll = np.where(np.isinf(nll), 0.0, nll)
    if reduction == "none":
        return nll
    if reduction == "sum":
        return np.asarray(nll.sum())
    return np.asarray((nll / np.maximum(np.asarray(target_lengths), 1)).mean())


def _tF():
    import torch.nn.functional as tF
    return tF


def _tt(a):
    import torch
    return torch.tensor(a)


_TG = np.array([[1, 2, 2], [2, 0, 0]])  # repeated label; a padded row
_IL, _TL = [4, 3], [3, 1]


def _fg(x, **kw):
    return F.ctc_loss(F.log_softmax(x, -1), fg.tensor(kw.pop("tg", _TG)), kw.pop("il", _IL), kw.pop("tl", _TL), **kw)


def _ref(x, **kw):
    return ctc_ref(log_softmax(x), kw.pop("tg", _TG), kw.pop("il", _IL), kw.pop("tl", _TL), **kw)


CASES = [
    case("ctc_loss", lambda x: _fg(x), lambda x: _ref(x), _n((4, 2, 3)), "mean",
         torch=lambda x: _tF().ctc_loss(x.log_softmax(-1), _tt(_TG), _IL, _TL)),
    case("ctc_loss", lambda x: _fg(x, reduction="none"), lambda x: _ref(x, reduction="none"), _n((4, 2, 3)),
         "none", torch=lambda x: _tF().ctc_loss(x.log_softmax(-1), _tt(_TG), _IL, _TL, reduction="none")),
    case("ctc_loss", lambda x: _fg(x, tg=[[0, 1], [1, 1]], tl=[2, 0], blank=2, reduction="sum"),
         lambda x: _ref(x, tg=[[0, 1], [1, 1]], tl=[2, 0], blank=2, reduction="sum"), _n((4, 2, 3)),
         "blank2-emptytarget-sum"),
]
