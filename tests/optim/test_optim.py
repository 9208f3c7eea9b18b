"""Optimizers vs a numpy transcription of torch's documented algorithms, and vs torch itself."""
import math
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad._ffi import ffi, kernels, rptr, wptr


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


# -- the multi-tensor step (one C call per group) vs the per-parameter reference path ---------
SHAPES = [(7, 5), (5,), (1,), (33, 17), (0,), (300, 301)]


def _ref_update(opt, group, p, a, g):
    """One parameter's update as fastgrad's optimizers did before step plans: state made and
    settings converted here, one single-tensor C call (fg_<name>_step_<dtype>)."""
    lr, maximize, wd = float(group["lr"]), int(bool(group["maximize"])), float(group["weight_decay"])
    if isinstance(opt, optim.SGD):
        momentum, buf, first = float(group["momentum"]), ffi.NULL, 0
        if momentum != 0:
            state = opt.state[p]
            if state.get("momentum_buffer") is None:
                state["momentum_buffer"] = fg.Tensor._make(np.empty_like(a))
                first = 1
            buf = wptr(state["momentum_buffer"]._data)
        kernels("sgd_step")[a.dtype](a.size, wptr(a), rptr(g), buf, lr, momentum, float(group["dampening"]), wd,
                                    int(bool(group["nesterov"])), maximize, first)
        return
    state = opt.state[p]
    zeros = lambda: fg.Tensor._make(np.zeros_like(a))  # noqa: E731
    if isinstance(opt, optim.Adagrad):
        if not state:
            state["step"], state["sum"] = 0, fg.Tensor._make(np.full_like(a, group["initial_accumulator_value"]))
        state["step"] += 1
        kernels("adagrad_step")[a.dtype](a.size, wptr(a), rptr(g), wptr(state["sum"]._data), lr,
                                        float(group["lr_decay"]), wd, float(group["eps"]), maximize, state["step"])
    elif isinstance(opt, optim.Adam):
        if not state:
            state["step"], state["exp_avg"], state["exp_avg_sq"] = 0, zeros(), zeros()
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = zeros()
        state["step"] += 1
        vmax = wptr(state["max_exp_avg_sq"]._data) if group["amsgrad"] else ffi.NULL
        b1, b2 = group["betas"]
        kernels("adam_step")[a.dtype](a.size, wptr(a), rptr(g), wptr(state["exp_avg"]._data),
                                     wptr(state["exp_avg_sq"]._data), vmax, lr, float(b1), float(b2),
                                     float(group["eps"]), wd, int(bool(group["decoupled_weight_decay"])), maximize,
                                     state["step"])
    else:
        momentum = float(group["momentum"])
        if not state:
            state["step"], state["square_avg"] = 0, zeros()
            if momentum > 0:
                state["momentum_buffer"] = zeros()
            if group["centered"]:
                state["grad_avg"] = zeros()
        state["step"] += 1
        ga = wptr(state["grad_avg"]._data) if group["centered"] else ffi.NULL
        buf = wptr(state["momentum_buffer"]._data) if momentum > 0 else ffi.NULL
        kernels("rmsprop_step")[a.dtype](a.size, wptr(a), rptr(g), wptr(state["square_avg"]._data), ga, buf, lr,
                                        float(group["alpha"]), float(group["eps"]), wd, momentum, maximize)


def _reference_step(opt):
    """The per-parameter reference for the bitwise tests, independent of optim/_plan.py."""
    for group in opt.param_groups:
        for p in group["params"]:
            if p.grad is None:
                continue
            a = p._data
            if not (a.flags.c_contiguous and a.flags.writeable):
                p._data = a = np.array(a, order="C", copy=True)
            g = p.grad._data
            if g.shape != a.shape:
                raise RuntimeError("reference: gradient shape does not match its parameter")
            _ref_update(opt, group, p, a, np.ascontiguousarray(g, dtype=a.dtype))


def _use_path(opt, multi):
    """multi: the optimizer's own step (grouped plan); False: the reference above."""
    if not multi:
        opt.step = lambda: _reference_step(opt)


