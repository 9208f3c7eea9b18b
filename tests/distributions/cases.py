"""The distribution cases shared by the distributions tests: parameters (numpy float64, batched and
broadcasting), a builder taking a distributions module (fastgrad's or torch's), values inside the
support, and which methods to compare."""
import numpy as np

R = np.random.default_rng(1234)
LOC = R.standard_normal((2, 3))
SCALE = R.uniform(0.5, 2.0, (3,))          # broadcasts against LOC
PROBS = R.uniform(0.1, 0.9, (2, 3))
LOGITS = R.standard_normal((2, 3))
CAT_LOGITS = R.standard_normal((2, 4))
CAT_PROBS = R.uniform(0.1, 1.0, (2, 4))
LOW = R.uniform(-2, -1, (2, 3))
HIGH = R.uniform(1, 2, (3,))

# name: (params, build(D, p), value, methods, grad_params)
CASES = {
    "Normal": ({"loc": LOC, "scale": SCALE}, lambda D, p: D.Normal(p["loc"], p["scale"]),
               R.standard_normal((2, 3)), ["log_prob", "entropy", "mean", "mode", "variance", "stddev", "cdf",
                                           "icdf"]),
    "Normal_scalar_loc": ({"scale": SCALE}, lambda D, p: D.Normal(0.5, p["scale"]),
                          R.standard_normal((4, 1, 3)), ["log_prob", "entropy", "mean", "variance", "cdf"]),
    "Bernoulli_probs": ({"probs": PROBS}, lambda D, p: D.Bernoulli(probs=p["probs"]),
                        (R.random((2, 3)) < 0.5).astype(float), ["log_prob", "entropy", "mean", "variance",
                                                                 "mode"]),
    "Bernoulli_logits": ({"logits": LOGITS}, lambda D, p: D.Bernoulli(logits=p["logits"]),
                         (R.random((4, 2, 3)) < 0.5).astype(float), ["log_prob", "entropy", "mean", "variance"]),
    "Categorical_logits": ({"logits": CAT_LOGITS}, lambda D, p: D.Categorical(logits=p["logits"]),
                           np.array([[0, 3], [2, 1], [1, 1]]), ["log_prob", "entropy", "mode"]),
    "Categorical_probs": ({"probs": CAT_PROBS}, lambda D, p: D.Categorical(probs=p["probs"]),
                          np.array([0, 3]), ["log_prob", "entropy", "mode"]),
    "Uniform": ({"low": LOW, "high": HIGH}, lambda D, p: D.Uniform(p["low"], p["high"]),
                R.uniform(-0.9, 0.9, (2, 3)), ["log_prob", "entropy", "mean", "variance", "stddev", "cdf",
                                               "icdf"]),
}

# (name, build_p(D, p), build_q(D, p), params)
KL_CASES = [
    ("Normal-Normal", lambda D, p: D.Normal(p["loc"], p["scale"]), lambda D, p: D.Normal(p["loc2"], p["scale2"]),
     {"loc": LOC, "scale": SCALE, "loc2": R.standard_normal((3,)), "scale2": R.uniform(0.5, 2.0, (2, 3))}),
    ("Bernoulli-Bernoulli", lambda D, p: D.Bernoulli(probs=p["a"]), lambda D, p: D.Bernoulli(logits=p["b"]),
     {"a": PROBS, "b": LOGITS}),
    ("Categorical-Categorical", lambda D, p: D.Categorical(logits=p["a"]), lambda D, p: D.Categorical(probs=p["b"]),
     {"a": CAT_LOGITS, "b": CAT_PROBS}),
    ("Uniform-Uniform", lambda D, p: D.Uniform(p["low"], p["high"]),
     lambda D, p: D.Uniform(p["low"] - 1, p["high"] + 1),
     {"low": LOW, "high": HIGH}),
    ("Uniform-Normal", lambda D, p: D.Uniform(p["low"], p["high"]), lambda D, p: D.Normal(p["loc"], p["scale"]),
     {"low": LOW, "high": HIGH, "loc": LOC, "scale": SCALE}),
    ("Normal-Uniform", lambda D, p: D.Normal(p["loc"], p["scale"]), lambda D, p: D.Uniform(p["low"], p["high"]),
     {"low": LOW, "high": HIGH, "loc": LOC, "scale": SCALE}),
]

