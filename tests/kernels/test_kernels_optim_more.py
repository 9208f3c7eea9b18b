"""C-level tests of the Adamax, NAdam, RAdam and Adadelta kernels (csrc/optim_more*.inc): several
steps against a numpy float64 transcription of torch's algorithms, writes kept inside their
buffers (NaN guards past the end), and every ISA level, thread count and multi-tensor call
bit-identical to the single-tensor reference."""
import math

import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr, wptr

SIZES = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1029]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
STEPS = 8   # RAdam with b2 = 0.9 switches to the rectified update at step 3, with 0.999 at step 6
GUARD = 5


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[dtype]}")


def mu(t, b1, md):
    return b1 * (1.0 - 0.5 * 0.96 ** (t * md))


def mu_products(b1, md, steps):
    out, mp = [], 1.0
    for t in range(1, steps + 1):
        mp *= mu(t, b1, md)
        out.append(mp)
    return out


# ---- numpy transcriptions of torch's single-tensor algorithms (float64) ----------------------
def adamax_ref(p, gs, lr, b1, b2, eps, wd, maximize):
    p = p.astype(np.float64)
    m, u = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(gs, 1):
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        g = g + wd * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1 ** t) * m / u
    return p, m, u


def nadam_ref(p, gs, lr, b1, b2, eps, wd, md, decoupled, maximize):
    p = p.astype(np.float64)
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, (g, mp) in enumerate(zip(gs, mu_products(b1, md, len(gs))), 1):
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        d = np.sqrt(v / (1 - b2 ** t)) + eps
        mu_t, mu_n = mu(t, b1, md), mu(t + 1, b1, md)
        p = p - lr * (1 - mu_t) / (1 - mp) * g / d - lr * mu_n / (1 - mp * mu_n) * m / d
    return p, m, v


def radam_ref(p, gs, lr, b1, b2, eps, wd, decoupled, maximize):
    p = p.astype(np.float64)
    m, v = np.zeros_like(p), np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(gs, 1):
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * mh * math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps) * r
        else:
            p = p - lr * mh
    return p, m, v


def adadelta_ref(p, gs, lr, rho, eps, wd, maximize):
    p = p.astype(np.float64)
    sq, acc = np.zeros_like(p), np.zeros_like(p)
    for g in gs:
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        g = g + wd * p
        sq = rho * sq + (1 - rho) * g * g
        d = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
        acc = rho * acc + (1 - rho) * d * d
        p = p - lr * d
    return p, sq, acc


ADAMAX_CASES = [  # lr, b1, b2, eps, wd, maximize
    (2e-3, 0.9, 0.999, 1e-8, 0.0, 0), (1e-2, 0.8, 0.99, 1e-6, 0.1, 0), (1e-2, 0.3, 0.6, 1e-8, 0.05, 1)]
NADAM_CASES = [  # lr, b1, b2, eps, wd, momentum_decay, decoupled, maximize
    (2e-3, 0.9, 0.999, 1e-8, 0.0, 4e-3, 0, 0), (1e-2, 0.8, 0.99, 1e-6, 0.1, 4e-3, 0, 0),
    (1e-2, 0.9, 0.999, 1e-8, 0.1, 0.1, 1, 0), (1e-2, 0.3, 0.6, 1e-8, 0.05, 4e-3, 0, 1)]
RADAM_CASES = [  # lr, b1, b2, eps, wd, decoupled, maximize
    (1e-3, 0.9, 0.999, 1e-8, 0.0, 0, 0), (1e-2, 0.8, 0.9, 1e-6, 0.1, 0, 0),
    (1e-2, 0.9, 0.9, 1e-8, 0.1, 1, 1), (1e-2, 0.3, 0.6, 1e-8, 0.0, 0, 0)]
ADADELTA_CASES = [  # lr, rho, eps, wd, maximize
    (1.0, 0.9, 1e-6, 0.0, 0), (0.5, 0.4, 1e-3, 0.1, 0), (1.0, 0.95, 1e-6, 0.05, 1)]


def _step(kind, case, dtype, n, p, g, s0, s1, t):
    """One single-tensor call: step t (1-based) of `kind` on p with state arrays s0, s1."""
    if kind == "adamax":
        fn("adamax_step", dtype)(n, wptr(p), rptr(g), wptr(s0), wptr(s1), *case, t)
    elif kind == "nadam":
        lr, b1, b2, eps, wd, md, decoupled, maximize = case
        fn("nadam_step", dtype)(n, wptr(p), rptr(g), wptr(s0), wptr(s1), *case, t, mu_products(b1, md, t)[-1])
    elif kind == "radam":
        fn("radam_step", dtype)(n, wptr(p), rptr(g), wptr(s0), wptr(s1), *case, t)
    else:
        fn("adadelta_step", dtype)(n, wptr(p), rptr(g), wptr(s0), wptr(s1), *case)


REFS = {"adamax": adamax_ref, "nadam": nadam_ref, "radam": radam_ref, "adadelta": adadelta_ref}
ALL_CASES = ([("adamax", c) for c in ADAMAX_CASES] + [("nadam", c) for c in NADAM_CASES]
             + [("radam", c) for c in RADAM_CASES] + [("adadelta", c) for c in ADADELTA_CASES])
ALL_IDS = [f"{k}-{i}" for i, (k, _) in enumerate(ALL_CASES)]


