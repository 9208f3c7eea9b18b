"""Batch-norm rows: fastgrad beside torch, BatchNorm2d in training mode, forward + backward of a fixed
output gradient (gradients of input, weight and bias; running statistics updated), float32:

* "N1 batchnorm2d 16ch 32x32 b32 fwd+bwd" and "N2 batchnorm2d 64ch 8x8 b32 fwd+bwd": the first and last
  stage of the C3 ResNet (benchmarks/bench_conv.py), where batch norm is the largest non-conv cost.

Run: FASTGRAD_BENCH_THREADS=1 python -m pytest benchmarks/bench_batchnorm.py -q -p no:randomly
     --benchmark-timer time.thread_time --benchmark-columns=median,min,rounds
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import QUICK  # noqa: E402

SHAPES = [("N1", (4 if QUICK else 32, 16, 32, 32)), ("N2", (4 if QUICK else 32, 64, 8, 8))]


@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
@pytest.mark.parametrize("tag,shape", SHAPES, ids=[s[0] for s in SHAPES])
def test_batchnorm2d_fwd_bwd(benchmark, framework, tag, shape):
    C.need(framework)
    n, c, h, w = shape
    name = "%s batchnorm2d %dch %dx%d b%d fwd+bwd" % (tag, c, h, w, n)
    benchmark.group = name
    C.tag(benchmark, framework, category="cnn", workload=name, flops=12 * n * c * h * w)
    rng = C.rng(17)
    x0, g0 = rng.standard_normal(shape, dtype=np.float32), rng.standard_normal(shape, dtype=np.float32)
    lib = C.torch if framework == "torch" else C.fastgrad
    m = lib.nn.BatchNorm2d(c)
    x, g = lib.tensor(x0, requires_grad=True), lib.tensor(g0)

    def step():
        for p in (x, m.weight, m.bias):
            p.grad = None
        m(x).backward(g)

    C.run_pedantic(benchmark, step, rounds=50, iterations=1)
    assert np.isfinite(float(m.weight.grad.sum()))
