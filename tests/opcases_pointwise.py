"""Op cases for the pointwise maths family (fastgrad/functional/pointwise*.py; see test_ops.py).
References are numpy / math in float64; erfinv and digamma have small float64 references here
(Newton on math.erf; the recurrence and asymptotic series), independent of the C kernels."""
import math

import numpy as np

import fastgrad as fg
from opcases.common import _away_from, _n, case

_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])
_lgamma = np.vectorize(math.lgamma, otypes=[float])


def _erfinv1(y):
    lo, hi = -6.0, 6.0
    for _ in range(200):  # bisection to an interval of a few ulp, then Newton
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    x = 0.5 * (lo + hi)
    return x - (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))


def _digamma1(x):
    r = 0.0
    while x < 20:
        r -= 1 / x
        x += 1
    z = 1 / (x * x)
    return r + math.log(x) - 0.5 / x - z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z / 132))))


_erfinv = np.vectorize(_erfinv1, otypes=[float])
_digamma = np.vectorize(_digamma1, otypes=[float])


def _u(shape, lo, hi, away=None):
    return lambda rng: [_away_from(rng.uniform(lo, hi, shape), away) if away else rng.uniform(lo, hi, shape)]


def _t(name):
    return lambda *a: getattr(__import__("torch"), name)(*a)


def _sinc(x):
    return np.sinc(x)


def _rnd(x, d):
    return np.round(x * 10.0 ** d) / 10.0 ** d


_HALVES = _u((4, 6), -5, 5, away=tuple(k + 0.5 for k in range(-6, 6)))          # away from round's ties
_INTS = _u((4, 6), -5, 5, away=tuple(float(k) for k in range(-6, 7)))          # away from floor's steps

