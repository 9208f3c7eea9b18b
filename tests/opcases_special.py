"""Op cases for the special functions (fastgrad/ops/special.py; see test_ops.py): xlogy, i0,
igamma / igammac and polygamma.  References are independent float64 closed forms: the power
series of I0, P(n, x) = 1 - e^-x sum_{k<n} x^k / k! for integer a (erf(sqrt x) for a = 1/2), and
polygamma as a direct sum with an Euler-Maclaurin tail.  (torch's trigamma is accurate to ~1e-9
only, so polygamma(1, .) is compared with torch in tests/ops/test_special_more.py, at that tolerance.)"""
import math

import numpy as np

import fastgrad as fg
from opcases.common import case

_erf = np.vectorize(math.erf, otypes=[float])


def _t(name):
    return lambda *a: getattr(__import__("torch"), name)(*a)


def _i0_ref(x):
    k = np.arange(60)
    lf = np.array([math.lgamma(i + 1) for i in k])
    x = np.asarray(x, np.float64)[..., None]
    with np.errstate(divide="ignore"):
        terms = np.exp(2 * k * np.log(np.abs(x) / 2 + 1e-300) - 2 * lf)
    return terms.sum(-1)


def _p_int(n, x):
    """P(n, x) for an integer n >= 1."""
    s = sum(x ** k / math.factorial(k) for k in range(n))
    return 1 - np.exp(-x) * s


def _polygamma_ref(n, x):
    s = n + 1
    big = 2000
    x = np.asarray(x, np.float64)
    k = np.arange(big).reshape((-1,) + (1,) * x.ndim)
    head = ((x[None] + k) ** -s).sum(0)
    w = x + big
    tail = w ** (1 - s) / (s - 1) + 0.5 * w ** -s + s * w ** (-s - 1) / 12 - s * (s + 1) * (s + 2) * w ** (-s - 3) / 720
    return (-1) ** (n + 1) * math.factorial(n) * (head + tail)


def _pos(shape, lo, hi):
    return lambda rng: [rng.uniform(lo, hi, shape)]


def _igamma_fn(a, fn):
    return lambda x: fn(fg.tensor(np.asarray(a, np.float64), dtype=x.dtype), x)


def _igamma_torch(a, name):
    def f(x):
        torch = __import__("torch")
        return getattr(torch, name)(torch.tensor(np.asarray(a, np.float64), dtype=x.dtype), x)
    return f


_A3 = np.array([1.0, 2.0, 3.0, 5.0])

CASES = [
    case("xlogy", fg.xlogy, lambda a, b: a * np.log(b), lambda rng: [rng.standard_normal((3, 4)),
                                                                     rng.uniform(0.2, 3, (3, 4))], "2d",
         torch=_t("xlogy")),
    case("xlogy", fg.xlogy, lambda a, b: a * np.log(b), lambda rng: [rng.standard_normal((2, 1, 4)),
                                                                     rng.uniform(0.2, 3, (3, 1))], "broadcast",
         torch=_t("xlogy")),
    case("xlogy", lambda a: a.xlogy(2.5), lambda a: a * np.log(2.5), lambda rng: [rng.standard_normal((5,))],
         "scalar-other"),
    case("xlogy", fg.xlogy, lambda a, b: a * np.log(b), [np.zeros((0, 3)), np.ones((0, 3))], "empty"),
    case("i0", fg.i0, _i0_ref, _pos((3, 5), -8, 8), "2d", torch=_t("i0")),
    case("i0", lambda x: x.i0(), _i0_ref, [np.array([0.0, 1e-3, -0.5, 20.0, -30.0])], "specials", torch=_t("i0")),
    case("igamma", _igamma_fn(_A3, fg.igamma), lambda x: _p_int_vec(_A3, x), _pos((2, 4), 0.1, 9), "int-a",
         torch=_igamma_torch(_A3, "igamma")),
    case("igamma", _igamma_fn(0.5, fg.igamma), lambda x: _erf(np.sqrt(x)), _pos((7,), 0.05, 12), "half-a",
         torch=_igamma_torch(0.5, "igamma")),
    case("igammac", _igamma_fn(_A3, fg.igammac), lambda x: 1 - _p_int_vec(_A3, x), _pos((2, 4), 0.1, 9), "int-a",
         torch=_igamma_torch(_A3, "igammac")),
    case("igammac", _igamma_fn(0.5, lambda a, x: a.igammac(x)),
         lambda x: 1 - _erf(np.sqrt(x)), _pos((7,), 0.05, 12), "half-a"),
    case("polygamma", lambda x: fg.polygamma(1, x), lambda x: _polygamma_ref(1, x), _pos((3, 4), 0.2, 6), "n1"),
    case("polygamma", lambda x: x.polygamma(3), lambda x: _polygamma_ref(3, x), _pos((6,), 0.3, 20), "n3",
         torch=lambda x: __import__("torch").polygamma(3, x)),
    case("polygamma", lambda x: fg.polygamma(2, x), lambda x: _polygamma_ref(2, x), _pos((0, 2), 1, 2), "empty"),
]


def _p_int_vec(a, x):
    x = np.asarray(x, np.float64)
    return np.stack([_p_int(int(n), x[..., i]) for i, n in enumerate(a)], -1)
