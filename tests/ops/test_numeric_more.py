"""diff, trapezoid / trapz / cumulative_trapezoid, xlogy, fmax / fmin, signbit, isin, logspace,
cov / corrcoef, renorm, dist, addr, block_diag, cartesian_prod, combinations, vander, diagflat:
forward against numpy float64, gradients against central differences (gradcheck) and torch,
float32 and float64, empty / size-1 / broadcast / non-contiguous inputs, integer and bool
dtypes, and bad input raising torch's exception type."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck

RNG = np.random.default_rng(0)


def _torch():
    return pytest.importorskip("torch")


def _fg(a, grad=False):
    return fg.tensor(a, requires_grad=grad) if isinstance(a, np.ndarray) else a


def _th(a, grad=False):
    torch = _torch()
    return torch.tensor(a, requires_grad=grad) if isinstance(a, np.ndarray) else a


def _dtype_name(d):
    return str(d).split(".")[-1]


def parity(name, *args, grad=True, tmod=None, rtol=1e-6, atol=1e-7, **kw):
    """fastgrad.<name> vs torch.<name> on the same arrays: values, shape, dtype, and the gradients
    of every float array argument for one random cotangent."""
    torch = _torch()
    fargs = [_fg(a, grad and isinstance(a, np.ndarray) and a.dtype.kind == "f") for a in args]
    targs = [_th(a, grad and isinstance(a, np.ndarray) and a.dtype.kind == "f") for a in args]
    fkw = {k: _fg(v) for k, v in kw.items()}
    tkw = {k: _th(v) for k, v in kw.items()}
    y = getattr(fg, name)(*fargs, **fkw)
    ty = getattr(tmod or torch, name)(*targs, **tkw)
    assert tuple(y.shape) == tuple(ty.shape), (y.shape, ty.shape)
    assert _dtype_name(y.dtype) == _dtype_name(ty.dtype)
    np.testing.assert_allclose(y.detach().numpy().astype(float), ty.detach().numpy().astype(float), rtol=rtol,
                               atol=atol, equal_nan=True)
    if grad and ty.requires_grad:
        g = RNG.standard_normal(tuple(ty.shape))
        y.backward(fg.tensor(g.astype(y.detach().numpy().dtype)))
        ty.backward(torch.tensor(g, dtype=ty.dtype))
        for fa, ta in zip(fargs, targs):
            if isinstance(fa, fg.Tensor) and fa.requires_grad:
                fgrad = np.zeros(fa.shape) if fa.grad is None else fa.grad.numpy()   # unused (addr's beta=0)
                np.testing.assert_allclose(fgrad, ta.grad.numpy(), rtol=rtol * 10, atol=atol * 10,
                                           equal_nan=True)
    return y


def _gc(fn, *arrays):
    ts = [fg.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    assert gradcheck(fn, ts)


def _raises_like(fn_fg, fn_th):
    torch = _torch()
    with pytest.raises(Exception) as te:
        fn_th(torch)
    with pytest.raises(type(te.value)):
        fn_fg(fg)


# -- diff -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_diff_forward_matches_numpy(dt):
    a = RNG.standard_normal((3, 5)).astype(dt)
    for n in (0, 1, 2, 6):
        for dim in (0, 1, -1):
            np.testing.assert_allclose(fg.diff(fg.tensor(a), n, dim).numpy(), np.diff(a.astype(np.float64), n, dim),
                                       rtol=1e-5, atol=1e-6)


def test_diff_prepend_append_grad_and_torch():
    a, p, q = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 2)), RNG.standard_normal((3, 1))
    parity("diff", a, 2, 1, p, q)
    parity("diff", a.T, 1, 0)                                   # non-contiguous
    parity("diff", np.zeros((0, 3)), 1, 0)
    parity("diff", np.array([1.0]), 1)
    _gc(lambda x, y, z: fg.diff(x, 2, 1, prepend=y, append=z), a, p, q)
    assert fg.tensor(a).diff().shape == (3, 3)


def test_diff_integer_and_bool_dtypes():
    parity("diff", np.array([1, 4, 9], np.int32))
    parity("diff", np.array([True, False, False, True]))
    parity("diff", np.array([1, 4], np.int32), prepend=np.array([1.0]))


def test_diff_errors_as_torch():
    _raises_like(lambda m: m.diff(m.tensor(1.0)), lambda t: t.diff(t.tensor(1.0)))
    _raises_like(lambda m: m.diff(m.ones(3), n=-1), lambda t: t.diff(t.ones(3), n=-1))
    _raises_like(lambda m: m.diff(m.ones(3), prepend=0), lambda t: t.diff(t.ones(3), prepend=0))
    _raises_like(lambda m: m.diff(m.ones(3), prepend=m.ones(1, 1)), lambda t: t.diff(t.ones(3), prepend=t.ones(1, 1)))
    _raises_like(lambda m: m.diff(m.ones(3), dim=2), lambda t: t.diff(t.ones(3), dim=2))
    _raises_like(lambda m: m.diff(m.ones(2, 3), dim=0, append=m.ones(1, 2)),
                 lambda t: t.diff(t.ones(2, 3), dim=0, append=t.ones(1, 2)))


# -- trapezoid family -------------------------------------------------------------------------
def _np_trapz(y, x=None, dx=1.0, axis=-1):
    y = np.moveaxis(y, axis, -1)
    d = np.diff(x) if x is not None else dx
    return (d * (y[..., 1:] + y[..., :-1]) / 2).sum(-1)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_trapezoid_forward_matches_numpy(dt):
    y, x = RNG.standard_normal((3, 6)).astype(dt), np.sort(RNG.standard_normal(6)).astype(dt)
    ref = _np_trapz(y.astype(np.float64), x.astype(np.float64))
    np.testing.assert_allclose(fg.trapezoid(fg.tensor(y), fg.tensor(x)).numpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fg.trapz(fg.tensor(y), dx=0.5, dim=0).numpy(),
                               _np_trapz(y.astype(np.float64), dx=0.5, axis=0), rtol=1e-5, atol=1e-6)
    cum = np.cumsum(np.diff(x.astype(np.float64)) * (y[:, 1:] + y[:, :-1]) / 2, -1)
    np.testing.assert_allclose(fg.cumulative_trapezoid(fg.tensor(y), fg.tensor(x)).numpy(), cum, rtol=1e-5,
                               atol=1e-5)


def test_trapezoid_grads_and_torch():
    y, x, xb = RNG.standard_normal((3, 5)), np.sort(RNG.standard_normal(5)), RNG.standard_normal((3, 5))
    for name in ("trapezoid", "trapz", "cumulative_trapezoid"):
        parity(name, y, x)
        parity(name, y, xb)
        _raises_like(lambda m, n=name: getattr(m, n)(m.ones(5), m.ones(5, 3)),    # x differenced along y's dim 0
                     lambda t, n=name: getattr(t, n)(t.ones(5), t.ones(5, 3)))
        parity(name, y, xb[:1])                                   # x broadcast over y's rows
        parity(name, y.T, dim=0)
        parity(name, y, dx=2.5)
        parity(name, np.zeros((3, 0)))
        parity(name, np.zeros((3, 1)))
        parity(name, np.arange(4), dx=2)
        _gc(lambda a, b, n=name: getattr(fg, n)(a, b), y, x)
        _gc(lambda a, n=name: getattr(fg, n)(a, dx=0.3, dim=0), y)


def test_trapezoid_errors_as_torch():
    _raises_like(lambda m: m.trapezoid(m.ones(3, 4), m.ones(3)), lambda t: t.trapezoid(t.ones(3, 4), t.ones(3)))
    _raises_like(lambda m: m.trapezoid(m.ones(3, 4), 2.0), lambda t: t.trapezoid(t.ones(3, 4), 2.0))
    _raises_like(lambda m: m.trapezoid(m.ones(3, 4), dim=3), lambda t: t.trapezoid(t.ones(3, 4), dim=3))
    _raises_like(lambda m: m.cumulative_trapezoid(m.ones(3, 4), m.ones(5)),
                 lambda t: t.cumulative_trapezoid(t.ones(3, 4), t.ones(5)))


# -- xlogy, fmax/fmin, signbit, isin ----------------------------------------------------------------
def test_xlogy_forward_specials_and_promotion():
    x = np.array([0.0, 0.0, 1.0, 2.0, 0.0, -1.5, 3.0])
    y = np.array([0.0, np.nan, 0.0, 3.0, 2.0, 0.5, np.inf])
    with np.errstate(all="ignore"):
        ref = np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y))
    np.testing.assert_allclose(fg.xlogy(fg.tensor(x), fg.tensor(y)).numpy(), ref)
    parity("xlogy", x, y)                                          # gradients at the special points too
    parity("xlogy", np.array([0, 1, 2]), 3)
    parity("xlogy", 2, np.array([0.0, 1, 2]), grad=False)
    parity("xlogy", np.array([1, 2], np.int32), np.array([1.5], np.float32))
    parity("xlogy", np.ones((2, 1), np.float32), np.full((3,), 2.0))


def test_xlogy_grads_and_inplace():
    x, y = RNG.standard_normal((3, 4)), RNG.uniform(0.5, 2, (4,))
    parity("xlogy", x, y)
    parity("xlogy", np.array([0.0, 1.0]), np.array([2.0, 3.0]))   # d/dx at x = 0 is log(y)
    _gc(fg.xlogy, x, y)
    t = fg.tensor(x.copy())
    assert t.xlogy_(fg.tensor(y)) is t
    np.testing.assert_allclose(t.numpy(), x * np.log(y))
    t2 = fg.tensor(x.copy())
    fg.xlogy_(t2, 2.0)
    np.testing.assert_allclose(t2.numpy(), x * np.log(2.0))
    with pytest.raises(RuntimeError):
        fg.tensor([1, 2]).xlogy_(2.5)                            # float result into an int tensor


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_nan_ties_grads_and_dtypes(name):
    a = np.array([1.0, np.nan, 3.0, np.nan, 2.0])
    b = np.array([2.0, 1.0, np.nan, np.nan, 2.0])
    ref = getattr(np, name)(a, b)
    np.testing.assert_allclose(getattr(fg, name)(fg.tensor(a), fg.tensor(b)).numpy(), ref, equal_nan=True)
    parity(name, a, b)                                            # ties and NaNs route the gradient as torch
    parity(name, RNG.standard_normal((3, 1)), RNG.standard_normal((4,)).astype(np.float32))
    parity(name, np.array([1, 5], np.int32), np.array([3, 2], np.int64))
    parity(name, np.array([1, 2]), np.array([1.5]))
    _gc(getattr(fg, name), RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))
    _raises_like(lambda m: getattr(m, name)(m.ones(2), 3), lambda t: getattr(t, name)(t.ones(2), 3))
    _raises_like(lambda m: getattr(m, name)(m.ones(2), m.ones(3)), lambda t: getattr(t, name)(t.ones(2), t.ones(3)))


def test_signbit_and_isin():
    parity("signbit", np.array([-0.0, 0.0, -1.0, np.inf, -np.inf, -np.nan, np.nan]), grad=False)
    parity("signbit", np.array([-3, 0, 2], np.int32))
    parity("signbit", np.array([True, False]))
    parity("signbit", np.zeros((0, 2)), grad=False)
    e, t = np.array([[1, 2], [3, 4]]), np.array([2, 3, 7])
    for kw in ({}, {"invert": True}, {"assume_unique": True}):
        parity("isin", e, t, **kw)
    parity("isin", e, 2)
    parity("isin", 2, t)
    parity("isin", np.array([0.1, 0.2], np.float32), np.array([0.1]))
    parity("isin", np.array([1, 2]), np.array([1.0, 2.5]))
    parity("isin", np.zeros((0,)), np.array([1.0]))
    _raises_like(lambda m: m.isin(m.ones(2), m.tensor([True])), lambda t: t.isin(t.ones(2), t.tensor([True])))


# -- logspace -------------------------------------------------------------------------------
def test_logspace_matches_numpy_and_torch():
    np.testing.assert_allclose(fg.logspace(-2, 3, 7, dtype=fg.float64).numpy(), np.logspace(-2, 3, 7))
    parity("logspace", 0, 2, 5, grad=False)
    for kw in ({"base": 2.0}, {"base": 2, "dtype": "int64"}, {"dtype": "float64"}):
        dt = kw.get("dtype")
        torch = _torch()
        y = fg.logspace(0, 3, 4, base=kw.get("base", 10.0), dtype=getattr(fg, dt) if dt else None)
        ty = torch.logspace(0, 3, 4, base=kw.get("base", 10.0), dtype=getattr(torch, dt) if dt else None)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)
        assert _dtype_name(y.dtype) == _dtype_name(ty.dtype)
    assert fg.logspace(0, 1, 0).shape == (0,)
    assert fg.logspace(0, 1, 3, requires_grad=True).requires_grad
    _raises_like(lambda m: m.logspace(0, 2, -1), lambda t: t.logspace(0, 2, -1))
    _raises_like(lambda m: m.logspace(0, 2, 3, dtype=m.bool), lambda t: t.logspace(0, 2, 3, dtype=t.bool))


# -- cov / corrcoef -------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_cov_corrcoef_forward_matches_numpy(dt):
    x = RNG.standard_normal((3, 7)).astype(dt)
    fw, aw = np.array([1, 2, 0, 3, 1, 1, 2]), RNG.uniform(0.1, 2, 7).astype(dt)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(fg.cov(fg.tensor(x)).numpy(), np.cov(x64), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fg.cov(fg.tensor(x), correction=0, fweights=fg.tensor(fw), aweights=fg.tensor(aw)
                                      ).numpy(), np.cov(x64, ddof=0, fweights=fw, aweights=aw), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fg.cov(fg.tensor(x), fweights=fg.tensor(fw), aweights=fg.tensor(aw)).numpy(),
                               np.cov(x64, fweights=fw, aweights=aw), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fg.corrcoef(fg.tensor(x)).numpy(), np.corrcoef(x64), rtol=1e-5, atol=1e-6)


def test_cov_corrcoef_grads_torch_and_dtypes():
    x = RNG.standard_normal((3, 6))
    fw, aw = np.array([1, 2, 0, 3, 1, 1]), RNG.uniform(0.1, 2, 6)
    parity("cov", x)
    parity("cov", x.T.copy().T)
    parity("cov", x, correction=0, fweights=fw, aweights=aw)
    parity("cov", x, correction=2, aweights=aw)
    parity("cov", x[0])
    parity("cov", np.array([1, 2, 4]), grad=False)
    parity("corrcoef", x)
    parity("corrcoef", x[0])
    parity("corrcoef", np.arange(6).reshape(2, 3), grad=False)
    assert fg.tensor(x).cov().shape == (3, 3) and fg.tensor(x).corrcoef().shape == (3, 3)
    _gc(lambda a: fg.cov(a, fweights=fg.tensor(fw), aweights=fg.tensor(aw)), x)
    _gc(fg.corrcoef, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity("cov", np.ones((2, 1)), grad=False)


def test_cov_errors_as_torch():
    _raises_like(lambda m: m.cov(m.ones(2, 2, 2)), lambda t: t.cov(t.ones(2, 2, 2)))
    _raises_like(lambda m: m.cov(m.ones(2, 3), correction=1.5), lambda t: t.cov(t.ones(2, 3), correction=1.5))
    _raises_like(lambda m: m.cov(m.ones(2, 3), fweights=m.ones(3)), lambda t: t.cov(t.ones(2, 3), fweights=t.ones(3)))
    _raises_like(lambda m: m.cov(m.ones(2, 3), fweights=m.tensor([1, -1, 1])),
                 lambda t: t.cov(t.ones(2, 3), fweights=t.tensor([1, -1, 1])))
    _raises_like(lambda m: m.cov(m.ones(2, 3), aweights=m.tensor([1, 1, 1])),
                 lambda t: t.cov(t.ones(2, 3), aweights=t.tensor([1, 1, 1])))
    _raises_like(lambda m: m.cov(m.ones(2, 3), aweights=m.ones(4)), lambda t: t.cov(t.ones(2, 3), aweights=t.ones(4)))
    with pytest.warns(UserWarning, match="degrees of freedom"):
        fg.cov(fg.ones(2, 1))


# -- renorm, dist, addr -------------------------------------------------------------------------
def test_renorm_forward_grads_torch():
    x = RNG.standard_normal((4, 3, 2)) * 2
    for p, dim, maxnorm in ((2, 0, 1.5), (1, 1, 2.0), (3.5, -1, 0.5), (2, 0, 100.0)):
        parity("renorm", x, p, dim, maxnorm)
        _gc(lambda a, p=p, d=dim, m=maxnorm: fg.renorm(a, p, d, m), x)
    n = np.sqrt((x ** 2).sum((1, 2), keepdims=True))
    ref = np.where(n > 1.5, x * 1.5 / (n + 1e-7), x)
    np.testing.assert_allclose(fg.renorm(fg.tensor(x), 2, 0, 1.5).numpy(), ref)
    parity("renorm", x.astype(np.float32).transpose(2, 1, 0), 2, 1, 1.0)
    t = fg.tensor(x.copy())
    assert t.renorm_(2, 0, 1.5) is t
    np.testing.assert_allclose(t.numpy(), ref)
    _raises_like(lambda m: m.renorm(m.ones(2, 2, dtype=m.int64), 2, 0, 1.0),
                 lambda t: t.renorm(t.ones(2, 2, dtype=t.int64), 2, 0, 1.0))
    _raises_like(lambda m: m.renorm(m.ones(2, 2), 0, 0, 1.0), lambda t: t.renorm(t.ones(2, 2), 0, 0, 1.0))
    _raises_like(lambda m: m.renorm(m.ones(2, 2), 2, 0, -1.0), lambda t: t.renorm(t.ones(2, 2), 2, 0, -1.0))
    _raises_like(lambda m: m.renorm(m.ones(2, 2), 2, 2, 1.0), lambda t: t.renorm(t.ones(2, 2), 2, 2, 1.0))


def test_dist_forward_grads_torch():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    for p in (2, 1, 3.0, 0, float("inf")):
        parity("dist", a, b, p, grad=p != 0)
    np.testing.assert_allclose(fg.dist(fg.tensor(a), fg.tensor(b)).numpy(), np.sqrt(((a - b) ** 2).sum()))
    parity("dist", np.ones(2, np.int64), np.zeros(2), grad=False)
    parity("dist", a.astype(np.float32), b.astype(np.float32))
    _gc(lambda x, y: fg.dist(x, y, 3), a, b)
    assert fg.tensor(a).dist(fg.tensor(b)).shape == ()
    _raises_like(lambda m: m.dist(m.ones(2), m.zeros(3)), lambda t: t.dist(t.ones(2), t.zeros(3)))


def test_addr_forward_grads_torch_and_inplace():
    m, u, v = RNG.standard_normal((3, 4)), RNG.standard_normal(3), RNG.standard_normal(4)
    np.testing.assert_allclose(fg.addr(fg.tensor(m), fg.tensor(u), fg.tensor(v), beta=0.5, alpha=2).numpy(),
                               0.5 * m + 2 * np.outer(u, v))
    parity("addr", m, u, v)
    parity("addr", m, u, v, beta=0.5, alpha=-2.0)
    parity("addr", np.full((3, 4), np.nan), u, v, beta=0)
    parity("addr", RNG.standard_normal((4,)), u, v)
    parity("addr", np.zeros((2, 2)), np.ones(2, np.int64), np.ones(2), grad=False)  # torch's backward refuses
    parity("addr", np.zeros((2, 2), np.int64), np.ones(2, np.int64), np.arange(2), beta=2, alpha=3)
    _gc(lambda a, b, c: fg.addr(a, b, c, beta=0.3, alpha=1.7), m, u, v)
    t = fg.tensor(m.copy())
    assert t.addr_(fg.tensor(u), fg.tensor(v)) is t
    np.testing.assert_allclose(t.numpy(), m + np.outer(u, v))
    _raises_like(lambda f: f.addr(f.zeros(2, 2, dtype=f.int64), f.ones(2, dtype=f.int64), f.ones(2, dtype=f.int64),
                                  beta=1.5),
                 lambda t: t.addr(t.zeros(2, 2, dtype=t.int64), t.ones(2, dtype=t.int64), t.ones(2, dtype=t.int64),
                                  beta=1.5))
    _raises_like(lambda f: f.addr(f.zeros(2, 2), f.ones(2, 2), f.ones(2)),
                 lambda t: t.addr(t.zeros(2, 2), t.ones(2, 2), t.ones(2)))
    _raises_like(lambda f: f.addr(f.zeros(3, 2), f.ones(2), f.ones(2)),
                 lambda t: t.addr(t.zeros(3, 2), t.ones(2), t.ones(2)))


# -- block_diag, cartesian_prod, combinations, vander, diagflat -----------------------------------
def test_block_diag_forward_grads_torch():
    a, b, c = RNG.standard_normal((2, 3)), RNG.standard_normal(2), np.array(4.0)
    parity("block_diag", a, b, c)
    parity("block_diag", a.T, np.zeros((0, 2)))
    parity("block_diag", np.ones((2, 2), np.int32), np.ones(1, np.float32), grad=False)
    parity("block_diag", np.ones((1, 2), np.int32), np.ones(1, np.int64))
    parity("block_diag")
    ref = np.zeros((4, 6))
    ref[:2, :3], ref[2, 3:5], ref[3, 5] = a, b, 4.0
    np.testing.assert_allclose(fg.block_diag(fg.tensor(a), fg.tensor(b), fg.tensor(c)).numpy(), ref)
    _gc(fg.block_diag, a, b, c)
    _raises_like(lambda m: m.block_diag(m.ones(1, 1, 1)), lambda t: t.block_diag(t.ones(1, 1, 1)))


def test_cartesian_prod_and_combinations():
    a, b = RNG.standard_normal(3), RNG.standard_normal(2)
    parity("cartesian_prod", a, b)
    parity("cartesian_prod", a, b, RNG.standard_normal(2))
    parity("cartesian_prod", a)
    parity("cartesian_prod", np.arange(3), np.arange(2))
    parity("cartesian_prod", a, np.zeros(0))
    _gc(fg.cartesian_prod, a, b)
    _raises_like(lambda m: m.cartesian_prod(m.arange(2), m.arange(2.0)),
                 lambda t: t.cartesian_prod(t.arange(2), t.arange(2.0)))
    _raises_like(lambda m: m.cartesian_prod(m.ones(2, 2)), lambda t: t.cartesian_prod(t.ones(2, 2)))
    x = RNG.standard_normal(4)
    for r in (0, 1, 2, 3, 5):
        for rep in (False, True):
            parity("combinations", x, r, rep, grad=r > 0)
    parity("combinations", np.arange(4), 2)
    parity("combinations", np.zeros(0), 2)
    _gc(lambda t: fg.combinations(t, 3, True), x)
    _raises_like(lambda m: m.combinations(m.ones(3), -1), lambda t: t.combinations(t.ones(3), -1))
    _raises_like(lambda m: m.combinations(m.ones(3, 3)), lambda t: t.combinations(t.ones(3, 3)))


def test_vander_and_diagflat():
    x = RNG.standard_normal(4)
    np.testing.assert_allclose(fg.vander(fg.tensor(x)).numpy(), np.vander(x))
    np.testing.assert_allclose(fg.vander(fg.tensor(x), 3, True).numpy(), np.vander(x, 3, True))
    for kw in ({}, {"N": 6}, {"N": 1}, {"N": 0}, {"increasing": True}):
        parity("vander", x, grad=False, **kw)    # torch 2.x's vander backward fails (an in-place cumprod)
    z = fg.tensor([0.0, 1.0, -2.0], dtype=fg.float64, requires_grad=True)
    fg.vander(z, 4).sum().backward()                              # d/dx sum_k x^k = sum_k k x^(k-1), at 0 too
    np.testing.assert_allclose(z.grad.numpy(), [1.0, 6.0, 1 - 4 + 12])
    parity("vander", np.array([1, 2], np.int32))
    parity("vander", np.array([True, False]))
    parity("vander", np.zeros(0))
    _gc(lambda t: fg.vander(t, 5), x)
    _raises_like(lambda m: m.vander(m.ones(2, 2)), lambda t: t.vander(t.ones(2, 2)))
    _raises_like(lambda m: m.vander(m.ones(2), -1), lambda t: t.vander(t.ones(2), -1))
    m = RNG.standard_normal((2, 3))
    for off in (0, 2, -1):
        parity("diagflat", m, off)
    parity("diagflat", np.array(3.0))
    parity("diagflat", np.arange(3))
    _gc(lambda t: fg.diagflat(t, 1), m)
    np.testing.assert_allclose(fg.tensor(m).diagflat(-1).numpy(), np.diagflat(m, -1))
