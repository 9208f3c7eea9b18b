"""Broadcasting arithmetic and batched matmul: fastgrad beside hand-written numpy and torch.

Groups (one fastgrad, one numpy and one torch row on the same arrays):
  <op> <a>o<b> <dtype> <fwd|fwd+bwd>   add/sub/mul/div with a row, a column, a 0-d tensor or a
                                       batch-broadcast operand; fwd+bwd also sums dy back to
                                       each operand's shape (numpy: the hand-written sums)
  matmul <a>@<b> <dtype> <fwd|fwd+bwd> batched and N-D products (folded or looped batches)

Results are checked against numpy once per row, outside the timing.

Besides the pytest-benchmark rows, ``python benchmarks/bench_broadcast.py`` prints the same cases
as one markdown table timed in one process, the three frameworks alternating in short rounds
(~0.2 ms each), medians of many rounds (what benchmarks/RESULTS.md quotes).  For the AVX2 column run it
with every framework pinned to AVX2:
    FASTGRAD_ISA=avx2 ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 \\
        OPENBLAS_CORETYPE=Haswell python benchmarks/bench_broadcast.py
"""
import argparse
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import FRAMEWORKS, QUICK  # noqa: E402

OPS = ["add", "sub", "mul", "div"]
SHAPES = [((128, 128), (1, 128)), ((128, 128), (128, 1)), ((128, 128), ()),
          ((64, 1, 32), (1, 16, 32))]
MATMULS = [((32, 4, 48), (48, 128)), ((8, 64, 64), (8, 64, 64)), ((2, 3, 16, 16), (16, 16)),
           ((4, 1, 8, 8), (3, 8, 8))]
DTYPES = ["float32", "float64"]
DIRECTIONS = ["fwd", "fwd+bwd"]
if QUICK:
    OPS, SHAPES, DTYPES = ["sub", "mul"], SHAPES[:2], ["float32"]


def _label(shape):
    return "(" + ",".join(map(str, shape)) + ")"


def sum_to(g, shape):
    """numpy: a broadcast gradient summed back to ``shape``."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes).reshape(shape) if axes else g.reshape(shape)


def np_binary(op, a, b, dy=None):
    """y = a (op) b, and with dy the gradients (da, db) summed to each operand's shape."""
    y = getattr(np, {"add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide"}[op])(a, b)
    if dy is None:
        return y
    if op == "add":
        return y, sum_to(dy, a.shape), sum_to(dy, b.shape)
    if op == "sub":
        return y, sum_to(dy, a.shape), -sum_to(dy, b.shape)
    if op == "mul":
        return y, sum_to(dy * b, a.shape), sum_to(dy * a, b.shape)
    return y, sum_to(dy / b, a.shape), -sum_to(dy * y / b, b.shape)


def np_matmul(a, b, dy=None):
    y = a @ b
    if dy is None:
        return y
    return y, sum_to(dy @ np.swapaxes(b, -1, -2), a.shape), sum_to(np.swapaxes(a, -1, -2) @ dy, b.shape)


def _arrays(kind, sa, sb, dtype):
    rng = C.rng(len(sa) * 7 + len(sb))
    a = np.asarray(rng.standard_normal(sa), dtype)
    b = np.asarray(rng.standard_normal(sb), dtype)
    if kind == "div":
        b = np.asarray(np.abs(b) + 0.5, dtype)
    return a, b


