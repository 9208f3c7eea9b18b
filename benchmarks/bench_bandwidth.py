"""Bandwidth-bound kernels (issue 16 item 5): each kernel's effective bandwidth beside a memcpy
of the same bytes and beside torch's same op, float32, 1 thread.

Bytes moved = bytes the kernel reads + bytes it writes (each array once).  The reference is C
memmove (glibc) called through cffi (``ffi.memmove``) on bytes_moved / 2 bytes (it reads them
and writes them: the same traffic).  Times are thread CPU time (time.thread_time_ns), memcpy,
fastgrad and torch interleaved in one loop, medians reported, so that a loaded machine slows
all three alike.  ratio = fastgrad bandwidth / memcpy bandwidth (target >= 0.8).

Script mode (quick: well under 3 minutes for two levels):
    python benchmarks/bench_bandwidth.py --isa avx2,avx512     # or reference / native
pytest-benchmark rows (wall clock, one row per kernel x size x implementation):
    python -m pytest benchmarks/bench_bandwidth.py -q
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import pytest

try:
    from benchmarks._common import QUICK, torch
except ImportError:  # run as a script from anywhere
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks._common import QUICK, torch

from fastgrad._ffi import ISA_NAMES, ffi, lib

F32 = ffi.typeof("float[]")
I64 = ffi.typeof("int64_t[]")


def _p(a):
    return ffi.from_buffer(I64 if a.dtype == np.int64 else F32, a, True)


def _cols(n):
    """rows x cols of a row-wise kernel of n elements: 1e4 rows of n / 1e4"""
    return 10_000, n // 10_000


def make_cases(n, rng):
    """[(name, bytes_moved, fastgrad_fn, torch_fn or None)] for n float32 elements"""
    f = lambda *shape: rng.standard_normal(shape or (n,), dtype=np.float32)  # noqa: E731
    x, dy, out, t = f(), f(), np.empty(n, np.float32), f()
    px, pdy, pout, pt = _p(x), _p(dy), _p(out), _p(t)
    y_sig = 1 / (1 + np.exp(-x))
    y_tanh = np.tanh(x)
    py_sig, py_tanh = _p(y_sig), _p(y_tanh)
    rows, cols = _cols(n)
    xr = x.reshape(rows, cols)
    e = np.exp(xr - xr.max(1, keepdims=True))
    sm = (e / e.sum(1, keepdims=True)).astype(np.float32)
    lsm = np.log(sm).astype(np.float32)
    psm, plsm = _p(sm), _p(lsm)
    target = rng.integers(0, cols, rows).astype(np.int64)
    loss, dloss = np.empty(rows, np.float32), np.full(rows, 1.0 / rows, np.float32)
    pdb = _p(np.empty(cols, np.float32))
    ptarget, ploss, pdloss = _p(target), _p(loss), _p(dloss)
    p, g, buf, m, v = f(), f() * 1e-3, np.zeros(n, np.float32), np.zeros(n, np.float32), np.zeros(n, np.float32)
    pp, pg, pbuf, pm, pv = _p(p), _p(g), _p(buf), _p(m), _p(v)
    x1 = rng.standard_normal((rows, 1), dtype=np.float32)
    px1 = _p(x1)
    B = 4 * n  # bytes of one array
    N = ffi.NULL
    cases = [
        ("relu fwd", 2 * B, lambda: lib.fg_relu_fwd_f32(n, px, pout)),
        ("relu bwd", 3 * B, lambda: lib.fg_relu_bwd_f32(n, px, pdy, pout)),
        # fg_linear_relu_bwd (rows x cols, k = 1) with no dx/dW/db asked: its relu mask pass alone
        ("linear_relu bwd mask", 3 * B,
         lambda: lib.fg_linear_relu_bwd_f32(rows, cols, 1, px1, _W1[cols], px, pdy, N, N, N)),
        # the same with db asked: the mask and the bias gradient's row-order double column sums
        ("linear_relu bwd+db", 3 * B,
         lambda: lib.fg_linear_relu_bwd_f32(rows, cols, 1, px1, _W1[cols], px, pdy, N, N, pdb)),
        # fg_linear_relu_fwd with k = 1 (x: rows x 1, W: cols x 1): a rank-1 GEMM writing y, then
        # the relu epilogue reading and writing y (3 passes over y)
        ("linear+relu fwd k=1", 3 * B,
         lambda: lib.fg_linear_relu_fwd_f32(rows, cols, 1, px1, _W1[cols], N, pout)),
        ("sigmoid fwd", 2 * B, lambda: lib.fg_sigmoid_fwd_f32(n, px, pout)),
        ("sigmoid bwd", 3 * B, lambda: lib.fg_sigmoid_bwd_f32(n, py_sig, pdy, pout)),
        ("tanh fwd", 2 * B, lambda: lib.fg_tanh_fwd_f32(n, px, pout)),
        ("tanh bwd", 3 * B, lambda: lib.fg_tanh_bwd_f32(n, py_tanh, pdy, pout)),
        ("gelu fwd", 2 * B, lambda: lib.fg_gelu_fwd_f32(n, px, pout, 0)),
        ("gelu bwd", 3 * B, lambda: lib.fg_gelu_bwd_f32(n, px, pdy, pout, 0)),
        (f"softmax fwd {rows}x{cols}", 2 * B, lambda: lib.fg_softmax_fwd_f32(rows, cols, 1, px, pout)),
        (f"softmax bwd {rows}x{cols}", 3 * B, lambda: lib.fg_softmax_bwd_f32(rows, cols, 1, psm, pdy, pout)),
        (f"log_softmax fwd {rows}x{cols}", 2 * B,
         lambda: lib.fg_log_softmax_fwd_f32(rows, cols, 1, px, pout)),
        (f"log_softmax bwd {rows}x{cols}", 3 * B,
         lambda: lib.fg_log_softmax_bwd_f32(rows, cols, 1, plsm, pdy, pout)),
        (f"cross_entropy fwd {rows}x{cols}", 2 * B,
         lambda: lib.fg_cross_entropy_fwd_f32(rows, cols, px, ptarget, N, pout, ploss, N, -100, 0.0)),
        (f"cross_entropy bwd {rows}x{cols}", 2 * B,
         lambda: lib.fg_cross_entropy_bwd_f32(rows, cols, plsm, ptarget, N, pdloss, 1, pout, -100, 0.0)),
        ("mse fwd", 2 * B, lambda: lib.fg_mse_fwd_f32(n, px, pt)),
        ("mse bwd", 3 * B, lambda: lib.fg_mse_bwd_f32(n, px, pt, pout, 1.0 / n)),
        ("sgd", 3 * B, lambda: lib.fg_sgd_step_f32(n, pp, pg, N, 1e-3, 0.0, 0.0, 0.0, 0, 0, 0)),
        ("sgd momentum", 5 * B, lambda: lib.fg_sgd_step_f32(n, pp, pg, pbuf, 1e-3, 0.9, 0.0, 0.0, 0, 0, 0)),
        ("adam", 7 * B,
         lambda: lib.fg_adam_step_f32(n, pp, pg, pm, pv, N, 1e-3, 0.9, 0.999, 1e-8, 0.0, 0, 0, 5)),
        ("adamw", 7 * B,
         lambda: lib.fg_adam_step_f32(n, pp, pg, pm, pv, N, 1e-3, 0.9, 0.999, 1e-8, 1e-2, 1, 0, 5)),
    ]
    _W1[cols] = _p(np.ones((cols, 1), np.float32))
    tfns = torch_cases(n, x, dy, t, y_sig, y_tanh, sm, lsm, target, g) if torch is not None else {}
    return [(name, nbytes, fn, tfns.get(name.split(" ")[0] + " " + name.split(" ")[1]
                                        if " " in name else name))
            for name, nbytes, fn in cases]


_W1 = {}


def torch_cases(n, x, dy, t, y_sig, y_tanh, sm, lsm, target, g):
    """torch's same op on the same arrays (out= where torch has it; its optimizers fused)"""
    aten = torch.ops.aten
    rows, cols = _cols(n)
    tx, tdy, tt = torch.from_numpy(x), torch.from_numpy(dy), torch.from_numpy(t)
    tout = torch.empty(n)
    tsig, ttanh = torch.from_numpy(y_sig), torch.from_numpy(y_tanh)
    txr, tdyr = tx.view(rows, cols), tdy.view(rows, cols)
    tsm, tlsm = torch.from_numpy(sm), torch.from_numpy(lsm)
    ttarget = torch.from_numpy(target)
    tgo, tgo0 = torch.full((rows,), 1.0 / rows), torch.tensor(1.0)
    tw = torch.ones(cols, 1)
    tx1 = torch.randn(rows, 1)

    def opt(cls, **kw):
        prm = torch.nn.Parameter(torch.randn(n))
        prm.grad = torch.from_numpy(g.copy())
        try:
            o = cls([prm], lr=1e-3, fused=True, **kw)
            o.step()
        except (RuntimeError, TypeError, ValueError):
            o = cls([prm], lr=1e-3, foreach=False, **kw)
        return o.step

    def ce_bwd():
        gl = aten.nll_loss_backward(tgo, tlsm, ttarget, None, 0, -100, torch.tensor(1.0))
        aten._log_softmax_backward_data(gl, tlsm, 1, torch.float32)

    return {
        "relu fwd": lambda: torch.clamp_min(tx, 0, out=tout),
        "relu bwd": lambda: aten.threshold_backward(tdy, tx, 0),
        "linear_relu bwd": lambda: aten.threshold_backward(tdy, tx, 0),
        "linear_relu bwd+db": lambda: aten.threshold_backward(tdyr, txr, 0).sum(0),
        "linear+relu fwd": lambda: torch.relu_(torch.nn.functional.linear(tx1, tw)),
        "sigmoid fwd": lambda: torch.sigmoid(tx, out=tout),
        "sigmoid bwd": lambda: aten.sigmoid_backward(tdy, tsig),
        "tanh fwd": lambda: torch.tanh(tx, out=tout),
        "tanh bwd": lambda: aten.tanh_backward(tdy, ttanh),
        "gelu fwd": lambda: torch.nn.functional.gelu(tx),
        "gelu bwd": lambda: aten.gelu_backward(tdy, tx),
        "softmax fwd": lambda: torch.softmax(txr, 1),
        "softmax bwd": lambda: aten._softmax_backward_data(tdyr, tsm, 1, torch.float32),
        "log_softmax fwd": lambda: torch.log_softmax(txr, 1),
        "log_softmax bwd": lambda: aten._log_softmax_backward_data(tdyr, tlsm, 1, torch.float32),
        "cross_entropy fwd": lambda: torch.nn.functional.cross_entropy(txr, ttarget, reduction="none"),
        "cross_entropy bwd": ce_bwd,
        "mse fwd": lambda: torch.nn.functional.mse_loss(tx, tt, reduction="sum"),
        "mse bwd": lambda: aten.mse_loss_backward(tgo0, tx, tt, 1),
        "sgd": opt(torch.optim.SGD),
        "sgd momentum": opt(torch.optim.SGD, momentum=0.9),
        "adam": opt(torch.optim.Adam),
        "adamw": opt(torch.optim.AdamW, weight_decay=1e-2),
    }


