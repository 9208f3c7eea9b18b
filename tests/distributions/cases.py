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
