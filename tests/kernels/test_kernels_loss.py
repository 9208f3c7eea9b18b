"""C-level tests of csrc/loss.c against numpy float64 closed forms (and torch when installed)."""
import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr, wptr

SIZES = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1029]
DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
RTOL = {np.float32: 2e-6, np.float64: 1e-13}


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[dtype]}")


def nans(shape, dtype):
    return np.full(shape, np.nan, dtype=dtype)


def close(got, want, dtype, rtol=None, atol=None):
    atol = (1e-6 if dtype == np.float32 else 1e-14) if atol is None else atol
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=rtol or RTOL[dtype],
                               atol=atol, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_mse_fwd_bwd_match_numpy(dtype, n, rng):
    x = rng.standard_normal(n).astype(dtype)
    t = rng.standard_normal(n).astype(dtype)
    d64 = x.astype(np.float64) - t
    s = fn("mse_fwd", dtype)(n, rptr(x), rptr(t))
    np.testing.assert_allclose(s, (d64 * d64).sum(), rtol=1e-13)
    dx = nans(n, dtype)
    fn("mse_bwd", dtype)(n, rptr(x), rptr(t), wptr(dx), 0.5 / max(n, 1))
    close(dx, d64 / max(n, 1), dtype)


def log_softmax64(x):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def ce_closed_form(x, target, w, ignore_index, ls):
    """torch's cross_entropy with reduction='none', its 'mean' denominator, and d loss_i/d x."""
    n, c = x.shape
    logp = log_softmax64(x)
    w64 = np.ones(c) if w is None else w.astype(np.float64)
    keep = target != ignore_index
    tt = np.where(keep, target, 0)
    coef = ls / c * np.broadcast_to(w64, (n, c)).copy()
    coef[np.arange(n), tt] += (1 - ls) * w64[tt]
    coef[~keep] = 0
    loss = -(coef * logp).sum(axis=1)
    wsum = np.where(keep, w64[tt], 0.0)
    grad = np.exp(logp) * coef.sum(axis=1, keepdims=True) - coef
    return logp, loss, wsum, grad


CE_CASES = [(0, 3), (1, 1), (1, 5), (7, 3), (8, 10), (17, 2), (33, 7), (1029, 4), (5, 1029)]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,c", CE_CASES)
def test_cross_entropy_fwd_bwd_match_closed_form(isa, weighted, ls, dtype, n, c, rng):
    x = (rng.standard_normal((n, c)) * 3).astype(dtype)
    target = rng.integers(0, c, n).astype(np.int64)
    ignore = -100
    if n > 2:
        target[1] = ignore
    w = rng.uniform(0.5, 2.0, c).astype(dtype) if weighted else None
    wp = rptr(w) if weighted else ffi.NULL
    logp, loss, wsum = nans((n, c), dtype), nans(n, dtype), nans(n, dtype)
    bad = fn("cross_entropy_fwd", dtype)(n, c, rptr(x), rptr(target), wp, wptr(logp), wptr(loss),
                                         wptr(wsum), ignore, ls)
    assert bad == -1
    want_logp, want_loss, want_wsum, want_grad = ce_closed_form(x, target, w, ignore, ls)
    close(logp, want_logp, dtype)
    close(loss, want_loss, dtype, atol=4e-6 if dtype == np.float32 else 1e-13)
    close(wsum, want_wsum, dtype)
    # per-sample upstream gradient (reduction='none') and a broadcast scalar (inc = 0)
    dl = rng.standard_normal(n).astype(dtype)
    for dloss, inc, scale in ((dl, 1, dl[:, None].astype(np.float64)), (np.array([0.25], dtype), 0, 0.25)):
        dx = nans((n, c), dtype)
        fn("cross_entropy_bwd", dtype)(n, c, rptr(logp), rptr(target), wp, rptr(dloss), inc,
                                       wptr(dx), ignore, ls)
        close(dx, scale * want_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_fwd_reports_bad_target(dtype):
    x = np.zeros((4, 3), dtype=dtype)
    logp, loss = nans((4, 3), dtype), nans(4, dtype)
    for bad_at, target in ((2, [0, 2, 3, 1]), (0, [-1, 0, 0, 0]), (-1, [0, -100, 2, 1])):
        t = np.array(target, dtype=np.int64)
        got = fn("cross_entropy_fwd", dtype)(4, 3, rptr(x), rptr(t), ffi.NULL, wptr(logp),
                                             wptr(loss), ffi.NULL, -100, 0.0)
        assert got == bad_at


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_fwd_stable_at_1e4(isa, dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4 + 3, -1e4 + 1]], dtype=dtype)
    t = np.array([1, 2], dtype=np.int64)
    logp, loss = nans(x.shape, dtype), nans(2, dtype)
    fn("cross_entropy_fwd", dtype)(2, 3, rptr(x), rptr(t), ffi.NULL, wptr(logp), wptr(loss),
                                   ffi.NULL, -100, 0.0)
    close(loss, ce_closed_form(x, t, None, -100, 0.0)[1], dtype, rtol=1e-6)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.2])
