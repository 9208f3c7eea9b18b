"""fastgrad.distributions beyond the case table: the implicit gamma gradient against torch's,
rsample gradients of the gamma family by their expectations, transforms and their caches,
enumerate_support, lazy matrix parameters, validation errors and reprs of the composite
distributions, empty / size-1 / non-contiguous parameters, and a VAE step."""
import math

import numpy as np
import pytest

import fastgrad
import fastgrad.distributions as fd
from fastgrad.autograd import gradcheck
from fastgrad.distributions.gamma import _standard_gamma_grad

torch = pytest.importorskip("torch")
td = torch.distributions


@pytest.mark.parametrize("alpha", [0.05, 0.4, 1.0, 3.0, 25.0, 300.0, 5000.0])
def test_gamma_implicit_gradient_matches_torch(alpha):
    """dx/dα at fixed CDF value: the series is exact, torch's approximations agree to ~1e-3."""
    torch.manual_seed(0)
    a = torch.full((500,), alpha, dtype=torch.float64)
    x = torch._standard_gamma(a)
    ref = torch._standard_gamma_grad(a, x).numpy()
    mine = _standard_gamma_grad(x.numpy(), a.numpy())
    np.testing.assert_allclose(mine, ref, rtol=2e-3, atol=1e-12)


def _grad_of_mean(make, params, fn, n=40000):
    ts = [fastgrad.tensor(p, dtype=fastgrad.float64, requires_grad=True) for p in params]
    fastgrad.manual_seed(0)
    fn(make(*ts).rsample((n,))).mean(0).sum().backward()
    return [t.grad.numpy() for t in ts]


def test_gamma_rsample_gradient_is_unbiased():
    """E[x²] = a(a + 1)/r²: d/da = (2a + 1)/r², d/dr = -2a(a + 1)/r³."""
    a, r = np.array([0.5, 2.0, 30.0]), np.array([1.0, 2.0, 3.0])
    ga, gr = _grad_of_mean(fd.Gamma, [a, r], lambda x: x ** 2)
    np.testing.assert_allclose(ga, (2 * a + 1) / r ** 2, rtol=0.05)
    np.testing.assert_allclose(gr, -2 * a * (a + 1) / r ** 3, rtol=0.05)


def test_beta_and_dirichlet_rsample_gradients_are_unbiased():
    a, b = np.array([0.5, 3.0]), np.array([2.0, 1.5])
    ga, gb = _grad_of_mean(fd.Beta, [a, b], lambda x: x)
    np.testing.assert_allclose(ga, b / (a + b) ** 2, rtol=0.05)
    np.testing.assert_allclose(gb, -a / (a + b) ** 2, rtol=0.05)
    c = np.array([1.0, 2.0, 3.0])
    (gc,) = _grad_of_mean(fd.Dirichlet, [c], lambda x: x[..., :1])  # d/dc_j E[x_0] = (δ_0j s - c_0)/s²
    s = c.sum()
    np.testing.assert_allclose(gc, (np.eye(3)[0] * s - c[0]) / s ** 2, rtol=0.08, atol=0.004)


def test_studentt_rsample_scale_gradient():
    """E|x - loc| = 2σ √ν Γ((ν+1)/2) / (√π (ν - 1) Γ(ν/2)): its derivative in σ."""
    df = 5.0
    scale = fastgrad.tensor([2.0], dtype=fastgrad.float64, requires_grad=True)
    fastgrad.manual_seed(0)
    (fd.StudentT(df, 1.0, scale).rsample((40000,)) - 1.0).abs().mean().backward()
    expect = 2 * math.sqrt(df) * math.gamma((df + 1) / 2) / (math.sqrt(math.pi) * (df - 1) * math.gamma(df / 2))
    assert scale.grad.item() == pytest.approx(expect, rel=0.03)


