"""F.embedding_bag at the Tensor level: torch's argument checks and messages, then differentiable gathers and an
``index_add`` into the bags.

    sum:  y[b] = sum_{e in bag b, idx[e] != padding_idx} w_e weight[idx[e]]     (w_e = per_sample_weights or 1)
    mean: y[b] = that sum / the number of its non-padding entries (0 for an empty bag)
    max:  y[b, d] = max over the bag's non-padding entries of weight[idx[e], d]  (0 for an empty bag; the
          gradient goes to the first maximum)
"""
import numpy as np

from fastgrad import dtypes
from fastgrad.autograd.grad_mode import no_grad
from fastgrad.lowp import LOWP, cast, values
from fastgrad.functional._promote import to_dtype
from fastgrad.functional.elementwise import div, mul
from fastgrad.functional.gather_scatter import index_add, index_select
from fastgrad.functional.indexing import gather
from fastgrad.functional.shape import reshape
from fastgrad.tensor import Tensor

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _ints(t, what):
    a = t._data if isinstance(t, Tensor) else np.asarray(t)
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 '{what}' to have one of the following scalar types: "
                           f"Long, Int; but got {dtypes.dtype_name(a.dtype)} instead (while checking arguments for "
                           f"embedding_bag)")
    return a.astype(np.int64, copy=False)


def _bags(idx, offsets, include_last_offset):
    """(flat indices, bag id per entry, entry mask of the entries inside a bag, number of bags)."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        b, n = idx.shape
        if b and not n:
            raise RuntimeError(f"embedding_bag: a 2-D input of {b} bags of length 0 (input of size {list(idx.shape)})")
        return idx.reshape(-1), np.repeat(np.arange(b), n), np.ones(b * n, bool), b
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    off = _ints(offsets, "offsets")
    if off.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    n = idx.shape[0]
    if off.size:
        if off[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                               f"position 0. However, got {int(off[0])}")
        if off[-1] > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of "
                               f"{int(off[-1])}")
        if np.any(np.diff(off) < 0):
            raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {off.tolist()}")
    starts = off[:-1] if include_last_offset else off
    end = (int(off[-1]) if include_last_offset else n) if off.size else 0
    pos = np.arange(n)
    bag = np.searchsorted(starts, pos, side="right") - 1
    return idx, bag, (pos < end) & (bag >= 0), starts.size


def embedding_bag(input, weight: Tensor, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq=False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows: a 1-D ``input`` split into bags at ``offsets``, or a 2-D
    input of B bags of equal length; entries equal to ``padding_idx`` are left out."""
    if not isinstance(weight, Tensor) or weight._data.dtype.kind not in "fV":
        got = dtypes.dtype_name(weight._data.dtype) if isinstance(weight, Tensor) else type(weight).__name__
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have one of the following scalar types: Half, "
                           f"BFloat16, Float, Double; but got {got} instead (while checking arguments for "
                           f"embedding_bag)")
    idx = _ints(input, "indices")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if idx.ndim not in (1, 2):
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      f"on GitHub.")
        if tuple(per_sample_weights.shape) != idx.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({list(idx.shape)})")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not supported")
    num, dim = weight._data.shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, {-num} through {num - 1}, "
                               f"but got {padding_idx}")
        padding_idx = padding_idx + num if padding_idx < 0 else padding_idx
    flat, bag, inside, nbags = _bags(idx, offsets, include_last_offset)
    bad = np.flatnonzero((flat < 0) | (flat >= num))
    if bad.size:
        raise RuntimeError(f"Index {int(bad[0])} of input takes value {int(flat[bad[0]])} which is not in the valid "
                           f"range [0, {num})")
    keep = inside if padding_idx is None else inside & (flat != padding_idx)
    entries = np.flatnonzero(keep)
    rows, bag = flat[entries], bag[entries]
    if max_norm is not None and rows.size:
        with no_grad():
            w = weight._data
            u = np.unique(rows)
            v = values(w[u]).astype(np.float64)
            norms = np.linalg.norm(v, ord=norm_type, axis=1)
            w[u] = cast(v * np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)[:, None], w.dtype)
    dt = weight._data.dtype
    vecs = index_select(weight, 0, rows)                                             # (K, D)
    if dt in LOWP:  # float16 / bfloat16: in float32, rounded once at the end (as torch's CPU)
        vecs = to_dtype(vecs, np.dtype(np.float32))
        if per_sample_weights is not None:
            per_sample_weights = to_dtype(per_sample_weights, np.dtype(np.float32))
    out = _bag_reduce(vecs, rows, bag, entries, nbags, dim, mode, per_sample_weights)
    return to_dtype(out, dt) if dt in LOWP else out


def _bag_reduce(vecs, rows, bag, entries, nbags, dim, mode, per_sample_weights):
    """The (nbags, dim) sums, means or maxima of the gathered rows ``vecs`` (entry k in bag ``bag[k]``)."""
    out = Tensor._make(np.zeros((nbags, dim), vecs._data.dtype))
    if mode == "max":
        if not rows.size:
            return out
        starts = np.flatnonzero(np.r_[True, bag[1:] != bag[:-1]])                 # entries are grouped by bag
        vals = vecs._data
        best = np.maximum.reduceat(vals, starts, axis=0)
        pos = np.where(vals == best[np.repeat(np.arange(starts.size), np.diff(np.r_[starts, rows.size]))],
                       np.arange(rows.size)[:, None], rows.size)
        first = np.minimum.reduceat(pos, starts, axis=0)                            # the first maximum per column
        return index_add(out, 0, bag[starts], gather(vecs, 0, first.astype(np.int64)))
    if mode == "sum" and per_sample_weights is not None:
        psw = index_select(reshape(per_sample_weights, (-1,)), 0, entries)
        vecs = mul(vecs, reshape(psw, (-1, 1)))
    out = index_add(out, 0, bag, vecs)
    if mode == "mean":
        count = np.maximum(np.bincount(bag, minlength=nbags), 1).astype(vecs._data.dtype)
        out = div(out, Tensor._make(count[:, None]))
    return out
