"""fastgrad.distributions against torch.distributions for the same parameters: log_prob, entropy,
moments, cdf/icdf, KL (float32 and float64, batched and broadcast parameters), their gradients
(torch and gradcheck), rsample gradients, sample shapes and statistics, validation errors, repr."""
import numpy as np
import pytest

import fastgrad
import fastgrad.distributions as fd
from fastgrad.autograd import gradcheck
from tests.distributions.cases import CASES, IMPLICIT_RSAMPLE, KL_CASES, SAMPLE_CASES

torch = pytest.importorskip("torch")
td = torch.distributions

DTYPES = [("float32", 1e-5), ("float64", 1e-10)]


def _params(lib, params, dtype, requires_grad=False):
    if lib == "torch":
        tdt = getattr(torch, dtype)
        return {k: torch.tensor(v, dtype=tdt, requires_grad=requires_grad) for k, v in params.items()}
    fdt = getattr(fastgrad, dtype)
    return {k: fastgrad.tensor(v, dtype=fdt, requires_grad=requires_grad) for k, v in params.items()}


def _value(lib, value, dtype, name):
    integer = name.startswith("Categorical")
    if lib == "torch":
        return torch.tensor(value, dtype=torch.long if integer else getattr(torch, dtype))
    return fastgrad.tensor(value, dtype=fastgrad.long if integer else getattr(fastgrad, dtype))


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _call(d, method, value):
    attr = getattr(d, method)
    if method in ("log_prob", "cdf"):
        return attr(value)
    if method == "icdf":
        return attr(d.cdf(value))
    return attr() if callable(attr) else attr


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_distribution_forward_matches_torch(name, dtype, tol):
    params, build, value, methods = CASES[name]
    f = build(fd, _params("fastgrad", params, dtype))
    t = build(td, _params("torch", params, dtype))
    assert tuple(f.batch_shape) == tuple(t.batch_shape) and tuple(f.event_shape) == tuple(t.event_shape)
    assert f.has_rsample == t.has_rsample and f.has_enumerate_support == t.has_enumerate_support
    fv, tv = _value("fastgrad", value, dtype, name), _value("torch", value, dtype, name)
    for m in methods:
        a, b = _call(f, m, fv), _call(t, m, tv)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], m
        # torch's Multinomial.entropy takes lgamma(n + 1) of an int64 tensor, i.e. in float32
        rt = 1e-7 if (name, m) == ("Multinomial", "entropy") else tol * 10
        np.testing.assert_allclose(_np(a), _np(b), rtol=rt, atol=rt, err_msg=m)


@pytest.mark.parametrize("name", sorted(CASES))
def test_distribution_grad_matches_torch(name):
    params, build, value, methods = CASES[name]
    fp, tp = _params("fastgrad", params, "float64", True), _params("torch", params, "float64", True)
    f, t = build(fd, fp), build(td, tp)
    fv, tv = _value("fastgrad", value, "float64", name), _value("torch", value, "float64", name)
    wanted = [m for m in methods if m in ("log_prob", "entropy", "mean", "variance", "cdf", "icdf")
              and np.isfinite(_np(_call(t, m, tv))).all()]  # (inf means, e.g. Pareto's for alpha <= 1, have NaN grads)
    sum(_call(f, m, fv).sum() * (i + 1) for i, m in enumerate(wanted)).backward()
    sum(_call(t, m, tv).sum() * (i + 1) for i, m in enumerate(wanted)).backward()
    for k in params:
        np.testing.assert_allclose(_np(fp[k].grad), _np(tp[k].grad), rtol=1e-8, atol=1e-10, err_msg=k)


@pytest.mark.parametrize("name", sorted(CASES))
def test_distribution_log_prob_entropy_gradcheck(name):
    params, build, value, methods = CASES[name]
    keys = sorted(params)
    fv = _value("fastgrad", value, "float64", name)

    def fn(*xs):
        d = build(fd, dict(zip(keys, xs)))
        return (d.log_prob(fv),) + ((d.entropy(),) if "entropy" in methods else ())

    assert gradcheck(fn, [fastgrad.tensor(params[k], dtype=fastgrad.float64, requires_grad=True) for k in keys])


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if n not in IMPLICIT_RSAMPLE and CASES[n][1](
    fd, _params("fastgrad", CASES[n][0], "float64")).has_rsample])
def test_distribution_rsample_gradcheck(name):
    """rsample with a fixed stream is a differentiable function of the parameters."""
    params, build, _, _ = CASES[name]
    keys = sorted(params)

    def fn(*xs):
        fastgrad.manual_seed(7)
        return build(fd, dict(zip(keys, xs))).rsample((3,))

    assert gradcheck(fn, [fastgrad.tensor(params[k], dtype=fastgrad.float64, requires_grad=True) for k in keys])


def test_normal_rsample_loss_gradient_is_the_pathwise_one():
    """d/dμ E[x²] = 2μ and d/dσ E[x²] = 2σ, estimated by rsample over many draws."""
    loc = fastgrad.tensor([0.5, -1.0], dtype=fastgrad.float64, requires_grad=True)
    scale = fastgrad.tensor([1.0, 0.5], dtype=fastgrad.float64, requires_grad=True)
    fastgrad.manual_seed(0)
    (fd.Normal(loc, scale).rsample((20000,)) ** 2).mean(0).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(scale.grad.numpy(), [2.0, 1.0], atol=0.05)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("sample_shape", [(), (3,), (2, 3)])