# name: (params, build, moments to compare with sample statistics)
SAMPLE_CASES = {
    "Normal": ({"loc": np.array([0.5, -1.0]), "scale": np.array([1.0, 0.3])},
               lambda D, p: D.Normal(p["loc"], p["scale"])),
    "Bernoulli": ({"probs": np.array([0.2, 0.7])}, lambda D, p: D.Bernoulli(probs=p["probs"])),
    "Uniform": ({"low": np.array([0.0, -3.0]), "high": np.array([1.0, 5.0])},
                lambda D, p: D.Uniform(p["low"], p["high"])),
}

# -- group 2 ------------------------------------------------------------------------------------
POS = R.uniform(0.5, 3.0, (2, 3))
POS2 = R.uniform(0.5, 3.0, (3,))
CONC = R.uniform(0.5, 3.0, (2, 4))
SIMPLEX = R.dirichlet(np.ones(4), (2,))
A = R.standard_normal((2, 3, 3))
LOC3 = R.standard_normal((2, 3))


def _spd(D, a):
    """A symmetric positive-definite matrix from any square a (a aᵀ + I), so perturbations stay valid."""
    return a @ a.transpose(-1, -2) + D_eye(a)


def D_eye(a):
    import fastgrad
    try:
        import torch
        if isinstance(a, torch.Tensor):
            return torch.eye(a.shape[-1], dtype=a.dtype)
    except ImportError:  # pragma: no cover
        pass
    return fastgrad.eye(a.shape[-1], dtype=a.dtype)


