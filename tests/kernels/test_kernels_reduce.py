"""C-level tests of csrc/reduce.c against numpy float64 closed forms."""
import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr, wptr

SIZES = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1029]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
RTOL = {np.float32: 1e-6, np.float64: 1e-14}
# (outer, len, inner) shapes: row reductions, column reductions, inner blocks past 256, empties
SHAPES = [(1, 1, 1), (3, 7, 1), (2, 9, 5), (1, 1029, 1), (4, 17, 3), (2, 5, 300), (5, 33, 16),
          (0, 4, 3), (3, 4, 0), (1, 3, 257)]


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[dtype]}")


def nans(shape, dtype):
    return np.full(shape, np.nan, dtype=dtype)


def close(got, want, dtype, rtol=None, atol=0.0):
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol or RTOL[dtype], atol=atol,
                               equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_sum_fwd_matches_numpy(dtype, n, rng):
    x = rng.standard_normal(n).astype(dtype)
    s = fn("sum", dtype)(n, rptr(x))
    np.testing.assert_allclose(s, x.astype(np.float64).sum(), rtol=1e-13, atol=1e-13)


def test_sum_fwd_accumulates_in_double():
    x = np.full(1 << 20, 0.1, dtype=np.float32)
    assert lib.fg_sum_f32(x.size, rptr(x)) == pytest.approx(x.size * float(np.float32(0.1)),
                                                            rel=1e-13)


@pytest.mark.parametrize("scale", [1.0, 0.25])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_sum_axis_fwd_matches_numpy(scale, dtype, shape, rng):
    x = rng.standard_normal(shape).astype(dtype)
    o, k, i = shape
    y = nans((o, i), dtype)
    fn("sum_axis", dtype)(o, k, i, rptr(x), wptr(y), scale)
    close(y, scale * x.astype(np.float64).sum(axis=1), dtype, atol=1e-13)


@pytest.mark.parametrize("is_max", [1, 0])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_maxmin_axis_fwd_matches_numpy(is_max, dtype, shape, rng):
    o, k, i = shape
    x = rng.integers(-3, 4, shape).astype(dtype)   # many ties: the first index must win
    y = nans((o, i), dtype)
    idx = np.full((o, i), -7, dtype=np.int64)
    fn("maxmin_axis", dtype)(is_max, o, k, i, rptr(x), wptr(y), wptr(idx))
    want = x.max(axis=1) if is_max else x.min(axis=1)
    warg = x.argmax(axis=1) if is_max else x.argmin(axis=1)
    np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(idx, warg)


