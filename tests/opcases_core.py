"""Op cases for the elementwise, activation and reduction families (see test_ops.py).

Each case: name (registered op), fn (fastgrad tensors -> tensor), ref (float64 arrays ->
float64 array), inputs (float64 arrays, or rng -> arrays), grad (gradcheck the inputs),
id, and optionally torch (torch tensors -> tensor) for parity when torch is installed."""
import math

import numpy as np

import fastgrad as fg
import fastgrad.functional as F
from opcases.common import _away_from, _n, case

try:
    from scipy.special import erf as _erf  # optional, only for the reference
except ImportError:  # pragma: no cover
    _erf = np.vectorize(math.erf)


def _pos(shape, lo=0.2, hi=2.0):
    return lambda rng: [rng.uniform(lo, hi, shape)]


def _wide(shape, kinks):
    """uniform on (-5, 5): every piece of a piecewise activation, kept away from its kinks"""
    return lambda rng: [_away_from(rng.uniform(-5, 5, shape), kinks)]


def _softmax(x, d):
    e = np.exp(x - x.max(axis=d, keepdims=True))
    return e / e.sum(axis=d, keepdims=True)


def _gelu(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


CASES = [
    # -- elementwise binary, with broadcasting and scalars
    case("add", lambda a, b: a + b, np.add, _n((3, 4), (3, 4)), "same", torch=lambda a, b: a + b),
    case("add", lambda a, b: a + b, np.add, _n((3, 4), (4,)), "bcast-row"),
    case("add", lambda a, b: a + b, np.add, _n((2, 1, 4), (3, 1)), "bcast-both"),
    case("add", lambda a, b: a + b, np.add, _n((0, 4), (4,)), "empty"),
    case("add", lambda a: a + 2.5, lambda a: a + 2.5, _n((5,)), "scalar"),
    case("add", lambda a, b: a + b, np.add, _n((), ()), "0d"),
    case("sub", lambda a, b: a - b, np.subtract, _n((3, 4), (3, 1)), "bcast-col",
         torch=lambda a, b: a - b),
    case("sub", lambda a: 1.5 - a, lambda a: 1.5 - a, _n((7,)), "rscalar"),
    case("mul", lambda a, b: a * b, np.multiply, _n((3, 4), (3, 4)), "same", torch=lambda a, b: a * b),
    case("mul", lambda a, b: a * b, np.multiply, _n((2, 3, 4), (1, 4)), "bcast"),
    case("mul", lambda a: a * 3.0, lambda a: a * 3.0, _n((17,)), "scalar"),
    case("div", lambda a, b: a / b, np.divide, lambda r: [r.standard_normal((3, 4)), r.uniform(0.5, 2, (3, 4))],
         "same", torch=lambda a, b: a / b),
    case("div", lambda a, b: a / b, np.divide, lambda r: [r.standard_normal((3, 4)), r.uniform(0.5, 2, (4,))],
         "bcast"),
    case("div", lambda a: 2.0 / a, lambda a: 2.0 / a, _pos((9,)), "rscalar"),
    case("pow", lambda a, b: a ** b, np.power, lambda r: [r.uniform(0.5, 2, (3, 4)), r.standard_normal((3, 4))],
         "tensor-exp", torch=lambda a, b: a ** b),
    case("pow", lambda a, b: a ** b, np.power, lambda r: [r.uniform(0.5, 2, (3, 4)), r.standard_normal((4,))],
         "tensor-exp-bcast"),
    case("pow", lambda b: 2.0 ** b, lambda b: 2.0 ** b, _n((6,)), "scalar-base"),
    case("pow_scalar", lambda a: a ** 2, lambda a: a ** 2, _n((3, 5)), "square", torch=lambda a: a ** 2),
    case("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, _n((9,)), "cube"),
    case("pow_scalar", lambda a: a ** 0.5, np.sqrt, _pos((9,)), "sqrt"),
    case("pow_scalar", lambda a: a ** -1.5, lambda a: a ** -1.5, _pos((4,)), "neg-frac"),
    case("neg", lambda a: -a, np.negative, _n((4, 3)), "2d", torch=lambda a: -a),
    case("exp", fg.exp, np.exp, _n((3, 8)), "2d", torch=lambda a: a.exp()),
    case("log", fg.log, np.log, _pos((3, 8)), "2d", torch=lambda a: a.log()),
    case("log1p", fg.log1p, np.log1p, lambda r: [r.uniform(-0.5, 2, (3, 8))], "2d", torch=lambda a: a.log1p()),
    case("sign", fg.sign, np.sign, _n((4, 5), away=(0.0,)), "2d", torch=lambda a: a.sign()),
    case("sqrt", fg.sqrt, np.sqrt, _pos((33,)), "1d", torch=lambda a: a.sqrt()),
    case("abs", fg.abs, np.abs, _n((5, 5), away=(0.0,)), "2d", torch=lambda a: a.abs()),
    case("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
         _n((6, 7), away=(-0.5, 0.5)), "both", torch=lambda a: a.clamp(-0.5, 0.5)),
    case("clamp", lambda a: a.clamp(min=0.1), lambda a: np.maximum(a, 0.1), _n((9,), away=(0.1,)), "min"),
    case("maximum", fg.maximum, np.maximum, _n((4, 5), (4, 5)), "same", torch=lambda a, b: a.maximum(b)),
    case("maximum", fg.maximum, np.maximum, _n((4, 5), (5,)), "bcast"),
    case("minimum", fg.minimum, np.minimum, _n((4, 5), (4, 1)), "bcast", torch=lambda a, b: a.minimum(b)),
    case("where", lambda a, b: fg.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
         _n((4, 5), (4, 5), away=(0.0,)), "same"),
    case("where", lambda a, b: fg.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
         _n((4, 5), (5,), away=(0.0,)), "bcast"),
    case("to_dtype", lambda a: a.double().to(a.dtype) * 1.0, lambda a: a, _n((3, 3)), "roundtrip"),
    case("clone", lambda a: a.clone(), lambda a: a.copy(), _n((2, 3)), "2d"),
    # -- activations
    case("relu", F.relu, lambda a: np.maximum(a, 0), _n((8, 9), away=(0.0,)), "2d", torch=lambda a: a.relu()),
    case("relu", F.relu, lambda a: np.maximum(a, 0), _n((0,)), "empty"),
    case("leaky_relu", lambda a: F.leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a),
         _n((33,), away=(0.0,)), "1d"),
    case("hardswish", F.hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6, _wide((5, 9), (-3.0, 3.0)), "2d",
         torch=lambda a: __import__("torch").nn.functional.hardswish(a)),
    case("hardsigmoid", F.hardsigmoid, lambda a: np.clip(a + 3, 0, 6) / 6, _wide((5, 9), (-3.0, 3.0)), "2d",
         torch=lambda a: __import__("torch").nn.functional.hardsigmoid(a)),
    case("sigmoid", F.sigmoid, lambda a: 1 / (1 + np.exp(-a)), _n((4, 17)), "2d", torch=lambda a: a.sigmoid()),
    case("tanh", F.tanh, np.tanh, _n((4, 17)), "2d", torch=lambda a: a.tanh()),
    case("gelu", F.gelu, _gelu, _n((5, 9)), "exact"),
    case("gelu", lambda a: F.gelu(a, approximate="tanh"), _gelu_tanh, _n((5, 9)), "tanh"),
    case("softplus", F.softplus, _softplus, _n((5, 9)), "default"),
    case("softplus", lambda a: F.softplus(a, beta=2.0, threshold=1.0), lambda a: _softplus(a, 2.0, 1.0),
         _n((5, 9), away=(0.5,)), "beta"),
    # -- reductions
    case("sum", lambda a: a.sum(), lambda a: np.asarray(a.sum()), _n((3, 4)), "all", torch=lambda a: a.sum()),
    case("sum", lambda a: a.sum(1), lambda a: a.sum(1), _n((3, 4, 5)), "dim1"),
    case("sum", lambda a: a.sum((0, 2), keepdim=True), lambda a: a.sum((0, 2), keepdims=True), _n((3, 4, 5)),
         "dims-keep"),
    case("sum", lambda a: a.sum(0), lambda a: a.sum(0), _n((0, 3)), "empty"),
    case("mean", lambda a: a.mean(), lambda a: np.asarray(a.mean()), _n((3, 4)), "all",
         torch=lambda a: a.mean()),
    case("mean", lambda a: a.mean(-1, keepdim=True), lambda a: a.mean(-1, keepdims=True), _n((3, 4)), "last"),
    case("amax_amin", lambda a: a.max(), lambda a: np.asarray(a.max()), _n((3, 4)), "max-all"),
    case("amax_amin", lambda a: a.amin(1), lambda a: a.min(1), _n((3, 4)), "amin-dim"),
    case("select_along_dim", lambda a: a.max(1)[0], lambda a: a.max(1), _n((3, 4)), "max-dim"),
    case("select_along_dim", lambda a: a.min(0, keepdim=True).values, lambda a: a.min(0, keepdims=True),
         _n((3, 4)), "min-dim-keep"),
    case("var", lambda a: a.var(), lambda a: np.asarray(a.var(ddof=1)), _n((3, 4)), "all",
         torch=lambda a: a.var()),
    case("var", lambda a: a.var(0, unbiased=False), lambda a: a.var(0), _n((5, 4)), "dim0-biased"),
    case("var", lambda a: a.std(1), lambda a: a.std(1, ddof=1), _n((5, 4)), "std"),
    case("norm2", lambda a: a.norm(), lambda a: np.asarray(np.linalg.norm(a)), _n((3, 4)), "all",
         torch=lambda a: a.norm()),
    case("norm2", lambda a: F.norm(a, dim=1, keepdim=True), lambda a: np.linalg.norm(a, axis=1, keepdims=True),
         _n((3, 4)), "dim-keep"),
    case("softmax", lambda a: F.softmax(a, dim=-1), lambda a: _softmax(a, -1), _n((4, 7)), "last",
         torch=lambda a: a.softmax(-1)),
    case("softmax", lambda a: F.softmax(a, dim=0), lambda a: _softmax(a, 0), _n((4, 3, 2)), "first"),
    case("log_softmax", lambda a: F.log_softmax(a, dim=1), lambda a: np.log(_softmax(a, 1)), _n((4, 7)),
         "dim1", torch=lambda a: a.log_softmax(1)),
    case("log_softmax", lambda a: F.log_softmax(a, dim=1), lambda a: np.log(_softmax(a, 1)), _n((2, 5, 3)),
         "middle"),
]
