"""The products beyond the op-case table: Tensor methods, beta=0 (input ignored, as torch),
cross's deprecated default dim, multi_dot's 1-D ends and order, integer operands, the
fastgrad.linalg namespace, and torch's errors naming the op and both shapes."""
import warnings

import numpy as np
import pytest

import fastgrad as fg


def _r(*shape, seed=0):
    return fg.tensor(np.random.default_rng(seed).standard_normal(shape))


def test_namespace_and_methods_exist():
    for name in ("norm", "vector_norm", "matrix_norm", "matmul", "vecdot", "cross", "multi_dot"):
        assert callable(getattr(fg.linalg, name))
    for name in ("outer", "ger", "dot", "vdot", "inner", "mv", "addmm", "addmv", "addbmm", "baddbmm", "kron",
                 "cross", "norm"):
        assert callable(getattr(fg.Tensor, name))
    for name in ("einsum", "outer", "ger", "dot", "vdot", "inner", "mv", "addmm", "addmv", "addbmm", "baddbmm",
                 "kron", "cross", "tensordot", "chain_matmul", "cdist", "norm"):
        assert callable(getattr(fg, name))
    import fastgrad.nn.functional as NF
    for name in ("normalize", "cosine_similarity", "pairwise_distance", "one_hot"):
        assert callable(getattr(NF, name))


def test_beta_zero_ignores_nan_input():
    c = fg.full((2, 3), float("nan"), dtype=fg.float64)
    a, b = _r(2, 4), _r(4, 3, seed=1)
    out = fg.addmm(c, a, b, beta=0, alpha=2)
    np.testing.assert_allclose(out.numpy(), 2 * a.numpy() @ b.numpy(), rtol=1e-12)
    out = fg.baddbmm(fg.full((2, 2, 3), float("nan"), dtype=fg.float64), _r(2, 2, 4), _r(2, 4, 3), beta=0)
    assert np.isfinite(out.numpy()).all()


