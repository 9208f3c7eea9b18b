"""One-element float16/bfloat16 arithmetic (shapes () and (1,)) takes the float32 rerun like any
other size: the exact Python-float path of ops/one_element.py is for float32/float64 only.  A
regression: that path used to accept half tensors, recorded plain nodes holding half arrays, and
their backward handed a 2-byte buffer to a float32 kernel (an out-of-bounds read under the
sanitizer, garbage or a TypeError without)."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.ops.elementwise import binary
from fastgrad._ffi import lib

OPS = {"add": (lambda x, y: x + y, lambda a, b: (1.0, 1.0)),
       "sub": (lambda x, y: x - y, lambda a, b: (1.0, -1.0)),
       "mul": (lambda x, y: x * y, lambda a, b: (b, a)),
       "div": (lambda x, y: x / y, lambda a, b: (1.0 / b, -a / b ** 2)),
       "square": (lambda x, y: x ** 2 * y, lambda a, b: (2 * a * b, a ** 2))}


def _value(t):
    return t.detach().float().numpy().astype(np.float64)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape", [(), (1,), (3,)])
@pytest.mark.parametrize("op", sorted(OPS))
def test_one_element_half_arithmetic_forward_and_backward(dt, shape, op):
    dtype = getattr(fg, dt)
    fn, grads = OPS[op]
    a = fg.full(shape, 1.7, dtype=dtype, requires_grad=True)
    b = fg.full(shape, 2.3, dtype=dtype, requires_grad=True)
    y = fn(a, b)
    assert y.dtype == dtype
    av, bv = _value(a), _value(b)
    # torch's CPU rule: each op computes in float32 and rounds once to the tensor's dtype
    def rnd(v):
        return fg.tensor(np.asarray(v, np.float32)).to(dtype).float().numpy()
    want = rnd(rnd(av.astype(np.float32) ** 2) * bv) if op == "square" else rnd(fn(av.astype(np.float32), bv))
    assert np.array_equal(_value(y), want)
    y.backward(fg.full(shape, 0.5, dtype=dtype))
    assert a.grad.dtype == dtype and b.grad.dtype == dtype
    ga, gb = grads(av, bv)
    rtol = 1e-2 if dt == "bfloat16" else 2e-3
    np.testing.assert_allclose(_value(a.grad), 0.5 * np.broadcast_to(ga, shape), rtol=rtol)
    np.testing.assert_allclose(_value(b.grad), 0.5 * np.broadcast_to(gb, shape), rtol=rtol)


def test_binary_refuses_operands_of_different_widths():
    a = np.ones(8, np.float32)
    with pytest.raises(TypeError, match="different dtypes"):
        binary(lib.FG_MUL, a, np.ones(8, np.float16))
    with pytest.raises(TypeError, match="different dtypes"):
        binary(lib.FG_MUL, a, np.ones((2, 8), np.float64))
