"""Scans, logsumexp, sort and topk: fastgrad beside numpy and torch on the same float32 data.
Rows: 64 elements (per-call overhead), 1e6 elements, and a (512, 1024) array along each dim.
fastgrad's cumsum and logsumexp are C kernels (csrc/scan.c, csrc/reduce.c); its sort and topk
compute indices with numpy (argsort, argpartition) and gather the values.

    python -m pytest benchmarks/bench_reduce_more.py -q        (pytest-benchmark groups)
    python benchmarks/bench_reduce_more.py                     (one table of medians and ratios,
                                                                the three frameworks alternated)

Measured (FASTGRAD_BENCH_THREADS=1, 'AMD EPYC' Zen 4 (family 25 model 17), fastgrad AVX-512 level,
torch 2.13.0, numpy 2.4, machine shared with other sessions at load 5-10), fastgrad time / torch
time: cumsum 64 1.63, 1e6 0.91, (512, 1024) dim0 0.01, dim1 0.12; cumsum fwd+bwd 0.48 / 0.47 /
0.11 / 0.36; logsumexp 0.61 / 0.43 / 0.8-1.4 (dim0, noisy) / 0.25; sort 0.90 / 0.83 / 0.21 / 0.45
(numpy's argsort: fastgrad = numpy within 2 %, so no C sort); topk k=16 3.0 (per-call overhead) /
0.23 / 0.88 / 0.97 (C heap selection; numpy's argpartition was 5x torch at 1e6).
"""
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import FRAMEWORKS  # noqa: E402

SHAPES = {"64": ((64,), 0), "1e6": ((1_000_000,), 0), "512x1024 dim0": ((512, 1024), 0),
          "512x1024 dim1": ((512, 1024), 1)}
K = 16


def _np_lse(a, d):
    m = a.max(axis=d, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=d, keepdims=True))).squeeze(d)


def _np_sort(a, d):
    i = np.argsort(a, axis=d)
    return np.take_along_axis(a, i, d), i


def _np_topk(a, d):
    n = a.shape[d]
    p = np.take(np.argpartition(a, n - K, axis=d), np.arange(n - K, n), axis=d)
    v = np.take_along_axis(a, p, d)
    o = np.flip(np.argsort(v, axis=d), d)
    return np.take_along_axis(v, o, d), np.take_along_axis(p, o, d)


def op_fn(op, framework, a, d):
    """The call to time, on data prepared for ``framework``."""
    if framework == "numpy":
        return {"cumsum": lambda: np.cumsum(a, d), "logsumexp": lambda: _np_lse(a, d),
                "sort": lambda: _np_sort(a, d), "topk": lambda: _np_topk(a, d),
                "cumsum fwd+bwd": lambda: np.flip(np.cumsum(np.flip(np.cumsum(a, d), d), d), d)}[op]
    lib = C.torch if framework == "torch" else C.fastgrad
    x = lib.from_numpy(a.copy())
    if op == "cumsum fwd+bwd":
        x.requires_grad_(True)
        g = lib.ones(a.shape)

        def fb():
            x.grad = None
            lib.cumsum(x, d).backward(g)
        return fb
    return {"cumsum": lambda: lib.cumsum(x, d), "logsumexp": lambda: lib.logsumexp(x, d),
            "sort": lambda: lib.sort(x, d), "topk": lambda: lib.topk(x, K if a.shape[d] > K else 1, d)}[op]


OPS = ["cumsum", "cumsum fwd+bwd", "logsumexp", "sort", "topk"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("op", OPS)
def test_reduce_more(benchmark, op, shape, framework):
    C.need(framework)
    s, d = SHAPES[shape]
    a = C.rng(5).standard_normal(s, dtype=np.float32)
    benchmark.group = f"{op} {shape} float32"
    C.tag(benchmark, framework, category="reduce_more", params=int(a.size))
    fn = op_fn(op, framework, a, d)
    C.run_pedantic(benchmark, fn, rounds=200 if a.size < 1000 else 30, iterations=50 if a.size < 1000 else 1)


def main():
    """Medians of alternated runs and each row's ratio to torch (time / torch's time)."""
    C.apply_threads(C.bench_threads())
    print(f"{C.cpu_model()}; fastgrad ISA {C.fastgrad.backend_info()['isa']}; threads {C.bench_threads()}")
    print(f"{'workload':<30}{'numpy':>11}{'torch':>11}{'fastgrad':>11}{'fg/torch':>10}{'fg/numpy':>10}")
    for op in OPS:
        for shape, (s, d) in SHAPES.items():
            a = np.random.default_rng(5).standard_normal(s, dtype=np.float32)
            fns = {fw: op_fn(op, fw, a, d) for fw in FRAMEWORKS if fw != "torch" or C.torch is not None}
            reps = 2000 if a.size < 1000 else 5
            times = {fw: [] for fw in fns}
            for _ in range(15 if a.size >= 1000 else 5):
                for fw, fn in fns.items():       # alternate the frameworks
                    fn()
                    t0 = time.perf_counter()
                    for _ in range(reps):
                        fn()
                    times[fw].append((time.perf_counter() - t0) / reps)
            med = {fw: float(np.median(t)) for fw, t in times.items()}
            tt = med.get("torch", float("nan"))
            print(f"{op + ' ' + shape:<30}" + "".join(f"{med.get(fw, float('nan')) * 1e6:>9.1f}us" for fw in FRAMEWORKS)
                  + f"{med['fastgrad'] / tt:>10.2f}{med['fastgrad'] / med['numpy']:>10.2f}")


if __name__ == "__main__":
    main()
