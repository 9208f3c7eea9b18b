"""Loss functions with torch's signatures and semantics.

The hot losses run in C (``fg_mse_*``, ``fg_cross_entropy_*`` with a fused log-softmax,
``fg_bce_*``, ``fg_bce_logits_*``); the rest (l1, smooth-l1, huber, nll, class-probability
cross-entropy) are a few numpy passes.  Every argument is validated here, before C.
Reductions: 0 = 'none', 1 = 'mean', 2 = 'sum'.
"""
import warnings

import numpy as np

from fastgrad._ffi import CTYPES, NULL, ffi, kernel, lib, rptr, wptr
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import check_float, contiguous, sum_to
from fastgrad.tensor import Size, Tensor

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits"]

NONE, MEAN, SUM = 0, 1, 2
_from_buffer = ffi.from_buffer
_REDUCTIONS = {"none": NONE, "mean": MEAN, "sum": SUM}


def _F():
    from fastgrad import functional
    return functional


def _reduction(size_average, reduce, reduction):
    """The reduction code, honouring torch's deprecated size_average/reduce arguments."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      "reduction='sum' or reduction='mean' instead.", UserWarning, stacklevel=3)
        sa = True if size_average is None else size_average
        rd = True if reduce is None else reduce
        reduction = "mean" if sa and rd else "sum" if rd else "none"
    mode = _REDUCTIONS.get(reduction) if isinstance(reduction, str) else None
    if mode is None:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return mode


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


def _tensor(x, op, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(x).__name__}")
    return x


def _size(shape):
    return repr(Size(shape))


# -- regression losses -------------------------------------------------------------------
def _pointwise_pair(input, target, op):
    """(input, target) as float Tensors of one dtype and one (broadcast) shape, as torch."""
    _tensor(input, op, "input")
    _tensor(target, op, "target")
    F = _F()
    di, dt = input._data.dtype, target._data.dtype
    if di.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {di}")
    if dt.kind != "f":
        target = F.to_dtype(target, di, False)
    elif dt != di:
        d = np.result_type(di, dt)
        input, target = F.to_dtype(input, d, False), F.to_dtype(target, d, False)
    si, st = input._data.shape, target._data.shape
    if si != st:
        warnings.warn(f"Using a target size ({_size(st)}) that is different to the input size "
                      f"({_size(si)}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)
        try:
            shape = np.broadcast_shapes(si, st)
        except ValueError:
            raise RuntimeError(f"{op}: the size of input {tuple(si)} must match the size of target "
                               f"{tuple(st)} (or broadcast with it)") from None
        if si != shape:
            input = F.expand(input, shape)
        if st != shape:
            target = F.expand(target, shape)
    return input, target


_MSE_FWD = {np.dtype(np.float32): lib.fg_mse_fwd_f32, np.dtype(np.float64): lib.fg_mse_fwd_f64}
_MSE_BWD = {np.dtype(np.float32): lib.fg_mse_bwd_f32, np.dtype(np.float64): lib.fg_mse_bwd_f64}


@register("mse_loss")
class MSELoss(Function):
    """loss = reduce((x - t)^2); dx = 2 (x - t) dy (/ n for 'mean'), dt = -dx."""

    @staticmethod
    def forward(ctx, x, t, mode):
        if not x.flags.c_contiguous:
            x = contiguous(x)
        if not t.flags.c_contiguous:
            t = contiguous(t)
        if mode == NONE:
            ctx.saved = (x, t, mode)
            d = np.asarray(np.subtract(x, t))  # 0-d inputs give a numpy scalar
            return d * d
        ct = CTYPES[x.dtype]
        px, pt = _from_buffer(ct, x), _from_buffer(ct, t)
        ctx.saved = (x, t, mode, px, pt)  # backward reuses the pointers
        s = _MSE_FWD[x.dtype](x.size, px, pt)
        if mode == MEAN:
            s = s / x.size if x.size else np.nan
        return np.asarray(s, dtype=x.dtype)

    @staticmethod
    def backward(ctx, dy):
        saved = ctx.saved
        x, t, mode = saved[0], saved[1], saved[2]
        dt = x.dtype
        dx = np.empty(x.shape, dt)
        if mode == NONE:
            kernel("mse_bwd", dt)(x.size, rptr(x), rptr(t), wptr(dx), 1.0)
            dx *= dy
        else:
            n = x.size
            scale = float(dy)
            if mode == MEAN:
                scale = scale / n if n else np.nan
            _MSE_BWD[dt](n, saved[3], saved[4], _from_buffer(CTYPES[dt], dx), scale)
        inputs = ctx.inputs
        return (dx if inputs[0] is not None else None), (-dx if inputs[1] is not None else None), None


def _weighted(loss_none, weight, input, mode, mean_by_weight, op):
    """torch 2.x's optional elementwise ``weight``: reduce(loss * weight); 'mean' divides by
    sum(weight) (mse, l1) or by the element count (huber).  Composed from tensor ops."""
    _tensor(weight, op, "weight")
    if weight._data.shape != input._data.shape:
        raise ValueError(f"{op}: Weights and input must have the same size.")
    F = _F()
    loss = F.mul(loss_none, weight)
    if mode == NONE:
        return loss
    if mode == SUM:
        return F.sum(loss)
    return F.div(F.sum(loss), F.sum(weight)) if mean_by_weight else F.mean(loss)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor = None) -> Tensor:
    """reduce((input - target)^2)  (optionally weighted elementwise, as torch 2.x)."""
    if weight is None and size_average is None and reduce is None and isinstance(input, Tensor) \
            and isinstance(target, Tensor) and type(reduction) is str:  # the training-loop case first
        xi, ti = input._data, target._data
        mode = _REDUCTIONS.get(reduction)
        if xi.dtype is ti.dtype and xi.dtype in CTYPES and xi.dtype.kind == "f" and xi.shape == ti.shape \
                and mode is not None:
            return MSELoss.apply2(input, target, mode)
    mode = _reduction(size_average, reduce, reduction)
    x, t = _pointwise_pair(input, target, "mse_loss")
    if weight is not None:
        return _weighted(MSELoss.apply(x, t, NONE), weight, input, mode, True, "mse_loss")
    return MSELoss.apply(x, t, mode)


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


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor = None) -> Tensor:
    """reduce(|input - target|)  (optionally weighted elementwise, as torch 2.x)."""
    mode = _reduction(size_average, reduce, reduction)
    x, t = _pointwise_pair(input, target, "l1_loss")
    if weight is not None:
        return _weighted(L1Loss.apply(x, t, NONE), weight, input, mode, True, "l1_loss")
    return L1Loss.apply(x, t, mode)


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


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """reduce(0.5 d^2 / beta if |d| < beta else |d| - beta / 2); beta == 0 is l1_loss."""
    mode = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _pointwise_pair(input, target, "smooth_l1_loss")
    if beta == 0:
        return L1Loss.apply(input, target, mode)
    return SmoothL1Loss.apply(input, target, float(beta), mode)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor = None) -> Tensor:
    """reduce(0.5 d^2 if |d| < delta else delta (|d| - delta / 2))  (optionally weighted)."""
    mode = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t = _pointwise_pair(input, target, "huber_loss")
    if weight is not None:
        return _weighted(HuberLoss.apply(x, t, float(delta), NONE), weight, input, mode, False,
                         "huber_loss")
    return HuberLoss.apply(x, t, float(delta), mode)


# -- classification with class indices ---------------------------------------------------
def _class_args(input, target, weight, op):
    """Validate (input, target, weight) for class-index losses.

    Returns (rows, flat int64 targets, weight array or None, output shape of 'none') where rows
    says how the input is laid out: input is (N, C), (N, C, d...) or (C,) with a 0-d target."""
    _tensor(input, op, "input")
    _tensor(target, op, "target")
    x, t = input._data, target._data
    check_float(x, op)
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dimension (classes), got a 0-d tensor")
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target dtype to be Long (class indices), but got {t.dtype} "
                           f"of shape {tuple(t.shape)}; class-probability targets must be floating point "
                           f"with the input's shape {tuple(x.shape)}")
    if x.ndim == 1:
        if t.ndim != 0:
            raise ValueError(f"{op}: for an input of shape {tuple(x.shape)} (one sample) the target "
                             f"must be 0-d, got shape {tuple(t.shape)}")
        out_shape = ()
    elif x.ndim == 2:
        if t.ndim != 1 or t.shape[0] != x.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                             f"({t.shape[0] if t.ndim else 0}).")
        out_shape = t.shape
    else:
        want = x.shape[:1] + x.shape[2:]
        if t.shape != want:
            raise RuntimeError(f"{op}: Expected target size {list(want)}, got {list(t.shape)}")
        out_shape = want
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = None
    if weight is not None:
        _tensor(weight, op, "weight")
        w = weight._data
        if w.shape != (c,):
            raise RuntimeError(f"{op}: weight tensor should be defined either for all {c} classes or "
                               f"no classes but got weight tensor of shape: {list(w.shape)}")
        if w.dtype != x.dtype:
            raise RuntimeError(f"{op}: expected weight dtype {x.dtype} (the input's), got {w.dtype}")
        w = contiguous(w)
    return np.ascontiguousarray(t, dtype=np.int64).reshape(-1), w, out_shape


def _bad_target(t, c, ignore_index, op):
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
        bad = kernel("cross_entropy_fwd", dt)(n, c, rptr(rows), rptr(t), NULL if w is None else rptr(w),
                                              wptr(logp), wptr(loss),
                                              NULL if wsum is None else wptr(wsum), ignore_index, ls)
        if bad >= 0:
            raise _bad_target(t, c, ignore_index, "cross_entropy")
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
        dx = np.empty((n, c), logp.dtype)
        kernel("cross_entropy_bwd", logp.dtype)(n, c, rptr(logp), rptr(t), NULL if w is None else rptr(w),
                                                rptr(g), inc, wptr(dx), ignore_index, ls)
        return (_unrows(dx, shape),) + (None,) * 6


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
            kernel("log_softmax_fwd", x.dtype)(outer, c, inner, rptr(x), wptr(logp))
        q = t * (1.0 - ls) + ls / c if ls else t
        wb = None if w is None else w.reshape((c,) + (1,) * (x.ndim - cdim - 1))
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
        if need[0]:
            dx = np.exp(logp) * qw.sum(axis=cdim, keepdims=True) - qw
            dx *= g
        if need[1]:
            dt = -(1.0 - ls) * logp * g
            if wb is not None:
                dt *= wb
            dt = dt.astype(logp.dtype, copy=False)
        return dx, dt, None, None, None


def _check_smoothing(ls, op):
    if not 0.0 <= ls <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0. Got: {ls}")
    return float(ls)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``input`` (N, C[, d...]) or (C,) against class indices
    (N[, d...]) / 0-d, or against class probabilities of the input's shape."""
    mode = _reduction(size_average, reduce, reduction)
    ls = _check_smoothing(label_smoothing, "cross_entropy")
    _tensor(input, "cross_entropy", "input")
    _tensor(target, "cross_entropy", "target")
    x, tg = input._data, target._data
    if tg.dtype.kind == "f" and tg.shape == x.shape and x.ndim > 0:
        check_float(x, "cross_entropy")
        w = None
        if weight is not None:
            c = x.shape[1] if x.ndim > 1 else x.shape[0]
            _tensor(weight, "cross_entropy", "weight")
            if weight._data.shape != (c,):
                raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {c} "
                                   f"classes or no classes but got weight tensor of shape: "
                                   f"{list(weight._data.shape)}")
            w = weight._data.astype(x.dtype, copy=False)
        if tg.dtype != x.dtype:
            target = _F().to_dtype(target, x.dtype, False)
        return CrossEntropyProbs.apply(input, target, w, ls, mode)
    t, w, out_shape = _class_args(input, target, weight, "cross_entropy")
    return CrossEntropy.apply(input, t, w, int(ignore_index), ls, mode, out_shape)


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