def test_cross_entropy_fwd_bwd_match_torch(reduction, weighted, ls, rng):
    torch = pytest.importorskip("torch")
    n, c = 13, 5
    x = rng.standard_normal((n, c))
    target = rng.integers(0, c, n).astype(np.int64)
    target[[2, 7]] = 3 if weighted else -100
    ignore = 3 if weighted else -100
    w = rng.uniform(0.5, 2, c) if weighted else None
    tx = torch.tensor(x, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor(target),
                                           weight=None if w is None else torch.tensor(w),
                                           ignore_index=ignore, reduction=reduction,
                                           label_smoothing=ls)
    g = torch.ones_like(tl) if reduction != "none" else torch.tensor(rng.standard_normal(n))
    tl.backward(g)
    logp, loss, wsum = nans((n, c), np.float64), nans(n, np.float64), nans(n, np.float64)
    wp = ffi.NULL if w is None else rptr(w)
    lib.fg_cross_entropy_fwd_f64(n, c, rptr(x), rptr(target), wp, wptr(logp), wptr(loss),
                                 wptr(wsum), ignore, ls)
    if reduction == "none":
        got, dloss, inc = loss, g.numpy().copy(), 1
    elif reduction == "sum":
        got, dloss, inc = loss.sum(), np.array([1.0]), 0
    else:
        got, dloss, inc = loss.sum() / wsum.sum(), np.array([1.0 / wsum.sum()]), 0
    np.testing.assert_allclose(got, tl.detach().numpy(), rtol=1e-12)
    dx = nans((n, c), np.float64)
    lib.fg_cross_entropy_bwd_f64(n, c, rptr(logp), rptr(target), wp, rptr(dloss), inc, wptr(dx),
                                 ignore, ls)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def bce64(p, t):
    p, t = p.astype(np.float64), t.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_bce_fwd_bwd_match_closed_form(dtype, n, rng):
    p = rng.uniform(0, 1, n).astype(dtype)
    t = rng.uniform(0, 1, n).astype(dtype)
    if n > 4:
        p[:4] = [0.0, 1.0, 0.0, 1.0]        # log clamps at -100
        t[:4] = [1.0, 0.0, 0.0, 1.0]
    loss, dp = nans(n, dtype), nans(n, dtype)
    fn("bce_fwd", dtype)(n, rptr(p), rptr(t), wptr(loss))
    close(loss, bce64(p, t), dtype)
    dy = rng.standard_normal(n).astype(dtype)
    fn("bce_bwd", dtype)(n, rptr(p), rptr(t), rptr(dy), 1, wptr(dp))
    p64 = p.astype(np.float64)
    want = dy * (p64 - t) / np.maximum(p64 * (1 - p64), np.float32(1e-12))
    close(dp, want, dtype, rtol=4e-6 if dtype == np.float32 else 1e-13)
    fn("bce_bwd", dtype)(n, rptr(p), rptr(t), rptr(dy), 0, wptr(dp))
    close(dp, dy[0] * (p64 - t) / np.maximum(p64 * (1 - p64), np.float32(1e-12)) if n else dp, dtype,
          rtol=4e-6 if dtype == np.float32 else 1e-13)


