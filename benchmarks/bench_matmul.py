"""Matmul: fastgrad's packed GEMM against numpy's BLAS, measured in the same run.

Groups (one fastgrad row beside one numpy row, same operands, same thread count):
  square-<dtype>-<n>-<t>t        C = A B, n x n, output preallocated (kernel speed)
  small-f32-<n>                  a @ b at 16 / 64 including output allocation and, for
                                 fastgrad, the ffi.from_buffer pointers (per-call overhead)
  mlp-f32-<m>x<k>x<n>-<form>     forward x @ W.T, backward dy @ W (dx) and dy.T @ x (dW)

numpy's threads are set with threadpoolctl, fastgrad's with fg_set_num_threads.  Every row is
checked against float64 numpy once, outside the timing.  FASTGRAD_BENCH_QUICK=1: small sizes,
few rounds, nothing asserted about time.  Unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE first.

ISA axis (script mode): one process, fastgrad, numpy and torch alternating round by round, all
three forced to the same instruction set, medians and ratios to OpenBLAS / torch:
    python benchmarks/bench_matmul.py --isa avx2 [--threads 1,2] [--dtype f32,f64] [--rounds 7]
--isa avx2 sets FASTGRAD_ISA=avx2, OPENBLAS_CORETYPE=Haswell, ATEN_CPU_CAPABILITY=avx2,
MKL_ENABLE_INSTRUCTIONS=AVX2; avx512 the AVX-512 equivalents (SkylakeX); native unsets all
of them (and OPENBLAS_L2_SIZE).  The script re-executes itself with that environment, since
numpy and torch read it at load time.  In pytest mode FASTGRAD_BENCH_ISA=avx2|avx512 does the
same for fastgrad only (set the peers' variables on the command line).
"""
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from isa_env import ISA_ENV, ISA_VARS  # noqa: E402  (one definition for the suite and this script)

if __name__ != "__main__":
    from fastgrad._ffi import lib, rptr, wptr

    threadpoolctl = pytest.importorskip("threadpoolctl")
    if os.environ.get("FASTGRAD_BENCH_ISA"):
        from fastgrad._ffi import ISA_NAMES
        if lib.fg_set_isa(ISA_NAMES[os.environ["FASTGRAD_BENCH_ISA"]]) != 0:
            pytest.skip("this CPU cannot run FASTGRAD_BENCH_ISA", allow_module_level=True)

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
GEMM = {np.dtype(np.float32): "fg_gemm_f32", np.dtype(np.float64): "fg_gemm_f64"}


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
    fn = getattr(lib, GEMM[a.dtype])
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


# ---- script mode: the ISA axis ------------------------------------------------------------
LAYERS = [(32, 784, 128), (128, 784, 512), (128, 512, 512)]   # m x k x n of W3/W4's layers
NEAR_MAX_NS, FAR_MIN_NS = 120, 200   # --phase: a cache-line round trip between the two threads
FORMS = {"NN": (0, 0), "NT": (0, 1), "TN": (1, 0)}


def _operands(form, m, n, k, dtype, rng):
    """Stored A, B (C-contiguous) such that op(A) is m x k and op(B) k x n."""
    ta, tb = FORMS[form]
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    return a, b


