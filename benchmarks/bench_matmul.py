"""Matmul: fastgrad's packed GEMM against numpy's BLAS, measured in the same run.

Groups (one fastgrad row beside one numpy row, same operands, same thread count):
  square-<dtype>-<n>-<t>t        C = A B, n x n, output preallocated (kernel speed)
  small-f32-<n>                  a @ b at 16 / 64 including output allocation and, for
                                 fastgrad, the ffi.from_buffer pointers (per-call overhead)
  mlp-f32-<m>x<k>x<n>-<form>     forward x @ W.T, backward dy @ W (dx) and dy.T @ x (dW)

numpy's threads are set with threadpoolctl, fastgrad's with fg_set_num_threads.  Every row is
checked against float64 numpy once, outside the timing.  FASTGRAD_BENCH_QUICK=1: small sizes,
few rounds, nothing asserted about time.  Unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE first.
"""
import os
import time

import numpy as np
import pytest

from fastgrad._ffi import lib, rptr, wptr

threadpoolctl = pytest.importorskip("threadpoolctl")

QUICK = os.environ.get("FASTGRAD_BENCH_QUICK", "").strip() not in ("", "0")
NCPU = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
THREADS = [1] if QUICK else sorted({1, min(2, NCPU)})
SQUARE = [64, 128] if QUICK else [256, 512, 1024, 2048]
SQUARE_F64 = [64] if QUICK else [256, 1024, 2048]
SMALL = [16, 64]
MLP = [(32, 64, 48)] if QUICK else [
    (32, 784, 128), (32, 1024, 1024), (32, 2048, 2048), (128, 784, 512),
    (256, 1024, 1024), (512, 784, 2048), (512, 2048, 2048)]
IMPLS = ["fastgrad", "numpy"]
GEMM = {np.dtype(np.float32): lib.fg_gemm_f32, np.dtype(np.float64): lib.fg_gemm_f64}


def _run(benchmark, fn, flops, impl, threads, order, seconds=0.8):
    """Time fn with pytest-benchmark; rounds sized to about `seconds` of work."""
    with threadpoolctl.threadpool_limits(threads):
        before = lib.fg_get_num_threads()
        lib.fg_set_num_threads(threads)
        try:
            fn()
            t0 = time.perf_counter()
            fn()
            once = max(time.perf_counter() - t0, 1e-7)
            if threads > 1:   # let other pools' spinning workers (OpenBLAS) go to sleep
                time.sleep(0.3)
            iterations = max(1, int(2e-3 / once))
            rounds = 3 if QUICK else max(5, min(200, int(seconds / (once * iterations))))
            benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=1)
        finally:
            lib.fg_set_num_threads(before)
    benchmark.extra_info.update(impl=impl, threads=threads, flops=flops, order=order,
                                isa=int(lib.fg_get_isa()))


def _check(got, want64):
    scale = np.abs(want64).max() + 1e-30
    tol = 1e-4 if got.dtype == np.float32 else 1e-10
    assert np.abs(got - want64).max() <= tol * scale


def _gemm_call(ta, tb, m, n, k, a, b, c):
    """fastgrad: C = op(A) op(B) on C-contiguous arrays (pointers made once)."""
    fn = GEMM[a.dtype]
    pa, pb, pc = rptr(a), rptr(b), wptr(c)
    lda, ldb = a.shape[1], b.shape[1]
    return lambda: fn(ta, tb, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, pc, n)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("n", SQUARE)
def test_square_f32(benchmark, n, threads, impl):
    _square(benchmark, n, threads, impl, np.float32)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("n", SQUARE_F64)
def test_square_f64(benchmark, n, threads, impl):
    _square(benchmark, n, threads, impl, np.float64)


def _square(benchmark, n, threads, impl, dtype):
    benchmark.group = f"square-{np.dtype(dtype).name}-{n}-{threads}t"
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype)
    fn = _gemm_call(0, 0, n, n, n, a, b, c) if impl == "fastgrad" else (lambda: np.matmul(a, b, out=c))
    _run(benchmark, fn, 2.0 * n ** 3, impl, threads, order=1 if dtype == np.float32 else 3)
    _check(c, a.astype(np.float64) @ b)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("n", SMALL)
def test_small_f32_per_call(benchmark, n, impl):
    """Overhead-dominated sizes: the call as the library makes it (fresh output, from_buffer)."""
    benchmark.group = f"small-f32-{n}"
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    gemm, empty, f32 = lib.fg_gemm_f32, np.empty, np.float32

    def fastgrad_call():
        c = empty((n, n), f32)
        gemm(0, 0, n, n, n, 1.0, rptr(a), n, rptr(b), n, 0.0, wptr(c), n)
        return c

    fn = fastgrad_call if impl == "fastgrad" else (lambda: a @ b)
    _run(benchmark, fn, 2.0 * n ** 3, impl, 1, order=0, seconds=0.5)
    _check(fn(), a.astype(np.float64) @ b)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("form", ["fwd", "dx", "dW"])
@pytest.mark.parametrize("m,k,n", MLP)
def test_mlp_f32(benchmark, m, k, n, form, impl):
    """Linear layer x (m x k), W (n x k): y = x W^T, dx = dy W, dW = dy^T x; 1 thread."""
    benchmark.group = f"mlp-f32-{m}x{k}x{n}-{form}"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    dy = rng.standard_normal((m, n)).astype(np.float32)
    if form == "fwd":
        out, want = np.empty((m, n), np.float32), x.astype(np.float64) @ w.T
        fg = _gemm_call(0, 1, m, n, k, x, w, out)
        ref = lambda: np.matmul(x, w.T, out=out)  # noqa: E731
    elif form == "dx":
        out, want = np.empty((m, k), np.float32), dy.astype(np.float64) @ w
        fg = _gemm_call(0, 0, m, k, n, dy, w, out)
        ref = lambda: np.matmul(dy, w, out=out)  # noqa: E731
    else:
        out, want = np.empty((n, k), np.float32), dy.T.astype(np.float64) @ x
        fg = _gemm_call(1, 0, n, k, m, dy, x, out)
        ref = lambda: np.matmul(dy.T, x, out=out)  # noqa: E731
    _run(benchmark, fg if impl == "fastgrad" else ref, 2.0 * m * n * k, impl, 1, order=2)
    _check(out, want)
