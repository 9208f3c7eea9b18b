"""Losses on arrays (csrc/loss.c): forward and backward of each loss, reductions applied.

The hot losses run in C (``fg_mse_*``, ``fg_cross_entropy_*`` with a fused log-softmax,
``fg_bce_*``, ``fg_bce_logits_*``); the rest (l1, smooth-l1, huber, nll, class-probability
cross-entropy) are a few numpy passes.  Arguments are validated in fastgrad/functional/loss.py.
Reductions: 0 = 'none', 1 = 'mean', 2 = 'sum'.
"""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, from_buffer, kernels, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["NONE", "MEAN", "SUM", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropy",
           "CrossEntropyProbs", "NLLLoss", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "bad_target"]

NONE, MEAN, SUM = 0, 1, 2
_MSE_FWD, _MSE_BWD = kernels("mse_fwd"), kernels("mse_bwd")
_CE_FWD, _CE_BWD, _LOG_SOFTMAX = kernels("cross_entropy_fwd"), kernels("cross_entropy_bwd"), kernels("log_softmax_fwd")
_BCE_FWD, _BCE_BWD = kernels("bce_fwd"), kernels("bce_bwd")
_BCE_LOGITS_FWD, _BCE_LOGITS_BWD = kernels("bce_logits_fwd"), kernels("bce_logits_bwd")
_new = object.__new__


def _reduce(loss, mode, count=None):
    """Apply the reduction to a per-element loss array (mean of nothing is nan, as torch)."""
    if mode == NONE:
        return loss
    s = loss.sum(dtype=np.float64)
    if mode == MEAN:
        n = loss.size if count is None else count
        s = s / n if n else np.nan
    return np.asarray(s, dtype=loss.dtype)


def _scale(dy, mode, n):
    """The upstream gradient per element: dy ('none'), dy / n ('mean') or dy ('sum')."""
    if mode == MEAN:
        return dy / n if n else dy * np.nan
    return dy


class _MSESaved:
    """What the MSE forward keeps: x, t, the reduction and, when reduced, their C pointers."""

    __slots__ = ("x", "t", "mode", "px", "pt")


@register("mse_loss")
class MSELoss(Function):
    """loss = reduce((x - t)^2); dx = 2 (x - t) dy (/ n for 'mean'), dt = -dx."""

    @staticmethod
    def forward(ctx, x, t, mode):
        if not x.flags.c_contiguous:
            x = contiguous(x)
        if not t.flags.c_contiguous:
            t = contiguous(t)
        s = ctx.saved = _new(_MSESaved)
        s.x = x
        s.t = t
        s.mode = mode
        if mode == NONE:
            d = np.asarray(np.subtract(x, t))  # 0-d inputs give a numpy scalar
            return d * d
        ct = CTYPES[x.dtype]
        s.px = px = from_buffer(ct, x)  # backward reuses the pointers
        s.pt = pt = from_buffer(ct, t)
        r = _MSE_FWD[x.dtype](x.size, px, pt)
        if mode == MEAN:
            r = r / x.size if x.size else np.nan
        return np.asarray(r, dtype=x.dtype)

    @staticmethod
    def backward(ctx, dy):
        s = ctx.saved
        x = s.x
        dt = x.dtype
        dx = np.empty(x.shape, dt)
        if s.mode == NONE:
            _MSE_BWD[dt](x.size, rptr(x), rptr(s.t), wptr(dx), 1.0)
            dx *= dy
        else:
            n = x.size
            scale = float(dy)
            if s.mode == MEAN:
                scale = scale / n if n else np.nan
            _MSE_BWD[dt](n, s.px, s.pt, from_buffer(CTYPES[dt], dx), scale)
        inputs = ctx.inputs
        return (dx if inputs[0] is not None else None), (-dx if inputs[1] is not None else None), None


@register("l1_loss")
class L1Loss(Function):
    """loss = reduce(|x - t|); dx = sign(x - t) dy (0 at x == t, as torch), dt = -dx."""

    @staticmethod
    def forward(ctx, x, t, mode):
        d = np.subtract(x, t)
        ctx.save_for_backward(d)
        ctx.mode = mode
        return _reduce(np.abs(d), mode)

    @staticmethod
    def backward(ctx, dy):
        (d,) = ctx.saved
        dx = np.sign(d)
        dx *= _scale(dy, ctx.mode, d.size)
        need = ctx.needs_input_grad
        return (dx if need[0] else None), (-dx if need[1] else None), None


