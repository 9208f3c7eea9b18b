"""LU with partial pivoting beyond the op-case table: pivots and P equal torch's (LAPACK's row swaps),
lu_factor_ex's info, singular and rectangular inputs, empty batches and 1x1, transposed views,
gradcheck through lu / lu_factor / lu_solve, torch's errors and its older forms (torch.lu,
torch.lu_solve, torch.lu_unpack)."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck

torch = pytest.importorskip("torch")


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("shape", [(4, 4), (3, 6, 6), (5, 3), (3, 5), (2, 2, 4, 1), (1, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_factors_and_pivots_match_torch(shape, dtype):
    a = _r(*shape, seed=1).astype(dtype)
    ours, theirs = fg.linalg.lu_factor_ex(fg.tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.LU.numpy(), theirs.LU.numpy(), rtol=tol, atol=tol)
    np.testing.assert_array_equal(ours.pivots.numpy(), theirs.pivots.numpy())
    assert ours.pivots.dtype == fg.int32 and ours.info.dtype == fg.int32 and ours.LU.dtype == fg.tensor(a).dtype
    p, lo, u = fg.linalg.lu(fg.tensor(a))
    tp, tl, tu = torch.linalg.lu(torch.tensor(a))
    np.testing.assert_array_equal(p.numpy(), tp.numpy())
    np.testing.assert_allclose(lo.numpy(), tl.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(u.numpy(), tu.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose((p @ lo @ u).numpy(), a, rtol=tol * 10, atol=tol * 10)


def test_singular_inputs():
    a = np.stack([np.eye(3), np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])])
    ours, theirs = fg.linalg.lu_factor_ex(fg.tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
    np.testing.assert_array_equal(ours.info.numpy(), theirs.info.numpy())
    np.testing.assert_allclose(ours.LU.numpy(), theirs.LU.numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): U\[2,2\] is zero"):
        fg.linalg.lu_factor(fg.tensor(a))
    with pytest.raises(RuntimeError, match="is zero"):
        fg.linalg.lu_factor_ex(fg.tensor(a), check_errors=True)
    z = fg.linalg.lu(fg.zeros(2, 2))  # no error, as torch
    np.testing.assert_array_equal(z.U.numpy(), np.zeros((2, 2)))


def test_empty_and_transposed():
    for shape in [(0, 3, 3), (2, 0, 0), (3, 0), (0, 3)]:
        ours = fg.linalg.lu(fg.zeros(*shape))
        theirs = torch.linalg.lu(torch.zeros(shape))
        assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
        f = fg.linalg.lu_factor_ex(fg.zeros(*shape))
        tf = torch.linalg.lu_factor_ex(torch.zeros(shape))
        assert [tuple(t.shape) for t in f] == [tuple(t.shape) for t in tf]
    a = _r(3, 4, 4, seed=2)
    view = fg.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2))).mT
    assert not view._data.flags.c_contiguous
    np.testing.assert_array_equal(fg.linalg.lu_factor(view).LU.numpy(), fg.linalg.lu_factor(fg.tensor(a)).LU.numpy())
    b = fg.tensor(_r(4, 2, seed=3))
    np.testing.assert_allclose(fg.linalg.lu_solve(*fg.linalg.lu_factor(view), b).numpy(),
                               np.linalg.solve(a, b.numpy()), rtol=1e-10)


def test_gradcheck_float64():
    a = fg.tensor(_r(2, 4, 4, seed=4), requires_grad=True)
    t = fg.tensor(_r(5, 3, seed=5), requires_grad=True)
    w = fg.tensor(_r(3, 5, seed=6), requires_grad=True)
    b = fg.tensor(_r(4, 2, seed=7), requires_grad=True)
    assert gradcheck(lambda x: fg.linalg.lu_factor(x).LU, (a,))
    assert gradcheck(lambda x: fg.linalg.lu(x).L, (t,))
    assert gradcheck(lambda x: fg.linalg.lu(x).U, (t,))
    assert gradcheck(lambda x: (lambda r: r.L @ r.U)(fg.linalg.lu(x)), (w,))
    assert gradcheck(lambda x, y: fg.linalg.lu_solve(*fg.linalg.lu_factor(x), y), (a, b))
    assert gradcheck(lambda x, y: fg.linalg.lu_solve(*fg.linalg.lu_factor(x), y.mT, left=False, adjoint=True), (a, b))


def test_errors_match_torch():
    with pytest.raises(RuntimeError, match="LU without pivoting is not implemented on the CPU"):
        fg.linalg.lu_factor(fg.eye(3), pivot=False)
    with pytest.raises(RuntimeError, match="Expected tensor with 2 or more dimensions"):
        fg.linalg.lu(fg.zeros(3))
    for dt, tdt in ((fg.float16, torch.float16), (fg.int64, torch.int64)):
        with pytest.raises(NotImplementedError, match="lu_cpu"):
            fg.linalg.lu(fg.eye(3).to(dt))
        with pytest.raises(NotImplementedError):
            torch.linalg.lu(torch.eye(3).to(tdt))
    lu_, piv = fg.linalg.lu_factor(fg.eye(3))
    with pytest.raises(RuntimeError, match="int32"):
        fg.linalg.lu_solve(lu_, piv.long(), fg.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x2\)"):
        fg.linalg.lu_solve(lu_, piv, fg.ones(2, 2))
    with pytest.raises(RuntimeError, match="B must have at least 2 dimensions"):
        fg.linalg.lu_solve(lu_, piv, fg.ones(3))
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3"):
        fg.linalg.lu_solve(lu_[:2], piv[:2], fg.ones(2, 1))


@pytest.mark.filterwarnings("ignore:torch.lu")
def test_torch_older_forms():
    a = _r(4, 4, seed=8)
    b = _r(4, 2, seed=9)
    lu_, piv = fg.lu(fg.tensor(a))
    tlu, tpiv = torch.lu(torch.tensor(a))
    np.testing.assert_allclose(lu_.numpy(), tlu.numpy(), rtol=1e-12)
    assert len(fg.lu(fg.tensor(a), get_infos=True)) == 3
    np.testing.assert_allclose(fg.lu_solve(fg.tensor(b), lu_, piv).numpy(),
                               torch.lu_solve(torch.tensor(b), tlu, tpiv).numpy(), rtol=1e-10)
    np.testing.assert_allclose(fg.tensor(b).lu_solve(lu_, piv).numpy(), np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(fg.tensor(a).lu()[0].numpy(), tlu.numpy(), rtol=1e-12)
    ours, theirs = fg.lu_unpack(lu_, piv), torch.lu_unpack(tlu, tpiv)
    assert type(ours).__name__ == "lu_unpack"
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)
    x = fg.tensor(tlu.numpy(), requires_grad=True)
    tx = tlu.clone().requires_grad_()
    g = _r(4, 4, seed=10)
    (fg.lu_unpack(x, piv).L * fg.tensor(g)).sum().backward()
    (torch.lu_unpack(tx, tpiv).L * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_training_through_lu_solve():
    """Fit A so that A^-1 b matches targets, through lu_factor + lu_solve."""
    rng = np.random.default_rng(11)
    b = fg.tensor(rng.standard_normal((4, 8)).astype(np.float32))
    target = fg.tensor(np.linalg.solve(np.eye(4) * 2 + 0.3, b.numpy()).astype(np.float32))
    a = fg.tensor((np.eye(4) * 3).astype(np.float32), requires_grad=True)
    opt = fg.optim.Adam([a], lr=0.02)
    first = None
    for _ in range(200):
        loss = ((fg.linalg.lu_solve(*fg.linalg.lu_factor(a), b) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 1e-2 * first