def test_distribution_sample_shape(name, sample_shape):
    params, build, _, _ = CASES[name]
    f = build(fd, _params("fastgrad", params, "float32"))
    t = build(td, _params("torch", params, "float32"))
    fs, ts = f.sample(sample_shape), t.sample(sample_shape)
    assert tuple(fs.shape) == tuple(ts.shape)
    assert str(fs.dtype).split(".")[-1] == str(ts.dtype).split(".")[-1]
    assert not fs.requires_grad
    if f.has_rsample:
        assert tuple(f.rsample(sample_shape).shape) == tuple(ts.shape)
    assert bool(f.support.check(fs).all())


@pytest.mark.parametrize("name", sorted(SAMPLE_CASES))
def test_distribution_sample_statistics(name):
    params, build = SAMPLE_CASES[name]
    f = build(fd, _params("fastgrad", params, "float64"))
    fastgrad.manual_seed(0)
    s = f.sample((40000,)).numpy()
    mean, var = f.mean.numpy(), f.variance.numpy()
    np.testing.assert_allclose(s.mean(0), mean, atol=4 * np.sqrt(var / 40000).max() + 1e-12)
    np.testing.assert_allclose(s.var(0), var, rtol=0.05)
    fastgrad.manual_seed(0)
    np.testing.assert_array_equal(f.sample((40000,)).numpy(), s)  # the stream repeats


