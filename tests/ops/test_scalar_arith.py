"""One-element +, -, *, / take an exact Python-float path (fastgrad/ops/elementwise.py); it must
give bit-for-bit the C kernel's result for every value, special ones included."""
import numpy as np
import pytest

from fastgrad._ffi import ffi, lib
from fastgrad.ops.elementwise import ADD, DIV, MUL, SUB, binary

SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, 1e-45, -1e-45, 1.1754944e-38, 3.4028235e38, -3.4028235e38,
            1e38, 2e38, 1e-38, np.inf, -np.inf, np.nan, 1e-300, 1e300, 7.0, 1 / 3]


def _c_binary(op, a, b):
    y = np.empty(a.shape, a.dtype)
    fn = lib.fg_binary_f32 if a.dtype == np.float32 else lib.fg_binary_f64
    ct = "float[]" if a.dtype == np.float32 else "double[]"
    fn(op, a.size, ffi.from_buffer(ct, a), 1, ffi.from_buffer(ct, b), 1, ffi.from_buffer(ct, y))
    return y


def _values(dtype):
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        vals = np.array(SPECIALS, dtype=np.float64).astype(dtype)
        rand = (rng.standard_normal(200) * 10.0 ** rng.integers(-40, 40, 200)).astype(dtype)
    return np.concatenate([vals, rand])


@pytest.mark.parametrize("shape,bshape", [((), ()), ((1,), (1,)), ((1,), ()), ((), (1,))],
                         ids=["0d", "1", "1-0d", "0d-1"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", [ADD, SUB, MUL, DIV], ids=["add", "sub", "mul", "div"])
def test_binary_one_element_forward_bitwise_equals_kernel(op, dtype, shape, bshape):
    vals = _values(dtype)
    rng = np.random.default_rng(1)
    pairs = [(x, y) for x in vals[:len(SPECIALS)] for y in vals[:len(SPECIALS)]]
    pairs += list(zip(vals, rng.permutation(vals)))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the scalar path must not warn (numpy cast overflow etc.)
        for x, y in pairs:
            a = np.full(shape, x, dtype)
            b = np.full(bshape, y, dtype)
            got = binary(op, a, b)
            want = _c_binary(op, np.full(got.shape, x, dtype), np.full(got.shape, y, dtype))
            assert got.shape == np.broadcast_shapes(shape, bshape) and got.dtype == dtype
            assert got.tobytes() == want.tobytes(), (op, x, y, got, want)


@pytest.mark.parametrize("shape", [(), (1,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_scalar_square_one_element_bitwise_equals_kernel(dtype, shape):
    from fastgrad.ops.elementwise import PowScalar

    class Ctx:
        pass

    vals = _values(dtype)
    ct = "float[]" if dtype == np.float32 else "double[]"
    sfx = "f32" if dtype == np.float32 else "f64"
    fwd, bwd = getattr(lib, "fg_pow_scalar_fwd_" + sfx), getattr(lib, "fg_pow_scalar_bwd_" + sfx)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in vals:
            for d in vals[:len(SPECIALS)]:
                a = np.full(shape, x, dtype)
                g = np.full(shape, d, dtype)
                ctx = Ctx()
                y = PowScalar.forward(ctx, a, 2.0)
                dx, _ = PowScalar.backward(ctx, g)
                y_c, dx_c = np.empty(shape, dtype), np.empty(shape, dtype)
                fwd(1, ffi.from_buffer(ct, a), ffi.from_buffer(ct, y_c), 2.0)
                bwd(1, ffi.from_buffer(ct, a), ffi.from_buffer(ct, g), ffi.from_buffer(ct, dx_c), 2.0)
                assert y.tobytes() == y_c.tobytes(), (x, y, y_c)
                assert dx.tobytes() == dx_c.tobytes(), (x, d, dx, dx_c)


@pytest.mark.parametrize("shape", [(), (1,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation_one_element_bitwise_equals_array_kernel(name, dtype, shape, isa):
    """relu/sigmoid/tanh on one element call the by-value kernels (fastgrad/ops/activation.py);
    forward and backward must be the array kernel's bits at every ISA level, for every value."""
    from fastgrad.ops import activation as A

    class Ctx:
        pass

    op = {"relu": A.ReLU, "sigmoid": A.Sigmoid, "tanh": A.Tanh}[name]
    sfx = "f32" if dtype == np.float32 else "f64"
    ct = "float[]" if dtype == np.float32 else "double[]"
    fwd, bwd = getattr(lib, f"fg_{name}_fwd_{sfx}"), getattr(lib, f"fg_{name}_bwd_{sfx}")
    vals = _values(dtype)
    n = len(vals)
    y_c = np.empty(n, dtype)  # every value in one array: full vectors and a masked tail
    fwd(n, ffi.from_buffer(ct, vals), ffi.from_buffer(ct, y_c))
    saved = vals if name == "relu" else y_c
    for d in vals[:len(SPECIALS)]:
        dy = np.full(n, d, dtype)
        dx_c = np.empty(n, dtype)
        bwd(n, ffi.from_buffer(ct, saved), ffi.from_buffer(ct, dy), ffi.from_buffer(ct, dx_c))
        for i, x in enumerate(vals):
            ctx = Ctx()
            y = op.forward(ctx, np.full(shape, x, dtype))
            assert y.shape == shape and y.tobytes() == y_c[i:i + 1].tobytes(), (x, y, y_c[i])
            dx = op.backward(ctx, np.full(shape, d, dtype))
            assert dx.shape == shape and dx.tobytes() == dx_c[i:i + 1].tobytes(), (x, d, dx, dx_c[i])
