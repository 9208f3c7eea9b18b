"""More special functions on arrays (numpy, float64, rounded once to the operands' dtype): the
normal distribution's ndtr / log_ndtr / ndtri, the scaled complementary error function erfcx,
entr, xlog1py and Hurwitz's zeta, with torch's values at the edges and torch's derivatives.
The formulas follow Cephes and SciPy, as torch's kernels (ATen/native/Math.h) do."""
import math

import numpy as np

from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import sum_to
from fastgrad.ops.special import _ZETA_A

__all__ = ["Erfcx", "Ndtr", "Ndtri", "LogNdtr", "Entr", "Xlog1py", "Zeta", "erfcx", "ndtr", "ndtri", "log_ndtr",
           "zeta"]

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_ISPI = 1 / math.sqrt(math.pi)
_S2PI = math.sqrt(2 * math.pi)


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def _out(v, dtype):
    return np.asarray(np.asarray(v).astype(dtype), order="C")


def _exp_sq(x):
    """exp(x^2) without the rounding error of x^2: x = hi + lo with hi of 24 bits (hi^2 is exact)."""
    hi = x.astype(np.float32).astype(np.float64)
    lo = x - hi
    with np.errstate(all="ignore"):
        return np.exp(hi * hi) * np.exp(lo * (2 * hi + lo))


def erfcx(x):
    """exp(x^2) erfc(x) in float64: the direct product for |x| < 4, else Laplace's continued fraction
    1 / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / ...))); 2 exp(x^2) - erfcx(-x) for x < 0."""
    x = _f64(x)
    ax = np.abs(x)
    with np.errstate(all="ignore"):
        near = _exp_sq(ax) * _erfc(np.where(ax < 4, ax, 0.0))
        f = np.where(ax < 4, 4.0, ax)
        big = f.copy()
        for n in range(60, 0, -1):
            f = big + (n / 2) / f
        far = _ISPI / f
        pos = np.where(ax < 4, near, far)
        return np.where(x < 0, np.where(x < -26.7, np.inf, 2 * _exp_sq(x) - pos), pos)


def ndtr(x):
    """The standard normal CDF (1 + erf(x / sqrt 2)) / 2, by erfc away from 0 (as Cephes)."""
    t = _f64(x) * math.sqrt(0.5)
    z = np.abs(t)
    y = np.where(z < math.sqrt(0.5), 0.5 + 0.5 * _erf(t), 0.5 * _erfc(z))
    return np.where((t > 0) & (z >= math.sqrt(0.5)), 1 - y, y)


def log_ndtr(x):
    """log ndtr(x): log(erfcx(-t) / 2) - t^2 for x < -1 (t = x / sqrt 2), else log1p(-erfc(t) / 2)."""
    x = _f64(x)
    t = x * math.sqrt(0.5)
    with np.errstate(all="ignore"):
        return np.where(x < -1, np.log(erfcx(-t) / 2) - t * t, np.log1p(-_erfc(t) / 2))


_P0 = [-5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1,
       1.39312609387279679503E1, -1.23916583867381258016E0]
_Q0 = [1.0, 1.95448858338141759834E0, 4.67627912898881538453E0, 8.63602421390890590575E1,
       -2.25462687854119370527E2, 2.00260212380060660359E2, -8.20372256168333339912E1,
       1.59056225126211695515E1, -1.18331621121330003142E0]
_P1 = [4.05544892305962419923E0, 3.15251094599893866154E1, 5.71628192246421288162E1, 4.40805073893200834700E1,
       1.46849561928858024014E1, 2.18663306850790267539E0, -1.40256079171354495875E-1,
       -3.50424626827848203418E-2, -8.57456785154685413611E-4]
_Q1 = [1.0, 1.57799883256466749731E1, 4.53907635128879210584E1, 4.13172038254672030440E1,
       1.50425385692907503408E1, 2.50464946208309415979E0, -1.42182922854787788574E-1,
       -3.80806407691578277194E-2, -9.33259480895457427372E-4]
