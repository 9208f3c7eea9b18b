"""Op cases for the fused Linear + GELU nodes (linear_gelu, linear_gelu_tanh; see test_ops.py):
the public entry and the ops themselves, both forms, odd sizes, 1-d/3-d input, no bias, empty."""
import math

import numpy as np

from fastgrad.functional.linear_gelu import linear_gelu
from fastgrad.ops.linear_gelu import LinearGELU, LinearGELUTanh
from opcases.common import _n, _torch, case

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _ref(approximate):
    def ref(x, w, b=None):
        z = x @ w.T if b is None else x @ w.T + b
        if approximate:
            return 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3)))
        return 0.5 * z * (1 + _erf(z / math.sqrt(2)))
    return ref


def _torch_fn(approximate):
    return lambda x, w, b: _torch().nn.functional.gelu(_torch().nn.functional.linear(x, w, b), approximate=approximate)


CASES = []
for _name, _op, _ap in (("linear_gelu", LinearGELU, "none"), ("linear_gelu_tanh", LinearGELUTanh, "tanh")):
    _r = _ref(_ap == "tanh")
    CASES += [
        case(_name, lambda x, w, b, _ap=_ap: linear_gelu(x, w, b, _ap), _r, _n((6, 3), (5, 3), (5,)), "2d-bias",
             torch=_torch_fn(_ap)),
        case(_name, lambda x, w, b, _ap=_ap: linear_gelu(x, w, b, _ap), _r, _n((17, 9), (33, 9), (33,)),
             "odd-sizes", torch=_torch_fn(_ap)),
        case(_name, _op.apply, _r, _n((2, 4, 3), (5, 3), (5,)), "3d"),
        case(_name, _op.apply, _r, _n((3,), (2, 3), (2,)), "1d-input"),
        case(_name, lambda x, w, _op=_op: _op.apply(x, w, None), _r, _n((4, 3), (2, 3)), "nobias"),
        case(_name, _op.apply, _r, _n((0, 3), (2, 3), (2,)), "empty-batch"),
        case(_name, _op.apply, _r, _n((2, 0), (3, 0), (3,)), "empty-features"),
        case(_name, _op.apply, _r, _n((1, 1), (1, 1), (1,)), "size1"),
        case(_name, lambda x, w, b, _op=_op: _op.apply(x[:, ::2], w, b),
             lambda x, w, b, _r=_r: _r(x[:, ::2], w, b), _n((3, 8), (2, 4), (2,)), "strided-input"),
    ]