def test_transforms_inverse_cache_and_log_det():
    t = fd.transforms.TanhTransform(cache_size=1)
    x = fastgrad.tensor([0.1, 5.0, 20.0], dtype=fastgrad.float64)
    y = t(x)
    assert t.inv(y) is x  # the cache returns the exact pre-image (atanh(tanh(20)) would be inf)
    tt = torch.distributions.transforms.TanhTransform()
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).numpy(),
                               tt.log_abs_det_jacobian(torch.tensor(x.numpy()), torch.tensor(y.numpy())).numpy())
    a = fd.AffineTransform(fastgrad.tensor([1.0, 2.0]), fastgrad.tensor([-2.0, 0.5]), event_dim=1)
    ta = td.AffineTransform(torch.tensor([1.0, 2.0]), torch.tensor([-2.0, 0.5]), event_dim=1)
    xs = np.ones((4, 2), np.float32)
    np.testing.assert_allclose(a.log_abs_det_jacobian(fastgrad.tensor(xs), a(fastgrad.tensor(xs))).numpy(),
                               ta.log_abs_det_jacobian(torch.tensor(xs), ta(torch.tensor(xs))).numpy(), rtol=1e-6)
    c = fd.ComposeTransform([fd.ExpTransform(), fd.AffineTransform(1.0, 3.0)])
    z = fastgrad.tensor([0.5, -1.0], dtype=fastgrad.float64)
    np.testing.assert_allclose(c.inv(c(z)).numpy(), z.numpy())
    np.testing.assert_allclose(c.log_abs_det_jacobian(z, c(z)).numpy(), z.numpy() + math.log(3.0))
    assert fd.ExpTransform() == fd.ExpTransform() and fd.ExpTransform().inv.inv == fd.ExpTransform()
    assert c.sign == 1 and fd.AffineTransform(0.0, -1.0).sign == -1
    assert repr(fd.ExpTransform().inv) == "_InverseTransform(ExpTransform())"
    with pytest.raises(ValueError, match="transforms must be a Transform or a list of Transforms"):
        fd.TransformedDistribution(fd.Normal(0.0, 1.0), [fd.ExpTransform(), 3])


def test_tanh_squashed_policy_log_prob_of_own_sample_is_finite():
    """SAC's squashed Gaussian: the cached pre-image keeps log_prob finite where tanh saturates."""
    loc = fastgrad.tensor([0.0, 30.0], requires_grad=True)
    d = fd.TransformedDistribution(fd.Normal(loc, fastgrad.tensor([1.0, 0.1])),
                                   [fd.transforms.TanhTransform(cache_size=1)])
    a = d.rsample()
    lp = d.log_prob(a)
    assert np.isfinite(lp.detach().numpy()).all()
    lp.sum().backward()
    assert np.isfinite(loc.grad.numpy()).all()


def test_enumerate_support_as_torch():
    pairs = [
        (fd.Binomial(3, probs=fastgrad.tensor([0.2, 0.5])), td.Binomial(3, probs=torch.tensor([0.2, 0.5]))),
        (fd.OneHotCategorical(logits=fastgrad.zeros(2, 3)), td.OneHotCategorical(logits=torch.zeros(2, 3))),
        (fd.Independent(fd.Bernoulli(fastgrad.tensor([0.5])), 0), td.Independent(td.Bernoulli(torch.tensor([0.5])), 0)),
    ]
    for f, t in pairs:
        assert f.has_enumerate_support == t.has_enumerate_support
        for expand in (True, False):
            np.testing.assert_array_equal(f.enumerate_support(expand).numpy(), t.enumerate_support(expand).numpy())
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
        fd.Binomial(fastgrad.tensor([2.0, 3.0]), probs=fastgrad.tensor([0.5, 0.5])).entropy()


def test_multivariate_normal_lazy_matrices_as_torch():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 3))
    cov = a @ a.transpose(0, 2, 1) + np.eye(3)
    loc = rng.standard_normal(3)
    for kw in ("covariance_matrix", "precision_matrix", "scale_tril"):
        m = {"covariance_matrix": cov, "precision_matrix": cov, "scale_tril": np.linalg.cholesky(cov)}[kw]
        f = fd.MultivariateNormal(fastgrad.tensor(loc), **{kw: fastgrad.tensor(m)})
        t = td.MultivariateNormal(torch.tensor(loc), **{kw: torch.tensor(m)})
        for name in ("covariance_matrix", "precision_matrix", "scale_tril", "variance"):
            np.testing.assert_allclose(getattr(f, name).numpy(), getattr(t, name).numpy(), rtol=1e-9, atol=1e-12)
        assert tuple(f.expand((4, 2)).sample((5,)).shape) == (5, 4, 2, 3)
        assert repr(f) == repr(t).replace("torch.", "fastgrad.")


def _message(fn):
    with pytest.raises(ValueError) as info:
        fn()
    return str(info.value).replace("torch.", "fastgrad.").split("\n")[0]


