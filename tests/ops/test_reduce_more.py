"""prod, logsumexp, nansum/nanmean, std_mean/var_mean, count_nonzero, aminmax, the scans, and
torch's numpy names axis=/keepdims= on every reduction: torch parity (values, indices, dtypes,
gradients), integer inputs, NaN and infinities, and bad input raising torch's exception type."""
import numpy as np
import pytest

import fastgrad as fg

NAN, INF = float("nan"), float("inf")


def _torch():
    return pytest.importorskip("torch")


def _pair(a, requires_grad=False):
    torch = _torch()
    return (fg.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _same(f, t, exact_dtype=True):
    f, t = (f if isinstance(f, (tuple, list)) else (f,)), (t if isinstance(t, (tuple, list)) else (t,))
    assert len(f) == len(t)
    for a, b in zip(f, t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
        assert tuple(a.shape) == tuple(b.shape)
        if exact_dtype:
            assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]


def _grads(ff, tf, a):
    x, tx = _pair(a, True)
    y, ty = ff(x), tf(tx)
    g = np.random.default_rng(0).standard_normal(tuple(ty.shape))
    y.backward(fg.tensor(g))
    ty.backward(_torch().tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)


X = np.random.default_rng(1).standard_normal((3, 4, 5))

NUMPY_NAMES = [
    ("sum", dict(axis=1, keepdims=True)), ("mean", dict(axis=(0, 2))), ("prod", dict(axis=2, keepdims=True)),
    ("amax", dict(axis=1, keepdims=True)), ("amin", dict(axis=(0, 1))), ("argmax", dict(axis=1, keepdims=True)),
    ("argmin", dict(axis=0)), ("var", dict(axis=1, keepdims=True)), ("std", dict(axis=2)),
    ("all", dict(axis=1)), ("any", dict(axis=2, keepdims=True)), ("softmax", dict(axis=1)),
    ("log_softmax", dict(axis=0)), ("logsumexp", dict(axis=1, keepdims=True)), ("nansum", dict(axis=1)),
    ("nanmean", dict(axis=0, keepdims=True)), ("count_nonzero", dict(axis=1)), ("cumsum", dict(axis=1)),
    ("cumprod", dict(axis=2)), ("logcumsumexp", dict(axis=0)),
]


@pytest.mark.parametrize("name,kw", NUMPY_NAMES, ids=[n for n, _ in NUMPY_NAMES])
def test_numpy_names_match_torch_function_and_method(name, kw):
    torch = _torch()
    x, tx = _pair(X)
    _same(getattr(fg, name)(x, **kw), getattr(torch, name)(tx, **kw))
    _same(getattr(x, name)(**kw), getattr(tx, name)(**kw))


@pytest.mark.parametrize("name", ["max", "min", "median", "mode", "kthvalue", "sort", "cummax", "aminmax"])
def test_numpy_names_of_values_and_indices_ops(name):
    torch = _torch()
    x, tx = _pair(X)
    args = (2,) if name == "kthvalue" else ()
    kw = dict(axis=1) if name in ("sort", "cummax") else dict(axis=1, keepdims=True)
    _same(tuple(getattr(fg, name)(x, *args, **kw)), tuple(getattr(torch, name)(tx, *args, **kw)))


def test_dim_and_axis_together_raise_type_error():
    x = fg.tensor(X)
    with pytest.raises(TypeError, match="sum"):
        fg.sum(x, dim=1, axis=1)
    with pytest.raises(TypeError):
        x.mean(1, axis=1)
    with pytest.raises(TypeError, match="keepdim"):
        x.amax(1, keepdim=True, keepdims=True)


def test_sum_of_0d_tensor_with_dim_1_raises_index_error_as_torch():
    torch = _torch()
    for dim in (1, -2):
        with pytest.raises(IndexError):
            torch.tensor(2.0).sum(dim)
        with pytest.raises(IndexError, match="out of range"):
            fg.tensor(2.0).sum(dim)
    assert fg.tensor(2.0).sum(0).item() == 2.0 and fg.tensor(2.0).sum(-1).item() == 2.0


@pytest.mark.parametrize("a", [[[1, 2, 3], [4, 5, 6]], [[True, False], [True, True]]])
def test_prod_and_scans_of_integers_give_int64(a):
    torch = _torch()
    x, tx = fg.tensor(a), torch.tensor(a)
    _same(x.prod(), tx.prod())
    _same(x.prod(1), tx.prod(1))
    _same(x.cumsum(0), tx.cumsum(0))
    _same(x.cumprod(1), tx.cumprod(1))
    _same(fg.prod(x, 0, dtype=fg.float64), torch.prod(tx, 0, dtype=torch.float64))
    _same(fg.cumsum(x, 1, dtype=fg.float32), torch.cumsum(tx, 1, dtype=torch.float32))


@pytest.mark.parametrize("row", [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 0.0, 5.0], [1.5, -2.0, 3.0, 0.5]])
def test_prod_and_cumprod_gradients_with_zeros_match_torch(row):
    a = np.array([row, row[::-1]])
    torch = _torch()
    _grads(lambda x: x.prod(), lambda x: x.prod(), a)
    _grads(lambda x: x.prod(1), lambda x: x.prod(1), a)
    _grads(lambda x: x.prod(0, keepdim=True), lambda x: x.prod(0, keepdim=True), a)
    _grads(lambda x: x.cumprod(1), lambda x: x.cumprod(1), a)
    _grads(lambda x: fg.cumprod(x, 0), lambda x: torch.cumprod(x, 0), a)


