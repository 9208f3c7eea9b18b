"""Op cases for the shape family (reshape, views, joining, indexing; see test_ops.py).

Each case: name (registered op), fn (fastgrad tensors -> tensor), ref (float64 arrays ->
float64 array), inputs (float64 arrays, or rng -> arrays), grad, id, optional torch."""
import numpy as np

import fastgrad as fg
import fastgrad.functional as F
from opcases.common import _n, _torch, case


def _put(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


def _setitem(x, idx, v):
    y = x.clone()  # setitem on a non-leaf is recorded (a leaf requiring grad would raise)
    y[idx] = v
    return y


_IDX = np.array([2, 0, 2, 1])
_MASK = np.array([True, False, True])
_G = np.array([[0, 2, 2], [1, 1, 0]])

CASES = [
    # -- reshape family (flatten, squeeze, unsqueeze are reshapes)
    case("reshape", lambda a: a.reshape(2, -1, 3), lambda a: a.reshape(2, -1, 3), _n((3, 4)), "infer",
         torch=lambda a: a.reshape(2, -1, 3)),
    case("reshape", lambda a: a.reshape(-1), lambda a: a.reshape(-1), _n((0, 3)), "empty"),
    case("reshape", lambda a: a.reshape(1, 1), lambda a: a.reshape(1, 1), _n(()), "0d"),
    case("reshape", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), _n((2, 3, 4)), "flatten"),
    case("reshape", lambda a: a.flatten(), lambda a: a.reshape(1), _n(()), "flatten-0d"),
    case("reshape", lambda a: a.squeeze(), np.squeeze, _n((1, 3, 1, 2)), "squeeze-all"),
    case("reshape", lambda a: a.squeeze((0, 1)), lambda a: a.squeeze(0), _n((1, 3, 1)), "squeeze-dims"),
    case("reshape", lambda a: a.unsqueeze(-1), lambda a: a[..., None], _n((3, 2)), "unsqueeze"),
    case("view", lambda a: a.view(4, 3), lambda a: a.reshape(4, 3), _n((2, 6)), "2d",
         torch=lambda a: a.view(4, 3)),
    case("view", lambda a: a.t().view(1, 3, 2), lambda a: a.T.reshape(1, 3, 2), _n((2, 3)), "size1-dims"),
    # -- dimension order
    case("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), _n((2, 3, 4)), "3d",
         torch=lambda a: a.permute(2, 0, 1)),
    case("permute", lambda a: a.transpose(0, -1), lambda a: np.swapaxes(a, 0, -1), _n((2, 3, 4)), "transpose"),
    case("permute", lambda a: a.t(), lambda a: a.T, _n((3, 5)), "t"),
    case("permute", lambda a: a.t(), lambda a: a, _n((4,)), "t-1d"),
    case("permute", lambda a: a.mT, lambda a: np.swapaxes(a, -1, -2), _n((2, 0, 3)), "mT-empty"),
    # -- broadcasting copies
    case("expand", lambda a: a.expand(2, 3, 5), lambda a: np.broadcast_to(a, (2, 3, 5)), _n((3, 1)), "lead",
         torch=lambda a: a.expand(2, 3, 5)),
    case("expand", lambda a: a.expand(-1, 4), lambda a: np.broadcast_to(a, (3, 4)), _n((3, 1)), "keep"),
    case("expand", lambda a: a.expand(2, 3), lambda a: np.broadcast_to(a, (2, 3)), _n(()), "0d"),
    case("expand", lambda a: a.expand(3, 0), lambda a: np.broadcast_to(a, (3, 0)), _n((3, 1)), "to-empty"),
    case("expand", lambda a: a.expand_as(fg.zeros(4, 2, 3)), lambda a: np.broadcast_to(a, (4, 2, 3)),
         _n((1, 3)), "as"),
    case("repeat", lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), _n((2, 3)), "lead",
         torch=lambda a: a.repeat(2, 1, 3)),
    case("repeat", lambda a: a.repeat(3), lambda a: np.tile(a, 3), _n((1,)), "size1"),
    case("repeat", lambda a: a.repeat(0, 2), lambda a: np.tile(a, (0, 2)), _n((2, 3)), "zero"),
    # -- joining and splitting
    case("cat", lambda a, b, c: F.cat([a, b, c], 1), lambda a, b, c: np.concatenate([a, b, c], 1),
         _n((2, 3), (2, 1), (2, 4)), "dim1", torch=lambda a, b, c: _torch().cat([a, b, c], 1)),
    case("cat", lambda a, b: F.cat((a, b), -1), lambda a, b: np.concatenate([a, b], -1),
         _n((2, 0), (2, 3)), "empty-part"),
    case("cat", lambda a, b: F.concat([a, b]), lambda a, b: np.concatenate([a, b]), _n((1, 3), (2, 3)), "dim0"),
    case("stack", lambda a, b: F.stack([a, b]), lambda a, b: np.stack([a, b]), _n((2, 3), (2, 3)), "dim0",
         torch=lambda a, b: _torch().stack([a, b])),
    case("stack", lambda a, b, c: F.stack([a, b, c], -1), lambda a, b, c: np.stack([a, b, c], -1),
         _n((4,), (4,), (4,)), "last"),
    case("stack", lambda a: F.stack([a]), lambda a: a[None], _n(()), "0d"),
    case("getitem", lambda a: a.chunk(3, 1)[1], lambda a: a[:, 2:4], _n((2, 5)), "chunk"),
    case("getitem", lambda a: F.split(a, [1, 3], 0)[1], lambda a: a[1:], _n((4, 2)), "split-sizes"),
    case("getitem", lambda a: a.split(2, -1)[-1], lambda a: a[..., 4:], _n((2, 5)), "split-size"),
    # -- indexing
    case("getitem", lambda a: a[1], lambda a: a[1], _n((3, 4)), "int",
         torch=lambda a: a[1]),
    case("getitem", lambda a: a[1, -1], lambda a: np.asarray(a[1, -1]), _n((3, 4)), "0d-out"),
    case("getitem", lambda a: a[::2, 1:3], lambda a: a[::2, 1:3], _n((5, 4)), "slices"),
    case("getitem", lambda a: a[None, ..., 0], lambda a: a[None, ..., 0], _n((2, 3, 4)), "none-ellipsis"),
    case("getitem", lambda a: a[_IDX], lambda a: a[_IDX], _n((3, 2)), "int-array-repeats",
         torch=lambda a: a[_IDX]),
    case("getitem", lambda a: a[fg.tensor(_IDX)], lambda a: a[_IDX], _n((3,)), "int-tensor"),
    case("getitem", lambda a: a[[0, 0, 1]], lambda a: a[[0, 0, 1]], _n((2, 3)), "list"),
    case("getitem", lambda a: a[fg.tensor(_MASK)], lambda a: a[_MASK], _n((3, 2)), "bool-mask",
         torch=lambda a: a[_torch().tensor(_MASK)]),
    case("getitem", lambda a: a[a > 0], lambda a: a[a > 0], _n((4, 3)), "bool-mask-2d"),
    case("getitem", lambda a: a[1:, [2, 0, 2]], lambda a: a[1:, [2, 0, 2]], _n((3, 4)), "mixed"),
    case("getitem", lambda a: a[[0, 2], :, [1, 1]], lambda a: a[[0, 2], :, [1, 1]], _n((3, 2, 4)),
         "separated-advanced"),
    case("getitem", lambda a: a[_IDX[:0]], lambda a: a[_IDX[:0]], _n((3, 2)), "empty-index"),
    case("index_put", lambda a, v: _setitem(a, (slice(None), 1), v), lambda a, v: _put(a, (slice(None), 1), v),
         _n((3, 4), (3,)), "slice"),
    case("index_put", lambda a, v: _setitem(a, _IDX[:2], v), lambda a, v: _put(a, _IDX[:2], v),
         _n((3, 4), (4,)), "int-array-bcast"),
    case("index_put", lambda a: _setitem(a, 0, 7.0), lambda a: _put(a, 0, 7.0), _n((3, 2)), "scalar"),
    # -- masking and gathering
    case("masked_fill", lambda a: a.masked_fill(fg.tensor(_MASK[:, None]), -2.0),
         lambda a: np.where(_MASK[:, None], -2.0, a), _n((3, 4)), "bcast-mask",
         torch=lambda a: a.masked_fill(_torch().tensor(_MASK[:, None]), -2.0)),
    case("masked_fill", lambda a, v: F.masked_fill(a, fg.tensor(_MASK), v),
         lambda a, v: np.where(_MASK, v, a), _n((2, 3), ()), "tensor-value"),
    case("masked_fill", lambda a: a.masked_fill(fg.tensor(np.ones((2, 3), bool)), 1.0),
         lambda a: np.ones((2, 3)), _n((3,)), "bcast-input"),
    case("gather", lambda a: a.gather(1, fg.tensor(_G)), lambda a: np.take_along_axis(a[:2], _G, 1),
         _n((3, 4)), "dim1-repeats", torch=lambda a: a.gather(1, _torch().tensor(_G))),
    case("gather", lambda a: a.gather(0, fg.tensor(_G)), lambda a: np.take_along_axis(a[:, :3], _G, 0),
         _n((3, 5)), "dim0-smaller"),
    case("gather", lambda a: a.gather(1, fg.tensor(np.zeros((2, 0), np.int64))), lambda a: np.zeros((2, 0)),
         _n((2, 3)), "empty"),
]