def nll_loss(input: Tensor, target: Tensor, weight: Tensor = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` at the target classes."""
    mode = _reduction(size_average, reduce, reduction)
    t, w, out_shape = _class_args(input, target, weight, "nll_loss")
    x = input._data
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    ignore_index = int(ignore_index)
    if t.size and (((t < 0) | (t >= c)) & (t != ignore_index)).any():
        raise _bad_target(t, c, ignore_index, "nll_loss")
    return NLLLoss.apply(input, t, w, ignore_index, mode, out_shape)


# -- binary classification ---------------------------------------------------------------
def _weight_array(weight, shape, dtype, op, what="weight"):
    if weight is None:
        return None
    _tensor(weight, op, what)
    w = weight._data
    try:
        if np.broadcast_shapes(w.shape, shape) != tuple(shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"{op}: {what} of shape {tuple(w.shape)} is not broadcastable to the "
                           f"input shape {tuple(shape)}") from None
    return w.astype(dtype, copy=False)


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
    dp = dy w (p - t) / max(p (1 - p), 1e-12), dt = dy w (log(1 - p) - log p)."""

    @staticmethod
    def forward(ctx, p, t, w, mode):
        p, t = contiguous(p), contiguous(t)
        loss = np.empty_like(p)
        kernel("bce_fwd", p.dtype)(p.size, rptr(p), rptr(t), wptr(loss))
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
            kernel("bce_bwd", p.dtype)(p.size, rptr(p), rptr(t), rptr(g), inc, wptr(dp))
        if need[1]:
            with np.errstate(divide="ignore"):
                dt = np.maximum(np.log1p(-p), -100) - np.maximum(np.log(p), -100)
            dt *= g.reshape(p.shape) if inc else g[0]
        return dp, dt, None, None


def _same_size(input, target, op, fmt):
    if input._data.shape != target._data.shape:
        raise ValueError(fmt.format(t=_size(target._data.shape), i=_size(input._data.shape)))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-w (t log p + (1 - t) log(1 - p)) for probabilities ``input`` in [0, 1]."""
    op = "binary_cross_entropy"
    mode = _reduction(size_average, reduce, reduction)
    _tensor(input, op, "input")
    _tensor(target, op, "target")
    _same_size(input, target, op, "Using a target size ({t}) that is different to the input size ({i}) "
                                  "is deprecated. Please ensure they have the same size.")
    p = input._data
    check_float(p, op)
    if target._data.dtype != p.dtype:
        raise RuntimeError(f"{op}: Found dtype {target._data.dtype} but expected {p.dtype} "
                           "(target must have the input's dtype)")
    if p.size and not (p.min() >= 0 and p.max() <= 1):
        raise RuntimeError(f"{op}: all elements of input should be between 0 and 1")
    w = _weight_array(weight, p.shape, p.dtype, op)
    return BinaryCrossEntropy.apply(input, target, w, mode)


@register("binary_cross_entropy_with_logits")
class BinaryCrossEntropyWithLogits(Function):
    """loss = w ((1 - t) x + (1 + (pw - 1) t) softplus(-x))  (stable);
    dx = dy w ((1 + (pw - 1) t) sigmoid(x) - pw t), dt = dy w ((pw - 1) softplus(-x) - x)."""

    @staticmethod
    def forward(ctx, x, t, w, pw, mode):
        x, t = contiguous(x), contiguous(t)
        loss = np.empty_like(x)
        kernel("bce_logits_fwd", x.dtype)(x.size, rptr(x), rptr(t), NULL if pw is None else rptr(pw),
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
            kernel("bce_logits_bwd", x.dtype)(x.size, rptr(x), rptr(t), NULL if pw is None else rptr(pw),
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


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor = None) -> Tensor:
    """BCE of sigmoid(input), computed stably from the logits; pos_weight scales positives."""
    op = "binary_cross_entropy_with_logits"
    mode = _reduction(size_average, reduce, reduction)
    _tensor(input, op, "input")
    _tensor(target, op, "target")
    _same_size(input, target, op, "Target size ({t}) must be the same as input size ({i})")
    check_float(input._data, op)
    di, dt = input._data.dtype, target._data.dtype
    if dt != di:
        F = _F()
        d = np.result_type(di, dt) if dt.kind == "f" else di
        input, target = F.to_dtype(input, d, False), F.to_dtype(target, d, False)
    shape, dtype = input._data.shape, input._data.dtype
    w = _weight_array(weight, shape, dtype, op)
    pw = _weight_array(pos_weight, shape, dtype, op, "pos_weight")
    if pw is not None:
        pw = np.ascontiguousarray(pw).reshape(-1) if pw.size == 1 else \
            np.ascontiguousarray(np.broadcast_to(pw, shape)).reshape(-1)
    return BinaryCrossEntropyWithLogits.apply(input, target, w, pw, mode)
