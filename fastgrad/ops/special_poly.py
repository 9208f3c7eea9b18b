"""torch.special's orthogonal polynomials on arrays, in the input's float dtype (as torch computes them):
Chebyshev T, U, V, W (and the shifted ones, of 2x - 1), Hermite H and He, Laguerre L, Legendre P, of
degree n = int(n) elementwise (0 for n < 0).  Torch's algorithm (ATen/native/Math.h): the
three-term recurrence, the closed trigonometric forms inside (-1, 1) above a small degree, torch's
values at x = +-1; no gradients (torch has none)."""
import numpy as np

__all__ = ["chebyshev", "hermite_h", "hermite_he", "laguerre_l", "legendre_p"]


def _degree(n):
    """int64 degrees as torch's static_cast: NaN and +-inf become -1 (0 result)."""
    n = np.asarray(n, np.float64)
    ok = np.isfinite(n)
    return np.where(ok, np.trunc(np.where(ok, n, -1.0)), -1.0).astype(np.int64)


def _fl(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _recurrence(a, b, step, n, first):
    """q_n of q_k+1 = step(k, q_k, q_k-1) from q_0 = a, q_1 = b, for k = first.. up to n (elementwise)."""
    p, q = np.array(a), np.array(b)
    top = int(n.max()) if n.size else 0
    for k in range(first, top + (1 if first == 2 else 0)):
        live = (k <= n if first == 2 else k < n) & ~np.isnan(q)
        if not live.any():
            break
        r = step(k, q, p)
        p, q = np.where(live, q, p), np.where(live, r, q)
    return q


# (q_1 offset, trig degree threshold, shifted threshold): T, U, V, W
_KIND = {"t": (None, 6, 6), "u": (0.0, 8, 6), "v": (-1.0, 8, 6), "w": (1.0, 8, 4)}


def chebyshev(kind, x, n, shifted=False):
    """The Chebyshev polynomial T/U/V/W_n(y), y = x (or 2x - 1 when shifted)."""
    x, n = np.broadcast_arrays(_fl(x), _degree(n))
    y = x + x - 1 if shifted else x
    off, lim, slim = _KIND[kind]
    lim = slim if shifted else lim
    q1 = y if kind == "t" else y + y + off
    with np.errstate(all="ignore"):
        out = _recurrence(np.ones(x.shape, x.dtype), q1, lambda k, q, p: (y + y) * q - p, n, 2)
        out = np.where(n == 0, 1.0, np.where(n == 1, q1, out))
        th = np.arccos(np.clip(y, -1, 1))
        nf = n.astype(x.dtype)
        odd = np.where(n % 2 == 0, 1.0, -1.0).astype(x.dtype)
        if kind == "t":
            trig = np.cos(nf * th)
            pos, neg = 1.0, odd
        elif kind == "u":
            s = np.sin(th)
            trig = np.where(s != 0, np.sin((nf + 1) * th) / s, (nf + 1) * np.cos((nf + 1) * th) / y)
            pos, neg = nf + 1, odd * (nf + 1)
        elif kind == "v":
            trig = np.where(np.sin(th / 2) != 1, np.cos((nf + 0.5) * th) / np.cos(th / 2), odd * (2 * nf + 1))
            pos, neg = 1.0, odd * (2 * nf + 1)
        else:
            trig = np.where(np.cos(th / 2) != 1, np.sin((nf + 0.5) * th) / np.sin(th / 2),
                            np.where(y > 0, 2 * nf + 1, odd))
            pos, neg = 2 * nf + 1, odd
        out = np.where((n > lim) & (np.abs(y) < 1), trig, out)
        out = np.where(y == 1, pos, np.where(y == -1, neg, out))
    return np.where(n < 0, 0.0, out)


def hermite_h(x, n, limit):
    """The physicists' Hermite polynomial H_n(x) (NaN above degree ``limit``, as torch)."""
    x, n = np.broadcast_arrays(_fl(x), _degree(n))
    with np.errstate(all="ignore"):
        out = _recurrence(np.ones(x.shape, x.dtype), x + x, lambda k, q, p: (x + x) * q - 2 * k * p, n, 1)
    out = np.where(n == 0, 1.0, np.where(n == 1, x + x, out))
    return np.where(n < 0, 0.0, np.where(n > limit, np.nan, out))


def hermite_he(x, n, limit):
    """The probabilists' Hermite polynomial He_n(x) (NaN above degree ``limit``, as torch)."""
    x, n = np.broadcast_arrays(_fl(x), _degree(n))
    with np.errstate(all="ignore"):
        out = _recurrence(np.ones(x.shape, x.dtype), x, lambda k, q, p: x * q - k * p, n, 1)
    out = np.where(n == 0, 1.0, np.where(n == 1, x, out))
    return np.where(n < 0, 0.0, np.where(n > limit, np.nan, out))


def laguerre_l(x, n):
    """The Laguerre polynomial L_n(x) (1 at x = 0)."""
    x, n = np.broadcast_arrays(_fl(x), _degree(n))
    with np.errstate(all="ignore"):
        step = lambda k, q, p: ((2 * k + (1 - x)) * q - k * p) / (k + 1)  # noqa: E731
        out = _recurrence(np.ones(x.shape, x.dtype), 1 - x, step, n, 1)
    out = np.where((n == 0) | (x == 0), 1.0, np.where(n == 1, 1 - x, out))
    return np.where(n < 0, 0.0, out)


def legendre_p(x, n):
    """The Legendre polynomial P_n(x) (+-1 at x = +-1)."""
    x, n = np.broadcast_arrays(_fl(x), _degree(n))
    with np.errstate(all="ignore"):
        out = _recurrence(np.ones(x.shape, x.dtype), x, lambda k, q, p: ((2 * k + 1) * x * q - k * p) / (k + 1), n, 1)
    out = np.where(n == 0, 1.0, np.where(n == 1, x, out))
    out = np.where(np.abs(x) == 1, np.where((x > 0) | (n % 2 == 0), 1.0, -1.0), out)
    return np.where(n < 0, 0.0, out)
