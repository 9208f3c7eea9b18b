"""The prod, logsumexp and scan kernels (csrc/reduce.inc, csrc/scan.inc) called directly through
_ffi.lib: rows (inner = 1) and strided (inner > 1) layouts, odd sizes, NaN-filled outputs, float64
closed forms; rowmath-based kernels at every ISA level."""
import numpy as np
import pytest

from fastgrad._ffi import rptr, wptr

SIZES = [(1, 0, 1), (1, 1, 1), (3, 7, 1), (2, 33, 1), (1, 1029, 1), (2, 5, 3), (1, 9, 257), (3, 4, 300),
         (9, 13, 1), (16, 5, 1), (1, 4096, 1), (2, 10007, 1)]  # 8 rows side by side; long rows in pieces
DT = {np.float32: dict(rtol=2e-6, atol=1e-6), np.float64: dict(rtol=1e-13, atol=1e-14)}


def _call(lib, name, dtype, shape, *arrays, out_shape=None):
    sfx = "f32" if dtype == np.float32 else "f64"
    out = np.full(out_shape or shape, np.nan, dtype)
    getattr(lib, f"fg_{name}_{sfx}")(*shape, *[rptr(a) for a in arrays], wptr(out))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SIZES, ids=str)
def test_scan_kernels_fwd_bwd_match_numpy(lib, rng, dtype, shape):
    x = rng.uniform(0.5, 1.5, shape).astype(dtype)
    if shape[1] > 2000:   # cumprod and logcumsumexp stay finite and well conditioned
        x = rng.uniform(0.999, 1.001, shape).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    rev = lambda a: np.flip(np.cumsum(np.flip(a, 1), 1), 1)  # noqa: E731
    tol = dict(DT[dtype], atol=DT[dtype]["atol"] * np.sqrt(max(shape[1], 1)))  # sums of n terms near 0
    np.testing.assert_allclose(_call(lib, "cumsum_fwd", dtype, shape, x), np.cumsum(x64, 1), **tol)
    np.testing.assert_allclose(_call(lib, "cumsum_bwd", dtype, shape, dy), rev(dy64), **tol)
    y = _call(lib, "cumprod_fwd", dtype, shape, x)
    np.testing.assert_allclose(y, np.cumprod(x64, 1), **DT[dtype])
    np.testing.assert_allclose(_call(lib, "cumprod_bwd", dtype, shape, x, y, dy), rev(dy64 * np.cumprod(x64, 1)) / x64,
                               rtol=DT[dtype]["rtol"] * 50, atol=DT[dtype]["atol"] * 10)
    ly = _call(lib, "logcumsumexp_fwd", dtype, shape, x)
    ly64 = np.log(np.cumsum(np.exp(x64), 1))
    np.testing.assert_allclose(ly, ly64, **DT[dtype])
    ref = np.exp(x64) * rev(dy64 * np.exp(-ly64))
    np.testing.assert_allclose(_call(lib, "logcumsumexp_bwd", dtype, shape, x, ly, dy), ref,
                               rtol=DT[dtype]["rtol"] * 50, atol=DT[dtype]["atol"] * 50)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SIZES, ids=str)
