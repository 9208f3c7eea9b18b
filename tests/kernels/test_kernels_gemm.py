"""C-level tests of csrc/gemm*.c: every ISA level against numpy (float64) and the reference kernel.

Shapes straddle the register tiles (MR = 4/6/12, NR = 8/16/32) and the cache blocks
(MC = 96..144, KC = 256/384, NC = 2048/4096 of the reference and AVX-512 kernels; the AVX2 blocks
come from the cache sizes, see test_kernels_gemm_edges.py) plus 0, 1 and primes; the blocked
path is taken when m*n*k > 64**3, the in-place small path below that.
"""
import numpy as np
import pytest

from fastgrad._ffi import NULL, lib, rptr, wptr

DTYPES = [np.float32, np.float64]
EPS = {np.dtype(np.float32): np.finfo(np.float32).eps, np.dtype(np.float64): np.finfo(np.float64).eps}

# (m, n, k): small path, tile edges, cache-block edges
SHAPES = [
    (0, 5, 3), (4, 0, 3), (3, 4, 0), (1, 1, 1), (2, 3, 5), (7, 13, 11), (16, 16, 16),
    (3, 7, 9), (5, 9, 17), (11, 31, 13), (13, 33, 23), (12, 32, 384), (64, 64, 64),
    (97, 67, 71), (95, 33, 97),                   # blocked; MC=96 edges, MR=12 remainders
    (23, 65, 385), (25, 17, 767), (13, 129, 257),  # KC = 256 / 384 edges
    (13, 4097, 7), (7, 2049, 29),                  # NC = 4096 / 2048 edges
    (129, 145, 130), (257, 31, 97),
]
TRANS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def _fn(name, dtype):
    return getattr(lib, "fg_%s_%s" % (name, "f32" if np.dtype(dtype) == np.float32 else "f64"))


def _operand(rng, rows, cols, dtype, pad):
    """A rows x cols matrix stored with row stride cols + pad: (storage, view, ld)."""
    store = rng.standard_normal((rows, cols + pad)).astype(dtype)
    return store, store[:, :cols], cols + pad


def _bound(opa, opb, alpha, beta, c0, k, dtype):
    """Componentwise rounding bound 2 (k + 2) u (|alpha| |A| |B| + |beta| |C0|)."""
    mag = abs(alpha) * (np.abs(opa.astype(np.float64)) @ np.abs(opb.astype(np.float64)))
    if beta != 0:
        mag = mag + abs(beta) * np.abs(c0.astype(np.float64))
    return 2 * (k + 2) * EPS[np.dtype(dtype)] * mag + 1e-30


def _gemm(ta, tb, m, n, k, alpha, beta, dtype, rng, pad=0, c_init=None):
    """Run fg_gemm on random operands; returns (C, exact float64 result, bound)."""
    sa, a, lda = _operand(rng, k if ta else m, m if ta else k, dtype, pad)
    sb, b, ldb = _operand(rng, n if tb else k, k if tb else n, dtype, pad)
    sc = np.full((m, n + pad), np.nan, dtype) if c_init is None else c_init
    c0 = sc[:, :n].copy()
    _fn("gemm", dtype)(ta, tb, m, n, k, alpha, rptr(sa), lda, rptr(sb), ldb, beta, wptr(sc), n + pad)
    opa, opb = (a.T if ta else a), (b.T if tb else b)
    exact = alpha * (opa.astype(np.float64) @ opb.astype(np.float64))
    if beta != 0:
        exact = exact + beta * c0.astype(np.float64)
    return sc, exact, _bound(opa, opb, alpha, beta, c0, k, dtype)


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    before = lib.fg_get_num_threads()
    lib.fg_set_num_threads(request.param)
    yield request.param
    lib.fg_set_num_threads(before)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", TRANS)
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_gemm_fwd_matches_numpy_float64(m, n, k, ta, tb, dtype, isa, threads, rng):
    c, exact, bound = _gemm(ta, tb, m, n, k, 1.0, 0.0, dtype, rng)  # C prefilled with NaN
    assert np.all(np.abs(c - exact) <= bound), np.max(np.abs(c - exact) - bound)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", TRANS)
