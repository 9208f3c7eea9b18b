"""Op cases for prod, logsumexp, the scans and the sorting/selection family (see test_ops.py).
Values and indices ops are checked on their values (named take_along, the Function that carries
their gradients); the indices are checked in tests/ops/test_sort_*.py."""
import numpy as np

import fastgrad as fg
from opcases.common import _n, case


def _t():
    import torch
    return torch


def _zeros(shape, at):
    """standard normal with exact zeros at the flat positions ``at`` (prod's and cumprod's zero rules)"""
    def make(rng):
        a = rng.standard_normal(shape)
        a.ravel()[list(at)] = 0.0
        return [a]
    return make


def _lse(a, axis):
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def _lcse(a, axis):
    return np.log(np.cumsum(np.exp(a), axis=axis))


def _lower_median(a, axis):
    s = np.sort(a, axis=axis)
    return np.take(s, (a.shape[axis] - 1) // 2, axis=axis)


def _mode_ref(a):
    """the mode of rows of small integers stored as floats: the smallest of the most frequent"""
    out = []
    for row in a.reshape(-1, a.shape[-1]):
        vals, counts = np.unique(row, return_counts=True)
        out.append(vals[np.argmax(counts)])
    return np.asarray(out).reshape(a.shape[:-1])


def _ints(shape, hi):
    return lambda rng: [rng.integers(0, hi, shape).astype(np.float64) + rng.uniform(0, 0, shape)]


CASES = [
    # -- prod: all elements, along a dim, keepdim, with one and with two zeros
    case("prod", lambda a: a.prod(), lambda a: np.asarray(a.prod()), _n((3, 4)), "all", torch=lambda a: a.prod()),
    case("prod", lambda a: fg.prod(a, 1), lambda a: a.prod(1), _n((3, 5, 2)), "dim1",
         torch=lambda a: _t().prod(a, 1)),
    case("prod", lambda a: a.prod(-1, keepdim=True), lambda a: a.prod(-1, keepdims=True), _n((4, 7)), "last-keep",
         torch=lambda a: a.prod(-1, keepdim=True)),
    case("prod", lambda a: a.prod(0), lambda a: a.prod(0), _zeros((4, 3), [1, 5, 8, 2]), "zeros",
         torch=lambda a: a.prod(0)),
    case("prod", lambda a: a.prod(), lambda a: np.asarray(a.prod()), _zeros((5,), [2]), "one-zero-all",
         torch=lambda a: a.prod()),
    case("prod", lambda a: a.prod(1), lambda a: a.prod(1), _n((2, 0)), "empty"),
    case("prod", lambda a: a.prod(0), lambda a: a.prod(0), _n(()), "0d"),
    # -- logsumexp: one dim, several dims (adjacent and not), keepdims alias
    case("logsumexp", lambda a: fg.logsumexp(a, 1), lambda a: _lse(a, 1), _n((3, 6)), "rows",
         torch=lambda a: _t().logsumexp(a, 1)),
    case("logsumexp", lambda a: a.logsumexp(0), lambda a: _lse(a, 0), _n((5, 3, 2)), "strided",
         torch=lambda a: a.logsumexp(0)),
    case("logsumexp", lambda a: a.logsumexp((0, 2), keepdim=True),
         lambda a: np.log(np.exp(a).sum((0, 2), keepdims=True)), _n((2, 3, 4)), "not-adjacent",
         torch=lambda a: a.logsumexp((0, 2), keepdim=True)),
    case("logsumexp", lambda a: a.logsumexp(axis=-1, keepdims=True), lambda a: _lse(a, -1)[..., None], _n((4, 5)),
         "numpy-names"),
    # -- scans
    case("cumsum", lambda a: a.cumsum(1), lambda a: np.cumsum(a, 1), _n((3, 7)), "rows",
         torch=lambda a: a.cumsum(1)),
    case("cumsum", lambda a: fg.cumsum(a, 0), lambda a: np.cumsum(a, 0), _n((6, 2, 3)), "strided",
         torch=lambda a: _t().cumsum(a, 0)),
    case("cumsum", lambda a: a.cumsum(axis=0), lambda a: np.cumsum(a, 0), _n((5,)), "1d"),
    case("cumsum", lambda a: a.cumsum(0), lambda a: a.copy(), _n(()), "0d"),
    case("cumsum", lambda a: a.cumsum(1), lambda a: np.cumsum(a, 1), _n((2, 0)), "empty"),
    case("cumprod", lambda a: a.cumprod(1), lambda a: np.cumprod(a, 1), _n((3, 6)), "rows",
         torch=lambda a: a.cumprod(1)),
    case("cumprod", lambda a: a.cumprod(0), lambda a: np.cumprod(a, 0), _n((5, 4)), "strided",
         torch=lambda a: a.cumprod(0)),
    case("cumprod", lambda a: a.cumprod(1), lambda a: np.cumprod(a, 1), _zeros((3, 6), [0, 8, 9, 15, 17]), "zeros",
         torch=lambda a: a.cumprod(1)),
    case("logcumsumexp", lambda a: a.logcumsumexp(1), lambda a: _lcse(a, 1), _n((3, 8)), "rows",
         torch=lambda a: a.logcumsumexp(1)),
    case("logcumsumexp", lambda a: fg.logcumsumexp(a, 0), lambda a: _lcse(a, 0), _n((6, 3)), "strided",
         torch=lambda a: _t().logcumsumexp(a, 0)),
    # -- values of the selections (their Function: take_along)
    case("take_along", lambda a: a.sort(1).values, lambda a: np.sort(a, 1), _n((3, 6)), "sort",
         torch=lambda a: a.sort(1).values),
    case("take_along", lambda a: fg.sort(a, 0, descending=True).values, lambda a: -np.sort(-a, 0), _n((5, 3)),
         "sort-desc", torch=lambda a: _t().sort(a, 0, descending=True).values),
    case("take_along", lambda a: fg.msort(a), lambda a: np.sort(a, 0), _n((4, 3)), "msort",
         torch=lambda a: _t().msort(a)),
    case("take_along", lambda a: a.topk(3).values, lambda a: -np.sort(-a, -1)[..., :3], _n((4, 9)), "topk",
         torch=lambda a: a.topk(3).values),
    case("take_along", lambda a: a.topk(2, dim=0, largest=False).values, lambda a: np.sort(a, 0)[:2], _n((70, 3)),
         "topk-small", torch=lambda a: a.topk(2, dim=0, largest=False).values),
    case("take_along", lambda a: a.kthvalue(2, 1).values, lambda a: np.sort(a, 1)[:, 1], _n((3, 5)), "kthvalue",
         torch=lambda a: a.kthvalue(2, 1).values),
    case("take_along", lambda a: a.median(1).values, lambda a: _lower_median(a, 1), _n((3, 6)), "median-dim",
         torch=lambda a: a.median(1).values),
    case("take_along", lambda a: a.nanmedian(0, keepdim=True).values, lambda a: _lower_median(a, 0)[None],
         _n((5, 2)), "nanmedian-dim", torch=lambda a: a.nanmedian(0, keepdim=True).values),
    case("take_along", lambda a: a.mode(1).values, _mode_ref, _ints((3, 9), 3), "mode", grad=False),
    case("take_along", lambda a: a.cummax(1).values, lambda a: np.maximum.accumulate(a, 1), _n((3, 6)), "cummax",
         torch=lambda a: a.cummax(1).values),
    case("take_along", lambda a: fg.cummin(a, 0).values, lambda a: np.minimum.accumulate(a, 0), _n((6, 2)),
         "cummin", torch=lambda a: _t().cummin(a, 0).values),
    case("take_along", lambda a: a.quantile(0.3, dim=1), lambda a: np.quantile(a, 0.3, axis=1), _n((3, 7)),
         "quantile", torch=lambda a: a.quantile(0.3, dim=1)),
    case("take_along", lambda a: fg.quantile(a, fg.tensor([0.25, 0.5, 0.9], dtype=a.dtype), keepdim=True),
         lambda a: np.quantile(a, [0.25, 0.5, 0.9], keepdims=True), _n((4, 5)), "quantile-q-tensor"),
    case("take_along", lambda a: a.quantile(0.4, dim=0, interpolation="midpoint"),
         lambda a: np.quantile(a, 0.4, axis=0, method="midpoint"), _n((6, 3)), "quantile-midpoint",
         torch=lambda a: a.quantile(0.4, dim=0, interpolation="midpoint")),
    case("take_along", lambda a: a.nanquantile(0.7, dim=1, interpolation="nearest"),
         lambda a: np.quantile(a, 0.7, axis=1, method="nearest"), _n((3, 6)), "nanquantile-nearest"),
    case("evenly_distributed", lambda a: a.median(), lambda a: np.asarray(_lower_median(a.ravel(), 0)), _n((3, 4)),
         "median", torch=lambda a: a.median()),
    case("evenly_distributed", lambda a: fg.nanmedian(a), lambda a: np.asarray(_lower_median(a.ravel(), 0)),
         _n((7,)), "nanmedian", torch=lambda a: _t().nanmedian(a)),
    # -- composites of the reduce family's ops
    case("amax_amin", lambda a: fg.aminmax(a, dim=1).max, lambda a: a.max(1), _n((3, 4)), "aminmax",
         torch=lambda a: _t().aminmax(a, dim=1).max),
    case("var", lambda a: fg.var_mean(a, 1)[0], lambda a: a.var(1, ddof=1), _n((3, 5)), "var_mean",
         torch=lambda a: _t().var_mean(a, 1)[0]),
    case("mean", lambda a: fg.std_mean(a, axis=0, correction=0)[1], lambda a: a.mean(0), _n((4, 3)), "std_mean"),
    case("sum", lambda a: fg.nansum(a, 1), lambda a: np.nansum(a, 1), _n((3, 4)), "nansum",
         torch=lambda a: _t().nansum(a, 1)),
    case("mean", lambda a: a.nanmean(axis=0), lambda a: np.nanmean(a, 0), _n((4, 3)), "nanmean",
         torch=lambda a: a.nanmean(0)),
]
