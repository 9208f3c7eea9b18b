"""Loss functions with torch's signatures and semantics: every argument is validated here (dtypes,
shapes, targets, weights, the deprecated size_average/reduce flags), then ops/loss.py runs.
mse_loss tests its training-loop case (two float tensors of one dtype and shape) first."""
import warnings

import numpy as np

from fastgrad.lowp import cast as lowp_cast, via_float32
from fastgrad.functional._promote import KERNEL_DTYPES, check_kernel_dtype, to_dtype
from fastgrad.functional.elementwise import div, mul
from fastgrad.functional.reduce import mean, sum
from fastgrad.functional.shape import expand
from fastgrad.ops.common import check_float, contiguous
from fastgrad.ops.loss import (MEAN, NONE, SUM, BinaryCrossEntropy, BinaryCrossEntropyWithLogits,
                               CrossEntropy, CrossEntropyProbs, HuberLoss, L1Loss, MSELoss, NLLLoss,
                               SmoothL1Loss, bad_target)
from fastgrad.tensor import Size, Tensor

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "legacy_reduction"]

_REDUCTIONS = {"none": NONE, "mean": MEAN, "sum": SUM}
_apply_mse = MSELoss.apply2


def legacy_reduction(size_average, reduce) -> str:
    """torch's mapping of the deprecated size_average/reduce flags to ``reduction``."""
    sa = True if size_average is None else size_average
    rd = True if reduce is None else reduce
    return "mean" if sa and rd else "sum" if rd else "none"


def _reduction(size_average, reduce, reduction):
    """The reduction code, honouring torch's deprecated size_average/reduce arguments."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      "reduction='sum' or reduction='mean' instead.", UserWarning, stacklevel=3)
        reduction = legacy_reduction(size_average, reduce)
    mode = _REDUCTIONS.get(reduction) if isinstance(reduction, str) else None
    if mode is None:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return mode


def _tensor(x, op, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(x).__name__}")
    return x


def _size(shape):
    return repr(Size(shape))


def _pointwise_pair(input, target, op):
    """(input, target) as float Tensors of one dtype and one (broadcast) shape, as torch."""
    _tensor(input, op, "input")
    _tensor(target, op, "target")
    di, dt = input._data.dtype, target._data.dtype
    if di.kind not in "fV":
        raise TypeError(f"{op}: expected a floating-point input, got {di}")
    if dt.kind not in "fV":
        target = to_dtype(target, di, False)
    elif dt != di:
        d = np.result_type(di, dt)
        input, target = to_dtype(input, d, False), to_dtype(target, d, False)
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
            input = expand(input, shape)
        if st != shape:
            target = expand(target, shape)
    check_kernel_dtype(input._data.dtype, op)  # float16: TypeError naming the op (no kernels)
    return input, target


def _weighted(loss_none, weight, input, mode, mean_by_weight, op):
    """torch 2.x's optional elementwise ``weight``: reduce(loss * weight); 'mean' divides by
    sum(weight) (mse, l1) or by the element count (huber).  Composed from tensor ops."""
    _tensor(weight, op, "weight")
    if weight._data.shape != input._data.shape:
        raise ValueError(f"{op}: Weights and input must have the same size.")
    loss = mul(loss_none, weight)
    if mode == NONE:
        return loss
    if mode == SUM:
        return sum(loss)
    return div(sum(loss), sum(weight)) if mean_by_weight else mean(loss)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor = None) -> Tensor:
    """reduce((input - target)^2)  (optionally weighted elementwise, as torch 2.x)."""
    if weight is None and size_average is None and reduce is None and isinstance(input, Tensor) \
            and isinstance(target, Tensor) and type(reduction) is str:  # the training-loop case first
        xi, ti = input._data, target._data
        mode = _REDUCTIONS.get(reduction)
        if xi.dtype is ti.dtype and xi.dtype in KERNEL_DTYPES and xi.shape == ti.shape and mode is not None:
            return _apply_mse(input, target, mode)
    mode = _reduction(size_average, reduce, reduction)
    x, t = _pointwise_pair(input, target, "mse_loss")
    if weight is not None:
        return _weighted(MSELoss.apply(x, t, NONE), weight, input, mode, True, "mse_loss")
    return MSELoss.apply(x, t, mode)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor = None) -> Tensor:
    """reduce(|input - target|)  (optionally weighted elementwise, as torch 2.x)."""
    mode = _reduction(size_average, reduce, reduction)
    x, t = _pointwise_pair(input, target, "l1_loss")
    if weight is not None:
        return _weighted(L1Loss.apply(x, t, NONE), weight, input, mode, True, "l1_loss")
    return L1Loss.apply(x, t, mode)


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
    if tg.dtype.kind in "fV" and tg.shape == x.shape and x.ndim > 0:
        check_float(x, "cross_entropy")
        w = None
        if weight is not None:
            c = x.shape[1] if x.ndim > 1 else x.shape[0]
            _tensor(weight, "cross_entropy", "weight")
            if weight._data.shape != (c,):
                raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {c} "
                                   f"classes or no classes but got weight tensor of shape: "
                                   f"{list(weight._data.shape)}")
            w = weight._data.astype(x.dtype, copy=False) if x.dtype.kind != "V" else lowp_cast(weight._data, x.dtype)
        if tg.dtype != x.dtype:
            target = to_dtype(target, x.dtype, False)
        return CrossEntropyProbs.apply(input, target, w, ls, mode)
    t, w, out_shape = _class_args(input, target, weight, "cross_entropy")
    return CrossEntropy.apply(input, t, w, int(ignore_index), ls, mode, out_shape)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` at the target classes."""
    mode = _reduction(size_average, reduce, reduction)
    t, w, out_shape = _class_args(input, target, weight, "nll_loss")
    x = input._data
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    ignore_index = int(ignore_index)
    if t.size and (((t < 0) | (t >= c)) & (t != ignore_index)).any():
        raise bad_target(t, c, ignore_index, "nll_loss")
    return NLLLoss.apply(input, t, w, ignore_index, mode, out_shape)


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
    return w.astype(dtype, copy=False) if dtype.kind != "V" else lowp_cast(w, dtype)  # ("V": bfloat16)


