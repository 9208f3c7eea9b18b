"""Edge tiles, odd sizes and cache blocks of the GEMM at every ISA level (csrc/gemm*.c).

Sizes 0, 1, 7, 15, 17, 33 in each dimension (every combination, looped inside one test per ISA,
dtype and transpose pair to keep the run short) and 1029 in one or two dimensions at a time: they
cut every register tile (MR 6/12, NR 8/16/32) at each remainder class and cross the KC blocks.
Results are checked against float64 numpy with a componentwise rounding bound, C starts as NaN
(an element never written shows up), and threaded results must equal the 1-thread ones bit for
bit.  The blocks the driver chose from the caches are checked against the rule in gemm.c.
"""
import itertools

import numpy as np
import pytest

import fastgrad
from fastgrad._ffi import ffi, lib, rptr, wptr

DTYPES = [np.float32, np.float64]
EPS = {np.dtype(np.float32): np.finfo(np.float32).eps, np.dtype(np.float64): np.finfo(np.float64).eps}
TRANS = [(0, 0), (0, 1), (1, 0), (1, 1)]
ODD = [0, 1, 7, 15, 17, 33]
BIG = [(1029, 7, 33), (7, 1029, 33), (33, 17, 1029), (1029, 1029, 7), (17, 1029, 1029),
       (1029, 33, 1029)]


def _gemm_fn(dtype):
    return lib.fg_gemm_f32 if np.dtype(dtype) == np.float32 else lib.fg_gemm_f64


def _run(ta, tb, m, n, k, dtype, seed, alpha=1.0, beta=0.0, c0=None):
    """fg_gemm on random operands stored as op() expects; returns (C, float64 result, bound)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    c = np.full((m, n), np.nan, dtype) if c0 is None else c0.copy()
    rc = _gemm_fn(dtype)(ta, tb, m, n, k, alpha, rptr(a), max(1, a.shape[1]), rptr(b),
                         max(1, b.shape[1]), beta, wptr(c), max(1, n))
    assert rc == 0
    opa = (a.T if ta else a).astype(np.float64)
    opb = (b.T if tb else b).astype(np.float64)
    exact = alpha * (opa @ opb)
    mag = abs(alpha) * (np.abs(opa) @ np.abs(opb))
    if beta != 0:
        exact = exact + beta * c0.astype(np.float64)
        mag = mag + abs(beta) * np.abs(c0.astype(np.float64))
    return c, exact, 2 * (k + 2) * EPS[np.dtype(dtype)] * mag + 1e-30


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", TRANS)
def test_gemm_every_odd_size_combination(ta, tb, dtype, isa):
    for i, (m, n, k) in enumerate(itertools.product(ODD, ODD, ODD)):
        c, exact, bound = _run(ta, tb, m, n, k, dtype, seed=i)
        assert np.all(np.abs(c - exact) <= bound), (m, n, k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", [(0, 0), (0, 1), (1, 0)])
@pytest.mark.parametrize("m,n,k", BIG)
def test_gemm_1029_in_one_or_two_dimensions(m, n, k, ta, tb, dtype, isa):
    c, exact, bound = _run(ta, tb, m, n, k, dtype, seed=m + 3 * n + 7 * k)
    assert np.all(np.abs(c - exact) <= bound)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(7, 17, 33), (33, 15, 1029), (1029, 17, 15)])
def test_gemm_edge_tiles_alpha_beta(m, n, k, dtype, isa):
    """Edge tiles read C through masks only where beta != 0, and scale by alpha as full ones."""
    c0 = np.random.default_rng(1).standard_normal((m, n)).astype(dtype)
    for ta, tb in TRANS:
        for alpha, beta in [(0.5, 0.0), (1.5, -0.5), (1.0, 1.0)]:
            c, exact, bound = _run(ta, tb, m, n, k, dtype, seed=2, alpha=alpha, beta=beta, c0=c0)
            assert np.all(np.abs(c - exact) <= bound), (ta, tb, alpha, beta)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", [(0, 0), (0, 1), (1, 0)])
@pytest.mark.parametrize("m,n,k", [(1029, 33, 1029), (33, 1029, 517), (1029, 1029, 17),
                                   (128, 512, 784), (257, 255, 300)])
def test_gemm_bitwise_identical_for_1_2_3_threads(m, n, k, ta, tb, dtype, isa):
    before = lib.fg_get_num_threads()
    try:
        results = []
        for nt in (1, 2, 3):
            lib.fg_set_num_threads(nt)
            results.append(_run(ta, tb, m, n, k, dtype, seed=11)[0])
    finally:
        lib.fg_set_num_threads(before)
    for c in results[1:]:
        np.testing.assert_array_equal(c, results[0])


def test_backend_info_reports_caches_and_blocks_from_the_rule(isa):
    info = fastgrad.backend_info()["gemm"]
    caches = info["cache_bytes"]
    assert caches["L1d"] > 0 and caches["L2"] > 0 and caches["L3"] > 0 and caches["L3_shared_by"] >= 1
    for name, size in (("f32", 4), ("f64", 8)):
        blk = info[name]
        out = ffi.new("int64_t[8]")
        getattr(lib, "fg_gemm_blocks_" + name)(out)
        assert [blk[x] for x in ("mr", "nr", "mc", "kc", "nc")] == list(out)[:5]
        assert blk["mc"] % blk["mr"] == 0 and blk["nc"] % blk["nr"] == 0
        if isa == lib.FG_ISA_AVX2:  # blocks from the caches (the rule beside cache_blocks)
            kc = min(1024, max(64, caches["L1d"] // (2 * blk["nr"] * size) // 8 * 8))
            assert blk["kc"] == kc
            assert blk["mc"] == min(1024 // blk["mr"] * blk["mr"],
                                    max(blk["mr"], caches["L2"] // (2 * kc * size) // blk["mr"] * blk["mr"]))
            share = caches["L3"] // caches["L3_shared_by"]
            assert blk["nc"] == min(8192 // blk["nr"] * blk["nr"],
                                    max(16 * blk["nr"], share // (2 * kc * size) // blk["nr"] * blk["nr"]))


def test_cache_sizes_are_read_from_sysfs_when_present():
    import os
    base = "/sys/devices/system/cpu/cpu0/cache"
    if not os.path.isdir(base):
        pytest.skip("no sysfs cache directory on this system")
    want = {}
    for d in sorted(os.listdir(base)):
        if not d.startswith("index"):
            continue
        with open(os.path.join(base, d, "level")) as f:
            level = int(f.read())
        with open(os.path.join(base, d, "type")) as f:
            kind = f.read().strip()
        with open(os.path.join(base, d, "size")) as f:
            text = f.read().strip()
        size = int(text.rstrip("KM")) * {"K": 1024, "M": 1 << 20}.get(text[-1], 1)
        if (level == 1 and kind == "Data") or (level > 1 and kind == "Unified"):
            want[level] = size
    out = ffi.new("int64_t[4]")
    lib.fg_cache_sizes(out)
    for level, size in want.items():
        assert out[level - 1] == size
