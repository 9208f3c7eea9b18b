"""rand/randn/randint/randperm call forms, normal's overloads, bernoulli, poisson, multinomial and the
in-place initialisers (issue 15, "Random"): shapes, dtypes, ranges, reproducibility, gradients and
torch's errors.  Streams differ from torch's, so values are checked statistically, not equal."""
import numpy as np
import pytest

import fastgrad as fg


def test_manual_seed_returns_generator_and_repeats():
    g = fg.manual_seed(3)
    assert isinstance(g, fg.Generator) and g.initial_seed() == 3
    a = fg.rand(4)
    fg.manual_seed(3)
    np.testing.assert_array_equal(fg.rand(4).numpy(), a.numpy())
    g1, g2 = fg.Generator().manual_seed(5), fg.Generator().manual_seed(5)
    for fn in (lambda g: fg.randn(3, generator=g), lambda g: fg.randint(0, 9, (3,), generator=g),
               lambda g: fg.randperm(5, generator=g), lambda g: fg.normal(0.0, 1.0, (2,), generator=g),
               lambda g: fg.multinomial(fg.ones(4), 2, generator=g), lambda g: fg.zeros(3).uniform_(generator=g)):
        np.testing.assert_array_equal(fn(g1).numpy(), fn(g2).numpy())


@pytest.mark.parametrize("make", [
    lambda **k: fg.rand(2, 3, **k), lambda **k: fg.rand((2, 3), **k), lambda **k: fg.rand([2, 3], **k),
    lambda **k: fg.rand(size=(2, 3), **k), lambda **k: fg.randn(2, 3, **k), lambda **k: fg.randn(size=[2, 3], **k),
])
def test_rand_randn_forms(make):
    t = make()
    assert t.shape == (2, 3) and t.dtype == fg.float32 and not t.requires_grad
    assert make(dtype=fg.float64).dtype == fg.float64
    assert make(requires_grad=True).requires_grad
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        make(dtype=fg.int64)


def test_rand_range_and_randn_moments():
    u = fg.rand(20000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    n = fg.randn(20000, dtype=fg.float64).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


@pytest.mark.parametrize("call, lo, hi", [
    (lambda **k: fg.randint(5, (300,), **k), 0, 5), (lambda **k: fg.randint(5, size=(300,), **k), 0, 5),
    (lambda **k: fg.randint(2, 5, (300,), **k), 2, 5), (lambda **k: fg.randint(high=3, size=(300,), **k), 0, 3),
    (lambda **k: fg.randint(low=-2, high=3, size=(300,), **k), -2, 3),
    (lambda **k: fg.randint(-3, 0, size=(300,), **k), -3, 0),
])
def test_randint_forms(call, lo, hi):
    t = call()
    assert t.dtype == fg.int64 and t.shape == (300,)
    v = t.numpy()
    assert v.min() == lo and v.max() == hi - 1
    f = call(dtype=fg.float32, requires_grad=True)
    assert f.dtype == fg.float32 and f.requires_grad


def test_randint_errors_match_torch():
    with pytest.raises(TypeError, match="randint"):
        fg.randint(5)
    with pytest.raises(RuntimeError, match="expects 'from' to be less than 'to'"):
        fg.randint(5, 3, (2,))
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        fg.randint(5, (2,), requires_grad=True)


def test_randperm_and_like_forms():
    p = fg.randperm(10)
    assert p.dtype == fg.int64 and sorted(p.tolist()) == list(range(10))
    assert fg.randperm(4, dtype=fg.float32).dtype == fg.float32
    with pytest.raises(RuntimeError, match="negative dimension"):
        fg.randperm(-1)
    x = fg.zeros(2, 3, dtype=fg.float64)
    assert fg.rand_like(x).dtype == fg.float64 and fg.randn_like(x, dtype=fg.float32).dtype == fg.float32
    r = fg.randint_like(x, 4)
    assert r.dtype == fg.float64 and r.shape == (2, 3) and r.numpy().max() < 4
    r2 = fg.randint_like(x, 1, 3, dtype=fg.int64)
    assert r2.dtype == fg.int64 and set(r2.tolist()[0]) <= {1, 2}


def test_normal_overloads_shapes_and_moments():
    m, s = fg.zeros(2, 1), fg.ones(3)
    assert fg.normal(m, s).shape == (2, 3)
    assert fg.normal(0.0, fg.ones(4)).shape == (4,)
    assert fg.normal(fg.zeros(4)).shape == (4,)
    assert fg.normal(0.0, 1.0, (2, 5)).shape == (2, 5) and fg.normal(0.0, 1.0, size=(3,)).shape == (3,)
    big = fg.normal(fg.full((20000,), 3.0, dtype=fg.float64), 2.0).numpy()
    assert abs(big.mean() - 3) < 0.1 and abs(big.std() - 2) < 0.1
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        fg.normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match="all elements of std >= 0.0"):
        fg.normal(fg.zeros(3), -fg.ones(3))
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        fg.normal(fg.zeros(3, dtype=fg.int64), 1.0)
    with pytest.raises(RuntimeError, match="size of mean"):
        fg.normal(fg.zeros(3), fg.ones(2))