def measure(cases, n, reps, warmup=2):
    """[(name, bytes, t_memcpy, t_fastgrad, t_torch)] medians of thread CPU seconds, interleaved"""
    clock = time.thread_time_ns
    out = []
    for name, nbytes, fn, tfn in cases:
        half = nbytes // 2
        src, dst = np.ones(half // 4, np.float32), np.empty(half // 4, np.float32)
        psrc, pdst = ffi.from_buffer(F32, src), ffi.from_buffer(F32, dst, True)
        tm, tf, tt = [], [], []
        for r in range(warmup + reps):
            c0 = clock()
            ffi.memmove(pdst, psrc, half)
            c1 = clock()
            fn()
            c2 = clock()
            if tfn is not None:
                tfn()
            c3 = clock()
            if r >= warmup:
                tm.append(c1 - c0)
                tf.append(c2 - c1)
                tt.append(c3 - c2)
        med = lambda a: statistics.median(a) * 1e-9  # noqa: E731
        out.append((name, nbytes, med(tm), med(tf), med(tt) if tfn is not None else None))
    return out


def table(rows, n, isa):
    lines = [f"n = {n:.0e} float32, ISA {isa}, 1 thread, thread CPU time medians",
             f"{'kernel':34s} {'MB':>6s} {'memcpy GB/s':>11s} {'fastgrad GB/s':>13s} {'ratio':>6s}"
             f" {'torch GB/s':>10s} {'t ratio':>7s}"]
    for name, nbytes, tm, tf, tt in rows:
        gm, gf = nbytes / tm / 1e9, nbytes / tf / 1e9
        gt = f"{nbytes / tt / 1e9:10.1f} {tm / tt:7.2f}" if tt else f"{'-':>10s} {'-':>7s}"
        flag = "" if tm / tf >= 0.8 else "  <0.8"
        lines.append(f"{name:34s} {nbytes / 1e6:6.0f} {gm:11.1f} {gf:13.1f} {tm / tf:6.2f} {gt}{flag}")
    return "\n".join(lines)


def set_level(isa):
    if isa == "native":
        lib.fg_set_isa(lib.fg_get_isa())
        return {v: k for k, v in ISA_NAMES.items()}[lib.fg_get_isa()]
    if lib.fg_set_isa(ISA_NAMES[isa]) != 0:
        raise SystemExit(f"ISA level {isa} not available on this CPU")
    return isa


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--isa", default="avx2,avx512", help="comma list of reference|avx2|avx512|native")
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--reps", type=int, default=0, help="repetitions (default: 41 at 1e6, 11 at 1e7)")
    ap.add_argument("--only", default="", help="comma list of kernel-name prefixes")
    args = ap.parse_args(argv)
    lib.fg_set_num_threads(1)
    if torch is not None:
        torch.set_num_threads(1)
    native = lib.fg_get_isa()
    print(f"cpu: {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}"
          if os.path.exists("/proc/cpuinfo") else "")
    print(f"torch: {torch.__version__ if torch is not None else 'not installed'};"
          f" loadavg {os.getloadavg()[0]:.2f}; reference: C memmove through cffi on bytes/2")
    rng = np.random.default_rng(0)
    for size in args.sizes.split(","):
        n = int(float(size))
        cases = make_cases(n, rng)
        if args.only:
            cases = [c for c in cases if any(c[0].startswith(p) for p in args.only.split(","))]
        for isa in args.isa.split(","):
            level = set_level(isa)
            reps = args.reps or (41 if n <= 2_000_000 else 11)
            print()
            print(table(measure(cases, n, reps), n, level))
            lib.fg_set_isa(native)


# ---- pytest-benchmark rows ------------------------------------------------------------------
SIZES = [100_000] if QUICK else [1_000_000, 10_000_000]
_CACHE = {}


def _cases(n):
    if n not in _CACHE:
        _CACHE[n] = make_cases(n, np.random.default_rng(0))
    return _CACHE[n]


NAMES = [c[0].split(" 1")[0] for c in make_cases(100_000, np.random.default_rng(0))] if __name__ != "__main__" else []


@pytest.mark.parametrize("impl", ["memcpy", "fastgrad", "torch"])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("kernel", NAMES)
def test_bandwidth(benchmark, kernel, n, impl):
    lib.fg_set_num_threads(1)
    case = next(c for c in _cases(n) if c[0].split(" 1")[0] == kernel)
    name, nbytes, fn, tfn = case
    if impl == "torch":
        if tfn is None:
            pytest.skip("torch not installed")
        torch.set_num_threads(1)
        fn = tfn
    elif impl == "memcpy":
        half = nbytes // 2
        src, dst = np.ones(half // 4, np.float32), np.empty(half // 4, np.float32)
        psrc, pdst = ffi.from_buffer(F32, src), ffi.from_buffer(F32, dst, True)
        fn = lambda: ffi.memmove(pdst, psrc, half)  # noqa: E731
    benchmark.group = f"bandwidth {name} n={n:.0e}"
    benchmark.extra_info.update(bytes=nbytes, impl=impl, isa=lib.fg_get_isa())
    benchmark.pedantic(fn, rounds=3 if QUICK else 11, warmup_rounds=1)


if __name__ == "__main__":
    main()
