"""matrix_exp, vander (linalg's and torch's), linalg.diagonal, tensorinv, tensorsolve beyond the op-case
table: torch parity of values and gradients (float32 and float64, batched, large norms that need
squaring), low precision, empty and 1x1 inputs, and torch's errors."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck

torch = pytest.importorskip("torch")


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _check(f_ours, f_torch, a, rtol=1e-9, atol=1e-11, grad=True):
    x, t = fg.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)
    yo, yt = f_ours(x), f_torch(t)
    assert str(yo.dtype).split(".")[1] == str(yt.dtype).split(".")[1]
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    if grad:
        g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(a.dtype)
        yo.backward(fg.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol * 10, atol=atol * 10)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 20.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matrix_exp_matches_torch(scale, dtype):
    a = (_r(2, 3, 4, 4) * scale).astype(dtype)
    tol = dict(rtol=2e-5, atol=1e-5 * max(scale, 1) ** 2) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)
    if scale > 1:  # exp of a large-norm matrix: compare relative to its size
        tol["atol"] = float(np.abs(torch.linalg.matrix_exp(torch.tensor(a)).numpy()).max()) * tol["rtol"]
    _check(fg.linalg.matrix_exp, torch.linalg.matrix_exp, a, **tol, grad=scale <= 1)
    x = fg.tensor(a)
    np.testing.assert_allclose(x.matrix_exp().numpy(), fg.matrix_exp(x).numpy())


def test_matrix_exp_gradcheck_and_special_inputs():
    assert gradcheck(fg.linalg.matrix_exp, (fg.tensor(_r(3, 3) * 3, requires_grad=True),))
    np.testing.assert_allclose(fg.linalg.matrix_exp(fg.tensor([[2.0]])).item(), np.e ** 2)
    assert fg.linalg.matrix_exp(fg.zeros(0, 3, 3)).shape == (0, 3, 3)
    np.testing.assert_array_equal(fg.linalg.matrix_exp(fg.zeros(2, 3, 3)).numpy(),
                                  np.broadcast_to(np.eye(3), (2, 3, 3)))
    rot = np.array([[0.0, -np.pi], [np.pi, 0.0]])  # exp = -I
    np.testing.assert_allclose(fg.linalg.matrix_exp(fg.tensor(rot)).numpy(), -np.eye(2), atol=1e-14)
    view = fg.tensor(np.ascontiguousarray(_r(2, 3, 3).swapaxes(-1, -2))).mT
    np.testing.assert_allclose(fg.linalg.matrix_exp(view).numpy(),
                               fg.linalg.matrix_exp(fg.tensor(view.numpy().copy())).numpy(), rtol=1e-14)


def test_matrix_exp_low_precision_and_errors():
    a = _r(3, 3, seed=2) * 0.5
    ref = torch.linalg.matrix_exp(torch.tensor(a, dtype=torch.float32)).numpy()
    for dt in (fg.float16, fg.bfloat16):
        out = fg.linalg.matrix_exp(fg.tensor(a).to(dt))
        assert out.dtype == dt
        np.testing.assert_allclose(out.float().numpy(), ref, rtol=2e-2, atol=2e-2)
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3"):
        fg.linalg.matrix_exp(fg.zeros(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        fg.linalg.matrix_exp(fg.zeros(3))
    with pytest.raises(RuntimeError, match="Got Long"):
        fg.linalg.matrix_exp(fg.zeros(2, 2, dtype=fg.int64))


def test_vander_matches_torch():
    x = np.array([[0.0, 1.0, -2.0], [3.0, 0.5, 0.0]])
    _check(fg.linalg.vander, torch.linalg.vander, x)  # finite gradient at 0, as torch's cumprod
    _check(lambda t: fg.linalg.vander(t, N=5), lambda t: torch.linalg.vander(t, N=5), x)
    _check(lambda t: fg.linalg.vander(t, N=2), lambda t: torch.linalg.vander(t, N=2), x.astype(np.float32))
    np.testing.assert_array_equal(fg.linalg.vander(fg.tensor([1, 2, 3])).numpy(),
                                  torch.linalg.vander(torch.tensor([1, 2, 3])).numpy())
    for kw in ({}, {"N": 2}, {"N": 4, "increasing": True}, {"N": 0}, {"N": 1}):
        np.testing.assert_array_equal(fg.vander(fg.tensor([0.0, 1.0, 2.0]), **kw).numpy(),
                                      torch.vander(torch.tensor([0.0, 1.0, 2.0]), **kw).numpy())
    x = fg.tensor([0.5, 1.0, 2.0], dtype=fg.float64, requires_grad=True)
    assert gradcheck(lambda t: fg.vander(t), (x,))
    for bad in (lambda: fg.linalg.vander(fg.tensor([1.0, 2.0]), N=1), lambda: fg.linalg.vander(fg.tensor(1.0))):
        with pytest.raises(RuntimeError, match="N must be greater than 1"):
            bad()
    with pytest.raises(RuntimeError, match="one-dimensional"):
        fg.vander(fg.zeros(2, 2))


def test_diagonal_is_torch_linalg_diagonal():
    a = _r(2, 3, 4)
    for kw in ({}, {"offset": 1}, {"offset": -1, "dim1": 0, "dim2": 2}):
        _check(lambda t: fg.linalg.diagonal(t, **kw), lambda t: torch.linalg.diagonal(t, **kw), a)


def test_tensorinv_and_tensorsolve_match_torch():
    a = (_r(6, 6, seed=3) + 6 * np.eye(6)).reshape(2, 3, 6)
    _check(fg.linalg.tensorinv, torch.linalg.tensorinv, a)
    _check(lambda t: fg.linalg.tensorinv(t, ind=1), lambda t: torch.linalg.tensorinv(t, ind=1), a.reshape(6, 2, 3))
    b = _r(2, 3, seed=4)
    _check(lambda t: fg.linalg.tensorsolve(t, fg.tensor(b)), lambda t: torch.linalg.tensorsolve(t, torch.tensor(b)), a)
    a4 = (_r(6, 6, seed=5) + 6 * np.eye(6)).reshape(2, 3, 2, 3)
    _check(lambda t: fg.linalg.tensorsolve(t, fg.tensor(b), dims=(0,)),
           lambda t: torch.linalg.tensorsolve(t, torch.tensor(b), dims=(0,)), a4)
    x = fg.linalg.tensorsolve(fg.tensor(a), fg.tensor(b))
    np.testing.assert_allclose(np.tensordot(a, x.numpy(), x.ndim), b, atol=1e-12)
    with pytest.raises(RuntimeError, match=r"prod\(self.shape\[:ind\]\), but got 18 != 2"):
        fg.linalg.tensorinv(fg.zeros(2, 3, 6), ind=1)
    with pytest.raises(RuntimeError, match="strictly positive"):
        fg.linalg.tensorinv(fg.zeros(2, 3, 6), ind=0)
    with pytest.raises(RuntimeError, match="but got 5 != 6"):
        fg.linalg.tensorsolve(fg.zeros(2, 3, 5), fg.zeros(2, 3))
    with pytest.raises(fg.linalg.LinAlgError):
        fg.linalg.tensorsolve(fg.zeros(2, 3, 6), fg.zeros(2, 3))


def test_training_through_matrix_exp():
    """Learn a generator W so that exp(W) maps x to a rotated x (a Lie-algebra parametrisation)."""
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]], np.float32)
    x = fg.tensor(_r(32, 2, seed=6).astype(np.float32))
    y = x @ fg.tensor(rot).mT
    w = fg.zeros(2, 2, requires_grad=True)
    opt = fg.optim.Adam([w], lr=0.05)
    for _ in range(150):
        loss = ((x @ fg.linalg.matrix_exp(w - w.mT).mT - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-4