def test_categorical_sample_frequencies_and_enumerate_support():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    f = fd.Categorical(probs=fastgrad.tensor(probs))
    fastgrad.manual_seed(0)
    s = f.sample((30000,)).numpy()
    assert s.dtype == np.int64
    freq = np.stack([(s == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(freq, probs, atol=0.015)
    assert (s[:, 1] != 1).all()
    t = td.Categorical(probs=torch.tensor(probs))
    for expand in (True, False):
        np.testing.assert_array_equal(f.enumerate_support(expand).numpy(), t.enumerate_support(expand).numpy())
    b = fd.Bernoulli(probs=fastgrad.tensor([0.3, 0.4]))
    tb = td.Bernoulli(probs=torch.tensor([0.3, 0.4]))
    np.testing.assert_array_equal(b.enumerate_support().numpy(), tb.enumerate_support().numpy())


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("case", KL_CASES, ids=[c[0] for c in KL_CASES])
def test_kl_divergence_matches_torch(case, dtype, tol):
    _, bp, bq, params = case
    fp, tp = _params("fastgrad", params, dtype, True), _params("torch", params, dtype, True)
    a = fd.kl_divergence(bp(fd, fp), bq(fd, fp))
    b = td.kl_divergence(bp(td, tp), bq(td, tp))
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol * 10, atol=tol * 10)
    if dtype == "float64" and np.isfinite(_np(b)).all():
        a.sum().backward()
        b.sum().backward()
        for k in params:
            if tp[k].grad is not None:
                np.testing.assert_allclose(_np(fp[k].grad), _np(tp[k].grad), rtol=1e-8, atol=1e-10, err_msg=k)


def test_kl_divergence_infinite_and_zero_probabilities_as_torch():
    p, q = [0.0, 0.5, 1.0], [0.5, 0.0, 1.0]
    a = fd.kl_divergence(fd.Bernoulli(probs=fastgrad.tensor(p)), fd.Bernoulli(probs=fastgrad.tensor(q)))
    b = td.kl_divergence(td.Bernoulli(probs=torch.tensor(p)), td.Bernoulli(probs=torch.tensor(q)))
    np.testing.assert_allclose(a.numpy(), b.numpy())
    pc, qc = [[0.0, 0.5, 0.5]], [[0.5, 0.5, 0.0]]
    a = fd.kl_divergence(fd.Categorical(probs=fastgrad.tensor(pc)), fd.Categorical(probs=fastgrad.tensor(qc)))
    b = td.kl_divergence(td.Categorical(probs=torch.tensor(pc)), td.Categorical(probs=torch.tensor(qc)))
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_register_kl_and_unregistered_pair():
    class MyNormal(fd.Normal):
        pass

    d = MyNormal(0.0, 1.0)
    assert float(fd.kl_divergence(d, fd.Normal(1.0, 1.0))) == pytest.approx(0.5)  # the Normal pair is inherited

    @fd.register_kl(MyNormal, fd.Normal)
    def _kl(p, q):
        return fastgrad.tensor(42.0)

    assert float(fd.kl_divergence(d, fd.Normal(1.0, 1.0))) == 42.0
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Bernoulli "
                                                  "and q type Categorical"):
        fd.kl_divergence(fd.Bernoulli(0.5), fd.Categorical(logits=fastgrad.zeros(2)))
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented"):
        td.kl_divergence(td.Bernoulli(0.5), td.Categorical(logits=torch.zeros(2)))
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        fd.register_kl(int, fd.Normal)


def test_policy_gradient_step_runs_unchanged():
    """REINFORCE: Categorical(logits=...).log_prob(a) * advantage, and the gradient torch gives."""
    rng = np.random.default_rng(0)
    logits, actions, adv = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0]), rng.standard_normal(5)
    grads = []
    for lib, D in (("fastgrad", fd), ("torch", td)):
        x = (fastgrad if lib == "fastgrad" else torch).tensor(logits, requires_grad=True)
        a = (fastgrad if lib == "fastgrad" else torch).tensor(actions)
        w = (fastgrad if lib == "fastgrad" else torch).tensor(adv)
        dist = D.Categorical(logits=x)
        loss = -(dist.log_prob(a) * w).mean() - 0.01 * dist.entropy().mean()
        loss.backward()
        grads.append(_np(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)


def _message(fn):
    with pytest.raises(ValueError) as info:
        fn()
    return str(info.value).replace("torch.", "fastgrad.").split("\n")[0]


@pytest.mark.parametrize("make", [
    lambda D, T: D.Normal(T([0.0, 1.0]), T([1.0, -1.0])),
    lambda D, T: D.Normal(T([0.0, float("nan")]), T([1.0, 1.0])),
    lambda D, T: D.Bernoulli(probs=T([0.5, 1.5])),
    lambda D, T: D.Bernoulli(probs=T([0.5]), logits=T([0.0])),
    lambda D, T: D.Bernoulli(),
    lambda D, T: D.Categorical(probs=T([0.5, -0.5])),
    lambda D, T: D.Categorical(logits=T(0.0)),
    lambda D, T: D.Uniform(T([0.0, 2.0]), T([1.0, 1.0])),
    lambda D, T: D.Normal(0.0, 1.0).log_prob(T([[1.0], [2.0]]).expand(2, 3).sum(0, keepdim=True).numpy()),
    lambda D, T: D.Normal(T([0.0, 1.0]), 1.0).log_prob(T([1.0, 2.0, 3.0])),
    lambda D, T: D.Bernoulli(probs=T([0.5, 0.5])).log_prob(T([0.0, 0.5])),
    lambda D, T: D.Categorical(logits=T([0.0, 0.0])).log_prob(T([2]).long()),
    lambda D, T: D.Uniform(T([0.0]), T([1.0])).log_prob(T([1.5])),
], ids=["normal-scale", "normal-nan-loc", "bernoulli-probs", "bernoulli-both", "bernoulli-none",
        "categorical-probs", "categorical-0d", "uniform-low-high", "log_prob-not-tensor", "normal-shape",
        "bernoulli-support", "categorical-support", "uniform-support"])
def test_distribution_validate_args_errors_as_torch(make):
    def fg_t(x):
        return fastgrad.tensor(x)

    def t_t(x):
        return torch.tensor(x)

    assert _message(lambda: make(fd, fg_t)) == _message(lambda: make(td, t_t))


def test_validate_args_switch():
    assert fd.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    fd.Distribution.set_default_validate_args(False)
    try:
        d = fd.Normal(0.0, -1.0)
        d.log_prob(fastgrad.tensor(1.0))  # no error either
    finally:
        fd.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        fd.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        fd.Distribution.set_default_validate_args("yes")


@pytest.mark.parametrize("make", [
    lambda D, T: D.Normal(T([0.0, 1.0]), T([1.0, 2.0])),
    lambda D, T: D.Normal(0.0, 1.0),
    lambda D, T: D.Bernoulli(probs=T(0.25)),
    lambda D, T: D.Bernoulli(logits=T([0.0, 1.0])),
    lambda D, T: D.Categorical(logits=T([[0.0, 1.0]])),
    lambda D, T: D.Uniform(0.0, 2.0),
])
def test_distribution_repr_as_torch(make):
    f = make(fd, lambda x: fastgrad.tensor(x))
    t = make(td, lambda x: torch.tensor(x))
    assert repr(f) == repr(t).replace("torch.", "fastgrad.")


def test_expand_and_lazy_probs_logits():
    f = fd.Categorical(logits=fastgrad.tensor([0.0, 1.0, 2.0])).expand((4,))
    t = td.Categorical(logits=torch.tensor([0.0, 1.0, 2.0])).expand((4,))
    assert tuple(f.batch_shape) == (4,) and tuple(f.sample((2,)).shape) == (2, 4)
    np.testing.assert_allclose(f.probs.numpy(), t.probs.numpy(), rtol=1e-6)
    for D in (fd.Normal, fd.Uniform):
        e = D(fastgrad.tensor([0.0]), fastgrad.tensor([1.0])).expand((2, 1))
        assert tuple(e.batch_shape) == (2, 1) and tuple(e.sample().shape) == (2, 1)
    b = fd.Bernoulli(probs=fastgrad.tensor([0.25])).expand((3,))
    np.testing.assert_allclose(b.logits.numpy(), np.log(1 / 3) * np.ones(3), rtol=1e-6)
    assert f.perplexity().shape == f.entropy().shape
    assert isinstance(fd.constraints.real, fd.constraints.Constraint)
