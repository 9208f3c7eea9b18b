"""Every KL pair torch registers (but ExponentialFamily's generic one), against torch for the same
parameters: values (inf where torch gives inf) and gradients where finite."""
import numpy as np
import pytest

import fastgrad
import fastgrad.distributions as fd

torch = pytest.importorskip("torch")
td = torch.distributions


def _families(seed):
    r = np.random.default_rng(seed)
    pos = lambda *s: r.uniform(0.5, 3.0, s or (3,))  # noqa: E731
    real = lambda *s: r.standard_normal(s or (3,))  # noqa: E731
    unit = lambda *s: r.uniform(0.1, 0.9, s or (3,))  # noqa: E731
    low = r.uniform(0.05, 0.4, 3)
    return {
        "Normal": ({"loc": real(), "scale": pos()}, lambda D, p: D.Normal(p["loc"], p["scale"])),
        "Bernoulli": ({"p": unit()}, lambda D, p: D.Bernoulli(probs=p["p"])),
        "Binomial": ({"p": unit()}, lambda D, p: D.Binomial(5, probs=p["p"])),
        "Categorical": ({"p": pos(3, 4)}, lambda D, p: D.Categorical(probs=p["p"])),
        "OneHotCategorical": ({"l": real(3, 4)}, lambda D, p: D.OneHotCategorical(logits=p["l"])),
        "Beta": ({"a": pos(), "b": pos()}, lambda D, p: D.Beta(p["a"], p["b"])),
        "ContinuousBernoulli": ({"p": unit()}, lambda D, p: D.ContinuousBernoulli(probs=p["p"])),
        "Dirichlet": ({"c": pos(3, 4)}, lambda D, p: D.Dirichlet(p["c"])),
        "Exponential": ({"r": pos()}, lambda D, p: D.Exponential(p["r"])),
        "Gamma": ({"c": pos(), "r": pos()}, lambda D, p: D.Gamma(p["c"], p["r"])),
        "Geometric": ({"p": unit()}, lambda D, p: D.Geometric(probs=p["p"])),
        "Gumbel": ({"loc": real(), "s": pos()}, lambda D, p: D.Gumbel(p["loc"], p["s"])),
        "HalfNormal": ({"s": pos()}, lambda D, p: D.HalfNormal(p["s"])),
        "Laplace": ({"loc": real(), "s": pos()}, lambda D, p: D.Laplace(p["loc"], p["s"])),
        "Pareto": ({"s": pos(), "a": r.uniform(0.5, 4.0, 3)}, lambda D, p: D.Pareto(p["s"], p["a"])),
        "Poisson": ({"r": pos()}, lambda D, p: D.Poisson(p["r"])),
        "Uniform": ({"lo": low, "hi": low + r.uniform(0.1, 0.5, 3)}, lambda D, p: D.Uniform(p["lo"], p["hi"])),
        "Cauchy": ({"loc": real(), "s": pos()}, lambda D, p: D.Cauchy(p["loc"], p["s"])),
        "MultivariateNormal": ({"loc": real(3, 2), "a": real(2, 2)}, lambda D, p: D.MultivariateNormal(
            p["loc"], scale_tril=p["a"].tril() + 2 * _eye(D, p["a"]))),
        "LowRankMultivariateNormal": ({"loc": real(3, 2), "w": real(2, 1), "d": pos(2)},
                                      lambda D, p: D.LowRankMultivariateNormal(p["loc"], p["w"], p["d"])),
        "Independent": ({"loc": real(3, 2), "s": pos(3, 2)},
                        lambda D, p: D.Independent(D.Normal(p["loc"], p["s"]), 1)),
        "TransformedDistribution": ({"loc": real(), "s": pos()},
                                    lambda D, p: D.TransformedDistribution(D.Normal(p["loc"], p["s"]),
                                                                           [D.transforms.ExpTransform()])),
    }


def _eye(D, a):
    return torch.eye(a.shape[-1], dtype=a.dtype) if D is td else fastgrad.eye(a.shape[-1], dtype=a.dtype)


