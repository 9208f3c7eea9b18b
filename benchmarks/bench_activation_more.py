"""Activations of csrc/activation_more.c (and leaky_relu / softplus) fwd+bwd: fastgrad beside numpy
and torch on the same float32 arrays, one group per activation and size.

Under pytest-benchmark (``python -m pytest benchmarks/bench_activation_more.py``) each row runs
the op on a tensor that requires grad and its backward with a given upstream gradient (numpy: the
hand-written derivative), checked against numpy once outside the timing.

Run as a script for the ratio table quoted in the commit messages and the README: fastgrad and
torch alternate in one process, medians of many calls, ratio = torch time / fastgrad time (>= 1:
fastgrad at least as fast):
    python benchmarks/bench_activation_more.py [n] [threads]
    FASTGRAD_ISA=avx2 ATEN_CPU_CAPABILITY=avx2 python benchmarks/bench_activation_more.py
"""
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import QUICK, FRAMEWORKS  # noqa: E402

SIZES = [1_000, 1_000_000] if not QUICK else [1_000, 100_000]
NAMES = ["silu", "mish", "elu", "selu", "celu", "logsigmoid", "softsign", "hardtanh", "relu6", "leaky_relu",
         "softplus"]
_SA, _SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def np_fwd_bwd(name, x, dy):
    """(y, dx) by numpy in float32, the straightforward formulas"""
    one = np.float32(1)
    if name == "silu":
        s = one / (one + np.exp(-x))
        return x * s, dy * s * (one + x * (one - s))
    if name == "mish":
        sp = np.logaddexp(np.float32(0), x)
        t = np.tanh(sp)
        s = one / (one + np.exp(-x))
        return x * t, dy * (t + x * s * (one - t * t))
    if name in ("elu", "selu", "celu"):
        a, sc, ip = {"elu": (1.0, 1.0, 1.0), "selu": (_SA, _SS, 1.0), "celu": (1.0, 1.0, 1.0)}[name]
        a, sc, ip = np.float32(a), np.float32(sc), np.float32(ip)
        e = np.exp(np.minimum(x, 0) * ip)
        return np.where(x > 0, sc * x, a * sc * (e - one)), np.where(x > 0, dy * sc, dy * ip * a * sc * e)
    if name == "logsigmoid":
        z = np.exp(-np.abs(x))
        f = z / (one + z)
        return np.minimum(x, 0) - np.log1p(z), dy * np.where(x < 0, one - f, f)
    if name == "softsign":
        a = np.abs(x) + one
        return x / a, dy / (a * a)
    if name in ("hardtanh", "relu6"):
        lo, hi = (-1, 1) if name == "hardtanh" else (0, 6)
        return np.clip(x, lo, hi), np.where((x > lo) & (x < hi), dy, np.float32(0))
    if name == "leaky_relu":
        return np.where(x > 0, x, x * np.float32(0.01)), np.where(x > 0, dy, dy * np.float32(0.01))
    bx = x
    z = np.exp(-np.abs(bx))
    s = np.where(bx >= 0, one / (one + z), z / (one + z))
    return np.where(bx > 20, x, np.maximum(bx, 0) + np.log1p(z)), np.where(bx > 20, dy, dy * s)


def fw_fn(framework, name):
    if framework == "torch":
        return getattr(C.torch.nn.functional, name)
    return getattr(C.fastgrad.nn.functional, name)


def _data(n):
    rng = C.rng(n)
    return rng.standard_normal(n, dtype=np.float32) * np.float32(3), rng.standard_normal(n, dtype=np.float32)


def _fwd_bwd(framework, name, x, dy):
    """a call running forward and backward once, returning the input's gradient"""
    mod = C.torch if framework == "torch" else C.fastgrad
    xt = mod.from_numpy(x.copy()).requires_grad_(True)
    dyt = mod.from_numpy(dy)
    f = fw_fn(framework, name)

    def fn():
        xt.grad = None
        f(xt).backward(dyt)
        return xt.grad
    return fn


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", NAMES)
def test_activation_fwd_bwd(benchmark, name, n, framework):
    if framework == "torch":
        C.need("torch")
    x, dy = _data(n)
    _, want_dx = np_fwd_bwd(name, x, dy)
    benchmark.group = f"{name} fwd+bwd n={n:.2g}".replace("e+0", "e").replace("e+", "e")
    C.tag(benchmark, framework, category="activations", n=n)
    if framework == "numpy":
        fn = lambda: np_fwd_bwd(name, x, dy)  # noqa: E731
    else:
        fn = _fwd_bwd(framework, name, x, dy)
        got = fn()
        np.testing.assert_allclose(got.numpy(), want_dx, rtol=1e-4, atol=1e-5, err_msg=f"{framework} {name}")
    rounds, iterations = (200, 50) if n <= 10_000 else (40, 1)
    C.run_pedantic(benchmark, fn, rounds=rounds, iterations=iterations)


def _median_time(fn, calls):
    ts = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def ratio_table(n=1_000_000, rounds=5, calls=9):
    """{name: (torch s, fastgrad s)}: medians over ``rounds`` alternations of ``calls`` calls each"""
    x, dy = _data(n)
    out = {}
    for name in NAMES:
        fns = {fw: _fwd_bwd(fw, name, x, dy) for fw in ("torch", "fastgrad")}
        for f in fns.values():
            f()
        times = {fw: [] for fw in fns}
        for _ in range(rounds):
            for fw, f in fns.items():
                times[fw].append(_median_time(f, calls))
        out[name] = (float(np.median(times["torch"])), float(np.median(times["fastgrad"])))
    return out


if __name__ == "__main__":
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    if len(sys.argv) > 2:
        C.apply_threads(int(sys.argv[2]))
    m = C.MACHINE
    print(f"{m['cpu']}; fastgrad isa {m['isa']}, threads {C.fastgrad.get_num_threads()}; torch {m['torch']} "
          f"({C.torch.backends.cpu.get_cpu_capability()}), threads {C.torch.get_num_threads()}; "
          f"load {os.getloadavg()[0]:.1f}; n = {n:,} float32, fwd+bwd")
    print(f"{'op':12s} {'torch ms':>9s} {'fastgrad ms':>12s} {'torch/fastgrad':>15s}")
    for name, (tt, ft) in ratio_table(n).items():
        print(f"{name:12s} {tt * 1e3:9.3f} {ft * 1e3:12.3f} {tt / ft:15.2f}")
