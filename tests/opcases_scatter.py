"""Op cases for the gather/scatter family (index_*, scatter*, take, masked_*; see test_ops.py).
Index tensors are constants of each case (no gradient); repeated indices throughout, since
accumulation is where scatters go wrong."""
import numpy as np

import fastgrad as fg
from opcases.common import _n, _torch, case

_I = np.array([2, 0, 2])          # repeats
_S = np.array([[1, 0, 1, 1], [0, 0, 2, 1]])  # scatter index into a (3, 4) along dim 0, repeats
_M = np.array([[True, False, True, True], [False, True, False, True], [True, True, False, False]])


def _t(a):
    return fg.tensor(a)


def _tt(a):
    return _torch().tensor(a)


def _iadd(x, dim, idx, src, alpha=1.0):
    y = x.copy()
    np.add.at(y, (slice(None),) * dim + (idx,), alpha * src)
    return y


def _icopy(x, dim, idx, src):
    y = x.copy()
    y[(slice(None),) * dim + (idx,)] = src
    return y


def _scatter0(x, idx, src, add=False):
    y = x.copy()
    cols = np.broadcast_to(np.arange(idx.shape[1]), idx.shape)
    if add:
        np.add.at(y, (idx, cols), src[:idx.shape[0], :idx.shape[1]])
    else:
        for i in range(idx.shape[0]):
            y[idx[i], cols[i]] = src[i, :idx.shape[1]]
    return y


def _sreduce(x, idx, src, reduce, include_self):
    """Reference scatter_reduce along dim 0, one place at a time."""
    y = x.copy()
    groups = {}
    for i in range(idx.shape[0]):
        for j in range(idx.shape[1]):
            groups.setdefault((idx[i, j], j), []).append(src[i, j])
    for (r, c), vals in groups.items():
        v = ([x[r, c]] if include_self else []) + vals
        y[r, c] = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce](v)
    return y


def _put(x, key, v):
    y = x.copy()
    y[key] = v
    return y


def _msc(x, m, s):
    y = x.copy()
    y[m] = s.reshape(-1)[:m.sum()]
    return y