def test_bce_fwd_bwd_match_torch(rng):
    torch = pytest.importorskip("torch")
    p = np.concatenate([[0.0, 1.0, 1e-50, 1 - 1e-17], rng.uniform(0, 1, 20)])
    t = np.concatenate([[1.0, 0.0, 1.0, 0.0], rng.uniform(0, 1, 20)])
    tp = torch.tensor(p, requires_grad=True)
    tl = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(t), reduction="none")
    tl.backward(torch.ones_like(tl))
    loss, dp = nans(p.size, np.float64), nans(p.size, np.float64)
    lib.fg_bce_fwd_f64(p.size, rptr(p), rptr(t), wptr(loss))
    lib.fg_bce_bwd_f64(p.size, rptr(p), rptr(t), rptr(np.ones(1)), 0, wptr(dp))
    np.testing.assert_allclose(loss, tl.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(dp, tp.grad.numpy(), rtol=1e-14)


def bce_logits64(x, t, pw):
    x, t, pw = x.astype(np.float64), t.astype(np.float64), pw.astype(np.float64)
    lw = 1 + (pw - 1) * t
    return (1 - t) * x + lw * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))


@pytest.mark.parametrize("pw_mode", ["none", "scalar", "full"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_bce_logits_fwd_bwd_match_closed_form(pw_mode, dtype, n, rng):
    x = (rng.standard_normal(n) * 5).astype(dtype)
    if n > 4:
        x[:4] = [100.0, -100.0, 1e4, -1e4]
    t = rng.uniform(0, 1, n).astype(dtype)
    pw = {"none": np.ones(max(n, 1)), "scalar": np.full(max(n, 1), 2.5),
          "full": rng.uniform(0.5, 3, max(n, 1))}[pw_mode].astype(dtype)
    pwp, inc_pw = (ffi.NULL, 0) if pw_mode == "none" else (rptr(pw), 0 if pw_mode == "scalar" else 1)
    loss, dx = nans(n, dtype), nans(n, dtype)
    fn("bce_logits_fwd", dtype)(n, rptr(x), rptr(t), pwp, inc_pw, wptr(loss))
    # (1 - t) x and the log-sigmoid term cancel: a few ulp of |x| (1 + pw) absolute
    eps = np.finfo(dtype).eps
    want = bce_logits64(x, t, pw[:n])
    bound = 4 * eps * (np.abs(x.astype(np.float64)) * (1 + pw[:n]) + np.abs(want))
    err = np.abs(loss - want)
    assert (err <= bound).all()
    dy = rng.standard_normal(n).astype(dtype)
    fn("bce_logits_bwd", dtype)(n, rptr(x), rptr(t), pwp, inc_pw, rptr(dy), 1, wptr(dx))
    x64, t64, pw64 = x.astype(np.float64), t.astype(np.float64), pw[:n].astype(np.float64)
    with np.errstate(over="ignore"):
        sig = 1 / (1 + np.exp(-x64))
    close(dx, dy * ((1 + (pw64 - 1) * t64) * sig - pw64 * t64), dtype)


def test_bce_logits_fwd_bwd_match_torch(rng):
    torch = pytest.importorskip("torch")
    x = np.concatenate([[100.0, -100.0, 0.0, 40.0], rng.standard_normal(20) * 4]).reshape(4, 6)
    t = rng.uniform(0, 1, x.shape)
    pw = rng.uniform(0.5, 3, x.size)
    tx = torch.tensor(x, requires_grad=True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(
        tx, torch.tensor(t), pos_weight=torch.tensor(pw.reshape(x.shape)), reduction="none")
    tl.backward(torch.ones_like(tl))
    loss, dx = nans(x.size, np.float64), nans(x.size, np.float64)
    lib.fg_bce_logits_fwd_f64(x.size, rptr(x.ravel()), rptr(t.ravel()), rptr(pw), 1, wptr(loss))
    lib.fg_bce_logits_bwd_f64(x.size, rptr(x.ravel()), rptr(t.ravel()), rptr(pw), 1,
                              rptr(np.ones(1)), 0, wptr(dx))
    np.testing.assert_allclose(loss, tl.detach().numpy().ravel(), rtol=1e-13)
    np.testing.assert_allclose(dx, tx.grad.numpy().ravel(), rtol=1e-13, atol=1e-16)
