"""Counting: ``histc`` (equal bins over [min, max]), ``histogram`` (bins as a count or as edges,
weights, density), its D-dimensional form ``histogramdd`` and ``bincount``, with torch's dtypes,
defaults and errors.  No gradients
(torch has none either)."""
from collections import namedtuple

import numpy as np

from fastgrad.lowp import via_float32
from fastgrad.return_types import histogramdd as _HistogramddResult
from fastgrad.tensor import Tensor

__all__ = ["histc", "histogram", "histogramdd", "bincount", "HistogramResult"]

HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])  # torch.return_types.histogram
_make = Tensor._make
_NAME = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
         "float32": "Float", "float64": "Double", "float16": "Half"}


def _float_input(input, kernel, op):
    d = input._data.dtype
    if d.kind not in "fV":
        raise NotImplementedError(f'{op}: "{kernel}" not implemented for \'{_NAME.get(d.name, d.name)}\'')
    return input._data


def _range(x, lo, hi):
    """torch's default range: the data's min and max when both bounds are 0; widened by 1 on
    each side when it is empty."""
    if lo == hi == 0 and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return lo, hi


def _counts(x, w, lo, hi, bins, dt):
    """Equal-width bin counts of x over [lo, hi] (values outside ignored, hi in the last bin)."""
    keep = (x >= lo) & (x <= hi)
    pos = ((x[keep].astype(dt) - dt.type(lo)) * dt.type(bins) / (dt.type(hi) - dt.type(lo))).astype(np.int64)
    idx = np.minimum(pos, bins - 1)
    return np.bincount(idx, weights=None if w is None else w[keep], minlength=bins).astype(dt)


