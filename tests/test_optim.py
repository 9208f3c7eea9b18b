"""Optimizers vs a numpy transcription of torch's documented algorithms, and vs torch itself."""
import math
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim


def _torch():
    """torch, single-threaded (its thread pool spins badly on a loaded 2-core machine), or skip."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


STEPS = 6


# -- numpy transcriptions of torch.optim's single-tensor algorithms ------------------------
def ref_sgd(p, grads, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    p, buf = p.copy(), None
    for g in grads:
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
             decoupled=False):
    p = p.copy()
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    b1, b2 = betas
    for t, g in enumerate(grads, 1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        elif weight_decay:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        if amsgrad:
            vmax = np.maximum(vmax, v)
            denom = np.sqrt(vmax) / math.sqrt(bc2) + eps
        else:
            denom = np.sqrt(v) / math.sqrt(bc2) + eps
        p = p - lr / bc1 * m / denom
    return p


def ref_adamw(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False):
    return ref_adam(p, grads, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled=True)


def ref_rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                maximize=False):
    p = p.copy()
    sq, ga, buf = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            ga = ga + (1 - alpha) * (g - ga)
            avg = np.sqrt(sq - ga * ga) + eps
        else:
            avg = np.sqrt(sq) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
    return p


def ref_adagrad(p, grads, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                maximize=False):
    p = p.copy()
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


CASES = [
    ("SGD", ref_sgd, dict(lr=0.1)),
    ("SGD", ref_sgd, dict(lr=0.1, momentum=0.9)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", ref_adam, dict()),
    ("Adam", ref_adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", ref_adam, dict(lr=0.01, amsgrad=True, maximize=True)),
    ("AdamW", ref_adamw, dict(lr=0.01)),
    ("AdamW", ref_adamw, dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", ref_rmsprop, dict()),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, alpha=0.9, momentum=0.5, maximize=True)),
    ("Adagrad", ref_adagrad, dict()),
    ("Adagrad", ref_adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, maximize=True, eps=1e-6)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


def _grads(rng, shape, dtype=np.float64):
    return [rng.standard_normal(shape).astype(dtype) for _ in range(STEPS)]


def _run(name, kw, p0, grads):
    p = nn.Parameter(fg.tensor(p0))
    opt = getattr(optim, name)([p], **kw)
    for g in grads:
        p.grad = fg.tensor(g)
        opt.step()
    return p, opt


@pytest.mark.parametrize("name, ref, kw", CASES, ids=IDS)
def test_optim_step_matches_numpy_transcription_f64(name, ref, kw, rng):
    p0 = rng.standard_normal((5, 7))
    grads = _grads(rng, p0.shape)
    p, _ = _run(name, kw, p0, grads)
    np.testing.assert_allclose(p.numpy(force=True), ref(p0, grads, **kw), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, ref, kw", CASES, ids=IDS)
def test_optim_step_f32_state_keeps_dtype(name, ref, kw, rng):
    p0 = rng.standard_normal(37).astype(np.float32)
    grads = _grads(rng, p0.shape, np.float32)
    p, opt = _run(name, kw, p0, grads)
    assert p.dtype == fg.float32
    for k, v in opt.state[p].items():
        if isinstance(v, fg.Tensor):
            assert v.dtype == fg.float32, k
    ref_p = ref(p0.astype(np.float64), [g.astype(np.float64) for g in grads], **kw)
    np.testing.assert_allclose(p.numpy(force=True), ref_p, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name, ref, kw", CASES, ids=IDS)
def test_optim_step_matches_torch(name, ref, kw, rng):
    torch = _torch()
    p0 = rng.standard_normal((4, 3)).astype(np.float32)
    grads = _grads(rng, p0.shape, np.float32)
    p, opt = _run(name, kw, p0, grads)
    tp = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    topt = getattr(torch.optim, name)([tp], **kw)
    for g in grads:
        tp.grad = torch.from_numpy(g.copy())
        topt.step()
    np.testing.assert_allclose(p.numpy(force=True), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    # the same state entries with the same values
    tstate = topt.state_dict()["state"]
    fstate = opt.state_dict()["state"]
    assert fstate.keys() == tstate.keys()
    for k in tstate:
        assert sorted(fstate[k]) == sorted(tstate[k])
        for name_, tv in tstate[k].items():
            np.testing.assert_allclose(fstate[k][name_].numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)
    tgroups = topt.state_dict()["param_groups"]
    fgroups = opt.state_dict()["param_groups"]
    assert [sorted(g) for g in fgroups] == [sorted(g) for g in tgroups]
    assert [g["params"] for g in fgroups] == [g["params"] for g in tgroups]


@pytest.mark.parametrize("name, kwargs, message", [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("AdamW", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("AdamW", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("RMSprop", dict(momentum=-0.1), "Invalid momentum value: -0.1"),
    ("Adagrad", dict(lr_decay=-0.1), "Invalid lr_decay value: -0.1"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
])
def test_optim_invalid_hyperparameters_raise_torch_messages(name, kwargs, message):
    with pytest.raises(ValueError) as e:
        getattr(optim, name)([nn.Parameter(fg.zeros(1))], **kwargs)
    assert str(e.value) == message


def test_optim_param_list_errors():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(nn.Parameter(fg.zeros(1)), lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    x = fg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([x * 2], lr=0.1)
    p = nn.Parameter(fg.zeros(1))
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {nn.Parameter(fg.zeros(1))}})


def test_optim_param_groups_defaults_and_add_param_group():
    a, b, c = (nn.Parameter(fg.ones(2)) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.defaults["lr"] == 0.1 and opt.param_groups[0]["lr"] == 0.1
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    opt.add_param_group({"params": c, "momentum": 0.0})
    assert opt.param_groups[2]["params"][0] is c and opt.param_groups[2]["lr"] == 0.1
    for p in (a, b, c):
        p.grad = fg.ones(2)
    opt.step()
    np.testing.assert_allclose(a.numpy(force=True), 0.9)
    np.testing.assert_allclose(b.numpy(force=True), 0.5)
    np.testing.assert_allclose(c.numpy(force=True), 0.9)
    assert c not in opt.state or opt.state[c] == {}  # no momentum: no state, as torch
    assert list(opt.state_dict()["state"]) == [0, 1]
    assert [g["params"] for g in opt.state_dict()["param_groups"]] == [[0], [1], [2]]


def test_optim_named_parameters_give_param_names():
    net = nn.Linear(2, 1)
    opt = optim.Adam(net.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_optim_skips_params_without_grad_and_zero_grad():
    a, b = nn.Parameter(fg.ones(3)), nn.Parameter(fg.ones(3))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = fg.ones(3)
    opt.step()
    np.testing.assert_array_equal(b.numpy(force=True), 1.0)
    assert b not in opt.state and opt.state[a]["step"] == 1
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), 0.0)
    opt.zero_grad()
    assert a.grad is None


def test_optim_step_closure_and_no_graph():
    w = nn.Parameter(fg.tensor([3.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(w.numpy(force=True), [1.5])
    assert w.grad_fn is None and w.is_leaf


def test_optim_state_dict_roundtrip_continues_identically(rng):
    p0 = rng.standard_normal(6).astype(np.float32)
    grads = _grads(rng, p0.shape, np.float32)
    for name, kw in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                     ("RMSprop", dict(momentum=0.5, centered=True)), ("Adagrad", dict(lr_decay=0.01))]:
        full, _ = _run(name, kw, p0, grads)
        half, opt = _run(name, kw, p0, grads[:3])
        sd = opt.state_dict()
        p2 = nn.Parameter(fg.tensor(half.numpy(force=True).copy()))
        opt2 = getattr(optim, name)([p2], lr=123.0)
        opt2.load_state_dict(sd)
        assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] != 123.0
        assert opt2.param_groups[0]["params"][0] is p2
        for g in grads[3:]:
            p2.grad = fg.tensor(g)
            opt2.step()
        np.testing.assert_array_equal(p2.numpy(force=True), full.numpy(force=True))


def test_optim_load_state_dict_validates_groups():
    a, b = nn.Parameter(fg.ones(1)), nn.Parameter(fg.ones(1))
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)


def test_optim_state_dict_matches_torch_layout_after_load(rng):
    torch = _torch()
    tp = torch.nn.Parameter(torch.ones(3))
    topt = torch.optim.Adam([tp], lr=0.01)
    tp.grad = torch.ones(3)
    topt.step()
    tsd = topt.state_dict()
    p = nn.Parameter(fg.tensor(tp.detach().numpy().copy()))
    opt = optim.Adam([p], lr=0.5)
    # a torch state_dict converted leaf by leaf loads into fastgrad
    conv = {"state": {k: {n: fg.tensor(v.numpy()) for n, v in s.items()} for k, s in tsd["state"].items()},
            "param_groups": tsd["param_groups"]}
    opt.load_state_dict(conv)
    assert opt.state[p]["step"] == 1 and opt.param_groups[0]["lr"] == 0.01
    p.grad = fg.ones(3)
    tp.grad = torch.ones(3)
    opt.step()
    topt.step()
    np.testing.assert_allclose(p.numpy(force=True), tp.detach().numpy(), rtol=1e-6)


def test_optim_duplicate_params_warn():
    p = nn.Parameter(fg.ones(1))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        optim.SGD([p, p], lr=0.1)
    assert any("duplicate parameters" in str(x.message) for x in w)


def test_optim_repr():
    opt = optim.SGD([nn.Parameter(fg.ones(1))], lr=0.1)
    assert repr(opt).startswith("SGD (\nParameter Group 0\n    dampening: 0")