CASES = [
    case("sin", fg.sin, np.sin, _n((3, 7)), "2d", torch=_t("sin")),
    case("sin", lambda a: a.sin(), np.sin, _u((37,), -100, 100), "wide"),
    case("sin", fg.sin, np.sin, _n((0, 3)), "empty"),
    case("cos", fg.cos, np.cos, _n((3, 7)), "2d", torch=_t("cos")),
    case("cos", lambda a: a.cos(), np.cos, _u((1,), -3, 3), "one"),
    case("tan", fg.tan, np.tan, _u((5, 5), -1.4, 1.4), "2d", torch=_t("tan")),
    case("asin", fg.asin, np.arcsin, _u((5, 5), -0.95, 0.95), "2d", torch=_t("asin")),
    case("acos", fg.acos, np.arccos, _u((5, 5), -0.95, 0.95), "2d", torch=_t("acos")),
    case("atan", fg.atan, np.arctan, _n((5, 5)), "2d", torch=_t("atan")),
    case("atan", fg.arctan, np.arctan, _u((19,), -50, 50), "wide"),
    case("sinh", fg.sinh, np.sinh, _n((4, 5)), "2d", torch=_t("sinh")),
    case("cosh", fg.cosh, np.cosh, _n((4, 5)), "2d", torch=_t("cosh")),
    case("asinh", fg.asinh, np.arcsinh, _n((4, 5)), "2d", torch=_t("asinh")),
    case("acosh", fg.acosh, np.arccosh, _u((4, 5), 1.1, 5), "2d", torch=_t("acosh")),
    case("atanh", fg.atanh, np.arctanh, _u((4, 5), -0.9, 0.9), "2d", torch=_t("atanh")),
    case("exp2", fg.exp2, np.exp2, _u((3, 9), -10, 10), "2d", torch=_t("exp2")),
    case("expm1", fg.expm1, np.expm1, _u((3, 9), -3, 3), "2d", torch=_t("expm1")),
    case("expm1", fg.expm1, np.expm1, _u((17,), -1e-3, 1e-3), "tiny"),
    case("log2", fg.log2, np.log2, _u((3, 9), 0.01, 100), "2d", torch=_t("log2")),
    case("log10", fg.log10, np.log10, _u((3, 9), 0.01, 100), "2d", torch=_t("log10")),
    case("log10", lambda a: a.log10(), np.log10, _u((2, 3, 4), 0.5, 2), "3d"),
    case("erf", fg.erf, _erf, _n((4, 8)), "2d", torch=_t("erf")),
    case("erfc", fg.erfc, _erfc, _u((4, 8), -3, 4), "2d", torch=_t("erfc")),
    case("erfinv", fg.erfinv, _erfinv, _u((4, 5), -0.95, 0.95), "2d", torch=_t("erfinv")),
    case("lgamma", fg.lgamma, _lgamma, _u((4, 5), 0.1, 8), "2d", torch=_t("lgamma")),
    case("digamma", fg.digamma, _digamma, _u((4, 5), 0.1, 8), "2d", torch=_t("digamma")),
    case("sinc", fg.sinc, _sinc, _n((4, 5), away=(0.0,)), "2d", torch=_t("sinc")),
    case("floor", fg.floor, np.floor, _INTS, "2d", torch=_t("floor")),
    case("ceil", fg.ceil, np.ceil, _INTS, "2d", torch=_t("ceil")),
    case("round", fg.round, np.round, _HALVES, "2d", torch=_t("round")),
    case("round", lambda a: fg.round(a, decimals=2), lambda a: _rnd(a, 2), _u((9,), -1, 1), "decimals",
         grad=False),
    case("trunc", fg.trunc, np.trunc, _INTS, "2d", torch=_t("trunc")),
    case("frac", fg.frac, lambda a: a - np.trunc(a), _INTS, "2d", torch=_t("frac")),
    case("logit", fg.logit, lambda a: np.log(a / (1 - a)), _u((4, 5), 0.05, 0.95), "2d", torch=_t("logit")),
    case("logit", lambda a: fg.logit(a, eps=0.1), lambda a: np.log(np.clip(a, 0.1, 0.9) / (1 - np.clip(a, 0.1, 0.9))),
         _u((4, 5), 0.0, 1.0, away=(0.1, 0.9)), "eps", torch=lambda a: __import__("torch").logit(a, eps=0.1)),
    case("deg2rad", fg.deg2rad, np.deg2rad, _u((6,), -360, 360), "1d", torch=_t("deg2rad")),
    case("rad2deg", fg.rad2deg, np.rad2deg, _n((6,)), "1d", torch=_t("rad2deg")),
    case("nan_to_num", fg.nan_to_num, np.nan_to_num, _n((3, 4)), "finite", torch=_t("nan_to_num")),
    # -- binary, with broadcasting and scalars
    case("atan2", fg.atan2, np.arctan2, _n((3, 4), (3, 4)), "same", torch=_t("atan2")),
    case("atan2", fg.atan2, np.arctan2, _n((2, 3, 4), (4,)), "bcast"),
    case("atan2", lambda a: fg.atan2(a, 2.0), lambda a: np.arctan2(a, 2.0), _n((5,)), "scalar"),
    case("logaddexp", fg.logaddexp, np.logaddexp, _n((3, 4), (3, 1)), "bcast", torch=_t("logaddexp")),
    case("logaddexp2", fg.logaddexp2, np.logaddexp2, _n((3, 4), (3, 4)), "same", torch=_t("logaddexp2")),
    case("hypot", fg.hypot, np.hypot, _n((3, 4), (4,)), "bcast", torch=_t("hypot")),
    case("fmod", fg.fmod, np.fmod, lambda r: [r.uniform(-9, 9, (3, 4)), r.uniform(1.1, 1.9, (3, 4))], "same",
         torch=_t("fmod")),
    case("fmod", lambda a: fg.fmod(a, -1.5), lambda a: np.fmod(a, -1.5), _u((7,), -9, 9,
         away=tuple(1.5 * k for k in range(-7, 8))), "scalar"),
    case("remainder", fg.remainder, np.remainder, lambda r: [r.uniform(-9, 9, (3, 4)),
         r.uniform(1.1, 1.9, (4,)) * np.sign(r.uniform(-1, 1, (4,)))], "bcast", torch=_t("remainder")),
    case("remainder", lambda a: a % 1.5, lambda a: np.remainder(a, 1.5), _u((7,), -9, 9,
         away=tuple(1.5 * k for k in range(-7, 8))), "operator"),
    case("div_rounding", lambda a, b: fg.div(a, b, rounding_mode="floor"), np.floor_divide,
         lambda r: [r.uniform(-9, 9, (3, 4)), np.array([1.5, -1.25, 2.0, -0.75])], "floor",
         torch=lambda a, b: __import__("torch").div(a, b, rounding_mode="floor")),
    case("div_rounding", lambda a: a.div(1.5, rounding_mode="trunc"), lambda a: np.trunc(a / 1.5),
         _u((7,), -9, 9, away=tuple(1.5 * k for k in range(-7, 8))), "trunc"),
    case("copysign", fg.copysign, np.copysign, _n((3, 4), (3, 4), away=(0.0,)), "same", torch=_t("copysign")),
    case("lerp", fg.lerp, lambda a, b, w: a + w * (b - a), _n((3, 4), (3, 4), (3, 4)), "tensor-weight",
         torch=_t("lerp")),
    case("lerp", lambda a, b: fg.lerp(a, b, 0.75), lambda a, b: a + 0.75 * (b - a), _n((3, 4), (4,)), "scalar"),
    case("lerp", fg.lerp, lambda a, b, w: a + w * (b - a),
         lambda r: [r.standard_normal((2, 3)), r.standard_normal((2, 3)), r.uniform(-1, 2, (3,))], "bcast-weight"),
    case("addcmul", lambda a, b, c: fg.addcmul(a, b, c, value=0.5), lambda a, b, c: a + 0.5 * b * c,
         _n((3, 4), (3, 4), (3, 4)), "same", torch=lambda a, b, c: __import__("torch").addcmul(a, b, c, value=0.5)),
    case("addcmul", fg.addcmul, lambda a, b, c: a + b * c, _n((3, 4), (4,), (3, 1)), "bcast"),
    case("addcdiv", lambda a, b, c: fg.addcdiv(a, b, c, value=-2), lambda a, b, c: a - 2 * b / c,
         lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4)), r.uniform(0.5, 2, (3, 4))], "same",
         torch=lambda a, b, c: __import__("torch").addcdiv(a, b, c, value=-2)),
    case("addcdiv", fg.addcdiv, lambda a, b, c: a + b / c,
         lambda r: [r.standard_normal((4,)), r.standard_normal((3, 4)), r.uniform(0.5, 2, (3, 1))], "bcast"),
]