class _Robust(Function):
    """Quadratic near 0, linear beyond ``param``: smooth-l1 (scale 1/beta) and huber."""

    huber = False

    @classmethod
    def _loss(cls, d, p):
        z = np.abs(d)
        if cls.huber:
            return np.where(z < p, 0.5 * d * d, p * (z - 0.5 * p))
        return np.where(z < p, 0.5 * d * d / p, z - 0.5 * p)

    @classmethod
    def _grad(cls, d, p):
        small = np.abs(d) < p
        if cls.huber:
            return np.where(small, d, p * np.sign(d))
        return np.where(small, d / p, np.sign(d))

    @staticmethod
    def forward(ctx, x, t, p, mode):
        d = np.subtract(x, t)
        ctx.save_for_backward(d)
        ctx.p, ctx.mode = p, mode
        return _reduce(type(ctx)._loss(d, p).astype(x.dtype, copy=False), mode)

    @staticmethod
    def backward(ctx, dy):
        (d,) = ctx.saved
        dx = type(ctx)._grad(d, ctx.p).astype(d.dtype, copy=False)
        dx *= _scale(dy, ctx.mode, d.size)
        need = ctx.needs_input_grad
        return (dx if need[0] else None), (-dx if need[1] else None), None, None


@register("smooth_l1_loss")
class SmoothL1Loss(_Robust):
    """loss = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta  (d = x - t)."""


@register("huber_loss")
class HuberLoss(_Robust):
    """loss = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)  (d = x - t)."""

    huber = True


def bad_target(t, c, ignore_index, op):
    bad = t[(t != ignore_index) & ((t < 0) | (t >= c))]
    return IndexError(f"{op}: Target {int(bad[0])} is out of bounds.")


def _rows(x):
    """x as (samples, classes) rows: (N, C) as is, (N, C, d...) with classes moved last."""
    if x.ndim == 1:
        return contiguous(x).reshape(1, -1)
    if x.ndim == 2:
        return contiguous(x)
    return np.ascontiguousarray(np.moveaxis(x, 1, -1)).reshape(-1, x.shape[1])


def _unrows(g, shape):
    """Inverse of _rows for a gradient (rows, C) -> the input's shape (a view)."""
    if len(shape) <= 2:
        return g.reshape(shape)
    return np.moveaxis(g.reshape(shape[:1] + shape[2:] + shape[1:2]), -1, 1)


@register("cross_entropy")
class CrossEntropy(Function):
    """loss_i = -(1-ls) w[t_i] logp[i, t_i] - (ls/C) sum_j w[j] logp[i, j], logp = log_softmax(x)
    (fused in C); 'mean' divides by sum_i w[t_i] over non-ignored samples, as torch."""

    @staticmethod
    def forward(ctx, x, t, w, ignore_index, ls, mode, out_shape):
        rows = _rows(x)
        n, c = rows.shape
        dt = x.dtype
        logp = np.empty((n, c), dt)
        loss = np.empty(n, dt)
        wsum = np.empty(n, dt) if mode == MEAN else None
        bad = _CE_FWD[dt](n, c, rptr(rows), rptr(t), NULL if w is None else rptr(w),
                                              wptr(logp), wptr(loss),
                                              NULL if wsum is None else wptr(wsum), ignore_index, ls)
        if bad >= 0:
            raise bad_target(t, c, ignore_index, "cross_entropy")
        ctx.save_for_backward(logp, t, w)
        ctx.args = (x.shape, ignore_index, ls, mode)
        if mode == NONE:
            return loss.reshape(out_shape)
        s = loss.sum(dtype=np.float64)
        if mode == MEAN:
            total = wsum.sum(dtype=np.float64)
            ctx.total = total
            with np.errstate(invalid="ignore", divide="ignore"):
                s = s / total
        return np.asarray(s, dtype=dt)

    @staticmethod
    def backward(ctx, dy):
        logp, t, w = ctx.saved
        shape, ignore_index, ls, mode = ctx.args
        n, c = logp.shape
        if mode == NONE:
            g, inc = contiguous(dy).reshape(-1), 1
        else:
            scale = float(dy)
            if mode == MEAN:
                scale = scale / ctx.total if ctx.total else np.nan
            g, inc = np.full(1, scale, logp.dtype), 0
        if w is not None and not np.isfinite(w).all():
            dx = _ce_grad_composed(logp, t, w, np.broadcast_to(g, (n,)), ignore_index, ls)
        else:
            dx = np.empty((n, c), logp.dtype)
            _CE_BWD[logp.dtype](n, c, rptr(logp), rptr(t), NULL if w is None else rptr(w),
                                rptr(g), inc, wptr(dx), ignore_index, ls)
        return (_unrows(dx, shape),) + (None,) * 6


