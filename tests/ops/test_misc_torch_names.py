"""promote_types / result_type / can_cast against torch's tables, histogramdd against numpy and
torch, the deprecated inclusive range (and its warning), binomial sampling, addmv_: values,
dtypes and errors as torch."""
import itertools
import warnings

import numpy as np
import pytest

import fastgrad as fg

RNG = np.random.default_rng(3)
NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _torch():
    return pytest.importorskip("torch")


def _dn(d):
    return str(d).split(".")[-1]


def _raises_like(fn_fg, fn_th):
    torch = _torch()
    with pytest.raises(Exception) as te:
        fn_th(torch)
    with pytest.raises(type(te.value)):
        fn_fg(fg)


def test_promote_types_and_can_cast_match_torch_tables():
    torch = _torch()
    for a, b in itertools.product(NAMES, NAMES):
        p = fg.promote_types(getattr(fg, a), getattr(fg, b))
        assert isinstance(p, fg.dtype)
        assert _dn(p) == _dn(torch.promote_types(getattr(torch, a), getattr(torch, b))), (a, b)
        assert fg.can_cast(getattr(fg, a), getattr(fg, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))
    _raises_like(lambda m: m.promote_types(m.int64, m.uint64), lambda t: t.promote_types(t.int64, t.uint64))
    _raises_like(lambda m: m.promote_types(m.uint16, m.int32), lambda t: t.promote_types(t.uint16, t.int32))


def test_result_type_tiers_match_torch():
    torch = _torch()

    def both(kind, name, shape):
        arr = np.ones(shape, dtype=np.float32 if name == "bfloat16" else name)
        return fg.tensor(arr, dtype=getattr(fg, name)), torch.tensor(arr, dtype=getattr(torch, name))

    operands = []
    for name in ("bool", "uint8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"):
        operands.append(both("dim", name, (2,)))
        operands.append(both("zero", name, ()))
    operands += [(v, v) for v in (True, 3, -1, 2.5)]
    for (fa, ta), (fb, tb) in itertools.product(operands, operands):
        if not isinstance(fa, fg.Tensor) and not isinstance(fb, fg.Tensor):
            continue
        assert _dn(fg.result_type(fa, fb)) == _dn(torch.result_type(ta, tb)), (ta, tb)
    assert _dn(fg.result_type(2, 3.0)) == _dn(torch.result_type(2, 3.0))
    assert _dn(fg.result_type(True, False)) == "bool"


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_histogramdd_matches_numpy_and_torch(dt):
    torch = _torch()
    x = RNG.standard_normal((40, 3)).astype(dt)
    w = RNG.uniform(0, 2, 40).astype(dt)
    for kw in ({"bins": 4}, {"bins": [2, 3, 4]}, {"bins": 3, "range": [-1.0, 1.0, -2.0, 0.5, 0.0, 3.0]},
               {"bins": [2, 3, 2], "weight": "w"}, {"bins": 3, "density": True},
               {"bins": [2, 2, 3], "weight": "w", "density": True}):
        fkw = {k: (fg.tensor(w) if v == "w" else v) for k, v in kw.items()}
        tkw = {k: (torch.tensor(w) if v == "w" else v) for k, v in kw.items()}
        r, tr = fg.histogramdd(fg.tensor(x), **fkw), torch.histogramdd(torch.tensor(x), **tkw)
        assert type(r).__name__ == "histogramdd" and r._fields == ("hist", "bin_edges")
        assert _dn(r.hist.dtype) == dt and len(r.bin_edges) == 3
        np.testing.assert_allclose(r.hist.numpy(), tr.hist.numpy(), rtol=1e-5)
        for e, te in zip(r.bin_edges, tr.bin_edges):
            np.testing.assert_allclose(e.numpy(), te.numpy(), rtol=1e-6)
        ref, _ = np.histogramdd(x.astype(np.float64), [e.numpy().astype(np.float64) for e in r.bin_edges],
                                weights=w if "weight" in kw else None, density=kw.get("density", False))
        np.testing.assert_allclose(r.hist.numpy(), ref, rtol=1e-5, atol=1e-6)
    edges = [torch.tensor(e, dtype=getattr(torch, dt)) for e in ([-3.0, 0.0, 3.0], [-1.0, 2.0],
                                                                [-3.0, -1.0, 0.0, 1.0, 3.0])]
    r = fg.histogramdd(fg.tensor(x), bins=[fg.tensor(e.numpy()) for e in edges])
    tr = torch.histogramdd(torch.tensor(x), bins=edges)
    np.testing.assert_allclose(r.hist.numpy(), tr.hist.numpy())