def test_normal_gradients_mean_one_std_eps():
    mean = fg.zeros(5, dtype=fg.float64, requires_grad=True)
    std = fg.full((5,), 2.0, dtype=fg.float64, requires_grad=True)
    y = fg.normal(mean, std)
    y.sum().backward()
    np.testing.assert_array_equal(mean.grad.numpy(), np.ones(5))
    np.testing.assert_allclose(std.grad.numpy(), y.detach().numpy() / 2.0)


def test_bernoulli_and_poisson():
    p = fg.full((20000,), 0.3, dtype=fg.float64)
    b = fg.bernoulli(p)
    assert b.dtype == fg.float64 and set(np.unique(b.numpy())) <= {0.0, 1.0}
    assert abs(b.numpy().mean() - 0.3) < 0.02
    assert abs(fg.bernoulli(p, 0.8).numpy().mean() - 0.8) < 0.02
    pg = fg.full((3,), 0.5, requires_grad=True)
    out = fg.bernoulli(pg)
    assert out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(pg.grad.numpy(), np.zeros(3))
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        fg.bernoulli(fg.full((3,), 1.5))
    with pytest.raises(NotImplementedError, match="'Long'"):
        fg.bernoulli(fg.ones(3, dtype=fg.int64))
    rates = fg.full((20000,), 4.0)
    ps = fg.poisson(rates).numpy()
    assert ps.dtype == np.float32 and abs(ps.mean() - 4) < 0.1 and (ps == np.round(ps)).all()
    with pytest.raises(RuntimeError, match="non-negative"):
        fg.poisson(fg.tensor([-1.0, 2.0]))
    with pytest.raises(NotImplementedError, match="poisson_cpu"):
        fg.poisson(fg.tensor([1, 2]))