@pytest.mark.parametrize("make", [
    lambda D, T: D.MultivariateNormal(T([0.0, 0.0])),
    lambda D, T: D.MultivariateNormal(T(0.0), scale_tril=T([[1.0]])),
    lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([1.0, 1.0])),
    lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([[1.0, 1.0], [0.0, 1.0]])),
    lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), covariance_matrix=T([[1.0, 2.0], [2.0, 1.0]])),
    lambda D, T: D.Dirichlet(T(1.0)),
    lambda D, T: D.Dirichlet(T([1.0, -1.0])),
    lambda D, T: D.Dirichlet(T([1.0, 1.0])).log_prob(T([0.5, 0.6])),
    lambda D, T: D.Beta(T([1.0]), T([-1.0])),
    lambda D, T: D.Gamma(T([1.0]), T([0.0])),
    lambda D, T: D.Gamma(T([1.0]), T([1.0])).log_prob(T([-1.0])),
    lambda D, T: D.Exponential(T([-1.0])),
    lambda D, T: D.Poisson(T([-1.0])),
    lambda D, T: D.Poisson(T([1.0])).log_prob(T([0.5])),
    lambda D, T: D.Binomial(T([2.5]), probs=T([0.5])),
    lambda D, T: D.Binomial(2, probs=T([0.5])).log_prob(T([3.0])),
    lambda D, T: D.Geometric(probs=T([0.0, 0.5])),
    lambda D, T: D.StudentT(T([-1.0])),
    lambda D, T: D.Laplace(T([0.0]), T([0.0])),
    lambda D, T: D.Cauchy(T([0.0]), T([-1.0])),
    lambda D, T: D.OneHotCategorical(probs=T([0.5, 0.5])).log_prob(T([1.0, 1.0])),
    lambda D, T: D.Independent(D.Normal(T([0.0]), T([1.0])), 2),
    lambda D, T: D.LogNormal(T([0.0]), T([1.0])).log_prob(T([-1.0])),
    lambda D, T: D.MixtureSameFamily(D.Normal(T([0.0]), T([1.0])), D.Normal(T([0.0]), T([1.0]))),
    lambda D, T: D.HalfNormal(T([-1.0])),
    lambda D, T: D.HalfNormal(T([1.0])).log_prob(T([-1.0])),
    lambda D, T: D.Pareto(T([2.0]), T([1.0])).log_prob(T([1.0])),
    lambda D, T: D.Gumbel(T([0.0]), T([-1.0])),
    lambda D, T: D.Multinomial(3, probs=T([0.5, 0.5])).log_prob(T([2.0, 2.0])),
    lambda D, T: D.NegativeBinomial(T([2.0]), probs=T([1.0])),
    lambda D, T: D.MixtureSameFamily(D.Categorical(T([0.5, 0.5])), D.Normal(T([0.0] * 3), T([1.0] * 3))),
    lambda D, T: D.MixtureSameFamily(D.Categorical(T([[0.5, 0.5]] * 3)), D.Normal(T([[0.0] * 2] * 2),
                                                                                   T([[1.0] * 2] * 2))),
])
def test_group2_validation_errors_as_torch(make):
    assert _message(lambda: make(fd, fastgrad.tensor)) == _message(lambda: make(td, torch.tensor))


@pytest.mark.parametrize("make", [
    lambda D, T: D.Independent(D.Normal(T([0.0, 1.0]), T([1.0, 2.0])), 1),
    lambda D, T: D.MixtureSameFamily(D.Categorical(logits=T([0.0, 1.0])), D.Normal(T([0.0, 1.0]), T([1.0, 2.0]))),
    lambda D, T: D.Gamma(T(2.0), T(3.0)),
    lambda D, T: D.Dirichlet(T([1.0, 2.0])),
    lambda D, T: D.Binomial(4, probs=T([0.5, 0.2])),
    lambda D, T: D.StudentT(T([3.0, 4.0])),
    lambda D, T: D.Beta(T(1.0), T(2.0)),
    lambda D, T: D.LogNormal(T([0.0]), T([1.0])),
    lambda D, T: D.Pareto(T([1.0, 2.0]), T([3.0, 4.0])),
    lambda D, T: D.Gumbel(T(0.0), T(1.0)),
    lambda D, T: D.NegativeBinomial(T(3.0), logits=T(0.5)),
    lambda D, T: D.Multinomial(3, probs=T([0.5, 0.5])),
])
def test_group2_repr_as_torch(make):
    assert repr(make(fd, fastgrad.tensor)) == repr(make(td, torch.tensor)).replace("torch.", "fastgrad.")


