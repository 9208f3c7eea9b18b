"""Op cases for the activations of functional/activation_more.py (see test_ops.py).  The kernel
ops (silu, mish, elu/selu/celu, logsigmoid, softsign, hardtanh/relu6) are named by their own
registered op; the composed ones (glu, prelu, rrelu, softmin, threshold, tanhshrink, softshrink,
hardshrink) by the op whose node ends them, with their own name as the id."""
import numpy as np

import fastgrad as fg
import fastgrad.nn.functional as F
from opcases.common import _away_from, _n, case

_SA, _SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _wide(shape, kinks, lo=-6.0, hi=6.0):
    """uniform on (lo, hi), kept away from the kinks"""
    return lambda rng: [_away_from(rng.uniform(lo, hi, shape), kinks, 0.05)]


def _t(name):
    return lambda *a, **k: getattr(__import__("torch").nn.functional, name)(*a, **k)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(0, x)


def _elu(x, alpha=1.0, scale=1.0, ipt=1.0):
    return np.where(x > 0, scale * x, alpha * scale * np.expm1(np.minimum(x, 0) * ipt))


def _softmax(x, d):
    e = np.exp(x - x.max(axis=d, keepdims=True))
    return e / e.sum(axis=d, keepdims=True)


def _prelu_w(rng):
    return [_away_from(rng.standard_normal((2, 3, 4)), (0.0,)), rng.uniform(0.05, 0.5, 3)]


CASES = [
    case("silu", F.silu, lambda a: a * _sig(a), _wide((5, 9), ()), "2d", torch=_t("silu")),
    case("silu", F.silu, lambda a: a * _sig(a), _n((0, 3)), "empty"),
    case("silu", F.silu, lambda a: a * _sig(a), _n(()), "0d"),
    case("mish", F.mish, lambda a: a * np.tanh(_softplus(a)), _wide((4, 37), (), -25.0, 25.0), "2d",
         torch=_t("mish")),
    case("elu", F.elu, _elu, _wide((5, 9), (0.0,)), "default", torch=_t("elu")),
    case("elu", lambda a: F.elu(a, 0.3), lambda a: _elu(a, 0.3), _wide((33,), (0.0,)), "alpha",
         torch=lambda a: _t("elu")(a, 0.3)),
    case("elu", F.selu, lambda a: _elu(a, _SA, _SS), _wide((5, 9), (0.0,)), "selu", torch=_t("selu")),
    case("elu", lambda a: F.celu(a, 2.0), lambda a: _elu(a, 2.0, 1.0, 0.5), _wide((5, 9), (0.0,)), "celu",
         torch=lambda a: _t("celu")(a, 2.0)),
    case("logsigmoid", F.logsigmoid, lambda a: -_softplus(-a), _wide((5, 9), (), -30.0, 30.0), "2d",
         torch=_t("logsigmoid")),
    case("softsign", F.softsign, lambda a: a / (1 + np.abs(a)), _wide((5, 9), (0.0,)), "2d", torch=_t("softsign")),
    case("hardtanh", F.hardtanh, lambda a: np.clip(a, -1, 1), _wide((5, 9), (-1.0, 1.0), -3, 3), "default",
         torch=_t("hardtanh")),
    case("hardtanh", lambda a: F.hardtanh(a, -0.5, 2.0), lambda a: np.clip(a, -0.5, 2.0),
         _wide((17,), (-0.5, 2.0), -3, 3), "bounds", torch=lambda a: _t("hardtanh")(a, -0.5, 2.0)),
    case("hardtanh", F.relu6, lambda a: np.clip(a, 0, 6), _wide((5, 9), (0.0, 6.0), -3, 9), "relu6",
         torch=_t("relu6")),
    case("mul", lambda a: F.glu(a, 1), lambda a: a[:, :3] * _sig(a[:, 3:]), _n((4, 6)), "glu",
         torch=lambda a: _t("glu")(a, 1)),
    case("where", F.prelu, lambda a, w: np.where(a > 0, a, w[:, None] * a), _prelu_w, "prelu",
         torch=_t("prelu")),
    case("where", lambda a: F.prelu(a, fg.tensor([0.2], dtype=a.dtype)), lambda a: np.where(a > 0, a, 0.2 * a),
         _n((7,), away=(0.0,)), "prelu-scalar"),
    case("leaky_relu", F.rrelu, lambda a: np.where(a > 0, a, a * (1 / 8 + 1 / 3) / 2), _n((5, 9), away=(0.0,)),
         "rrelu-eval", torch=_t("rrelu")),
    case("softmax", lambda a: F.softmin(a, 1), lambda a: _softmax(-a, 1), _n((3, 5)), "softmin",
         torch=lambda a: _t("softmin")(a, 1)),
    case("where", lambda a: F.threshold(a, 0.3, -2.0), lambda a: np.where(a > 0.3, a, -2.0),
         _n((5, 9), away=(0.3,)), "threshold", torch=lambda a: _t("threshold")(a, 0.3, -2.0)),
    case("sub", F.tanhshrink, lambda a: a - np.tanh(a), _n((5, 9)), "tanhshrink", torch=_t("tanhshrink")),
    case("sub", F.softshrink, lambda a: a - np.clip(a, -0.5, 0.5), _n((5, 9), away=(-0.5, 0.5)), "softshrink",
         torch=_t("softshrink")),
    case("where", lambda a: F.hardshrink(a, 0.7), lambda a: np.where(np.abs(a) > 0.7, a, 0.0),
         _n((5, 9), away=(-0.7, 0.7)), "hardshrink", torch=lambda a: _t("hardshrink")(a, 0.7)),
]
