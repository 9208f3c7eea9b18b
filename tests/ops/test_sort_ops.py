"""sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, quantile, nanquantile, unique,
unique_consecutive, searchsorted, bucketize: torch parity for values, indices (stable ties, NaN
as the largest value), dtypes and shapes, gradients, and bad input raising torch's exception type."""
import numpy as np
import pytest

import fastgrad as fg

NAN = float("nan")


def _torch():
    return pytest.importorskip("torch")


def _pair(a, requires_grad=False):
    torch = _torch()
    return fg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def _same(f, t):
    f, t = (f if isinstance(f, (tuple, list)) else (f,)), (t if isinstance(t, (tuple, list)) else (t,))
    assert len(f) == len(t)
    for a, b in zip(f, t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
        assert tuple(a.shape) == tuple(b.shape)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]


def _grads(ff, tf, a):
    x, tx = _pair(a, True)
    y, ty = ff(x), tf(tx)
    g = np.random.default_rng(0).standard_normal(tuple(ty.shape))
    y.backward(fg.tensor(g))
    ty.backward(_torch().tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


TIES = np.array([[3.0, 1.0, 3.0, NAN, 1.0, 2.0, NAN, -0.5], [2.0, 2.0, 2.0, 1.0, 1.0, 0.0, 5.0, 2.0]])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stable_sort_with_ties_and_nan_matches_torch(descending, dim):
    torch = _torch()
    x, tx = _pair(TIES)
    _same(tuple(fg.sort(x, dim, descending, stable=True)),
          tuple(torch.sort(tx, stable=True, dim=dim, descending=descending)))
    _same(x.argsort(dim, descending=descending, stable=True), tx.argsort(stable=True, dim=dim, descending=descending))
    xi, ti = fg.tensor([[3, 1, 3, 2, 1]]), torch.tensor([[3, 1, 3, 2, 1]])
    _same(tuple(xi.sort(dim, descending=descending, stable=True)),
          tuple(ti.sort(stable=True, dim=dim, descending=descending)))


def test_sort_default_values_match_torch_and_nan_is_largest():
    torch = _torch()
    x, tx = _pair(TIES)
    _same(x.sort().values, tx.sort().values)
    _same(fg.msort(x), torch.msort(tx))
    assert np.isnan(x.sort(descending=True).values.numpy()[0, :2]).all()
    r = fg.sort(fg.tensor(2.5))
    assert r.values.item() == 2.5 and r.indices.item() == 0 and r.indices.shape == ()
    assert type(r).__name__ == "sort" and r._fields == ("values", "indices")


def test_sort_and_topk_gradients_scatter_back():
    a = np.random.default_rng(2).standard_normal((4, 6))
    _grads(lambda x: x.sort(0, descending=True).values, lambda x: x.sort(0, descending=True).values, a)
    _grads(lambda x: x.topk(2, 1, largest=False).values, lambda x: x.topk(2, 1, largest=False).values, a)
    b = np.random.default_rng(3).standard_normal((3, 200))
    _grads(lambda x: x.topk(5).values, lambda x: x.topk(5).values, b)


@pytest.mark.parametrize("k,dim,largest", [(1, 1, True), (3, 1, False), (8, -1, True), (0, 1, True), (2, 0, True)])
def test_topk_with_nan_matches_torch(k, dim, largest):
    torch = _torch()
    a = np.random.default_rng(4).standard_normal((2, 8))
    a[0, 3] = NAN
    x, tx = _pair(a)
    _same(tuple(x.topk(k, dim, largest)), tuple(tx.topk(k, dim, largest)))
    big = np.random.default_rng(5).standard_normal((3, 500))
    big[1, 7] = NAN
    _same(tuple(fg.topk(fg.tensor(big), k, -1, largest)), tuple(torch.topk(torch.tensor(big), k, -1, largest)))


def test_topk_kthvalue_bad_k_raise_runtime_error():
    x = fg.randn(3, 4)
    with pytest.raises(RuntimeError, match="k out of range"):
        x.topk(5)
    with pytest.raises(RuntimeError, match="kthvalue"):
        x.kthvalue(0)
    with pytest.raises(RuntimeError, match="kthvalue"):
        x.kthvalue(5)
    with pytest.raises(IndexError):
        x.sort(2)
    with pytest.raises(TypeError, match="sort"):
        fg.sort([3, 1])


def test_kthvalue_median_nanmedian_mode_match_torch():
    torch = _torch()
    a = np.array([[1.0, NAN, 0.0, 4.0], [2.0, 1.0, 3.0, 7.0], [NAN, 2.0, NAN, NAN], [5.0, 5.0, 1.0, 1.0]])
    x, tx = _pair(a)
    # a row of NaNs only: NaN (torch's index there is whatever its nth_element leaves)
    assert np.isnan(fg.nanmedian(fg.full((2, 3), NAN), 1).values.numpy()).all()
    for d in (0, 1):
        for keep in (False, True):
            _same(tuple(x.median(d, keep)), tuple(tx.median(d, keep)))
            _same(tuple(x.nanmedian(d, keep)), tuple(tx.nanmedian(d, keep)))
    _same(x.median(), tx.median())
    _same(x[1].median(), tx[1].median())
    _same(x.nanmedian(), tx.nanmedian())
    _same(fg.median(fg.tensor([3, 1, 2, 5])), torch.median(torch.tensor([3, 1, 2, 5])))
    b = np.array([[1.0, 3.0, 3.0, 1.0, 2.0], [0.5, 0.5, 0.5, 2.0, 2.0], [4.0, 3.0, 2.0, 1.0, 0.0]])
    y, ty = _pair(b)
    _same(tuple(y.mode()), tuple(ty.mode()))
    _same(tuple(y.mode(0, keepdim=True)), tuple(ty.mode(0, keepdim=True)))
    _same(tuple(fg.tensor([[2, 2, 1, 1, 3]]).mode()), tuple(torch.tensor([[2, 2, 1, 1, 3]]).mode()))
    c = np.random.default_rng(6).standard_normal((3, 7))
    z, tz = _pair(c)
    _same(tuple(z.kthvalue(3)), tuple(tz.kthvalue(3)))
    _same(tuple(z.kthvalue(2, 0, keepdim=True)), tuple(tz.kthvalue(2, 0, keepdim=True)))


def test_median_gradients_match_torch():
    a = np.array([[1.0, 2.0, 2.0, 0.5], [3.0, 2.0, -1.0, 0.0]])   # the global median 1.0 ... ties share it
    _grads(lambda x: x.median(), lambda x: x.median(), a)
    _grads(lambda x: x.median(), lambda x: x.median(), np.array([2.0, 1.0, 2.0, 5.0, 2.0]))
    _grads(lambda x: x.median(1).values, lambda x: x.median(1).values, a)
    _grads(lambda x: x.kthvalue(2, 0).values, lambda x: x.kthvalue(2, 0).values, a)
    _grads(lambda x: x.mode(1).values, lambda x: x.mode(1).values, np.array([[1.0, 2.0, 1.0], [3.0, 3.0, 0.0]]))


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_and_nanquantile_match_torch(interpolation):
    torch = _torch()
    a = np.random.default_rng(7).standard_normal((3, 4, 5))
    a[0, 1, 2] = NAN
    a[2, :, 3] = NAN
    x, tx = _pair(a)
    q = np.array([0.0, 0.25, 0.5, 0.625, 1.0])
    for fn in ("quantile", "nanquantile"):
        for kw in (dict(), dict(dim=1), dict(dim=-1, keepdim=True), dict(keepdim=True), dict(dim=0)):
            _same(getattr(fg, fn)(x, 0.4, interpolation=interpolation, **kw),
                  getattr(torch, fn)(tx, 0.4, interpolation=interpolation, **kw))
            _same(getattr(x, fn)(fg.tensor(q), interpolation=interpolation, **kw),
                  getattr(tx, fn)(torch.tensor(q), interpolation=interpolation, **kw))
    f32 = a.astype(np.float32)
    _same(fg.quantile(fg.tensor(f32), 0.3, dim=1, interpolation=interpolation),
          torch.quantile(torch.tensor(f32), 0.3, dim=1, interpolation=interpolation))
    b = np.random.default_rng(8).standard_normal((4, 6))
    _grads(lambda x: x.quantile(fg.tensor([0.3, 0.5], dtype=fg.float64), dim=1, interpolation=interpolation),
           lambda x: x.quantile(torch.tensor([0.3, 0.5], dtype=torch.float64), dim=1, interpolation=interpolation), b)


def test_quantile_bad_input_raises_as_torch():
    x = fg.randn(3, 4)
    with pytest.raises(RuntimeError, match=r"q must be in the range \[0, 1\]"):
        x.quantile(1.5)
    with pytest.raises(RuntimeError, match="same dtype"):
        x.quantile(fg.tensor([0.5], dtype=fg.float64))
    with pytest.raises(RuntimeError, match="float or double"):
        fg.quantile(fg.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match="non-empty"):
        fg.quantile(fg.zeros(0), 0.5)
    with pytest.raises(RuntimeError, match="interpolation"):
        x.quantile(0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="1D"):
        x.quantile(fg.full((2, 2), 0.5))


@pytest.mark.parametrize("kw", [dict(), dict(return_inverse=True), dict(return_counts=True),
                                dict(return_inverse=True, return_counts=True), dict(sorted=False)])
def test_unique_matches_torch(kw):
    torch = _torch()
    a = np.array([[2.0, 1.0, 2.0], [NAN, 1.0, NAN], [2.0, 1.0, 0.5]])
    x, tx = _pair(a)
    _same(fg.unique(x, **kw), torch.unique(tx, **kw))
    _same(x[[0, 2, 0]].unique(dim=0, **kw), tx[[0, 2, 0]].unique(dim=0, **kw))
    xi, ti = fg.tensor([[3, 1], [3, 1], [0, 2]]), torch.tensor([[3, 1], [3, 1], [0, 2]])
    _same(fg.unique(xi, dim=1, **kw), torch.unique(ti, dim=1, **kw))
    _same(xi.unique(**kw), ti.unique(**kw))
    flags = {k: v for k, v in kw.items() if k != "sorted"}
    _same(fg.unique_consecutive(xi, **flags), torch.unique_consecutive(ti, **flags))
    _same(xi.unique_consecutive(dim=0, **flags), ti.unique_consecutive(dim=0, **flags))
    y, ty = _pair(np.array([1.0, 1.0, NAN, NAN, 2.0, 2.0, 1.0]))
    _same(y.unique_consecutive(**flags), ty.unique_consecutive(**flags))


@pytest.mark.parametrize("kw", [dict(), dict(right=True), dict(side="right"), dict(side="left"),
                                dict(out_int32=True)])
def test_searchsorted_and_bucketize_match_torch(kw):
    torch = _torch()
    seq, tseq = _pair(np.array([1.0, 2.0, 2.0, 3.0, 5.0]))
    v, tv = _pair(np.array([[0.0, 2.0, 2.5], [5.0, 6.0, 1.0]]))
    _same(fg.searchsorted(seq, v, **kw), torch.searchsorted(tseq, tv, **kw))
    _same(fg.searchsorted(seq, 2.0, **kw), torch.searchsorted(tseq, 2.0, **kw))
    seq2, tseq2 = _pair(np.array([[1.0, 3.0, 5.0], [0.0, 2.0, 2.0]]))
    _same(fg.searchsorted(seq2, v, **kw), torch.searchsorted(tseq2, tv, **kw))
    perm = np.array([4, 0, 3, 1, 2])
    us, tus = _pair(np.array([1.0, 2.0, 2.0, 3.0, 5.0])[np.argsort(perm)])
    srt = fg.tensor(np.argsort(np.argsort(perm)))
    tsrt = torch.tensor(np.argsort(np.argsort(perm)))
    _same(fg.searchsorted(us, v, sorter=srt, **kw), torch.searchsorted(tus, tv, sorter=tsrt, **kw))
    if "side" not in kw:
        _same(fg.bucketize(v, seq, **kw), torch.bucketize(tv, tseq, **kw))
        _same(fg.bucketize(2.0, seq, **kw), torch.bucketize(2.0, tseq, **kw))


def test_searchsorted_bad_input_raises_runtime_error():
    seq = fg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="opposites"):
        fg.searchsorted(seq, fg.tensor([1.0]), side="left", right=True)
    with pytest.raises(RuntimeError, match="boundaries tensor"):
        fg.searchsorted(fg.ones(2, 3), fg.ones(3, 3))
    with pytest.raises(RuntimeError, match="1 dimension"):
        fg.bucketize(fg.ones(3), fg.ones(2, 2))
    with pytest.raises(RuntimeError, match="side"):
        fg.searchsorted(seq, fg.tensor([1.0]), side="middle")


def test_return_types_have_torch_names_and_fields():
    torch = _torch()
    x, tx = _pair(np.array([[1.0, 3.0], [2.0, 0.0]]))
    for name, args in [("max", (1,)), ("min", (0,)), ("sort", ()), ("topk", (1,)), ("kthvalue", (1,)),
                       ("median", (1,)), ("nanmedian", (0,)), ("mode", ()), ("cummax", (0,)), ("cummin", (1,))]:
        r, tr = getattr(fg, name)(x, *args), getattr(torch, name)(tx, *args)
        assert type(r).__name__ == type(tr).__name__ == name
        assert r._fields == ("values", "indices")
        assert isinstance(r, getattr(fg.return_types, name))
    assert fg.aminmax(x)._fields == ("min", "max")
    assert repr(fg.sort(x)).startswith("fastgrad.return_types.sort(")
