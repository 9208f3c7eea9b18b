"""Pointwise maths, forward + backward: fastgrad (csrc/pointwise.c) beside numpy (the forward and
the derivative's closed form, no autograd) and torch, on 1e6 float32 elements (the kernel) and on
1000 (per-call overhead).  One round: y = op(x); y.backward(dy) (torch and fastgrad), x.grad cleared.

    python -m pytest benchmarks/bench_pointwise.py -q --benchmark-columns=median
    FASTGRAD_ISA=avx2 ATEN_CPU_CAPABILITY=avx2 python -m pytest benchmarks/bench_pointwise.py -q
"""
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import FRAMEWORKS  # noqa: E402

_ERF = np.vectorize(math.erf, otypes=[np.float32])
_2PI = np.float32(2 / math.sqrt(math.pi))

# name: (input range, fastgrad/torch function of lib and the inputs, numpy forward + gradient)
UNARY = {
    "sin": ((-10, 10), lambda L, x: L.sin(x), lambda x, g: (np.sin(x), g * np.cos(x))),
    "cos": ((-10, 10), lambda L, x: L.cos(x), lambda x, g: (np.cos(x), -g * np.sin(x))),
    "tan": ((-1.5, 1.5), lambda L, x: L.tan(x), lambda x, g: (np.tan(x), g * (1 + np.tan(x) ** 2))),
    "atan": ((-10, 10), lambda L, x: L.atan(x), lambda x, g: (np.arctan(x), g / (1 + x * x))),
    "exp2": ((-10, 10), lambda L, x: L.exp2(x), lambda x, g: (np.exp2(x), g * np.exp2(x) * np.float32(math.log(2)))),
    "expm1": ((-3, 3), lambda L, x: L.expm1(x), lambda x, g: (np.expm1(x), g * np.exp(x))),
    "log2": ((0.01, 100), lambda L, x: L.log2(x), lambda x, g: (np.log2(x), g / (x * np.float32(math.log(2))))),
    "log10": ((0.01, 100), lambda L, x: L.log10(x), lambda x, g: (np.log10(x), g / (x * np.float32(math.log(10))))),
    "erf": ((-3, 3), lambda L, x: L.erf(x), lambda x, g: (_ERF(x), g * _2PI * np.exp(-x * x))),
    "erfc": ((-3, 3), lambda L, x: L.erfc(x), lambda x, g: (1 - _ERF(x), -g * _2PI * np.exp(-x * x))),
    "sinh": ((-5, 5), lambda L, x: L.sinh(x), lambda x, g: (np.sinh(x), g * np.cosh(x))),
    "asin": ((-0.99, 0.99), lambda L, x: L.asin(x), lambda x, g: (np.arcsin(x), g / np.sqrt(1 - x * x))),
    "cosh": ((-5, 5), lambda L, x: L.cosh(x), lambda x, g: (np.cosh(x), g * np.sinh(x))),
    "acos": ((-0.99, 0.99), lambda L, x: L.acos(x), lambda x, g: (np.arccos(x), -g / np.sqrt(1 - x * x))),
    "asinh": ((-10, 10), lambda L, x: L.asinh(x), lambda x, g: (np.arcsinh(x), g / np.sqrt(x * x + 1))),
    "acosh": ((1.5, 10), lambda L, x: L.acosh(x), lambda x, g: (np.arccosh(x), g / np.sqrt(x * x - 1))),
    "atanh": ((-0.9, 0.9), lambda L, x: L.atanh(x), lambda x, g: (np.arctanh(x), g / (1 - x * x))),
    "sinc": ((0.5, 10), lambda L, x: L.sinc(x), lambda x, g: (np.sinc(x), g * (np.pi * x * np.cos(np.pi * x)
                                                                               - np.sin(np.pi * x)) / (np.pi * x * x))),
    "logit": ((0.01, 0.99), lambda L, x: L.logit(x), lambda x, g: (np.log(x / (1 - x)), g / (x * (1 - x)))),
    "lgamma": ((0.5, 10), lambda L, x: L.lgamma(x), None),
    "digamma": ((0.5, 10), lambda L, x: L.digamma(x), None),
    "erfinv": ((-0.99, 0.99), lambda L, x: L.erfinv(x), None),
    "floor": ((-10, 10), lambda L, x: L.floor(x), lambda x, g: (np.floor(x), np.zeros_like(g))),
    "round": ((-10, 10), lambda L, x: L.round(x), lambda x, g: (np.round(x), np.zeros_like(g))),
    "trunc": ((-10, 10), lambda L, x: L.trunc(x), lambda x, g: (np.trunc(x), np.zeros_like(g))),
    "atan2": ((-10, 10), lambda L, x: L.atan2(x, x * 0 + 2), lambda x, g: (np.arctan2(x, 2), g * 2 / (x * x + 4))),
    "logaddexp": ((-10, 10), lambda L, x: L.logaddexp(x, x * 0 + 1), lambda x, g: (np.logaddexp(x, 1),
                                                                                 g / (1 + np.exp(1 - x)))),
    "hypot": ((-10, 10), lambda L, x: L.hypot(x, x * 0 + 2), lambda x, g: (np.hypot(x, 2), g * x / np.hypot(x, 2))),
    "fmod": ((-10, 10), lambda L, x: L.fmod(x, x * 0 + 1.5), lambda x, g: (np.fmod(x, 1.5), g)),
    "lerp": ((-10, 10), lambda L, x: L.lerp(x, x * 0 + 1, 0.3), lambda x, g: (x + np.float32(0.3) * (1 - x),
                                                                              g * np.float32(0.7))),
    "addcmul": ((-10, 10), lambda L, x: L.addcmul(x, x, x, value=0.5), lambda x, g: (x + 0.5 * x * x, g * (1 + x))),
    "addcdiv": ((1, 10), lambda L, x: L.addcdiv(x, x, x + 1, value=0.5),
                lambda x, g: (x + 0.5 * x / (x + 1), g * (1 + 0.5 / (x + 1) ** 2))),
}
SIZES = (1000, 1_000_000)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("size", SIZES if not C.QUICK else (1000,))
@pytest.mark.parametrize("op", list(UNARY))
def test_pointwise_fwd_bwd(benchmark, op, size, framework):
    C.need(framework)
    C.need_fastgrad(op)
    (lo, hi), fn, ref = UNARY[op]
    rng = C.rng(5)
    x0 = rng.uniform(lo, hi, size).astype(np.float32)
    g0 = rng.standard_normal(size).astype(np.float32)
    benchmark.group = f"{op} fwd+bwd {size:,} float32"
    C.tag(benchmark, framework, category="pointwise", elements=size, impl=framework)
    if framework == "numpy":
        if ref is None:
            pytest.skip(f"numpy has no {op}")

        def step():
            return ref(x0, g0)
    else:
        lib = C.torch if framework == "torch" else C.fastgrad
        x = lib.tensor(x0, requires_grad=True)
        g = lib.tensor(g0)

        def step():
            x.grad = None
            y = fn(lib, x)
            y.backward(g)
            return y
    rounds, iterations = (200, 20) if size < 10_000 else (30, 1)
    C.run_pedantic(benchmark, step, rounds=rounds, iterations=iterations)
    if framework != "numpy" and ref is not None:
        want, gwant = ref(x0.astype(np.float64), g0.astype(np.float64))
        np.testing.assert_allclose(step().detach().numpy(), want, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(x.grad.numpy(), gwant, rtol=1e-3, atol=1e-4)
