"""QR, eigh, SVD and what is built on them (pinv, lstsq, matrix_rank, cond) beyond the op-case table:
torch parity of sign-invariant quantities and of gradients through gauge-invariant losses, batched,
empty and 1x1 inputs, transposed views, torch's errors, the repeated-eigenvalue caveat, torch's
older forms (torch.qr, torch.svd, torch.pinverse) and the lstsq outputs per driver."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck

torch = pytest.importorskip("torch")


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _pair(a):
    return fg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check(f_ours, f_torch, a, rtol=1e-9, atol=1e-11):
    """Values and gradients (through a random cotangent) of f_ours vs f_torch on a."""
    x, t = _pair(a)
    yo, yt = f_ours(x), f_torch(t)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    yo.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5, 5), (1, 1)])
def test_eigh_matches_torch_on_invariants(shape):
    a = _r(*shape)
    _check(lambda x: fg.linalg.eigh(x + x.mT).eigenvalues, lambda x: torch.linalg.eigh(x + x.mT).eigenvalues, a)
    _check(lambda x: (lambda r: r[1] * r[0][..., None, :] @ r[1].mT)(fg.linalg.eigh(x.exp())),  # reconstruction
           lambda x: (lambda r: r[1] * r[0][..., None, :] @ r[1].mT)(torch.linalg.eigh(x.exp())), a)
    _check(lambda x: fg.linalg.eigh(x, UPLO="U")[1].abs(), lambda x: torch.linalg.eigh(x, UPLO="U")[1].abs(), a)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 2, 6, 3), (1, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_svd_matches_torch_on_invariants(shape, full):
    a = _r(*shape, seed=2)
    k = min(shape[-2:])

    def recon(lib):
        def f(x):
            u, s, vh = lib.linalg.svd(x, full_matrices=full)
            return (u[..., :k] * s[..., None, :]) @ vh[..., :k, :]
        return f
    _check(recon(fg), recon(torch), a)
    _check(lambda x: fg.linalg.svd(x, full_matrices=full).U[..., :k].abs(),
           lambda x: torch.linalg.svd(x, full_matrices=full).U[..., :k].abs(), a)
    _check(lambda x: fg.linalg.svd(x, full_matrices=full).Vh[..., :k, :] ** 2,
           lambda x: torch.linalg.svd(x, full_matrices=full).Vh[..., :k, :] ** 2, a)
    _check(fg.linalg.svdvals, torch.linalg.svdvals, a)
    r, tr = fg.linalg.svd(fg.tensor(a), full_matrices=full), torch.linalg.svd(torch.tensor(a), full_matrices=full)
    assert [tuple(t.shape) for t in r] == [tuple(t.shape) for t in tr]


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 2)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_matches_torch(shape, mode):
    a = _r(*shape, seed=3)
    if mode == "complete" and shape[-2] > shape[-1]:  # values only: torch has no gradient there
        q, r = fg.linalg.qr(fg.tensor(a), mode=mode)
        tq, tr = torch.linalg.qr(torch.tensor(a), mode=mode)
        np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
        np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), atol=1e-12)
        return
    _check(lambda x: fg.linalg.qr(x, mode=mode).Q, lambda x: torch.linalg.qr(x, mode=mode).Q, a)
    _check(lambda x: fg.linalg.qr(x, mode=mode).R, lambda x: torch.linalg.qr(x, mode=mode).R, a)
    _check(lambda x: (lambda r: r.Q.sum(-1, keepdim=True) * r.R[..., :1, :])(fg.linalg.qr(x, mode=mode)),
           lambda x: (lambda r: r.Q.sum(-1, keepdim=True) * r.R[..., :1, :])(torch.linalg.qr(x, mode=mode)), a)


def test_qr_mode_r_and_complete_tall_have_torch_backward_errors():
    x = fg.tensor(_r(5, 3), requires_grad=True)
    q, r = fg.linalg.qr(x, mode="r")
    assert q.shape == (0,) and r.shape == (3, 3)
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        fg.linalg.qr(x, mode="complete").R.sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode 'x'"):
        fg.linalg.qr(x, mode="x")


def test_gradcheck_float64():
    a = fg.tensor(_r(2, 4, 3, seed=4), requires_grad=True)
    s = fg.tensor(_r(3, 3, seed=5), requires_grad=True)
    assert gradcheck(lambda x: fg.linalg.svdvals(x), (a,))
    assert gradcheck(lambda x: (lambda r: r[0] @ r[2])(fg.linalg.svd(x, full_matrices=False)), (a,))
    assert gradcheck(lambda x: fg.linalg.qr(x).Q, (a,))
    assert gradcheck(lambda x: fg.linalg.qr(x.mT).R, (a,))
    assert gradcheck(lambda x: fg.linalg.pinv(x), (a,))
    assert gradcheck(lambda x: fg.linalg.eigh(x + x.mT).eigenvectors ** 2, (s,))
    assert gradcheck(lambda x: fg.linalg.eigvalsh(x + x.mT), (s,))
    assert gradcheck(lambda x: fg.linalg.cond(x), (s,))
    assert gradcheck(lambda x: fg.linalg.cond(x, "fro"), (s,))
    assert gradcheck(lambda x, y: fg.linalg.lstsq(x, y).solution, (a, fg.tensor(_r(2, 4, 2), requires_grad=True)))


def test_repeated_eigenvalues_follow_torch():
    """Eigenvalues' gradient is fine at a repeated eigenvalue; the eigenvectors' is not finite (as torch)."""
    a = np.diag([1.0, 1.0, 2.0])
    x, t = _pair(a)
    fg.linalg.eigvalsh(x).sum().backward()
    torch.linalg.eigvalsh(t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12)
    x, t = _pair(a)
    (fg.linalg.eigh(x).eigenvectors * fg.tensor(_r(3, 3))).sum().backward()
    (torch.linalg.eigh(t).eigenvectors * torch.tensor(_r(3, 3))).sum().backward()
    assert not np.isfinite(x.grad.numpy()).all() and not torch.isfinite(t.grad).all()


def test_empty_and_transposed_inputs():
    for shape in [(0, 3, 3), (2, 0, 0)]:
        a = fg.zeros(*shape, dtype=fg.float64)
        for ours, theirs in [(fg.linalg.eigh(a), torch.linalg.eigh(torch.zeros(shape, dtype=torch.float64))),
                             (fg.linalg.svd(a), torch.linalg.svd(torch.zeros(shape, dtype=torch.float64))),
                             (fg.linalg.qr(a), torch.linalg.qr(torch.zeros(shape, dtype=torch.float64)))]:
            assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
        assert fg.linalg.pinv(a).shape == shape
        assert fg.linalg.matrix_rank(a).shape == shape[:1]
    for shape in [(2, 0), (0, 2)]:
        ours, theirs = fg.linalg.svd(fg.zeros(*shape)), torch.linalg.svd(torch.zeros(shape))
        assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
        assert fg.linalg.pinv(fg.zeros(*shape)).shape == torch.linalg.pinv(torch.zeros(shape)).shape
    a = _r(3, 4, 4, seed=6)
    view = fg.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2))).mT
    assert not view._data.flags.c_contiguous
    for f in (fg.linalg.svdvals, lambda x: fg.linalg.qr(x).R, fg.linalg.pinv, lambda x: fg.linalg.eigvalsh(x),
              lambda x: fg.linalg.cond(x)):
        np.testing.assert_allclose(f(view).numpy(), f(fg.tensor(a)).numpy(), rtol=1e-12, atol=1e-12)


def test_float32_stays_float32():
    a = fg.tensor(_r(2, 4, 3).astype(np.float32))
    for out in (*fg.linalg.svd(a), *fg.linalg.qr(a), fg.linalg.pinv(a), *fg.linalg.eigh(a[..., :3, :]),
                fg.linalg.cond(a), fg.linalg.lstsq(a, a).solution):
        assert out.dtype == fg.float32
    np.testing.assert_allclose(fg.linalg.svdvals(a).numpy(), np.linalg.svd(a.numpy(), compute_uv=False), rtol=1e-5)


def test_errors_match_torch():
    cases = [lambda L, x: L.eigh(x), lambda L, x: L.eigvalsh(x), lambda L, x: L.cond(x, 1),
             lambda L, x: L.pinv(x, hermitian=True)]
    for f in cases:
        with pytest.raises(RuntimeError, match="square matrices, but they are 3 by 2 matrices"):
            f(fg.linalg, fg.ones(3, 2))
    with pytest.raises(RuntimeError, match="UPLO"):
        fg.linalg.eigh(fg.eye(2), UPLO="X")
    with pytest.raises(RuntimeError, match="driver"):
        fg.linalg.lstsq(fg.eye(2), fg.eye(2), driver="foo")
    with pytest.raises(RuntimeError, match="invalid norm type"):
        fg.linalg.cond(fg.eye(2), 3)
    ops = [("qr", lambda L, x: L.qr(x)), ("eigh", lambda L, x: L.eigh(x)), ("svd", lambda L, x: L.svd(x)),
           ("svdvals", lambda L, x: L.svdvals(x)), ("pinv", lambda L, x: L.pinv(x)),
           ("lstsq", lambda L, x: L.lstsq(x, x)), ("matrix_rank", lambda L, x: L.matrix_rank(x)),
           ("cond", lambda L, x: L.cond(x)), ("cond-fro", lambda L, x: L.cond(x, "fro"))]
    for name, f in ops:
        for fdt, tdt in ((fg.float16, torch.float16), (fg.bfloat16, torch.bfloat16), (fg.int64, torch.int64)):
            with pytest.raises(Exception) as theirs:
                f(torch.linalg, torch.eye(3).to(tdt))
            with pytest.raises(theirs.type):
                f(fg.linalg, fg.eye(3).to(fdt))


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [((6, 3), (6, 2)), ((2, 6, 3), (2, 6)), ((3, 5), (3, 2))])
def test_lstsq_outputs_match_torch(driver, shapes):
    a, b = _r(*shapes[0], seed=7), _r(*shapes[1], seed=8)
    if shapes[0][-2] < shapes[0][-1] and driver == "gels":
        return  # torch's gels needs full column rank for a unique solution
    ours = fg.linalg.lstsq(fg.tensor(a), fg.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    assert type(ours).__name__ == "linalg_lstsq"
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert str(o.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-10)


def test_pinv_tolerances_and_rank_match_torch():
    a = np.diag([3.0, 1e-3, 1e-9]) @ _r(3, 3, seed=9)
    for kw in ({}, {"rtol": 1e-2}, {"atol": 1e-2}, {"atol": 1e-5, "rtol": 1e-2}, {"hermitian": True}):
        x = a @ a.T if kw.get("hermitian") else a
        np.testing.assert_allclose(fg.linalg.pinv(fg.tensor(x), **kw).numpy(),
                                   torch.linalg.pinv(torch.tensor(x), **kw).numpy(), rtol=1e-8, atol=1e-10)
        r = fg.linalg.matrix_rank(fg.tensor(x), **kw)
        assert r.dtype == fg.int64 and r.item() == torch.linalg.matrix_rank(torch.tensor(x), **kw).item()
    rt = fg.tensor([1e-2, 1e-12])
    np.testing.assert_array_equal(fg.linalg.matrix_rank(fg.tensor(np.stack([a, a])), rtol=rt).numpy(),
                                  torch.linalg.matrix_rank(torch.tensor(np.stack([a, a])),
                                                           rtol=torch.tensor([1e-2, 1e-12])).numpy())
    np.testing.assert_allclose(fg.pinverse(fg.tensor(a)).numpy(), torch.pinverse(torch.tensor(a)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf"), float("-inf")])
def test_cond_matches_torch(p):
    a = _r(2, 3, 3, seed=10)
    np.testing.assert_allclose(fg.linalg.cond(fg.tensor(a), p).numpy(), torch.linalg.cond(torch.tensor(a), p).numpy(),
                               rtol=1e-10)
    if p in (None, 2, -2):
        _check(lambda x: fg.linalg.cond(x, p), lambda x: torch.linalg.cond(x, p), a)
    assert fg.linalg.cond(fg.zeros(2, 2), p if p not in (None, 2, -2) else "fro").item() == float("inf")


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
def test_torch_forms_and_methods():
    a = _r(5, 3, seed=11)
    A, T = fg.tensor(a), torch.tensor(a)
    for some in (True, False):
        q, r = fg.qr(A, some=some)
        tq, tr = torch.qr(T, some=some)
        assert type(fg.qr(A)).__name__ == "qr" and q.shape == tq.shape and r.shape == tr.shape
        np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), atol=1e-12)
        u, s, v = fg.svd(A, some=some)
        tu, ts, tv = torch.svd(T, some=some)
        assert u.shape == tu.shape and v.shape == tv.shape
        np.testing.assert_allclose(((u[:, :3] * s) @ v[:, :3].mT).numpy(), a, atol=1e-12)
    u, s, v = A.svd(compute_uv=False)
    tu, ts, tv = T.svd(compute_uv=False)
    assert u.shape == tu.shape and v.shape == tv.shape and not u.numpy().any()
    np.testing.assert_allclose(s.numpy(), ts.numpy(), rtol=1e-12)
    np.testing.assert_allclose(A.pinverse().numpy(), T.pinverse().numpy(), rtol=1e-10)
    np.testing.assert_allclose(A.qr()[1].abs().numpy(), T.qr()[1].abs().numpy(), rtol=1e-10)


def test_training_through_svd_and_eigh():
    """A loss on the spectrum trains: push a matrix's singular values and eigenvalues towards targets."""
    w = fg.tensor(_r(4, 4, seed=12).astype(np.float32), requires_grad=True)
    opt = fg.optim.SGD([w], lr=0.05)
    first = None
    for _ in range(100):
        s = fg.linalg.svdvals(w)
        e = fg.linalg.eigvalsh(w @ w.mT)
        loss = ((s - fg.tensor([4.0, 3.0, 2.0, 1.0])) ** 2).sum() + ((e - s.flip(0) ** 2) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 1e-2 * first


def test_non_finite_inputs_raise_linalg_error_as_torch():
    nan = np.full((3, 3), np.nan)
    for f in (lambda L, x: L.svd(x), lambda L, x: L.eigh(x), lambda L, x: L.pinv(x), lambda L, x: L.svdvals(x),
              lambda L, x: L.cholesky(x)):
        with pytest.raises(torch.linalg.LinAlgError):
            f(torch.linalg, torch.tensor(nan))
        with pytest.raises(fg.linalg.LinAlgError):
            f(fg.linalg, fg.tensor(nan))
    np.testing.assert_array_equal(fg.linalg.cholesky_ex(fg.tensor(nan)).info.numpy(),
                                  torch.linalg.cholesky_ex(torch.tensor(nan)).info.numpy())
    assert np.isnan(fg.linalg.matrix_exp(fg.tensor(nan)).numpy()).all()