CASES.update({
    "Exponential": ({"rate": POS}, lambda D, p: D.Exponential(p["rate"]), R.uniform(0.1, 3, (2, 3)),
                    ["log_prob", "entropy", "mean", "mode", "variance", "stddev", "cdf", "icdf"]),
    "Laplace": ({"loc": LOC, "scale": SCALE}, lambda D, p: D.Laplace(p["loc"], p["scale"]), R.standard_normal((2, 3)),
                ["log_prob", "entropy", "mean", "mode", "variance", "stddev", "cdf", "icdf"]),
    "Cauchy": ({"loc": LOC, "scale": SCALE}, lambda D, p: D.Cauchy(p["loc"], p["scale"]), R.standard_normal((2, 3)),
               ["log_prob", "entropy", "mean", "mode", "variance", "cdf", "icdf"]),
    "StudentT": ({"df": np.array([0.7, 1.5, 4.0]), "loc": LOC, "scale": SCALE},
                 lambda D, p: D.StudentT(p["df"], p["loc"], p["scale"]), R.standard_normal((2, 3)),
                 ["log_prob", "entropy", "mean", "mode", "variance"]),
    "Gamma": ({"concentration": POS, "rate": POS2}, lambda D, p: D.Gamma(p["concentration"], p["rate"]),
              R.uniform(0.1, 3, (2, 3)), ["log_prob", "entropy", "mean", "mode", "variance"]),
    "Chi2": ({"df": POS}, lambda D, p: D.Chi2(p["df"]), R.uniform(0.1, 3, (2, 3)),
             ["log_prob", "entropy", "mean", "variance"]),
    "Beta": ({"a": POS, "b": POS2}, lambda D, p: D.Beta(p["a"], p["b"]), R.uniform(0.05, 0.95, (2, 3)),
             ["log_prob", "entropy", "mean", "mode", "variance"]),
    "Dirichlet": ({"concentration": CONC}, lambda D, p: D.Dirichlet(p["concentration"]), SIMPLEX,
                  ["log_prob", "entropy", "mean", "mode", "variance"]),
    "Poisson": ({"rate": POS}, lambda D, p: D.Poisson(p["rate"]), np.array([[0.0, 1, 2], [3, 0, 5]]),
                ["log_prob", "mean", "mode", "variance"]),
    "Binomial": ({"probs": PROBS}, lambda D, p: D.Binomial(5, probs=p["probs"]), np.array([[0.0, 1, 2], [5, 3, 4]]),
                 ["log_prob", "entropy", "mean", "mode", "variance"]),
    "Binomial_logits": ({"logits": LOGITS}, lambda D, p: D.Binomial(7, logits=p["logits"]),
                        np.array([[0.0, 7, 2], [5, 3, 4]]), ["log_prob", "entropy", "mean", "variance"]),
    "Geometric": ({"probs": PROBS}, lambda D, p: D.Geometric(probs=p["probs"]), np.array([[0.0, 1, 2], [5, 3, 4]]),
                  ["log_prob", "entropy", "mean", "mode", "variance"]),
    "OneHotCategorical": ({"logits": CAT_LOGITS}, lambda D, p: D.OneHotCategorical(logits=p["logits"]),
                          np.eye(4)[[0, 3]], ["log_prob", "entropy", "mean", "mode", "variance"]),
    "MultivariateNormal_scale_tril": (
        {"loc": LOC3, "L": A}, lambda D, p: D.MultivariateNormal(p["loc"], scale_tril=p["L"].tril()
                                                                 + 3 * D_eye(p["L"])),
        R.standard_normal((4, 2, 3)), ["log_prob", "entropy", "mean", "mode", "variance"]),
    "MultivariateNormal_covariance": (
        {"loc": LOC3[0], "A": A}, lambda D, p: D.MultivariateNormal(p["loc"], covariance_matrix=_spd(D, p["A"])),
        R.standard_normal((2, 3)), ["log_prob", "entropy", "mean", "variance"]),
    "MultivariateNormal_precision": (
        {"loc": LOC3, "A": A[0]}, lambda D, p: D.MultivariateNormal(p["loc"], precision_matrix=_spd(D, p["A"])),
        R.standard_normal((2, 3)), ["log_prob", "entropy", "mean", "variance"]),
    "Independent_Normal": ({"loc": LOC, "scale": SCALE},
                           lambda D, p: D.Independent(D.Normal(p["loc"], p["scale"]), 1), R.standard_normal((2, 3)),
                           ["log_prob", "entropy", "mean", "mode", "variance"]),
    "LogNormal": ({"loc": LOC, "scale": SCALE}, lambda D, p: D.LogNormal(p["loc"], p["scale"]),
                  R.uniform(0.1, 3, (2, 3)), ["log_prob", "entropy", "mean", "mode", "variance", "cdf", "icdf"]),
    "Transformed_tanh_affine": (
        {"loc": LOC, "scale": SCALE},
        lambda D, p: D.TransformedDistribution(D.Normal(p["loc"], p["scale"]), [
            D.transforms.TanhTransform(), D.transforms.AffineTransform(0.5, -2.0)]),
        R.uniform(-1.4, 2.4, (2, 3)), ["log_prob", "cdf", "icdf"]),
    "Transformed_sigmoid_exp": (
        {"loc": LOC, "scale": SCALE},
        lambda D, p: D.TransformedDistribution(D.Normal(p["loc"], p["scale"]), [
            D.transforms.SigmoidTransform(), D.transforms.ExpTransform().inv.inv]),
        R.uniform(1.1, 2.6, (2, 3)), ["log_prob", "cdf", "icdf"]),
    "RelaxedBernoulli": ({"probs": PROBS, "t": np.array(0.7)},
                         lambda D, p: D.RelaxedBernoulli(p["t"], probs=p["probs"]), R.uniform(0.05, 0.95, (2, 3)),
                         ["log_prob"]),
    "RelaxedOneHotCategorical": ({"logits": CAT_LOGITS, "t": np.array(0.5)},
                                 lambda D, p: D.RelaxedOneHotCategorical(p["t"], logits=p["logits"]), SIMPLEX,
                                 ["log_prob"]),
    "MixtureSameFamily": (
        {"logits": CAT_LOGITS[:, :3], "loc": LOC, "scale": SCALE},
        lambda D, p: D.MixtureSameFamily(D.Categorical(logits=p["logits"]), D.Normal(p["loc"], p["scale"])),
        R.standard_normal((5, 2)), ["log_prob", "mean", "variance", "cdf"]),
    "MixtureSameFamily_mvn": (
        {"logits": CAT_LOGITS[0, :2], "loc": LOC3, "scale": SCALE},
        lambda D, p: D.MixtureSameFamily(D.Categorical(logits=p["logits"]),
                                         D.Independent(D.Normal(p["loc"], p["scale"]), 1)),
        R.standard_normal((5, 3)), ["log_prob", "mean", "variance"]),
})