def test_empty_size_one_and_noncontiguous_parameters():
    x = np.random.default_rng(3).standard_normal((3, 2))
    f = fd.Normal(fastgrad.tensor(x).t(), fastgrad.tensor(np.abs(x) + 0.5).t())
    t = td.Normal(torch.tensor(x).t(), torch.tensor(np.abs(x) + 0.5).t())
    v = np.ones((2, 3))
    np.testing.assert_allclose(f.log_prob(fastgrad.tensor(v)).numpy(), t.log_prob(torch.tensor(v)).numpy())
    cf = fd.Categorical(logits=fastgrad.tensor(x).t())
    ct = td.Categorical(logits=torch.tensor(x).t())
    idx = np.array([0, 2])
    np.testing.assert_allclose(cf.log_prob(fastgrad.tensor(idx)).numpy(), ct.log_prob(torch.tensor(idx)).numpy())
    np.testing.assert_allclose(cf.entropy().numpy(), ct.entropy().numpy())
    e = fd.Normal(fastgrad.zeros(0), fastgrad.ones(0))
    assert tuple(e.sample((2,)).shape) == (2, 0) and tuple(e.log_prob(fastgrad.zeros(0)).shape) == (0,)
    ce = fd.Categorical(logits=fastgrad.zeros(0, 3))
    assert tuple(ce.sample((4,)).shape) == (4, 0) and tuple(ce.entropy().shape) == (0,)
    one = fd.Categorical(logits=fastgrad.zeros(1))
    assert one.sample((3,)).numpy().tolist() == [0, 0, 0]
    assert one.log_prob(fastgrad.tensor([0])).item() == 0.0


def test_kl_dispatch_errors_for_mismatched_composites():
    a = fd.Independent(fd.Normal(fastgrad.zeros(2, 3), fastgrad.ones(2, 3)), 1)
    b = fd.Independent(fd.Normal(fastgrad.zeros(2, 3), fastgrad.ones(2, 3)), 2)
    with pytest.raises(NotImplementedError):
        fd.kl_divergence(a, b)
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        fd.kl_divergence(fd.Binomial(2, probs=fastgrad.tensor([0.5])), fd.Binomial(3, probs=fastgrad.tensor([0.5])))
    m2 = fd.MultivariateNormal(fastgrad.zeros(2), scale_tril=fastgrad.eye(2))
    m3 = fd.MultivariateNormal(fastgrad.zeros(3), scale_tril=fastgrad.eye(3))
    with pytest.raises(ValueError, match="different event shapes"):
        fd.kl_divergence(m2, m3)


def test_vae_step_runs_unchanged_and_matches_torch_given_the_same_noise():
    """A VAE's loss: -log p(x | z) with z = μ + σ ε, plus KL(q(z|x) || N(0, I)); same ε in both libraries."""
    rng = np.random.default_rng(0)
    mu, log_sigma, eps, x = (rng.standard_normal((4, 2)) for _ in range(4))
    grads = []
    for lib, D in ((fastgrad, fd), (torch, td)):
        m, s = lib.tensor(mu, requires_grad=True), lib.tensor(log_sigma, requires_grad=True)
        q = D.Independent(D.Normal(m, s.exp()), 1)
        z = m + s.exp() * lib.tensor(eps)  # the rsample path with shared noise
        prior = D.Independent(D.Normal(lib.zeros(4, 2, dtype=lib.float64), lib.ones(4, 2, dtype=lib.float64)), 1)
        recon = D.Independent(D.Bernoulli(logits=z), 1).log_prob(lib.tensor((x > 0).astype(np.float64)))
        loss = (-recon + D.kl_divergence(q, prior)).mean()
        loss.backward()
        grads.append((m.grad.numpy(), s.grad.numpy(), loss.item()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10)
    assert grads[0][2] == pytest.approx(grads[1][2], rel=1e-12)
    fastgrad.manual_seed(0)
    z = fd.Normal(fastgrad.tensor(mu), fastgrad.tensor(np.exp(log_sigma))).rsample()
    assert tuple(z.shape) == (4, 2)


def test_softplus_power_abs_transforms_as_torch():
    x = np.array([-3.0, 0.2, 4.0])
    for f, t, xs in [(fd.transforms.SoftplusTransform(), td.transforms.SoftplusTransform(), x),
                     (fd.transforms.PowerTransform(fastgrad.tensor(2.5, dtype=fastgrad.float64)),
                      td.transforms.PowerTransform(torch.tensor(2.5, dtype=torch.float64)), np.abs(x)),
                     (fd.transforms.AbsTransform(), td.transforms.AbsTransform(), x)]:
        fy, ty = f(fastgrad.tensor(xs)), t(torch.tensor(xs))
        np.testing.assert_allclose(fy.numpy(), ty.numpy(), rtol=1e-12)
        np.testing.assert_allclose(f.inv(fy).numpy(), t.inv(ty).numpy(), rtol=1e-12)
        if f.bijective:
            np.testing.assert_allclose(f.log_abs_det_jacobian(fastgrad.tensor(xs), fy).numpy(),
                                       t.log_abs_det_jacobian(torch.tensor(xs), ty).numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        fd.Multinomial(fastgrad.tensor(3.0), probs=fastgrad.tensor([0.5, 0.5]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_cdf_matches_torch_and_its_gradients(dtype):
    """Against torch in float64 (torch's own float32 igamma loses ~1e-3 at a = 3000, and its float64
    P(150, 145) is 4e-10 off the mpmath value 0.349904824075029..., which fastgrad gets)."""
    a = np.array([[0.05, 0.7, 2.5], [10.0, 150.0, 3000.0]])
    r = np.array([1.0, 0.5, 2.0])
    x = np.array([[0.01, 1.0, 2.0], [4.0, 290.0, 1500.0]])
    fa, fr, fx = (fastgrad.tensor(v, dtype=getattr(fastgrad, dtype), requires_grad=True) for v in (a, r, x))
    ta, tr, tx = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, r, x))
    f, t = fd.Gamma(fa, fr).cdf(fx), td.Gamma(ta.detach(), tr).cdf(tx)
    assert f.dtype == getattr(fastgrad, dtype)
    tol = 1e-5 if dtype == "float32" else 2e-9
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)
    f.sum().backward()
    t.sum().backward()  # torch has no gradient in the concentration
    np.testing.assert_allclose(fr.grad.numpy(), tr.grad.numpy(), rtol=tol * 10, atol=tol)
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=tol * 10, atol=tol)
    if dtype == "float64":
        xs = fastgrad.tensor(x[0], dtype=fastgrad.float64)
        assert gradcheck(lambda c, rr: fd.Gamma(c, rr).cdf(xs), [fastgrad.tensor(a[0], requires_grad=True),
                                                                  fastgrad.tensor(r, requires_grad=True)])
        inv = fd.InverseGamma(fastgrad.tensor(a), fastgrad.tensor(r)).cdf(fastgrad.tensor(1.0 / x))
        tinv = td.InverseGamma(torch.tensor(a), torch.tensor(r)).cdf(torch.tensor(1.0 / x))
        np.testing.assert_allclose(inv.numpy(), tinv.numpy(), rtol=2e-9, atol=1e-12)
        ch = fd.Chi2(fastgrad.tensor(a)).cdf(fastgrad.tensor(x))
        np.testing.assert_allclose(ch.numpy(), td.Chi2(torch.tensor(a)).cdf(torch.tensor(x)).numpy(), rtol=2e-9)
        assert fd.Gamma(2.0, 1.0).cdf(fastgrad.tensor([0.0, float("inf")])).tolist() == [0.0, 1.0]


