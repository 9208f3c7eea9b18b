"""C-level tests of csrc/pointwise.c (fg_pw_fwd/bwd, fg_pw2_fwd/bwd, fg_lerp_fwd, fg_addc_fwd)
against float64 closed forms, at every ISA level the CPU has (the float32 AVX2 kernels run at the
AVX2 and AVX-512 levels), for sizes around the SIMD width, NaN-filled outputs, the edge values
(+-0, +-inf, NaN, |x| beyond the trigonometric reduction) and any thread count."""
import math

import numpy as np
import pytest

import fastgrad as fg
from fastgrad._ffi import NULL, lib, rptr, wptr

SIZES = [0, 1, 7, 9, 17, 1029]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
TOL = {np.float32: dict(rtol=8 * 2.0 ** -24, atol=1e-37), np.float64: dict(rtol=1e-13, atol=1e-300)}

_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])
_lgamma = np.vectorize(math.lgamma, otypes=[float])


def _digamma1(x):
    r = 0.0
    while x < 20:
        r -= 1 / x
        x += 1
    z = 1 / (x * x)
    return r + math.log(x) - 0.5 / x - z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z / 132))))


def _erfinv1(y):
    lo, hi = -7.0, 7.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    return 0.5 * (lo + hi)


_digamma = np.vectorize(_digamma1, otypes=[float])
_erfinv = np.vectorize(_erfinv1, otypes=[float])
_TWO_SQRTPI = 2 / math.sqrt(math.pi)

# op: (input range, forward, derivative, extra absolute tolerance where the result crosses 0)
UNARY = {
    "SIN": ((-100, 100), np.sin, np.cos, 0),
    "COS": ((-100, 100), np.cos, lambda x: -np.sin(x), 0),
    "TAN": ((-1.5, 1.5), np.tan, lambda x: 1 + np.tan(x) ** 2, 0),
    "ASIN": ((-0.9, 0.9), np.arcsin, lambda x: 1 / np.sqrt(1 - x * x), 0),
    "ACOS": ((-0.9, 0.9), np.arccos, lambda x: -1 / np.sqrt(1 - x * x), 0),
    "ATAN": ((-50, 50), np.arctan, lambda x: 1 / (1 + x * x), 0),
    "SINH": ((-10, 10), np.sinh, np.cosh, 0),
    "COSH": ((-10, 10), np.cosh, np.sinh, 0),
    "ASINH": ((-100, 100), np.arcsinh, lambda x: 1 / np.sqrt(x * x + 1), 0),
    "ACOSH": ((1.5, 100), np.arccosh, lambda x: 1 / np.sqrt(x * x - 1), 0),
    "ATANH": ((-0.9, 0.9), np.arctanh, lambda x: 1 / (1 - x * x), 0),
    "EXP2": ((-100, 100), np.exp2, lambda x: np.exp2(x) * math.log(2), 0),
    "EXPM1": ((-10, 10), np.expm1, np.exp, 0),
    "LOG2": ((1e-3, 1e3), np.log2, lambda x: 1 / (x * math.log(2)), 0),
    "LOG10": ((1e-3, 1e3), np.log10, lambda x: 1 / (x * math.log(10)), 0),
    "ERF": ((-4, 4), _erf, lambda x: _TWO_SQRTPI * np.exp(-x * x), 0),
    "ERFC": ((-3, 9), _erfc, lambda x: -_TWO_SQRTPI * np.exp(-x * x), 0),
    "ERFINV": ((-0.999, 0.999), _erfinv, lambda x: math.sqrt(math.pi) / 2 * np.exp(_erfinv(x) ** 2), 0),
    "LGAMMA": ((0.1, 30), _lgamma, _digamma, 1e-6),
    "DIGAMMA": ((0.1, 30), _digamma, None, 1e-6),
    "SINC": ((0.5, 10), np.sinc, lambda x: (np.pi * x * np.cos(np.pi * x) - np.sin(np.pi * x)) / (np.pi * x * x), 1e-6),
    "FLOOR": ((-100, 100), np.floor, lambda x: 0 * x, 0),
    "CEIL": ((-100, 100), np.ceil, lambda x: 0 * x, 0),
    "ROUND": ((-100, 100), np.round, lambda x: 0 * x, 0),
    "TRUNC": ((-100, 100), np.trunc, lambda x: 0 * x, 0),
    "FRAC": ((-100, 100), lambda x: x - np.trunc(x), lambda x: 1 + 0 * x, 0),
    "DEG2RAD": ((-360, 360), np.deg2rad, lambda x: math.pi / 180 + 0 * x, 0),
    "RAD2DEG": ((-7, 7), np.rad2deg, lambda x: 180 / math.pi + 0 * x, 0),
}


def fwd(op, x, p=0.0):
    y = np.full(x.shape, np.nan, x.dtype)
    getattr(lib, f"fg_pw_fwd_{SUF[x.dtype.type]}")(getattr(lib, "FG_PW_" + op), x.size, rptr(x), wptr(y), p)
    return y


