"""float16/bfloat16 arithmetic (fastgrad/lowp.py): computed in float32 and rounded, as torch's CPU:
pointwise results bit-exact against torch, reductions and products within a tolerance, gradients
of the leaf's own dtype, torch.result_type's promotion, and torch's refusals."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

DTYPES = ["float16", "bfloat16"]
_RNG = np.random.default_rng(7)
X = _RNG.standard_normal((3, 4)).astype(np.float32)
Y = (_RNG.standard_normal((3, 4)) + 0.1).astype(np.float32)


def _fn(m):
    return F if m is fg else TF


# name -> f(module, a, b); the results must equal torch's bit for bit
EXACT = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b, "add_scalar": lambda m, a, b: a + 1.3, "rsub_scalar": lambda m, a, b: 2.5 - a,
    "mul_int": lambda m, a, b: a * 3, "pow2": lambda m, a, b: a ** 2, "neg": lambda m, a, b: -a,
    "exp": lambda m, a, b: a.exp(), "log": lambda m, a, b: b.abs().log(), "sqrt": lambda m, a, b: b.abs().sqrt(),
    "rsqrt": lambda m, a, b: b.abs().rsqrt(), "tanh": lambda m, a, b: a.tanh(), "sigmoid": lambda m, a, b: a.sigmoid(),
    "relu": lambda m, a, b: a.relu(), "abs": lambda m, a, b: a.abs(), "sin": lambda m, a, b: a.sin(),
    "cos": lambda m, a, b: a.cos(), "erf": lambda m, a, b: a.erf(), "log1p": lambda m, a, b: b.abs().log1p(),
    "square": lambda m, a, b: a.square(), "reciprocal": lambda m, a, b: b.reciprocal(),
    "clamp": lambda m, a, b: a.clamp(-0.5, 0.5), "floor": lambda m, a, b: a.floor(), "round": lambda m, a, b: a.round(),
    "sign": lambda m, a, b: a.sign(), "maximum": lambda m, a, b: m.maximum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b), "where": lambda m, a, b: m.where(a > b, a, b),
    "gelu": lambda m, a, b: _fn(m).gelu(a), "silu": lambda m, a, b: _fn(m).silu(a),
    "leaky_relu": lambda m, a, b: _fn(m).leaky_relu(a, 0.1), "elu": lambda m, a, b: _fn(m).elu(a),
    "softplus": lambda m, a, b: _fn(m).softplus(a), "hardswish": lambda m, a, b: _fn(m).hardswish(a),
    "softmax": lambda m, a, b: _fn(m).softmax(a, 1), "layer_norm": lambda m, a, b: _fn(m).layer_norm(a, (4,)),
    "gt": lambda m, a, b: a > b, "eq": lambda m, a, b: a == b, "le_scalar": lambda m, a, b: a <= 0.1,
    "max": lambda m, a, b: a.max(), "amax": lambda m, a, b: a.amax(1), "min_dim": lambda m, a, b: a.min(1)[0],
    "argmax": lambda m, a, b: a.argmax(1), "sort": lambda m, a, b: a.sort(1)[0], "topk": lambda m, a, b: a.topk(2)[1],
    "cat": lambda m, a, b: m.cat([a, b]), "getitem": lambda m, a, b: a[1:, ::2], "T": lambda m, a, b: a.T * 1,
    "masked_fill": lambda m, a, b: a.masked_fill(a > 0.3, 2.0), "isnan": lambda m, a, b: (a / 0 * 0).isnan(),
    "median": lambda m, a, b: a.median(), "median_dim": lambda m, a, b: a.median(1)[0],
    "cummax": lambda m, a, b: a.cummax(1)[0], "nan_to_num": lambda m, a, b: m.nan_to_num(a / 0),
    "histc": lambda m, a, b: m.histc(a.detach(), 5), "unique": lambda m, a, b: m.unique(a.detach().round()),
    "prelu": lambda m, a, b: _fn(m).prelu(a, m.tensor([0.25]).to(a.dtype)),
    "interpolate": lambda m, a, b: _fn(m).interpolate(a[None], scale_factor=2.0),
}
# reductions, products and composites: torch accumulates differently, so within a tolerance
CLOSE = {
    "sum": lambda m, a, b: a.sum(), "sum_dim": lambda m, a, b: a.sum(1), "mean": lambda m, a, b: a.mean(0),
    "prod": lambda m, a, b: a.prod(1), "var": lambda m, a, b: a.var(1), "std": lambda m, a, b: a.std(),
    "norm": lambda m, a, b: a.norm(), "cumsum": lambda m, a, b: a.cumsum(1),
    "logsumexp": lambda m, a, b: a.logsumexp(1),
    "matmul": lambda m, a, b: a @ b.T, "linear": lambda m, a, b: _fn(m).linear(a, b, b[:, 0]),
    "log_softmax": lambda m, a, b: _fn(m).log_softmax(a, 1), "mse_loss": lambda m, a, b: _fn(m).mse_loss(a, b),
    "cross_entropy": lambda m, a, b: _fn(m).cross_entropy(a, m.tensor([0, 2, 3])),
    "nll_loss": lambda m, a, b: _fn(m).nll_loss(a, m.tensor([0, 2, 3])),
    "l1_loss": lambda m, a, b: _fn(m).l1_loss(a, b), "conv1d": lambda m, a, b: _fn(m).conv1d(a[None], b[:2, :3, None]),
    "sdpa": lambda m, a, b: _fn(m).scaled_dot_product_attention(a[None], b[None], b[None]),
    "einsum": lambda m, a, b: m.einsum("ij,kj->ik", a, b), "nanmean": lambda m, a, b: m.nanmean(a),
    "bce": lambda m, a, b: _fn(m).binary_cross_entropy(a.sigmoid(), b.sigmoid()),
    "batch_norm": lambda m, a, b: _fn(m).batch_norm(a, None, None, training=True),
    "group_norm": lambda m, a, b: _fn(m).group_norm(a[None], 1),
}


def _pair(dt):
    f = (fg.tensor(X).to(getattr(fg, dt)).requires_grad_(), fg.tensor(Y).to(getattr(fg, dt)))
    t = (torch.tensor(X).to(getattr(torch, dt)).requires_grad_(), torch.tensor(Y).to(getattr(torch, dt)))
    return f, t


def _values(r):
    return (r.detach().float() if r.dtype.is_floating_point else r.detach()).numpy()


def _check(name, fn, dt, exact):
    (fa, fb), (ta, tb) = _pair(dt)
    ours, theirs = fn(fg, fa, fb), fn(torch, ta, tb)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1], name
    if exact:
        np.testing.assert_array_equal(_values(ours), _values(theirs), err_msg=name)
    else:
        np.testing.assert_allclose(_values(ours), _values(theirs), rtol=2e-2, atol=2e-2, err_msg=name)
    if theirs.requires_grad:
        assert ours.requires_grad
        ours.float().sum().backward()
        theirs.float().sum().backward()
        assert fa.grad.dtype == getattr(fg, dt), name  # a leaf's gradient has its own dtype
        np.testing.assert_allclose(fa.grad.float().numpy(), ta.grad.float().numpy(), rtol=3e-2, atol=3e-2,
                                   err_msg=name)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", sorted(EXACT))
def test_pointwise_and_selection_bit_exact_as_torch(name, dt):
    _check(name, EXACT[name], dt, True)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", sorted(CLOSE))
def test_reductions_products_losses_close_to_torch(name, dt):
    _check(name, CLOSE[name], dt, False)


_VALS = {"float16": fg.tensor([1.0, -2.0]).half(), "bfloat16": fg.tensor([1.0, -2.0]).bfloat16(),
         "float32": fg.tensor([1.0, -2.0]), "float64": fg.tensor([1.0, -2.0]).double(),
         "int64": fg.tensor([1, -2]), "int32": fg.tensor([1, -2]).int(), "bool": fg.tensor([True, False])}


_PAIRS = [(a, b) for a in sorted(_VALS) for b in sorted(_VALS) + ["2", "2.5", "True"]
          if "float16" in (a, b) or "bfloat16" in (a, b)]


@pytest.mark.parametrize("a,b", _PAIRS)
def test_promotion_follows_torch_result_type(a, b):
    tv = {k: torch.from_numpy(np.asarray(v.float().tolist())).to(getattr(torch, k)) for k, v in _VALS.items()}
    fb = _VALS[b] if b in _VALS else eval(b)  # noqa: S307  (a Python scalar literal)
    tb = tv[b] if b in tv else eval(b)  # noqa: S307
    got = _VALS[a] + fb
    assert str(got.dtype).split(".")[1] == str(torch.result_type(tv[a], tb)).split(".")[1]
    np.testing.assert_array_equal(got.float().tolist(), (tv[a] + tb).float().tolist())


@pytest.mark.parametrize("dt", DTYPES)
def test_comparison_with_a_python_number_rounds_it_to_the_tensor_dtype(dt):
    x = np.array([0.0999, 0.1, 0.1001, 0.10009765625, 0.10034, 2.0], np.float32)
    f, t = fg.tensor(x).to(getattr(fg, dt)), torch.tensor(x).to(getattr(torch, dt))
    for op in ("__gt__", "__ge__", "__lt__", "__le__", "__eq__", "__ne__"):
        np.testing.assert_array_equal(getattr(f, op)(0.1).numpy(), getattr(t, op)(0.1).numpy(), err_msg=op)
        np.testing.assert_array_equal(getattr(f, op)(f.float()).numpy(), getattr(t, op)(t.float()).numpy())


@pytest.mark.parametrize("dt", DTYPES)
def test_in_place_arithmetic_and_writes_as_torch(dt):
    x = np.array([[0.2, 0.7], [0.4, 0.1]], np.float32)
    cases = [lambda v: v.add_(1.5), lambda v: v.mul_(v), lambda v: v.sub_(v, alpha=0.5), lambda v: v.div_(3),
             lambda v: v.relu_(), lambda v: v.clamp_(0.3, 0.5), lambda v: v.zero_(), lambda v: v.fill_(2.5),
             lambda v: v.__setitem__(0, 3.3), lambda v: v.masked_fill_(v > 0.3, 2.0), lambda v: v.copy_(v * 2),
             lambda v: v.exp_()]
    for i, case in enumerate(cases):
        a, b = fg.tensor(x).to(getattr(fg, dt)), torch.tensor(x).to(getattr(torch, dt))
        case(a)
        case(b)
        assert a.dtype == getattr(fg, dt)
        np.testing.assert_array_equal(a.float().numpy(), b.float().numpy(), err_msg=str(i))


@pytest.mark.parametrize("dt", DTYPES)
def test_autograd_through_a_chain_and_a_shared_leaf(dt):
    """Gradients accumulate in the leaf's dtype (two uses of w, a view, a cast in the graph)."""
    w = fg.tensor([[0.5, -1.0], [2.0, 0.25]]).to(getattr(fg, dt)).requires_grad_()
    tw = torch.tensor([[0.5, -1.0], [2.0, 0.25]]).to(getattr(torch, dt)).requires_grad_()
    for m, v in ((fg, w), (torch, tw)):
        ((v @ v.T).tanh().sum() + (v.T * 3).float().sum() + v[0].exp().sum()).backward()
        ((v * v).sum()).backward()  # a second backward accumulates into .grad
    assert w.grad.dtype == getattr(fg, dt)
    np.testing.assert_allclose(w.grad.float().numpy(), tw.grad.float().numpy(), rtol=2e-2, atol=2e-2)
    g = fg.autograd.grad((w * 2).sum(), w)[0]
    assert g.dtype == getattr(fg, dt) and g.float().tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_float16_with_bfloat16_computes_in_float32():
    a, b = fg.tensor([1.0, 2.0]).half().requires_grad_(), fg.tensor([3.0, 0.1]).bfloat16().requires_grad_()
    c = a * b
    assert c.dtype == fg.float32 and torch.result_type(torch.ones(1).half(), torch.ones(1).bfloat16()) == torch.float32
    c.sum().backward()
    assert a.grad.dtype == fg.float16 and b.grad.dtype == fg.bfloat16
    np.testing.assert_array_equal(a.grad.float().numpy(), b.detach().float().half().float().numpy())


