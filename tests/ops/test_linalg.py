"""matmul / mm / bmm / linear: torch's rule matrix, errors, layouts (no copy of transposed
operands), integer tensors, and torch parity (skipped without torch)."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.functional as F
from fastgrad.autograd import gradcheck
from fastgrad.ops import linalg

RULES = [  # (a shape, b shape): every case of torch.matmul's dispatch
    ((4,), (4,)), ((4,), (4, 3)), ((2, 4), (4,)), ((2, 4), (4, 3)),
    ((5, 2, 4), (4,)), ((4,), (5, 4, 3)), ((5, 2, 4), (4, 3)), ((2, 4), (5, 4, 3)),
    ((5, 2, 4), (5, 4, 3)), ((5, 1, 2, 4), (3, 4, 3)), ((1, 2, 4), (5, 4, 3)), ((3, 1, 2, 4), (1, 6, 4, 3)),
    ((0, 2, 4), (4, 3)), ((2, 0), (0, 3)), ((1, 1), (1,)),
]


def _t(a, requires_grad=False, dtype=np.float64):
    return fg.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


@pytest.mark.parametrize("sa,sb", RULES, ids=[f"{a}x{b}" for a, b in RULES])
def test_matmul_rule_matrix_matches_numpy_and_gradcheck(rng, sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = _t(a, True), _t(b, True)
    out = F.matmul(x, y)
    np.testing.assert_allclose(out.numpy(force=True), np.matmul(a, b), rtol=1e-12, atol=1e-12)
    assert gradcheck(F.matmul, [x, y])


@pytest.mark.parametrize("sa,sb", RULES, ids=[f"{a}x{b}" for a, b in RULES])
def test_matmul_rule_matrix_matches_torch(rng, sa, sb):
    torch = pytest.importorskip("torch")
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = _t(a, True), _t(b, True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = x @ y, tx @ ty
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(tuple(tout.shape))
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_matmul_errors():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied"):
        F.matmul(_t(np.zeros((2, 3))), _t(np.zeros((4, 5))))
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3,\) and \(4,\) cannot be multiplied"):
        F.matmul(_t(np.zeros(3)), _t(np.zeros(4)))
    with pytest.raises(RuntimeError, match="not broadcastable"):
        F.matmul(_t(np.zeros((2, 3, 4))), _t(np.zeros((3, 4, 5))))
    with pytest.raises(RuntimeError, match="need to be at least 1D, but they are 0D and 1D"):
        F.matmul(_t(1.0), _t(np.zeros(3)))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        F.matmul(_t(np.zeros((2, 2)), dtype=np.float32), _t(np.zeros((2, 2))))
    with pytest.raises(TypeError, match=r"matmul\(\): argument 'other' \(position 2\) must be Tensor, not list"):
        F.matmul(_t(np.zeros((2, 2))), [1, 2])


def test_mm_bmm_errors():
    with pytest.raises(RuntimeError, match="self must be a matrix"):
        F.mm(_t(np.zeros(3)), _t(np.zeros((3, 3))))
    with pytest.raises(RuntimeError, match=r"mm: shapes \(2, 3\) and \(2, 3\) cannot be multiplied"):
        F.mm(_t(np.zeros((2, 3))), _t(np.zeros((2, 3))))
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        F.bmm(_t(np.zeros((3, 4))), _t(np.zeros((2, 4, 5))))
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor to be: "
                                           r"\[2, 4\] but got: \[3, 4\]."):
        F.bmm(_t(np.zeros((2, 3, 4))), _t(np.zeros((3, 4, 5))))


def test_matmul_integer_tensors_use_numpy_without_grad():
    a = fg.tensor(np.arange(6).reshape(2, 3))
    b = fg.tensor(np.arange(3))
    out = a @ b
    assert out.dtype == np.int64 and out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), np.arange(6).reshape(2, 3) @ np.arange(3))


def test_transposed_operand_is_passed_with_trans_flag_not_copied(rng):
    base = np.ascontiguousarray(rng.standard_normal((5, 3)))
    arr, trans, ld = linalg._operand(base.T)
    assert trans == 1 and arr is not None and np.shares_memory(arr, base) and ld == 3
    arr, trans, ld = linalg._operand(base)
    assert trans == 0 and arr is base and ld == 3
    batched = np.ascontiguousarray(rng.standard_normal((2, 5, 3)))
    arr, trans, ld, stride = linalg._batch_operand(np.swapaxes(batched, -1, -2), (2,))
    assert trans == 1 and np.shares_memory(arr, batched) and stride == 15


@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-5), (np.float64, 1e-12)])
def test_matmul_layouts_match_numpy(rng, dtype, tol):
    a = rng.standard_normal((6, 9)).astype(dtype)
    b = rng.standard_normal((9, 7)).astype(dtype)
    for x in (a, np.asfortranarray(a), a.T.copy().T):
        for y in (b, np.asfortranarray(b), np.repeat(b, 2, axis=1)[:, ::2]):
            out = F.matmul(fg.from_numpy(x), fg.from_numpy(y))
            assert out.dtype == dtype
            np.testing.assert_allclose(out.numpy(), a.astype(np.float64) @ b, rtol=tol, atol=tol * 10)


def test_matmul_batched_broadcast_gradient_is_summed(rng):
    a = _t(rng.standard_normal((2, 4)), True)
    b = _t(rng.standard_normal((3, 4, 5)), True)
    (a @ b).sum().backward()
    bt = np.swapaxes(b.numpy(force=True), 1, 2)
    np.testing.assert_allclose(a.grad.numpy(), (np.ones((2, 5)) @ bt).sum(0), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), np.broadcast_to(a.numpy(force=True).T @ np.ones((2, 5)), (3, 4, 5)),
                               rtol=1e-12)


# -- linear ------------------------------------------------------------------------------
def test_linear_matches_numpy_any_leading_dims(rng):
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((5, 4))
    b = rng.standard_normal(5)
    out = F.linear(_t(x), _t(w), _t(b))
    np.testing.assert_allclose(out.numpy(), x @ w.T + b, rtol=1e-12)
    assert gradcheck(F.linear, [_t(x, True), _t(w, True), _t(b, True)])


def test_linear_only_needed_gradients(rng):
    x = _t(rng.standard_normal((3, 4)))
    w = _t(rng.standard_normal((2, 4)), True)
    F.linear(x, w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), np.ones((3, 2)).T @ x.numpy(), rtol=1e-12)


def test_linear_broadcast_bias_falls_back(rng):
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((2, 4))
    b = rng.standard_normal((3, 1))
    out = F.linear(_t(x), _t(w), _t(b))
    np.testing.assert_allclose(out.numpy(), x @ w.T + b, rtol=1e-12)


def test_linear_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(3x5 and 4x4\)"):
        F.linear(_t(np.zeros((3, 5))), _t(np.zeros((4, 4))))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(_t(np.zeros((3, 5)), dtype=np.float32), _t(np.zeros((4, 5))))
    with pytest.raises(TypeError, match="must be Tensor"):
        F.linear(np.zeros((3, 5)), _t(np.zeros((4, 5))))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_matches_torch(rng, dtype):
    torch = pytest.importorskip("torch")
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((4, 7, 33), (17, 33), (17,)))
    ours = [_t(v, True, dtype) for v in (x, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w, b)]
    out = F.linear(*ours)
    tout = torch.nn.functional.linear(*theirs)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), **tol)
    g = rng.standard_normal(out.shape).astype(dtype)
    out.backward(_t(g, dtype=dtype))
    tout.backward(torch.tensor(g))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), **tol)
