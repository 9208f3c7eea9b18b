"""Special functions on arrays (numpy, evaluated in float64 and rounded once to the operands'
dtype): xlogy, the modified Bessel function i0 (gradient i1), the regularized incomplete gamma
functions igamma / igammac (gradient in x only, as torch) and polygamma (gradient polygamma(n+1)).
Rare in training loops, so numpy rather than C kernels: the formulas follow Cephes, as torch's."""
import math

import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import sum_to

__all__ = ["Xlogy", "I0", "Igamma", "Igammac", "Polygamma", "i1", "igamma", "igammac", "polygamma",
           "hurwitz_zeta"]

_EPS = np.finfo(np.float64).eps
_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def _digamma(x):
    """psi(x) in float64: reflection for x < 0.5, the recurrence up to 10, then the asymptotic series."""
    x = _f64(x)
    out = np.empty(x.shape)
    pole = (x <= 0) & (x == np.floor(x))
    refl = (x < 0.5) & ~pole
    z = np.where(refl, 1 - x, x)
    r = np.zeros(x.shape)
    while True:
        small = z < 10
        if not small.any():
            break
        r = np.where(small, r - 1 / np.where(small, z, 1), r)
        z = np.where(small, z + 1, z)
    w = 1 / (z * z)
    out = r + np.log(z) - 0.5 / z - w * (1 / 12 - w * (1 / 120 - w * (1 / 252 - w * (1 / 240 - w / 132))))
    with np.errstate(all="ignore"):
        out = np.where(refl, out - np.pi / np.tan(np.pi * x), out)
    return np.where(pole, np.nan, out)


# -- xlogy --------------------------------------------------------------------------------
@register("xlogy")
class Xlogy(Function):
    """y = a log b (0 where a = 0 and b is not NaN).  da = dy log b (0 where a = 0 and b <= 0),
    db = dy a / b: torch's formulas."""

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        ctx.saved = (a, b)
        with np.errstate(all="ignore"):
            y = np.where((a == 0) & ~np.isnan(b), 0, a * np.log(b))
        return np.asarray(y.astype(np.result_type(a, b), copy=False), order="C")

    @classmethod
    def backward(cls, ctx, dy):
        a, b = ctx.saved
        sa, sb = ctx.shapes
        da = db = None
        with np.errstate(all="ignore"):
            if ctx.inputs[0] is not None:
                da = np.where(((dy == 0) & ~np.isnan(b)) | ((a == 0) & (b <= 0)), 0, dy * np.log(b)).astype(a.dtype)
                da = sum_to(np.asarray(da, order="C"), sa)
            if ctx.inputs[1] is not None:
                db = sum_to(np.asarray((dy * a / b).astype(b.dtype), order="C"), sb)
        return da, db


# -- Bessel i0 ----------------------------------------------------------------------------
_THETA = np.linspace(0.0, np.pi, 257)
_TW = np.full(257, 1.0 / 256)
_TW[[0, -1]] = 0.5 / 256


def i1(x):
    """The modified Bessel function of the first kind of order 1, in float64:
    I1(x) = (1/pi) int_0^pi e^(x cos t) cos t dt, by the trapezoid rule on 257 points (spectrally
    accurate for this periodic integrand), scaled by e^|x| so that it never overflows early."""
    x = _f64(x)
    flat = np.abs(x).ravel()
    out = np.empty(flat.shape)
    cos = np.cos(_THETA)
    for s in range(0, flat.size, 4096):
        ax = flat[s:s + 4096, None]
        out[s:s + 4096] = (np.exp(ax * (cos - 1)) * cos) @ _TW
    with np.errstate(over="ignore"):
        return np.sign(x) * np.exp(np.abs(x)) * out.reshape(x.shape)


@register("i0")
class I0(Function):
    """y = I0(x) (numpy's Cephes Chebyshev expansion).  dx = dy I1(x)."""

    @classmethod
    def forward(cls, ctx, x):
        ctx.saved = (x,)
        with np.errstate(all="ignore"):   # numpy's i0 divides by inf at +-inf (its value is inf, as torch's)
            return np.asarray(np.i0(_f64(x)).astype(x.dtype), order="C")

    @classmethod
    def backward(cls, ctx, dy):
        (x,) = ctx.saved
        with np.errstate(all="ignore"):
            return np.asarray((dy * i1(x)).astype(x.dtype), order="C")


# -- incomplete gamma ---------------------------------------------------------------------
def _log_prefix(a, x):
    """log(x^a e^-x / Gamma(a))."""
    with np.errstate(all="ignore"):
        return a * np.log(x) - x - _lgamma(a)


def _iterations(a):
    """Enough terms for the series / continued fraction near x = a (they need about 9 sqrt(a))."""
    return int(min(200 + 12 * np.sqrt(a.max()), 200_000)) if a.size else 0


def _series_p(a, x):
    """P(a, x) by its power series (x < a + 1)."""
    term = np.ones(a.shape)
    total = np.ones(a.shape)
    ap = a.copy()
    for _ in range(_iterations(a)):
        ap = ap + 1
        term = term * x / ap
        total = total + term
        if (np.abs(term) <= np.abs(total) * _EPS).all():
            break
    with np.errstate(all="ignore"):
        return np.exp(_log_prefix(a, x)) * total / a


