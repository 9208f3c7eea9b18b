"""The seed example of the README: one neuron y = a(w x), L = (y - t)^2.

The engine must leave dL/dw = 2 (y - t) a'(w x) x in w.grad, and SGD then gives
w - lr * w.grad."""
import math

import numpy as np
import pytest

import fastgrad as fg

ACTIVATIONS = {
    "sigmoid": (lambda z: z.sigmoid(), lambda z: 1 / (1 + math.exp(-z)),
                lambda z: (1 / (1 + math.exp(-z))) * (1 - 1 / (1 + math.exp(-z)))),
    "tanh": (lambda z: z.tanh(), math.tanh, lambda z: 1 - math.tanh(z) ** 2),
    "relu": (lambda z: z.relu(), lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [fg.float32, fg.float64])
def test_seed_neuron_gradient_and_sgd_step(name, dtype):
    act, a, da = ACTIVATIONS[name]
    w0, x0, t0, lr = 0.7, 1.5, 0.2, 0.1
    w = fg.tensor(w0, dtype=dtype, requires_grad=True)
    x = fg.tensor(x0, dtype=dtype)
    t = fg.tensor(t0, dtype=dtype)
    y = act(w * x)
    L = (y - t) ** 2
    L.backward()
    # what fastgrad computes, repeated in the working precision, must match exactly
    z = np.asarray(w0, dtype) * np.asarray(x0, dtype)
    expected = 2 * (a(float(z)) - t0) * da(float(z)) * x0
    tol = 1e-6 if dtype == fg.float32 else 1e-14
    assert w.grad is not None and w.grad.shape == ()
    assert w.grad.item() == pytest.approx(expected, rel=tol, abs=tol)
    assert x.grad is None and t.grad is None
    with fg.no_grad():
        w -= lr * w.grad
    assert w.item() == pytest.approx(w0 - lr * expected, rel=tol, abs=tol)
    assert w.is_leaf and w.requires_grad


def test_seed_neuron_matches_formula_exactly_in_float64():
    w = fg.tensor(0.3, dtype=fg.float64, requires_grad=True)
    x, t = 2.0, 1.0
    y = (w * x).sigmoid()
    L = (y - t) ** 2
    L.backward()
    s = 1 / (1 + math.exp(-0.6))
    assert abs(w.grad.item() - 2 * (s - t) * s * (1 - s) * x) < 1e-15


def test_seed_neuron_relu_subgradient_at_zero_is_zero():
    w = fg.tensor(0.0, requires_grad=True)
    L = ((w * 3.0).relu() - 1.0) ** 2
    L.backward()
    assert w.grad.item() == 0.0