@pytest.mark.parametrize("m,n,k", [(5, 9, 17), (64, 64, 64), (97, 67, 71), (23, 65, 385)])
@pytest.mark.parametrize("alpha,beta", [(0.5, 0.0), (1.5, -0.5), (1.0, 1.0), (0.0, 2.0), (0.0, 0.0)])
def test_gemm_fwd_alpha_beta_and_leading_dims(m, n, k, ta, tb, alpha, beta, dtype, isa, rng):
    pad = 3
    c_init = rng.standard_normal((m, n + pad)).astype(dtype)
    if beta == 0:
        c_init[:, :n] = np.nan            # beta == 0 must not read C
    c_init[:, n:] = 7.0                   # padding columns must stay untouched
    c, exact, bound = _gemm(ta, tb, m, n, k, alpha, beta, dtype, rng, pad=pad, c_init=c_init)
    assert np.all(np.abs(c[:, :n] - exact) <= bound)
    assert np.all(c[:, n:] == 7.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", TRANS)
def test_gemm_fwd_isa_matches_reference_kernel(ta, tb, dtype, isa, rng):
    shapes = [(int(rng.integers(1, 150)), int(rng.integers(1, 150)), int(rng.integers(1, 450)))
              for _ in range(6)] + [(131, 67, 401)]
    for m, n, k in shapes:
        seed = int(rng.integers(1 << 30))
        c_isa, exact, bound = _gemm(ta, tb, m, n, k, 1.0, 0.0, dtype, np.random.default_rng(seed))
        before = lib.fg_get_isa()
        lib.fg_set_isa(lib.FG_ISA_REFERENCE)
        try:
            c_ref, _, _ = _gemm(ta, tb, m, n, k, 1.0, 0.0, dtype, np.random.default_rng(seed))
        finally:
            lib.fg_set_isa(before)
        assert np.all(np.abs(c_isa - c_ref) <= 2 * bound), (m, n, k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", [(0, 1), (0, 0), (1, 0)])
@pytest.mark.parametrize("m,n,k", [(300, 280, 390), (13, 4097, 9), (7, 33, 5000),
                                   (32, 200, 784), (100, 130, 70), (128, 512, 300)])
def test_gemm_fwd_bitwise_identical_for_any_thread_count(m, n, k, ta, tb, dtype, isa, rng):
    # rows that fit one MC block share a packed A and split by column groups, the others split by
    # row groups: both must give the single-thread result bit for bit
    results = []
    before = lib.fg_get_num_threads()
    try:
        for nt in (1, 2, 3):
            lib.fg_set_num_threads(nt)
            c, _, _ = _gemm(ta, tb, m, n, k, 1.0, 0.0, dtype, np.random.default_rng(5))
            results.append(c)
    finally:
        lib.fg_set_num_threads(before)
    for c in results[1:]:
        np.testing.assert_array_equal(c, results[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 1)])
@pytest.mark.parametrize("bcast", ["none", "a", "b"])
@pytest.mark.parametrize("batch,m,n,k", [(0, 3, 3, 3), (1, 5, 7, 9), (5, 13, 17, 11), (3, 70, 65, 80)])
def test_gemm_batched_matches_numpy(batch, m, n, k, bcast, ta, tb, dtype, isa, threads, rng):
    a = rng.standard_normal((1 if bcast == "a" else batch,) + ((k, m) if ta else (m, k))).astype(dtype)
    b = rng.standard_normal((1 if bcast == "b" else batch,) + ((n, k) if tb else (k, n))).astype(dtype)
    c = np.full((batch, m, n), np.nan, dtype)
    sa = 0 if bcast == "a" else m * k
    sb = 0 if bcast == "b" else k * n
    _fn("gemm_batched", dtype)(ta, tb, batch, m, n, k, 1.0, rptr(a), sa, a.shape[2], rptr(b), sb,
                               b.shape[2], 0.0, wptr(c), m * n, n)
    if batch == 0:
        return
    opa = np.swapaxes(a, 1, 2) if ta else a
    opb = np.swapaxes(b, 1, 2) if tb else b
    exact = opa.astype(np.float64) @ opb.astype(np.float64)
    bound = 2 * (k + 2) * EPS[np.dtype(dtype)] * (np.abs(opa.astype(np.float64)) @ np.abs(opb.astype(np.float64)))
    assert np.all(np.abs(c - exact) <= bound + 1e-30)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (4, 3, 5), (32, 10, 784), (33, 130, 65), (130, 97, 300)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_fwd_matches_numpy(m, n, k, with_bias, dtype, isa, threads, rng):
    x = rng.standard_normal((m, k)).astype(dtype)
    w = rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    y = np.full((m, n), np.nan, dtype)
    _fn("linear_fwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(b) if with_bias else NULL, wptr(y))
    exact = x.astype(np.float64) @ w.T.astype(np.float64) + (b if with_bias else 0)
    bound = 2 * (k + 3) * EPS[np.dtype(dtype)] * (np.abs(x) @ np.abs(w.T) + np.abs(b)).astype(np.float64)
    assert np.all(np.abs(y - exact) <= bound)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (4, 3, 5), (32, 10, 784), (33, 130, 65), (130, 97, 300)])
