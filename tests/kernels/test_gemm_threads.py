"""The threaded GEMM (csrc/gemm_par.inc) and the pool's claimed chunks (csrc/threadpool.c).

One pool region per GEMM: C cut into one slab of whole micro-panels per thread (column halves,
row halves, or a rows x cols grid with 4 threads), each a serial packed GEMM, slabs taken from a
counter.  Every threaded call here is forced onto the threaded path (fg_gemm_always_threaded),
whatever the measured-cost rule would say on this machine, and repeated, so that a race or a
misplaced slab boundary shows up as a difference from the 1-thread result (bit for bit).
Shapes cross several k blocks (with beta != 0, so the first block's scaling matters), several
column blocks (n > NC), edge tiles on both sides, and both cuts.
"""
import os
import time

import numpy as np
import pytest

import fastgrad
from fastgrad._ffi import ffi, lib, rptr, wptr

DTYPES = [np.float32, np.float64]
FORMS = [(0, 0), (0, 1), (1, 0)]


def _gemm(ta, tb, m, n, k, dtype, alpha=1.0, beta=0.0, seed=3):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    c0 = rng.standard_normal((m, n)).astype(dtype)
    fn = lib.fg_gemm_f32 if np.dtype(dtype) == np.float32 else lib.fg_gemm_f64

    def run():
        c = c0.copy()
        assert fn(ta, tb, m, n, k, alpha, rptr(a), a.shape[1], rptr(b), b.shape[1], beta, wptr(c), n) == 0
        return c

    want = alpha * ((a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64))
    return run, want + beta * c0.astype(np.float64)


def _threads(nt):
    before = lib.fg_get_num_threads()
    lib.fg_set_num_threads(nt)
    return before


