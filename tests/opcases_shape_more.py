"""Op cases for the more-shape family (flip, roll, rot90, triangles, diagonals, splits, stacks,
meshgrid, repeat_interleave; see test_ops.py).  Compositions of older ops (movedim, tile,
unflatten, hstack, ...) are cases of the op they record."""
import numpy as np

import fastgrad as fg
from opcases.common import _n, _torch, case

_R = np.array([2, 0, 1])

CASES = [
    case("flip", lambda a: a.flip(0, -1), lambda a: np.flip(a, (0, -1)), _n((3, 4, 2)), "2dims",
         torch=lambda a: a.flip(0, -1)),
    case("flip", lambda a: fg.fliplr(a), np.fliplr, _n((2, 3)), "lr", torch=lambda a: _torch().fliplr(a)),
    case("flip", lambda a: fg.flipud(a), np.flipud, _n((3,)), "ud"),
    case("flip", lambda a: fg.rot90(a, 1, (0, 1)), lambda a: np.rot90(a, 1, (0, 1)), _n((2, 3, 2)), "rot90",
         torch=lambda a: _torch().rot90(a, 1, (0, 1))),
    case("flip", lambda a: fg.rot90(a, -1, (2, 0)), lambda a: np.rot90(a, -1, (2, 0)), _n((2, 3, 4)), "rot90-neg",
         torch=lambda a: _torch().rot90(a, -1, (2, 0))),
    case("flip", lambda a: a.rot90(2), lambda a: np.rot90(a, 2), _n((2, 0)), "rot90-empty"),
    case("roll", lambda a: a.roll(2, 1), lambda a: np.roll(a, 2, 1), _n((2, 5)), "dim",
         torch=lambda a: a.roll(2, 1)),
    case("roll", lambda a: fg.roll(a, (1, -3), (0, 1)), lambda a: np.roll(a, (1, -3), (0, 1)), _n((3, 4)), "dims",
         torch=lambda a: _torch().roll(a, (1, -3), (0, 1))),
    case("roll", lambda a: a.roll(5), lambda a: np.roll(a, 5), _n((2, 3)), "flat",
         torch=lambda a: a.roll(5)),
    case("tri", lambda a: a.tril(), np.tril, _n((3, 4)), "tril", torch=lambda a: a.tril()),
    case("tri", lambda a: fg.triu(a, 1), lambda a: np.triu(a, 1), _n((2, 4, 3)), "triu-batch",
         torch=lambda a: _torch().triu(a, 1)),
    case("tri", lambda a: a.tril(-1), lambda a: np.tril(a, -1), _n((0, 3)), "empty"),
    case("diagonal", lambda a: a.diagonal(), lambda a: np.diagonal(a).copy(), _n((3, 4)), "main",
         torch=lambda a: a.diagonal()),
    case("diagonal", lambda a: fg.diagonal(a, -1, 2, 0), lambda a: np.diagonal(a, -1, 2, 0).copy(), _n((3, 2, 4)),
         "offset-dims", torch=lambda a: _torch().diagonal(a, -1, 2, 0)),
    case("diagonal", lambda a: fg.trace(a), lambda a: np.asarray(np.trace(a)), _n((3, 3)), "trace",
         torch=lambda a: _torch().trace(a)),
    case("diagonal", lambda a: a.diagonal(5), lambda a: np.diagonal(a, 5).copy(), _n((2, 3)), "off-the-end"),
    case("diag_embed", lambda a: fg.diag_embed(a), lambda a: a[..., None] * np.eye(3), _n((2, 3)), "batch",
         torch=lambda a: _torch().diag_embed(a)),
    case("diag_embed", lambda a: fg.diag(a, 1), lambda a: np.diag(a, 1), _n((3,)), "diag-1d",
         torch=lambda a: _torch().diag(a, 1)),
    case("diag_embed", lambda a: fg.diag_embed(a, -1, 0, 2), lambda a: np.moveaxis(np.stack(
        [np.diag(r, -1) for r in a]), 0, 1), _n((2, 3)), "dims", torch=lambda a: _torch().diag_embed(a, -1, 0, 2)),
    case("index_select", lambda a: a.repeat_interleave(2, 0), lambda a: np.repeat(a, 2, 0), _n((3, 2)),
         "repeat-interleave", torch=lambda a: a.repeat_interleave(2, 0)),
    case("index_select", lambda a: fg.repeat_interleave(a, fg.tensor(_R)), lambda a: np.repeat(a, _R), _n((3,)),
         "repeat-interleave-tensor", torch=lambda a: _torch().repeat_interleave(a, _torch().tensor(_R))),
    case("index_select", lambda a: a.repeat_interleave(3), lambda a: np.repeat(a, 3), _n((2, 2)),
         "repeat-interleave-flat"),
]