def histc(input, bins=100, min=0, max=0, *, out=None) -> Tensor:  # noqa: A002  (torch's names)
    """Counts of input's elements in ``bins`` equal bins over [min, max] (default: the data's range)."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(histc, input, bins, min, max, out=out)
    x = _float_input(input, "histogram_cpu", "histc").ravel()
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(min) and np.isfinite(max)):
        raise RuntimeError(f"torch.histc: range of [{min}, {max}] is not finite")
    lo, hi = _range(x, min, max)
    return _make(_counts(x, None, lo, hi, int(bins), x.dtype))


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """(hist, bin_edges): ``bins`` equal bins over ``range`` (default the data's) or the given
    increasing edges (a 1-D tensor); optional per-element ``weight``; ``density`` normalises to
    a probability density."""
    x = _float_input(input, "histogramdd", "histogram").ravel()
    dt = x.dtype
    w = None if weight is None else weight._data.ravel().astype(np.float64)
    if w is not None and w.shape != x.shape:
        raise RuntimeError("torch.histogram(): if weight tensor is provided it should have the same shape "
                           "as the input tensor")
    if isinstance(bins, Tensor):
        edges = bins._data.astype(dt)
        if edges.ndim != 1 or edges.size < 1:
            raise RuntimeError("torch.histogram(): bins tensor should have one dimension")
        if (np.diff(edges) < 0).any():
            raise RuntimeError("torch.histogram(): bin edges must be monotonically increasing")
        hist, _ = np.histogram(x, edges.astype(np.float64), weights=w)
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        lo, hi = (0, 0) if range is None else range
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {lo} max {hi}")
        lo, hi = _range(x, lo, hi)
        edges = np.linspace(lo, hi, int(bins) + 1).astype(dt)
        hist = _counts(x, w, lo, hi, int(bins), np.dtype(np.float64))
    hist = hist.astype(np.float64)
    if density:
        total = hist.sum()
        hist = hist / (total * np.diff(edges.astype(np.float64))) if total else hist
    return HistogramResult(_make(hist.astype(dt)), _make(np.ascontiguousarray(edges)))


def _dd_edges(x, bins, rng, dt):
    """The bin edges of each of the D dims (int bins: equal bins over the range or the data's)."""
    dims = x.shape[1]
    if isinstance(bins, Tensor) or (isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor)):
        bins = list(bins) if isinstance(bins, (list, tuple)) else [bins]
        if len(bins) != dims:
            raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
        edges = []
        for k, b in enumerate(bins):
            e = b._data.astype(dt)
            if e.ndim != 1 or e.size < 1:
                raise RuntimeError(f"torch.histogramdd(): bins tensor should have one dimension, but got {e.ndim} "
                                   f"dimensions in the bins tensor for dimension {k}")
            if (np.diff(e) < 0).any():
                raise RuntimeError(f"torch.histogramdd(): bin edges must be monotonically increasing for "
                                   f"dimension {k}")
            edges.append(e)
        return edges, False
    counts = [int(bins)] * dims if isinstance(bins, (int, np.integer)) else [int(b) for b in bins]
    if len(counts) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if rng is not None and len(rng) != 2 * dims:
        raise RuntimeError(f"torch.histogramdd: for a {dims}-dimensional histogram range should have "
                           f"{2 * dims} elements, but got {len(rng)}")
    edges = []
    for k, n in enumerate(counts):
        if n <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension {k}")
        if rng is not None:
            lo, hi = float(rng[2 * k]), float(rng[2 * k + 1])
            if lo > hi:
                raise RuntimeError(f"torch.histogramdd(): min should not exceed max, but got min {lo} max {hi} for "
                                   f"dimension {k}")
        else:
            col = x[:, k]
            lo, hi = (float(col.min()), float(col.max())) if col.size else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(np.linspace(lo, hi, n + 1).astype(dt))
    return edges, True


def histogramdd(input, bins, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """(hist, bin_edges) of the points in input's last dim (shape (..., D)): ``bins`` a count for
    every dim, one count per dim, or one tensor of increasing edges per dim; ``range`` as
    [min0, max0, min1, max1, ...]; optional per-point ``weight``; ``density`` normalises to a
    probability density over the D-dimensional bins."""
    if out is not None:
        raise NotImplementedError("histogramdd: out= is not supported")
    a = _float_input(input, "histogramdd", "histogramdd")
    if a.dtype.itemsize == 2:   # as torch's CPU: no float16/bfloat16 kernel
        name = "Half" if a.dtype.kind == "f" else "BFloat16"
        raise NotImplementedError(f'"histogramdd" not implemented for \'{name}\'')
    if a.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    dt = a.dtype
    x = a.reshape(-1, a.shape[-1])
    w = None
    if weight is not None:
        if weight._data.shape != a.shape[:-1]:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as "
                               f"the input tensor excluding its innermost dimension, but got input with shape "
                               f"{list(a.shape)} and weight with shape {list(weight._data.shape)}")
        w = weight._data.reshape(-1).astype(np.float64)
    edges, uniform = _dd_edges(x, bins, range, dt)
    keep = np.ones(x.shape[0], bool)
    cols = []
    for k, e in enumerate(edges):
        v = x[:, k]
        lo, hi = e[0], e[-1]
        keep &= (v >= lo) & (v <= hi)
        nb = e.size - 1
        if uniform:   # as histc: the position by linear interpolation (the right edge in the last bin)
            with np.errstate(all="ignore"):
                pos = ((v.astype(dt) - lo) * dt.type(nb) / (hi - lo))
            idx = np.where(np.isfinite(pos), pos, 0).astype(np.int64)
        else:
            idx = np.searchsorted(e, v, side="right") - 1
        cols.append(np.clip(idx, 0, max(nb - 1, 0)))
    shape = tuple(max(e.size - 1, 0) for e in edges)
    hist = np.zeros(shape, np.float64)
    if all(shape) and keep.any():
        flat = np.ravel_multi_index(tuple(c[keep] for c in cols), shape)
        hist = np.bincount(flat, weights=None if w is None else w[keep], minlength=int(np.prod(shape))
                           ).astype(np.float64).reshape(shape)
    if density:
        total = hist.sum()
        if total:
            hist = hist / total
            for k, e in enumerate(edges):
                widths = np.diff(e.astype(np.float64))
                hist = hist / widths.reshape((1,) * k + (-1,) + (1,) * (len(edges) - k - 1))
    return _HistogramddResult(_make(np.asarray(hist.astype(dt), order="C")),
                   tuple(_make(np.ascontiguousarray(e)) for e in edges))


def bincount(input, weights=None, minlength=0) -> Tensor:
    """How often each non-negative integer occurs in the 1-D ``input`` (summing ``weights``
    instead when given): length max(input) + 1, at least ``minlength``."""
    x = input._data
    if x.dtype.kind not in "iub":
        name = _NAME.get(x.dtype.name, x.dtype.name)
        raise NotImplementedError(f'bincount: "bincount_cpu" not implemented for \'{name}\'')
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount: bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("bincount: minlength should be >= 0")
    if weights is None:
        return _make(np.bincount(x.astype(np.int64), minlength=minlength).astype(np.int64))
    wd = weights._data
    if wd.shape != x.shape:
        raise RuntimeError("bincount: weights should be 1-d and have the same length as input")
    out = np.bincount(x.astype(np.int64), weights=wd.astype(np.float64), minlength=minlength)
    return _make(out.astype(wd.dtype if wd.dtype.kind in "fV" else np.float64))


TENSOR_METHODS = {"histc": histc, "histogram": histogram, "bincount": bincount}