def _params(rng, dtype=np.float32, shapes=SHAPES):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _steps(opt_factory, arrays, grads_per_step, multi, hook=None):
    """Run the optimizer over fresh Parameters; grads_per_step[k][i] None means no gradient."""
    ps = [nn.Parameter(fg.tensor(a.copy())) for a in arrays]
    opt = opt_factory(ps)
    _use_path(opt, multi)
    for k, grads in enumerate(grads_per_step):
        for p, g in zip(ps, grads):
            p._grad = None if g is None else fg.tensor(g)   # (may differ in dtype: p.grad = would refuse)
        if hook is not None:
            hook(k, opt, ps)
        opt.step()
    return ps, opt


def _assert_same_run(a, b):
    (ps1, opt1), (ps2, opt2) = a, b
    for p1, p2 in zip(ps1, ps2):
        assert p1.numpy(force=True).tobytes() == p2.numpy(force=True).tobytes()
    s1, s2 = opt1.state_dict()["state"], opt2.state_dict()["state"]
    assert s1.keys() == s2.keys()
    for k in s1:
        assert s1[k].keys() == s2[k].keys()
        for name in s1[k]:
            assert s1[k][name].numpy().tobytes() == s2[k][name].numpy().tobytes(), (k, name)


def _grad_schedule(rng, arrays, steps=4, missing=()):
    """grads per step; (step, index) pairs in `missing` have no gradient."""
    return [[None if (k, i) in missing else rng.standard_normal(a.shape).astype(a.dtype)
             for i, a in enumerate(arrays)] for k in range(steps)]


@pytest.mark.parametrize("name, ref, kw", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optim_step_multi_matches_per_param_bitwise(name, ref, kw, dtype, rng):
    arrays = _params(rng, dtype)
    grads = _grad_schedule(rng, arrays, steps=5, missing={(0, 1), (1, 1), (2, 3), (3, 0)})
    factory = lambda ps: getattr(optim, name)(ps, **kw)  # noqa: E731
    multi = _steps(factory, arrays, grads, True)
    assert len(multi[1]._plans) == 1   # the group took the multi-tensor path
    _assert_same_run(multi, _steps(factory, arrays, grads, False))


@pytest.mark.parametrize("name, ref, kw", CASES, ids=IDS)
def test_optim_step_one_entry_calls_match_grouped_call_bitwise(name, ref, kw, rng):
    """_multi_tensor False: a one-entry plan call (count 1) per parameter, as for a repeated one."""
    arrays = _params(rng, np.float32, SHAPES[:5])
    grads = _grad_schedule(rng, arrays, steps=4, missing={(0, 1), (2, 3)})

    def one_entry(ps):
        opt = getattr(optim, name)(ps, **kw)
        opt._multi_tensor = False
        return opt

    single = _steps(one_entry, arrays, grads, True)
    assert len(single[1]._plans[id(single[1].param_groups[0])].calls) == len(arrays)
    _assert_same_run(single, _steps(lambda ps: getattr(optim, name)(ps, **kw), arrays, grads, True))


@pytest.mark.parametrize("name, ref, kw", CASES, ids=IDS)
def test_optim_step_repeated_param_matches_reference_bitwise(name, ref, kw, rng):
    """[a, b, a]: a is updated twice per step (its second update a one-entry call), as torch's loop."""
    arrays = _params(rng, np.float32, [(4, 3), (5,)])
    grads = _grad_schedule(rng, arrays, steps=3)

    def run(multi):
        ps = [nn.Parameter(fg.tensor(x.copy())) for x in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = getattr(optim, name)([ps[0], ps[1], ps[0]], **kw)
        _use_path(opt, multi)
        for gs in grads:
            for p, g in zip(ps, gs):
                p.grad = fg.tensor(g)
            opt.step()
        return ps, opt

    _assert_same_run(run(True), run(False))


@pytest.mark.parametrize("name, ref, kw", CASES, ids=IDS)
def test_optim_step_threads_match_one_thread_bitwise(name, ref, kw, rng):
    arrays = _params(rng, np.float32, [(600, 700), (7,), (300, 301)])
    grads = _grad_schedule(rng, arrays, steps=3)
    factory = lambda ps: getattr(optim, name)(ps, **kw)  # noqa: E731
    before = fg.get_num_threads()
    try:
        fg.set_num_threads(1)
        one = _steps(factory, arrays, grads, True)
        fg.set_num_threads(2)
        two = _steps(factory, arrays, grads, True)
    finally:
        fg.set_num_threads(before)
    _assert_same_run(one, two)


@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                      ("RMSprop", dict(momentum=0.5, centered=True)), ("Adagrad", dict())])
def test_optim_step_multi_cache_follows_reassigned_data_bitwise(name, kw, rng):
    """p.data replaced (also by a non-contiguous or read-only array), lr changed between steps."""
    arrays = _params(rng, np.float32, [(4, 6), (6,), (3,)])
    grads = _grad_schedule(rng, arrays, steps=4)
    new = rng.standard_normal((6, 4)).astype(np.float32)
    readonly = rng.standard_normal(6).astype(np.float32)
    readonly.flags.writeable = False

    def hook(k, opt, ps):
        if k == 1:
            ps[0].data = fg.tensor(new.T)          # non-contiguous view
            ps[1].data = fg.tensor(readonly.copy())
            opt.param_groups[0]["lr"] *= 0.5
        if k == 2:
            ps[2]._data = np.full(3, 0.25, np.float32)

    factory = lambda ps: getattr(optim, name)(ps, **kw)  # noqa: E731
    multi = _steps(factory, arrays, grads, True, hook)
    _assert_same_run(multi, _steps(factory, arrays, grads, False, hook))
    assert multi[0][0]._data.flags.c_contiguous