# rsample that goes through the gamma sampler (rejection sampling): not a smooth function of the
# parameters for a fixed seed, so checked by statistics and against torch's gamma gradient instead
IMPLICIT_RSAMPLE = {"Gamma", "Chi2", "Beta", "Dirichlet", "StudentT"}

KL_CASES += [
    ("OneHotCategorical", lambda D, p: D.OneHotCategorical(logits=p["a"]),
     lambda D, p: D.OneHotCategorical(probs=p["b"]), {"a": CAT_LOGITS, "b": CAT_PROBS}),
    ("MVN-MVN", lambda D, p: D.MultivariateNormal(p["loc"], scale_tril=p["L"].tril() + 3 * D_eye(p["L"])),
     lambda D, p: D.MultivariateNormal(p["loc2"], covariance_matrix=_spd(D, p["A"])),
     {"loc": LOC3, "L": A, "loc2": LOC3[0] + 1, "A": A[1]}),
    ("Independent", lambda D, p: D.Independent(D.Normal(p["loc"], p["scale"]), 1),
     lambda D, p: D.Independent(D.Normal(p["loc"] * 0.5, p["scale"] * 2), 1), {"loc": LOC, "scale": SCALE}),
    ("LogNormal", lambda D, p: D.LogNormal(p["loc"], p["scale"]), lambda D, p: D.LogNormal(p["loc"] + 1, p["scale"]),
     {"loc": LOC, "scale": SCALE}),
    ("Beta-Beta", lambda D, p: D.Beta(p["a"], p["b"]), lambda D, p: D.Beta(p["b"], p["a"]), {"a": POS, "b": POS2}),
    ("Binomial-Binomial", lambda D, p: D.Binomial(5, probs=p["a"]), lambda D, p: D.Binomial(5, logits=p["b"]),
     {"a": PROBS, "b": LOGITS}),
    ("Dirichlet-Dirichlet", lambda D, p: D.Dirichlet(p["a"]), lambda D, p: D.Dirichlet(p["a"].flip(-1)),
     {"a": CONC}),
    ("Exponential-Exponential", lambda D, p: D.Exponential(p["a"]), lambda D, p: D.Exponential(p["b"]),
     {"a": POS, "b": POS2}),
    ("Gamma-Gamma", lambda D, p: D.Gamma(p["a"], p["b"]), lambda D, p: D.Gamma(p["b"], p["a"]), {"a": POS, "b": POS2}),
    ("Geometric-Geometric", lambda D, p: D.Geometric(probs=p["a"]), lambda D, p: D.Geometric(logits=p["b"]),
     {"a": PROBS, "b": LOGITS}),
    ("Laplace-Laplace", lambda D, p: D.Laplace(p["loc"], p["scale"]), lambda D, p: D.Laplace(p["scale"], p["loc"] ** 2),
     {"loc": LOC, "scale": SCALE}),
    ("Poisson-Poisson", lambda D, p: D.Poisson(p["a"]), lambda D, p: D.Poisson(p["b"]), {"a": POS, "b": POS2}),
    ("Bernoulli-Poisson", lambda D, p: D.Bernoulli(probs=p["a"]), lambda D, p: D.Poisson(p["b"]),
     {"a": PROBS, "b": POS2}),
    ("Exponential-Gamma", lambda D, p: D.Exponential(p["a"]), lambda D, p: D.Gamma(p["b"], p["a"]),
     {"a": POS, "b": POS2}),
    ("Exponential-Normal", lambda D, p: D.Exponential(p["a"]), lambda D, p: D.Normal(p["loc"], p["b"]),
     {"a": POS, "b": POS2, "loc": LOC}),
    ("Gamma-Exponential", lambda D, p: D.Gamma(p["a"], p["b"]), lambda D, p: D.Exponential(p["a"]),
     {"a": POS, "b": POS2}),
    ("Gamma-Normal", lambda D, p: D.Gamma(p["a"], p["b"]), lambda D, p: D.Normal(p["loc"], p["b"]),
     {"a": POS, "b": POS2, "loc": LOC}),
    ("Laplace-Normal", lambda D, p: D.Laplace(p["loc"], p["scale"]), lambda D, p: D.Normal(p["scale"], p["scale"]),
     {"loc": LOC, "scale": SCALE}),
    ("Normal-Laplace", lambda D, p: D.Normal(p["loc"], p["scale"]), lambda D, p: D.Laplace(p["scale"], p["scale"]),
     {"loc": LOC, "scale": SCALE}),
    ("Uniform-Exponential", lambda D, p: D.Uniform(p["low"], p["high"]), lambda D, p: D.Exponential(p["high"]),
     {"low": np.abs(LOW), "high": np.abs(LOW) + HIGH}),
    ("Uniform-Exponential-inf", lambda D, p: D.Uniform(p["low"], p["high"]), lambda D, p: D.Exponential(p["high"]),
     {"low": LOW, "high": HIGH}),
    ("Uniform-Gamma", lambda D, p: D.Uniform(p["low"], p["high"]), lambda D, p: D.Gamma(p["high"], p["high"]),
     {"low": np.abs(LOW), "high": np.abs(LOW) + HIGH}),
    ("Uniform-Beta", lambda D, p: D.Uniform(p["low"], p["high"]), lambda D, p: D.Beta(p["a"], p["a"] + 1),
     {"low": PROBS * 0.5, "high": PROBS * 0.5 + 0.4, "a": POS}),
    ("Beta-Uniform", lambda D, p: D.Beta(p["a"], p["b"]), lambda D, p: D.Uniform(p["a"] * 0 - 0.5, p["a"] * 0 + 1.5),
     {"a": POS, "b": POS2}),
    ("Beta-Uniform-inf", lambda D, p: D.Beta(p["a"], p["b"]), lambda D, p: D.Uniform(p["a"] * 0 + 0.2, p["a"] + 1),
     {"a": POS, "b": POS2}),
    ("Normal-Gamma", lambda D, p: D.Normal(p["loc"], p["scale"]), lambda D, p: D.Gamma(p["scale"], p["scale"]),
     {"loc": LOC, "scale": SCALE}),
]