def _same_size(input, target, op, fmt):
    if input._data.shape != target._data.shape:
        raise ValueError(fmt.format(t=_size(target._data.shape), i=_size(input._data.shape)))


def _bce_range_error(p, t, op):
    """torch's error for the first element (in order) whose input or target is outside [0, 1]
    (NaN included): the input is checked before the target of the same element."""
    bad_p = ~((p >= 0) & (p <= 1))
    bad = np.flatnonzero((bad_p | ~((t >= 0) & (t <= 1))).reshape(-1))[0]
    what = "input" if bad_p.reshape(-1)[bad] else "target"
    return RuntimeError(f"{op}: all elements of {what} should be between 0 and 1")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-w (t log p + (1 - t) log(1 - p)) for probabilities ``input`` and ``target`` in [0, 1]
    (RuntimeError otherwise, NaN included, as torch)."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(binary_cross_entropy, input, target, weight, size_average, reduce, reduction)
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
    t = target._data
    if p.size and not (p.min() >= 0 and p.max() <= 1 and t.min() >= 0 and t.max() <= 1):
        raise _bce_range_error(p, t, op)
    w = _weight_array(weight, p.shape, p.dtype, op)
    return BinaryCrossEntropy.apply(input, target, w, mode)


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
        d = np.result_type(di, dt) if dt.kind in "fV" else di
        input, target = to_dtype(input, d, False), to_dtype(target, d, False)
    shape, dtype = input._data.shape, input._data.dtype
    w = _weight_array(weight, shape, dtype, op)
    pw = _weight_array(pos_weight, shape, dtype, op, "pos_weight")
    if pw is not None:
        pw = np.ascontiguousarray(pw).reshape(-1) if pw.size == 1 else \
            np.ascontiguousarray(np.broadcast_to(pw, shape)).reshape(-1)
    return BinaryCrossEntropyWithLogits.apply(input, target, w, pw, mode)