def _cf_q(a, x):
    """Q(a, x) by its continued fraction (x >= a + 1), modified Lentz."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full(a.shape, 1 / tiny)
    d = 1 / np.where(np.abs(b) < tiny, tiny, b)
    h = d.copy()
    for i in range(1, _iterations(a)):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = 1 / np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        delta = d * c
        h = h * delta
        if (np.abs(delta - 1) <= _EPS).all():
            break
    with np.errstate(all="ignore"):
        return np.exp(_log_prefix(a, x)) * h


def _igamma_pair(a, x):
    """(P, Q) = the regularized lower and upper incomplete gamma functions, float64, with torch's
    special cases (NaN for a < 0 or x < 0; a = 0; x = 0; infinities)."""
    a, x = np.broadcast_arrays(_f64(a), _f64(x))
    p, q = np.full(a.shape, np.nan), np.full(a.shape, np.nan)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    lo = ok & (x < a + 1)
    hi = ok & ~lo
    if lo.any():
        p[lo] = _series_p(a[lo], x[lo])
        q[lo] = 1 - p[lo]
    if hi.any():
        q[hi] = _cf_q(a[hi], x[hi])
        p[hi] = 1 - q[hi]
    nan = np.isnan(a) | np.isnan(x) | (a < 0) | (x < 0)
    rules = [((a == 0) & (x > 0), 1.0), ((x == 0) & (a > 0), 0.0), (np.isinf(a) & np.isfinite(x) & (a > 0), 0.0),
             (np.isinf(x) & np.isfinite(a) & (a > 0), 1.0)]
    for mask, pv in rules:
        mask = mask & ~nan
        p[mask], q[mask] = pv, 1 - pv
    return p, q


def igamma(a, x):
    return _igamma_pair(a, x)[0]


def igammac(a, x):
    return _igamma_pair(a, x)[1]


class _IncompleteGamma(Function):
    """y = P(a, x) or Q(a, x).  dx = +-dy x^(a-1) e^-x / Gamma(a); no gradient for a (torch raises)."""

    SIGN, NAME = 1.0, None

    @classmethod
    def forward(cls, ctx, a, x):
        ctx.shapes = (np.shape(a), np.shape(x))
        a, x = np.broadcast_arrays(np.asarray(a), np.asarray(x))
        ctx.saved = (a, x)
        pq = _igamma_pair(a, x)
        with np.errstate(all="ignore"):
            return np.asarray(pq[0 if cls.SIGN > 0 else 1].astype(np.result_type(a, x)), order="C")

    @classmethod
    def backward(cls, ctx, dy):
        if ctx.inputs[0] is not None:
            raise NotImplementedError(f"the derivative for '{cls.NAME}: input' is not implemented.")
        a, x = ctx.saved
        a64, x64 = _f64(a), _f64(x)
        with np.errstate(all="ignore"):
            g = cls.SIGN * np.exp((a64 - 1) * np.log(x64) - x64 - _lgamma(a64))
        return None, sum_to(np.asarray((dy * g).astype(x.dtype), order="C"), ctx.shapes[1])


@register("igamma")
class Igamma(_IncompleteGamma):
    """y = P(a, x) = gamma(a, x) / Gamma(a), the regularized lower incomplete gamma function."""
    SIGN, NAME = 1.0, "igamma"


@register("igammac")
class Igammac(_IncompleteGamma):
    """y = Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function."""
    SIGN, NAME = -1.0, "igammac"


# -- polygamma ----------------------------------------------------------------------------
_ZETA_A = np.array([12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                    1.8152105401943546773e17, -7.1661652561756670113e18])


def hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (k + q)^-s for a scalar s > 1 (Cephes: direct sum, then Euler-Maclaurin);
    inf at the poles q = 0, -1, -2, ..."""
    q = _f64(q)
    shape = q.shape
    q = q.ravel()
    n = np.maximum(9, np.floor(9 - q) + 1).astype(np.int64) if q.size else np.zeros(0, np.int64)
    total = np.zeros(q.shape)
    with np.errstate(all="ignore"):
        for k in range(int(n.max()) + 1 if q.size else 0):
            total += np.where(k <= n, (q + k) ** -s, 0.0)
        a = q + n                                     # the last term summed directly, at w = a
        b = a ** -s
        total += b * a / (s - 1) - 0.5 * b
        fac, k = 1.0, 0.0
        for coef in _ZETA_A:
            fac *= s + k
            b = b / a
            total += fac * b / coef
            k += 1
            fac *= s + k
            b = b / a
            k += 1
    pole = (q <= 0) & (q == np.floor(q))
    return np.where(pole, np.inf, np.where(q == np.inf, 0.0, total)).reshape(shape)


def polygamma(n, x):
    """psi^(n)(x) in float64: digamma for n = 0, else (-1)^(n+1) n! zeta(n + 1, x)."""
    if n == 0:
        return _digamma(x)
    out = (-1.0) ** (n + 1) * math.factorial(n) * hurwitz_zeta(n + 1.0, x)
    return out if n == 1 else np.where(_f64(x) == np.inf, np.nan, out)  # torch: 0 at +inf for n = 1, NaN above


@register("polygamma")
class Polygamma(Function):
    """y = psi^(n)(x), the n-th derivative of digamma.  dx = dy psi^(n+1)(x)."""

    @classmethod
    def forward(cls, ctx, x, n):
        ctx.saved = (x,)
        ctx.n = n
        with np.errstate(all="ignore"):
            return np.asarray(polygamma(n, x).astype(x.dtype), order="C")

    @classmethod
    def backward(cls, ctx, dy):
        (x,) = ctx.saved
        with np.errstate(all="ignore"):
            return np.asarray((dy * polygamma(ctx.n + 1, x)).astype(x.dtype), order="C"), None