def test_multinomial_with_and_without_replacement():
    w = fg.tensor([0.2, 0.8, 0.0])
    s = fg.multinomial(w, 3)
    assert s.dtype == fg.int64 and sorted(s.tolist()) == [0, 1, 2] and s.tolist()[2] == 2  # zero weight last
    many = fg.multinomial(fg.tensor([1.0, 3.0]), 20000, replacement=True).numpy()
    assert abs(many.mean() - 0.75) < 0.02
    rows = fg.multinomial(fg.tensor([[0.0, 1.0], [1.0, 0.0]]), 4, True)
    assert rows.shape == (2, 4) and rows.tolist() == [[1] * 4, [0] * 4]
    first = fg.multinomial(fg.tensor([[1.0, 0.0, 0.0, 0.0]] * 3), 2)
    assert first.tolist() and all(r[0] == 0 for r in first.tolist())
    assert w.multinomial(2).shape == (2,)


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: fg.multinomial(fg.tensor([0.2, 0.8]), 3), RuntimeError, "without replacement"),
    (lambda: fg.multinomial(fg.tensor([0.2, -0.8]), 1), RuntimeError, "element < 0"),
    (lambda: fg.multinomial(fg.tensor([0.2, float("nan")]), 1), RuntimeError, "nan"),
    (lambda: fg.multinomial(fg.tensor([0.0, 0.0]), 1), RuntimeError, "sum of probabilities <= 0"),
    (lambda: fg.multinomial(fg.tensor(1.0), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda: fg.multinomial(fg.ones(2, 2, 2), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda: fg.multinomial(fg.tensor([1, 2]), 1), RuntimeError, "floating-point dtypes for input, got: Long"),
    (lambda: fg.multinomial(fg.tensor([0.2, 0.8]), 0), RuntimeError, "n_sample <= 0"),
])
def test_multinomial_errors_as_torch(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_multinomial_errors_are_torchs():
    torch = pytest.importorskip("torch")
    for args in (([0.2, 0.8], 3), ([0.2, -0.8], 1), ([0.0, 0.0], 1), ([0.2, 0.8], 0)):
        with pytest.raises(RuntimeError) as ours:
            fg.multinomial(fg.tensor(args[0]), args[1])
        with pytest.raises(RuntimeError) as theirs:
            torch.multinomial(torch.tensor(args[0]), args[1])
        assert str(ours.value) == "multinomial: " + str(theirs.value)


def test_inplace_initialisers():
    x = fg.zeros(20000, dtype=fg.float64)
    u = x.uniform_(2.0, 4.0).numpy()
    assert u.min() >= 2 and u.max() < 4
    n = x.normal_(1.0, 3.0).numpy()
    assert abs(n.mean() - 1) < 0.1 and abs(n.std() - 3) < 0.1
    e = x.exponential_(2.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.02
    b = x.bernoulli_(0.25).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.25) < 0.02
    assert set(np.unique(fg.zeros(5).bernoulli_(fg.ones(5)).numpy())) == {1.0}
    r = x.random_(3, 7).numpy()
    assert r.min() == 3 and r.max() == 6
    assert x.random_(4).numpy().max() == 3
    assert 0 <= fg.zeros(50, dtype=fg.int8).random_().numpy().min()
    assert fg.zeros(100).random_().numpy().max() <= 2 ** 24
    g = x.geometric_(0.5).numpy()
    assert g.min() >= 1
    assert (x.log_normal_().numpy() > 0).all()
    assert np.isfinite(x.cauchy_().numpy()).all()
    assert x.fill_(2.5).numpy().max() == 2.5
    assert x.uniform_() is x


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: fg.zeros(3).uniform_(2, 1), RuntimeError, "from=2 > to=1"),
    (lambda: fg.zeros(3).normal_(0, -1), RuntimeError, "std >= 0.0"),
    (lambda: fg.zeros(3).exponential_(-1.0), RuntimeError, "lambda > 0.0"),
    (lambda: fg.zeros(3, dtype=fg.int64).uniform_(), NotImplementedError, "check_uniform_bounds"),
    (lambda: fg.zeros(3, dtype=fg.int64).normal_(), NotImplementedError, "normal_kernel_cpu"),
    (lambda: fg.zeros(3).random_(5, 2), RuntimeError, "from=5 >= to=2"),
    (lambda: fg.zeros(3, requires_grad=True).uniform_(), RuntimeError, "leaf Variable that requires grad"),
])
def test_inplace_initialiser_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_inplace_initialisers_under_no_grad_on_a_parameter():
    w = fg.nn.Parameter(fg.zeros(4))
    with fg.no_grad():
        w.uniform_(-1, 1)
        w.normal_()
    assert w.requires_grad and w.is_leaf and np.abs(w.detach().numpy()).max() > 0


def test_generator_device():
    g = fg.Generator(device="cpu")
    assert g.device == fg.device("cpu") and fg.manual_seed(1).device == fg.device("cpu")
    with pytest.raises(RuntimeError, match="CPU-only"):
        fg.Generator(device="cuda")


def test_rng_state_round_trip():
    state = fg.get_rng_state()
    assert isinstance(state, fg.Tensor) and state.dtype == fg.uint8
    a = fg.rand(5)
    fg.set_rng_state(state)
    np.testing.assert_array_equal(fg.rand(5).numpy(), a.numpy())
    g = fg.Generator().manual_seed(2)
    st = g.get_state()
    b = fg.randn(3, generator=g)
    np.testing.assert_array_equal(fg.randn(3, generator=g.set_state(st)).numpy(), b.numpy())
    with pytest.raises(RuntimeError, match="set_state"):
        fg.set_rng_state(fg.zeros(4, dtype=fg.uint8))