SAMPLE_CASES.update({
    "Exponential": ({"rate": np.array([0.5, 3.0])}, lambda D, p: D.Exponential(p["rate"])),
    "Laplace": ({"loc": np.array([0.5, -1.0]), "scale": np.array([1.0, 0.3])},
                lambda D, p: D.Laplace(p["loc"], p["scale"])),
    "Gamma": ({"c": np.array([0.3, 2.0, 50.0]), "r": np.array([1.0, 0.5, 4.0])},
              lambda D, p: D.Gamma(p["c"], p["r"])),
    "Chi2": ({"df": np.array([1.0, 6.0])}, lambda D, p: D.Chi2(p["df"])),
    "Beta": ({"a": np.array([0.5, 2.0]), "b": np.array([0.5, 5.0])}, lambda D, p: D.Beta(p["a"], p["b"])),
    "Dirichlet": ({"c": np.array([[0.5, 1.0, 3.0]])}, lambda D, p: D.Dirichlet(p["c"])),
    "Poisson": ({"rate": np.array([0.5, 7.0])}, lambda D, p: D.Poisson(p["rate"])),
    "Binomial": ({"p": np.array([0.2, 0.7])}, lambda D, p: D.Binomial(10, probs=p["p"])),
    "Geometric": ({"p": np.array([0.3, 0.8])}, lambda D, p: D.Geometric(probs=p["p"])),
    "LogNormal": ({"loc": np.array([0.5, -1.0]), "scale": np.array([0.25, 0.1])},
                  lambda D, p: D.LogNormal(p["loc"], p["scale"])),
    "StudentT": ({"df": np.array([10.0, 30.0])}, lambda D, p: D.StudentT(p["df"], 1.0, 2.0)),
    "OneHotCategorical": ({"p": np.array([0.2, 0.3, 0.5])}, lambda D, p: D.OneHotCategorical(probs=p["p"])),
    "MultivariateNormal": ({"loc": np.array([1.0, -1.0]), "c": np.array([[2.0, 0.5], [0.5, 1.0]])},
                           lambda D, p: D.MultivariateNormal(p["loc"], covariance_matrix=p["c"])),
    "MixtureSameFamily": ({"p": np.array([0.3, 0.7]), "loc": np.array([-2.0, 1.0]), "s": np.array([0.5, 1.0])},
                          lambda D, p: D.MixtureSameFamily(D.Categorical(probs=p["p"]), D.Normal(p["loc"], p["s"]))),
})

