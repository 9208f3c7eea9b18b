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
