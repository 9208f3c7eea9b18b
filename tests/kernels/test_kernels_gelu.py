"""C-level tests of csrc/gelu.c: accuracy of the SIMD gelu against float64 over a wide range (and
against torch's own float32 error), odd sizes around the SIMD widths at every ISA level, threads,
and fg_gelu_bwd_colsum (dz bitwise fg_gelu_bwd, db the float64-accumulated column sums)."""
import math

import numpy as np
import pytest

from fastgrad._ffi import lib, rptr, wptr

_erfc = np.vectorize(math.erfc, otypes=[np.float64])
SIZES = [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 127, 129]


def gelu64(x):
    x = x.astype(np.float64)
    return 0.5 * x * _erfc(-x / math.sqrt(2))


def dgelu64(x):
    x = x.astype(np.float64)
    return 0.5 * _erfc(-x / math.sqrt(2)) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def run(approximate, x, dy=None):
    y = np.full_like(x, np.nan)
    if dy is None:
        lib.fg_gelu_fwd_f32(x.size, rptr(x), wptr(y), approximate)
    else:
        lib.fg_gelu_bwd_f32(x.size, rptr(x), rptr(dy), wptr(y), approximate)
    return y


def wide_range():
    """[-14, 14] densely (gelu underflows below -14), and both signs down to 1e-30."""
    g = np.geomspace(1e-30, 14, 4001)
    return np.concatenate([np.linspace(-14, 14, 56001), g, -g]).astype(np.float32)


def test_exact_gelu_accuracy_within_torch(isa):
    """max abs error over [-14, 14] no larger than torch's float32 gelu; relative error a few ulp
    where the result is above 1e-3 in size, and bounded in the left tail (torch returns 0 there)."""
    x = wide_range()
    want, dwant = gelu64(x), dgelu64(x)
    y, dx = run(0, x), run(0, x, np.ones_like(x))
    err, derr = np.abs(y - want), np.abs(dx - dwant)
    assert err.max() <= 4e-7 and derr.max() <= 3e-7, (err.max(), derr.max())
    big = np.abs(want) > 1e-3
    assert (err[big] / np.abs(want[big])).max() < 1e-6
    tail = (x < -3) & (np.abs(want) > 1e-37)
    assert (err[tail] / np.abs(want[tail])).max() < 2e-5
    torch = pytest.importorskip("torch")
    tx = torch.from_numpy(x)
    ty = torch.nn.functional.gelu(tx).numpy()
    tdx = torch.ops.aten.gelu_backward(torch.ones_like(tx), tx).numpy()
    assert err.max() <= np.abs(ty - want).max()
    assert derr.max() <= np.abs(tdx - dwant).max() * 1.01


@pytest.mark.parametrize("approximate", [0, 1])
def test_every_size_and_lane_matches_the_elementwise_result(isa, approximate, rng):
    """each element's result does not depend on n or on where it sits (masked tails, 8 and 16
    lanes, chunks split over threads)."""
    x = (rng.standard_normal(4099) * 3).astype(np.float32)
    dy = rng.standard_normal(x.size).astype(np.float32)
    full, dfull = run(approximate, x), run(approximate, x, dy)
    for n in SIZES:
        for start in (0, 1, 5):
            seg = x[start:start + n].copy()
            np.testing.assert_array_equal(run(approximate, seg), full[start:start + n])
            np.testing.assert_array_equal(run(approximate, seg, dy[start:start + n].copy()),
                                          dfull[start:start + n])


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_do_not_change_results(threads, rng):
    x = (rng.standard_normal(300001) * 3).astype(np.float32)
    before = lib.fg_get_num_threads()
    lib.fg_set_num_threads(1)
    want = run(0, x)
    lib.fg_set_num_threads(threads)
    try:
        np.testing.assert_array_equal(run(0, x), want)
    finally:
        lib.fg_set_num_threads(before)


@pytest.mark.parametrize("approximate", [0, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,n", [(1, 1), (3, 7), (5, 16), (17, 33), (64, 65), (2, 1029)])
def test_bwd_colsum(isa, approximate, dtype, m, n, rng):
    sfx = "f32" if dtype == np.float32 else "f64"
    x = (rng.standard_normal((m, n)) * 3).astype(dtype)
    dy = rng.standard_normal((m, n)).astype(dtype)
    dz, db = np.full_like(x, np.nan), np.full(n, np.nan, dtype)
    assert getattr(lib, f"fg_gelu_bwd_colsum_{sfx}")(m, n, rptr(x), rptr(dy), wptr(dz), wptr(db), approximate) == 0
    want = np.full_like(x, np.nan)
    getattr(lib, f"fg_gelu_bwd_{sfx}")(x.size, rptr(x), rptr(dy), wptr(want), approximate)
    np.testing.assert_array_equal(dz, want)
    acc = np.zeros(n)
    for i in range(m):  # fg_linear_bwd's db: float64 sums in row order
        acc += dz[i].astype(np.float64)
    np.testing.assert_array_equal(db, acc.astype(dtype))


def test_bwd_colsum_bad_size():
    assert lib.fg_gelu_bwd_colsum_f32(-1, 3, rptr(np.zeros(1, np.float32)), rptr(np.zeros(1, np.float32)),
                                      wptr(np.zeros(1, np.float32)), wptr(np.zeros(1, np.float32)), 0) != 0


def test_bwd_colsum_threads_do_not_change_results(rng):
    m, n = 300, 515
    x = (rng.standard_normal((m, n)) * 3).astype(np.float32)
    dy = rng.standard_normal((m, n)).astype(np.float32)
    before = lib.fg_get_num_threads()
    out = []
    try:
        for threads in (1, 2):
            lib.fg_set_num_threads(threads)
            dz, db = np.empty_like(x), np.empty(n, np.float32)
            lib.fg_gelu_bwd_colsum_f32(m, n, rptr(x), rptr(dy), wptr(dz), wptr(db), 0)
            out.append((dz, db))
    finally:
        lib.fg_set_num_threads(before)
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