def test_histogramdd_shapes_and_errors():
    torch = _torch()
    for x in (np.array([[1.0, 1.0]]), np.zeros((0, 2)), RNG.standard_normal((2, 5, 2))):
        r, tr = fg.histogramdd(fg.tensor(x), bins=2), torch.histogramdd(torch.tensor(x), bins=2)
        np.testing.assert_allclose(r.hist.numpy(), tr.hist.numpy())
        for e, te in zip(r.bin_edges, tr.bin_edges):
            np.testing.assert_allclose(e.numpy(), te.numpy())
    for c in (lambda m: m.histogramdd(m.tensor([[0.0, 1]]), bins=[2, 2, 2]),
              lambda m: m.histogramdd(m.tensor([[0.0, 1]]), bins=2, weight=m.ones(2)),
              lambda m: m.histogramdd(m.tensor([[0, 1]]), bins=2),
              lambda m: m.histogramdd(m.tensor([0.0, 1, 2]), bins=2),
              lambda m: m.histogramdd(m.tensor([[0.0, 1]]), bins=2, range=[0.0, 1.0]),
              lambda m: m.histogramdd(m.tensor([[0.0, 1]]), bins=[0, 2])):
        _raises_like(c, c)


def test_range_inclusive_end_warning_and_errors():
    torch = _torch()
    for args, kw in (((0, 3), {}), ((0, 1, 0.3), {}), ((3, 0, -1), {}), ((0, 3), {"dtype": "int64"}),
                     ((0, 2.5, 1), {"dtype": "int64"}), ((-1, 1, 0.5), {"dtype": "float64"}), ((2, 2), {})):
        fkw = {k: getattr(fg, v) for k, v in kw.items()}
        tkw = {k: getattr(torch, v) for k, v in kw.items()}
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            y = fg.range(*args, **fkw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ty = torch.range(*args, **tkw)
        assert _dn(y.dtype) == _dn(ty.dtype)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning):
        assert fg.range(0, 1, requires_grad=True).requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_like(lambda m: m.range(0, 3, 0), lambda t: t.range(0, 3, 0))
        _raises_like(lambda m: m.range(3, 0), lambda t: t.range(3, 0))
        with pytest.raises(RuntimeError, match="step must be nonzero"):   # torch crashes (SIGFPE) on this one
            fg.range(0, 3, 0.5, dtype=fg.int64)


def test_binomial_samples_dtypes_and_errors():
    fg.manual_seed(0)
    n = fg.full((20000,), 10.0)
    p = fg.full((20000,), 0.3)
    s = fg.binomial(n, p)
    assert s.dtype == fg.float32 and s.shape == (20000,)
    v = s.numpy()
    assert (v == np.round(v)).all() and v.min() >= 0 and v.max() <= 10
    assert abs(v.mean() - 3.0) < 0.05 and abs(v.var() - 2.1) < 0.1
    fg.manual_seed(1)
    a = fg.binomial(fg.tensor([5.0, 0.0, -5.0, 4.0]), fg.tensor([1.5, 0.5, 0.5, -0.2]))
    np.testing.assert_array_equal(a.numpy(), [5.0, 0.0, 0.0, 0.0])
    assert fg.binomial(fg.tensor([5.0]), fg.tensor([0.5, 0.3])).shape == (2,)
    g = fg.Generator().manual_seed(4)
    x1 = fg.binomial(fg.full((5,), 9.0, dtype=fg.float64), fg.full((5,), 0.5, dtype=fg.float64), generator=g)
    g.manual_seed(4)
    x2 = fg.binomial(fg.full((5,), 9.0, dtype=fg.float64), fg.full((5,), 0.5, dtype=fg.float64), generator=g)
    assert x1.dtype == fg.float64 and x1.numpy().tolist() == x2.numpy().tolist()
    assert not fg.binomial(fg.ones(2, requires_grad=True), fg.full((2,), 0.5)).requires_grad
    _raises_like(lambda m: m.binomial(m.tensor([5, 10]), m.tensor([0.5, 0.1])),
                 lambda t: t.binomial(t.tensor([5, 10]), t.tensor([0.5, 0.1])))
    _raises_like(lambda m: m.binomial(m.tensor([5.0], dtype=m.float64), m.tensor([0.5])),
                 lambda t: t.binomial(t.tensor([5.0], dtype=t.float64), t.tensor([0.5])))


