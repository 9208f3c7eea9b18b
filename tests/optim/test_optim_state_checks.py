"""Optimizer state that the user changes between steps (issue 14, items 2, 4 and 8): a state tensor
of the wrong shape or dtype raises, a parameter's array cannot be resized under the step plan's
cached pointer, and a replaced state tensor is used from the next step on — as torch does.

Crash cases run in a subprocess: a signal is a failure."""
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim

# (optimizer, options, a state tensor of the parameter's shape)
STATEFUL = [("SGD", dict(lr=0.1, momentum=0.9), "momentum_buffer"), ("Adam", dict(lr=0.1), "exp_avg"),
            ("AdamW", dict(lr=0.1, amsgrad=True), "max_exp_avg_sq"),
            ("RMSprop", dict(lr=0.1, centered=True), "square_avg"), ("Adagrad", dict(lr=0.1), "sum")]
IDS = [name for name, _, _ in STATEFUL]


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _run(code: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter; a signal (negative return code) fails the test."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


_SETUP = """
    import warnings
    import numpy as np
    import fastgrad as fg, fastgrad.nn as nn, fastgrad.optim as optim
    warnings.simplefilter("ignore")   # a duplicate parameter warns, as in torch
"""


# -- item 2: a state tensor of the wrong shape raises (it segfaulted on the per-parameter path) --
@pytest.mark.parametrize("how", ["load_state_dict", "assignment"])
@pytest.mark.parametrize("name, kw, key", STATEFUL, ids=IDS)
def test_optim_state_wrong_shape_raises_runtime_error(name, kw, key, how):
    change = {"load_state_dict": f"""
        sd = opt.state_dict()
        sd["state"][0][{key!r}] = fg.zeros(4)
        opt.load_state_dict(sd)""",
              "assignment": f"""
        opt.state[p][{key!r}] = fg.zeros(4)"""}[how]
    done = _run(_SETUP + f"""
    p = nn.Parameter(fg.ones(2))
    opt = optim.{name}([p, p], **{kw!r})   # a repeated parameter: a one-entry call
    p.grad = fg.ones(2)
    opt.step()
    try:{textwrap.indent(textwrap.dedent(change), "        ")}
        p.grad = fg.ones(2)
        opt.step()
    except RuntimeError as e:
        print("RuntimeError:", e)
    """)
    assert "RuntimeError:" in done.stdout, done.stdout
    msg = done.stdout.split("RuntimeError:", 1)[1]
    for part in (name, repr(key), "(4,)", "(2,)"):
        assert part in msg, (part, msg)


@pytest.mark.parametrize("name, kw, key", STATEFUL, ids=IDS)
def test_optim_state_wrong_shape_torch_raises_too(name, kw, key):
    """The expected behaviour: torch raises a RuntimeError (a size mismatch) at the next step."""
    torch = _torch()
    p = torch.nn.Parameter(torch.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = getattr(torch.optim, name)([p], **kw)
    p.grad = torch.ones(2)
    opt.step()
    opt.state[p][key] = torch.zeros(4)
    with pytest.raises(RuntimeError):
        opt.step()


def test_optim_state_wrong_shape_in_group_raises_and_leaves_steps(rng):
    a, b = nn.Parameter(fg.ones(3)), nn.Parameter(fg.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = fg.ones(3), fg.ones(2)
    opt.step()
    before = a.numpy(force=True).copy()
    opt.state[b]["exp_avg_sq"] = fg.zeros(2, 1)
    with pytest.raises(RuntimeError, match=r"Adam: state 'exp_avg_sq' of shape \(2, 1\) does not match its "
                                           r"parameter of shape \(2,\)"):
        opt.step()
    np.testing.assert_array_equal(a.numpy(force=True), before)
    assert opt.state[a]["step"] == 1 and opt.state[b]["step"] == 1


def test_optim_state_integer_dtype_raises():
    p = nn.Parameter(fg.ones(3))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = fg.ones(3)
    opt.step()
    opt.state[p]["momentum_buffer"] = fg.zeros(3, dtype=fg.int64)
    with pytest.raises(RuntimeError, match="SGD: state 'momentum_buffer' has dtype int64"):
        opt.step()


def test_optim_load_state_dict_wrong_shape_raises_naming_both_shapes():
    p = nn.Parameter(fg.ones(2, 3))
    opt = optim.Adam([p], lr=0.1)
    p.grad = fg.ones(2, 3)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"] = fg.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"Adam.load_state_dict: state 'exp_avg' of shape \(3, 2\) does not "
                                           r"match its parameter of shape \(2, 3\)"):
        optim.Adam([p], lr=0.1).load_state_dict(sd)


# -- item 4: resizing a parameter's array after a step (it aborted in malloc) ------------------
@pytest.mark.parametrize("what", ["param", "state"])
def test_optim_resize_after_step_is_refused_not_a_crash(what):
    target = {"param": "p.detach().numpy()", "state": "opt.state[p]['exp_avg'].numpy()"}[what]
    done = _run(_SETUP + f"""
    p = nn.Parameter(fg.ones(1000))
    opt = optim.Adam([p], lr=0.1)
    p.grad = fg.ones(1000)
    opt.step()
    a = {target}
    try:
        a.resize((10,), refcheck=False)
        print("resized")
    except ValueError as e:
        print("ValueError")
    for _ in range(20):
        p.grad = fg.ones(p.shape)
        opt.step()
    print("steps", p.shape[0], float(p.detach().numpy().sum()))
    """)
    # numpy refuses to resize an array the step plan points at, as it refuses for torch's arrays
    assert done.stdout.splitlines()[0] == "ValueError", done.stdout
    assert done.stdout.splitlines()[1].startswith("steps 1000 ")


def test_optim_resize_torch_refuses_too():
    torch = _torch()
    p = torch.nn.Parameter(torch.ones(1000))
    opt = torch.optim.Adam([p], lr=0.1)
    p.grad = torch.ones(1000)
    opt.step()
    with pytest.raises(ValueError):
        p.detach().numpy().resize((10,), refcheck=False)


def test_optim_resize_before_the_first_step_is_followed():
    p = nn.Parameter(fg.ones(6))
    opt = optim.SGD([p], lr=0.5)
    p._data.resize((3,), refcheck=False)   # before any plan exists: allowed, and used
    p.grad = fg.ones(3)
    opt.step()
    np.testing.assert_array_equal(p.numpy(force=True), [0.5, 0.5, 0.5])


# -- item 8: a replaced state tensor is used from the next step on -----------------------------
def _replace(state, key, how, fresh):
    if how == "entry":
        state[key] = fresh
    else:
        state[key].data = fresh


@pytest.mark.parametrize("how", ["entry", "data"])
@pytest.mark.parametrize("name, kw, key", STATEFUL, ids=IDS)
def test_optim_state_replaced_is_used_from_next_step(name, kw, key, how, rng):
    p0 = rng.standard_normal(5).astype(np.float32)
    grads = [rng.standard_normal(5).astype(np.float32) for _ in range(4)]
    p = nn.Parameter(fg.tensor(p0.copy()))
    opt = getattr(optim, name)([p], **kw)
    ref = nn.Parameter(fg.tensor(p0.copy()))   # the same run, restarted from a saved checkpoint
    for k, g in enumerate(grads):
        if k == 2:
            old = opt.state[p][key]._data
            _replace(opt.state[p], key, how, fg.full((5,), 0.25))
            sd = opt.state_dict()
            ref = nn.Parameter(fg.tensor(p.numpy(force=True).copy()))
            ref_opt = getattr(optim, name)([ref], **kw)
            ref_opt.load_state_dict(sd)
            old_before = old.copy()
        p.grad = fg.tensor(g)
        opt.step()
        if k >= 2:
            ref.grad = fg.tensor(g)
            ref_opt.step()
    np.testing.assert_array_equal(p.numpy(force=True), ref.numpy(force=True))
    np.testing.assert_array_equal(opt.state_dict()["state"][0][key].numpy(),
                                  ref_opt.state_dict()["state"][0][key].numpy())
    np.testing.assert_array_equal(old, old_before)   # the replaced array is no longer written


@pytest.mark.parametrize("how", ["entry", "data"])
@pytest.mark.parametrize("name, kw, key", STATEFUL, ids=IDS)
def test_optim_state_replaced_matches_torch(name, kw, key, how, rng):
    torch = _torch()
    p0 = rng.standard_normal(5).astype(np.float32)
    grads = [rng.standard_normal(5).astype(np.float32) for _ in range(4)]
    p = nn.Parameter(fg.tensor(p0.copy()))
    tp = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    opt, topt = getattr(optim, name)([p], **kw), getattr(torch.optim, name)([tp], **kw)
    for k, g in enumerate(grads):
        if k == 2:
            _replace(opt.state[p], key, how, fg.full((5,), 0.25))
            _replace(topt.state[tp], key, how, torch.full((5,), 0.25))
        p.grad = fg.tensor(g)
        tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.numpy(force=True), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(opt.state_dict()["state"][0][key].numpy(),
                               topt.state_dict()["state"][0][key].numpy(), rtol=1e-5, atol=1e-6)


def test_optim_state_deleted_entry_is_made_again():
    p = nn.Parameter(fg.ones(3))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = fg.ones(3)
    opt.step()
    opt.state[p]["momentum_buffer"] = None   # torch: no buffer, the next step starts one from g
    opt.step()
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(), 1.0)
    np.testing.assert_allclose(p.numpy(force=True), 0.8, rtol=1e-6)