@pytest.fixture(autouse=True)
def always_threaded():
    lib.fg_gemm_always_threaded(1)
    yield
    lib.fg_gemm_always_threaded(0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", FORMS)
@pytest.mark.parametrize("m,n,k", [(32, 128, 784),     # column halves, several k blocks
                                   (128, 512, 600),    # column halves, 3 k blocks
                                   (700, 70, 530),     # row halves (m > n), edge column tile
                                   (512, 784, 128),    # row halves though n > m: m > k (a dW)
                                   (7, 700, 1029),     # one row panel: columns only
                                   (1029, 17, 300),    # rows, one column panel
                                   (33, 17, 1029),     # row halves, edge tiles both ways
                                   (1, 1029, 300)])    # a single row
def test_threaded_gemm_repeated_calls_bitwise_equal_one_thread(m, n, k, ta, tb, dtype, isa):
    run, want = _gemm(ta, tb, m, n, k, dtype, alpha=0.5, beta=1.5)
    before = _threads(1)
    try:
        one = run()
        for nt in (2, 3, 4):  # 4: a 2 x 2 grid of slabs where C has the panels
            lib.fg_set_num_threads(nt)
            for _ in range(4):
                np.testing.assert_array_equal(run(), one)
    finally:
        lib.fg_set_num_threads(before)
    tol = 1e-3 if np.dtype(dtype) == np.float32 else 1e-10
    assert np.abs(one - want).max() <= tol * (np.abs(want).max() + 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_threaded_gemm_several_column_blocks(dtype, isa):
    # n beyond NC: column blocks after the first restart the k-block order of their C tiles
    nc = fastgrad.backend_info()["gemm"]["f32" if np.dtype(dtype) == np.float32 else "f64"]["nc"]
    run, want = _gemm(0, 0, 20, nc + 40, 300, dtype, beta=-1.0)
    before = _threads(1)
    try:
        one = run()
        for nt in (2, 3):
            lib.fg_set_num_threads(nt)
            for _ in range(6):
                np.testing.assert_array_equal(run(), one)
    finally:
        lib.fg_set_num_threads(before)
    tol = 1e-3 if np.dtype(dtype) == np.float32 else 1e-10
    assert np.abs(one - want).max() <= tol * (np.abs(want).max() + 1)


def test_thread_stats_account_for_every_tile():
    # the diagnostics the benchmark's --thread-report reads: slabs and padded tile flops of the
    # threads that took part add up to the whole product (at least 2 m n k, padded tiles)
    m, n, k = 256, 256, 512
    run, _ = _gemm(0, 0, m, n, k, np.float32)
    before = _threads(2)
    out = ffi.new("int64_t[40]")
    try:
        run()
        lib.fg_gemm_thread_stats(1, ffi.NULL)
        run()
        nthr = lib.fg_gemm_thread_stats(0, out)
    finally:
        lib.fg_set_num_threads(before)
    assert 1 <= nthr <= 2  # the worker may wake after the caller took both slabs
    flops = sum(out[5 * t + 1] for t in range(nthr))
    assert flops >= 2 * m * n * k
    assert all(out[5 * t + 0] >= 0 and out[5 * t + 2] >= 0 and out[5 * t + 4] >= 0 for t in range(nthr))
    assert sum(out[5 * t + 0] for t in range(nthr)) == 2  # one slab per thread


def test_backend_info_reports_the_tile_chosen_by_shape(isa):
    info = fastgrad.backend_info()["gemm"]
    tiles = info["f32_tile_by_shape"]
    out = ffi.new("int64_t[2]")
    for key, tile in tiles.items():
        m, n = map(int, key.split("x"))
        lib.fg_gemm_tile_for_f32(m, n, 512, out)
        assert tile == f"{out[0]}x{out[1]}"
    active = f"{info['f32']['mr']}x{info['f32']['nr']}"
    assert tiles["1024x1024"] == active
    if isa == lib.FG_ISA_AVX512 and info["cpu_splits_avx512"]:
        assert tiles["32x128"] == "6x16"   # skinny products take the AVX2 tile there
    else:
        assert tiles["32x128"] == active


@pytest.mark.parametrize("dtype", DTYPES)
def test_skinny_products_at_avx512_match_reference(dtype, isa):
    # whichever tile the shape picks, the result is the product
    for m, n, k in [(16, 300, 144), (64, 100, 576), (300, 40, 200)]:
        run, want = _gemm(0, 1, m, n, k, dtype)
        got = run()
        tol = 1e-4 if np.dtype(dtype) == np.float32 else 1e-12
        assert np.abs(got - want).max() <= tol * k * (np.abs(want).max() + 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(32, 128, 784), (128, 512, 300), (700, 70, 53), (33, 17, 1029),
                                   (1, 1029, 300), (7, 700, 129)])
def test_threaded_linear_bias_and_relu_on_each_slab_bitwise_equal_one_thread(m, n, k, dtype, isa):
    # the bias fill and the relu run on the thread of each slab (gemm_run): the same bits as one
    # thread and as the unfused product, bias and relu
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    f32 = np.dtype(dtype) == np.float32
    fwd, relu_fwd = (lib.fg_linear_fwd_f32, lib.fg_linear_relu_fwd_f32) if f32 else \
        (lib.fg_linear_fwd_f64, lib.fg_linear_relu_fwd_f64)

    def run(fn):
        y = np.full((m, n), np.nan, dtype)
        assert fn(m, n, k, rptr(x), rptr(w), rptr(b), wptr(y)) == 0
        return y

    before = _threads(1)
    try:
        lin, rel = run(fwd), run(relu_fwd)
        for nt in (2, 3, 4):
            lib.fg_set_num_threads(nt)
            for _ in range(3):
                np.testing.assert_array_equal(run(fwd), lin)
                np.testing.assert_array_equal(run(relu_fwd), rel)
    finally:
        lib.fg_set_num_threads(before)
    np.testing.assert_array_equal(rel, np.where(lin < 0, 0, lin).astype(dtype))
    want = x.astype(np.float64) @ w.T.astype(np.float64) + b
    tol = 1e-3 if f32 else 1e-10
    assert np.abs(lin - want).max() <= tol * (np.abs(want).max() + 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(300, 700, 65), (128, 512, 784), (2000, 70, 9), (5, 1029, 33)])
def test_linear_relu_backward_split_mask_bitwise_equal_one_thread(m, n, k, dtype, isa):
    # dz = y > 0 ? dy : 0 and db = colsum(dz) split by column blocks over the pool (large enough
    # here for the pool's own threshold): dx, dW and db the same bits at every thread count
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((n, k)).astype(dtype)
    y = np.maximum(rng.standard_normal((m, n)), 0).astype(dtype)
    y[0, :3] = np.nan  # NaN is not > 0: masked like a negative
    dy = rng.standard_normal((m, n)).astype(dtype)
    fn = lib.fg_linear_relu_bwd_f32 if np.dtype(dtype) == np.float32 else lib.fg_linear_relu_bwd_f64

    def run():
        dx, dw, db = np.empty((m, k), dtype), np.empty((n, k), dtype), np.empty(n, dtype)
        assert fn(m, n, k, rptr(x), rptr(w), rptr(y), rptr(dy), wptr(dx), wptr(dw), wptr(db)) == 0
        return dx, dw, db

    before = _threads(1)
    try:
        one = run()
        for nt in (2, 3):
            lib.fg_set_num_threads(nt)
            for _ in range(3):
                for got, want in zip(run(), one):
                    np.testing.assert_array_equal(got, want)
    finally:
        lib.fg_set_num_threads(before)
    dz = np.where(y > 0, dy, 0).astype(np.float64)
    tol = 1e-3 if np.dtype(dtype) == np.float32 else 1e-10
    for got, want in zip(one, (dz @ w, dz.T @ x, dz.sum(0))):
        assert np.abs(got - want).max() <= tol * (np.abs(want).max() + 1)