def _script(argv=None):
    import argparse
    import subprocess
    ap = argparse.ArgumentParser(description="fastgrad / OpenBLAS / torch GEMM at one ISA level")
    ap.add_argument("--isa", choices=sorted(ISA_ENV), default="native")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dtype", default="f32")
    ap.add_argument("--forms", default="NN,NT,TN")
    ap.add_argument("--square", default="256,512,1024,2048")
    ap.add_argument("--layers", default=",".join("x".join(map(str, s)) for s in LAYERS))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.02, help="seconds per timed batch")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--phase", choices=["any", "near", "far"], default="any",
                    help="2-thread rows: keep only rounds during which the cross-core round trip "
                         "(fg_pool_measure_round_trip, read before every library's batch, after the "
                         f"others' threads slept, and after the last) stayed near (<= {NEAR_MAX_NS} ns) "
                         f"or far (>= {FAR_MIN_NS} ns): a VM's vCPUs can be moved between near and "
                         "far-apart cores; up to 10x --rounds tries")
    ap.add_argument("--thread-report", action="store_true",
                    help="instead of the timing table: fastgrad's 2-thread work split, load-independent "
                         "(1-thread CPU time, per-thread CPU time, tile flops and waiting of the threaded "
                         "GEMM, from fg_gemm_thread_stats)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="cpu: 1-thread rows timed by the calling thread's CPU time (robust when "
                         "other work shares the cores; all three run in the calling thread)")
    args = ap.parse_args(argv)
    want = ISA_ENV[args.isa]
    if any(os.environ.get(v) != want.get(v) for v in ISA_VARS):   # the peers read it at load
        env = {k: v for k, v in os.environ.items() if k not in ISA_VARS}
        env.update(want)
        sys.exit(subprocess.call([sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env=env))

    if args.thread_report:
        return _thread_report(args)
    import threadpoolctl
    from fastgrad._ffi import lib as fglib, rptr as r, wptr as w
    import fastgrad
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            pass
    info = fastgrad.backend_info()
    blas = [p for p in threadpoolctl.threadpool_info() if p.get("internal_api") == "openblas"]
    print(f"# cpu: {_cpu_model()}; isa={args.isa}; fastgrad {info}")
    print(f"# numpy {np.__version__} openblas {blas[0].get('version') if blas else '?'} "
          f"core {blas[0].get('architecture') if blas else '?'}"
          + (f"; torch {torch.__version__} {torch.backends.cpu.get_cpu_capability()}" if torch else ""))
    print("# env: " + " ".join(f"{k}={os.environ.get(k)}" for k in ISA_VARS))
    print(f"# clock: {args.clock} (2-thread rows: wall); rounds {args.rounds}; load average "
          f"{os.getloadavg()}")
    print(f"# phase: {args.phase} (2-thread rows; last column: rounds kept / tried)")
    print("| dtype | shape m x k x n | form | thr | fastgrad GF/s | OpenBLAS GF/s | torch GF/s "
          "| fg/OpenBLAS | fg/torch | best-round fg/OpenBLAS | rounds |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    shapes = [(n, n, n) for n in map(int, filter(None, args.square.split(",")))]
    shapes += [tuple(map(int, s.split("x"))) for s in filter(None, args.layers.split(","))]
    rng = np.random.default_rng(0)
    for dname in args.dtype.split(","):
        dtype = {"f32": np.float32, "f64": np.float64}[dname]
        for (m, k, n) in shapes:
            for form in args.forms.split(","):
                ta, tb = FORMS[form]
                a, b = _operands(form, m, n, k, dtype, rng)
                c = np.empty((m, n), dtype)
                opa, opb = (a.T if ta else a), (b.T if tb else b)
                gemm = getattr(fglib, GEMM[np.dtype(dtype)])
                pa, pb, pc = r(a), r(b), w(c)
                lda, ldb = a.shape[1], b.shape[1]
                fns = {"fastgrad": lambda: gemm(ta, tb, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, pc, n),
                       "numpy": lambda: np.matmul(opa, opb, out=c)}
                if torch is not None:
                    tA, tB, tC = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
                    tA, tB = (tA.T if ta else tA), (tB.T if tb else tB)
                    fns["torch"] = lambda: torch.matmul(tA, tB, out=tC)
                for nt in map(int, args.threads.split(",")):
                    med, best, kept = _alternate(fns, nt, args, torch, threadpoolctl, fglib)
                    if med is None:
                        print(f"| {dname} | {m}x{k}x{n} | {form} | {nt} | – | – | – | – | – | – "
                              f"| {kept} |", flush=True)
                        continue
                    fl = 2.0 * m * n * k / 1e9
                    gf = {i: fl / t for i, t in med.items()}
                    tr = gf.get("torch")
                    print(f"| {dname} | {m}x{k}x{n} | {form} | {nt} | {gf['fastgrad']:.1f} | "
                          f"{gf['numpy']:.1f} | " + (f"{tr:.1f}" if tr else "–") + " | "
                          f"{gf['fastgrad'] / gf['numpy']:.2f} | "
                          + (f"{gf['fastgrad'] / tr:.2f}" if tr else "–") + " | "
                          f"{best['numpy'] / best['fastgrad']:.2f} | {kept} |", flush=True)
                    want64 = opa.astype(np.float64) @ opb
                    fns["fastgrad"]()
                    _check(c, want64)


def _alternate(fns, nt, args, torch, threadpoolctl, fglib):
    """Median and least seconds per call of each fn, taken in rotating order, round by round
    (the least: the round that found the cores freest, for 2-thread rows on a shared machine), and
    "kept/tried" rounds (--phase: a round whose round trips left the phase is tried again; medians
    None when no round was kept)."""
    import statistics
    times = {i: [] for i in fns}
    phase = args.phase if nt > 1 else "any"

    def in_phase():
        rt = fglib.fg_pool_measure_round_trip()
        return 0 < rt <= NEAR_MAX_NS if phase == "near" else rt >= FAR_MIN_NS
    with threadpoolctl.threadpool_limits(nt):
        fglib.fg_set_num_threads(nt)
        if torch is not None:
            torch.set_num_threads(nt)
        iters = {}
        for i, fn in fns.items():
            fn()
            if nt > 1:
                time.sleep(0.15)
            t0 = time.perf_counter()
            fn()
            iters[i] = max(1, int(args.min_time / max(time.perf_counter() - t0, 1e-7)))
        clock = time.thread_time if args.clock == "cpu" and nt == 1 else time.perf_counter
        order = list(fns)
        kept = tried = 0
        while kept < args.rounds and tried < (args.rounds if phase == "any" else 10 * args.rounds):
            tried += 1
            ok, got = True, {}
            for i in order[tried % len(order):] + order[:tried % len(order)]:
                if nt > 1:   # let the previous library's spinning workers (OpenBLAS: ~0.1 s) sleep
                    time.sleep(0.15)
                if phase != "any":   # then our worker's, after the ping-pong (200 us)
                    ok = ok and in_phase()
                    time.sleep(0.002)
                fn, it = fns[i], iters[i]
                fn()
                t0 = clock()
                for _ in range(it):
                    fn()
                got[i] = (clock() - t0) / it
            if ok and phase != "any":
                time.sleep(0.15)
                ok = in_phase()
            if ok:
                kept += 1
                for i, t in got.items():
                    times[i].append(t)
    if not kept:
        return None, None, f"0/{tried}"
    return ({i: statistics.median(t) for i, t in times.items()}, {i: min(t) for i, t in times.items()},
            f"{kept}/{tried}")


def _thread_report(args):
    """Per shape: fastgrad's 1-thread CPU time per call, and for its 2-thread GEMM the CPU time of
    each thread inside the region, their sum over the 1-thread time (parallel overhead: 1.00 =
    none), each thread's share of the tile flops, how long after the region's start each thread entered it, and
    the speed-up the split gives when each thread has a core (1-thread CPU / the busier thread's
    CPU).  CPU times do not count time a thread was descheduled, so the load barely moves them.
    The medians are over the calls both threads computed in without being descheduled (CPU time
    >= 0.9 x time in the region); on a loaded machine the worker is often not scheduled in time
    and the caller does everything, or a thread is descheduled holding a slab: the last column
    says how many calls were clean."""
    import statistics
    from fastgrad._ffi import ffi, lib as fglib, rptr as r, wptr as w
    import fastgrad
    print(f"# cpu: {_cpu_model()}; isa={args.isa}; fastgrad {fastgrad.backend_info()['gemm']}")
    print(f"# load average {os.getloadavg()}; rounds {args.rounds}; medians over calls")
    print("| dtype | shape m x k x n | form | 1t CPU us | 2t CPU us (thread 0 + 1) | sum / 1t | "
          "flop share | entered after us (0 / 1) | speed-up if each has a core | clean calls |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    shapes = [(n, n, n) for n in map(int, filter(None, args.square.split(",")))]
    shapes += [tuple(map(int, s.split("x"))) for s in filter(None, args.layers.split(","))]
    rng = np.random.default_rng(0)
    out = ffi.new("int64_t[40]")
    for dname in args.dtype.split(","):
        dtype = {"f32": np.float32, "f64": np.float64}[dname]
        gemm = getattr(fglib, GEMM[np.dtype(dtype)])
        for (m, k, n) in shapes:
            for form in args.forms.split(","):
                ta, tb = FORMS[form]
                a, b = _operands(form, m, n, k, dtype, rng)
                c = np.empty((m, n), dtype)
                pa, pb, pc = r(a), r(b), w(c)
                lda, ldb = a.shape[1], b.shape[1]
                call = lambda: gemm(ta, tb, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, pc, n)  # noqa: E731
                fglib.fg_set_num_threads(1)
                call()
                t0 = time.thread_time()
                call()
                reps = max(3, int(0.05 / max(time.thread_time() - t0, 1e-6)))
                one = []
                for _ in range(args.rounds):
                    t0 = time.thread_time()
                    for _ in range(reps):
                        call()
                    one.append((time.thread_time() - t0) / reps)
                t1 = statistics.median(one)
                fglib.fg_set_num_threads(2)
                call()
                fglib.fg_gemm_thread_stats(1, ffi.NULL)
                rows = []
                for _ in range(args.rounds * reps):
                    call()
                    nthr = fglib.fg_gemm_thread_stats(1, out)
                    if nthr:
                        rows.append([[out[5 * t + j] for j in range(5)] for t in range(2)])
                fglib.fg_gemm_thread_stats(0, ffi.NULL)
                if not rows:
                    print(f"| {dname} | {m}x{k}x{n} | {form} | {t1 * 1e6:.1f} | 1 thread (rule) | – | – | – | – |")
                    continue
                # calls both threads computed in without being descheduled (CPU >= 0.9 x wall)
                both = [x for x in rows if all(x[t][1] > 0 and x[t][2] >= 0.9 * x[t][3] for t in range(2))]
                frac = len(both) / len(rows)
                rows = both or rows
                cpu = [statistics.median(x[t][2] for x in rows) / 1e3 for t in range(2)]
                waited = [statistics.median(x[t][4] for x in rows) / 1e3 for t in range(2)]
                fl = [statistics.median(x[t][1] for x in rows) for t in range(2)]
                share = max(fl) / max(1, sum(fl))
                print(f"| {dname} | {m}x{k}x{n} | {form} | {t1 * 1e6:.1f} | {cpu[0]:.1f} + {cpu[1]:.1f} | "
                      f"{(cpu[0] + cpu[1]) / (t1 * 1e6):.2f} | {share:.2f} | {waited[0]:.1f} / {waited[1]:.1f} | "
                      f"{t1 * 1e6 / max(cpu):.2f} | {frac:.2f} |", flush=True)


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


if __name__ == "__main__":
    _script()
