"""einsum for the contractions that are matrix products: fastgrad.einsum beside fastgrad.matmul
(the same product written directly), numpy.einsum(optimize=True) and torch.einsum, forward and
forward+backward (numpy's backward: the two gradient einsums), same operands, same threads.

Workloads (float32):
  mm-512           'ij,jk->ik'        512 x 512 @ 512 x 512
  mm-nt-512        'ij,kj->ik'        512 x 512 @ (512 x 512)^T (transposed operand, no copy)
  bmm-32x128       'bij,bjk->bik'     32 x 128 x 128 batched
  attn-8x8x128x64  'bhqd,bhkd->bhqk'  B=8, H=8, T=128, D=64 (attention scores)

pytest mode (pytest-benchmark rows, one group per workload and pass):
    python -m pytest benchmarks/bench_einsum.py -q
Script mode (one process, the implementations alternating round by round; medians and the
ratio of each row to torch.einsum):
    python benchmarks/bench_einsum.py [--rounds 15] [--threads N]
(--threads: fastgrad, torch and numpy's BLAS alike; default: as each library starts.)
FASTGRAD_BENCH_QUICK=1: small sizes and few rounds (proves the suite runs).
"""
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import fastgrad as fg  # noqa: E402

try:
    import torch
except ImportError:  # the suite never requires torch
    torch = None

QUICK = os.environ.get("FASTGRAD_BENCH_QUICK", "").strip() not in ("", "0")
N, B, T = (64, 4, 16) if QUICK else (512, 32, 128)
WORKLOADS = {  # name: (equation, shapes, the same product written with matmul)
    f"mm-{N}": ("ij,jk->ik", [(N, N), (N, N)], lambda a, b: a @ b),
    f"mm-nt-{N}": ("ij,kj->ik", [(N, N), (N, N)], lambda a, b: a @ b.t()),
    f"bmm-{B}x{T}": ("bij,bjk->bik", [(B, T, T), (B, T, T)], lambda a, b: a @ b),
    "attn-8x8x128x64" if not QUICK else "attn-2x2x16x8": (
        "bhqd,bhkd->bhqk", [(8, 8, 128, 64), (8, 8, 128, 64)] if not QUICK else [(2, 2, 16, 8), (2, 2, 16, 8)],
        lambda q, k: q @ k.transpose(-1, -2)),
}
IMPLS = ["fastgrad.einsum", "fastgrad.matmul", "numpy.einsum", "torch.einsum"]


def _numpy_grads(eq, a, b, g):
    """The two gradient einsums of a two-operand equation 'x,y->z': dx = 'z,y->x', dy = 'x,z->y'."""
    lhs, out = eq.split("->")
    x, y = lhs.split(",")
    return (np.einsum(f"{out},{y}->{x}", g, b, optimize=True), np.einsum(f"{x},{out}->{y}", a, g, optimize=True))


def make(name, impl, backward):
    """A zero-argument function running one workload once with one implementation."""
    eq, shapes, direct = WORKLOADS[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    if impl == "numpy.einsum":
        g = np.ones(np.einsum(eq, *arrays, optimize=True).shape, np.float32)
        if backward:
            return lambda: (np.einsum(eq, *arrays, optimize=True), _numpy_grads(eq, *arrays, g))
        return lambda: np.einsum(eq, *arrays, optimize=True)
    if impl == "torch.einsum":
        ts = [torch.from_numpy(a).requires_grad_(backward) for a in arrays]
        if backward:
            return lambda: torch.einsum(eq, *ts).sum().backward()
        return lambda: torch.einsum(eq, *ts)
    ts = [fg.from_numpy(a).requires_grad_(backward) for a in arrays]
    fn = (lambda *t: fg.einsum(eq, *t)) if impl == "fastgrad.einsum" else direct
    if backward:
        return lambda: fn(*ts).sum().backward()
    return lambda: fn(*ts)


def _check(name):
    """fastgrad.einsum agrees with numpy.einsum in float64 (outside any timing)."""
    eq, shapes, _ = WORKLOADS[name]
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    np.testing.assert_allclose(fg.einsum(eq, *[fg.tensor(a) for a in arrays]).numpy(), np.einsum(eq, *arrays),
                               rtol=1e-10, atol=1e-10)


if __name__ != "__main__":
    import pytest

    @pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
    @pytest.mark.parametrize("impl", IMPLS)
    @pytest.mark.parametrize("name", list(WORKLOADS))
    def test_einsum(benchmark, name, impl, backward):
        if impl == "torch.einsum" and torch is None:
            pytest.skip("torch is not installed")
        _check(name)
        benchmark.group = f"einsum-{name}-{'fwd+bwd' if backward else 'fwd'}"
        fn = make(name, impl, backward)
        benchmark.extra_info.update(impl=impl)
        benchmark.pedantic(fn, rounds=3 if QUICK else 15, iterations=1, warmup_rounds=1)


def main(rounds):
    """Medians of wall time and of process CPU time (the CPU time is robust to other processes
    taking the cores; at --threads 1 it is the op's own time), and the wall-time minimum."""
    impls = [i for i in IMPLS if i != "torch.einsum" or torch is not None]
    print(f"threads: fastgrad {fg.get_num_threads()}, torch {torch.get_num_threads() if torch else '-'}; "
          f"rounds {rounds}; times in ms; ratio = torch.einsum's time / the row's (> 1: faster than torch)")
    print(f"{'workload':24s} {'impl':16s} {'wall med':>9s} {'wall min':>9s} {'cpu med':>9s}   ratios (wall med, "
          f"wall min, cpu med)")
    for name in WORKLOADS:
        _check(name)
        for backward in (False, True):
            fns = {i: make(name, i, backward) for i in impls}
            wall, cpu = {i: [] for i in impls}, {i: [] for i in impls}
            for fn in fns.values():
                fn()
            for _ in range(rounds):  # alternate so that load changes hit every row alike
                for i, fn in fns.items():
                    c0, t0 = time.process_time(), time.perf_counter()
                    fn()
                    wall[i].append(time.perf_counter() - t0)
                    cpu[i].append(time.process_time() - c0)
            stats = {i: (np.median(wall[i]), np.min(wall[i]), np.median(cpu[i])) for i in impls}
            ref = stats.get("torch.einsum")
            label = f"{name} {'fwd+bwd' if backward else 'fwd'}"
            for i in impls:
                st = stats[i]
                ratios = " ".join(f"{r / x:5.2f}x" for r, x in zip(ref, st)) if ref else "-"
                print(f"{label:24s} {i:16s} {st[0] * 1e3:9.3f} {st[1] * 1e3:9.3f} {st[2] * 1e3:9.3f}   {ratios}")


def _arg(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


if __name__ == "__main__":
    threads = _arg("--threads", 0)
    if threads:
        fg.set_num_threads(threads)
        if torch is not None:
            torch.set_num_threads(threads)
        try:
            import threadpoolctl
            threadpoolctl.threadpool_limits(threads)
        except ImportError:
            pass
    main(_arg("--rounds", 3 if QUICK else 15))
