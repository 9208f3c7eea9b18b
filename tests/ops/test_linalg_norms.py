"""Norms and distances beyond the op-case table: gradients at the non-differentiable points
(zero vectors, equal points, ties) against torch, the forms of torch.norm / linalg.norm, dtype=,
one_hot, and torch's errors."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as NF

INF = float("inf")


def _torch():
    return pytest.importorskip("torch")


def _both(fn_fg, fn_torch, *arrays):
    """(fastgrad output, grads), (torch output, grads) of sum(fn(x) * g) for float64 inputs."""
    torch = _torch()
    ts = [fg.tensor(a, requires_grad=True) for a in arrays]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_fg(*ts), fn_torch(*tt)
    g = np.random.default_rng(0).standard_normal(tuple(tout.shape))
    out.backward(fg.tensor(g))
    tout.backward(torch.tensor(g))
    return out, ts, tout, tt


def _assert_same(fn_fg, fn_torch, *arrays):
    out, ts, tout, tt = _both(fn_fg, fn_torch, *arrays)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ts, tt):
        tg = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        np.testing.assert_allclose(a.grad.numpy(), tg, rtol=1e-10, atol=1e-12)
        assert np.isfinite(a.grad.numpy()).all() == np.isfinite(tg).all()


ZERO_ROW = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])


@pytest.mark.parametrize("ord", [2, 1, 3, 1.5, 0.5, INF, -INF, 0])
def test_vector_norm_gradient_at_zero_is_torchs(ord):
    torch = _torch()
    _assert_same(lambda x: fg.linalg.vector_norm(x, ord, 1), lambda x: torch.linalg.vector_norm(x, ord, 1),
                 ZERO_ROW if ord != 0.5 else ZERO_ROW[:1])


def test_inf_norm_splits_ties_as_torch():
    torch = _torch()
    x = np.array([[1.0, -3.0, 3.0], [2.0, 2.0, -2.0]])
    _assert_same(lambda t: fg.linalg.vector_norm(t, INF, 1), lambda t: torch.linalg.vector_norm(t, INF, 1), x)
    _assert_same(lambda t: fg.linalg.matrix_norm(t, 1), lambda t: torch.linalg.matrix_norm(t, 1),
                 np.array([[1.0, -3.0], [3.0, 1.0]]))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, INF])
@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"])
def test_cdist_gradient_at_equal_points_is_torchs(p, mode):
    torch = _torch()
    a = np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
    b = np.array([[0.0, 1.0], [1.0, 1.0]])  # b[0] == a[0]
    _assert_same(lambda x, y: fg.cdist(x, y, p, mode), lambda x, y: torch.cdist(x, y, p, mode), a, b)


def test_normalize_cosine_pairwise_at_zero_and_below_eps():
    torch = _torch()
    tf = torch.nn.functional
    x = np.array([[0.0, 0.0, 0.0], [3e-9, -4e-9, 0.0], [1.0, 2.0, -1.0]])
    y = np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 1.0], [1.0, 2.0, -1.0]])
    _assert_same(lambda t: NF.normalize(t), lambda t: tf.normalize(t), x)
    _assert_same(lambda t: NF.normalize(t, 1.0, 0, eps=1e-3), lambda t: tf.normalize(t, 1.0, 0, eps=1e-3), y)
    _assert_same(NF.cosine_similarity, tf.cosine_similarity, x, y)
    _assert_same(lambda a, b: NF.cosine_similarity(a, b, 0, 0.5), lambda a, b: tf.cosine_similarity(a, b, 0, 0.5),
                 x, y)
    _assert_same(NF.pairwise_distance, tf.pairwise_distance, y, y)
    _assert_same(lambda a, b: NF.pairwise_distance(a, b, 3.0, 0.0), lambda a, b: tf.pairwise_distance(a, b, 3.0, 0.0),
                 x, x)


@pytest.mark.parametrize("args", [dict(), dict(p=1), dict(p="fro", dim=(0, 1)), dict(p=3, dim=(0, 1, 2)),
                                  dict(p=INF, dim=1, keepdim=True), dict(dim=0), dict(p=None)])
def test_torch_norm_and_tensor_norm_forms(args):
    torch = _torch()
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    _assert_same(lambda t: fg.norm(t, **args), lambda t: torch.norm(t, **args), x)
    _assert_same(lambda t: t.norm(**args), lambda t: t.norm(**args), x)


@pytest.mark.parametrize("args", [dict(), dict(ord=2, dim=1), dict(ord="fro", dim=(0, 2)), dict(dim=(2, 0)),
                                  dict(ord=-1, dim=(1, 2), keepdim=True)])
def test_linalg_norm_forms(args):
    torch = _torch()
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    _assert_same(lambda t: fg.linalg.norm(t, **args), lambda t: torch.linalg.norm(t, **args), x)


def test_dtype_argument_and_float32():
    x = fg.tensor([[3.0, 4.0]], dtype=fg.float32, requires_grad=True)
    y = fg.linalg.vector_norm(x, dtype=fg.float64)
    assert y.dtype == fg.float64 and y.item() == 5.0
    y.backward()
    assert x.grad.dtype == fg.float32
    np.testing.assert_allclose(x.grad.numpy(), [[0.6, 0.8]], rtol=1e-6)
    assert fg.linalg.matrix_norm(fg.ones(2, 2), dtype=fg.float64).dtype == fg.float64


def test_one_hot():
    torch = _torch()
    idx = np.array([[0, 2], [1, 0]])
    for n in (-1, 4):
        out = NF.one_hot(fg.tensor(idx), n)
        assert out.dtype == fg.int64
        np.testing.assert_array_equal(out.numpy(), torch.nn.functional.one_hot(torch.tensor(idx), n).numpy())
    assert NF.one_hot(fg.tensor(np.zeros(0, np.int64)), 3).shape == (0, 3)
    assert NF.one_hot(fg.tensor(2), 3).shape == (3,)


@pytest.mark.parametrize("call,exc,words", [
    (lambda: NF.one_hot(fg.tensor([0, -1])), RuntimeError, "non-negative"),
    (lambda: NF.one_hot(fg.tensor([0, 3]), 3), RuntimeError, "smaller than num_classes"),
    (lambda: NF.one_hot(fg.tensor(np.zeros(0, np.int64))), RuntimeError, "empty tensor"),
    (lambda: NF.one_hot(fg.tensor([0, 1], dtype=fg.int32), 3), RuntimeError, "LongTensor"),
    (lambda: NF.one_hot(fg.tensor([0.0, 1.0]), 3), RuntimeError, "LongTensor"),
    (lambda: fg.linalg.vector_norm(fg.tensor([1, 2])), RuntimeError, "linalg.vector_norm"),
    (lambda: fg.linalg.vector_norm(fg.ones(3), "fro"), TypeError, "ord"),
    (lambda: fg.linalg.vector_norm(fg.ones(3), dtype=fg.int64), RuntimeError, "dtype"),
    (lambda: fg.linalg.vector_norm(fg.ones(0, 3), INF), RuntimeError, "empty tensor"),
    (lambda: fg.linalg.vector_norm(fg.ones(3), dim=1), IndexError, "range"),
    (lambda: fg.linalg.matrix_norm(fg.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: fg.linalg.matrix_norm(fg.ones(3, 3), 3), RuntimeError, "Order 3 not supported"),
    (lambda: fg.linalg.matrix_norm(fg.ones(0, 3), 2), RuntimeError, "empty matrix"),
    (lambda: fg.linalg.matrix_norm(fg.ones(3, 3), "abc"), RuntimeError, "Order abc not supported"),
    (lambda: fg.linalg.matrix_norm(fg.ones(3, 3), 1, (0, 0)), RuntimeError, "dims must be different"),
    (lambda: fg.linalg.matrix_norm(fg.ones(3, 3, 3), "fro", (0, 1, 2)), RuntimeError, "2-tuple"),
    (lambda: fg.linalg.norm(fg.ones(3, 3, 3), 2), RuntimeError, "1D or 2D"),
    (lambda: fg.linalg.norm(fg.ones(3, 3), dim=(0, 1, 1)), RuntimeError, "length 1 or 2"),
    (lambda: fg.norm(fg.ones(3, 3, 3), "fro", (0, 1, 2)), RuntimeError, "2-tuple"),
    (lambda: fg.cdist(fg.ones(4), fg.ones(3, 4)), RuntimeError, "at least 2D"),
    (lambda: fg.cdist(fg.ones(3, 4), fg.ones(3, 5)), RuntimeError, "same number of columns. X1: 4 X2: 5"),
    (lambda: fg.cdist(fg.ones(3, 4), fg.ones(3, 4), -1.0), RuntimeError, "non-negative"),
    (lambda: fg.cdist(fg.ones(3, 4), fg.ones(3, 4), compute_mode="x"), ValueError, "compute_mode"),
    (lambda: fg.cdist(fg.ones(2, 3, 4), fg.ones(3, 3, 4)), RuntimeError, "cdist"),
    (lambda: fg.cdist(fg.tensor([[1, 2]]), fg.tensor([[1, 2]])), RuntimeError, "floating-point"),
    (lambda: fg.cdist(fg.ones(3, 4), fg.ones(3, 4, dtype=fg.float64)), RuntimeError, "same dtype"),
    (lambda: NF.cosine_similarity(fg.ones(3, 4), fg.ones(3, 5)), RuntimeError, "cosine_similarity"),
    (lambda: NF.cosine_similarity(fg.ones(3, 4), fg.ones(3, 4), dim=2), IndexError, "range"),
    (lambda: NF.pairwise_distance(fg.ones(3, 4), fg.ones(3, 5)), RuntimeError, "pairwise_distance"),
])
def test_bad_input_raises_torch_type(call, exc, words):
    with pytest.raises(exc, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()
