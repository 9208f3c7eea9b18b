"""C-level tests of csrc/activation.c against numpy float64 closed forms (every ISA variant)."""
import math

import numpy as np
import pytest

from fastgrad._ffi import lib, rptr, wptr

SIZES = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1029]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
# transcendental results: a few ulp relative, plus an absolute floor for results near 0
TOL = {np.float32: dict(rtol=1e-6, atol=1e-37), np.float64: dict(rtol=2e-15, atol=1e-300)}
EDGES = [0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 3.0, -3.0, 9.0, -9.0, 15.0, -15.0,
         20.0, -20.0, 30.0, -30.0, 88.0, -88.0, 100.0, -100.0, 1e4, -1e4, np.inf, -np.inf, np.nan]

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[dtype]}")


def nans(n, dtype):
    return np.full(n, np.nan, dtype=dtype)


def inputs(n, dtype, rng, scale=4.0):
    """normal values with the edge values mixed in (at random places) when n is large enough."""
    x = (rng.standard_normal(n) * scale).astype(dtype)
    if n >= 2 * len(EDGES):
        x[rng.choice(n, len(EDGES), replace=False)] = EDGES
    return x


def close(got, want, dtype, **kw):
    tol = dict(TOL[dtype])
    tol.update(kw)
    np.testing.assert_allclose(got.astype(np.float64), want, equal_nan=True, **tol)


# float64 closed forms (torch's definitions)
def sigmoid64(x):
    x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def gelu64(x, approximate):
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore"):     # gelu(-inf) = -inf * 0 = NaN, gelu(inf) = inf, as torch
        if approximate:
            return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
        return 0.5 * x * _erfc(-x / math.sqrt(2))


def gelu_grad64(x, approximate):
    x = x.astype(np.float64)
    if approximate:
        k = math.sqrt(2 / math.pi)
        with np.errstate(over="ignore", invalid="ignore"):
            th = np.tanh(k * (x + 0.044715 * x ** 3))
            return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)
    with np.errstate(over="ignore", invalid="ignore"):
        return 0.5 * _erfc(-x / math.sqrt(2)) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_relu_fwd_bwd_match_torch_semantics(dtype, n, rng):
    x = inputs(n, dtype, rng)
    dy = rng.standard_normal(n).astype(dtype)
    y, dx = nans(n, dtype), nans(n, dtype)
    lib_f = fn("relu_fwd", dtype)
    lib_f(n, rptr(x), wptr(y))
    lib_b = fn("relu_bwd", dtype)
    lib_b(n, rptr(x), rptr(dy), wptr(dx))
    np.testing.assert_array_equal(y, np.where(x < 0, 0, x).astype(dtype))   # NaN stays NaN
    np.testing.assert_array_equal(np.signbit(y), np.signbit(np.where(x < 0, 0, x)))
    np.testing.assert_array_equal(dx, np.where(x <= 0, 0, dy).astype(dtype))


def test_relu_fwd_bwd_match_torch():
    torch = pytest.importorskip("torch")
    x = np.array(EDGES, dtype=np.float32)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.relu(tx)
    ty.backward(torch.ones_like(ty))
    y, dx = nans(x.size, np.float32), nans(x.size, np.float32)
    lib.fg_relu_fwd_f32(x.size, rptr(x), wptr(y))
    lib.fg_relu_bwd_f32(x.size, rptr(x), rptr(np.ones_like(x)), wptr(dx))
    np.testing.assert_array_equal(y, ty.detach().numpy())
    np.testing.assert_array_equal(dx, tx.grad.numpy())


