"""Connectionist temporal classification loss at array level (torch's CPU algorithm, in numpy):

    loss_b = -log sum_{paths pi -> l_b} prod_t y[t, b, pi_t]

over the extended label l' = (blank, l_1, blank, l_2, ..., l_L, blank) of length 2L + 1.  The forward
pass runs the alpha recursion in log space, the backward pass the beta recursion and torch's gradient

    d loss_b / d log_probs[t, b, c] = exp(lp) - exp(log(sum_{s: l'_s = c} alpha_t(s) beta_t(s)) + loss_b - lp)

(alpha and beta both include y_t(l'_s), hence the extra - lp).  Both recursions are vectorised over the
batch and the extended-label dimension; the only Python loop runs over time.  Arithmetic is float64 and
the results are rounded once to the input dtype.
"""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["CTCLoss", "extended_labels"]

_NEG = -np.inf


def extended_labels(targets: np.ndarray, target_lengths: np.ndarray, blank: int, n_classes: int):
    """The extended labels l' (N, 2 S + 1) of padded targets (N, S), their validity mask (s < 2 L_b + 1)
    and the skip mask (s > 1 and l'_s != l'_{s-2}: the transition s - 2 -> s is allowed)."""
    n, s_max = targets.shape
    ext = np.full((n, 2 * s_max + 1), blank, dtype=np.int64)
    ext[:, 1::2] = targets
    valid = np.arange(2 * s_max + 1)[None, :] < (2 * target_lengths[:, None] + 1)
    ext = np.where(valid, ext, blank)
    ext = np.clip(ext, 0, n_classes - 1)  # padding beyond L_b may hold anything
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    return ext, valid, skip


def _lse3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """log(e^a + e^b + e^c) elementwise, -inf where all three are -inf."""
    m = np.maximum(np.maximum(a, b), c)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe)) + safe


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """x[..., s - k] along the last axis (k > 0) or x[..., s + |k|] (k < 0), -inf where out of range."""
    out = np.full_like(x, _NEG)
    if k > 0:
        out[..., k:] = x[..., :-k]
    else:
        out[..., :k] = x[..., -k:]
    return out


@register("ctc_loss")
class CTCLoss(Function):
    """loss_b = -log p(l_b | x_b): per-sample CTC losses (N,) of log_probs (T, N, C); targets padded
    (N, S) int64, lengths (N,) int64 (already validated).  zero_infinity zeroes infinite losses and
    their gradients."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        t_max, n, c = log_probs.shape
        lp = log_probs.astype(np.float64)
        ext, valid, skip = extended_labels(targets, target_lengths, blank, c)
        # emissions y_t(l'_s) in log space, -inf for the states beyond 2 L_b
        emit = np.where(valid[None], np.take_along_axis(lp, np.broadcast_to(ext[None], (t_max,) + ext.shape), 2),
                        _NEG)
        alpha = np.full((t_max,) + ext.shape, _NEG)
        prev = np.full(ext.shape, _NEG)
        prev[:, 0] = 0.0  # a virtual state before t = 0 that leads to s = 0 and s = 1 only
        for t in range(t_max):
            cur = emit[t] + _lse3(prev, _shift(prev, 1), np.where(skip, _shift(prev, 2), _NEG))
            live = (t < input_lengths)[:, None]
            alpha[t] = np.where(live, cur, _NEG)
            prev = np.where(live, cur, prev)
        rows = np.arange(n)
        end = 2 * target_lengths
        last = np.where(target_lengths > 0, prev[rows, np.maximum(end - 1, 0)], _NEG)
        nll = -np.logaddexp(prev[rows, end], last)
        ctx.save_for_backward(log_probs, nll)
        ctx.alpha, ctx.emit, ctx.ext, ctx.skip = alpha, emit, ext, skip
        ctx.lengths = (input_lengths, target_lengths)
        ctx.zero_infinity = zero_infinity
        if zero_infinity:
            nll = np.where(np.isinf(nll), 0.0, nll)
        return nll.astype(log_probs.dtype)

    @staticmethod
    def backward(ctx, dy):
        log_probs, nll = ctx.saved
        alpha, emit, ext, skip = ctx.alpha, ctx.emit, ctx.ext, ctx.skip
        input_lengths, target_lengths = ctx.lengths
        t_max, n, c = log_probs.shape
        lp = log_probs.astype(np.float64)
        rows = np.arange(n)
        end = 2 * target_lengths
        init = np.full(ext.shape, _NEG)  # beta at t = T_b - 1 before the emission: the two final states
        init[rows, end] = 0.0
        init[rows[target_lengths > 0], end[target_lengths > 0] - 1] = 0.0
        skip_back = np.zeros_like(skip)  # transition s -> s + 2 allowed
        skip_back[:, :-2] = skip[:, 2:]
        beta = np.full(alpha.shape, _NEG)
        nxt = np.full(ext.shape, _NEG)
        for t in range(t_max - 1, -1, -1):
            step = emit[t] + _lse3(nxt, _shift(nxt, -1), np.where(skip_back, _shift(nxt, -2), _NEG))
            first = (t == input_lengths - 1)[:, None]
            cur = np.where(first, emit[t] + init, step)
            cur = np.where((t < input_lengths)[:, None], cur, _NEG)
            beta[t] = cur
            nxt = cur
        # sum over the states s with l'_s = c of alpha beta / (p y_t(c)), each term <= 1
        with np.errstate(invalid="ignore", over="ignore"):
            q = np.exp(alpha + beta + nll[None, :, None] - emit)
            q = np.where(np.isfinite(emit), q, 0.0)
            onehot = (ext[:, :, None] == np.arange(c)[None, None, :]).astype(np.float64)
            occ = np.einsum("tns,nsc->tnc", q, onehot)
            grad = np.exp(lp) - occ
        inf = np.isinf(nll)
        # no valid alignment: zero with zero_infinity, else nan as torch's formula gives (exp(-inf + inf))
        grad[:, inf, :] = 0.0 if ctx.zero_infinity else np.nan
        live = np.arange(t_max)[:, None] < input_lengths[None, :]
        grad = np.where(live[:, :, None], grad, 0.0) * dy.astype(np.float64)[None, :, None]
        return grad.astype(log_probs.dtype), None, None, None, None, None