def test_optim_step_multi_follows_lr_scheduler_bitwise(rng):
    arrays = _params(rng, np.float32, [(8, 3), (3,)])
    grads = _grad_schedule(rng, arrays, steps=6)

    def run(multi):
        ps = [nn.Parameter(fg.tensor(a.copy())) for a in arrays]
        opt = optim.SGD(ps, lr=0.1, momentum=0.9)
        _use_path(opt, multi)
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.3)
        for gs in grads:
            for p, g in zip(ps, gs):
                p.grad = fg.tensor(g)
            opt.step()
            sched.step()
        return ps, opt

    _assert_same_run(run(True), run(False))


@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                      ("AdamW", dict(lr=0.01, amsgrad=True)), ("RMSprop", dict(centered=True)),
                                      ("Adagrad", dict(lr_decay=0.1))])
def test_optim_step_multi_grad_none_then_back_counts_steps_per_param(name, kw, rng):
    arrays = _params(rng, np.float32, [(3, 2), (2,), (5,)])
    grads = _grad_schedule(rng, arrays, steps=5, missing={(0, 1), (1, 1), (2, 2), (3, 0)})
    factory = lambda ps: getattr(optim, name)(ps, **kw)  # noqa: E731
    multi = _steps(factory, arrays, grads, True)
    _assert_same_run(multi, _steps(factory, arrays, grads, False))
    ps, opt = multi
    if "step" in opt.state[ps[0]]:
        assert [opt.state[p]["step"] for p in ps] == [4, 3, 4]


def test_optim_step_multi_after_load_state_dict_and_add_param_group(rng):
    arrays = _params(rng, np.float32, [(4, 4), (4,)])
    grads = _grad_schedule(rng, arrays, steps=6)
    extra = rng.standard_normal(5).astype(np.float32)
    extra_grads = [rng.standard_normal(5).astype(np.float32) for _ in range(6)]

    def run(multi):
        ps = [nn.Parameter(fg.tensor(a.copy())) for a in arrays]
        q = nn.Parameter(fg.tensor(extra.copy()))
        opt = optim.Adam(ps, lr=0.01, amsgrad=True)
        _use_path(opt, multi)
        for k, gs in enumerate(grads):
            for p, g in zip(ps, gs):
                p.grad = fg.tensor(g)
            q.grad = fg.tensor(extra_grads[k])
            if k == 2:   # state arrays replaced by a load: the cached pointers must follow
                sd = opt.state_dict()
                for s in sd["state"].values():
                    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
                        s[key] = fg.tensor(s[key].numpy() * 0.5)
                opt.load_state_dict(sd)
            if k == 3:
                opt.add_param_group({"params": [q], "lr": 0.05, "amsgrad": False})
            if k == 4:
                opt.param_groups[0]["amsgrad"] = False
                opt.param_groups[0]["betas"] = (0.8, 0.99)
            opt.step()
        return ps + [q], opt

    _assert_same_run(run(True), run(False))


def test_optim_step_multi_state_cleared_restarts_like_reference(rng):
    arrays = _params(rng, np.float32, [(3, 3), (3,)])
    grads = _grad_schedule(rng, arrays, steps=4)

    def hook(k, opt, ps):
        if k == 2:
            opt.state[ps[0]] = {}
            del opt.state[ps[1]]

    factory = lambda ps: optim.Adam(ps, lr=0.01)  # noqa: E731
    _assert_same_run(_steps(factory, arrays, grads, True, hook), _steps(factory, arrays, grads, False, hook))