_P2 = [3.23774891776946035970E0, 6.91522889068984211695E0, 3.93881025292474443415E0, 1.33303460815807542389E0,
       2.01485389549179081538E-1, 1.23716634817820021358E-2, 3.01581553508235416007E-4,
       2.65806974686737550832E-6, 6.23974539184983293730E-9]
_Q2 = [1.0, 6.02427039364742014255E0, 3.67983563856160859403E0, 1.37702099489081330271E0,
       2.16236993594496635890E-1, 1.34204006088543189037E-2, 3.28014464682127739104E-4,
       2.89247864745380683936E-6, 6.79019408009981274425E-9]
_EXPM2 = 0.13533528323661269189   # exp(-2)


def ndtri(p):
    """The standard normal quantile, the inverse of ndtr (Cephes: a rational function of p - 1/2 in
    the middle, of 1 / sqrt(-2 log p) in the tails); -inf at 0, inf at 1, NaN outside [0, 1]."""
    p = _f64(p)
    upper = p > 1 - _EXPM2
    y = np.where(upper, 1 - p, p)
    with np.errstate(all="ignore"):
        m = y - 0.5
        m2 = m * m
        mid = (m + m * (m2 * np.polyval(_P0, m2) / np.polyval(_Q0, m2))) * _S2PI
        x = np.sqrt(-2 * np.log(y))
        z = 1 / x
        x1 = np.where(x < 8, z * np.polyval(_P1, z) / np.polyval(_Q1, z), z * np.polyval(_P2, z) / np.polyval(_Q2, z))
        tail = x - np.log(x) / x - x1
        out = np.where(y > _EXPM2, mid, np.where(upper, tail, -tail))
    out = np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, out)
    return np.where(p == 0, -np.inf, np.where(p == 1, np.inf, out))


def zeta(x, q):
    """Hurwitz's zeta sum_k (k + q)^-x (Cephes, as torch): inf at x = 1, NaN for x < 1, inf at the
    poles q = 0, -1, ...; NaN for q < 0 with x not an integer; then a direct sum (at least 9 terms,
    up to q + k > 9) and the Euler-Maclaurin tail."""
    x, q = np.broadcast_arrays(_f64(x), _f64(q))
    eps = 1.11022302462515654042E-16
    neg = q <= 0
    early = (x <= 1) | (neg & ((q == np.floor(q)) | (x != np.floor(x)))) | np.isnan(x) | np.isnan(q)
    with np.errstate(all="ignore"):
        s = q ** -x
        a = np.where(early, 10.0, q)
        b = np.zeros(x.shape)
        done = early.copy()
        i = 0
        while True:
            active = ~done & ((i < 9) | (a <= 9))
            if not active.any():
                break
            i += 1
            a = np.where(active, a + 1, a)
            b = np.where(active, a ** -x, b)
            s = np.where(active, s + b, s)
            done |= active & (-eps * s < b) & (b < eps * s)
        w = a
        tail = s + b * w / (x - 1) - 0.5 * b
        fac, k, conv = np.ones(x.shape), 0.0, np.zeros(x.shape, bool)
        for coef in _ZETA_A:
            fac = fac * (x + k)
            b = b / w
            t = fac * b / coef
            tail = np.where(conv, tail, tail + t)
            conv |= np.abs(t / tail) < eps
            k += 1
            fac = fac * (x + k)
            b = b / w
            k += 1
        out = np.where(done, s, tail)
    out = np.where(np.isnan(x) | np.isnan(q), np.nan, out)
    out = np.where(neg & (x != np.floor(x)), np.nan, out)
    out = np.where(neg & (q == np.floor(q)), np.inf, out)
    out = np.where(x < 1, np.nan, out)
    return np.where(x == 1, np.inf, out)