# -- group 3: HalfNormal, HalfCauchy, Gumbel, Pareto, Multinomial, NegativeBinomial ------------------
CASES.update({
    "HalfNormal": ({"scale": POS}, lambda D, p: D.HalfNormal(p["scale"]), R.uniform(0.1, 3, (2, 3)),
                   ["log_prob", "entropy", "mean", "mode", "variance", "cdf", "icdf"]),
    "HalfCauchy": ({"scale": POS}, lambda D, p: D.HalfCauchy(p["scale"]), R.uniform(0.1, 3, (2, 3)),
                   ["log_prob", "entropy", "mean", "mode", "cdf", "icdf"]),
    "Gumbel": ({"loc": LOC, "scale": SCALE}, lambda D, p: D.Gumbel(p["loc"], p["scale"]), R.standard_normal((2, 3)),
               ["log_prob", "entropy", "mean", "mode", "variance", "stddev", "cdf", "icdf"]),
    "Pareto": ({"scale": POS2, "alpha": np.array([[0.5, 1.5, 3.0], [2.5, 4.0, 1.0]])},
               lambda D, p: D.Pareto(p["scale"], p["alpha"]), 3.5 + R.uniform(0, 2, (2, 3)),
               ["log_prob", "entropy", "mean", "mode", "variance", "cdf", "icdf"]),
    "Multinomial": ({"probs": CAT_PROBS}, lambda D, p: D.Multinomial(6, probs=p["probs"]),
                    np.array([[1.0, 2, 0, 3], [6, 0, 0, 0]]), ["log_prob", "entropy", "mean", "variance"]),
    "NegativeBinomial": ({"count": POS, "logits": LOGITS},
                         lambda D, p: D.NegativeBinomial(p["count"], logits=p["logits"]),
                         np.array([[0.0, 1, 2], [5, 3, 4]]), ["log_prob", "mean", "mode", "variance"]),
})
KL_CASES += [
    ("Gumbel-Gumbel", lambda D, p: D.Gumbel(p["loc"], p["scale"]), lambda D, p: D.Gumbel(p["scale"], p["loc"] ** 2 + 1),
     {"loc": LOC, "scale": SCALE}),
    ("HalfNormal-HalfNormal", lambda D, p: D.HalfNormal(p["a"]), lambda D, p: D.HalfNormal(p["b"]),
     {"a": POS, "b": POS2}),
    ("Pareto-Pareto", lambda D, p: D.Pareto(p["a"], p["b"]), lambda D, p: D.Pareto(p["b"], p["a"]),
     {"a": POS, "b": POS2}),
]
SAMPLE_CASES.update({
    "HalfNormal": ({"s": np.array([0.5, 2.0])}, lambda D, p: D.HalfNormal(p["s"])),
    "Gumbel": ({"loc": np.array([0.5, -1.0]), "s": np.array([1.0, 0.3])}, lambda D, p: D.Gumbel(p["loc"], p["s"])),
    "Pareto": ({"s": np.array([1.0, 2.0]), "a": np.array([6.0, 9.0])}, lambda D, p: D.Pareto(p["s"], p["a"])),
    "Multinomial": ({"p": np.array([0.2, 0.3, 0.5])}, lambda D, p: D.Multinomial(8, probs=p["p"])),
    "NegativeBinomial": ({"n": np.array([2.0, 10.0]), "p": np.array([0.3, 0.6])},
                         lambda D, p: D.NegativeBinomial(p["n"], probs=p["p"])),
})

