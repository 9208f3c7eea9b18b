"""torch.linalg's inverses, determinants and solvers beyond the op-case table
(tests/opcases_decomposition.py): the *_ex variants, torch's errors (singular and non-PD inputs as
LinAlgError, non-square, dtypes), empty batches, 1x1, transposed (non-contiguous) inputs, float32
kept, the top-level and Tensor-method aliases, and the torch.linalg namespace (every name here or
left out with a reason)."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck

# torch.linalg names fastgrad leaves out, and why (a provided name must not be listed)
LINALG_LEFT_OUT = {
    "eig": "complex results: fastgrad has no complex dtype",
    "eigvals": "complex results: fastgrad has no complex dtype",
    "common_notes": "torch's docstring fragments, not an API",
    "householder_product": "not there yet (qr gives Q directly)",
    "ldl_factor": "not there yet (cholesky / solve cover the symmetric cases)",
    "ldl_factor_ex": "not there yet (cholesky / solve cover the symmetric cases)",
    "ldl_solve": "not there yet (cholesky / solve cover the symmetric cases)",
}


def _wc(*shape, seed=0, dtype=np.float64):
    a = np.random.default_rng(seed).standard_normal(shape) + shape[-1] * np.eye(shape[-1])
    return a.astype(dtype)


def test_every_torch_linalg_name_is_here_or_left_out():
    torch = pytest.importorskip("torch")
    names = [n for n in dir(torch.linalg) if not n.startswith("_")]
    missing = [n for n in names if not hasattr(fg.linalg, n) and n not in LINALG_LEFT_OUT]
    assert not missing, f"torch.linalg names neither in fastgrad.linalg nor left out: {missing}"
    both = [n for n in LINALG_LEFT_OUT if hasattr(fg.linalg, n)]
    assert not both, f"provided but listed as left out: {both}"


def test_linalg_error_is_a_runtime_error():
    assert issubclass(fg.linalg.LinAlgError, RuntimeError)
    with pytest.raises(fg.linalg.LinAlgError, match=r"linalg.inv: \(Batch element 1\).*singular"):
        fg.linalg.inv(fg.tensor(np.stack([np.eye(2), np.zeros((2, 2))])))
    with pytest.raises(fg.linalg.LinAlgError, match="diagonal element 2 is zero"):
        fg.linalg.inv(fg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(fg.linalg.LinAlgError, match="singular"):
        fg.linalg.solve(fg.zeros(3, 3), fg.ones(3))
    with pytest.raises(fg.linalg.LinAlgError, match="leading minor of order 2 is not positive-definite"):
        fg.linalg.cholesky(fg.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(fg.linalg.LinAlgError, match="not positive-definite"):
        fg.linalg.cholesky(-fg.eye(3), upper=True)
    with pytest.raises(RuntimeError, match="singular"):
        fg.linalg.matrix_power(fg.zeros(2, 2), -1)


@pytest.mark.parametrize("fn", [fg.linalg.inv, fg.linalg.det, lambda a: fg.linalg.slogdet(a)[1], fg.linalg.cholesky,
                                fg.linalg.inv_ex, fg.linalg.cholesky_ex, fg.inverse, fg.logdet,
                                lambda a: fg.linalg.solve(a, fg.ones(2, 3)),
                                lambda a: fg.linalg.matrix_power(a, 2)])
def test_non_square_and_vector_inputs_raise_runtime_error(fn):
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3 matrices"):
        fn(fg.ones(2, 3))
    with pytest.raises(RuntimeError):
        fn(fg.ones(3))


def test_dtype_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [("inv", lambda L, a: L.inv(a)), ("det", lambda L, a: L.det(a)),
             ("slogdet", lambda L, a: L.slogdet(a)), ("cholesky", lambda L, a: L.cholesky(a)),
             ("solve", lambda L, a: L.solve(a, a)),
             ("solve_triangular", lambda L, a: L.solve_triangular(a, a, upper=True))]
    for name, f in cases:
        for fdt, tdt in ((fg.float16, torch.float16), (fg.bfloat16, torch.bfloat16), (fg.int64, torch.int64)):
            try:
                f(torch.linalg, torch.eye(2).to(tdt))
                raise AssertionError(f"torch accepted {name} {tdt}")
            except (RuntimeError, NotImplementedError) as e:
                expected = type(e)
            with pytest.raises(expected):
                f(fg.linalg, fg.eye(2).to(fdt))
    with pytest.raises(RuntimeError, match="same dtype"):
        fg.linalg.solve(fg.eye(2, dtype=fg.float64), fg.ones(2))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)"):
        fg.linalg.solve(fg.eye(2), fg.ones(3))
    with pytest.raises(RuntimeError, match="B must have at least 2 dimensions"):
        fg.linalg.solve_triangular(fg.eye(2), fg.ones(2), upper=True)
    with pytest.raises(TypeError):
        fg.linalg.matrix_power(fg.eye(2), 1.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32_and_values_match_numpy(dtype):
    a = _wc(2, 4, 4, dtype=dtype)
    b = np.random.default_rng(1).standard_normal((2, 4, 3)).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    A, B = fg.tensor(a), fg.tensor(b)
    for out, ref in [(fg.linalg.inv(A), np.linalg.inv(a)), (fg.linalg.det(A), np.linalg.det(a)),
                     (fg.linalg.slogdet(A).logabsdet, np.linalg.slogdet(a)[1]),
                     (fg.linalg.solve(A, B), np.linalg.solve(a, b)),
                     (fg.linalg.cholesky(A @ A.mT), np.linalg.cholesky(a @ np.swapaxes(a, -1, -2))),
                     (fg.linalg.matrix_power(A, 3), a @ a @ a)]:
        assert out.dtype == fg.tensor(a).dtype
        np.testing.assert_allclose(out.numpy(), ref, **tol)


def test_empty_batch_and_zero_size_matrices():
    for shape in [(0, 3, 3), (2, 0, 0)]:
        A = fg.zeros(*shape, dtype=fg.float64, requires_grad=True)
        assert fg.linalg.inv(A).shape == shape
        assert fg.linalg.cholesky(A).shape == shape
        assert fg.linalg.det(A).shape == shape[:1]
        assert fg.linalg.solve(A, fg.zeros(*shape[:-1], 2, dtype=fg.float64)).shape == shape[:-1] + (2,)
        assert fg.linalg.inv_ex(A).info.shape == shape[:1]
        (fg.linalg.inv(A).sum() + fg.linalg.det(A).sum()).backward()
        assert A.grad.shape == shape
    np.testing.assert_array_equal(fg.linalg.det(fg.zeros(2, 0, 0)).numpy(), [1.0, 1.0])  # as torch


def test_one_by_one():
    A = fg.tensor([[4.0]], dtype=fg.float64, requires_grad=True)
    np.testing.assert_allclose(fg.linalg.inv(A).item(), 0.25)
    np.testing.assert_allclose(fg.linalg.cholesky(A).item(), 2.0)
    np.testing.assert_allclose(fg.linalg.det(A).item(), 4.0)
    fg.linalg.cholesky(A).sum().backward()
    np.testing.assert_allclose(A.grad.item(), 0.25)  # d sqrt(a)/da


def test_transposed_inputs_match_contiguous():
    a = _wc(3, 4, 4, seed=2)
    at = np.ascontiguousarray(np.swapaxes(a, -1, -2))
    view = fg.tensor(at).mT  # a non-contiguous view holding a's values
    assert not view._data.flags.c_contiguous
    for f in (fg.linalg.inv, fg.linalg.det, lambda x: fg.linalg.slogdet(x)[1], lambda x: fg.linalg.cholesky(x @ x.mT),
              lambda x: fg.linalg.solve(x, x[..., :2]),
              lambda x: fg.linalg.solve_triangular(x, x[..., :2], upper=False)):
        np.testing.assert_allclose(f(view).numpy(), f(fg.tensor(a)).numpy(), rtol=1e-12, atol=1e-12)


def test_gradcheck_float64():
    a = fg.tensor(_wc(2, 3, 3, seed=3), requires_grad=True)
    b = fg.tensor(np.random.default_rng(4).standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda x: fg.linalg.inv(x), (a,))
    assert gradcheck(lambda x: fg.linalg.det(x), (a,))
    assert gradcheck(lambda x: fg.linalg.slogdet(x).logabsdet, (a,))
    assert gradcheck(lambda x, y: fg.linalg.solve(x, y), (a, b))
    assert gradcheck(lambda x, y: fg.linalg.solve(x, y.mT, left=False), (a, b))
    assert gradcheck(lambda x: fg.linalg.cholesky(x @ x.mT), (a,))
    assert gradcheck(lambda x: fg.linalg.cholesky(x @ x.mT, upper=True), (a,))
    assert gradcheck(lambda x, y: fg.linalg.solve_triangular(x, y, upper=True, unitriangular=True), (a, b))
    assert gradcheck(lambda x: fg.linalg.matrix_power(x, -3), (a,))
    assert gradcheck(lambda x: fg.linalg.matrix_power(x, 5), (a,))


def test_det_gradient_of_a_singular_matrix_is_the_adjugate():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 2.0]])  # rank 2
    A = fg.tensor(a, requires_grad=True)
    fg.linalg.det(A).backward()
    cof = np.array([[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j) for j in range(3)]
                    for i in range(3)])
    np.testing.assert_allclose(A.grad.numpy(), cof, atol=1e-12)
    assert np.abs(cof).max() > 0.1


def test_ex_variants_report_info_without_raising():
    torch = pytest.importorskip("torch")
    a = np.stack([np.eye(3), np.diag([1.0, 0.0, 2.0]), _wc(3, 3)])
    r = fg.linalg.inv_ex(fg.tensor(a))
    assert r.info.dtype == fg.int32
    np.testing.assert_array_equal(r.info.numpy(), torch.linalg.inv_ex(torch.tensor(a)).info.numpy())
    np.testing.assert_allclose(r.inverse.numpy()[2], np.linalg.inv(a[2]))
    assert np.isnan(r.inverse.numpy()[1]).all()
    with pytest.raises(fg.linalg.LinAlgError):
        fg.linalg.inv_ex(fg.tensor(a), check_errors=True)
    s = np.stack([np.eye(3), np.diag([1.0, -1.0, 2.0])])
    for upper in (False, True):
        c = fg.linalg.cholesky_ex(fg.tensor(s), upper=upper)
        np.testing.assert_array_equal(c.info.numpy(), torch.linalg.cholesky_ex(torch.tensor(s), upper=upper).info)
        np.testing.assert_allclose(c.L.numpy()[0], np.eye(3))
    x = fg.linalg.solve_ex(fg.tensor(a), fg.ones(3, dtype=fg.float64))
    np.testing.assert_array_equal(x.info.numpy(), [0, 2, 0])
    np.testing.assert_allclose(x.result.numpy()[2], np.linalg.solve(a[2], np.ones(3)))
    ok = fg.linalg.solve_ex(fg.tensor(a[2]), fg.ones(3, 2, dtype=fg.float64), left=True)
    assert ok.info.item() == 0
    for r in (fg.linalg.inv_ex(fg.eye(2)), fg.linalg.cholesky_ex(fg.eye(2)), ok):  # one matrix: a 0-d info
        assert r.info.shape == ()


def test_solve_triangular_zero_diagonal_gives_inf_not_error():
    x = fg.linalg.solve_triangular(fg.tensor([[1.0, 0.0], [1.0, 0.0]]), fg.ones(2, 1), upper=False)
    assert not np.isfinite(x.numpy()).all()


def test_logdet_and_slogdet_match_torch_including_negative_det():
    torch = pytest.importorskip("torch")
    a = np.array([[[-2.0, 0.3], [0.1, 1.0]], [[2.0, 0.3], [0.1, 1.0]]])
    A, T = fg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = fg.logdet(A), torch.logdet(T)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), equal_nan=True)
    ours[1].backward()
    theirs[1].backward()
    np.testing.assert_allclose(A.grad.numpy(), T.grad.numpy(), rtol=1e-12)
    s = fg.slogdet(A.detach())
    assert type(s).__name__ == "slogdet" and type(fg.linalg.slogdet(A)).__name__ == "linalg_slogdet"
    np.testing.assert_array_equal(s.sign.numpy(), torch.slogdet(T.detach()).sign.numpy())
    assert not fg.slogdet(A).sign.requires_grad and fg.slogdet(A).logabsdet.requires_grad


@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
def test_top_level_aliases_and_tensor_methods():
    torch = pytest.importorskip("torch")
    a = _wc(3, 3, seed=5)
    A, T = fg.tensor(a), torch.tensor(a)
    spd = a @ a.T
    for name in ("inverse", "det", "logdet"):
        np.testing.assert_allclose(getattr(A, name)().numpy(), getattr(T, name)().numpy(), rtol=1e-10)
        np.testing.assert_allclose(getattr(fg, name)(A).numpy(), getattr(torch, name)(T).numpy(), rtol=1e-10)
    np.testing.assert_allclose(A.matrix_power(3).numpy(), T.matrix_power(3).numpy(), rtol=1e-10)
    np.testing.assert_allclose(A.slogdet()[1].numpy(), T.slogdet()[1].numpy(), rtol=1e-10)
    for upper in (False, True):
        np.testing.assert_allclose(fg.tensor(spd).cholesky(upper).numpy(), torch.tensor(spd).cholesky(upper).numpy(),
                                   rtol=1e-10)
        np.testing.assert_allclose(fg.cholesky(fg.tensor(spd), upper=upper).numpy(),
                                   torch.linalg.cholesky(torch.tensor(spd), upper=upper).numpy(), rtol=1e-10)


def test_matrix_power_zero_and_integer_inputs():
    A = fg.tensor(_wc(2, 3, 3), requires_grad=True)
    y = fg.linalg.matrix_power(A, 0)
    np.testing.assert_array_equal(y.detach().numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)))
    y.sum().backward()
    np.testing.assert_array_equal(A.grad.numpy(), np.zeros((2, 3, 3)))
    m = fg.tensor([[1, 1], [0, 1]])
    np.testing.assert_array_equal(fg.linalg.matrix_power(m, 3).numpy(), [[1, 3], [0, 1]])
    assert fg.linalg.matrix_power(m, 3).dtype == fg.int64


def test_training_loop_through_solve_and_slogdet():
    """A Gaussian negative log-likelihood with a learned Cholesky-parametrised covariance trains."""
    rng = np.random.default_rng(0)
    x = fg.tensor((rng.standard_normal((64, 3)) @ np.diag([1.0, 2.0, 0.5])).astype(np.float32))
    w = fg.zeros(3, 3, requires_grad=True)
    opt = fg.optim.Adam([w], lr=0.05)
    losses = []
    for _ in range(60):
        cov = (fg.eye(3) + w) @ (fg.eye(3) + w).mT + 1e-3 * fg.eye(3)
        L = fg.linalg.cholesky(cov)
        z = fg.linalg.solve_triangular(L, x.mT, upper=False)
        loss = 0.5 * (z * z).sum() / 64 + fg.linalg.slogdet(cov).logabsdet * 0.5
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.3
