"""nn.init: gains, fan computation, distribution bounds and moments, seeding."""
import math

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
from fastgrad.nn import init


def _torch():
    """torch, single-threaded (its thread pool spins badly on a loaded 2-core machine), or skip."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


@pytest.mark.parametrize("name, param, gain", [
    ("linear", None, 1), ("conv2d", None, 1), ("sigmoid", None, 1), ("tanh", None, 5.0 / 3),
    ("relu", None, math.sqrt(2.0)), ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01 ** 2))),
    ("leaky_relu", math.sqrt(5), math.sqrt(2.0 / 6)), ("selu", None, 0.75),
])
def test_calculate_gain_table(name, param, gain):
    assert init.calculate_gain(name, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")


def test_calculate_gain_matches_torch():
    torch = _torch()
    for name in ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name)
    assert init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain("leaky_relu", 0.2)


def test_fan_in_fan_out():
    assert init._calculate_fan_in_and_fan_out(fg.empty(3, 5)) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(fg.empty(4, 2, 3, 3)) == (18, 36)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(fg.empty(3))


def _sample(fn, shape=(300, 200), **kw):
    fg.manual_seed(0)
    t = fg.empty(*shape)
    out = fn(t, **kw)
    assert out is t
    return t.numpy()


def test_uniform_normal_constant():
    u = _sample(init.uniform_, a=-2.0, b=3.0)
    assert u.min() >= -2 and u.max() <= 3 and abs(u.mean() - 0.5) < 0.02
    n = _sample(init.normal_, mean=1.0, std=2.0)
    assert abs(n.mean() - 1) < 0.02 and abs(n.std() - 2) < 0.02
    assert np.all(_sample(init.constant_, val=0.3) == np.float32(0.3))
    assert np.all(_sample(init.ones_) == 1) and np.all(_sample(init.zeros_) == 0)
    np.testing.assert_array_equal(_sample(init.eye_, shape=(2, 3)), np.eye(2, 3))


def test_xavier_bounds_and_std():
    fan_in, fan_out = 200, 300
    a = math.sqrt(6 / (fan_in + fan_out)) * 2.0
    u = _sample(init.xavier_uniform_, gain=2.0)
    assert u.min() >= -a and u.max() <= a and abs(u.std() - a / math.sqrt(3)) < 0.01 * a
    n = _sample(init.xavier_normal_)
    assert abs(n.std() - math.sqrt(2 / (fan_in + fan_out))) < 0.01 * math.sqrt(2 / 500)


def test_kaiming_bounds_and_std():
    b = math.sqrt(3) * math.sqrt(2) / math.sqrt(200)
    u = _sample(init.kaiming_uniform_, nonlinearity="relu")
    assert u.min() >= -b and u.max() <= b and abs(u.std() - b / math.sqrt(3)) < 0.01 * b
    n = _sample(init.kaiming_normal_, mode="fan_out", nonlinearity="relu")
    assert abs(n.std() - math.sqrt(2 / 300)) < 0.01 * math.sqrt(2 / 300)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(fg.empty(2, 2), mode="fan_avg")


def test_trunc_normal_and_orthogonal():
    t = _sample(init.trunc_normal_, std=1.0, a=-0.5, b=0.5)
    assert t.min() >= -0.5 and t.max() <= 0.5 and abs(t.mean()) < 0.01
    q = _sample(init.orthogonal_, shape=(20, 30))
    np.testing.assert_allclose(q @ q.T, np.eye(20), atol=1e-5)


def test_init_is_reproducible_with_manual_seed_and_generator():
    a, b = _sample(init.normal_), _sample(init.normal_)
    np.testing.assert_array_equal(a, b)
    g1, g2 = fg.Generator().manual_seed(5), fg.Generator().manual_seed(5)
    x, y = fg.empty(4, 4), fg.empty(4, 4)
    init.uniform_(x, generator=g1)
    init.uniform_(y, generator=g2)
    np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_init_on_parameter_keeps_identity_and_records_no_graph():
    p = nn.Parameter(fg.empty(3, 3))
    arr = p._data
    init.kaiming_uniform_(p, a=math.sqrt(5))
    assert p._data is arr and p.grad_fn is None and p.requires_grad