CASES.update({
    "Weibull": ({"scale": POS2, "k": POS}, lambda D, p: D.Weibull(p["scale"], p["k"]), R.uniform(0.1, 3, (2, 3)),
                ["log_prob", "entropy", "mean", "mode", "variance", "cdf", "icdf"]),
    "Kumaraswamy": ({"a": POS, "b": POS2}, lambda D, p: D.Kumaraswamy(p["a"], p["b"]), R.uniform(0.05, 0.95, (2, 3)),
                    ["log_prob", "entropy", "mean", "mode", "variance", "cdf", "icdf"]),
    "FisherSnedecor": ({"d1": np.array([[1.5, 3.0, 6.0], [2.5, 8.0, 1.0]]), "d2": np.array([1.5, 4.5, 9.0])},
                       lambda D, p: D.FisherSnedecor(p["d1"], p["d2"]), R.uniform(0.1, 3, (2, 3)),
                       ["log_prob", "mean", "mode", "variance"]),
})
IMPLICIT_RSAMPLE |= {"FisherSnedecor"}
SAMPLE_CASES.update({
    "Weibull": ({"s": np.array([1.0, 2.0]), "k": np.array([1.5, 4.0])}, lambda D, p: D.Weibull(p["s"], p["k"])),
    "Kumaraswamy": ({"a": np.array([0.5, 2.0]), "b": np.array([2.0, 5.0])},
                    lambda D, p: D.Kumaraswamy(p["a"], p["b"])),
    "FisherSnedecor": ({"d1": np.array([5.0, 10.0]), "d2": np.array([20.0, 30.0])},
                       lambda D, p: D.FisherSnedecor(p["d1"], p["d2"])),
})

CASES["InverseGamma"] = ({"a": np.array([[0.5, 1.5, 3.0], [2.5, 4.0, 1.0]]), "r": POS2},
                         lambda D, p: D.InverseGamma(p["a"], p["r"]), R.uniform(0.1, 3, (2, 3)),
                         ["log_prob", "entropy", "mean", "mode", "variance"])
IMPLICIT_RSAMPLE |= {"InverseGamma"}
SAMPLE_CASES["InverseGamma"] = ({"a": np.array([9.0, 12.0]), "r": np.array([1.0, 3.0])},
                                lambda D, p: D.InverseGamma(p["a"], p["r"]))