def bwd(op, x, dy, p=0.0):
    dx = np.full(x.shape, np.nan, x.dtype)
    getattr(lib, f"fg_pw_bwd_{SUF[x.dtype.type]}")(getattr(lib, "FG_PW_" + op), x.size, rptr(x), rptr(dy),
                                                   wptr(dx), p)
    return dx


def draw(op, n, dtype, seed=0):
    lo, hi = UNARY[op][0]
    rng = np.random.default_rng(seed)
    if op in ("LOG2", "LOG10"):
        return np.exp(rng.uniform(math.log(lo), math.log(hi), n)).astype(dtype)
    return rng.uniform(lo, hi, n).astype(dtype)


def test_every_unary_op_has_a_kernel_case():
    ops = {k[len("FG_PW_"):] for k in dir(lib) if k.startswith("FG_PW_") and not k.startswith("FG_PW2_")}
    assert ops - {"COUNT", "LOGIT", "TRIGAMMA"} == set(UNARY)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(UNARY))
def test_pw_fwd_matches_float64(op, dtype, n, isa):
    x = draw(op, n, dtype)
    want = UNARY[op][1](x.astype(np.float64))
    np.testing.assert_allclose(fwd(op, x).astype(np.float64), want, rtol=TOL[dtype]["rtol"],
                               atol=max(TOL[dtype]["atol"], UNARY[op][3] if dtype == np.float32 else 0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", [k for k, v in UNARY.items() if v[2] is not None])
def test_pw_bwd_matches_float64(op, dtype, isa):
    x = draw(op, 1029, dtype, seed=1)
    dy = np.random.default_rng(2).standard_normal(x.size).astype(dtype)
    want = dy.astype(np.float64) * UNARY[op][2](x.astype(np.float64))
    rtol = 4e-6 if dtype == np.float32 else 1e-12        # f'(x) is one or two roundings further
    np.testing.assert_allclose(bwd(op, x, dy).astype(np.float64), want, rtol=rtol,
                               atol=1e-5 if UNARY[op][3] and dtype == np.float32 else 1e-300)


EDGE = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 1.0, -1.0, 0.5, -0.5, 1e4, -1e4, 3e5, -1e30]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["SIN", "COS", "TAN", "ATAN", "EXP2", "EXPM1", "LOG2", "LOG10", "ERF", "ERFC",
                                "FLOOR", "CEIL", "ROUND", "TRUNC", "FRAC", "SINH", "COSH", "ASIN", "ACOS",
                                "ASINH"])
def test_pw_fwd_edges_as_libm(op, dtype, isa):
    """+-0 keep their sign, inf and NaN give libm's values, far arguments are reduced exactly."""
    x = np.array(EDGE * 2, dtype)       # 30 lanes: the SIMD body and its tail
    got = fwd(op, x)
    want = UNARY[op][1](x.astype(np.float64)).astype(dtype)
    finite = np.isfinite(want) & (want != 0)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    np.testing.assert_array_equal(np.signbit(got[want == 0]), np.signbit(want[want == 0]))
    np.testing.assert_allclose(got[finite], want[finite], rtol=TOL[dtype]["rtol"], atol=0)


def test_pw_torch_edge_gradients():
    """torch's values at the edges: acos'(+-1) = -inf, sinc'(0) = 0, sinc(0) = 1, floor' = 0."""
    x = np.array([1.0, -1.0, 0.0], np.float64)
    one = np.ones(3)
    assert list(bwd("ACOS", x, one)[:2]) == [-np.inf, -np.inf]
    assert bwd("SINC", x, one)[2] == 0 and fwd("SINC", x)[2] == 1
    assert not bwd("FLOOR", np.array([np.nan, 1.0]), np.ones(2)).any()


def test_pw_round_decimals_and_logit_eps():
    x = np.array([2.5, 0.125, 1234.5, 1250.0, -0.5], np.float32)
    np.testing.assert_array_equal(fwd("ROUND", x), np.array([2, 0, 1234, 1250, -0.0], np.float32))
    np.testing.assert_allclose(fwd("ROUND", x, 2.0), np.array([2.5, 0.12, 1234.5, 1250, -0.5], np.float32))
    np.testing.assert_array_equal(fwd("ROUND", x, -2.0), np.array([0, 0, 1200, 1200, -0.0], np.float32))
    p = np.array([0.0, 0.05, 0.5, 1.0, 1.5], np.float64)
    np.testing.assert_allclose(fwd("LOGIT", p, 0.1), np.log([1 / 9, 1 / 9, 1, 9, 9]), rtol=1e-15)
    np.testing.assert_array_equal(bwd("LOGIT", p, np.ones(5), 0.1), [0, 0, 4, 0, 0])
    g = bwd("LOGIT", p, np.ones(5), -1.0)
    assert g[0] == np.inf and g[3] == np.inf and np.isnan(g[4]) and g[2] == 4


