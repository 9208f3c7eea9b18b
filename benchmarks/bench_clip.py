"""clip_grad_norm_ over a model's gradients: fastgrad (one C reduction, fg_norm_multi), numpy
(per-tensor norms through np.dot, what fastgrad did before) and torch, on the same gradients.
Rows: one small tensor (per-call overhead), the W3 and W4 models' parameters (the kernel)."""
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import FRAMEWORKS  # noqa: E402

MODELS = {"1 tensor of 10": [(10,)],
          "W3 params": [(128, 784), (128,), (128, 128), (128,), (10, 128), (10,)],
          "W4 params": [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]}
MAX_NORM = 1.0


def numpy_clip(grads, max_norm):
    """||g||_2 over all gradients, then g *= min(max_norm / (norm + 1e-6), 1)"""
    total = math.sqrt(sum(float(np.dot(g.reshape(-1), g.reshape(-1))) for g in grads))
    coef = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= np.float32(coef)
    return total


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("model", list(MODELS))
def test_clip_grad_norm(benchmark, model, framework):
    C.need(framework)
    C.need_fastgrad("nn.utils.clip_grad_norm_")
    rng = C.rng(4)
    grads0 = [rng.standard_normal(s, dtype=np.float32) for s in MODELS[model]]
    n = sum(g.size for g in grads0)
    benchmark.group = f"clip_grad_norm_ {model} ({n:,} floats)"
    C.tag(benchmark, framework, category="clip", params=int(n))
    if framework == "numpy":
        grads = [g.copy() for g in grads0]
        fn = lambda: numpy_clip(grads, MAX_NORM)  # noqa: E731
        got = lambda: grads  # noqa: E731
    else:
        lib = C.torch if framework == "torch" else C.fastgrad
        import importlib
        importlib.import_module(lib.__name__ + ".nn.utils")
        params = [lib.nn.Parameter(lib.zeros(*g.shape)) for g in grads0]
        for p, g in zip(params, grads0):
            p.grad = lib.from_numpy(g.copy())
        fn = lambda: lib.nn.utils.clip_grad_norm_(params, MAX_NORM)  # noqa: E731
        got = lambda: [p.grad.numpy() for p in params]  # noqa: E731
    rounds, iterations = (200, 20) if n < 1000 else (100, 2)
    C.run_pedantic(benchmark, fn, rounds=rounds, iterations=iterations)
    want = [g.copy() for g in grads0]
    numpy_clip(want, MAX_NORM)          # after the first call the norm is MAX_NORM: the result stays
    for a, b in zip(got(), want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