@pytest.mark.parametrize("dt", DTYPES)
def test_refused_where_torch_refuses(dt):
    x = fg.randn(3, 4).to(getattr(fg, dt))
    tx = torch.randn(3, 4).to(getattr(torch, dt))
    name = {"float16": "Half", "bfloat16": "BFloat16"}[dt]
    with pytest.raises(NotImplementedError, match=f'"cdist" not implemented for \'{name}\''):
        torch.cdist(tx, tx)
    with pytest.raises(NotImplementedError, match=f'"cdist" not implemented for \'{name}\''):
        fg.cdist(x, x)
    assert fg.cdist(fg.randn(30, 4).to(getattr(fg, dt)), fg.randn(30, 4).to(getattr(fg, dt))).dtype == x.dtype
    with pytest.raises(RuntimeError, match="quantile"):
        fg.quantile(x, 0.5)
    with pytest.raises(RuntimeError, match="must be either float or double"):
        torch.quantile(tx, 0.5)


def test_float32_ops_never_take_the_low_precision_path(monkeypatch):
    """The rerun is reached only by float16/bfloat16 inputs (its cost is paid by them alone)."""
    import fastgrad.autograd.function as function
    calls = []
    monkeypatch.setattr(function, "apply_lowp", lambda *a: calls.append(a))
    x = fg.randn(4, 3, requires_grad=True)
    (F.softmax(x @ x.T + 1.0, 1).relu().sum() + F.mse_loss(x, x.detach() * 2)).backward()
    assert calls == []
    with pytest.raises(TypeError):  # a genuine error of a float32 op still raises as before
        F.linear(x, fg.randn(3, 3), "bias")


@pytest.mark.parametrize("dt", DTYPES)
def test_a_saved_input_written_in_place_raises_as_torch(dt):
    """The float32 copies an op saved stand for the float16/bfloat16 arrays: writing those in place
    before backward raises torch's error; an input the op did not save may be written."""
    for lib in (fg, torch):
        a = lib.ones(3, dtype=getattr(lib, dt), requires_grad=True)
        b = lib.ones(3, dtype=getattr(lib, dt)) * 2
        z = (a * b).sum()  # mul saves b
        b.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()
        c = lib.ones(3, dtype=getattr(lib, dt))
        y = (a * 1 + c).sum()  # add saves nothing
        c.add_(1)
        y.backward()
        assert a.grad.dtype == getattr(lib, dt)
    name = {"float16": "Half", "bfloat16": "BFloat16"}[dt]
    x = fg.ones(2, dtype=getattr(fg, dt), requires_grad=True)
    w = fg.ones(2, dtype=getattr(fg, dt))
    loss = (x * w).sum()
    w.mul_(3)
    with pytest.raises(RuntimeError, match=f"fastgrad.{name}Tensor"):
        loss.backward()