def test_prod_logsumexp_kernels_match_numpy(lib, rng, isa, dtype, shape):
    x = rng.uniform(0.5, 1.5, shape).astype(dtype)
    if shape[1] > 2000:
        x = rng.uniform(0.999, 1.001, shape).astype(dtype)
    o, _, i = shape
    dy = rng.standard_normal((o, 1, i)).astype(dtype)
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    p = _call(lib, "prod_fwd", dtype, shape, x, out_shape=(o, 1, i))
    np.testing.assert_allclose(p, x64.prod(1, keepdims=True), **DT[dtype])
    np.testing.assert_allclose(_call(lib, "prod_bwd", dtype, shape, x, dy), dy64 * x64.prod(1, keepdims=True) / x64,
                               rtol=DT[dtype]["rtol"] * 50, atol=DT[dtype]["atol"])
    lse = _call(lib, "logsumexp_fwd", dtype, shape, x, out_shape=(o, 1, i))
    with np.errstate(divide="ignore"):
        lse64 = np.log(np.exp(x64).sum(1, keepdims=True))
    np.testing.assert_allclose(lse, lse64, **DT[dtype])
    np.testing.assert_allclose(_call(lib, "logsumexp_bwd", dtype, shape, x, lse, dy), dy64 * np.exp(x64 - lse64),
                               rtol=DT[dtype]["rtol"] * 10, atol=DT[dtype]["atol"] * 10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prod_and_cumprod_bwd_exact_with_zeros(lib, dtype):
    x = np.array([[2.0, 0.0, 3.0, 0.0, 5.0], [2.0, 0.0, 3.0, 4.0, 5.0]], dtype).reshape(2, 5, 1)
    dy = np.ones((2, 1, 1), dtype)
    g = _call(lib, "prod_bwd", dtype, (2, 5, 1), x, dy)
    np.testing.assert_array_equal(g.ravel(), [0, 0, 0, 0, 0, 0, 120, 0, 0, 0])
    y = _call(lib, "cumprod_fwd", dtype, (2, 5, 1), x)
    g = _call(lib, "cumprod_bwd", dtype, (2, 5, 1), x, y, np.ones_like(x))
    # row 2: d/dx0 = 1 + 0...; d/dx1 = 2 + 2*3 + 2*3*4 + 2*3*4*5 = 152; after the zero: 0
    np.testing.assert_array_equal(g.ravel(), [1, 8, 0, 0, 0, 1, 152, 0, 0, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_and_logcumsumexp_infinities(lib, dtype):
    inf = np.inf
    x = np.array([[-inf, -inf, -inf], [-inf, 1.0, inf], [0.0, np.nan, 1.0]], dtype).reshape(3, 3, 1)
    lse = _call(lib, "logsumexp_fwd", dtype, (3, 3, 1), x, out_shape=(3, 1, 1)).ravel()
    assert lse[0] == -inf and lse[1] == inf and np.isnan(lse[2])
    y = _call(lib, "logcumsumexp_fwd", dtype, (3, 3, 1), x).reshape(3, 3)
    np.testing.assert_array_equal(y[0], [-inf, -inf, -inf])
    np.testing.assert_array_equal(y[1], [-inf, 1.0, inf])
    assert y[2, 0] == 0 and np.isnan(y[2, 1:]).all()
    g = _call(lib, "logcumsumexp_bwd", dtype, (3, 3, 1), x, y.reshape(x.shape), np.ones_like(x)).reshape(3, 3)
    np.testing.assert_array_equal(g[0], [0, 0, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("largest", [1, 0])
@pytest.mark.parametrize("shape,k", [((1, 1, 1), 1), ((2, 9, 1), 3), ((1, 1000, 1), 7), ((3, 50, 4), 12),
                                     ((2, 64, 3), 64), ((1, 5, 2), 0)], ids=str)
def test_topk_kernel_matches_a_stable_sort(lib, rng, dtype, largest, shape, k):
    """ties (values from a small set) and NaNs: the k first of a stable sort, best first"""
    x = rng.integers(0, 6, shape).astype(dtype)
    x[rng.random(shape) < 0.1] = np.nan
    o, n, i = shape
    vals = np.full((o, k, i), -7, dtype)
    idx = np.full((o, k, i), -7, np.int64)
    sfx = "f32" if dtype == np.float32 else "f64"
    work = np.empty(max(k, 1), np.int64)
    getattr(lib, f"fg_topk_{sfx}")(o, n, i, k, largest, rptr(x), wptr(vals), wptr(idx), wptr(work))
    key = -np.nan_to_num(x, nan=np.inf) if largest else np.nan_to_num(x, nan=np.inf)
    want = np.argsort(key, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_array_equal(vals, np.take_along_axis(x, want, 1))
