"""C-level tests of csrc/optim.c: several steps against a numpy transcription of torch's
documented algorithms (computed in float64), and against torch.optim itself when installed."""
import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr, wptr

SIZES = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1029]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
STEPS = 5


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[dtype]}")


def close(got, want, dtype):
    tol = dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got.astype(np.float64), want, **tol)


def grads(n, rng, dtype):
    return [rng.standard_normal(n).astype(dtype) for _ in range(STEPS)]


# ---- numpy transcriptions of torch's single-tensor algorithms (float64) ----------------------
def sgd_ref(p, gs, lr, momentum, dampening, wd, nesterov, maximize):
    p, buf = p.astype(np.float64), None
    for g in gs:
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        g = g + wd * p
        if momentum != 0:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def adam_ref(p, gs, lr, b1, b2, eps, wd, decoupled, amsgrad, maximize):
    p = p.astype(np.float64)
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(gs, 1):
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        vv = vmax if amsgrad else v
        p = p - lr / (1 - b1 ** t) * m / (np.sqrt(vv) / np.sqrt(1 - b2 ** t) + eps)
    return p, m, v


def rmsprop_ref(p, gs, lr, alpha, eps, wd, momentum, centered, maximize):
    p = p.astype(np.float64)
    sq, ga, buf = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in gs:
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        g = g + wd * p
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = np.sqrt(sq - ga * ga) + eps
        else:
            avg = np.sqrt(sq) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
    return p


def adagrad_ref(p, gs, lr, lr_decay, wd, eps, maximize):
    p = p.astype(np.float64)
    s = np.zeros_like(p)
    for t, g in enumerate(gs, 1):
        g = -g.astype(np.float64) if maximize else g.astype(np.float64)
        g = g + wd * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


SGD_CASES = [  # lr, momentum, dampening, wd, nesterov, maximize
    (0.1, 0.0, 0.0, 0.0, 0, 0), (0.05, 0.9, 0.0, 0.0, 0, 0), (0.05, 0.9, 0.1, 1e-2, 0, 0),
    (0.05, 0.9, 0.0, 1e-2, 1, 0), (0.1, 0.5, 0.0, 0.0, 0, 1), (0.1, 0.0, 0.0, 0.1, 0, 1),
]