@pytest.mark.parametrize("is_max", [1, 0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_maxmin_axis_fwd_nan_propagates_with_index(is_max, dtype):
    x = np.array([[1, np.nan, 3, np.nan], [np.inf, 2, -np.inf, 0], [np.nan, 1, 1, 1]], dtype=dtype)
    y = nans(3, dtype)
    idx = np.full(3, -7, dtype=np.int64)
    fn("maxmin_axis", dtype)(is_max, 3, 4, 1, rptr(x), wptr(y), wptr(idx))
    np.testing.assert_array_equal(y, [np.nan, np.inf if is_max else -np.inf, np.nan])
    np.testing.assert_array_equal(idx, [1, 0 if is_max else 2, 0])
    fn("maxmin_axis", dtype)(is_max, 3, 4, 1, rptr(x), wptr(y), ffi.NULL)   # no indices wanted


@pytest.mark.parametrize("is_max", [1, 0])
def test_maxmin_axis_fwd_matches_torch(is_max, rng):
    torch = pytest.importorskip("torch")
    x = rng.integers(-2, 3, (6, 9)).astype(np.float32)
    x[1, 4] = x[1, 7] = x[4, 0] = np.nan
    y = nans(6, np.float32)
    idx = np.zeros(6, dtype=np.int64)
    lib.fg_maxmin_axis_f32(is_max, 6, 9, 1, rptr(x), wptr(y), wptr(idx))
    r = (torch.max if is_max else torch.min)(torch.tensor(x), dim=1)
    np.testing.assert_array_equal(y, r.values.numpy())
    np.testing.assert_array_equal(idx, r.indices.numpy())


def softmax64(x, axis=1):
    x = x.astype(np.float64)
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax64(x, axis=1):
    x = x.astype(np.float64)
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_softmax_fwd_bwd_match_closed_form(isa, dtype, shape, rng):
    o, k, i = shape
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    y, dx = nans(shape, dtype), nans(shape, dtype)
    fn("softmax_fwd", dtype)(o, k, i, rptr(x), wptr(y))
    want = softmax64(x)
    close(y, want, dtype, rtol=2e-6 if dtype == np.float32 else 1e-14, atol=1e-300)
    fn("softmax_bwd", dtype)(o, k, i, rptr(y), rptr(dy), wptr(dx))
    y64 = y.astype(np.float64)
    want_dx = y64 * (dy - (dy * y64).sum(axis=1, keepdims=True))
    close(dx, want_dx, dtype, rtol=1e-5 if dtype == np.float32 else 1e-12,
          atol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_log_softmax_fwd_bwd_match_closed_form(isa, dtype, shape, rng):
    o, k, i = shape
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    y, dx = nans(shape, dtype), nans(shape, dtype)
    fn("log_softmax_fwd", dtype)(o, k, i, rptr(x), wptr(y))
    close(y, log_softmax64(x), dtype, rtol=2e-6 if dtype == np.float32 else 1e-14,
          atol=2e-6 if dtype == np.float32 else 1e-14)
    fn("log_softmax_bwd", dtype)(o, k, i, rptr(y), rptr(dy), wptr(dx))
    y64 = y.astype(np.float64)
    want_dx = dy - np.exp(y64) * dy.astype(np.float64).sum(axis=1, keepdims=True)
    close(dx, want_dx, dtype, rtol=1e-5 if dtype == np.float32 else 1e-12,
          atol=2e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_fwd_stable_at_1e4(isa, dtype):
    x = np.array([[1e4, -1e4, 0.0, 1e4 - 1], [-1e4, -1e4 + 2, -1e4 + 1, -1e4]], dtype=dtype)
    y, s = nans(x.shape, dtype), nans(x.shape, dtype)
    fn("log_softmax_fwd", dtype)(2, 4, 1, rptr(x), wptr(y))
    fn("softmax_fwd", dtype)(2, 4, 1, rptr(x), wptr(s))
    close(y, log_softmax64(x), dtype, rtol=1e-6, atol=1e-6)
    close(s, softmax64(x), dtype, rtol=1e-6, atol=1e-300)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["softmax_fwd", "log_softmax_fwd"])
def test_softmax_fwd_row_max_nan_anywhere(isa, name, dtype, rng):
    # the row max is vectorised: a NaN in any lane (body or tail) makes its row NaN, other rows
    # are untouched; a row whose max sits in the tail or in lane 0 is exact
    for k in (1, 2, 7, 8, 9, 15, 16, 17, 31, 33):
        x = rng.standard_normal((k + 2, k)).astype(dtype)
        for r in range(k):
            x[r, r] = np.nan
        x[k, k - 1] = 50.0                       # max in the last (tail) position
        x[k + 1, 0] = 50.0                       # max in the first
        y = nans(x.shape, dtype)
        fn(name, dtype)(k + 2, k, 1, rptr(x), wptr(y))
        assert np.isnan(y[:k]).all()
        want = softmax64(x[k:]) if name == "softmax_fwd" else log_softmax64(x[k:])
        close(y[k:], want, dtype, rtol=2e-6 if dtype == np.float32 else 1e-14,
              atol=2e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_fwd_inf_and_nan_rows_as_torch(isa, dtype):
    torch = pytest.importorskip("torch")
    x = np.array([[np.inf, 1, 2], [-np.inf, 1, 2], [np.nan, 1, 2], [-np.inf, -np.inf, -np.inf]],
                 dtype=dtype)
    for name, tfn in (("softmax_fwd", torch.softmax), ("log_softmax_fwd", torch.log_softmax)):
        y = nans(x.shape, dtype)
        fn(name, dtype)(4, 3, 1, rptr(x), wptr(y))
        np.testing.assert_allclose(y, tfn(torch.tensor(x), 1).numpy(), rtol=1e-6, equal_nan=True)
