"""Probabilistic and soft-margin losses beyond the common ones (torch.nn.functional's names and
semantics), composed from differentiable fastgrad ops so autograd needs no new kernel:

    kl_div                       t (log t - x)  or  e^t (t - x) with log_target; 'batchmean' = sum / N
    gaussian_nll_loss            (log max(var, eps) + (x - t)^2 / max(var, eps)) / 2  [+ log(2 pi) / 2]
    poisson_nll_loss             e^x - t x  or  x - t log(x + eps)  [+ Stirling term where t > 1]
    soft_margin_loss             log(1 + e^(-t x))
    multilabel_soft_margin_loss  -mean_C(w (t log sigmoid(x) + (1 - t) log sigmoid(-x)))

The shared helpers (reduction argument, float operands, broadcasting check) serve loss_margin.py too.
"""
import math
import warnings
from numbers import Number

import numpy as np

from fastgrad.functional import elementwise as E
from fastgrad.functional import reduce as R
from fastgrad.functional._promote import to_dtype
from fastgrad.functional.activation_more import logsigmoid
from fastgrad.functional.loss import legacy_reduction
from fastgrad.functional.shape import unsqueeze
from fastgrad.lowp import BF16, cast, values as lowp_values
from fastgrad.tensor import Tensor

__all__ = ["kl_div", "gaussian_nll_loss", "poisson_nll_loss", "soft_margin_loss", "multilabel_soft_margin_loss"]

_MODES = ("none", "mean", "sum")


def reduction_mode(op: str, size_average, reduce, reduction, allowed=_MODES) -> str:
    """The reduction string, honouring torch's deprecated size_average/reduce flags; ValueError
    naming the loss for an unknown string (torch's message after the loss's name)."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      "reduction='sum' or reduction='mean' instead.", UserWarning, stacklevel=3)
        return legacy_reduction(size_average, reduce)
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")
    return reduction


def reduce_loss(loss: Tensor, mode: str) -> Tensor:
    """'none' -> loss, 'sum' -> sum(loss), 'mean' -> mean(loss) (NaN for an empty loss, as torch)."""
    if mode == "none":
        return loss
    return R.sum(loss) if mode == "sum" else R.mean(loss)


def check_tensor(x, op: str, what: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(x).__name__}")
    return x


def check_broadcast(op: str, **named) -> tuple:
    """The broadcast shape of the named Tensors; RuntimeError naming the loss and every shape if
    they do not broadcast."""
    shapes = [tuple(check_tensor(t, op, k)._data.shape) for k, t in named.items()]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        desc = ", ".join(f"{k} {s}" for k, s in zip(named, shapes))
        raise RuntimeError(f"{op}: the shapes of {desc} do not broadcast") from None


def float_operands(op: str, **named) -> list:
    """The named Tensors as one float dtype (torch promotion; integer or bool operands take the
    float dtype of the others), after checking that their shapes broadcast (check_broadcast)."""
    check_broadcast(op, **named)
    ts = list(named.values())
    floats = [t._data.dtype for t in ts if t._data.dtype.kind in "fV"]
    if not floats:
        raise TypeError(f"{op}: expected floating-point inputs, got {', '.join(str(t._data.dtype) for t in ts)}")
    d = floats[0]
    for f in floats[1:]:
        if f != d:  # bfloat16 with another float: float32, or float64 if that is the other (torch)
            d = np.result_type(d, f) if d.kind == "f" and f.kind == "f" else \
                np.dtype(np.float64) if np.float64 in (d, f) else np.dtype(np.float32)
    return [t if t._data.dtype == d else to_dtype(t, d, False) for t in ts]


def values(t: Tensor) -> np.ndarray:
    """t's values as a numpy array numpy can compare (bfloat16 storage read as float32)."""
    return lowp_values(t._data)


def _xlogx(t: Tensor) -> Tensor:
    """t log t, 0 where t == 0 (torch's xlogy(t, t)); NaN for t < 0."""
    zero = values(t) == 0
    return E.where(zero, 0.0, E.mul(t, E.log(E.where(zero, 1.0, t))))


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """reduce(t (log t - x)) for log-probabilities x and probabilities t (or reduce(e^t (t - x)) when
    log_target); 'batchmean' divides the sum by input.size(0).  The target's gradient at t == 0 is 0
    (torch's xlogy gives NaN there)."""
    op = "kl_div"
    legacy = size_average is not None or reduce is not None
    if not legacy and reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    mode = reduction_mode(op, size_average, reduce, reduction, _MODES + ("batchmean",))
    for k, v in (("input", input), ("target", target)):
        if check_tensor(v, op, k)._data.dtype.kind not in "fV":
            raise RuntimeError(f"{op}: Integral inputs not supported ({k} of dtype {v._data.dtype}, shape "
                               f"{tuple(v.shape)}).")
    x, t = float_operands(op, input=input, target=target)
    if log_target:
        loss = E.mul(E.exp(t), E.sub(t, x))
    else:
        loss = E.sub(_xlogx(t), E.mul(t, x))
    out = reduce_loss(loss, "sum" if mode == "batchmean" else mode)
    if reduction == "batchmean" and x.dim() != 0:
        out = E.div(out, x.shape[0])
    return out