BINARY = {
    "ATAN2": (np.arctan2, lambda a, b: (b / (a * a + b * b), -a / (a * a + b * b))),
    "LOGADDEXP": (np.logaddexp, lambda a, b: (1 / (1 + np.exp(b - a)), 1 / (1 + np.exp(a - b)))),
    "LOGADDEXP2": (np.logaddexp2, lambda a, b: (1 / (1 + np.exp2(b - a)), 1 / (1 + np.exp2(a - b)))),
    "HYPOT": (np.hypot, lambda a, b: (a / np.hypot(a, b), b / np.hypot(a, b))),
    "FMOD": (np.fmod, lambda a, b: (1 + 0 * a, -np.trunc(a / b))),
    "REMAINDER": (np.remainder, lambda a, b: (1 + 0 * a, -np.floor(a / b))),
    "COPYSIGN": (np.copysign, lambda a, b: (np.copysign(1, a) * np.copysign(1, b), 0 * a)),
    "HEAVISIDE": (lambda a, b: np.where(a == 0, b, (a > 0) * 1.0), None),
}


def fwd2(op, a, b):
    y = np.full(a.shape, np.nan, a.dtype)
    getattr(lib, f"fg_pw2_fwd_{SUF[a.dtype.type]}")(getattr(lib, "FG_PW2_" + op), a.size, rptr(a), rptr(b), wptr(y))
    return y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(BINARY))
def test_pw2_fwd_bwd_match_float64(op, dtype, isa):
    rng = np.random.default_rng(3)
    a = rng.uniform(-8, 8, 1029).astype(dtype)
    b = rng.uniform(-3, 3, 1029).astype(dtype)
    if op in ("FMOD", "REMAINDER"):
        b = np.where(np.abs(b) < 0.5, 1.25, b).astype(dtype)
        a = np.where(np.abs(a / b - np.round(a / b)) < 0.01, 0.3, a).astype(dtype)   # away from the steps
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    f, df = BINARY[op]
    np.testing.assert_allclose(fwd2(op, a, b).astype(np.float64), f(a64, b64), rtol=TOL[dtype]["rtol"], atol=1e-6
                               if dtype == np.float32 else 1e-300)   # results near 0 from sums of O(1) terms
    if df is None:
        return
    dy = rng.standard_normal(1029).astype(dtype)
    da, db = np.full_like(a, np.nan), np.full_like(a, np.nan)
    k = getattr(lib, f"fg_pw2_bwd_{SUF[dtype]}")
    k(getattr(lib, "FG_PW2_" + op), a.size, rptr(a), rptr(b), rptr(dy), wptr(da), wptr(db))
    wa, wb = df(a64, b64)
    rtol = 2e-5 if dtype == np.float32 else 1e-12     # exp(b - a) carries the rounding of b - a, times |b - a|
    np.testing.assert_allclose(da, dy * wa, rtol=rtol, atol=1e-6)
    np.testing.assert_allclose(db, dy * wb, rtol=rtol, atol=1e-6)
    only = np.full_like(a, np.nan)
    k(getattr(lib, "FG_PW2_" + op), a.size, rptr(a), rptr(b), rptr(dy), NULL, wptr(only))   # da not needed
    np.testing.assert_array_equal(only, db)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pw2_atan2_edges_as_libm(dtype, isa):
    vals = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-40, 3.0]
    a, b = (np.array(v, dtype) for v in zip(*[(u, w) for u in vals for w in vals]))
    got, want = fwd2("ATAN2", a, b), np.arctan2(a, b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_allclose(got, want, rtol=TOL[dtype]["rtol"])


@pytest.mark.parametrize("dtype", DTYPES)
def test_lerp_and_addc_kernels(dtype):
    rng = np.random.default_rng(4)
    a, b, c = (rng.standard_normal(33).astype(dtype) for _ in range(3))
    w = rng.uniform(-1, 2, 33).astype(dtype)
    y = np.full_like(a, np.nan)
    getattr(lib, f"fg_lerp_fwd_{SUF[dtype]}")(33, rptr(a), rptr(b), rptr(w), 1, wptr(y))
    np.testing.assert_allclose(y, a.astype(np.float64) + w * (b.astype(np.float64) - a), rtol=1e-5, atol=1e-6)
    w0 = np.array([0.75], dtype)
    getattr(lib, f"fg_lerp_fwd_{SUF[dtype]}")(33, rptr(a), rptr(b), rptr(w0), 0, wptr(y))
    np.testing.assert_array_equal(y, (b - (b - a) * (dtype(1) - dtype(0.75))).astype(dtype))   # torch's |w| >= 1/2 form
    for div, want in ((0, a + dtype(0.5) * b * c), (1, a + dtype(0.5) * b / c)):
        getattr(lib, f"fg_addc_fwd_{SUF[dtype]}")(33, rptr(a), rptr(b), rptr(c), wptr(y), 0.5, div)
        np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("op", ["SIN", "EXPM1", "LOG10", "ERF", "LGAMMA"])
def test_pw_results_do_not_depend_on_threads(op):
    x = draw(op, 200_003, np.float32, seed=6)
    before = fg.get_num_threads()
    try:
        fg.set_num_threads(1)
        one = fwd(op, x), bwd(op, x, x)
        fg.set_num_threads(2)
        two = fwd(op, x), bwd(op, x, x)
    finally:
        fg.set_num_threads(before)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