def _ce_grad_composed(logp, t, w, g, ignore_index, ls):
    """dx composed as torch does (log_softmax <- nll_loss + smoothing term) for inf/nan class
    weights: the fused kernel's sum_k coef_k would spread them into every row.  g: per row."""
    n, c = logp.shape
    keep = t != ignore_index
    rows = np.flatnonzero(keep)
    glp = np.zeros((n, c), logp.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        glp[rows, t[rows]] = -((1.0 - ls) * g[rows]) * w[t[rows]]           # nll_loss backward
        if ls:  # smoothing term: -(ls / C) w_j g_i, masked (to 0, not skipped) on ignored rows
            glp -= np.where(keep, g * (ls / c), 0).astype(logp.dtype)[:, None] * w[None, :]
        dx = glp - np.exp(logp) * glp.sum(axis=1, keepdims=True)           # log_softmax backward
    return dx.astype(logp.dtype, copy=False)


@register("cross_entropy_probs")
class CrossEntropyProbs(Function):
    """Class-probability targets: loss = -sum_c w_c q_c logp_c with q = (1-ls) t + ls/C;
    'mean' divides by the number of samples (not by weights), as torch.
    dx = dy (softmax sum_c w_c q_c - w q), dt = -dy (1-ls) w logp."""

    @staticmethod
    def forward(ctx, x, t, w, ls, mode):
        cdim = 1 if x.ndim > 1 else 0
        c = x.shape[cdim]
        x = contiguous(x)
        outer = x.shape[0] if cdim else 1
        inner = x.size // (outer * c) if x.size else 0
        logp = np.empty_like(x)
        if x.size:
            _LOG_SOFTMAX[x.dtype](outer, c, inner, rptr(x), wptr(logp))
        q = t * (1.0 - ls) + ls / c if ls and c else t  # c == 0: empty rows, nothing to smooth
        wb = None if w is None else w.reshape((c,) + (1,) * (x.ndim - cdim - 1))
        with np.errstate(invalid="ignore"):  # inf * 0 with an infinite class weight: nan, as torch
            qw = q if wb is None else q * wb
            loss = -(logp * qw).sum(axis=cdim)
        loss = np.asarray(loss, dtype=x.dtype)
        count = x.size // c if c else 0
        ctx.save_for_backward(logp, qw, wb)
        ctx.args = (cdim, ls, mode, count)
        return _reduce(loss, mode, count)

    @staticmethod
    def backward(ctx, dy):
        logp, qw, wb = ctx.saved
        cdim, ls, mode, count = ctx.args
        g = _scale(dy, mode, count)
        if mode == NONE:
            g = np.expand_dims(g, cdim)
        need = ctx.needs_input_grad
        dx = dt = None
        with np.errstate(invalid="ignore"):
            if need[0]:
                dx = np.exp(logp) * qw.sum(axis=cdim, keepdims=True) - qw
                dx *= g
            if need[1]:
                dt = -(1.0 - ls) * logp * g
                if wb is not None:
                    dt *= wb
                dt = dt.astype(logp.dtype, copy=False)
        return dx, dt, None, None, None


@register("nll_loss")
class NLLLoss(Function):
    """loss_i = -w[t_i] x[i, t_i] (0 where t_i == ignore_index); 'mean' divides by
    sum_i w[t_i]; dx[i, t_i] = -w[t_i] dy_i."""

    @staticmethod
    def forward(ctx, x, t, w, ignore_index, mode, out_shape):
        rows = x.reshape(1, -1) if x.ndim == 1 else x
        c = rows.shape[1]
        tt = t.reshape(rows.shape[:1] + rows.shape[2:])
        keep = tt != ignore_index
        safe = np.where(keep, tt, 0)
        picked = np.take_along_axis(rows, safe[:, None], axis=1)[:, 0]
        wt = keep.astype(x.dtype) if w is None else np.where(keep, w[safe], np.zeros((), x.dtype))
        loss = -(wt * picked)
        ctx.save_for_backward(safe, wt)
        ctx.args = (x.shape, rows.shape, mode, c)
        if mode == NONE:
            return loss.reshape(out_shape)
        total = wt.sum(dtype=np.float64)
        ctx.total = total
        return _reduce(loss, mode, total if mode == MEAN else None)

    @staticmethod
    def backward(ctx, dy):
        safe, wt = ctx.saved
        shape, rshape, mode, c = ctx.args
        if mode == NONE:
            g = dy.reshape(wt.shape)
        else:
            g = _scale(dy, mode, ctx.total)
        dx = np.zeros(rshape, wt.dtype)
        np.put_along_axis(dx, safe[:, None], np.expand_dims(-(wt * g), 1).astype(wt.dtype), axis=1)
        return (dx.reshape(shape),) + (None,) * 5


def _grad_per_element(dy, mode, n, w, shape, dtype):
    """(gradient array, increment) for the C backward kernels: a scalar with inc 0 when it is
    the same for every element, else a contiguous per-element array with inc 1."""
    g = _scale(dy, mode, n)
    if w is None:
        if mode == NONE:
            return contiguous(g).reshape(-1), 1
        return np.full(1, g, dtype), 0
    return np.ascontiguousarray(np.broadcast_to(g * w, shape), dtype=dtype).reshape(-1), 1


@register("binary_cross_entropy")
class BinaryCrossEntropy(Function):
    """loss = -w (t log p + (1 - t) log(1 - p)) (logs clamped at -100, as torch);
    dp = dy w (p - t) / max(p (1 - p), 1e-12), dt = -dy w logit(p)  (unclamped, as torch)."""

    @staticmethod
    def forward(ctx, p, t, w, mode):
        p, t = contiguous(p), contiguous(t)
        loss = np.empty_like(p)
        _BCE_FWD[p.dtype](p.size, rptr(p), rptr(t), wptr(loss))
        if w is not None:
            loss *= w
        ctx.save_for_backward(p, t, w)
        ctx.mode = mode
        return _reduce(loss, mode)

    @staticmethod
    def backward(ctx, dy):
        p, t, w = ctx.saved
        g, inc = _grad_per_element(dy, ctx.mode, p.size, w, p.shape, p.dtype)
        need = ctx.needs_input_grad
        dp = dt = None
        if need[0]:
            dp = np.empty_like(p)
            _BCE_BWD[p.dtype](p.size, rptr(p), rptr(t), rptr(g), inc, wptr(dp))
        if need[1]:
            with np.errstate(divide="ignore"):
                dt = -np.log(p / (1 - p))  # torch: -logit(p), so +-inf at p = 0 and 1
            dt *= g.reshape(p.shape) if inc else g[0]
        return dp, dt, None, None


@register("binary_cross_entropy_with_logits")
class BinaryCrossEntropyWithLogits(Function):
    """loss = w ((1 - t) x + (1 + (pw - 1) t) softplus(-x))  (stable);
    dx = dy w ((1 + (pw - 1) t) sigmoid(x) - pw t), dt = dy w ((pw - 1) softplus(-x) - x)."""

    @staticmethod
    def forward(ctx, x, t, w, pw, mode):
        x, t = contiguous(x), contiguous(t)
        loss = np.empty_like(x)
        _BCE_LOGITS_FWD[x.dtype](x.size, rptr(x), rptr(t), NULL if pw is None else rptr(pw),
                                          0 if pw is None or pw.size == 1 else 1, wptr(loss))
        if w is not None:
            loss *= w
        ctx.save_for_backward(x, t, w, pw)
        ctx.mode = mode
        return _reduce(loss, mode)

    @staticmethod
    def backward(ctx, dy):
        x, t, w, pw = ctx.saved
        g, inc = _grad_per_element(dy, ctx.mode, x.size, w, x.shape, x.dtype)
        need = ctx.needs_input_grad
        dx = dt = None
        if need[0]:
            dx = np.empty_like(x)
            _BCE_LOGITS_BWD[x.dtype](x.size, rptr(x), rptr(t), NULL if pw is None else rptr(pw),
                                              0 if pw is None or pw.size == 1 else 1, rptr(g), inc,
                                              wptr(dx))
        if need[1]:
            if pw is None:
                dt = -x
            else:  # (pw - 1) softplus(-x) - x
                dt = ((pw.reshape(x.shape) if pw.size > 1 else pw[0]) - 1) * np.logaddexp(0, -x) - x
            dt = dt * (g.reshape(x.shape) if inc else g[0])
            dt = dt.astype(x.dtype, copy=False)
        return dx, dt, None, None, None