@pytest.mark.parametrize("want", ["all", "dx", "dw", "db", "none"])
def test_linear_bwd_matches_numpy(m, n, k, want, dtype, isa, threads, rng):
    x = rng.standard_normal((m, k)).astype(dtype)
    w = rng.standard_normal((n, k)).astype(dtype)
    dy = rng.standard_normal((m, n)).astype(dtype)
    outs = {name: np.full(shape, np.nan, dtype)
            for name, shape in (("dx", (m, k)), ("dw", (n, k)), ("db", (n,)))
            if want in ("all", name)}
    ptr = {name: wptr(outs[name]) if name in outs else NULL for name in ("dx", "dw", "db")}
    _fn("linear_bwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(dy), ptr["dx"], ptr["dw"], ptr["db"])
    x64, w64, dy64 = (v.astype(np.float64) for v in (x, w, dy))
    u = EPS[np.dtype(dtype)]
    if "dx" in outs:
        assert np.all(np.abs(outs["dx"] - dy64 @ w64) <= 2 * (n + 2) * u * (np.abs(dy64) @ np.abs(w64)))
    if "dw" in outs:
        assert np.all(np.abs(outs["dw"] - dy64.T @ x64) <= 2 * (m + 2) * u * (np.abs(dy64.T) @ np.abs(x64)))
    if "db" in outs:  # double accumulation: one final rounding
        np.testing.assert_allclose(outs["db"], dy64.sum(axis=0), rtol=2 * u, atol=4 * u * np.abs(dy64).sum(0).max())


# -- inconsistent sizes: an error code and nothing touched, never an out-of-bounds access --------
BIG = 1 << 62  # products of two such sizes overflow int64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb,m,n,k,lda,ldb,ldc", [
    (0, 0, -1, 4, 4, 4, 4, 4), (0, 0, 4, -1, 4, 4, 4, 4), (0, 0, 4, 4, -1, 4, 4, 4),
    (0, 0, 4, 4, 4, 3, 4, 4),     # lda < k
    (1, 0, 4, 4, 4, 3, 4, 4),     # transposed A: lda < m
    (0, 0, 4, 4, 4, 4, 3, 4),     # ldb < n
    (0, 1, 4, 4, 4, 4, 3, 4),     # transposed B: ldb < k
    (0, 0, 4, 4, 4, 4, 4, 3),     # ldc < n
    (0, 0, 4, 4, 4, 4, 4, -4), (0, 0, BIG, 4, 4, 4, 4, 4), (0, 0, 4, 4, 4, BIG, 4, 4),
])
def test_gemm_fwd_inconsistent_sizes_return_error_untouched(ta, tb, m, n, k, lda, ldb, ldc, dtype):
    a = np.ones(16, dtype)
    b = np.ones(16, dtype)
    c = np.full(16, 7.0, dtype)
    assert _fn("gemm", dtype)(ta, tb, m, n, k, 1.0, rptr(a), lda, rptr(b), ldb, 0.0, wptr(c), ldc) == \
        lib.FG_ERR_SIZE
    np.testing.assert_array_equal(c, 7.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch,sa,sb,sc,m", [(-1, 4, 4, 4, 2), (2, -4, 4, 4, 2), (2, 4, -4, 4, 2),
                                             (2, 4, 4, -4, 2), (2, 4, 4, 4, -2)])