def test_optim_step_multi_mixed_dtypes_and_odd_grads_bitwise(rng):
    """float32 and float64 parameters in one group; float64, non-contiguous and reshaped-view
    gradients are converted as on the per-parameter path; plain SGD also sees a dtype change of
    p.data mid-run (stateful optimizers keep state of the old dtype, on either path)."""
    arrays = [rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal(5),
              rng.standard_normal((3, 2)).astype(np.float32)]
    g64 = rng.standard_normal((4, 5))
    gT = np.ascontiguousarray(rng.standard_normal((2, 3)).astype(np.float32)).T

    def hook(k, opt, ps):
        ps[0]._grad = fg.tensor(g64 * (k + 1))   # wrong dtype (p.grad = refuses it, as torch)
        ps[2].grad = fg.tensor(gT * (k + 1))                    # non-contiguous
        if k == 2 and not opt.state:
            ps[1].data = fg.tensor(ps[1].numpy(force=True).astype(np.float32))   # dtype change

    grads = _grad_schedule(rng, arrays, steps=4)
    for name, kw in [("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))]:
        factory = lambda ps: getattr(optim, name)(ps, **kw)  # noqa: E731
        _assert_same_run(_steps(factory, arrays, grads, True, hook), _steps(factory, arrays, grads, False, hook))


def test_optim_step_multi_wrong_shape_grad_raises():
    p = nn.Parameter(fg.zeros(3))
    opt = optim.SGD([p], lr=0.1)
    p._grad = fg.zeros(4)   # (p.grad = refuses a wrong shape, as torch: the optimizer checks anyway)
    with pytest.raises(RuntimeError, match="does not match its parameter"):
        opt.step()


def test_optim_step_multi_duplicate_params_take_per_param_path(rng):
    p = nn.Parameter(fg.tensor(rng.standard_normal(4).astype(np.float32)))
    p0 = p.numpy(force=True).copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = optim.SGD([p, p], lr=0.1)
    p.grad = fg.ones(4)
    opt.step()
    np.testing.assert_allclose(p.numpy(force=True), p0 - 0.2, rtol=1e-6)


@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
                                      ("Adam", dict(lr=0.01, weight_decay=0.1)),
                                      ("AdamW", dict(lr=0.01, amsgrad=True)),
                                      ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
                                      ("Adagrad", dict(lr=0.1, lr_decay=0.01))])
def test_optim_step_multi_matches_torch_with_scheduler(name, kw, rng):
    torch = _torch()
    arrays = _params(rng, np.float32, [(6, 5), (5,), (2, 3)])
    grads = _grad_schedule(rng, arrays, steps=6, missing={(1, 2)})
    ps = [nn.Parameter(fg.tensor(a.copy())) for a in arrays]
    tps = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    opt, topt = getattr(optim, name)(ps, **kw), getattr(torch.optim, name)(tps, **kw)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.8)
    tsched = torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.8)
    for gs in grads:
        for p, tp, g in zip(ps, tps, gs):
            p.grad = None if g is None else fg.tensor(g)
            tp.grad = None if g is None else torch.from_numpy(g.copy())
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.numpy(force=True), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_optim_step_multi_bad_grad_leaves_step_counts(rng):
    a, b = nn.Parameter(fg.ones(3)), nn.Parameter(fg.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = fg.ones(3), fg.ones(2)
    opt.step()
    before = (a.numpy(force=True).copy(), b.numpy(force=True).copy())
    b._grad = fg.ones(5)   # (p.grad = refuses a wrong shape, as torch)
    with pytest.raises(RuntimeError, match="does not match its parameter"):
        opt.step()
    assert opt.state[a]["step"] == 1 and opt.state[b]["step"] == 1
    np.testing.assert_array_equal(a.numpy(force=True), before[0])
    b.grad = fg.ones(2)
    opt.step()
    assert opt.state[a]["step"] == 2 and opt.state[b]["step"] == 2


@pytest.mark.parametrize("name, kw, changes", [
    ("SGD", {"lr": 0.1}, [("lr", 0.05), ("momentum", 0.9), ("nesterov", True), ("weight_decay", 0.01)]),
    ("Adam", {"lr": 0.01}, [("lr", 0.002), ("betas", (0.8, 0.99)), ("amsgrad", True), ("eps", 1e-6)]),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5},  # (torch cannot add state arrays later)
     [("alpha", 0.9), ("weight_decay", 0.01), ("momentum", 0.25), ("lr", 0.02)]),
    ("Adagrad", {"lr": 0.1}, [("lr_decay", 0.01), ("lr", 0.05), ("maximize", True), ("eps", 1e-5)]),
], ids=["sgd", "adam", "rmsprop", "adagrad"])
def test_optim_step_multi_follows_group_options_changed_between_steps_bitwise(name, kw, changes, rng):
    """The multi path converts the group's options only when they change (optim/_multi.py):
    every change, value or structure (a state array appearing), must reach the kernel."""
    arrays = _params(rng, np.float32, [(7, 5), (5,), (33, 17)])
    grads = _grad_schedule(rng, arrays, steps=len(changes) + 2)

    def hook(k, opt, ps):
        if 0 < k <= len(changes):
            key, value = changes[k - 1]
            opt.param_groups[0][key] = value

    factory = lambda ps: getattr(optim, name)(ps, **kw)  # noqa: E731
    _assert_same_run(_steps(factory, arrays, grads, True, hook), _steps(factory, arrays, grads, False, hook))