CASES = [
    case("index_select", lambda a: a.index_select(0, _t(_I)), lambda a: a[_I], _n((3, 4)), "dim0-repeats",
         torch=lambda a: a.index_select(0, _tt(_I))),
    case("index_select", lambda a: fg.index_select(a, -1, _t(_I[:2])), lambda a: a[..., _I[:2]], _n((2, 2, 3)),
         "last", torch=lambda a: _torch().index_select(a, -1, _tt(_I[:2]))),
    case("index_select", lambda a: a.index_select(0, _t(_I[:0])), lambda a: a[:0], _n((3, 2)), "empty"),
    case("index_add", lambda a, s: a.index_add(1, _t(_I), s, alpha=2.0), lambda a, s: _iadd(a, 1, _I, s, 2.0),
         _n((2, 3), (2, 3)), "alpha-repeats", torch=lambda a, s: a.index_add(1, _tt(_I), s, alpha=2.0)),
    case("index_add", lambda a, s: fg.index_add(a, 0, _t(_I), s), lambda a, s: _iadd(a, 0, _I, s),
         _n((3, 4), (3, 4)), "dim0", torch=lambda a, s: _torch().index_add(a, 0, _tt(_I), s)),
    case("index_copy", lambda a, s: a.index_copy(0, _t(np.array([2, 0])), s),
         lambda a, s: _icopy(a, 0, np.array([2, 0]), s), _n((3, 2), (2, 2)), "dim0",
         torch=lambda a, s: a.index_copy(0, _tt(np.array([2, 0])), s)),
    case("index_fill", lambda a: a.index_fill(1, _t(_I), -1.5), lambda a: _icopy(a, 1, _I, -1.5), _n((2, 3)),
         "scalar", torch=lambda a: a.index_fill(1, _tt(_I), -1.5)),
    case("index_fill", lambda a, v: fg.index_fill(a, 0, _t(np.array([2, 2])), v),
         lambda a, v: _icopy(a, 0, np.array([2]), v), _n((3, 2), ()), "tensor-value",
         torch=lambda a, v: _torch().index_fill(a, 0, _tt(np.array([2, 2])), v)),
    case("index_fill", lambda a: fg.index_fill(a, 0, _t(np.array([-1])), 3.0),
         lambda a: _icopy(a, 0, np.array([-1]), 3.0), _n((3, 2)), "negative-index"),
    case("scatter", lambda a, s: a.scatter(0, _t(np.array([[0, 1, 2], [1, 2, 0]])), s),
         lambda a, s: _scatter0(a, np.array([[0, 1, 2], [1, 2, 0]]), s), _n((3, 4), (2, 3)), "src",
         torch=lambda a, s: a.scatter(0, _tt(np.array([[0, 1, 2], [1, 2, 0]])), s)),
    case("scatter", lambda a: a.scatter(0, _t(_S), 2.5), lambda a: _scatter0(a, _S, np.full((2, 4), 2.5)),
         _n((3, 4)), "value", torch=lambda a: a.scatter(0, _tt(_S), 2.5)),
    case("scatter", lambda a, s: a.scatter(0, _t(_S[:1, :2]), s), lambda a, s: _scatter0(a, _S[:1, :2], s),
         _n((3, 4), (2, 3)), "src-larger"),
    case("scatter_add", lambda a, s: a.scatter_add(0, _t(_S), s), lambda a, s: _scatter0(a, _S, s, True),
         _n((3, 4), (2, 4)), "repeats", torch=lambda a, s: a.scatter_add(0, _tt(_S), s)),
    case("scatter_add", lambda a, s: fg.scatter_add(a, 0, _t(_S[:, :2]), s),
         lambda a, s: _scatter0(a, _S[:, :2], s, True),
         _n((3, 4), (3, 3)), "index-smaller"),
    case("take", lambda a: a.take(_t(np.array([[0, 5], [-1, 5]]))), lambda a: a.reshape(-1)[[[0, 5], [-1, 5]]],
         _n((2, 3)), "repeats-neg", torch=lambda a: a.take(_tt(np.array([[0, 5], [-1, 5]])))),
    case("gather", lambda a: fg.take_along_dim(a, _t(np.array([[0, 2], [1, 1]])), 1),
         lambda a: np.take_along_axis(a, np.array([[0, 2], [1, 1]]), 1), _n((2, 3)), "take-along-dim",
         torch=lambda a: _torch().take_along_dim(a, _tt(np.array([[0, 2], [1, 1]])), 1)),
    case("gather", lambda a: fg.take_along_dim(a, _t(np.array([[0], [2]])), 1),
         lambda a: np.take_along_axis(a, np.array([[0], [2]]) + np.zeros((2, 1), int), 1), _n((2, 3)),
         "take-along-dim-bcast"),
    case("gather", lambda a: fg.take_along_dim(a, _t(np.array([5, 0, 5]))), lambda a: a.reshape(-1)[[5, 0, 5]],
         _n((2, 3)), "take-along-dim-flat", torch=lambda a: _torch().take_along_dim(a, _tt(np.array([5, 0, 5])))),
    case("getitem", lambda a: a.masked_select(_t(_M[0])),
         lambda a: np.broadcast_to(a, (3, 4))[np.broadcast_to(_M[0], (3, 4))],
         _n((3, 4)), "masked-select-bcast", torch=lambda a: a.masked_select(_tt(_M[0]))),
    case("masked_scatter", lambda a, s: a.masked_scatter(_t(_M), s), lambda a, s: _msc(a, _M, s),
         _n((3, 4), (2, 4)), "2d", torch=lambda a, s: a.masked_scatter(_tt(_M), s)),
    case("masked_scatter", lambda a, s: fg.masked_scatter(a, _t(_M[1]), s),
         lambda a, s: _msc(np.broadcast_to(a, (3, 4)).copy(), np.broadcast_to(_M[1], (3, 4)), s),
         _n((3, 4), (7,)), "bcast-mask", torch=lambda a, s: _torch().masked_scatter(a, _tt(_M[1]), s)),
    case("index_put_accumulate", lambda a, v: fg.index_put(a, (_t(_I),), v, accumulate=True),
         lambda a, v: _iadd(a, 0, _I, np.broadcast_to(v, (3, 2))), _n((3, 2), (2,)), "repeats",
         torch=lambda a, v: _torch().index_put(a, (_tt(_I),), v, accumulate=True)),
    case("index_put", lambda a, v: a.index_put((_t(np.array([0, 2])), _t(np.array([1, 1]))), v),
         lambda a, v: _put(a, (np.array([0, 2]), np.array([1, 1])), v),
         _n((3, 2), ()), "two-indices",
         torch=lambda a, v: a.index_put((_tt(np.array([0, 2])), _tt(np.array([1, 1]))), v)),
]

for _red in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        CASES.append(case(
            "scatter_reduce",
            lambda a, s, r=_red, i=_inc: a.scatter_reduce(0, _t(_S), s, r, include_self=i),
            lambda a, s, r=_red, i=_inc: _sreduce(a, _S, s, r, i),
            _n((3, 4), (2, 4)), f"{_red}-{'self' if _inc else 'noself'}",
            torch=lambda a, s, r=_red, i=_inc: a.scatter_reduce(0, _tt(_S), s, r, include_self=i)))