def _var_shape(var: Tensor, shape: tuple, op: str) -> Tensor:
    """var as torch broadcasts it against the input: same shape; one dim short (unsqueezed last);
    or same rank with exactly one mismatched dim of size 1.  Anything else: ValueError."""
    vs = tuple(var._data.shape)
    if vs == shape:
        return var
    if shape[:-1] == vs:
        return unsqueeze(var, -1)
    if len(shape) == len(vs) and sum(v for s, v in zip(shape, vs) if s != v) == 1:
        return var
    raise ValueError(f"{op}: var is of incorrect size: var {vs} for input {shape}")


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """reduce((log v + (x - t)^2 / v) / 2 [+ log(2 pi) / 2]) with v = max(var, eps); the clamp is
    outside autograd, as torch (var's gradient is taken at v even where var < eps)."""
    op = "gaussian_nll_loss"
    check_tensor(input, op, "input")
    if isinstance(var, Number) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries")
        d = input._data.dtype
        v = np.full(input._data.shape, max(float(var), eps), np.float32 if d == BF16 else d)
        var = Tensor._make(cast(v, d) if d == BF16 else v)
    else:
        check_tensor(var, op, "var")
        if (values(var) < 0).any():
            raise ValueError(f"{op}: var has negative entry/entries")
        var = _var_shape(var, tuple(input._data.shape), op)
    if not isinstance(reduction, str) or reduction not in _MODES:
        raise ValueError(f"{op}: {reduction} is not valid")
    x, t, v = float_operands(op, input=input, target=target, var=var)
    small = values(v) < eps
    if small.any():  # v - v.detach() is exactly 0 forward and passes the gradient straight through
        v = E.where(small, E.add(E.sub(v, v.detach()), eps), v)
    d = E.sub(x, t)
    loss = E.mul(E.add(E.log(v), E.div(E.mul(d, d), v)), 0.5)
    if full:
        loss = E.add(loss, 0.5 * math.log(2 * math.pi))
    return reduce_loss(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """reduce(e^x - t x) (log_input) or reduce(x - t log(x + eps)); with full, plus the Stirling term
    t log t - t + log(2 pi t) / 2 where t > 1."""
    op = "poisson_nll_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)
    x, t = float_operands(op, input=input, target=target)
    if log_input:
        loss = E.sub(E.exp(x), E.mul(t, x))
    else:
        loss = E.sub(x, E.mul(t, E.log(E.add(x, eps))))
    if full:
        big = values(t) > 1
        ts = E.where(big, t, 2.0)  # a safe value where the term is masked (no NaN in its gradient)
        term = E.add(E.sub(E.mul(ts, E.log(ts)), ts), E.mul(E.log(E.mul(ts, 2 * math.pi)), 0.5))
        loss = E.add(loss, E.where(big, term, 0.0))
    return reduce_loss(loss, mode)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """reduce(log(1 + exp(-t x))) for targets t in {1, -1}; the target broadcasts to the input's shape."""
    op = "soft_margin_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)
    x, t = float_operands(op, input=input, target=target)
    if np.broadcast_shapes(x._data.shape, t._data.shape) != x._data.shape:  # any reduction, as torch
        raise RuntimeError(f"{op}: output with shape {list(x.shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(x._data.shape, t._data.shape))}")
    return reduce_loss(E.log1p(E.exp(E.neg(E.mul(x, t)))), mode)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """reduce over samples of -mean over the classes (last dim) of
    w (t log sigmoid(x) + (1 - t) log sigmoid(-x))."""
    op = "multilabel_soft_margin_loss"
    if size_average is not None or reduce is not None:
        reduction = reduction_mode(op, size_average, reduce, reduction)
    if not isinstance(reduction, str) or reduction not in _MODES:
        raise ValueError(f"{op}: {reduction} is not valid")
    named = {"input": input, "target": target} if weight is None else \
        {"input": input, "target": target, "weight": weight}
    ops = float_operands(op, **named)
    x, t = ops[0], ops[1]
    if x.dim() == 0:
        raise IndexError(f"{op}: input must have a class dimension, got a 0-d tensor")
    loss = E.neg(E.add(E.mul(t, logsigmoid(x)), E.mul(E.sub(1.0, t), logsigmoid(E.neg(x)))))
    if weight is not None:
        loss = E.mul(loss, ops[2])
    class_dim = x.dim() - 1  # the input's last dim (torch's choice, even if the target adds dims)
    loss = E.div(R.sum(loss, class_dim), x.shape[class_dim])
    return reduce_loss(loss, reduction)