def test_cross_default_dim_is_first_size_3_with_warning():
    a, b = _r(4, 3, 3), _r(4, 3, 3, seed=1)
    with pytest.warns(UserWarning, match="dim"):
        out = fg.cross(a, b)
    np.testing.assert_allclose(out.numpy(), np.cross(a.numpy(), b.numpy(), axis=1), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(a.cross(b, dim=2).numpy(), np.cross(a.numpy(), b.numpy(), axis=2), rtol=1e-12)
        np.testing.assert_allclose(fg.linalg.cross(a, b).numpy(), np.cross(a.numpy(), b.numpy()), rtol=1e-12)


def test_multi_dot_forms_and_cheapest_order():
    a, b, c = _r(10, 100), _r(100, 5, seed=1), _r(5, 50, seed=2)
    out = fg.linalg.multi_dot([a, b, c])
    np.testing.assert_allclose(out.numpy(), a.numpy() @ b.numpy() @ c.numpy(), rtol=1e-10)
    v, w = _r(10, seed=3), _r(50, seed=4)
    assert fg.linalg.multi_dot([v, a, b, c, w]).shape == ()
    assert fg.linalg.multi_dot([v, a, b]).shape == (5,)
    assert fg.linalg.multi_dot([a, b, c, w]).shape == (10,)
    from fastgrad.functional.products import _order
    split = _order([(10, 100), (100, 5), (5, 50)])
    assert split[0][2] == 1  # (A B) C: 10*100*5 + 10*5*50 < 100*5*50 + 10*100*50


def test_integer_products():
    a = fg.tensor([[1, 2], [3, 4]])
    v = fg.tensor([1, -1])
    assert fg.mv(a, v).tolist() == [-1, -1]
    assert fg.dot(v, v).item() == 2
    assert fg.outer(v, v).dtype == fg.int64
    assert fg.kron(a, fg.tensor([[1, 0], [0, 1]])).shape == (4, 4)


@pytest.mark.parametrize("call,exc,words", [
    (lambda: fg.outer(_r(2, 3), _r(3)), RuntimeError, ["outer", "1-D", "[2, 3]"]),
    (lambda: fg.dot(_r(2, 3), _r(3)), RuntimeError, ["1D tensors expected", "[2, 3]", "[3]"]),
    (lambda: fg.dot(_r(3), _r(4)), RuntimeError, ["inconsistent tensor size", "[3]", "[4]"]),
    (lambda: fg.dot(_r(3), _r(3).float()), RuntimeError, ["same dtype"]),
    (lambda: fg.dot(_r(3), [1.0, 2.0, 3.0]), TypeError, ["dot", "tensor"]),
    (lambda: fg.inner(_r(2, 3), _r(4)), RuntimeError, ["inner()", "[2, 3]", "[4]"]),
    (lambda: fg.mv(_r(3, 4), _r(3)), RuntimeError, ["size mismatch", "[3, 4]", "[3]"]),
    (lambda: fg.mv(_r(3), _r(3)), RuntimeError, ["vector + matrix @ vector expected"]),
    (lambda: fg.addmm(_r(3), _r(3, 4), _r(5, 2)), RuntimeError, ["mm", "(3, 4)", "(5, 2)"]),
    (lambda: fg.addmm(_r(4), _r(3, 4), _r(4, 2)), RuntimeError, ["addmm", "[4]", "[3, 2]"]),
    (lambda: fg.addbmm(_r(3, 5), _r(2, 3, 4), _r(2, 3, 5)), RuntimeError, ["addbmm", "[2, 3, 4]", "[2, 3, 5]"]),
    (lambda: fg.baddbmm(_r(3, 5), _r(2, 3, 4), _r(2, 3, 5)), RuntimeError, ["bmm"]),
    (lambda: fg.cross(_r(2, 4), _r(2, 4)), RuntimeError, ["no dimension of size 3", "[2, 4]"]),
    (lambda: fg.linalg.cross(_r(2, 4), _r(2, 4)), RuntimeError, ["linalg.cross", "length 3", "[2, 4]"]),
    (lambda: fg.linalg.cross(_r(1, 3), _r(2, 1, 3)), RuntimeError, ["same number of dimensions", "[1, 3]"]),
    (lambda: fg.tensordot(_r(3, 4), _r(5, 6), 1), RuntimeError, ["contracted dimensions need to match",
                                                                  "[3, 4]", "[5, 6]"]),
    (lambda: fg.tensordot(_r(3, 4), _r(4, 6), 3), RuntimeError, ["tensordot"]),
    (lambda: fg.tensordot(_r(3, 4), _r(4, 6), ([1], [0, 1])), RuntimeError, ["same length"]),
    (lambda: fg.linalg.multi_dot([_r(3, 4)]), RuntimeError, ["at least 2 tensors"]),
    (lambda: fg.linalg.multi_dot([_r(3, 4), _r(5, 6)]), RuntimeError, ["tensors 0 and 1", "[3, 4]", "[5, 6]"]),
    (lambda: fg.linalg.multi_dot([_r(2, 3, 4), _r(4, 6)]), RuntimeError, ["first tensor must be 1D or 2D"]),
    (lambda: fg.linalg.multi_dot([_r(3, 4), _r(4), _r(4, 2)]), RuntimeError, ["tensor 1 must be 2D"]),
    (lambda: fg.chain_matmul(), RuntimeError, ["Expected one or more matrices"]),
    (lambda: fg.chain_matmul(_r(3, 4), _r(4)), RuntimeError, ["Tensor dimension is 1, expected 2"]),
    (lambda: fg.linalg.vecdot(_r(3), _r(3).float()), RuntimeError, ["linalg.vecdot", "same dtype"]),
    (lambda: fg.linalg.vecdot(_r(3), _r(4)), RuntimeError, ["linalg.vecdot"]),
    (lambda: fg.linalg.vecdot(fg.tensor([1, 2]), fg.tensor([1, 2])), RuntimeError, ["floating point"]),
])
def test_bad_input_raises_torch_type(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
