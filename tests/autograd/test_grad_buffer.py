"""A leaf's gradient buffer is reused by the next backward only when nothing holds it any more.

The linear layer writes dW and db into the parameter's previous gradient array after
``zero_grad()`` dropped it (autograd/grad_buffer.py).  A gradient the user kept in any form must
never be overwritten, accumulation without ``zero_grad`` must still add, and the optimizer's
cached pointer must point at the array it updates from."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim


def _setup(seed=0, dtype=fg.float32):
    fg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 8, dtype=dtype), nn.ReLU(), nn.Linear(8, 2, dtype=dtype))
    rng = np.random.default_rng(seed)
    x = fg.tensor(rng.standard_normal((6, 5)), dtype=dtype)
    t = fg.tensor(rng.standard_normal((6, 2)), dtype=dtype)
    return model, x, t


def _backward(model, x, t, scale=1.0):
    (nn.functional.mse_loss(model(x), t) * scale).backward()


def _reference_grads(model, x, t, scale=1.0):
    """The gradients computed into fresh arrays (a deep copy of the model has no buffers)."""
    import copy
    m2 = copy.deepcopy(model)
    for p in m2.parameters():
        p.grad = None
    _backward(m2, x, t, scale)
    return [p.grad.numpy().copy() for p in m2.parameters()]


def test_buffer_is_reused_after_zero_grad():
    model, x, t = _setup()
    opt = optim.SGD(model.parameters(), lr=0.1)
    _backward(model, x, t)
    bufs = [p._grad_buffer for p in model.parameters()]  # (array, pointer): no extra array reference
    assert all(p.grad._data is b[0] for p, b in zip(model.parameters(), bufs))
    opt.step()
    opt.zero_grad()
    _backward(model, x, t)
    assert all(p._grad_buffer is b and p.grad._data is b[0] for p, b in zip(model.parameters(), bufs))


@pytest.mark.parametrize("hold", ["tensor", "numpy", "view", "detach", "data"])
def test_held_gradient_is_never_overwritten(hold):
    model, x, t = _setup()
    opt = optim.SGD(model.parameters(), lr=0.1)
    _backward(model, x, t)
    kept = []
    for p in model.parameters():
        g = p.grad
        kept.append({"tensor": g, "numpy": g.numpy(), "view": g.numpy()[...], "detach": g.detach(),
                     "data": g.data}[hold])
    values = [np.array(k.numpy() if isinstance(k, fg.Tensor) else k) for k in kept]
    opt.step()
    opt.zero_grad()
    _backward(model, x, t, scale=3.0)  # different gradients
    for k, v, p in zip(kept, values, model.parameters()):
        arr = k.numpy() if isinstance(k, fg.Tensor) else k
        np.testing.assert_array_equal(arr, v)
        assert p.grad._data is not (k._data if isinstance(k, fg.Tensor) else k)


def test_accumulation_without_zero_grad_adds():
    model, x, t = _setup()
    ref = _reference_grads(model, x, t)
    _backward(model, x, t)
    _backward(model, x, t)
    for p, r in zip(model.parameters(), ref):
        np.testing.assert_allclose(p.grad.numpy(), 2 * r, rtol=1e-6, atol=1e-7)


def test_set_to_zero_keeps_adding_into_the_held_gradient():
    model, x, t = _setup()
    opt = optim.SGD(model.parameters(), lr=0.0)
    _backward(model, x, t)
    held = [p.grad for p in model.parameters()]
    opt.zero_grad(set_to_none=False)
    _backward(model, x, t, scale=2.0)
    ref = _reference_grads(model, x, t, scale=2.0)
    for h, p, r in zip(held, model.parameters(), ref):
        assert p.grad is h
        np.testing.assert_allclose(p.grad.numpy(), r, rtol=1e-6, atol=1e-7)


def test_weight_used_twice_gets_the_sum():
    fg.manual_seed(0)
    lin = nn.Linear(4, 4)
    x = fg.randn(3, 4)
    for _ in range(3):  # buffers in play from the second round on
        lin.zero_grad()
        lin(lin(x)).sum().backward()
    w = lin.weight.detach().numpy().astype(np.float64)
    b = lin.bias.detach().numpy().astype(np.float64)
    xv = x.numpy().astype(np.float64)
    h = xv @ w.T + b
    dh = np.ones((3, 4)) @ w  # d(sum(h W^T + b))/dh
    gw = np.ones((3, 4)).T @ h + dh.T @ xv
    np.testing.assert_allclose(lin.weight.grad.numpy(), gw, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(lin.bias.grad.numpy(), np.full(4, 3.0) + dh.sum(0), rtol=1e-5)


@pytest.mark.parametrize("dtype", [fg.float32, fg.float64])
@pytest.mark.parametrize("opt_name", ["sgd", "momentum", "adam"])
def test_training_with_reused_buffers_matches_the_reference_path(dtype, opt_name):
    """Ten steps through the multi-tensor path (cached gradient pointers) against the
    per-parameter path with every gradient copied into a fresh array."""
    results = []
    for reuse in (True, False):
        model, x, t = _setup(dtype=dtype)
        make = {"sgd": lambda ps: optim.SGD(ps, lr=0.1),
                "momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                "adam": lambda ps: optim.Adam(ps, lr=0.01)}[opt_name]
        opt = make(model.parameters())
        opt._multi_tensor = reuse
        for _ in range(10):
            opt.zero_grad()
            _backward(model, x, t)
            if not reuse:
                for p in model.parameters():
                    p.grad = fg.tensor(p.grad.numpy().copy())
            opt.step()
        results.append([p.detach().numpy().copy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_changed_dtype_gets_a_new_buffer():
    fg.manual_seed(0)
    lin = nn.Linear(3, 2)
    x = fg.randn(4, 3)
    lin(x).sum().backward()
    lin.zero_grad()
    lin.double()
    lin(x.double()).sum().backward()
    assert lin.weight.grad.dtype == fg.float64
    np.testing.assert_allclose(lin.bias.grad.numpy(), np.full(2, 4.0))


def test_copy_and_pickle_leave_the_buffer_behind():
    import copy
    import pickle
    w = fg.randn(3, 4, requires_grad=True)
    b = fg.randn(3, requires_grad=True)
    nn.functional.linear(fg.randn(2, 4), w, b).sum().backward()
    assert w._grad_buffer is not None
    for twin in (copy.copy(w), copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert getattr(twin, "_grad_buffer", None) is None
        assert twin.requires_grad and twin.shape == w.shape
        np.testing.assert_array_equal(twin.detach().numpy(), w.detach().numpy())
    assert copy.deepcopy(w).grad._data is not w.grad._data