def test_addmv_inplace_as_torch():
    torch = _torch()
    y, m, v = RNG.standard_normal(2), RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    t, tt = fg.tensor(y.copy()), torch.tensor(y.copy())
    assert t.addmv_(fg.tensor(m), fg.tensor(v), beta=0.5, alpha=2) is t
    tt.addmv_(torch.tensor(m), torch.tensor(v), beta=0.5, alpha=2)
    np.testing.assert_allclose(t.numpy(), tt.numpy())
    fg.addmv_(t, fg.tensor(m), fg.tensor(v))
    torch.addmv_(tt, torch.tensor(m), torch.tensor(v))
    np.testing.assert_allclose(t.numpy(), tt.numpy())
    leaf = fg.tensor(y, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.addmv_(fg.tensor(m), fg.tensor(v))
    mm = fg.tensor(m, requires_grad=True)
    z = fg.tensor(y) * 1
    z.addmv_(mm, fg.tensor(v))
    z.sum().backward()
    np.testing.assert_allclose(mm.grad.numpy(), np.outer(np.ones(2), v))
    _raises_like(lambda f: f.zeros(3).addmv_(f.ones(2, 3), f.ones(3)), lambda t: t.zeros(3).addmv_(t.ones(2, 3),
                                                                                                     t.ones(3)))


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_low_precision_forms_match_torch(dt):
    """Every new float function in float16 and bfloat16 (computed in float32 and rounded, as torch's CPU)."""
    torch = _torch()
    av, bv = [0.0, 1.5, 2.0], [0.0, 2.0, 3.0]
    a, b = fg.tensor(av, dtype=getattr(fg, dt)), fg.tensor(bv, dtype=getattr(fg, dt))
    ta, tb = torch.tensor(av, dtype=getattr(torch, dt)), torch.tensor(bv, dtype=getattr(torch, dt))
    calls = [
        lambda m, x, y: m.xlogy(x, y), lambda m, x, y: m.i0(y), lambda m, x, y: m.igamma(y + 1, x),
        lambda m, x, y: m.igammac(y + 1, x), lambda m, x, y: m.polygamma(2, y + 1),
        lambda m, x, y: m.mvlgamma(y + 1, 2),
        lambda m, x, y: m.frexp(y)[0], lambda m, x, y: m.frexp(y)[1], lambda m, x, y: m.ldexp(y, x),
        lambda m, x, y: m.diff(y), lambda m, x, y: m.cov(m.stack([x, y])), lambda m, x, y: m.corrcoef(m.stack([x, y])),
        lambda m, x, y: m.fmax(x, y), lambda m, x, y: m.fmin(x, y), lambda m, x, y: m.signbit(-x),
        lambda m, x, y: m.trapezoid(y), lambda m, x, y: m.cumulative_trapezoid(y, x),
        lambda m, x, y: m.renorm(m.stack([x, y]), 2, 0, 1.0), lambda m, x, y: m.dist(x, y),
        lambda m, x, y: m.addr(m.stack([x, y, x]), x, y), lambda m, x, y: m.block_diag(x, y),
        lambda m, x, y: m.cartesian_prod(x, y), lambda m, x, y: m.combinations(x), lambda m, x, y: m.diagflat(x),
        lambda m, x, y: m.vander(y), lambda m, x, y: m.isin(x, y), lambda m, x, y: m.nextafter(x, y),
        lambda m, x, y: m.put(y, m.tensor([0]), x[:1]),
    ]
    for c in calls:
        y, ty = c(fg, a, b), c(torch, ta, tb)
        assert _dn(y.dtype) == _dn(ty.dtype)
        conv = (lambda z: z.numpy()) if _dn(y.dtype) in ("bool", "int32") else (lambda z: z.float().numpy())
        np.testing.assert_allclose(conv(y), conv(ty), rtol=1e-2, atol=1e-3, equal_nan=True)
    _raises_like(lambda m: m.histogramdd(m.ones(3, 2, dtype=getattr(m, dt)), bins=2),
                 lambda t: t.histogramdd(t.ones(3, 2, dtype=getattr(t, dt)), bins=2))
