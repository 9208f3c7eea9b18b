"""Shared helpers of the benchmark suite: thread control, quick mode, machine info, framework
availability, and the loss-agreement check.

Environment (pytest has no options of ours, so the suite is steered by environment variables):

* ``FASTGRAD_BENCH_THREADS=N``  threads for every framework alike (fastgrad, numpy through
  threadpoolctl, torch); default: the CPUs this process may run on.
* ``FASTGRAD_BENCH_QUICK=1``    CI mode: small sizes and few rounds; proves the suite works,
  says nothing about speed.
"""
import os
import platform
import sys
import time

import numpy as np

QUICK = os.environ.get("FASTGRAD_BENCH_QUICK", "").strip() not in ("", "0")
FRAMEWORKS = ("numpy", "torch", "fastgrad")  # numpy first: its final loss is the reference

try:
    import torch
except ImportError:  # the suite never requires torch
    torch = None

try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None

try:
    import fastgrad
except ImportError:  # built in place (python setup.py build_ext --inplace), not installed
    sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import fastgrad


def default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def bench_threads() -> int:
    value = os.environ.get("FASTGRAD_BENCH_THREADS", "").strip()
    if value:
        n = int(value)
        if n < 1:
            raise ValueError(f"FASTGRAD_BENCH_THREADS must be a positive int, got {value!r}")
        return n
    return default_threads()


_limits = None  # keeps the threadpoolctl limits alive for the whole process


def apply_threads(n: int) -> None:
    """The same thread count for fastgrad, torch and every BLAS/OpenMP pool numpy has loaded."""
    global _limits
    fastgrad.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)
    if threadpoolctl is not None:
        _limits = threadpoolctl.threadpool_limits(limits=n)


THREADS = bench_threads()
SETTLE_S = 0.3  # pause before each timed row when several threads are in use (run_pedantic)
apply_threads(THREADS)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> str:
    if threadpoolctl is None:
        return "unknown (threadpoolctl not installed: numpy threads not controlled)"
    for lib in threadpoolctl.threadpool_info():
        if lib.get("user_api") == "blas" and "numpy" in lib.get("filepath", ""):
            return "%s %s (%s kernel, %s threads)" % (lib.get("internal_api"), lib.get("version"),
                                                       lib.get("architecture"), lib.get("num_threads"))
    return "unknown"


def machine_info() -> dict:
    """What report.py prints above the tables (stored in every benchmark's extra_info)."""
    info = fastgrad.backend_info()
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": THREADS,
        "fastgrad": info["version"],
        "isa": info["isa"],
        "fastgrad_threads": info["num_threads"],
        "numpy": np.__version__,
        "blas": blas_info(),
        "torch": torch.__version__ if torch is not None else "not installed",
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "python": platform.python_version(),
        "quick": QUICK,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "openblas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                         if k in os.environ},
    }


MACHINE = machine_info()


def need(framework: str) -> None:
    """Skip a row whose framework is not installed (torch) or whose API is not there yet."""
    import pytest
    if framework == "torch" and torch is None:
        pytest.skip("torch is not installed")


def need_fastgrad(*names: str) -> None:
    """Skip the fastgrad row when a dotted API name (e.g. 'nn.Linear', 'functional.linear') is
    missing: the suite is written against the torch-compatible API as it is being built."""
    import importlib
    import pytest
    for name in names:
        mod, _, attr = name.rpartition(".")
        try:
            obj = importlib.import_module("fastgrad." + mod) if mod else fastgrad
        except ImportError as e:
            pytest.skip(f"fastgrad.{mod} not importable yet: {e}")
        if not hasattr(obj, attr):
            pytest.skip(f"fastgrad.{name} not there yet")


def tag(benchmark, framework: str, **extra) -> None:
    """Label a row so report.py can put it in its column."""
    benchmark.extra_info["framework"] = framework
    benchmark.extra_info["machine"] = MACHINE
    benchmark.extra_info.update(extra)


def run_pedantic(benchmark, fn, rounds: int, iterations: int = 1, warmup: int = 1, budget: float = 30.0):
    """Time ``fn`` with a fixed number of calls and return how many calls ran in all (warm-up
    included; with --benchmark-disable pytest-benchmark calls it once): the loss checks replay
    that many steps.  The first call is the warm-up; when it shows that ``rounds`` would take
    longer than ``budget`` seconds, the row gets fewer rounds (recorded in extra_info)."""
    calls = [0]

    def counted():
        calls[0] += 1
        return fn()

    if QUICK:
        rounds, iterations, warmup = min(rounds, 3), 1, min(warmup, 1)
    if not getattr(benchmark, "disabled", False):
        if THREADS > 1 and not QUICK:
            # let the previous row's thread pools go idle: OpenBLAS workers keep spinning for
            # ~0.1 s after a call, and measured W3 (2 threads) right after the numpy row gave
            # fastgrad a 162 us median instead of 111 us (min 107 either way)
            time.sleep(SETTLE_S)
        t0 = time.perf_counter()
        for _ in range(max(warmup, 1) * iterations):
            counted()
        per_call = (time.perf_counter() - t0) / (max(warmup, 1) * iterations)
        fit = max(1, int(budget / max(per_call * iterations, 1e-9)))
        if fit < rounds:
            benchmark.extra_info["rounds_cut"] = f"{rounds} -> {fit} (budget {budget:g} s)"
            rounds = fit
        warmup = 0
    benchmark.extra_info["rounds"] = rounds
    benchmark.extra_info["iterations"] = iterations
    benchmark.pedantic(counted, rounds=rounds, iterations=iterations, warmup_rounds=warmup)
    return calls[0]


def assert_close_loss(name: str, got: float, ref: float, initial: float, rtol: float = 2e-3) -> None:
    """The row's final loss agrees with the reference (float32 over many steps), relative to the
    loss scale of the run, so a fast but wrong step cannot pass."""
    tol = rtol * max(abs(ref), 1e-3 * abs(initial)) + 1e-7
    assert np.isfinite(got), f"{name}: loss is {got}"
    assert abs(got - ref) <= tol, f"{name}: final loss {got!r} differs from the numpy reference {ref!r} " \
                                  f"(tolerance {tol:.3g}, initial loss {initial!r})"


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