@pytest.mark.parametrize("case", SGD_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_sgd_step_matches_torch_algorithm(case, dtype, n, rng):
    lr, mom, damp, wd, nesterov, maximize = case
    p0 = rng.standard_normal(n).astype(dtype)
    gs = grads(n, rng, dtype)
    p = p0.copy()
    buf = np.full(n, np.nan, dtype=dtype)      # first step must overwrite it
    for k, g in enumerate(gs):
        fn("sgd_step", dtype)(n, wptr(p), rptr(g), wptr(buf) if mom else ffi.NULL, lr, mom, damp,
                              wd, nesterov, maximize, int(k == 0))
    close(p, sgd_ref(p0, gs, lr, mom, damp, wd, nesterov, maximize), dtype)


ADAM_CASES = [  # lr, b1, b2, eps, wd, decoupled, amsgrad, maximize
    (1e-3, 0.9, 0.999, 1e-8, 0.0, 0, 0, 0), (1e-2, 0.8, 0.99, 1e-6, 0.1, 0, 0, 0),
    (1e-2, 0.9, 0.999, 1e-8, 0.01, 1, 0, 0), (1e-2, 0.9, 0.999, 1e-8, 0.0, 0, 1, 0),
    (1e-2, 0.9, 0.99, 1e-8, 0.05, 1, 1, 1), (1e-2, 0.3, 0.6, 1e-8, 0.0, 0, 0, 0),
]


@pytest.mark.parametrize("case", ADAM_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_adam_step_matches_torch_algorithm(case, dtype, n, rng):
    lr, b1, b2, eps, wd, decoupled, amsgrad, maximize = case
    p0 = rng.standard_normal(n).astype(dtype)
    gs = grads(n, rng, dtype)
    p, m, v, vmax = p0.copy(), np.zeros(n, dtype), np.zeros(n, dtype), np.zeros(n, dtype)
    for t, g in enumerate(gs, 1):
        fn("adam_step", dtype)(n, wptr(p), rptr(g), wptr(m), wptr(v),
                               wptr(vmax) if amsgrad else ffi.NULL, lr, b1, b2, eps, wd,
                               decoupled, maximize, t)
    wp, wm, wv = adam_ref(p0, gs, lr, b1, b2, eps, wd, decoupled, amsgrad, maximize)
    close(p, wp, dtype)
    close(m, wm, dtype)
    close(v, wv, dtype)


RMS_CASES = [  # lr, alpha, eps, wd, momentum, centered, maximize
    (1e-2, 0.99, 1e-8, 0.0, 0.0, 0, 0), (1e-2, 0.9, 1e-6, 0.1, 0.0, 0, 0),
    (1e-2, 0.99, 1e-8, 0.0, 0.9, 0, 0), (1e-2, 0.9, 1e-8, 0.0, 0.0, 1, 0),
    (1e-2, 0.9, 1e-8, 0.01, 0.5, 1, 1),
]


@pytest.mark.parametrize("case", RMS_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_rmsprop_step_matches_torch_algorithm(case, dtype, n, rng):
    lr, alpha, eps, wd, mom, centered, maximize = case
    p0 = rng.standard_normal(n).astype(dtype)
    gs = grads(n, rng, dtype)
    p, sq, ga, buf = p0.copy(), np.zeros(n, dtype), np.zeros(n, dtype), np.zeros(n, dtype)
    for g in gs:
        fn("rmsprop_step", dtype)(n, wptr(p), rptr(g), wptr(sq), wptr(ga) if centered else ffi.NULL,
                                  wptr(buf) if mom > 0 else ffi.NULL, lr, alpha, eps, wd, mom,
                                  maximize)
    close(p, rmsprop_ref(p0, gs, lr, alpha, eps, wd, mom, centered, maximize), dtype)


ADAGRAD_CASES = [(1e-2, 0.0, 0.0, 1e-10, 0), (1e-1, 0.1, 0.05, 1e-6, 0), (1e-2, 0.0, 0.0, 1e-10, 1)]


@pytest.mark.parametrize("case", ADAGRAD_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_adagrad_step_matches_torch_algorithm(case, dtype, n, rng):
    lr, lr_decay, wd, eps, maximize = case
    p0 = rng.standard_normal(n).astype(dtype)
    gs = grads(n, rng, dtype)
    p, s = p0.copy(), np.zeros(n, dtype)
    for t, g in enumerate(gs, 1):
        fn("adagrad_step", dtype)(n, wptr(p), rptr(g), wptr(s), lr, lr_decay, wd, eps, maximize, t)
    close(p, adagrad_ref(p0, gs, lr, lr_decay, wd, eps, maximize), dtype)


# ---- parity with torch.optim itself (float32 and float64) ------------------------------------
def _torch_run(torch, make_opt, p0, gs):
    tp = torch.nn.Parameter(torch.tensor(p0.copy()))
    opt = make_opt([tp])
    for g in gs:
        tp.grad = torch.tensor(g)
        opt.step()
    return tp.detach().numpy()


def _torch_close(got, want, dtype):
    # same operation order as torch: float32 agrees to a couple of ulp after several steps
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("case", SGD_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_step_matches_torch(case, dtype, rng):
    torch = pytest.importorskip("torch")
    lr, mom, damp, wd, nesterov, maximize = case
    n = 37
    p0, gs = rng.standard_normal(n).astype(dtype), grads(n, rng, dtype)
    want = _torch_run(torch, lambda ps: torch.optim.SGD(ps, lr=lr, momentum=mom, dampening=damp,
                                                         weight_decay=wd, nesterov=bool(nesterov),
                                                         maximize=bool(maximize)), p0, gs)
    p, buf = p0.copy(), np.zeros(n, dtype)
    for k, g in enumerate(gs):
        fn("sgd_step", dtype)(n, wptr(p), rptr(g), wptr(buf), lr, mom, damp, wd, nesterov,
                              maximize, int(k == 0))
    _torch_close(p, want, dtype)


@pytest.mark.parametrize("case", ADAM_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_step_matches_torch(case, dtype, rng):
    torch = pytest.importorskip("torch")
    lr, b1, b2, eps, wd, decoupled, amsgrad, maximize = case
    n = 37
    p0, gs = rng.standard_normal(n).astype(dtype), grads(n, rng, dtype)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    want = _torch_run(torch, lambda ps: cls(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd,
                                            amsgrad=bool(amsgrad), maximize=bool(maximize),
                                            foreach=False), p0, gs)
    p, m, v, vmax = p0.copy(), np.zeros(n, dtype), np.zeros(n, dtype), np.zeros(n, dtype)
    for t, g in enumerate(gs, 1):
        fn("adam_step", dtype)(n, wptr(p), rptr(g), wptr(m), wptr(v), wptr(vmax) if amsgrad else
                               ffi.NULL, lr, b1, b2, eps, wd, decoupled, maximize, t)
    _torch_close(p, want, dtype)


@pytest.mark.parametrize("case", RMS_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_rmsprop_step_matches_torch(case, dtype, rng):
    torch = pytest.importorskip("torch")
    lr, alpha, eps, wd, mom, centered, maximize = case
    n = 37
    p0, gs = rng.standard_normal(n).astype(dtype), grads(n, rng, dtype)
    want = _torch_run(torch, lambda ps: torch.optim.RMSprop(
        ps, lr=lr, alpha=alpha, eps=eps, weight_decay=wd, momentum=mom, centered=bool(centered),
        maximize=bool(maximize), foreach=False), p0, gs)
    p, sq, ga, buf = p0.copy(), np.zeros(n, dtype), np.zeros(n, dtype), np.zeros(n, dtype)
    for g in gs:
        fn("rmsprop_step", dtype)(n, wptr(p), rptr(g), wptr(sq), wptr(ga) if centered else ffi.NULL,
                                  wptr(buf) if mom > 0 else ffi.NULL, lr, alpha, eps, wd, mom,
                                  maximize)
    _torch_close(p, want, dtype)


@pytest.mark.parametrize("case", ADAGRAD_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_adagrad_step_matches_torch(case, dtype, rng):
    torch = pytest.importorskip("torch")
    lr, lr_decay, wd, eps, maximize = case
    n = 37
    p0, gs = rng.standard_normal(n).astype(dtype), grads(n, rng, dtype)
    want = _torch_run(torch, lambda ps: torch.optim.Adagrad(
        ps, lr=lr, lr_decay=lr_decay, weight_decay=wd, eps=eps, maximize=bool(maximize),
        foreach=False), p0, gs)
    p, s = p0.copy(), np.zeros(n, dtype)
    for t, g in enumerate(gs, 1):
        fn("adagrad_step", dtype)(n, wptr(p), rptr(g), wptr(s), lr, lr_decay, wd, eps, maximize, t)
    _torch_close(p, want, dtype)


# ---- ISA levels, threads and multi-tensor calls: all bit-identical to the reference ----------
# sizes around the SIMD widths, and ones large enough to be split over threads
BIG = [0, 1, 15, 16, 17, 1029, 70_001, 300_007]


def _run_kernel(kind, case, dtype, n, seed, steps=3):
    """p and the state arrays after `steps` single-tensor calls (state starts at 0, buf at NaN)."""
    rng = np.random.default_rng(seed)
    p = rng.standard_normal(n).astype(dtype)
    st = [np.zeros(n, dtype) for _ in range(3)]
    for t in range(1, steps + 1):
        g = rng.standard_normal(n).astype(dtype)
        if kind == "sgd":
            lr, mom, damp, wd, nesterov, maximize = case
            fn("sgd_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]) if mom else ffi.NULL, lr, mom, damp, wd,
                                  nesterov, maximize, int(t == 1))
        elif kind == "adam":
            lr, b1, b2, eps, wd, decoupled, amsgrad, maximize = case
            fn("adam_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]), wptr(st[1]),
                                   wptr(st[2]) if amsgrad else ffi.NULL, lr, b1, b2, eps, wd, decoupled, maximize, t)
        elif kind == "rmsprop":
            lr, alpha, eps, wd, mom, centered, maximize = case
            fn("rmsprop_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]), wptr(st[1]) if centered else ffi.NULL,
                                      wptr(st[2]) if mom > 0 else ffi.NULL, lr, alpha, eps, wd, mom, maximize)
        else:
            lr, lr_decay, wd, eps, maximize = case
            fn("adagrad_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]), lr, lr_decay, wd, eps, maximize, t)
    return [p] + st


ALL_CASES = ([("sgd", c) for c in SGD_CASES] + [("adam", c) for c in ADAM_CASES] +
             [("rmsprop", c) for c in RMS_CASES] + [("adagrad", c) for c in ADAGRAD_CASES])
ALL_IDS = [f"{k}-{i}" for i, (k, _) in enumerate(ALL_CASES)]


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
def test_optim_step_isa_matches_reference_bitwise(kind, case, dtype, isa, threads_one):
    for n in BIG:
        got = _run_kernel(kind, case, dtype, n, seed=n)
        lib.fg_set_isa(lib.FG_ISA_REFERENCE)
        try:
            want = _run_kernel(kind, case, dtype, n, seed=n)
        finally:
            lib.fg_set_isa(isa)
        _assert_bitwise(got, want)


@pytest.mark.parametrize("kind, case", ALL_CASES, ids=ALL_IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_optim_step_threads_match_one_thread_bitwise(kind, case, dtype, isa, threads_one):
    n = 300_007   # above every optimizer's threading threshold
    want = _run_kernel(kind, case, dtype, n, seed=7)
    for nt in (2, 3):
        lib.fg_set_num_threads(nt)
        _assert_bitwise(_run_kernel(kind, case, dtype, n, seed=7), want)


# a 0-size tensor, and sizes whose per-tensor thread slices (optim_run) end mid-block
MULTI_SIZES = [5, 0, 16, 33, 1029, 70_001, 300_007]


def _multi_inputs(dtype, seed):
    rng = np.random.default_rng(seed)
    ps = [rng.standard_normal(n).astype(dtype) for n in MULTI_SIZES]
    gs = [rng.standard_normal(n).astype(dtype) for n in MULTI_SIZES]
    return ps, gs


def _ptrs(arrs, ctype):
    out = ffi.new(ctype + " *[]", len(arrs))
    for i, a in enumerate(arrs):
        out[i] = wptr(a)
    return out


@pytest.mark.parametrize("kind, case", ALL_CASES, ids=ALL_IDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nt", [1, 2, 3])
def test_optim_step_multi_matches_single_bitwise(kind, case, dtype, nt, isa, threads_one):
    """One multi-tensor call per step == one single-tensor call per tensor, with per-tensor first
    flags (SGD) and step counts (Adam, Adagrad) that differ between tensors."""
    ctype = "float" if dtype == np.float32 else "double"
    count = len(MULTI_SIZES)
    ps, gs = _multi_inputs(dtype, 3)
    single = [p.copy() for p in ps]
    sst = [[np.zeros_like(p) for _ in range(3)] for p in ps]
    mst = [[np.zeros_like(p) for _ in range(3)] for p in ps]
    offsets = [0, 2, 0, 1, 3, 0, 1]   # tensor i starts (first / step 1) at step offsets[i]
    lib.fg_set_num_threads(nt)
    for k in range(4):
        grads = [g * np.asarray(k + 1, dtype) for g in gs]
        active = [k >= o for o in offsets]
        # reference: single-tensor calls for the active tensors
        for i, n in enumerate(MULTI_SIZES):
            if not active[i]:
                continue
            t = k - offsets[i] + 1
            p, g, st = single[i], grads[i], sst[i]
            if kind == "sgd":
                lr, mom, damp, wd, nesterov, maximize = case
                fn("sgd_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]), lr, mom, damp, wd, nesterov, maximize,
                                      int(t == 1))
            elif kind == "adam":
                lr, b1, b2, eps, wd, decoupled, amsgrad, maximize = case
                fn("adam_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]), wptr(st[1]),
                                       wptr(st[2]) if amsgrad else ffi.NULL, lr, b1, b2, eps, wd, decoupled,
                                       maximize, t)
            elif kind == "rmsprop":
                lr, alpha, eps, wd, mom, centered, maximize = case
                fn("rmsprop_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]), wptr(st[1]) if centered else ffi.NULL,
                                          wptr(st[2]) if mom > 0 else ffi.NULL, lr, alpha, eps, wd, mom, maximize)
            else:
                lr, lr_decay, wd, eps, maximize = case
                fn("adagrad_step", dtype)(n, wptr(p), rptr(g), wptr(st[0]), lr, lr_decay, wd, eps, maximize, t)
        # one multi call; inactive tensors get size 0
        csz = ffi.new("int64_t[]", [n if a else 0 for n, a in zip(MULTI_SIZES, active)])
        pp, gp = _ptrs(ps, ctype), _ptrs(grads, ctype)
        s0, s1, s2 = (_ptrs([st[j] for st in mst], ctype) for j in range(3))
        steps = ffi.new("int64_t[]", [max(k - o + 1, 1) for o in offsets])
        if kind == "sgd":
            first = ffi.new("int[]", [int(k == o) for o in offsets])
            fn("sgd_step_multi", dtype)(count, csz, pp, gp, s0, first, *case)
        elif kind == "adam":
            lr, b1, b2, eps, wd, decoupled, amsgrad, maximize = case
            fn("adam_step_multi", dtype)(count, csz, pp, gp, s0, s1, s2 if amsgrad else ffi.NULL, steps,
                                         lr, b1, b2, eps, wd, decoupled, maximize)
        elif kind == "rmsprop":
            lr, alpha, eps, wd, mom, centered, maximize = case
            fn("rmsprop_step_multi", dtype)(count, csz, pp, gp, s0, s1 if centered else ffi.NULL,
                                            s2 if mom > 0 else ffi.NULL, lr, alpha, eps, wd, mom, maximize)
        else:
            fn("adagrad_step_multi", dtype)(count, csz, pp, gp, s0, steps, *case)
    for i in range(count):
        _assert_bitwise([ps[i]] + mst[i], [single[i]] + sst[i])
