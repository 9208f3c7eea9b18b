"""The SIMD paths of the bandwidth-bound kernels (issue 16 item 5) at every ISA level: exp,
sigmoid and tanh (AVX2 and AVX-512 tables), the one-pass row kernels of softmax, log_softmax and
cross-entropy, and the mse sum, at sizes around the SIMD widths (8 and 16 lanes), against numpy
float64, with NaN / inf handled as the reference level handles them."""
import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr, wptr

SIZES = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1029]
EDGES = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.5, -90.0, -103.0, 1e-30], np.float32)


def nans(shape):
    return np.full(shape, np.nan, np.float32)


def at_level(level, f):
    """f() run at ISA level `level`, the active level restored"""
    before = lib.fg_get_isa()
    assert lib.fg_set_isa(level) == 0
    try:
        return f()
    finally:
        lib.fg_set_isa(before)


def with_edges(x, rng):
    """x with the edge values at random places (body and tail lanes alike)"""
    x = x.copy()
    k = min(x.size, EDGES.size)
    x[rng.choice(x.size, k, replace=False)] = EDGES[:k]
    return x


def close(got, want, rtol=2e-6, atol=1e-37):
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=atol, equal_nan=True)


def unary(name, x):
    y = nans(x.size)
    if name == "exp":
        lib.fg_unary_f32(lib.FG_EXP, x.size, rptr(x), wptr(y))
    else:
        getattr(lib, f"fg_{name}_fwd_f32")(x.size, rptr(x), wptr(y))
    return y


def sigmoid64(x):
    x = x.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


REF64 = {"exp": lambda x: np.exp(x.astype(np.float64)), "sigmoid": sigmoid64,
         "tanh": lambda x: np.tanh(x.astype(np.float64))}


@pytest.mark.parametrize("name", ["exp", "sigmoid", "tanh"])
@pytest.mark.parametrize("n", SIZES)
def test_unary_matches_float64_and_reference_edges(isa, name, n, rng):
    x = (rng.standard_normal(n) * 6).astype(np.float32)
    with np.errstate(over="ignore"):
        close(unary(name, x), REF64[name](x))
    xe = with_edges(x, rng)
    got = unary(name, xe)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(at_level(0, lambda: unary(name, xe))))
    fin = np.isfinite(xe)
    with np.errstate(over="ignore"):
        want = REF64[name](xe)
    close(got[fin], want[fin])
    np.testing.assert_array_equal(got[~fin & ~np.isnan(xe)], want[~fin & ~np.isnan(xe)])


@pytest.mark.parametrize("name", ["exp", "sigmoid", "tanh"])
def test_avx512_bitwise_avx2(name):
    # the AVX-512 kernels use the AVX2 polynomials and operation order; vscalefps rounds once, as
    # the AVX2 exp's two half-scalings: bitwise the same results, gradual underflow included
    if not lib.fg_cpu_supports(2):
        pytest.skip("CPU lacks AVX-512")
    x = np.concatenate([np.linspace(-110, 95, 20001), np.geomspace(1e-30, 1, 501), EDGES]).astype(np.float32)
    np.testing.assert_array_equal(at_level(2, lambda: unary(name, x)), at_level(1, lambda: unary(name, x)))


def test_exp_within_1_2_ulp(isa):
    # expf_fit.h: at most 1.16 ulp over every float in [-110, 95] (checked exhaustively when the
    # fit was made); here 2e6 points across the range, the fast path's boundaries -87.3 / 88.3
    # densely, and the gradual underflow below -87.34
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-104, 88.7, 2_000_000), np.linspace(-87.5, -87.1, 20001),
                        np.linspace(88.1, 88.7, 20001)]).astype(np.float32)
    got = unary("exp", x).astype(np.float64)
    want = np.exp(x.astype(np.float64))
    ulp = np.spacing(want.astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - want) / ulp) <= 1.2


def test_exp_lane_independent_of_its_neighbours(isa):
    # a vector with one lane off the fast path (NaN, overflow, gradual underflow) is computed
    # whole on the edge path: every other lane's result must stay bitwise the same
    x = np.linspace(-20, 20, 64).astype(np.float32)
    alone = unary("exp", x)
    for v in (np.nan, 89.0, -100.0, np.inf, -np.inf):
        for j in range(17):
            xe = x.copy()
            xe[j] = v
            got = unary("exp", xe)
            keep = np.arange(x.size) != j
            np.testing.assert_array_equal(got[keep], alone[keep])


