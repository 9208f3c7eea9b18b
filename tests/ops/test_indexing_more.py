"""select, split_with_sizes, unravel_index, put / put_, index_reduce / index_reduce_, resize_as_:
values against numpy and torch, views where torch gives views, gradients against gradcheck and
torch, integer dtypes, and bad input raising torch's exception type."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck

RNG = np.random.default_rng(2)
pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")  # torch's


def _torch():
    return pytest.importorskip("torch")


def _same(y, ty, rtol=1e-12):
    assert tuple(y.shape) == tuple(ty.shape)
    assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, equal_nan=True)


def _raises_like(fn_fg, fn_th):
    torch = _torch()
    with pytest.raises(Exception) as te:
        fn_th(torch)
    with pytest.raises(type(te.value)):
        fn_fg(fg)


def test_select_is_a_view_with_gradient():
    torch = _torch()
    a = RNG.standard_normal((3, 4, 2))
    for dim, idx in ((0, 1), (1, -1), (-1, 0), (2, 1)):
        _same(fg.select(fg.tensor(a), dim, idx), torch.select(torch.tensor(a), dim, idx))
        np.testing.assert_array_equal(fg.tensor(a).select(dim, idx).numpy(), np.take(a, idx, axis=dim))
    t = fg.tensor(a.copy())
    v = t.select(1, 2)
    v[0, 0] = 100.0                                              # a view: writes reach the base
    assert t.numpy()[0, 2, 0] == 100.0
    x, tx = fg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (fg.select(x, 1, 2) * 3).sum().backward()
    (torch.select(tx, 1, 2) * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert gradcheck(lambda t: fg.select(t.transpose(0, 1), 0, 1), [fg.tensor(a, requires_grad=True)])
    _same(fg.select(fg.tensor([[1, 2], [3, 4]]), 0, 1), torch.select(torch.tensor([[1, 2], [3, 4]]), 0, 1))
    _raises_like(lambda m: m.select(m.ones(2, 3), 1, 5), lambda t: t.select(t.ones(2, 3), 1, 5))
    _raises_like(lambda m: m.select(m.tensor(1.0), 0, 0), lambda t: t.select(t.tensor(1.0), 0, 0))
    _raises_like(lambda m: m.select(m.ones(2), 1, 0), lambda t: t.select(t.ones(2), 1, 0))
    _raises_like(lambda m: m.select(m.ones(2, 3), 1, True), lambda t: t.select(t.ones(2, 3), 1, True))


def test_split_with_sizes_views_grads_and_errors():
    torch = _torch()
    a = RNG.standard_normal((2, 7))
    for sizes, dim in (([2, 5], 1), ([0, 7], -1), ([1, 1], 0), ([7], 1)):
        ps, tps = fg.split_with_sizes(fg.tensor(a), sizes, dim), torch.split_with_sizes(torch.tensor(a), sizes, dim)
        assert len(ps) == len(tps)
        for p, tp in zip(ps, tps):
            _same(p, tp)
    x, tx = fg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    p, q = x.split_with_sizes([3, 4], 1)
    tp, tq = tx.split_with_sizes([3, 4], 1)
    (p.sum() * 2 + (q * q).sum()).backward()
    (tp.sum() * 2 + (tq * tq).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    _raises_like(lambda m: m.split_with_sizes(m.ones(5), [2, 2]), lambda t: t.split_with_sizes(t.ones(5), [2, 2]))
    _raises_like(lambda m: m.split_with_sizes(m.ones(5), [-1, 6]), lambda t: t.split_with_sizes(t.ones(5), [-1, 6]))
    _raises_like(lambda m: m.split_with_sizes(m.ones(5), [2, 3], dim=1),
                 lambda t: t.split_with_sizes(t.ones(5), [2, 3], dim=1))


def test_unravel_index_matches_numpy_and_torch():
    torch = _torch()
    idx = np.array([[0, 5, 7], [11, 3, 1]])
    for shape in ((3, 4), (2, 3, 2), (12,), 12):
        r, tr = fg.unravel_index(fg.tensor(idx), shape), torch.unravel_index(torch.tensor(idx), shape)
        assert isinstance(r, tuple) and len(r) == len(tr)
        for a, b in zip(r, tr):
            _same(a, b)
        for a, b in zip(r, np.unravel_index(idx, (shape,) if isinstance(shape, int) else shape)):
            np.testing.assert_array_equal(a.numpy(), b)
    for i in (-1, -7, 6):                                      # wrapped modulo the size, as torch 2.x
        for a, b in zip(fg.unravel_index(fg.tensor(i), (2, 3)), torch.unravel_index(torch.tensor(i), (2, 3))):
            _same(a, b)
    _same(fg.unravel_index(fg.tensor([0], dtype=fg.int32), (4,))[0],
          torch.unravel_index(torch.tensor([0], dtype=torch.int32), (4,))[0])
    assert fg.unravel_index(fg.tensor([1]), ()) == ()
    _raises_like(lambda m: m.unravel_index(m.tensor(1.0), (2, 3)), lambda t: t.unravel_index(t.tensor(1.0), (2, 3)))
    _raises_like(lambda m: m.unravel_index(m.tensor(1), (2, -3)), lambda t: t.unravel_index(t.tensor(1), (2, -3)))


def test_put_values_accumulate_grads_and_inplace():
    torch = _torch()
    a = RNG.standard_normal((3, 4))
    idx, src = np.array([[0, 5], [-1, 5]]), RNG.standard_normal((2, 2))
    for acc in (False, True):
        i2 = np.array([[0, 5], [-1, 6]]) if not acc else idx            # distinct places when overwriting
        _same(fg.put(fg.tensor(a), fg.tensor(i2), fg.tensor(src), acc),
              torch.put(torch.tensor(a), torch.tensor(i2), torch.tensor(src), acc))
        x, s = fg.tensor(a, requires_grad=True), fg.tensor(src, requires_grad=True)
        tx, ts = torch.tensor(a, requires_grad=True), torch.tensor(src, requires_grad=True)
        g = RNG.standard_normal(a.shape)
        fg.put(x, fg.tensor(i2), s, acc).backward(fg.tensor(g))
        torch.put(tx, torch.tensor(i2), ts, acc).backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
        np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy())
        assert gradcheck(lambda u, v, i=i2, c=acc: fg.put(u, fg.tensor(i), v, c),
                         [fg.tensor(a, requires_grad=True), fg.tensor(src, requires_grad=True)])
    t, tt = fg.ones(3), torch.ones(3)
    assert t.put_(fg.tensor([0, 0]), fg.tensor([1.0, 2.0]), accumulate=True) is t
    tt.put_(torch.tensor([0, 0]), torch.tensor([1.0, 2.0]), accumulate=True)
    _same(t, tt)
    _same(fg.tensor([1, 2, 3]).put(fg.tensor([1]), fg.tensor([9])), torch.tensor([1, 2, 3]).put(torch.tensor([1]),
                                                                                                torch.tensor([9])))
    _raises_like(lambda m: m.ones(3).put(m.tensor([5]), m.tensor([1.0])),
                 lambda t: t.ones(3).put(t.tensor([5]), t.tensor([1.0])))
    _raises_like(lambda m: m.ones(3).put(m.tensor([-4]), m.tensor([1.0])),
                 lambda t: t.ones(3).put(t.tensor([-4]), t.tensor([1.0])))
    _raises_like(lambda m: m.ones(3).put(m.tensor([0]), m.tensor([1.0, 2.0])),
                 lambda t: t.ones(3).put(t.tensor([0]), t.tensor([1.0, 2.0])))
    _raises_like(lambda m: m.ones(3).put(m.tensor([0], dtype=m.int32), m.tensor([1.0])),
                 lambda t: t.ones(3).put(t.tensor([0], dtype=t.int32), t.tensor([1.0])))
    _raises_like(lambda m: m.ones(3).put(m.tensor([0]), m.tensor([1])),
                 lambda t: t.ones(3).put(t.tensor([0]), t.tensor([1])))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_matches_torch(reduce):
    torch = _torch()
    a = RNG.uniform(0.5, 2, (4, 3))
    src = RNG.uniform(0.5, 2, (5, 3))
    idx = np.array([0, 2, 0, 3, 2])
    for include_self in (True, False):
        for dim, aa, ss in ((0, a, src), (1, a.T.copy(), src.T.copy())):
            _same(fg.index_reduce(fg.tensor(aa), dim, fg.tensor(idx), fg.tensor(ss), reduce, include_self=include_self),
                  torch.index_reduce(torch.tensor(aa), dim, torch.tensor(idx), torch.tensor(ss), reduce,
                                     include_self=include_self))
        x, s = fg.tensor(a, requires_grad=True), fg.tensor(src, requires_grad=True)
        tx, ts = torch.tensor(a, requires_grad=True), torch.tensor(src, requires_grad=True)
        g = RNG.standard_normal(a.shape)
        fg.index_reduce(x, 0, fg.tensor(idx), s, reduce, include_self=include_self).backward(fg.tensor(g))
        torch.index_reduce(tx, 0, torch.tensor(idx), ts, reduce, include_self=include_self).backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), rtol=1e-10)
    ia, isrc = np.array([[1, 2], [3, 4], [5, 6]]), np.array([[2, 3], [4, 5]])
    _same(fg.index_reduce(fg.tensor(ia), 0, fg.tensor([0, 0]), fg.tensor(isrc), reduce),
          torch.index_reduce(torch.tensor(ia), 0, torch.tensor([0, 0]), torch.tensor(isrc), reduce))
    t, tt = fg.tensor(a.copy()), torch.tensor(a.copy())
    assert t.index_reduce_(0, fg.tensor(idx), fg.tensor(src), reduce) is t
    tt.index_reduce_(0, torch.tensor(idx), torch.tensor(src), reduce)
    _same(t, tt)


def test_index_reduce_errors_as_torch():
    cases = [lambda m: m.index_reduce(m.ones(3, 2), 0, m.tensor([0, 5]), m.ones(2, 2), "prod"),
             lambda m: m.index_reduce(m.ones(3, 2), 0, m.tensor([0, 1]), m.ones(3, 2), "prod"),
             lambda m: m.index_reduce(m.ones(3, 2), 0, m.tensor([0.0, 1]), m.ones(2, 2), "prod"),
             lambda m: m.index_reduce(m.ones(3, 2), 1, m.tensor([0, 1]), m.ones(3, 2, dtype=m.float64), "prod"),
             lambda m: m.index_reduce(m.ones(3, 2), 0, m.tensor([[0, 1]]), m.ones(2, 2), "prod"),
             lambda m: m.index_reduce(m.ones(3, 2), 0, m.tensor([0, 1]), m.ones(2, 2), "sum"),
             lambda m: m.index_reduce(m.ones(3, 2), 2, m.tensor([0, 1]), m.ones(2, 2), "prod")]
    for c in cases:
        _raises_like(c, c)


def test_resize_as_():
    torch = _torch()
    for shape, other in (((2, 3), (4,)), ((2, 3), (3, 2)), ((2,), (2,)), ((2, 3), (2, 2))):
        n = int(np.prod(shape))
        t, tt = fg.arange(6.0)[:n].reshape(shape).clone(), torch.arange(6.0)[:n].reshape(shape).clone()
        assert t.resize_as_(fg.ones(*other)) is t
        tt.resize_as_(torch.ones(*other))
        _same(t, tt)
    t = fg.tensor([1.0, 2.0])
    t.resize_as_(fg.ones(2, 3))                                   # grows: the old values first
    assert t.shape == (2, 3) and t.numpy().ravel()[:2].tolist() == [1.0, 2.0]
    fg.resize_as_(t, fg.ones(1))
    assert t.shape == (1,)
    _raises_like(lambda m: m.ones(2, requires_grad=True).resize_as_(m.ones(2, 3)),
                 lambda t: t.ones(2, requires_grad=True).resize_as_(t.ones(2, 3)))
