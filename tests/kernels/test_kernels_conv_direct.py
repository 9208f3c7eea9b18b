"""The direct convolution (csrc/conv_direct.c: small channel counts, depthwise, stride 1 or 2) through
fg_conv2d_fwd / fg_conv2d_bwd at every ISA level: the shapes below are ones its rule takes (4 <= out
channels per group <= 64, 3x3 / 5x5 up to 32 channels, depthwise), plus neighbours it sends back to
im2col + GEMM in the same call (padding beyond the kernel and stride 2 for dX, 1x1).  Outputs start
NaN-filled; references are float64 numpy loops (tests/opcases_conv.py); results at 1 and 2 threads
must be bitwise equal."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad._ffi import NULL, ffi, lib, rptr, wptr
from fastgrad.ops.conv import conv_geometry
from opcases_conv import conv_ref

SFX = {np.float32: "f32", np.float64: "f64"}
TOL = {np.float32: dict(rtol=2e-4, atol=2e-4), np.float64: dict(rtol=1e-10, atol=1e-10)}
# n, c, oc, (h, w), (kh, kw), padding, dilation, groups
CASES = [
    (2, 16, 16, (12, 12), (3, 3), (1, 1), (1, 1), 1),    # the ResNet layer shape, small
    (1, 3, 8, (9, 7), (3, 3), (1, 1), (1, 1), 1),        # batch 1, odd sizes, thin input
    (3, 6, 16, (11, 13), (5, 5), (0, 0), (1, 1), 1),     # LeNet's second conv
    (2, 1, 6, (14, 14), (5, 5), (0, 0), (1, 1), 1),      # one input channel
    (2, 8, 8, (10, 9), (3, 3), (1, 1), (1, 1), 8),       # depthwise
    (2, 8, 16, (10, 10), (3, 3), (2, 2), (2, 2), 8),     # depthwise with a multiplier, dilated
    (2, 12, 12, (7, 8), (5, 5), (2, 2), (1, 1), 12),     # depthwise 5x5
    (3, 8, 12, (7, 9), (5, 3), (2, 1), (1, 1), 2),       # groups, rectangular kernel
    (2, 4, 8, (6, 6), (3, 3), (3, 3), (1, 1), 1),        # padding > kernel - 1: dX by im2col, the rest direct
    (2, 32, 8, (8, 8), (3, 3), (1, 1), (1, 1), 1),       # dX's flipped conv has 8 -> 32 channels
    (2, 5, 7, (6, 5), (3, 3), (1, 2), (1, 2), 1),        # asymmetric padding and dilation, odd channels
]
# stride 2 (phase planes; dX by im2col): n, c, oc, (h, w), (kh, kw), padding, dilation, groups
CASES_S2 = [
    (2, 16, 32, (16, 16), (3, 3), (1, 1), (1, 1), 1),    # the ResNet down-sampling conv, small
    (3, 6, 8, (11, 9), (3, 3), (1, 0), (1, 1), 1),       # odd sizes: the phase planes differ in size
    (1, 4, 8, (13, 12), (5, 5), (2, 2), (2, 1), 2),      # 5x5, dilated, groups, batch 1
    (2, 8, 8, (9, 10), (3, 3), (1, 1), (1, 1), 8),       # depthwise
    (2, 8, 64, (10, 10), (3, 3), (1, 1), (1, 1), 1),     # wide output: dW by im2col, forward direct
]


def _k(name, dtype):
    return getattr(lib, f"fg_{name}_{SFX[dtype]}")


def _run(g, xs, ws, bs, dy):
    dt = xs.dtype.type
    gp = ffi.from_buffer("int64_t[]", g)
    y = np.full((xs.shape[0], ws.shape[0], int(g[7]), int(g[8])), np.nan, dt)
    assert _k("conv2d_fwd", dt)(gp, rptr(xs), rptr(ws), rptr(bs), wptr(y)) == 0
    dx, dw, db = np.full(xs.shape, np.nan, dt), np.full(ws.shape, np.nan, dt), np.full(ws.shape[0], np.nan, dt)
    assert _k("conv2d_bwd", dt)(gp, rptr(xs), rptr(ws), rptr(dy), wptr(dx), wptr(dw), wptr(db)) == 0
    return y, dx, dw, db


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("s,n,c,oc,hw,k,p,d,groups", [(1,) + c for c in CASES] + [(2,) + c for c in CASES_S2])
def test_direct_conv_matches_loops_at_every_isa(isa, s, n, c, oc, hw, k, p, d, groups, dtype, rng):
    x, w, b = rng.standard_normal((n, c) + hw), rng.standard_normal((oc, c // groups) + k), rng.standard_normal(oc)
    s = (s, s)
    g = conv_geometry(x.shape, w.shape, s, p, d, groups)
    dy = rng.standard_normal((n, oc, int(g[7]), int(g[8])))
    y, dx, dw, db = _run(g, x.astype(dtype), w.astype(dtype), b.astype(dtype), dy.astype(dtype))
    np.testing.assert_allclose(y, conv_ref(x, w, b, s, p, d, groups), **TOL[dtype])
    xr, wr = rng.standard_normal(x.shape), rng.standard_normal(w.shape)   # adjoint identities
    np.testing.assert_allclose(np.vdot(dx, xr), np.vdot(dy, conv_ref(xr, w, None, s, p, d, groups)), **TOL[dtype])
    np.testing.assert_allclose(np.vdot(dw, wr), np.vdot(dy, conv_ref(x, wr, None, s, p, d, groups)), **TOL[dtype])
    np.testing.assert_allclose(db, dy.sum(axis=(0, 2, 3)), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_conv_bitwise_same_at_one_and_two_threads(isa, dtype, rng):
    before = fg.get_num_threads()
    for s, (n, c, oc, hw, k, p, d, groups) in ((1, CASES[0]), (1, CASES[5]), (2, CASES_S2[0]),
                                               (1, (16, 16, 16, (32, 32), (3, 3), (1, 1), (1, 1), 1))):
        x, w = rng.standard_normal((n, c) + hw).astype(dtype), rng.standard_normal((oc, c // groups) + k).astype(dtype)
        b = rng.standard_normal(oc).astype(dtype)
        g = conv_geometry(x.shape, w.shape, (s, s), p, d, groups)
        dy = rng.standard_normal((n, oc, int(g[7]), int(g[8]))).astype(dtype)
        try:
            fg.set_num_threads(1)
            one = _run(g, x, w, b, dy)
            fg.set_num_threads(2)
            two = _run(g, x, w, b, dy)
        finally:
            fg.set_num_threads(before)
        for a, z in zip(one, two):
            np.testing.assert_array_equal(a, z)


def test_direct_conv_null_outputs_are_skipped(rng):
    x, w = rng.standard_normal((2, 8, 9, 9)).astype(np.float32), rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    g = conv_geometry(x.shape, w.shape, (1, 1), (1, 1), (1, 1), 1)
    dy = rng.standard_normal((2, 8, 9, 9)).astype(np.float32)
    _, dx, dw, _ = _run(g, x, w, np.zeros(8, np.float32), dy)
    gp = ffi.from_buffer("int64_t[]", g)
    only_dw, only_dx = np.full(w.shape, np.nan, np.float32), np.full(x.shape, np.nan, np.float32)
    assert lib.fg_conv2d_bwd_f32(gp, rptr(x), rptr(w), rptr(dy), NULL, wptr(only_dw), NULL) == 0
    assert lib.fg_conv2d_bwd_f32(gp, rptr(x), rptr(w), rptr(dy), wptr(only_dx), NULL, NULL) == 0
    np.testing.assert_array_equal(only_dw, dw)
    np.testing.assert_array_equal(only_dx, dx)