def softmax64(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax64(x):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def rows(name, x, dy=None):
    """fg_<name>_{fwd|bwd}_f32 over the rows of x (and dy for the backward)"""
    o, k = x.shape
    out = nans(x.shape)
    if dy is None:
        getattr(lib, f"fg_{name}_fwd_f32")(o, k, 1, rptr(x), wptr(out))
    else:
        getattr(lib, f"fg_{name}_bwd_f32")(o, k, 1, rptr(x), rptr(dy), wptr(out))
    return out


@pytest.mark.parametrize("k", [k for k in SIZES if k > 0])
def test_softmax_rows_fwd_bwd(isa, k, rng):
    # 11 rows: the row maxima are taken 8 rows at a time, so a partial block follows a full one
    x = (rng.standard_normal((11, k)) * 5).astype(np.float32)
    dy = rng.standard_normal((11, k)).astype(np.float32)
    y = rows("softmax", x)
    close(y, softmax64(x), atol=1e-300)
    y64 = y.astype(np.float64)
    close(rows("softmax", y, dy), y64 * (dy - (dy * y64).sum(axis=1, keepdims=True)), rtol=1e-5, atol=1e-6)
    ly = rows("log_softmax", x)
    close(ly, log_softmax64(x), atol=2e-6)
    want = dy - np.exp(ly.astype(np.float64)) * dy.astype(np.float64).sum(axis=1, keepdims=True)
    close(rows("log_softmax", ly, dy), want, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("k", [1, 7, 8, 9, 15, 16, 17, 31, 33])
def test_softmax_rows_nan_inf_as_reference(isa, name, k, rng):
    # one edge value per row, in every lane position (body and tail), rows of finite values between
    x = rng.standard_normal((2 * k * 3, k)).astype(np.float32)
    for r, v in enumerate((np.nan, np.inf, -np.inf)):
        for j in range(k):
            x[2 * (r * k + j), j] = v
    y = rows(name, x)
    ref = at_level(0, lambda: rows(name, x))
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(y), np.isinf(ref))
    fin = np.isfinite(ref)
    close(y[fin], ref[fin].astype(np.float64), atol=2e-6)
    # backward through edge values: dy - exp(y) s and y (dy - s) propagate NaN / inf as the reference
    dy = rng.standard_normal(x.shape).astype(np.float32)
    gy, gref = rows(name, ref, dy), at_level(0, lambda: rows(name, ref, dy))
    np.testing.assert_array_equal(np.isnan(gy), np.isnan(gref))
    fin = np.isfinite(gref)
    close(gy[fin], gref[fin].astype(np.float64), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("ls", [0.0, 0.1])
@pytest.mark.parametrize("c", [k for k in SIZES if k > 0])
def test_cross_entropy_rows_fwd_bwd(isa, ls, c, rng):
    n = 11
    x = (rng.standard_normal((n, c)) * 3).astype(np.float32)
    target = rng.integers(0, c, n).astype(np.int64)
    target[-1] = c - 1                                # the last class: a tail lane when c % 8
    target[3] = -100                                  # ignored
    logp, loss = nans((n, c)), nans(n)
    assert lib.fg_cross_entropy_fwd_f32(n, c, rptr(x), rptr(target), ffi.NULL, wptr(logp), wptr(loss),
                                        ffi.NULL, -100, ls) == -1
    lp64 = log_softmax64(x)
    close(logp, lp64, atol=2e-6)
    keep = target != -100
    tt = np.where(keep, target, 0)
    coef = np.full((n, c), ls / c)
    coef[np.arange(n), tt] += 1 - ls
    coef[~keep] = 0
    close(loss, -(coef * lp64).sum(axis=1), atol=4e-6)
    dl = rng.standard_normal(n).astype(np.float32)
    dx = nans((n, c))
    lib.fg_cross_entropy_bwd_f32(n, c, rptr(logp), rptr(target), ffi.NULL, rptr(dl), 1, wptr(dx), -100, ls)
    grad = np.exp(lp64) * coef.sum(axis=1, keepdims=True) - coef
    close(dx, dl[:, None].astype(np.float64) * grad, atol=2e-6)


@pytest.mark.parametrize("c", [1, 8, 9, 17, 33])
def test_cross_entropy_nan_inf_logits_as_reference(isa, c, rng):
    x = rng.standard_normal((3, c)).astype(np.float32)
    x[0, c - 1], x[1, 0] = np.nan, np.inf
    target = np.zeros(3, np.int64)

    def run():
        logp, loss, dx = nans((3, c)), nans(3), nans((3, c))
        lib.fg_cross_entropy_fwd_f32(3, c, rptr(x), rptr(target), ffi.NULL, wptr(logp), wptr(loss),
                                     ffi.NULL, -100, 0.0)
        lib.fg_cross_entropy_bwd_f32(3, c, rptr(logp), rptr(target), ffi.NULL,
                                     rptr(np.ones(3, np.float32)), 1, wptr(dx), -100, 0.0)
        return logp, loss, dx

    for got, ref in zip(run(), at_level(0, run)):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        fin = np.isfinite(ref)
        close(got[fin], ref[fin].astype(np.float64), atol=2e-6)


@pytest.mark.parametrize("n", SIZES)
def test_mse_sum_matches_float64(isa, n, rng):
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    t = rng.standard_normal(n).astype(np.float32)
    d = x.astype(np.float64) - t
    np.testing.assert_allclose(lib.fg_mse_fwd_f32(n, rptr(x), rptr(t)), (d * d).sum(), rtol=1e-13)
    if n:
        for v, isnan in ((np.nan, True), (np.inf, False)):   # in the last (tail) lane
            xe = x.copy()
            xe[-1] = v
            s = lib.fg_mse_fwd_f32(n, rptr(xe), rptr(t))
            assert np.isnan(s) == isnan and (isnan or s == np.inf)
