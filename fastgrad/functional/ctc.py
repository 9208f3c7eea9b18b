"""torch.nn.functional.ctc_loss: validation, torch's error messages and reductions around the array-level
CTCLoss Function (fastgrad/ops/ctc.py):

    loss_b = -log sum_{alignments pi of l_b} prod_t exp(log_probs[t, b, pi_t])

'mean' divides each loss by its target length (at least 1) and averages over the batch, as torch does.
The gradient with respect to log_probs is torch's, exp(log_probs) - occupancy / p(l | x): the form that is exact
for log_probs produced by a log_softmax (the usual case; the exp(log_probs) term vanishes through it).
"""
from numbers import Integral

import numpy as np

from fastgrad.functional import elementwise as E
from fastgrad.functional import reduce as R
from fastgrad.functional.shape import squeeze
from fastgrad.ops.ctc import CTCLoss
from fastgrad.tensor import Tensor

__all__ = ["ctc_loss"]

_CHECKING = "(while checking arguments for ctc_loss_allocate_outputs)"


def _lengths(lengths, name: str, n: int, tensors: bool) -> np.ndarray:
    """input_lengths / target_lengths as int64 (n,): a Tensor (integral, any shape with n elements) or a
    list/tuple of ints (the same kind for both lengths, as torch's two overloads require)."""
    if isinstance(lengths, Tensor) != tensors or not isinstance(lengths, (Tensor, list, tuple)) or \
            (not tensors and not all(isinstance(v, Integral) and not isinstance(v, bool) for v in lengths)):
        raise TypeError("ctc_loss(): input_lengths and target_lengths must both be Tensors or both be "
                        f"tuples of ints, got {type(lengths).__name__} for {name}")
    arr = lengths._data if tensors else np.asarray(lengths, dtype=np.int64)
    if tensors and arr.dtype.kind not in "iu":
        raise RuntimeError(f"{name} must be integral")
    arr = np.asarray(arr, dtype=np.int64).reshape(-1)
    if arr.size != n:
        raise RuntimeError(f"{name} must be of size batch_size")
    return arr


def _padded_targets(targets: Tensor, target_lengths: np.ndarray, n: int) -> np.ndarray:
    """targets as padded int64 (n, S): 2-D as given, 1-D (the concatenation of all targets) split by the
    target lengths; torch's messages for a wrong size."""
    tg = targets._data
    if tg.ndim == 1 or tg.ndim == 0:
        total = int(target_lengths.sum())
        if tg.size != total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got size {tg.size} "
                               f"for argument #2 'targets' {_CHECKING}")
        flat = tg.reshape(-1).astype(np.int64)
        s_max = int(target_lengths.max()) if n else 0
        out = np.zeros((n, s_max), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]]).astype(np.int64)
        for b in range(n):
            out[b, :target_lengths[b]] = flat[starts[b]:starts[b] + target_lengths[b]]
        return out
    if tg.ndim != 2:
        raise RuntimeError(f"ctc_loss: targets must be 1-D (concatenated) or 2-D (N, S), got shape {tuple(tg.shape)}")
    if tg.shape[0] != n:
        raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size {tg.shape[0]} "
                           f"for argument #2 'targets' {_CHECKING}")
    longest = int(target_lengths.max()) if n else 0
    if longest > tg.shape[1]:
        raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                           f"{tg.shape[1]} for argument #2 'targets' {_CHECKING}")
    return tg.astype(np.int64)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """CTC loss of log_probs (T, N, C) or (T, C) against targets (N, S) padded or 1-D concatenated:
    -log p(target | input) per sample, then 'mean' (divided by the target lengths, averaged), 'sum'
    or 'none'.  zero_infinity replaces infinite losses (no valid alignment) and their gradients by 0."""
    if not isinstance(log_probs, Tensor) or not isinstance(targets, Tensor):
        bad = "log_probs" if not isinstance(log_probs, Tensor) else "targets"
        raise TypeError(f"ctc_loss(): argument '{bad}' must be Tensor, not "
                        f"{type(log_probs if bad == 'log_probs' else targets).__name__}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    dt = log_probs._data.dtype
    if dt not in (np.float32, np.float64):
        name = {"i": "Long", "u": "Byte", "b": "Bool"}.get(dt.kind, "Half" if dt == np.float16 else "BFloat16")
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{name}'")
    if log_probs._data.ndim not in (2, 3):
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {log_probs._data.ndim}-dimensional tensor "
                           f"for argument #1 'log_probs' {_CHECKING}")
    if log_probs._data.size == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    batched = log_probs._data.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    t_max, n, c = lp._data.shape
    tensors = isinstance(input_lengths, Tensor)
    il = _lengths(input_lengths, "input_lengths", n, tensors)
    tl = _lengths(target_lengths, "target_lengths", n, tensors)
    if not isinstance(blank, Integral) or blank < 0 or blank >= c:
        raise RuntimeError("blank must be in label range")
    for name, arr, top in (("input_lengths", il, t_max), ("target_lengths", tl, None)):
        if arr.size and arr.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value {int(arr.min())} "
                               f"{_CHECKING}")
        if top is not None and arr.size and arr.max() > top:
            raise RuntimeError(f"Expected {name} to have value at most {top}, but got value {int(arr.max())} "
                               f"{_CHECKING}")
    padded = _padded_targets(targets, tl, n)
    used = np.arange(padded.shape[1])[None, :] < tl[:, None]
    if used.any() and (padded[used].min() < 0 or padded[used].max() >= c):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {c}) for log_probs of shape "
                           f"{tuple(log_probs.shape)}, got {int(padded[used].min())}..{int(padded[used].max())}")
    loss = CTCLoss.apply(lp, padded, il, tl, int(blank), bool(zero_infinity))
    if reduction == "none":
        return loss if batched else squeeze(loss, 0)
    if reduction == "sum":
        return R.sum(loss)
    per_char = Tensor._make(np.maximum(tl, 1).astype(dt), None)
    return R.mean(E.div(loss, per_char))