def close(got, want, dtype):
    tol = dict(rtol=5e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(got.astype(np.float64), want, **tol)


def _guarded(values, dtype):
    """values in a buffer followed by NaN guards; returns (buffer, view of the values)."""
    buf = np.full(len(values) + GUARD, np.nan, dtype=dtype)
    buf[:len(values)] = values
    return buf, buf[:len(values)]


@pytest.mark.parametrize("kind, case", ALL_CASES, ids=ALL_IDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_optim_more_step_matches_torch_algorithm(kind, case, dtype, n, rng):
    p0 = rng.standard_normal(n).astype(dtype)
    gs = [rng.standard_normal(n).astype(dtype) for _ in range(STEPS)]
    (pb, p), (b0, s0), (b1, s1) = _guarded(p0, dtype), _guarded(np.zeros(n), dtype), _guarded(np.zeros(n), dtype)
    for t, g in enumerate(gs, 1):
        _step(kind, case, dtype, n, p, g, s0, s1, t)
    want = REFS[kind](p0, gs, *case)
    for got, w in zip((p, s0, s1), want):
        close(got, w, dtype)
    for b in (pb, b0, b1):   # nothing written past the end
        assert np.isnan(b[n:]).all()


# ---- ISA levels, threads and multi-tensor calls: all bit-identical to the reference ----------
BIG = [0, 1, 15, 16, 17, 1029, 70_001, 300_007]


def _run_kernel(kind, case, dtype, n, seed, steps=STEPS):
    rng = np.random.default_rng(seed)
    p = rng.standard_normal(n).astype(dtype)
    st = [np.zeros(n, dtype) for _ in range(2)]
    for t in range(1, steps + 1):
        _step(kind, case, dtype, n, p, rng.standard_normal(n).astype(dtype), st[0], st[1], t)
    return [p] + st


@pytest.fixture
def threads_one():
    before = lib.fg_get_num_threads()
    lib.fg_set_num_threads(1)
    yield
    lib.fg_set_num_threads(before)


def _assert_bitwise(got, want):
    for a, b in zip(got, want):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("kind, case", ALL_CASES, ids=ALL_IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_optim_more_step_isa_matches_reference_bitwise(kind, case, dtype, isa, threads_one):
    for n in BIG:
        got = _run_kernel(kind, case, dtype, n, seed=n, steps=3 if n > 2000 else STEPS)
        lib.fg_set_isa(lib.FG_ISA_REFERENCE)
        try:
            want = _run_kernel(kind, case, dtype, n, seed=n, steps=3 if n > 2000 else STEPS)
        finally:
            lib.fg_set_isa(isa)
        _assert_bitwise(got, want)


@pytest.mark.parametrize("kind, case", ALL_CASES[::2], ids=ALL_IDS[::2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_optim_more_step_threads_match_one_thread_bitwise(kind, case, dtype, threads_one):
    n = 300_007   # above every optimizer's threading threshold
    want = _run_kernel(kind, case, dtype, n, seed=7, steps=3)
    for nt in (2, 3):
        lib.fg_set_num_threads(nt)
        _assert_bitwise(_run_kernel(kind, case, dtype, n, seed=7, steps=3), want)


MULTI_SIZES = [5, 0, 16, 33, 1029, 70_001]


def _ptrs(arrs, ctype):
    out = ffi.new(ctype + " *[]", len(arrs))
    for i, a in enumerate(arrs):
        out[i] = wptr(a)
    return out


@pytest.mark.parametrize("kind, case", ALL_CASES, ids=ALL_IDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nt", [1, 2])
def test_optim_more_step_multi_matches_single_bitwise(kind, case, dtype, nt, threads_one):
    """One multi-tensor call per step == one single-tensor call per tensor, with per-tensor step
    counts (and NAdam mu products) that differ between tensors; a size-0 entry is skipped."""
    ctype = "float" if dtype == np.float32 else "double"
    rng = np.random.default_rng(3)
    count = len(MULTI_SIZES)
    ps = [rng.standard_normal(n).astype(dtype) for n in MULTI_SIZES]
    gs = [rng.standard_normal(n).astype(dtype) for n in MULTI_SIZES]
    single = [p.copy() for p in ps]
    sst = [[np.zeros_like(p) for _ in range(2)] for p in ps]
    mst = [[np.zeros_like(p) for _ in range(2)] for p in ps]
    offsets = [0, 2, 0, 1, 3, 1]   # tensor i takes its first step at step offsets[i]
    lib.fg_set_num_threads(nt)
    for k in range(5):
        grads = [g * np.asarray(k + 1, dtype) for g in gs]
        active = [k >= o for o in offsets]
        for i, n in enumerate(MULTI_SIZES):
            if active[i]:
                _step(kind, case, dtype, n, single[i], grads[i], sst[i][0], sst[i][1], k - offsets[i] + 1)
        csz = ffi.new("int64_t[]", [n if a else 0 for n, a in zip(MULTI_SIZES, active)])
        pp, gp = _ptrs(ps, ctype), _ptrs(grads, ctype)
        s0, s1 = (_ptrs([st[j] for st in mst], ctype) for j in range(2))
        ts = [max(k - o + 1, 1) for o in offsets]
        steps = ffi.new("int64_t[]", ts)
        if kind == "adamax":
            fn("adamax_step_multi", dtype)(count, csz, pp, gp, s0, s1, steps, *case)
        elif kind == "nadam":
            lr, b1, b2, eps, wd, md, decoupled, maximize = case
            mps = ffi.new("double[]", [mu_products(b1, md, t)[-1] for t in ts])
            fn("nadam_step_multi", dtype)(count, csz, pp, gp, s0, s1, steps, mps, *case)
        elif kind == "radam":
            fn("radam_step_multi", dtype)(count, csz, pp, gp, s0, s1, steps, *case)
        else:
            fn("adadelta_step_multi", dtype)(count, csz, pp, gp, s0, s1, *case)
    for i in range(count):
        _assert_bitwise([ps[i]] + mst[i], [single[i]] + sst[i])