def test_lowrank_multivariate_normal_matrices_and_errors_as_torch():
    rng = np.random.default_rng(2)
    loc, W, D = rng.standard_normal((2, 4)), rng.standard_normal((4, 2)), rng.uniform(0.5, 2, 4)
    f = fd.LowRankMultivariateNormal(fastgrad.tensor(loc), fastgrad.tensor(W), fastgrad.tensor(D))
    t = td.LowRankMultivariateNormal(torch.tensor(loc), torch.tensor(W), torch.tensor(D))
    for name in ("covariance_matrix", "precision_matrix", "scale_tril", "variance"):
        np.testing.assert_allclose(getattr(f, name).numpy(), getattr(t, name).numpy(), rtol=1e-10, atol=1e-12)
    assert tuple(f.expand((3, 2)).rsample((5,)).shape) == (5, 3, 2, 4)
    assert repr(f) == repr(t).replace("torch.", "fastgrad.")
    for args in [(np.zeros(()), W, D), (loc, np.zeros(4), D), (loc, np.zeros((3, 2)), D), (loc, W, np.ones(3))]:
        assert _message(lambda: fd.LowRankMultivariateNormal(*map(fastgrad.tensor, args))) == _message(
            lambda: td.LowRankMultivariateNormal(*map(torch.tensor, args)))


def test_von_mises_sample_statistics():
    """E[cos(x - μ)] = I₁(κ)/I₀(κ) = 1 - variance; samples lie in [-π, π)."""
    loc, kappa = np.array([0.5, -2.5, 3.0]), np.array([0.5, 2.0, 20.0])
    d = fd.VonMises(fastgrad.tensor(loc, dtype=fastgrad.float32), fastgrad.tensor(kappa, dtype=fastgrad.float32))
    fastgrad.manual_seed(0)
    s = d.sample((40000,)).numpy()
    assert s.dtype == np.float32 and (np.abs(s) <= np.float32(np.pi)).all()
    np.testing.assert_allclose(np.cos(s - loc).mean(0), 1 - d.variance.numpy(), atol=0.01)
    np.testing.assert_allclose(np.sin(s - loc).mean(0), 0, atol=0.01)
