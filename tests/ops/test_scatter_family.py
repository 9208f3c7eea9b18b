"""The gather/scatter family beyond the op table: the C index_add/scatter_add loops against
np.add.at (many duplicates, every layout), torch parity of gradients with ties (scatter_reduce
amax/amin) and zeros (prod), the in-place ``_`` forms, nonzero/argwhere/where(cond), indexing
with a range, and bad input (torch's exception types, the op named, nothing written)."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.ops.scatter import index_add_into, scatter_add_into


def _t(a, requires_grad=False):
    return fg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, dim", [((7, 5), 0), ((3, 9, 4), 1), ((2, 3, 6), 2), ((50, 1), 0)])
def test_index_add_kernel_matches_add_at(dtype, shape, dim, rng):
    out = rng.standard_normal(shape).astype(dtype)
    idx = rng.integers(0, shape[dim], 300)
    src_shape = shape[:dim] + (300,) + shape[dim + 1:]
    src = rng.standard_normal(src_shape).astype(dtype)
    ref = out.astype(np.float64)
    np.add.at(ref, (slice(None),) * dim + (idx,), 0.5 * src.astype(np.float64))
    got = index_add_into(out.copy(), dim, idx, src, 0.5)
    np.testing.assert_allclose(got, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_scatter_add_kernel_matches_add_at(dtype, dim, rng):
    shape = (4, 5, 3)
    ishape = list(shape)
    ishape[dim] = 40
    idx = rng.integers(0, shape[dim], ishape)
    src = rng.standard_normal(ishape).astype(dtype)
    ref = np.zeros(shape)
    grid = np.indices(ishape)
    grid[dim] = idx
    np.add.at(ref, tuple(grid), src.astype(np.float64))
    got = scatter_add_into(np.zeros(shape, dtype), dim, idx, src)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, n", [((0, 5), 0), ((3, 0), 4), ((1, 1), 1), ((1, 33), 9), ((5, 1029), 7)])
def test_index_add_kernel_edge_sizes(dtype, shape, n, rng):
    out = np.full(shape, 0.25, dtype)
    idx = rng.integers(0, max(shape[0], 1), n)
    src = rng.standard_normal((n,) + shape[1:]).astype(dtype)
    ref = out.astype(np.float64)
    np.add.at(ref, idx, src.astype(np.float64))
    np.testing.assert_allclose(index_add_into(out, 0, idx, src), ref, rtol=1e-6, atol=1e-6)
    grid = np.broadcast_to(idx[:, None], src.shape).copy()
    np.testing.assert_allclose(scatter_add_into(np.full(shape, 0.25, dtype), 0, grid, src), ref, rtol=1e-6,
                               atol=1e-6)


def test_index_add_noncontiguous_target_uses_add_at():
    x = np.zeros((4, 6))[:, ::2]
    index_add_into(x, 0, np.array([1, 1, 3]), np.ones((3, 3)))
    np.testing.assert_array_equal(x[:, 0], [0, 2, 0, 1])


def test_embedding_style_backward_matches_torch(rng):
    torch = pytest.importorskip("torch")
    w = rng.standard_normal((10, 4))
    idx = rng.integers(0, 10, (6, 5))
    g = rng.standard_normal((6, 5, 4))
    a = _t(w, True)
    a.index_select(0, fg.tensor(idx.reshape(-1))).reshape(6, 5, 4).backward(_t(g))
    ta = torch.tensor(w, requires_grad=True)
    ta.index_select(0, torch.tensor(idx.reshape(-1))).reshape(6, 5, 4).backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduce", ["amax", "amin", "prod", "mean", "sum"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_and_zeros_grad_match_torch(reduce, include_self):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 0.0, 3.0], [2.0, 2.0, 0.0]])
    src = np.array([[1.0, 0.0, 3.0], [1.0, 0.0, 3.0], [2.0, 5.0, 0.0]])
    idx = np.array([[0, 0, 0], [0, 1, 0], [1, 0, 1]])
    g = np.arange(1.0, 7.0).reshape(2, 3)
    a, s = _t(x, True), _t(src, True)
    out = a.scatter_reduce(0, fg.tensor(idx), s, reduce, include_self=include_self)
    out.backward(_t(g))
    ta, ts = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    tout = ta.scatter_reduce(0, torch.tensor(idx), ts, reduce, include_self=include_self)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), rtol=1e-12)


def test_scatter_reduce_integer_mean_matches_torch():
    torch = pytest.importorskip("torch")
    x, src, idx = np.array([5, 7, 1]), np.array([2, 4, 9, 3]), np.array([0, 0, 1, 0])
    ours = fg.tensor(x).scatter_reduce(0, fg.tensor(idx), fg.tensor(src), "mean")
    np.testing.assert_array_equal(ours.numpy(), torch.tensor(x).scatter_reduce(0, torch.tensor(idx),
                                                                                torch.tensor(src), "mean").numpy())


def test_scatter_with_reduce_forward_and_no_gradient():
    torch = pytest.importorskip("torch")
    x, idx = np.arange(6.0).reshape(2, 3), np.array([[1, 0, 1]])
    for red in ("add", "multiply"):
        ours = _t(x).scatter(0, fg.tensor(idx), 3.0, reduce=red)
        theirs = torch.tensor(x).scatter(0, torch.tensor(idx), 3.0, reduce=red)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="scatter"):
        _t(x, True).scatter(0, fg.tensor(idx), _t(np.ones((1, 3))), reduce="add")


# -- in-place forms ------------------------------------------------------------------------
@pytest.mark.parametrize("name, args", [
    ("index_add_", lambda: (0, fg.tensor([1, 1]), _t(np.ones((2, 3))))),
    ("index_copy_", lambda: (1, fg.tensor([2, 0]), _t(np.ones((2, 2))))),
    ("index_fill_", lambda: (1, fg.tensor([2]), -1.0)),
    ("scatter_", lambda: (0, fg.tensor([[1, 0, 1]]), _t(np.full((1, 3), 9.0)))),
    ("scatter_add_", lambda: (0, fg.tensor([[1, 1, 1]]), _t(np.ones((1, 3))))),
    ("scatter_reduce_", lambda: (0, fg.tensor([[1, 1, 1]]), _t(np.full((1, 3), 3.0)), "amax")),
    ("masked_scatter_", lambda: (fg.tensor([True, False, True]), _t(np.arange(4.0)))),
    ("index_put_", lambda: ((fg.tensor([0, 0]),), _t(1.0), True)),
    ("masked_fill_", lambda: (fg.tensor([True, False, True]), 5.0)),
])
def test_inplace_forms_match_torch(name, args):
    torch = pytest.importorskip("torch")
    base = np.arange(6.0).reshape(2, 3)
    x = _t(base)
    view = x[0]
    assert getattr(x, name)(*args()) is x
    assert x._version == 1 and view._version == 1  # written in x's own memory
    targs = [torch.tensor(a.numpy()) if isinstance(a, fg.Tensor) else
             tuple(torch.tensor(b.numpy()) for b in a) if isinstance(a, tuple) else a for a in args()]
    tx = torch.tensor(base)
    getattr(tx, name)(*targs)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_inplace_scatter_records_on_nonleaf_and_makes_self_require_grad():
    w = _t(np.ones((2, 3)), True)
    h = w * 1.0
    s = _t(np.full((1, 3), 2.0), True)
    h.scatter_add_(0, fg.tensor([[1, 1, 1]]), s)
    (h * h).sum().backward()
    np.testing.assert_array_equal(s.grad.numpy(), [[6.0, 6.0, 6.0]])
    np.testing.assert_array_equal(w.grad.numpy(), [[2.0] * 3, [6.0] * 3])
    plain = fg.zeros(3, dtype=fg.float64)
    v = _t([1.0], True)
    plain.index_add_(0, fg.tensor([1]), v)
    assert plain.requires_grad
    plain.sum().backward()
    assert v.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="leaf"):
        w.index_fill_(0, fg.tensor([0]), 1.0)


# -- nonzero / argwhere / where(cond) ------------------------------------------------------
@pytest.mark.parametrize("a", [np.array([[0, 1.5], [2, 0]]), np.array(3.0), np.array(0.0), np.zeros((2, 0)),
                               np.array([True, False, True])])
def test_nonzero_argwhere_where_match_torch(a):
    torch = pytest.importorskip("torch")
    x, tx = fg.tensor(a), torch.tensor(a)
    np.testing.assert_array_equal(fg.nonzero(x).numpy(), torch.nonzero(tx).numpy())
    assert tuple(fg.nonzero(x).shape) == tuple(torch.nonzero(tx).shape)
    np.testing.assert_array_equal(fg.argwhere(x).numpy(), torch.argwhere(tx).numpy())
    for ours, theirs in zip(x.nonzero(as_tuple=True), torch.nonzero(tx, as_tuple=True)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == np.int64
    assert len(fg.where(x)) == len(torch.where(tx))
    np.testing.assert_array_equal(fg.where(x > 1, x, 0.0).numpy(), torch.where(tx > 1, tx, 0.0).numpy())
    np.testing.assert_array_equal(x.where(x > 1, 0.0).numpy(), tx.where(tx > 1, 0.0).numpy())


def test_integer_index_add_and_scatter_match_torch():
    torch = pytest.importorskip("torch")
    x, idx, src = np.arange(6).reshape(2, 3), np.array([1, 1]), np.ones((2, 3), np.int64)
    ours = fg.tensor(x).index_add(0, fg.tensor(idx), fg.tensor(src), alpha=3)
    theirs = torch.tensor(x).index_add(0, torch.tensor(idx), torch.tensor(src), alpha=3)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours = fg.tensor(x).scatter_add(1, fg.tensor([[2, 2]]), fg.tensor(src))
    theirs = torch.tensor(x).scatter_add(1, torch.tensor([[2, 2]]), torch.tensor(src))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# -- indexing with a range -----------------------------------------------------------------
def test_range_index_read_write_and_grad():
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(3, 4)
    x, tx = _t(a, True), torch.tensor(a, requires_grad=True)
    y, ty = x[range(0, 3, 2), 1:], tx[range(0, 3, 2), 1:]
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    z, tz = _t(a), torch.tensor(a)
    z[range(2), 0] = -1.0
    tz[range(2), 0] = -1.0
    np.testing.assert_array_equal(z.numpy(), tz.numpy())


# -- bad input: torch's exception types, the op named, nothing written ---------------------
X = np.zeros((3, 4))


@pytest.mark.parametrize("call, exc, match", [
    (lambda x: x.index_select(0, fg.tensor([3])), IndexError, "index_select.*out of range"),
    (lambda x: x.index_select(0, fg.tensor([-1])), IndexError, "index_select.*out of range"),
    (lambda x: x.index_select(0, _t([1.0])), RuntimeError, "index_select.*int32 or int64"),
    (lambda x: x.index_select(0, fg.tensor([[1]])), IndexError, "index_select.*vector"),
    (lambda x: x.index_add(0, fg.tensor([3]), _t(np.ones((1, 4)))), RuntimeError,
     "index_add: index 3 is out of bounds"),
    (lambda x: x.index_add(0, fg.tensor([1]), _t(np.ones((1, 5)))), RuntimeError,
     r"index_add.*self.shape = \[3, 4\] source.shape = \[1, 5\]"),
    (lambda x: x.index_add(0, fg.tensor([1, 2]), _t(np.ones((1, 4)))), RuntimeError, "index_add.*Number of indices"),
    (lambda x: x.index_copy(0, fg.tensor([3]), _t(np.ones((1, 4)))), IndexError, "index_copy: index 3"),
    (lambda x: x.index_fill(0, fg.tensor([-4]), 1.0), IndexError, "index_fill: index -4"),
    (lambda x: x.index_fill(0, fg.tensor([0]), _t([1.0, 2.0])), RuntimeError, "index_fill_ only supports a 0-dim"),
    (lambda x: x.scatter(0, fg.tensor([[3]]), _t(np.ones((1, 1)))), RuntimeError, "scatter: index 3 is out of bounds"),
    (lambda x: x.scatter(0, fg.tensor([[-1]]), 1.0), RuntimeError, "scatter: index -1 is out of bounds"),
    (lambda x: x.scatter(0, fg.tensor([[1, 1]]), _t(np.ones((1, 1)))), RuntimeError,
     r"scatter.*index \[1, 2\].*self \[3, 4\].*src \[1, 1\]"),
    (lambda x: x.scatter(0, fg.tensor([1]), _t(np.ones(1))), RuntimeError, "scatter.*same number of dimensions"),
    (lambda x: x.scatter(0, _t([[1.0]]), 1.0), RuntimeError, "scatter.*int64"),
    (lambda x: x.scatter(0, fg.tensor([[1]]), 1.0, reduce="max"), RuntimeError, "scatter.*add or multiply"),
    (lambda x: x.scatter_add(0, fg.tensor([[5]]), _t(np.ones((1, 1)))), RuntimeError, "scatter_add: index 5"),
    (lambda x: x.scatter_reduce(0, fg.tensor([[1]]), _t(np.ones((1, 1))), "max"), RuntimeError,
     "scatter_reduce.*sum, prod, mean, amax, amin"),
    (lambda x: x.take(fg.tensor([12])), IndexError, "take: out of range.*index 12 on a tensor of 12"),
    (lambda x: fg.take_along_dim(x, fg.tensor([[4]]), 1), RuntimeError, "gather: index 4 is out of bounds"),
    (lambda x: fg.take_along_dim(x, fg.tensor([1]), 1), RuntimeError, "take_along_dim.*same number of dimensions"),
    (lambda x: x.masked_select(fg.tensor(np.ones((2, 4), bool))), RuntimeError, r"masked_select.*\[2, 4\].*\[3, 4\]"),
    (lambda x: x.masked_select(_t(np.ones(4))), RuntimeError, "masked_select.*Bool"),
    (lambda x: x.masked_scatter(fg.tensor(np.ones((3, 4), bool)), _t(np.ones(5))), RuntimeError,
     r"masked_scatter: Number of elements of source \(5\) < number of ones in mask \(12\)"),
    (lambda x: x.masked_scatter(_t(np.ones((3, 4))), _t(np.ones(12))), RuntimeError,
     "masked_scatter_ only supports boolean"),
    (lambda x: x.index_put((fg.tensor([3]),), _t(1.0)), IndexError, "index_put.*3.*out of bounds"),
    (lambda x: x.index_put((fg.tensor([1]),), _t(np.ones(3))), RuntimeError,
     r"index_put: shape mismatch.*\[3\].*\[1, 4\]"),
    (lambda x: x.index_add_(0, fg.tensor([9]), _t(np.ones((1, 4)))), RuntimeError, "index_add: index 9"),
    (lambda x: x.scatter_add_(0, fg.tensor([[9]]), _t(np.ones((1, 1)))), RuntimeError, "scatter_add: index 9"),
])
def test_bad_input_raises_and_writes_nothing(call, exc, match):
    x = _t(X)
    with pytest.raises(exc, match=match):
        call(x)
    np.testing.assert_array_equal(x.numpy(), X)
    assert x._version == 0


def test_integer_array_index_gradient_runs_index_add_with_negatives_and_repeats():
    torch = pytest.importorskip("torch")
    w = np.arange(15.0).reshape(5, 3)
    idx = np.array([[4, -1, 0], [0, -5, 2]])
    g = np.arange(18.0).reshape(2, 3, 3)
    x, tx = _t(w, True), torch.tensor(w, requires_grad=True)
    x[fg.tensor(idx)].backward(_t(g))
    tx[torch.tensor(idx)].backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    m = np.array([True, False, True, True, False])
    x.grad = None
    x[fg.tensor(m)].backward(_t(np.ones((3, 3))))
    np.testing.assert_array_equal(x.grad.numpy(), np.repeat(m[:, None], 3, 1).astype(float))