def test_gemm_batched_fwd_inconsistent_sizes_return_error_untouched(batch, sa, sb, sc, m, dtype):
    a, b, c = np.ones(16, dtype), np.ones(16, dtype), np.full(16, 7.0, dtype)
    assert _fn("gemm_batched", dtype)(0, 0, batch, m, 2, 2, 1.0, rptr(a), sa, 2, rptr(b), sb, 2,
                                      0.0, wptr(c), sc, 2) == lib.FG_ERR_SIZE
    np.testing.assert_array_equal(c, 7.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(-1, 2, 2), (2, -1, 2), (2, 2, -1), (BIG, 2, 2), (2, BIG, 2), (2, 2, BIG)])
def test_linear_fwd_bwd_inconsistent_sizes_return_error_untouched(m, n, k, dtype):
    x, w, b, dy = (np.ones(16, dtype) for _ in range(4))
    outs = [np.full(16, 7.0, dtype) for _ in range(3)]
    y, dx, dw = outs
    db = np.full(16, 7.0, dtype)
    err = lib.FG_ERR_SIZE
    assert _fn("linear_fwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(b), wptr(y)) == err
    assert _fn("linear_relu_fwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(b), wptr(y)) == err
    assert _fn("linear_bwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(dy), wptr(dx), wptr(dw), wptr(db)) == err
    assert _fn("linear_relu_bwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(b), rptr(dy), wptr(dx), wptr(dw),
                                         wptr(db)) == err
    for o in outs + [db]:
        np.testing.assert_array_equal(o, 7.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_linear_fwd_consistent_sizes_return_zero(dtype):
    a, b, c = np.ones(16, dtype), np.ones(16, dtype), np.zeros(16, dtype)
    assert _fn("gemm", dtype)(0, 0, 2, 3, 4, 1.0, rptr(a), 4, rptr(b), 3, 0.0, wptr(c), 3) == 0
    assert _fn("gemm", dtype)(0, 0, 0, 3, 4, 1.0, rptr(a), 4, rptr(b), 3, 0.0, wptr(c), 3) == 0
    assert _fn("gemm_batched", dtype)(0, 0, 2, 2, 2, 2, 1.0, rptr(a), 4, 2, rptr(b), 0, 2, 0.0,
                                      wptr(c), 4, 2) == 0
    np.testing.assert_array_equal(c[:8], 2.0)
    assert _fn("linear_fwd", dtype)(2, 2, 2, rptr(a), rptr(b), NULL, wptr(c)) == 0
    assert _fn("linear_bwd", dtype)(2, 2, 2, rptr(a), rptr(b), rptr(a), wptr(c), NULL, NULL) == 0
    assert _fn("linear_relu_fwd", dtype)(0, 2, 2, rptr(a), rptr(b), NULL, wptr(c)) == 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(0, 5, 3), (3, 4, 0), (1, 1, 1), (7, 13, 11),     # small path
                                   (97, 67, 71), (23, 65, 385), (13, 4097, 7),     # packed, k/NC blocks
                                   (129, 145, 130)])
@pytest.mark.parametrize("threads", [1, 2])
def test_linear_relu_fwd_epilogue_equals_linear_then_relu_bitwise(m, n, k, dtype, threads, isa):
    # the fused forward must be exactly relu(linear(x)) as the separate kernels compute it, on
    # the small, packed and threaded paths, NaN and -0 kept
    rng = np.random.default_rng(7)
    x = rng.standard_normal((m, k)).astype(dtype)
    w = rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    if m and k:
        x[0, 0] = np.nan            # a NaN row: relu keeps NaN
    if n:
        b[-1] = -0.0 if k == 0 else b[-1]
    want = np.empty((m, n), dtype)
    assert _fn("linear_fwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(b), wptr(want)) == 0
    want = np.where(want < 0, dtype(0), want)  # x < 0 ? 0 : x, as the relu kernel
    before = lib.fg_get_num_threads()
    lib.fg_set_num_threads(threads)
    lib.fg_gemm_always_threaded(1)
    try:
        for bias in (b, None):
            got = np.full((m, n), 7.0, dtype)
            assert _fn("linear_relu_fwd", dtype)(m, n, k, rptr(x), rptr(w), rptr(b) if bias is not None else NULL,
                                                wptr(got)) == 0
            ref = want
            if bias is None:
                ref = np.empty((m, n), dtype)
                _fn("linear_fwd", dtype)(m, n, k, rptr(x), rptr(w), NULL, wptr(ref))
                ref = np.where(ref < 0, dtype(0), ref)
            np.testing.assert_array_equal(got.view(np.uint8), ref.view(np.uint8))  # bits, -0 included
    finally:
        lib.fg_gemm_always_threaded(0)
        lib.fg_set_num_threads(before)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n", [(1, 1), (2, 3), (3, 7), (5, 1029), (64, 2048), (17, 65)])
@pytest.mark.parametrize("threads", [1, 2])
def test_linear_relu_bwd_mask_and_bias_sum_bitwise(m, n, dtype, threads, isa):
    # the mask pass (broadcast_rows.inc's relu_mask_rows, two rows at a time then one, in
    # chunks of 1024 columns): dz = y > 0 ? dy : +0 (NaN y masked, NaN dy masked where y <= 0)
    # and db = the row-order double sum of dz, bitwise at every level and thread count
    rng = np.random.default_rng(m * 7919 + n)
    y = rng.standard_normal((m, n)).astype(dtype)
    dy = rng.standard_normal((m, n)).astype(dtype)
    y.flat[::5] = np.nan
    y.flat[1::7] = -0.0
    dy.flat[2::3] = np.nan
    dz = np.where(y > 0, dy, dtype(0))
    acc = np.zeros(n)
    for row in dz.astype(np.float64):     # in row order, as fg_linear_bwd's bias sum
        acc += row
    x, w = np.ones((m, 1), dtype), np.ones((n, 1), dtype)
    before = lib.fg_get_num_threads()
    lib.fg_set_num_threads(threads)
    try:
        db, dw = np.full(n, 7.0, dtype), np.full((n, 1), 7.0, dtype)
        fn = _fn("linear_relu_bwd", dtype)
        assert fn(m, n, 1, rptr(x), rptr(w), rptr(y), rptr(dy), NULL, wptr(dw), wptr(db)) == 0
        np.testing.assert_array_equal(db.view(np.uint8), acc.astype(dtype).view(np.uint8))
        # dW = dz^T x with x = 1: each dz column summed by the GEMM (NaN where dz has one)
        np.testing.assert_array_equal(np.isnan(dw[:, 0]), np.isnan(acc))
        ok = ~np.isnan(acc)
        assert np.allclose(dw[ok, 0], acc[ok], rtol=1e-4, atol=1e-4 * m)
        dw2 = np.full((n, 1), 7.0, dtype)      # the mask alone (no db)
        assert fn(m, n, 1, rptr(x), rptr(w), rptr(y), rptr(dy), NULL, wptr(dw2), NULL) == 0
        np.testing.assert_array_equal(dw2.view(np.uint8), dw.view(np.uint8))
    finally:
        lib.fg_set_num_threads(before)