class _Unary(Function):
    """y = f(x) in float64, rounded to x's dtype; dx = dy * cls.grad(x64, y64)."""

    @classmethod
    def forward(cls, ctx, x):
        with np.errstate(all="ignore"):
            y = cls.f(_f64(x))
        ctx.saved = (x, y)
        return _out(y, x.dtype)

    @classmethod
    def backward(cls, ctx, dy):
        x, y = ctx.saved
        with np.errstate(all="ignore"):
            return _out(dy * cls.grad(_f64(x), y), x.dtype)


@register("erfcx")
class Erfcx(_Unary):
    """y = exp(x^2) erfc(x).  dx = dy (2 x y - 2 / sqrt(pi))."""
    f = staticmethod(erfcx)
    grad = staticmethod(lambda x, y: 2 * x * y - 2 * _ISPI)


@register("ndtr")
class Ndtr(_Unary):
    """y = Phi(x), the standard normal CDF.  dx = dy exp(-x^2 / 2) / sqrt(2 pi)."""
    f = staticmethod(ndtr)
    grad = staticmethod(lambda x, y: np.exp(-x * x / 2) / _S2PI)


@register("ndtri")
class Ndtri(_Unary):
    """y = Phi^-1(p).  dp = dy sqrt(2 pi) exp(y^2 / 2)."""
    f = staticmethod(ndtri)
    grad = staticmethod(lambda x, y: _S2PI * np.exp(y * y / 2))


@register("log_ndtr")
class LogNdtr(_Unary):
    """y = log Phi(x).  dx = dy exp(-(y + x^2 / 2)) / sqrt(2 pi)."""
    f = staticmethod(log_ndtr)
    grad = staticmethod(lambda x, y: np.exp(-(y + x * x / 2)) / _S2PI)


def _entr(x):
    return np.where(np.isnan(x), x, np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)),
                                             np.where(x == 0, 0.0, -np.inf)))


@register("entr")
class Entr(_Unary):
    """y = -x log x (0 at 0, -inf for x < 0).  dx = -dy (1 + log x)."""
    f = staticmethod(_entr)
    grad = staticmethod(lambda x, y: -(1 + np.log(x)))


@register("xlog1py")
class Xlog1py(Function):
    """y = a log1p(b) (0 where a = 0 and b is not NaN).  da = dy log1p(b) (0 where dy = 0 and b is not
    NaN, or a = 0 and b <= -1), db = dy a / (b + 1): torch's formulas."""

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        ctx.saved = (a, b)
        with np.errstate(all="ignore"):
            y = np.where((a == 0) & ~np.isnan(b), 0, _f64(a) * np.log1p(_f64(b)))
        return _out(y, np.result_type(a, b))

    @classmethod
    def backward(cls, ctx, dy):
        a, b = ctx.saved
        sa, sb = ctx.shapes
        da = db = None
        with np.errstate(all="ignore"):
            if ctx.inputs[0] is not None:
                da = np.where(((dy == 0) & ~np.isnan(b)) | ((a == 0) & (b <= -1)), 0, dy * np.log1p(_f64(b)))
                da = sum_to(_out(da, a.dtype), sa)
            if ctx.inputs[1] is not None:
                db = sum_to(_out(dy * (_f64(a) / (_f64(b) + 1)), b.dtype), sb)
        return da, db


@register("zeta")
class Zeta(Function):
    """y = zeta(x, q), Hurwitz's zeta.  dq = -dy x zeta(x + 1, q); no gradient for x (torch raises)."""

    @classmethod
    def forward(cls, ctx, x, q):
        ctx.shapes = (np.shape(x), np.shape(q))
        x, q = np.broadcast_arrays(np.asarray(x), np.asarray(q))
        ctx.saved = (x, q)
        with np.errstate(all="ignore"):
            return _out(zeta(x, q), np.result_type(x, q))

    @classmethod
    def backward(cls, ctx, dy):
        if ctx.inputs[0] is not None:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        x, q = ctx.saved
        with np.errstate(all="ignore"):
            g = -dy * _f64(x) * zeta(_f64(x) + 1, q)
        return None, sum_to(_out(g, q.dtype), ctx.shapes[1])