def test_logsumexp_and_logcumsumexp_with_infinities_match_torch():
    torch = _torch()
    a = np.array([[-INF, -INF, -INF], [-INF, 1.0, INF], [0.0, NAN, 1.0], [-INF, 0.5, 2.0]])
    x, tx = _pair(a)
    _same(x.logsumexp(1), tx.logsumexp(1))
    _same(x.logcumsumexp(1), tx.logcumsumexp(1))
    b = np.array([[-INF, 0.5, 2.0, -1.0], [-INF, -INF, 3.0, 1.0]])
    # torch's logcumsumexp gradient is NaN at a -inf input (exp(-inf - -inf)); fastgrad gives the
    # limit, 0, and torch's values everywhere else
    x, tx = _pair(b, True)
    x.logcumsumexp(1).sum().backward()
    tx.logcumsumexp(1).sum().backward()
    fin = np.isfinite(b)
    np.testing.assert_allclose(x.grad.numpy()[fin], tx.grad.numpy()[fin], rtol=1e-12)
    assert (x.grad.numpy()[~fin] == 0).all()
    _grads(lambda x: fg.logsumexp(x, (0, 1)), lambda x: torch.logsumexp(x, (0, 1)), b)


def test_logsumexp_of_integers_is_float32_and_logcumsumexp_refuses_them():
    torch = _torch()
    _same(fg.logsumexp(fg.tensor([1, 2, 3]), 0), torch.logsumexp(torch.tensor([1, 2, 3]), 0))
    with pytest.raises(RuntimeError, match="logcumsumexp"):
        fg.logcumsumexp(fg.tensor([1, 2]), 0)


def test_cumsum_large_float32_accumulates_in_double():
    x = np.full(1 << 20, 0.1, np.float32)
    y = fg.cumsum(fg.from_numpy(x), 0).numpy()
    np.testing.assert_allclose(y[-1], np.float64(np.float32(0.1)) * x.size, rtol=1e-7)


def test_cummax_cummin_indices_with_ties_and_nan_match_torch():
    torch = _torch()
    a = np.array([[1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN], [2.0, 2.0, 1.0, 1.0, 0.0, 4.0, 0.0]])
    x, tx = _pair(a)
    for name in ("cummax", "cummin"):
        for d in (0, 1):
            _same(tuple(getattr(x, name)(d)), tuple(getattr(tx, name)(d)))
    xi, ti = fg.tensor([3, 1, 3, 2]), torch.tensor([3, 1, 3, 2])
    _same(tuple(fg.cummax(xi, 0)), tuple(torch.cummax(ti, 0)))
    b = np.array([[1.0, 3.0, 0.5, 4.0], [2.0, -1.0, 3.0, 0.0]])
    _grads(lambda x: x.cummax(1).values, lambda x: x.cummax(1).values, b)
    _grads(lambda x: x.cummin(0).values, lambda x: x.cummin(0).values, b)


def test_scan_and_reduction_errors_match_torch():
    x = fg.tensor(X)
    with pytest.raises(IndexError):
        x.cumsum(3)
    with pytest.raises(TypeError, match="cumsum"):
        fg.cumsum([1.0, 2.0], 0)
    with pytest.raises(RuntimeError, match="aminmax"):
        fg.aminmax(fg.zeros(0))
    with pytest.raises(IndexError):
        fg.aminmax(fg.zeros(2, 0), dim=1)
    with pytest.raises(RuntimeError, match="nanmean"):
        fg.nanmean(fg.tensor([1, 2]))


def test_nansum_nanmean_ignore_nan_and_its_gradient_as_torch():
    torch = _torch()
    a = np.array([[1.0, NAN, 2.0], [NAN, NAN, NAN], [0.5, -1.0, 3.0]])
    x, tx = _pair(a)
    _same(fg.nansum(x), torch.nansum(tx))
    _same(x.nansum(1), tx.nansum(1))
    _same(x.nanmean(1, keepdim=True), tx.nanmean(1, keepdim=True))
    _same(fg.nanmean(x), torch.nanmean(tx))
    _grads(lambda x: x.nansum(0), lambda x: x.nansum(0), a)
    _grads(lambda x: x.nanmean(), lambda x: x.nanmean(), a[[0, 2]])


@pytest.mark.parametrize("kw", [dict(), dict(dim=1), dict(dim=(0, 2), keepdim=True), dict(dim=1, correction=0),
                                dict(dim=1, unbiased=False)])
def test_std_mean_var_mean_match_torch(kw):
    torch = _torch()
    x, tx = _pair(X)
    _same(fg.std_mean(x, **kw), torch.std_mean(tx, **kw))
    _same(fg.var_mean(x, **kw), torch.var_mean(tx, **kw))
    _same(fg.var_mean(x, False), torch.var_mean(tx, False))
    assert isinstance(fg.std_mean(x, **kw), tuple)
    _grads(lambda x: fg.std_mean(x, **kw)[0], lambda x: torch.std_mean(x, **kw)[0], X)


def test_count_nonzero_and_aminmax_match_torch():
    torch = _torch()
    a = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    x, tx = _pair(a)
    for kw in (dict(), dict(dim=1), dict(dim=(0, 1)), dict(dim=0)):
        _same(fg.count_nonzero(x, **kw), torch.count_nonzero(tx, **kw))
    _same(x.count_nonzero(), tx.count_nonzero())
    for kw in (dict(), dict(dim=1), dict(dim=0, keepdim=True)):
        r, tr = fg.aminmax(x, **kw), torch.aminmax(tx, **kw)
        _same((r.min, r.max), (tr.min, tr.max))
    r = fg.tensor([3, 1, 2]).aminmax()
    assert (r.min.item(), r.max.item()) == (1, 3) and type(r).__name__ == "aminmax"
    _grads(lambda x: x.aminmax(dim=1).min, lambda x: x.aminmax(dim=1).min, np.array([[1.0, 1.0, 2.0], [3.0, 0.0, 0.5]]))
