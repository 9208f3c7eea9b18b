"""fg_batch_norm_fwd / fg_batch_norm_bwd (csrc/batchnorm.c) at every ISA level: float64 references for y, the
batch statistics and the three gradients over odd plane sizes (vector tails), N = 1, training and eval, with
and without weight / bias; accuracy when |mean| >> std; NaN propagation; bitwise equal at 1 and 2 threads;
BatchNorm2d beside torch (outputs, running statistics, grads) at every level."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad._ffi import NULL, lib, rptr, wptr

SFX = {np.float32: "f32", np.float64: "f64"}
TOL = {np.float32: dict(rtol=1e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-11)}
EPS = 1e-5


def _ref(x, w, b, mean=None, var=None, dy=None):
    """float64 y, mean, var, dx, dw, db of x (N, C, HW); mean/var given = eval mode."""
    training = mean is None
    if training:
        mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    invstd = 1 / np.sqrt(var + EPS)
    xhat = (x - mean[:, None]) * invstd[:, None]
    y = xhat * w[:, None] + b[:, None]
    dxhat = dy * w[:, None]
    if training:
        dx = invstd[:, None] * (dxhat - dxhat.mean(axis=(0, 2))[:, None]
                                - xhat * (dxhat * xhat).mean(axis=(0, 2))[:, None])
    else:
        dx = dxhat * invstd[:, None]
    return y, mean, var, dx, (dy * xhat).sum(axis=(0, 2)), dy.sum(axis=(0, 2))


def _run(x, w, b, dy, training, mean=None, var=None, need=(True, True, True)):
    dt = x.dtype.type
    n, c, hw = x.shape
    y = np.full(x.shape, np.nan, dt)
    if training:
        mean, var = np.full(c, np.nan), np.full(c, np.nan)
    getattr(lib, f"fg_batch_norm_fwd_{SFX[dt]}")(n, c, hw, rptr(x), NULL if w is None else rptr(w),
                                                 NULL if b is None else rptr(b), wptr(mean), wptr(var), wptr(y),
                                                 int(training), EPS)
    gs = [np.full(s, np.nan, dt) if k else None for s, k in zip((x.shape, (c,), (c,)), need)]
    getattr(lib, f"fg_batch_norm_bwd_{SFX[dt]}")(n, c, hw, rptr(x), NULL if w is None else rptr(w), rptr(mean),
                                                 rptr(var), rptr(dy), *(NULL if g is None else wptr(g) for g in gs),
                                                 int(training), EPS)
    return (y, mean, var, *gs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,hw", [(1, 33 * 33), (3, 1), (2, 7), (1, 9), (4, 15), (2, 17), (2, 33), (3, 64 + 17),
                                  (2, 17 * 17)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_kernels_match_float64_at_every_isa(isa, dtype, n, hw, training, affine, rng):
    c = 3
    x = rng.standard_normal((n, c, hw)) * np.array([1.0, 3.0, 0.5])[:, None] + np.array([0.0, -2.0, 5.0])[:, None]
    x = x.astype(dtype).astype(np.float64)
    dy = rng.standard_normal(x.shape).astype(dtype).astype(np.float64)
    w = rng.standard_normal(c).astype(dtype).astype(np.float64) if affine else np.ones(c)
    b = rng.standard_normal(c).astype(dtype).astype(np.float64) if affine else np.zeros(c)
    rm, rv = (None, None) if training else (rng.standard_normal(c), rng.uniform(0.5, 2, c))
    y, mean, var, dx, dw, db = _run(x.astype(dtype), w.astype(dtype) if affine else None,
                                    b.astype(dtype) if affine else None, dy.astype(dtype), training,
                                    None if training else rm.copy(), None if training else rv.copy())
    ry, rmean, rvar, rdx, rdw, rdb = _ref(x, w, b, rm, rv, dy)
    np.testing.assert_allclose(mean, rmean, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-7)
    np.testing.assert_allclose(var, rvar, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-9)
    scale = max(1.0, np.abs(rdx).max())
    np.testing.assert_allclose(y, ry, **TOL[dtype])
    np.testing.assert_allclose(dx / scale, rdx / scale, **TOL[dtype])
    np.testing.assert_allclose(dw, rdw, **TOL[dtype])
    np.testing.assert_allclose(db, rdb, **TOL[dtype])


@pytest.mark.parametrize("need", [(True, False, False), (False, True, True), (False, False, True)])
def test_batch_norm_bwd_skips_null_outputs(isa, need, rng):
    x, dy = rng.standard_normal((2, 3, 20)), rng.standard_normal((2, 3, 20))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    full = _run(x, w, b, dy, True)
    part = _run(x, w, b, dy, True, need=need)
    for k, g in zip(need, part[3:]):
        assert (g is None) != k
    for a, r in zip(part[3:], full[3:]):
        if a is not None:
            np.testing.assert_array_equal(a, r)


def test_batch_norm_float32_accurate_with_large_mean(isa, rng):
    x = (rng.standard_normal((16, 2, 67)) * 1e-2 + np.array([1e4, -3e3])[:, None]).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    w, b = np.array([1.5, -0.5], np.float32), np.array([0.25, 2.0], np.float32)
    y, mean, var, dx, dw, db = _run(x, w, b, dy, True)
    ry, rmean, rvar, rdx, rdw, rdb = _ref(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                                          dy=dy.astype(np.float64))
    np.testing.assert_allclose(mean, rmean, rtol=1e-12)
    np.testing.assert_allclose(var, rvar, rtol=1e-4)
    np.testing.assert_allclose(y, ry, atol=1e-3)
    np.testing.assert_allclose(dx / np.abs(rdx).max(), rdx / np.abs(rdx).max(), atol=1e-4)
    np.testing.assert_allclose(dw, rdw, rtol=1e-3, atol=1e-2)
    np.testing.assert_allclose(db, rdb, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_nan_stays_in_its_channel(isa, dtype, rng):
    x, dy = rng.standard_normal((2, 3, 37)).astype(dtype), rng.standard_normal((2, 3, 37)).astype(dtype)
    x[1, 1, 20] = np.nan
    w, b = np.ones(3, dtype), np.zeros(3, dtype)
    y, mean, var, dx, dw, db = _run(x, w, b, dy, True)
    assert np.isnan(mean[1]) and np.isnan(var[1]) and np.isnan(y[:, 1]).all() and np.isnan(dx[:, 1]).all()
    assert np.isnan(dw[1]) and not np.isnan(db[1])
    for a in (mean[[0, 2]], var[[0, 2]], y[:, [0, 2]], dx[:, [0, 2]], dw[[0, 2]], db):
        assert np.isfinite(a).all()
    y, _, _, dx, dw, db = _run(x, w, b, dy, False, np.zeros(3), np.ones(3))  # eval: only that element
    assert np.isnan(y).sum() == 1 and np.isnan(y[1, 1, 20]) and np.isnan(dx).sum() == 1 and np.isnan(dx[1, 1, 20])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_bitwise_same_at_one_and_two_threads(isa, dtype, rng):
    before = fg.get_num_threads()
    x = (rng.standard_normal((8, 16, 33 * 33)) + 1).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    w, b = rng.standard_normal(16).astype(dtype), rng.standard_normal(16).astype(dtype)
    try:
        out = []
        for t in (1, 2):
            fg.set_num_threads(t)
            out.append(_run(x, w, b, dy, True) + _run(x, w, b, dy, False, np.zeros(16), np.ones(16)))
    finally:
        fg.set_num_threads(before)
    for a, r in zip(*out):
        np.testing.assert_array_equal(a, r)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 4, 7, 9), (3, 5, 1, 1), (2, 3, 15, 17), (2, 16, 33, 33)])
def test_batchnorm2d_matches_torch_at_every_isa(isa, dtype, shape, rng):
    torch = pytest.importorskip("torch")
    c = shape[1]
    fdt, tdt = (fg.float32, torch.float32) if dtype == np.float32 else (fg.float64, torch.float64)
    fm, tm = fg.nn.BatchNorm2d(c, momentum=0.3, dtype=fdt), torch.nn.BatchNorm2d(c, momentum=0.3, dtype=tdt)
    wb = rng.standard_normal((2, c)).astype(dtype)
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(wb[0])), tm.bias.copy_(torch.from_numpy(wb[1]))
    fm.weight._data[...], fm.bias._data[...] = wb
    tol = TOL[dtype] if dtype == np.float64 else dict(rtol=1e-4, atol=1e-4)
    for step in range(2):
        x = (rng.standard_normal(shape) * 2 + step).astype(dtype)
        dy = rng.standard_normal(shape).astype(dtype)
        fx, tx = fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        fy, ty = fm(fx), tm(tx)
        fy.backward(fg.tensor(dy))
        ty.backward(torch.from_numpy(dy))
        np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), **tol)
        np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), **tol)
    np.testing.assert_allclose(fm.running_mean.numpy(), tm.running_mean.numpy(), **tol)
    np.testing.assert_allclose(fm.running_var.numpy(), tm.running_var.numpy(), **tol)
    np.testing.assert_allclose(fm.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(fm.bias.grad.numpy(), tm.bias.grad.numpy(), rtol=1e-4, atol=1e-3)
    fm.eval(), tm.eval()
    x = rng.standard_normal(shape).astype(dtype)
    np.testing.assert_allclose(fm(fg.tensor(x)).detach().numpy(), tm(torch.from_numpy(x)).detach().numpy(), **tol)
