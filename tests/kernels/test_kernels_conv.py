"""The CNN kernels called through _ffi.lib at every ISA level (the convolution's products go
through the dispatched GEMM): outputs start NaN-filled, so an element a kernel forgot shows up;
float64 closed forms from direct numpy loops (tests/opcases_conv.py)."""
import numpy as np
import pytest

from fastgrad._ffi import NULL, ffi, lib, rptr, wptr
from fastgrad.ops.conv import conv_geometry
from fastgrad.ops.pool import pool_geometry
from opcases_conv import avg_pool_ref, batch_norm_ref, conv_ref, max_pool_ref

SFX = {np.float32: "f32", np.float64: "f64"}
TOL = {np.float32: dict(rtol=2e-4, atol=2e-4), np.float64: dict(rtol=1e-10, atol=1e-10)}


def _k(name, dtype):
    return getattr(lib, f"fg_{name}_{SFX[dtype]}")


def _nan(shape, dtype):
    return np.full(shape, np.nan, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,c,oc,hw,k,s,p,d,groups", [
    (3, 4, 6, (7, 9), (3, 3), (1, 1), (1, 1), (1, 1), 1),
    (20, 3, 5, (5, 6), (2, 3), (2, 1), (0, 1), (1, 2), 1),    # many samples: several dW blocks
    (9, 8, 8, (6, 6), (3, 3), (2, 2), (1, 1), (1, 1), 8),     # depthwise, samples side by side
    (4, 6, 4, (5, 5), (1, 1), (1, 1), (0, 0), (1, 1), 2),     # pointwise: col is the input itself
    (2, 2, 3, (33, 40), (5, 5), (3, 3), (2, 2), (1, 1), 1),   # one sample per GEMM (>= 512 positions)
])
def test_conv2d_kernels_match_loops_at_every_isa(isa, n, c, oc, hw, k, s, p, d, groups, dtype, rng):
    x = rng.standard_normal((n, c) + hw)
    w = rng.standard_normal((oc, c // groups) + k)
    b = rng.standard_normal(oc)
    g = conv_geometry(x.shape, w.shape, s, p, d, groups)
    gp = ffi.from_buffer("int64_t[]", g)
    xs, ws, bs = (a.astype(dtype) for a in (x, w, b))
    y = _nan((n, oc, int(g[7]), int(g[8])), dtype)
    assert _k("conv2d_fwd", dtype)(gp, rptr(xs), rptr(ws), rptr(bs), wptr(y)) == 0
    ref = conv_ref(x, w, b, s, p, d, groups)
    np.testing.assert_allclose(y, ref, **TOL[dtype])
    dy = rng.standard_normal(y.shape)
    dx, dw, db = _nan(x.shape, dtype), _nan(w.shape, dtype), _nan(oc, dtype)
    assert _k("conv2d_bwd", dtype)(gp, rptr(xs), rptr(ws), rptr(dy.astype(dtype)), wptr(dx), wptr(dw), wptr(db)) == 0
    # adjoint identities: <dy, conv(x', w)> = <dx, x'>, <dy, conv(x, w')> = <dw, w'>, db = sum dy
    xr, wr = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(np.vdot(dx, xr), np.vdot(dy, conv_ref(xr, w, None, s, p, d, groups)), **TOL[dtype])
    np.testing.assert_allclose(np.vdot(dw, wr), np.vdot(dy, conv_ref(x, wr, None, s, p, d, groups)), **TOL[dtype])
    np.testing.assert_allclose(db, dy.sum(axis=(0, 2, 3)), **TOL[dtype])
    only = _nan(w.shape, dtype)                       # NULL outputs are skipped, the rest still written
    assert _k("conv2d_bwd", dtype)(gp, rptr(xs), rptr(ws), rptr(dy.astype(dtype)), NULL, wptr(only), NULL) == 0
    np.testing.assert_array_equal(only, dw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pool_kernels_match_loops(dtype, rng):
    x = rng.standard_normal((2, 3, 7, 8))
    xs = x.astype(dtype)
    g = pool_geometry(x.shape, (4, 5), (3, 3), (2, 2), (1, 1), (1, 1))   # ceil_mode sizes
    gp = ffi.from_buffer("int64_t[]", g)
    y, idx = _nan((2, 3, 4, 5), dtype), np.full((2, 3, 4, 5), -7, np.int64)
    _k("max_pool2d_fwd", dtype)(gp, rptr(xs), wptr(y), wptr(idx))
    np.testing.assert_array_equal(y, max_pool_ref(x, 3, 2, 1, 1, True).astype(dtype))
    assert idx.min() >= 0 and idx.max() < 56
    dy = rng.standard_normal(y.shape).astype(dtype)
    dx = _nan(x.shape, dtype)
    _k("max_pool2d_bwd", dtype)(gp, rptr(idx), rptr(dy), wptr(dx))
    ref = np.zeros((6, 56))
    np.add.at(ref, (np.arange(6)[:, None], idx.reshape(6, -1)), dy.reshape(6, -1).astype(np.float64))
    np.testing.assert_allclose(dx.reshape(6, -1), ref, **TOL[dtype])
    for incl, div in ((1, 0), (0, 0), (1, 5)):
        ya = _nan((2, 3, 4, 5), dtype)
        _k("avg_pool2d_fwd", dtype)(gp, rptr(xs), wptr(ya), incl, div)
        np.testing.assert_allclose(ya, avg_pool_ref(x, 3, 2, 1, True, bool(incl), div or None), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,c,hw", [(1, 1, 2), (5, 3, 1), (4, 7, 33)])
def test_batch_norm_kernels_match_closed_form(n, c, hw, dtype, rng):
    x = rng.standard_normal((n, c, hw)) * 2 + 3
    w, b = rng.standard_normal(c), rng.standard_normal(c)
    xs, ws, bs = (a.astype(dtype) for a in (x, w, b))
    mean, var, y = np.full(c, np.nan), np.full(c, np.nan), _nan(x.shape, dtype)
    _k("batch_norm_fwd", dtype)(n, c, hw, rptr(xs), rptr(ws), rptr(bs), wptr(mean), wptr(var), wptr(y), 1, 1e-5)
    np.testing.assert_allclose(mean, xs.astype(np.float64).mean(axis=(0, 2)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(var, xs.astype(np.float64).var(axis=(0, 2)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y, batch_norm_ref(xs.astype(np.float64), w, b), **TOL[dtype])
    dy = rng.standard_normal(x.shape).astype(dtype)
    dx, dw, db = _nan(x.shape, dtype), _nan(c, dtype), _nan(c, dtype)
    _k("batch_norm_bwd", dtype)(n, c, hw, rptr(xs), rptr(ws), rptr(mean), rptr(var), rptr(dy), wptr(dx), wptr(dw),
                                wptr(db), 1, 1e-5)
    xhat = (xs - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5)
    d64 = dy.astype(np.float64)
    np.testing.assert_allclose(db, d64.sum(axis=(0, 2)), **TOL[dtype])
    np.testing.assert_allclose(dw, (d64 * xhat).sum(axis=(0, 2)), **TOL[dtype])
    m = n * hw
    ref = w[None, :, None] / np.sqrt(var[None, :, None] + 1e-5) * (
        d64 - d64.sum(axis=(0, 2), keepdims=True) / m - xhat * (d64 * xhat).sum(axis=(0, 2), keepdims=True) / m)
    np.testing.assert_allclose(dx, ref, **TOL[dtype])