def test_far_apart_cores_keep_small_products_on_one_thread():
    # while the round trip between the cores is far above near (a VM's vCPUs on far-apart cores,
    # threadpool.c), a product shorter than FAR_GEMM_MIN_NS stays on one thread and a long one is
    # still split; the bits never change.  The measured round trip is shown by backend_info.
    lib.fg_gemm_always_threaded(0)
    before = _threads(2)
    out = ffi.new("int64_t[40]")
    small, _ = _gemm(0, 1, 32, 128, 784, np.float32)
    large, _ = _gemm(0, 0, 1024, 1024, 1024, np.float32)

    def threads_taking_part(run):
        lib.fg_gemm_thread_stats(1, ffi.NULL)
        c = run()
        return lib.fg_gemm_thread_stats(0, out), c

    try:
        lib.fg_set_num_threads(1)
        want_small, want_large = small(), large()
        serial = []
        for _ in range(3):
            t0 = time.perf_counter()
            small()
            serial.append(time.perf_counter() - t0)
        if min(serial) > 100e-6:  # the rule's estimate of it would come near FAR_GEMM_MIN_NS
            pytest.skip("the W3 product is not short here (an ASan build: 1-2 ms)")
        lib.fg_set_num_threads(2)
        # near: the cost rule alone, which threads a 1024^3 product on any machine with 2 cores
        lib.fg_pool_set_round_trip(60, 60)
        near_large = max(threads_taking_part(large)[0] for _ in range(3))
        lib.fg_pool_set_round_trip(340, 60)
        info = fastgrad.backend_info()["gemm"]["parallel_threshold"]["core_round_trip_ns"]
        assert info == {"latest": 340, "least": 60}
        for _ in range(3):
            n_small, c_small = threads_taking_part(small)
            n_large, c_large = threads_taking_part(large)
            assert n_small == 0  # the serial path: no pool region
            assert n_large >= 1 or near_large == 0
            np.testing.assert_array_equal(c_small, want_small)
            np.testing.assert_array_equal(c_large, want_large)
    finally:
        lib.fg_pool_set_round_trip(0, 0)
        lib.fg_set_num_threads(before)


def test_round_trip_measured_on_demand():
    # fg_pool_measure_round_trip (bench_matmul.py --phase): a ping-pong with a worker, kept as the
    # latest (fg_pool_costs out[6]); 0 with one thread (no worker to ask)
    before, out = _threads(1), ffi.new("int64_t[8]")
    try:
        assert lib.fg_pool_measure_round_trip() == 0
        lib.fg_set_num_threads(2)
        for _ in range(20):  # 0: no worker answered within 5 ms (its CPU was busy)
            rt = lib.fg_pool_measure_round_trip()
            assert 0 <= rt <= 5_000_000
            if rt:
                break
        assert rt > 0 or len(os.sched_getaffinity(0)) == 1
        lib.fg_pool_costs(out)
        assert out[6] == rt or rt == 0
    finally:
        lib.fg_pool_set_round_trip(0, 0)
        lib.fg_set_num_threads(before)