def test_optim_step_multi_follows_a_tensor_lr_changed_in_place(rng):
    arrays = _params(rng, np.float32, [(4, 3), (3,)])
    grads = _grad_schedule(rng, arrays, steps=3)
    runs = []
    for multi in (True, False):
        lr = fg.tensor(0.1, dtype=fg.float64)

        def hook(k, opt, ps, lr=lr):
            if k == 2:
                lr.data.fill_(0.01)  # the same Tensor object, a new value

        runs.append(_steps(lambda ps, lr=lr: optim.SGD(ps, lr=lr), arrays, grads, multi, hook))
    _assert_same_run(*runs)
    ps, opt = runs[0]
    assert float(opt.param_groups[0]["lr"]) == pytest.approx(0.01)


def test_optim_subclass_with_its_own_step_and_without_kernel():
    """A torch-style custom optimizer overrides step(); one that declares no kernel and does not
    override step() says so."""
    class Plain(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

    class Halve(Plain):
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p._data -= group["lr"] * p.grad._data

    p = nn.Parameter(fg.ones(2))
    p.grad = fg.ones(2)
    Halve([p], lr=0.5).step()
    np.testing.assert_array_equal(p.numpy(force=True), [0.5, 0.5])
    with pytest.raises(NotImplementedError, match="Plain declares no _kernel"):
        Plain([p]).step()


def test_optim_step_mixed_dtypes_bad_grad_leaves_every_call_untouched():
    """Every call of a plan is gathered before any runs: a gradient rejected in the float64 call
    leaves the float32 call's parameters and step counts as they were."""
    a, b = nn.Parameter(fg.ones(3)), nn.Parameter(fg.ones(2, dtype=fg.float64))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = fg.ones(3), fg.ones(2, dtype=fg.float64)
    opt.step()
    assert len(opt._plans[id(opt.param_groups[0])].calls) == 2
    before = a.numpy(force=True).copy()
    b._grad = fg.ones(5, dtype=fg.float64)   # (p.grad = refuses a wrong shape, as torch)
    with pytest.raises(RuntimeError, match="does not match its parameter"):
        opt.step()
    np.testing.assert_array_equal(a.numpy(force=True), before)
    assert opt.state[a]["step"] == 1 and opt.state[b]["step"] == 1


def test_optim_step_param_of_another_dtype_steps_only_with_a_grad():
    h = nn.Parameter(fg.ones(3, dtype=fg.float16))
    p = nn.Parameter(fg.ones(3))
    opt = optim.SGD([p, h], lr=0.5)
    p.grad = fg.ones(3)
    opt.step()   # h has no gradient: nothing to do for it
    np.testing.assert_array_equal(p.numpy(force=True), 0.5)
    np.testing.assert_array_equal(h.numpy(force=True), 1.0)
    h.grad = fg.ones(3, dtype=fg.float16)   # float16: stepped in float32 and rounded (fastgrad/lowp.py)
    opt.step()
    np.testing.assert_array_equal(p.numpy(force=True), 0.0)
    assert h.dtype == fg.float16
    np.testing.assert_array_equal(h.numpy(force=True), 0.5)
