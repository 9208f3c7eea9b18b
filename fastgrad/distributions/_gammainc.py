"""The regularised lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a) for Gamma.cdf, with
gradients in x (the density) and in a (from the implicit gamma gradient): numpy float64, the series
for x < a + 1 and Lentz's continued fraction for Q = 1 - P otherwise (Numerical Recipes' gammp)."""
import numpy as np

import fastgrad
from fastgrad.autograd import Function

__all__ = ["gammainc"]

_ITERS = 3000  # enough for a up to ~1e5 (both expansions need O(√a) terms near x ≈ a)
_EPS = 1e-16
_FPMIN = 1e-300


def _lgamma(a: np.ndarray) -> np.ndarray:
    return fastgrad.lgamma(fastgrad.from_numpy(np.array(a, np.float64))).numpy()  # (a copy: a may be a read-only view)


def _gammainc_np(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.zeros(a.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_front = a * np.log(np.where(x > 0, x, 1.0)) - x - _lgamma(a)
        ser = (x > 0) & (x < a + 1)
        if ser.any():
            aa, xx = a[ser], x[ser]
            term = 1.0 / aa
            total = term.copy()
            ap = aa.copy()
            for _ in range(_ITERS):
                ap = ap + 1
                term = term * xx / ap
                total = total + term
                if (np.abs(term) < np.abs(total) * _EPS).all():
                    break
            out[ser] = total * np.exp(log_front[ser])
        cf = x >= a + 1
        if cf.any():
            aa, xx = a[cf], x[cf]
            b = xx + 1 - aa
            c = np.full_like(b, 1 / _FPMIN)
            d = 1 / b
            h = d.copy()
            for i in range(1, _ITERS):
                an = -i * (i - aa)
                b = b + 2
                d = an * d + b
                d = np.where(np.abs(d) < _FPMIN, _FPMIN, d)
                c = b + an / c
                c = np.where(np.abs(c) < _FPMIN, _FPMIN, c)
                d = 1 / d
                delta = d * c
                h = h * delta
                if (np.abs(delta - 1) < _EPS).all():
                    break
            out[cf] = 1 - np.exp(log_front[cf]) * h
        out = np.where(np.isinf(x) & (x > 0), 1.0, out)
        out = np.where(np.isnan(x) | np.isnan(a), np.nan, out)
    return out


class _GammaInc(Function):
    """P(a, x); dP/dx = x^(a-1) e^-x / Γ(a), dP/da = -p(x; a) · dx/da (the implicit gamma gradient)."""

    @staticmethod
    def forward(ctx, a, x):
        an, xn = a.detach().numpy(), x.detach().numpy()
        ctx.save_for_backward(a, x)
        dt = np.result_type(an.dtype, xn.dtype)
        return fastgrad.from_numpy(_gammainc_np(an, xn).astype(dt))

    @staticmethod
    def backward(ctx, dy):
        from fastgrad.distributions.gamma import _standard_gamma_grad
        a, x = ctx.saved_tensors
        an, xn = np.broadcast_arrays(a.detach().numpy().astype(np.float64), x.detach().numpy().astype(np.float64))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            dens = np.where(xn > 0, np.exp((an - 1) * np.log(np.where(xn > 0, xn, 1.0)) - xn - _lgamma(an)), 0.0)
            da = -dens * _standard_gamma_grad(np.ravel(xn), np.ravel(an)).reshape(an.shape) if an.size else dens
        dt = dy.dtype
        ga = _unbroadcast(dy * fastgrad.from_numpy(np.ascontiguousarray(da)).to(dt), tuple(a.shape))
        gx = _unbroadcast(dy * fastgrad.from_numpy(np.ascontiguousarray(dens)).to(dt), tuple(x.shape))
        return ga, gx


def _unbroadcast(g, shape):
    while g.dim() > len(shape):
        g = g.sum(0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(i, keepdim=True)
    return g


def gammainc(a, x):
    """torch.special.gammainc(a, x) with gradients in both arguments."""
    return _GammaInc.apply(a, x)