def test_stream_kept_on_one_thread_by_sleeping_workers_wakes_them():
    # a product the rule threads while the workers spin but not while they sleep: after a pause
    # the first of a stream runs on one thread, the second wakes the workers (a serial GEMM never
    # did, so the whole stream used to stay on one thread), and the next ones are threaded
    if len(os.sched_getaffinity(0)) < 2 or not lib.fg_cpu_supports(lib.FG_ISA_AVX2):
        pytest.skip("one CPU (the rule may never thread), or no AVX2")
    lib.fg_gemm_always_threaded(0)
    before, blocks, stats = _threads(2), ffi.new("int64_t[8]"), ffi.new("int64_t[40]")
    lib.fg_pool_costs(blocks)
    measured = (blocks[0], blocks[1], blocks[4], blocks[5])
    lib.fg_pool_set_round_trip(60, 60)  # near: the far rule stays out of this
    level = lib.fg_get_isa()
    lib.fg_set_isa(lib.FG_ISA_AVX2)  # one tile for every shape: blocks' threshold is its rate's
    try:
        # the pool's costs as measured undisturbed on these VMs (joins 30 us asleep, 0.3 us
        # spinning; publishing 8 us to sleeping workers, 0.2 us to spinning ones): the window of
        # products the rule keeps serial cold and would wake for is then 32-62 us of work, whatever
        # earlier tests (8 spinning threads on 2 CPUs) made the measurement say
        cold_ns, hot_ns, publish = 30_000, 300, 8_000
        lib.fg_pool_set_costs(cold_ns, hot_ns, publish, 200, 0)
        m, n = 32, 64  # 4 column panels of 16: each thread's share exactly half, as assumed below
        sq = np.ones((256, 256), np.float32)  # the rule's costs copied and tile rate measured
        lib.fg_gemm_f32(0, 0, 256, 256, 256, 1.0, rptr(sq), 256, rptr(sq), 256, 0.0,
                        wptr(np.empty_like(sq)), 256)
        lib.fg_gemm_blocks_f32(blocks)
        assert (blocks[5], blocks[7]) == (cold_ns, hot_ns)
        cold_min = blocks[6]
        rate = cold_min / (cold_ns + 4 * publish)  # flops per ns (the rule's threshold from cold)
        wake_min = (hot_ns + 4 * publish) * rate   # a hot saving that pays a wake
        k = round((cold_min + wake_min) / 2 / (2 * m * n))  # between the two
        if cold_min == 0 or not 1.05 * wake_min <= 2 * m * n * k < 0.95 * cold_min:
            pytest.skip("no product here that the rule keeps serial cold and would wake for")
        a = np.ones((m, k), np.float32)
        b = np.ones((k, n), np.float32)
        c = np.empty((m, n), np.float32)
        pa, pb, pc = rptr(a), rptr(b), wptr(c)
        lib.fg_set_num_threads(1)
        for _ in range(3):
            t0 = time.perf_counter()
            assert lib.fg_gemm_f32(0, 0, m, n, k, 1.0, pa, k, pb, n, 0.0, pc, n) == 0
            serial = time.perf_counter() - t0
        lib.fg_set_num_threads(2)
        if serial > 0.4 * lib.fg_pool_spin_ns() * 1e-9:
            # the product after the waking one would find the pool idle for longer than the rule
            # counts as hot (half the spin) and stay on one thread (an ASan build: 100-120 us; CI's
            # sanitizer stage failed so)
            pytest.skip("too slow here for products within half the workers' spin")
        threaded = []
        for _ in range(5):
            time.sleep(0.01)  # the workers fall asleep
            lib.fg_gemm_thread_stats(1, ffi.NULL)
            for _ in range(2):
                assert lib.fg_gemm_f32(0, 0, m, n, k, 1.0, pa, k, pb, n, 0.0, pc, n) == 0
            first = lib.fg_gemm_thread_stats(1, stats)
            for _ in range(3):
                assert lib.fg_gemm_f32(0, 0, m, n, k, 1.0, pa, k, pb, n, 0.0, pc, n) == 0
            threaded.append((first, lib.fg_gemm_thread_stats(0, stats)))
            np.testing.assert_array_equal(c, np.full((m, n), k, np.float32))
        assert any(after >= 1 for _, after in threaded), threaded
    finally:
        lib.fg_pool_set_costs(*measured, 0)
        lib.fg_set_isa(level)
        lib.fg_gemm_thread_stats(0, ffi.NULL)
        lib.fg_pool_set_round_trip(0, 0)
        lib.fg_set_num_threads(before)


def test_disturbed_costs_measured_again_and_the_gemm_rule_follows():
    # costs measured while other threads had the CPUs (numpy's OpenBLAS threads spinning after a
    # product gave a 27 us hot join for 0.2 us) are measured again at the next region asked for;
    # the set with the least hot + cold join is kept, and the GEMM's rule copies it (the hook
    # fg_pool_set_costs stands for the disturbed first measurement)
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: no worker to measure")
    lib.fg_gemm_always_threaded(0)
    before, out, blocks = _threads(2), ffi.new("int64_t[8]"), ffi.new("int64_t[8]")
    sq = np.ones((256, 256), np.float32)
    c = np.empty_like(sq)

    def gemm():
        assert lib.fg_gemm_f32(0, 0, 256, 256, 256, 1.0, rptr(sq), 256, rptr(sq), 256, 0.0, wptr(c), 256) == 0

    try:
        gemm()
        lib.fg_pool_costs(out)
        lib.fg_pool_set_costs(20_000_000, 10_000_000, out[4], out[5], 1)  # 20 ms cold, 10 ms hot: disturbed
        lib.fg_pool_costs(out)
        assert (out[1], out[0]) == (10_000_000, 20_000_000) or out[1] + out[0] < 30_000_000
        gemm()  # the region it asks for measures again (if the pool could not, 1 s later)
        give_up = time.monotonic() + 4
        while True:
            lib.fg_pool_costs(out)
            if out[1] + out[0] < 30_000_000 or time.monotonic() > give_up:
                break
            time.sleep(0.05)
        assert 0 < out[1] < 10_000_000 and out[0] < 20_000_000, list(out)
        gemm()
        lib.fg_gemm_blocks_f32(blocks)
        assert blocks[7] == max(200, out[1])
        assert blocks[5] == max(2000, blocks[7], out[0])
        np.testing.assert_array_equal(c, np.full_like(c, 256))
    finally:
        lib.fg_set_num_threads(before)