def make_case(framework, kind, sa, sb, dtype, direction):
    """(fn, check): fn runs the case once; check() compares its last result with numpy."""
    a, b = _arrays(kind, sa, sb, dtype)
    ref = np_matmul if kind == "matmul" else (lambda x, y, g=None: np_binary(kind, x, y, g))
    yshape = np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1]) if kind == "matmul" else \
        np.broadcast_shapes(sa, sb)
    dy = np.asarray(C.rng(3).standard_normal(yshape), dtype)
    bwd = direction == "fwd+bwd"
    if framework == "numpy":
        out = {}
        fn = (lambda: out.__setitem__(0, ref(a, b, dy))) if bwd else (lambda: out.__setitem__(0, ref(a, b)))

        def check():
            return None
        return fn, check
    lib = C.torch if framework == "torch" else C.fastgrad
    f = {"matmul": lib.matmul, "add": lib.add, "sub": lib.sub, "mul": lib.mul, "div": lib.div}[kind]
    at, bt = lib.from_numpy(a.copy()), lib.from_numpy(b.copy())
    res = {}
    if bwd:
        at.requires_grad_(True)
        bt.requires_grad_(True)
        dyt = lib.from_numpy(dy)

        def fn():
            at.grad = None
            bt.grad = None
            f(at, bt).backward(dyt)
    else:
        def fn():
            res[0] = f(at, bt)

    def check():
        tol = dict(rtol=2e-5, atol=1e-4) if dtype == "float32" else dict(rtol=1e-12, atol=1e-11)
        want = ref(a.astype(np.float64), b.astype(np.float64), dy.astype(np.float64) if bwd else None)
        if bwd:
            np.testing.assert_allclose(at.grad.numpy(), want[1], **tol, err_msg=f"{framework} {kind} da")
            np.testing.assert_allclose(bt.grad.numpy(), want[2], **tol, err_msg=f"{framework} {kind} db")
        else:
            np.testing.assert_allclose(res[0].numpy(), want, **tol, err_msg=f"{framework} {kind} y")
    return fn, check


def cases():
    """(group name, kind, a shape, b shape, dtype, direction) for every row."""
    out = []
    for direction in DIRECTIONS:
        for dtype in DTYPES:
            for sa, sb in SHAPES:
                for op in OPS:
                    out.append((f"{op} {_label(sa)}o{_label(sb)} {dtype} {direction}", op, sa, sb, dtype, direction))
            for sa, sb in MATMULS:
                out.append((f"matmul {_label(sa)}@{_label(sb)} {dtype} {direction}", "matmul", sa, sb, dtype,
                            direction))
    return out


CASES = cases()


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("case", CASES, ids=[c[0].replace(" ", "-") for c in CASES])
def test_broadcast(benchmark, case, framework):
    C.need(framework)
    name, kind, sa, sb, dtype, direction = case
    benchmark.group = name
    C.tag(benchmark, framework, category="broadcast")
    fn, check = make_case(framework, kind, sa, sb, dtype, direction)
    fn()
    check()
    C.run_pedantic(benchmark, fn, rounds=200, iterations=20)


def table(rounds: int, budget: float, only: str) -> None:
    """Every case timed in this process, frameworks alternating within each round: markdown."""
    fws = [fw for fw in FRAMEWORKS if fw != "torch" or C.torch is not None]
    print(f"CPU {C.cpu_model()}; fastgrad ISA {C.fastgrad.backend_info()['isa']}, threads {C.THREADS}; "
          f"torch {C.MACHINE['torch']} (ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', '-')}); "
          f"numpy {np.__version__}")
    print("\n| case | numpy | torch | fastgrad | fastgrad/torch |\n|---|---:|---:|---:|---:|")
    for name, kind, sa, sb, dtype, direction in CASES:
        if only and only not in name:
            continue
        fns = {}
        for fw in fws:
            fn, check = make_case(fw, kind, sa, sb, dtype, direction)
            fn()
            check()
            fns[fw] = fn
        iters = {}
        for fw, fn in fns.items():  # short rounds (~0.2 ms): a time slice lost to another
            once = []  # process spoils few of them, and the median skips those
            for _ in range(5):
                t0 = time.perf_counter()
                fn()
                once.append(time.perf_counter() - t0)
            iters[fw] = max(1, int(2e-4 / max(min(once), 1e-7)))
        per_round = 2e-4 * len(fns)
        times = {fw: [] for fw in fws}
        for _ in range(max(rounds, int(budget / per_round))):
            for fw, fn in fns.items():
                n = iters[fw]
                t0 = time.perf_counter()
                for _ in range(n):
                    fn()
                times[fw].append((time.perf_counter() - t0) / n)
        med = {fw: float(np.median(v)) * 1e6 for fw, v in times.items()}
        ratio = f"{med['fastgrad'] / med['torch']:.2f}×" if "torch" in med else "–"
        print(f"| {name} | {med['numpy']:.2f} | {med.get('torch', float('nan')):.2f} | "
              f"{med['fastgrad']:.2f} | {ratio} |", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=31,
                   help="at least this many alternating rounds per case (median taken)")
    p.add_argument("--budget", type=float, default=0.6,
                   help="about this many seconds of calls per case, all frameworks")
    p.add_argument("--only", default="", help="only cases whose name contains this text")
    args = p.parse_args()
    table(args.rounds, args.budget, args.only)
