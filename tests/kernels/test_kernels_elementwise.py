"""C-level tests of csrc/elementwise.c against numpy float64 closed forms."""
import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr, wptr

SIZES = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1029]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
RTOL = {np.float32: 1e-6, np.float64: 1e-14}


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[dtype]}")


def nans(shape, dtype):
    return np.full(shape, np.nan, dtype=dtype)


def close(got, want, dtype, rtol=None, atol=0.0):
    """got (dtype) equals want (float64) rounded once, up to rtol; NaN positions must agree."""
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol or RTOL[dtype], atol=atol,
                               equal_nan=True)


BINARY = {
    lib.FG_ADD: np.add, lib.FG_SUB: np.subtract, lib.FG_MUL: np.multiply, lib.FG_DIV: np.divide,
    lib.FG_POW: np.power, lib.FG_MAXIMUM: np.maximum, lib.FG_MINIMUM: np.minimum,
}


def _operands(op, n, dtype, rng):
    a = rng.standard_normal(n).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    if op == lib.FG_POW:
        a = np.abs(a) + dtype(0.5)
    if op == lib.FG_DIV:
        b = np.where(np.abs(b) < 0.1, dtype(0.5), b).astype(dtype)
    return a, b


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("incs", [(1, 1), (0, 1), (1, 0), (0, 0)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_binary_fwd_matches_numpy(op, incs, dtype, n, rng):
    a, b = _operands(op, max(n, 1), dtype, rng)
    ia, ib = incs
    y = nans(n, dtype)
    fn("binary", dtype)(op, n, rptr(a), ia, rptr(b), ib, wptr(y))
    aa = a[:n] if ia else np.full(n, a[0])
    bb = b[:n] if ib else np.full(n, b[0])
    want = BINARY[op](aa.astype(np.float64), bb.astype(np.float64))
    close(y, want, dtype, rtol=4e-6 if (op == lib.FG_POW and dtype == np.float32) else None)


@pytest.mark.parametrize("op", [lib.FG_MAXIMUM, lib.FG_MINIMUM])
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_fwd_maxmin_propagates_nan(op, dtype):
    a = np.array([np.nan, 1, np.nan, -np.inf, 2], dtype=dtype)
    b = np.array([1, np.nan, np.nan, 0, 2], dtype=dtype)
    y = nans(5, dtype)
    fn("binary", dtype)(op, 5, rptr(a), 1, rptr(b), 1, wptr(y))
    np.testing.assert_array_equal(y, BINARY[op](a, b))


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_fwd_ieee_edges(dtype):
    a = np.array([1, -1, 0, np.inf, 0, -8], dtype=dtype)
    b = np.array([0, 0, 0, np.inf, -1, 1 / 3], dtype=dtype)
    with np.errstate(all="ignore"):
        for op in (lib.FG_DIV, lib.FG_POW):
            y = nans(6, dtype)
            fn("binary", dtype)(op, 6, rptr(a), 1, rptr(b), 1, wptr(y))
            np.testing.assert_array_equal(y, BINARY[op](a, b))


ND_CASES = [
    ((2, 3), (2, 3), (2, 3)),
    ((2, 3), (3,), (2, 3)),
    ((4, 1, 5), (1, 3, 1), (4, 3, 5)),
    ((1,), (7, 9), (7, 9)),
    ((3, 1, 2, 1), (1, 4, 1, 17), (3, 4, 2, 17)),
    ((), (), ()),
    ((0, 3), (3,), (0, 3)),
    ((5, 1), (1, 33), (5, 33)),
]


def _bstrides(arr, out_shape):
    """element strides of arr broadcast to out_shape (0 on broadcast dimensions)."""
    view = np.broadcast_to(arr, out_shape)
    return [s // arr.itemsize for s in view.strides]


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa_shape,sb_shape,out_shape", ND_CASES)
def test_binary_nd_fwd_broadcast_matches_numpy(op, dtype, sa_shape, sb_shape, out_shape, rng):
    a = rng.standard_normal(sa_shape).astype(dtype)
    b = rng.standard_normal(sb_shape).astype(dtype)
    if op == lib.FG_POW:
        a = (np.abs(a) + 0.5).astype(dtype)
    if op == lib.FG_DIV:
        b = np.where(np.abs(b) < 0.1, 0.5, b).astype(dtype)
    nd = len(out_shape)
    shape = ffi.new("int64_t[]", list(out_shape) or [1])
    sa = ffi.new("int64_t[]", _bstrides(a, out_shape) or [0])
    sb = ffi.new("int64_t[]", _bstrides(b, out_shape) or [0])
    y = nans(out_shape, dtype)
    fn("binary_nd", dtype)(op, nd, shape, rptr(np.ascontiguousarray(a)), sa,
                           rptr(np.ascontiguousarray(b)), sb, wptr(y))
    want = BINARY[op](a.astype(np.float64), b.astype(np.float64))
    close(y, want, dtype, rtol=4e-6 if (op == lib.FG_POW and dtype == np.float32) else None)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_nd_fwd_transposed_strides(dtype, rng):
    """a non-contiguous (transposed) operand read through its strides."""
    base = rng.standard_normal((5, 7)).astype(dtype)
    b = rng.standard_normal((7, 5)).astype(dtype)
    shape = ffi.new("int64_t[]", [7, 5])
    sa = ffi.new("int64_t[]", [1, 7])
    sb = ffi.new("int64_t[]", [5, 1])
    y = nans((7, 5), dtype)
    fn("binary_nd", dtype)(lib.FG_SUB, 2, shape, rptr(base), sa, rptr(b), sb, wptr(y))
    close(y, base.T.astype(np.float64) - b, dtype)


UNARY = {
    lib.FG_NEG: np.negative, lib.FG_EXP: np.exp, lib.FG_LOG: np.log, lib.FG_SQRT: np.sqrt,
    lib.FG_ABS: np.abs, lib.FG_SIGN: lambda v: np.where(np.isnan(v), 0.0, np.sign(v)),
    lib.FG_RECIPROCAL: np.reciprocal, lib.FG_SQUARE: np.square,
}


@pytest.mark.parametrize("op", list(UNARY))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_unary_fwd_matches_numpy(isa, op, dtype, n, rng):
    x = (rng.standard_normal(n) * 3).astype(dtype)
    if op in (lib.FG_LOG, lib.FG_SQRT):
        x = np.abs(x) + dtype(1e-3)
    y = nans(n, dtype)
    fn("unary", dtype)(op, n, rptr(x), wptr(y))
    rtol = 3e-7 if dtype == np.float32 else 4e-16
    if op == lib.FG_EXP and dtype == np.float32:
        rtol = 2.5e-7        # the vectorised exp: <= 2 ulp
    close(y, UNARY[op](x.astype(np.float64)), dtype, rtol=rtol)


@pytest.mark.parametrize("op", list(UNARY))
@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_fwd_edge_values(isa, op, dtype):
    """sign(0) = 0, sign(NaN) = 0 (torch), log(0) = -inf, sqrt(<0) = nan, exp(+-inf)."""
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, 100.0, -100.0], dtype=dtype)
    y = nans(x.size, dtype)
    fn("unary", dtype)(op, x.size, rptr(x), wptr(y))
    with np.errstate(all="ignore"):
        want = UNARY[op](x.astype(np.float64)).astype(dtype)
    np.testing.assert_allclose(y, want, rtol=RTOL[dtype], equal_nan=True)
    np.testing.assert_array_equal(np.signbit(y[:2]), np.signbit(want[:2]))


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -0.5, 2.5, -2.0])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_pow_scalar_fwd_bwd_match_numpy(p, dtype, n, rng):
    x = (np.abs(rng.standard_normal(n)) + 0.25).astype(dtype)
    dy = rng.standard_normal(n).astype(dtype)
    y, dx = nans(n, dtype), nans(n, dtype)
    fn("pow_scalar_fwd", dtype)(n, rptr(x), wptr(y), p)
    fn("pow_scalar_bwd", dtype)(n, rptr(x), rptr(dy), wptr(dx), p)
    x64 = x.astype(np.float64)
    rtol = 2e-6 if dtype == np.float32 else 1e-14
    close(y, x64 ** p, dtype, rtol=rtol)
    want = np.zeros(n) if p == 0 else dy * (p * x64 ** (p - 1))
    close(dx, want, dtype, rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_scalar_bwd_zero_exponent_is_zero(dtype):
    x = np.array([0.0, np.inf, -1.0], dtype=dtype)
    dy = np.ones(3, dtype=dtype)
    dx = nans(3, dtype)
    fn("pow_scalar_bwd", dtype)(3, rptr(x), rptr(dy), wptr(dx), 0.0)
    np.testing.assert_array_equal(dx, np.zeros(3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_pow_bwd_matches_closed_form(dtype, n, rng):
    a = (np.abs(rng.standard_normal(n)) + 0.25).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    if n > 3:
        a[0], b[0] = 0, 2       # a == 0, b >= 0: db = 0
        b[1] = 0                # b == 0: da = 0
        a[2], b[2] = 0, 0
    y = np.power(a, b)
    dy = rng.standard_normal(n).astype(dtype)
    da, db = nans(n, dtype), nans(n, dtype)
    fn("pow_bwd", dtype)(n, rptr(a), rptr(b), rptr(y), rptr(dy), wptr(da), wptr(db))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(all="ignore"):
        want_da = np.where(b64 == 0, 0.0, dy * b64 * a64 ** (b64 - 1))
        want_db = np.where((a64 == 0) & (b64 >= 0), 0.0, dy * y.astype(np.float64) * np.log(a64))
    rtol = 4e-6 if dtype == np.float32 else 1e-13
    close(da, want_da, dtype, rtol=rtol)
    close(db, want_db, dtype, rtol=rtol)
    # a NULL gradient output is skipped
    fn("pow_bwd", dtype)(n, rptr(a), rptr(b), rptr(y), rptr(dy), ffi.NULL, wptr(db))


def test_pow_bwd_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([0.0, 0.0, 0.0, 2.0, 1.5, 0.0], dtype=np.float64)
    b = np.array([2.0, 0.0, -1.0, 0.0, 1.3, 0.5], dtype=np.float64)
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    ty = torch.pow(ta, tb)
    ty.backward(torch.ones_like(ty))
    y = ty.detach().numpy().copy()
    dy = np.ones(6)
    da, db = nans(6, np.float64), nans(6, np.float64)
    lib.fg_pow_bwd_f64(6, rptr(a), rptr(b), rptr(y), rptr(dy), wptr(da), wptr(db))
    np.testing.assert_allclose(da, ta.grad.numpy(), equal_nan=True)
    np.testing.assert_allclose(db, tb.grad.numpy(), equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_scale_axpy_match_numpy(dtype, n, rng):
    x = rng.standard_normal(n).astype(dtype)
    y = nans(n, dtype)
    fn("scale", dtype)(n, rptr(x), wptr(y), -0.375)
    close(y, x * -0.375, dtype)
    acc = rng.standard_normal(n).astype(dtype)
    want = acc.astype(np.float64) + 0.75 * x.astype(np.float64)
    fn("axpy", dtype)(n, rptr(x), wptr(acc), 0.75)
    close(acc, want, dtype, atol=1e-6 if dtype == np.float32 else 1e-15)
    want = acc.astype(np.float64) + x
    fn("axpy", dtype)(n, rptr(x), wptr(acc), 1.0)
    close(acc, want, dtype, atol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (-np.inf, 0.25), (0.0, np.inf), (1.0, -1.0)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_clamp_fwd_bwd_match_torch_semantics(bounds, dtype, n, rng):
    lo, hi = bounds
    x = rng.standard_normal(n).astype(dtype)
    if n > 4:
        x[0], x[1], x[2] = np.nan, 0.5, -0.5     # NaN and values exactly on the bounds
    dy = rng.standard_normal(n).astype(dtype)
    y, dx = nans(n, dtype), nans(n, dtype)
    fn("clamp_fwd", dtype)(n, rptr(x), wptr(y), lo, hi)
    fn("clamp_bwd", dtype)(n, rptr(x), rptr(dy), wptr(dx), lo, hi)
    want = np.where(np.isnan(x), np.nan, np.minimum(np.maximum(x, dtype(lo)), dtype(hi)))
    np.testing.assert_array_equal(y, want.astype(dtype))
    np.testing.assert_array_equal(dx, np.where((x >= lo) & (x <= hi), dy, 0).astype(dtype))


@pytest.mark.parametrize("is_max", [1, 0])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_maxmin_bwd_ties_split_as_torch(is_max, dtype, n, rng):
    a = rng.integers(-2, 3, n).astype(dtype)
    b = rng.integers(-2, 3, n).astype(dtype)
    if n > 3:
        a[0] = np.nan
        b[1] = np.nan
    dy = rng.standard_normal(n).astype(dtype)
    da, db = nans(n, dtype), nans(n, dtype)
    fn("maxmin_bwd", dtype)(is_max, n, rptr(a), rptr(b), rptr(dy), wptr(da), wptr(db))
    g = np.where(a == b, dy / 2, dy)
    a_loses = a < b if is_max else a > b
    b_loses = a > b if is_max else a < b
    np.testing.assert_array_equal(da, np.where(a_loses, 0, g).astype(dtype))
    np.testing.assert_array_equal(db, np.where(b_loses, 0, g).astype(dtype))
    fn("maxmin_bwd", dtype)(is_max, n, rptr(a), rptr(b), rptr(dy), ffi.NULL, wptr(db))
    fn("maxmin_bwd", dtype)(is_max, n, rptr(a), rptr(b), rptr(dy), wptr(da), ffi.NULL)


@pytest.mark.parametrize("is_max", [1, 0])
def test_maxmin_bwd_matches_torch(is_max):
    torch = pytest.importorskip("torch")
    a = np.array([1.0, np.nan, 2.0, 3.0, 1.0, -np.inf])
    b = np.array([1.0, 1.0, np.nan, 2.0, 4.0, -np.inf])
    dy = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (torch.maximum if is_max else torch.minimum)(ta, tb).backward(torch.tensor(dy))
    da, db = nans(6, np.float64), nans(6, np.float64)
    lib.fg_maxmin_bwd_f64(is_max, 6, rptr(a), rptr(b), rptr(dy), wptr(da), wptr(db))
    np.testing.assert_array_equal(da, ta.grad.numpy())
    np.testing.assert_array_equal(db, tb.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n", [(0, 3), (3, 0), (1, 1), (7, 9), (33, 17), (5, 1029), (1029, 7)])
def test_bias_add_colsum_match_numpy(dtype, m, n, rng):
    x = rng.standard_normal((m, n)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    y = nans((m, n), dtype)
    fn("bias_add", dtype)(m, n, rptr(x), rptr(b), wptr(y))
    close(y, x.astype(np.float64) + b, dtype)
    fn("bias_add", dtype)(m, n, rptr(x), rptr(b), wptr(x))     # in place
    np.testing.assert_array_equal(x, y)
    s = nans(n, dtype)
    fn("colsum", dtype)(m, n, rptr(x), wptr(s))
    close(s, x.astype(np.float64).sum(axis=0), dtype, atol=1e-12)


def test_colsum_fwd_accumulates_in_double():
    x = np.ones((1 << 17, 2), dtype=np.float32) * np.float32(0.1)
    x[0] = 1e8
    s = nans(2, np.float32)
    lib.fg_colsum_f32(x.shape[0], 2, rptr(x), wptr(s))
    want = np.float32(1e8 + (x.shape[0] - 1) * np.float64(np.float32(0.1)))
    np.testing.assert_array_equal(s, [want, want])
