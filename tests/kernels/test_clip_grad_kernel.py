"""fg_norm_multi (csrc/reduce.inc) and the clip_grad_norm_ built on it (issue 14 item 10): norms of
many arrays in one C call, double accumulation, threaded, against numpy float64 at every ISA level."""
import math

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
from fastgrad._ffi import ffi, lib, rptr

NORMS = [2.0, 1.0, math.inf, 0.5, 0.0, -math.inf, 3.0]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
CT = {np.float32: "float *[]", np.float64: "double *[]"}


def _ref_piece(arrays, p):
    """numpy float64 oracle of the kernel's piece"""
    flat = np.concatenate([a.reshape(-1).astype(np.float64) for a in arrays] + [np.zeros(0)])
    a = np.abs(flat)
    if p == math.inf:
        return float(a.max()) if a.size else 0.0
    if p == -math.inf:
        return float(a.min()) if a.size else math.inf
    if p == 0:
        return float(np.count_nonzero(flat))
    return float((a ** p).sum())


def _piece(arrays, p, dtype):
    ptrs = [rptr(a) for a in arrays]
    sizes = np.array([a.size for a in arrays], np.int64)
    return getattr(lib, f"fg_norm_multi_{SUF[dtype]}")(len(arrays), rptr(sizes), ffi.new(CT[dtype], ptrs), p)


def _arrays(rng, dtype, sizes):
    return [rng.standard_normal(n).astype(dtype) for n in sizes]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", NORMS)
@pytest.mark.parametrize("sizes", [[], [0], [1], [7, 0, 9], [3, 17, 33, 1029], [40000, 5, 70001]])
def test_norm_multi_fwd_matches_numpy(isa, dtype, p, sizes, rng):
    arrays = _arrays(rng, dtype, sizes)
    if arrays and arrays[-1].size > 3:
        arrays[-1][::3] = 0                       # zeros count for p = 0
    got, want = _piece(arrays, p, dtype), _ref_piece(arrays, p)
    assert got == pytest.approx(want, rel=1e-12 if p in (0, 1, 2, math.inf, -math.inf) else 1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", NORMS)
def test_norm_multi_fwd_nan_propagates(isa, dtype, p, rng):
    arrays = _arrays(rng, dtype, [10, 50000])
    arrays[1][30000] = np.nan
    got = _piece(arrays, p, dtype)
    assert math.isnan(got) if p != 0 else got == _ref_piece(arrays, 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, math.inf])
def test_norm_multi_fwd_bitwise_any_thread_count(isa, dtype, p, rng):
    arrays = _arrays(rng, dtype, [300001, 17, 123457])
    before = lib.fg_get_num_threads()
    try:
        got = []
        for nt in (1, 2, 3, 5):
            lib.fg_set_num_threads(nt)
            got.append(_piece(arrays, p, dtype))
    finally:
        lib.fg_set_num_threads(before)
    assert all(g == got[0] for g in got)


def _params(rng, dtype, shapes, transpose=False):
    ps = []
    for shape in shapes:
        p = nn.Parameter(fg.zeros(*shape, dtype=getattr(fg, np.dtype(dtype).name)))
        g = rng.standard_normal(shape[::-1] if transpose else shape).astype(dtype)
        p.grad = fg.from_numpy(g.T if transpose else g) if g.ndim == 2 else fg.from_numpy(g)
        ps.append(p)
    return ps


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", NORMS)
def test_clip_grad_norm_fwd_matches_numpy(isa, dtype, p, rng):
    shapes = [(3, 5), (0, 4), (700, 130), (7,)]
    ps = _params(rng, dtype, shapes, transpose=True)         # non-contiguous (transposed) grads
    assert not ps[2].grad._data.flags.c_contiguous
    grads = [q.grad.numpy().astype(np.float64) for q in ps]
    if p == -math.inf:
        want = 0.0                                          # the empty grad's norm is 0
    elif p in (0, 1, math.inf):
        want = _ref_piece(grads, p)
    else:
        want = _ref_piece(grads, p) ** (1 / p)
    total = nn.utils.clip_grad_norm_(ps, max_norm=0.25, norm_type=p)
    assert total.dtype == getattr(fg, np.dtype(dtype).name)
    assert float(total) == pytest.approx(want, rel=1e-6 if dtype == np.float32 else 1e-12)
    coef = min(0.25 / (float(total) + 1e-6), 1.0)
    for q, g in zip(ps, grads):
        np.testing.assert_allclose(q.grad.numpy(), g * coef, rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_clip_grad_norm_fwd_mixed_dtypes_and_empty(rng):
    ps = _params(rng, np.float32, [(40, 3)]) + _params(rng, np.float64, [(9,), (0,)])
    grads = [q.grad.numpy().astype(np.float64) for q in ps]
    total = nn.utils.get_total_norm([q.grad for q in ps], 2.0)
    assert float(total) == pytest.approx(math.sqrt(_ref_piece(grads, 2.0)), rel=1e-6)
    assert float(nn.utils.get_total_norm([], 2.0)) == 0.0


def test_clip_grad_norm_fwd_nonfinite_raises(rng):
    ps = _params(rng, np.float32, [(10,)])
    ps[0].grad._data[3] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