CB_PROBS = np.array([[0.2, 0.4995, 0.5], [0.7, 0.95, 0.5005]])  # the middle ones inside torch's Taylor band
CASES.update({
    "ContinuousBernoulli_probs": ({"probs": CB_PROBS}, lambda D, p: D.ContinuousBernoulli(probs=p["probs"]),
                                  R.uniform(0.05, 0.95, (2, 3)),
                                  ["log_prob", "entropy", "mean", "variance", "stddev", "cdf", "icdf"]),
    "ContinuousBernoulli_logits": ({"logits": LOGITS}, lambda D, p: D.ContinuousBernoulli(logits=p["logits"]),
                                   R.uniform(0.05, 0.95, (4, 2, 3)), ["log_prob", "entropy", "mean", "variance"]),
})
KL_CASES += [
    ("CB-CB", lambda D, p: D.ContinuousBernoulli(probs=p["a"]), lambda D, p: D.ContinuousBernoulli(logits=p["b"]),
     {"a": CB_PROBS, "b": LOGITS}),
    ("Beta-CB", lambda D, p: D.Beta(p["a"], p["b"]), lambda D, p: D.ContinuousBernoulli(probs=p["p"]),
     {"a": POS, "b": POS2, "p": CB_PROBS}),
    ("CB-Normal", lambda D, p: D.ContinuousBernoulli(probs=p["p"]), lambda D, p: D.Normal(p["loc"], p["scale"]),
     {"p": CB_PROBS, "loc": LOC, "scale": SCALE}),
    ("CB-Exponential", lambda D, p: D.ContinuousBernoulli(probs=p["p"]), lambda D, p: D.Exponential(p["r"]),
     {"p": CB_PROBS, "r": POS}),
    ("CB-Uniform", lambda D, p: D.ContinuousBernoulli(probs=p["p"]), lambda D, p: D.Uniform(p["p"] * 0 - 1, p["p"] + 1),
     {"p": CB_PROBS}),
    ("Uniform-CB", lambda D, p: D.Uniform(p["p"] * 0.5, p["p"] * 0.5 + 0.4), lambda D, p: D.ContinuousBernoulli(
        probs=p["p"]), {"p": CB_PROBS}),
]
SAMPLE_CASES["ContinuousBernoulli"] = ({"p": np.array([0.1, 0.5, 0.8])},
                                       lambda D, p: D.ContinuousBernoulli(probs=p["p"]))

W = R.standard_normal((2, 3, 2))
CASES.update({
    "LowRankMultivariateNormal": ({"loc": LOC3[0], "W": W, "D": POS[0]},
                                  lambda D, p: D.LowRankMultivariateNormal(p["loc"], p["W"], p["D"]),
                                  R.standard_normal((4, 2, 3)), ["log_prob", "entropy", "mean", "mode", "variance"]),
})
SAMPLE_CASES["LowRankMultivariateNormal"] = (
    {"loc": np.array([1.0, -1.0, 0.0]), "W": np.array([[1.0], [0.5], [-0.3]]), "D": np.array([0.5, 1.0, 0.2])},
    lambda D, p: D.LowRankMultivariateNormal(p["loc"], p["W"], p["D"]))
KL_CASES += [
    ("LowRank-LowRank", lambda D, p: D.LowRankMultivariateNormal(p["loc"], p["W"], p["D"]),
     lambda D, p: D.LowRankMultivariateNormal(p["loc"] * 0.5, p["W"][0] * 2, p["D"] + 1),
     {"loc": LOC3, "W": W, "D": POS[0]}),
    ("MVN-LowRank", lambda D, p: D.MultivariateNormal(p["loc"], scale_tril=p["L"].tril() + 3 * D_eye(p["L"])),
     lambda D, p: D.LowRankMultivariateNormal(p["loc"][0], p["W"], p["D"]),
     {"loc": LOC3, "L": A, "W": W, "D": POS[0]}),
    ("LowRank-MVN", lambda D, p: D.LowRankMultivariateNormal(p["loc"][0], p["W"], p["D"]),
     lambda D, p: D.MultivariateNormal(p["loc"], covariance_matrix=_spd(D, p["A"])),
     {"loc": LOC3, "A": A, "W": W, "D": POS[0]}),
]

CASES["VonMises"] = ({"loc": LOC, "k": np.array([0.3, 3.0, 8.0])}, lambda D, p: D.VonMises(p["loc"], p["k"]),
                     R.uniform(-3, 3, (2, 3)), ["log_prob", "mean", "mode", "variance"])
