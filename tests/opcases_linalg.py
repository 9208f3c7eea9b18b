"""Op cases for matrix products (matmul, mm, bmm, linear; see test_ops.py).

Each case: name (registered op), fn (fastgrad tensors -> tensor), ref (float64 arrays ->
float64 array), inputs (float64 arrays, or rng -> arrays), grad, id, optional torch."""
import numpy as np

import fastgrad.functional as F
from fastgrad.functional.linalg import linear_relu
from fastgrad.ops.linalg import LinearReLU
from opcases.common import _n, _torch, case


def _linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def _linear_relu(x, w, b=None):
    return np.maximum(_linear(x, w, b), 0)


_mm = lambda a, b: a @ b  # noqa: E731
_tmm = lambda a, b: a.matmul(b)  # noqa: E731

CASES = [
    case("matmul", F.matmul, np.matmul, _n((3, 4), (4, 5)), "2d", torch=_tmm),
    case("matmul", F.matmul, np.matmul, _n((7,), (7,)), "dot", torch=_tmm),
    case("matmul", F.matmul, np.matmul, _n((4,), (4, 3)), "vec-mat", torch=_tmm),
    case("matmul", F.matmul, np.matmul, _n((3, 4), (4,)), "mat-vec", torch=_tmm),
    case("matmul", F.matmul, np.matmul, _n((2, 3, 4), (4, 5)), "batch-mat", torch=_tmm),
    case("matmul", F.matmul, np.matmul, _n((3, 4), (2, 4, 5)), "mat-batch", torch=_tmm),
    case("matmul", F.matmul, np.matmul, _n((2, 1, 3, 4), (5, 4, 2)), "batch-bcast", torch=_tmm),
    case("matmul", F.matmul, np.matmul, _n((2, 3, 4), (2, 4, 5)), "batch-same"),
    case("matmul", F.matmul, np.matmul, _n((4,), (2, 4, 3)), "vec-batch"),
    case("matmul", F.matmul, np.matmul, _n((2, 3, 4), (4,)), "batch-vec"),
    case("matmul", lambda a, b: a.mT @ b.mT, lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
         _n((2, 4, 3), (5, 4)), "transposed-operands"),
    case("matmul", lambda a, b: a[:, 1:] @ b[::2], lambda a, b: a[:, 1:] @ b[::2],
         _n((3, 5), (8, 2)), "strided-operands"),
    case("matmul", F.matmul, np.matmul, _n((1, 1), (1, 1)), "size1"),
    case("matmul", F.matmul, np.matmul, _n((3, 0), (0, 2)), "empty-k"),
    case("matmul", F.matmul, np.matmul, _n((0, 3), (3, 2)), "empty-m"),
    case("matmul", F.matmul, np.matmul, _n((0, 3, 4), (4, 2)), "empty-batch"),
    case("matmul", F.mm, np.matmul, _n((5, 3), (3, 6)), "mm", torch=lambda a, b: a.mm(b)),
    case("matmul", F.bmm, np.matmul, _n((2, 3, 4), (2, 4, 1)), "bmm", torch=lambda a, b: a.bmm(b)),
    case("matmul", lambda a, b: a @ b, _mm, _n((17, 33), (33, 9)), "odd-sizes"),
    case("linear", F.linear, _linear, _n((4, 3), (5, 3), (5,)), "2d-bias",
         torch=lambda x, w, b: _torch().nn.functional.linear(x, w, b)),
    case("linear", F.linear, _linear, _n((2, 4, 3), (5, 3)), "3d-nobias"),
    case("linear", F.linear, _linear, _n((3,), (2, 3), (2,)), "1d-input"),
    case("linear", F.linear, _linear, _n((0, 3), (2, 3), (2,)), "empty-batch"),
    case("linear", F.linear, _linear, _n((2, 0), (3, 0), (3,)), "empty-features"),
    case("linear", F.linear, _linear, _n((1, 1), (1, 1), (1,)), "size1"),
    case("linear", lambda x, w: F.linear(x, w.t()), lambda x, w: x @ w, _n((4, 3), (3, 2)),
         "transposed-weight"),
    # the fused pair nn.Sequential runs for Linear + ReLU: the public entry and the op itself
    case("linear_relu", linear_relu, _linear_relu, _n((6, 3), (5, 3), (5,)), "2d-bias",
         torch=lambda x, w, b: _torch().relu(_torch().nn.functional.linear(x, w, b))),
    case("linear_relu", linear_relu, _linear_relu, _n((17, 9), (33, 9), (33,)), "odd-sizes"),
    case("linear_relu", LinearReLU.apply, _linear_relu, _n((2, 4, 3), (5, 3), (5,)), "3d"),
    case("linear_relu", lambda x, w: LinearReLU.apply(x, w, None), _linear_relu, _n((4, 3), (2, 3)),
         "nobias"),
    case("linear_relu", LinearReLU.apply, _linear_relu, _n((0, 3), (2, 3), (2,)), "empty-batch"),
    case("linear_relu", LinearReLU.apply, _linear_relu, _n((2, 0), (3, 0), (3,)), "empty-features"),
    case("linear_relu", LinearReLU.apply, _linear_relu, _n((1, 1), (1, 1), (1,)), "size1"),
    case("linear_relu", lambda x, w, b: LinearReLU.apply(x[:, ::2], w, b),
         lambda x, w, b: _linear_relu(x[:, ::2], w, b), _n((3, 8), (2, 4), (2,)), "strided-input"),
]
