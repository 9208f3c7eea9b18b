"""Op cases for fastgrad/ops/special_more.py and special_bessel.py (see test_ops.py): erfcx, ndtr,
ndtri, log_ndtr, entr, xlog1py, zeta, i0e, i1, i1e.  References are mpmath at 30 digits (an
independent implementation), closed forms where there is one."""
import numpy as np
import pytest

import fastgrad as fg
from opcases.common import case


def _mp(f):
    """An elementwise float64 reference from an mpmath expression (the forward check skips where mpmath,
    which torch brings, is not installed: the README's test install has only pytest and hypothesis)."""
    def ref(*arrays):
        mpmath = pytest.importorskip("mpmath")
        mpmath.mp.dps = 30
        return np.vectorize(lambda *v: float(f(mpmath, *[mpmath.mpf(float(a)) for a in v])), otypes=[float])(*arrays)
    return ref


def _t(name):
    return lambda *a: getattr(__import__("torch").special, name)(*a)


def _u(shape, lo, hi):
    return lambda rng: [rng.uniform(lo, hi, shape)]


_S = fg.special
CASES = [
    case("erfcx", _S.erfcx, _mp(lambda m, x: m.exp(x * x) * m.erfc(x)), _u((3, 5), -3, 8), "2d", torch=_t("erfcx")),
    case("erfcx", _S.erfcx, _mp(lambda m, x: m.exp(x * x) * m.erfc(x)), [np.array([-5.0, 0.0, 3.9, 4.1, 30.0])],
         "branches", torch=_t("erfcx")),
    case("ndtr", _S.ndtr, _mp(lambda m, x: m.ncdf(x)), _u((4, 3), -6, 6), "2d", torch=_t("ndtr")),
    case("ndtr", _S.ndtr, _mp(lambda m, x: m.ncdf(x)), [np.zeros((0, 2))], "empty"),
    case("ndtri", _S.ndtri, _mp(lambda m, p: m.sqrt(2) * m.erfinv(2 * p - 1)), _u((2, 6), 0.01, 0.99), "2d",
         torch=_t("ndtri")),
    case("ndtri", _S.ndtri, _mp(lambda m, p: m.sqrt(2) * m.erfinv(2 * p - 1)),
         [np.array([1e-4, 0.1, 0.5, 0.9, 0.999])], "tails", torch=_t("ndtri")),
    case("log_ndtr", _S.log_ndtr, _mp(lambda m, x: m.log(m.ncdf(x))), _u((3, 4), -30, 6), "2d",
         torch=_t("log_ndtr")),
    case("entr", _S.entr, _mp(lambda m, x: -x * m.log(x)), _u((5,), 0.05, 4), "1d", torch=_t("entr")),
    case("xlog1py", _S.xlog1py, _mp(lambda m, a, b: a * m.log1p(b)),
         lambda rng: [rng.standard_normal((2, 1, 3)), rng.uniform(-0.8, 3, (4, 1))], "broadcast",
         torch=_t("xlog1py")),
    case("zeta", lambda q: _S.zeta(fg.tensor(np.array([2.0, 3.5, 7.0]), dtype=q.dtype), q),
         lambda q: _mp(lambda m, x, v: m.zeta(x, v))(np.array([2.0, 3.5, 7.0]), q), _u((2, 3), 0.3, 12), "q",
         torch=lambda q: __import__("torch").special.zeta(__import__("torch").tensor([2.0, 3.5, 7.0],
                                                                                     dtype=q.dtype), q)),
    case("i0e", _S.i0e, _mp(lambda m, x: m.exp(-abs(x)) * m.besseli(0, x)), _u((3, 4), -20, 20), "2d",
         torch=_t("i0e")),
    case("i1", _S.i1, _mp(lambda m, x: m.besseli(1, x)), _u((3, 4), -12, 12), "2d", torch=_t("i1")),
    case("i1e", _S.i1e, _mp(lambda m, x: m.exp(-abs(x)) * m.besseli(1, x)), _u((6,), -30, 30), "1d",
         torch=_t("i1e")),
]