@pytest.mark.parametrize("slope", [0.01, 0.2, -1.5])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_leaky_relu_fwd_bwd_match_numpy(slope, dtype, n, rng):
    x = inputs(n, dtype, rng)
    dy = rng.standard_normal(n).astype(dtype)
    y, dx = nans(n, dtype), nans(n, dtype)
    fn("leaky_relu_fwd", dtype)(n, rptr(x), wptr(y), slope)
    fn("leaky_relu_bwd", dtype)(n, rptr(x), rptr(dy), wptr(dx), slope)
    s = dtype(slope)
    np.testing.assert_array_equal(y, np.where(x > 0, x, x * s))
    np.testing.assert_array_equal(dx, np.where(x > 0, dy, dy * s))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_sigmoid_fwd_matches_closed_form(isa, dtype, n, rng):
    x = inputs(n, dtype, rng, scale=8.0)
    y = nans(n, dtype)
    fn("sigmoid_fwd", dtype)(n, rptr(x), wptr(y))
    close(y, sigmoid64(x), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_fwd_stable_at_extremes(isa, dtype):
    x = np.array([100, -100, 1e4, -1e4, np.inf, -np.inf, 0, 40, -40, 17, -17, -87, -104], dtype=dtype)
    y = nans(x.size, dtype)
    fn("sigmoid_fwd", dtype)(x.size, rptr(x), wptr(y))
    assert np.all(np.isfinite(y))
    close(y, sigmoid64(x), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_sigmoid_bwd_matches_closed_form(dtype, n, rng):
    y = rng.uniform(0, 1, n).astype(dtype)
    dy = rng.standard_normal(n).astype(dtype)
    dx = nans(n, dtype)
    fn("sigmoid_bwd", dtype)(n, rptr(y), rptr(dy), wptr(dx))
    y64 = y.astype(np.float64)
    close(dx, dy * y64 * (1 - y64), dtype, rtol=1e-6 if dtype == np.float32 else 1e-15, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_tanh_fwd_matches_closed_form(isa, dtype, n, rng):
    x = inputs(n, dtype, rng, scale=3.0)
    y = nans(n, dtype)
    fn("tanh_fwd", dtype)(n, rptr(x), wptr(y))
    close(y, np.tanh(x.astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_fwd_dense_grid_few_ulp(isa, dtype):
    x = np.linspace(-12, 12, 200001).astype(dtype)
    x = np.concatenate([x, np.geomspace(1e-12, 1, 4001).astype(dtype),
                        -np.geomspace(1e-12, 1, 4001).astype(dtype)])
    y = nans(x.size, dtype)
    fn("tanh_fwd", dtype)(x.size, rptr(x), wptr(y))
    close(y, np.tanh(x.astype(np.float64)), dtype)
    assert np.all(np.abs(y) <= 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_tanh_bwd_matches_closed_form(dtype, n, rng):
    y = rng.uniform(-1, 1, n).astype(dtype)
    dy = rng.standard_normal(n).astype(dtype)
    dx = nans(n, dtype)
    fn("tanh_bwd", dtype)(n, rptr(y), rptr(dy), wptr(dx))
    y64 = y.astype(np.float64)
    close(dx, dy * (1 - y64 * y64), dtype, rtol=2e-6 if dtype == np.float32 else 1e-14,
          atol=1e-7 if dtype == np.float32 else 1e-16)


@pytest.mark.parametrize("approximate", [0, 1])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_gelu_fwd_matches_closed_form(isa, approximate, dtype, n, rng):
    x = inputs(n, dtype, rng, scale=3.0)
    y = nans(n, dtype)
    fn("gelu_fwd", dtype)(n, rptr(x), wptr(y), approximate)
    want = gelu64(x, approximate)
    # the left tail is ill-conditioned (d log gelu / d log x ~ x^2): a few ulp times (1 + x^2);
    # the tanh form also cancels in 1 + tanh(.) for x << 0: an absolute floor there
    eps = np.finfo(dtype).eps
    x64 = x.astype(np.float64)
    with np.errstate(invalid="ignore"):      # inf - inf at x = inf: the NaN check is separate
        bound = (4 * eps * (1 + x64 * x64) * np.abs(want) + np.finfo(dtype).tiny
                 + (4 * eps * np.abs(x64) if approximate else 0))
        err = np.abs(y.astype(np.float64) - want)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
    ok = np.isnan(want) | (err <= bound) | (y.astype(np.float64) == want)
    assert ok.all(), (x[~ok], y[~ok], want[~ok])


@pytest.mark.parametrize("approximate", [0, 1])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_gelu_bwd_matches_closed_form(isa, approximate, dtype, n, rng):
    x = inputs(n, dtype, rng, scale=3.0)
    x = x[np.isfinite(x)].copy()
    n = x.size
    dy = rng.standard_normal(n).astype(dtype)
    dx = nans(n, dtype)
    fn("gelu_bwd", dtype)(n, rptr(x), rptr(dy), wptr(dx), approximate)
    want = dy * gelu_grad64(x, approximate)
    # both formulas cancel for x << 0 (1 + erf, 1 + tanh): an error of a few ulp times (1 + x^2)
    eps = np.finfo(dtype).eps
    x64 = x.astype(np.float64)
    bound = 16 * eps * (1 + x64 * x64) * np.abs(dy) + 4 * eps * np.abs(want)
    err = np.abs(dx.astype(np.float64) - want)
    assert (err <= bound).all(), (x[err > bound], dx[err > bound], want[err > bound])


@pytest.mark.parametrize("approximate", [0, 1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_bwd_dense_grid(isa, approximate, dtype):
    # every branch of the vectorised forms (|x|/sqrt2 around 1, e = exp(-2u) overflowing), the
    # tails, and NaN / inf propagating as in the reference loop
    x = np.concatenate([np.linspace(-30, 30, 60001), np.geomspace(1e-20, 1, 2001),
                        -np.geomspace(1e-20, 1, 2001)]).astype(dtype)
    dy = np.linspace(-2, 2, x.size).astype(dtype)
    dx = nans(x.size, dtype)
    fn("gelu_bwd", dtype)(x.size, rptr(x), rptr(dy), wptr(dx), approximate)
    want = dy * gelu_grad64(x, approximate)
    eps = np.finfo(dtype).eps
    x64 = x.astype(np.float64)
    bound = 16 * eps * (1 + x64 * x64) * np.abs(dy) + 4 * eps * np.abs(want)
    err = np.abs(dx.astype(np.float64) - want)
    assert (err <= bound).all(), (x[err > bound], dx[err > bound], want[err > bound])
    edge = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dtype)
    got, ref = nans(edge.size, dtype), nans(edge.size, dtype)
    fn("gelu_bwd", dtype)(edge.size, rptr(edge), rptr(np.ones_like(edge)), wptr(got), approximate)
    lib.fg_set_isa(0)
    fn("gelu_bwd", dtype)(edge.size, rptr(edge), rptr(np.ones_like(edge)), wptr(ref), approximate)
    lib.fg_set_isa(isa)
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("approximate", [0, 1])
def test_gelu_fwd_bwd_match_torch(approximate):
    torch = pytest.importorskip("torch")
    x = np.linspace(-8, 8, 1601)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.gelu(tx, approximate="tanh" if approximate else "none")
    ty.backward(torch.ones_like(ty))
    y, dx = nans(x.size, np.float64), nans(x.size, np.float64)
    lib.fg_gelu_fwd_f64(x.size, rptr(x), wptr(y), approximate)
    lib.fg_gelu_bwd_f64(x.size, rptr(x), rptr(np.ones_like(x)), wptr(dx), approximate)
    # torch's vectorised and scalar paths differ by ~1e-14 where 1 + tanh(.) cancels
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("beta,threshold", [(1.0, 20.0), (2.0, 20.0), (0.5, 5.0), (1.0, 1e9)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_softplus_fwd_bwd_match_closed_form(beta, threshold, dtype, n, rng):
    x = inputs(n, dtype, rng, scale=10.0)
    dy = rng.standard_normal(n).astype(dtype)
    y, dx = nans(n, dtype), nans(n, dtype)
    fn("softplus_fwd", dtype)(n, rptr(x), wptr(y), beta, threshold)
    fn("softplus_bwd", dtype)(n, rptr(x), rptr(dy), wptr(dx), beta, threshold)
    x64 = x.astype(np.float64)
    bx = x64 * dtype(beta)
    with np.errstate(over="ignore", invalid="ignore"):
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
        want_y = np.where(bx > threshold, x64, soft)
        want_dx = np.where(bx > threshold, dy, dy * sigmoid64(bx))
    close(y, want_y, dtype, rtol=2e-6 if dtype == np.float32 else 1e-14)
    close(dx, want_dx, dtype, rtol=2e-6 if dtype == np.float32 else 1e-14)


def test_softplus_fwd_bwd_match_torch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-30, 30, 601)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.softplus(tx, beta=1.5, threshold=10.0)
    ty.backward(torch.ones_like(ty))
    y, dx = nans(x.size, np.float64), nans(x.size, np.float64)
    lib.fg_softplus_fwd_f64(x.size, rptr(x), wptr(y), 1.5, 10.0)
    lib.fg_softplus_bwd_f64(x.size, rptr(x), rptr(np.ones_like(x)), wptr(dx), 1.5, 10.0)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-13, atol=1e-300)