def _pairs():
    fams = _families(0)
    out = []
    for a, b in td.kl._KL_REGISTRY:
        if a.__name__ in fams and b.__name__ in fams:
            out.append((a.__name__, b.__name__))
    return sorted(out)


PAIRS = _pairs()


def test_every_torch_kl_pair_is_registered():
    ours = {(a.__name__, b.__name__) for a, b in fd.kl._KL_REGISTRY}
    theirs = {(a.__name__, b.__name__) for a, b in td.kl._KL_REGISTRY}
    assert theirs <= ours
    assert len(PAIRS) > 80


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_kl_pair_matches_torch(pair):
    fp_params, build_p = _families(0)[pair[0]]
    fq_params, build_q = _families(1)[pair[1]]
    out = []
    for lib, D in ((fastgrad, fd), (torch, td)):
        pp = {k: lib.tensor(v, requires_grad=True) for k, v in fp_params.items()}
        qp = {k: lib.tensor(v, requires_grad=True) for k, v in fq_params.items()}
        kl = D.kl_divergence(build_p(D, pp), build_q(D, qp))
        out.append((kl, pp, qp))
    (a, fpp, fqp), (b, tpp, tqp) = out
    av, bv = a.detach().numpy(), b.detach().numpy()
    assert av.shape == bv.shape
    np.testing.assert_allclose(av, bv, rtol=1e-9, atol=1e-10)
    if np.isfinite(bv).all() and b.requires_grad:
        a.sum().backward()
        b.sum().backward()
        for f, t in [(fpp[k], tpp[k]) for k in fpp] + [(fqp[k], tqp[k]) for k in fqp]:
            if t.grad is not None:
                np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


EXP_FAMILIES = ["Normal", "Bernoulli", "Beta", "ContinuousBernoulli", "Dirichlet", "Exponential", "Gamma", "Poisson"]


@pytest.mark.parametrize("name", EXP_FAMILIES)
def test_exponential_family_generic_entropy_and_bregman_kl_as_torch(name):
    """The base class's entropy (by autograd of the log-normaliser) and the Bregman KL, against torch's
    generic ones and against the closed forms."""
    fp, build = _families(0)[name]
    fq, _ = _families(1)[name]
    f = [build(fd, {k: fastgrad.tensor(v) for k, v in ps.items()}) for ps in (fp, fq)]
    t = [build(td, {k: torch.tensor(v) for k, v in ps.items()}) for ps in (fp, fq)]
    assert isinstance(f[0], fd.ExponentialFamily)
    try:
        te = td.ExponentialFamily.entropy(t[0]).detach().numpy()
    except NotImplementedError:  # no _mean_carrier_measure: both raise
        with pytest.raises(NotImplementedError):
            fd.ExponentialFamily.entropy(f[0])
    else:
        ge = fd.ExponentialFamily.entropy(f[0]).numpy()
        np.testing.assert_allclose(ge, te, rtol=1e-9, atol=1e-12)
        if name != "Poisson":  # (Poisson has no closed-form entropy)
            np.testing.assert_allclose(ge, f[0].entropy().numpy(), rtol=1e-6, atol=1e-9)
    kl = fd.kl._KL_REGISTRY[fd.ExponentialFamily, fd.ExponentialFamily](*f)
    tkl = td.kl._KL_REGISTRY[td.exp_family.ExponentialFamily, td.exp_family.ExponentialFamily](*t)
    np.testing.assert_allclose(kl.numpy(), tkl.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(kl.numpy(), fd.kl_divergence(*f).numpy(), rtol=1e-6, atol=1e-9)


def test_exponential_family_cross_kl_is_not_implemented_as_torch():
    p, q = fd.Beta(fastgrad.tensor([2.0]), fastgrad.tensor([3.0])), fd.Dirichlet(fastgrad.tensor([[2.0, 3.0]]))
    with pytest.raises(NotImplementedError, match="cross KL-divergence between different exponential families"):
        fd.kl_divergence(p, q)
    with pytest.raises(NotImplementedError, match="cross KL-divergence between different exponential families"):
        td.kl_divergence(td.Beta(torch.tensor([2.0]), torch.tensor([3.0])), td.Dirichlet(torch.tensor([[2.0, 3.0]])))
