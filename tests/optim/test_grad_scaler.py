"""amp.GradScaler against torch.amp.GradScaler("cpu"): the same losses, scales and weights over a
float32 training loop (with an inf-gradient step skipped in both), state_dict, errors."""
import pickle
import warnings

import numpy as np
import pytest

import fastgrad
import fastgrad.nn as nn
from fastgrad.amp import GradScaler

torch = pytest.importorskip("torch")


def _pair(opt="SGD", **kw):
    fastgrad.manual_seed(0)
    fm = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fm.state_dict().items()})
    fo = getattr(fastgrad.optim, opt)(fm.parameters(), lr=0.05, **kw)
    to = getattr(torch.optim, opt)(tm.parameters(), lr=0.05, **kw)
    return fm, tm, fo, to


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_grad_scaler_training_loop_matches_torch(opt):
    fm, tm, fo, to = _pair(opt)
    kw = dict(init_scale=2.0 ** 10, growth_interval=3)
    fs, ts = GradScaler("cpu", **kw), torch.amp.GradScaler("cpu", **kw)
    rng = np.random.default_rng(0)
    skipped = 0
    for it in range(10):
        x, y = rng.standard_normal((6, 4)).astype(np.float32), rng.standard_normal((6, 1)).astype(np.float32)
        if it == 4:
            x[0, 0] = np.inf                        # an inf gradient: both skip the step and back off
        fo.zero_grad()
        to.zero_grad()
        with fastgrad.autocast("cpu", dtype=fastgrad.bfloat16):
            floss = fastgrad.nn.functional.mse_loss(fm(fastgrad.tensor(x)), fastgrad.tensor(y))
        tloss = torch.nn.functional.mse_loss(tm(torch.tensor(x)), torch.tensor(y))
        if it != 4:
            assert floss.item() == pytest.approx(tloss.item(), rel=1e-5)
        fs.scale(floss).backward()
        ts.scale(tloss).backward()
        if it % 2:                                   # unscale_ first (as for clipping) on odd steps
            fs.unscale_(fo)
            ts.unscale_(to)
            for fp, tp in zip(fm.parameters(), tm.parameters()):
                if it != 4:
                    np.testing.assert_allclose(fp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6)
        before = [p.detach().numpy().copy() for p in fm.parameters()]
        fs.step(fo)
        ts.step(to)
        if it == 4:
            skipped += 1
            assert all(np.array_equal(b, p.detach().numpy()) for b, p in zip(before, fm.parameters()))
        fs.update()
        ts.update()
        assert fs.get_scale() == ts.get_scale()
        assert fs.state_dict() == ts.state_dict()
        for fp, tp in zip(fm.parameters(), tm.parameters()):
            np.testing.assert_allclose(fp.detach().numpy(), tp.detach().numpy(), rtol=1e-4, atol=1e-6)
    assert skipped == 1 and fs.get_scale() != 2.0 ** 10


def test_grad_scaler_scale_containers_and_float64():
    fs, ts = GradScaler("cpu", init_scale=8.0), torch.amp.GradScaler("cpu", init_scale=8.0)
    a = fastgrad.tensor([1.0, 2.0], dtype=fastgrad.float64)
    out = fs.scale([a, (a, a)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert out[0].dtype == fastgrad.float64 == fastgrad.float64
    assert ts.scale(torch.tensor([1.0], dtype=torch.float64)).dtype == torch.float64
    np.testing.assert_array_equal(out[1][1].numpy(), [8.0, 16.0])
    assert list(x.item() for x in fs.scale(iter([fastgrad.tensor(1.0)]))) == [8.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        fs.scale([1.0])


def test_grad_scaler_update_growth_backoff_and_new_scale():
    for cls, mod in ((GradScaler, fastgrad), (torch.amp.GradScaler, torch)):
        s = cls("cpu", init_scale=4.0, growth_factor=3.0, backoff_factor=0.25, growth_interval=2)
        p = mod.zeros(2, requires_grad=True)
        trace = []
        for g in ([1.0, 1.0], [1.0, 1.0], [1.0, float("nan")], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]):
            s.scale(p.sum()).backward()
            p.grad = mod.tensor(g)
            s.step(mod.optim.SGD([p], lr=0.1))
            s.update()
            trace.append((s.get_scale(), s._get_growth_tracker()))
        s.update(2.0)
        trace.append(s.get_scale())
        s.update(mod.tensor(5.0))
        trace.append(s.get_scale())
        if cls is GradScaler:
            ftrace = trace
        else:
            assert ftrace == trace


def test_grad_scaler_state_dict_round_trip_and_pickle():
    s = GradScaler("cpu", init_scale=16.0, growth_interval=5)
    t = torch.amp.GradScaler("cpu", init_scale=16.0, growth_interval=5)
    assert s.state_dict() == t.state_dict()
    p = fastgrad.zeros(1, requires_grad=True)
    s.scale(p.sum()).backward()
    s.step(fastgrad.optim.SGD([p], lr=0.1))
    s.update()
    t2 = torch.amp.GradScaler("cpu")
    t2.load_state_dict(s.state_dict())
    s2 = GradScaler("cpu")
    s2.load_state_dict(t2.state_dict())
    assert s2.state_dict() == s.state_dict() == {"scale": 16.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                                   "growth_interval": 5, "_growth_tracker": 1}
    assert pickle.loads(pickle.dumps(s)).state_dict() == s.state_dict()
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        s2.load_state_dict({})


def test_grad_scaler_disabled_is_pass_through():
    s = GradScaler("cpu", enabled=False)
    loss = fastgrad.tensor(3.0)
    assert s.scale(loss) is loss and s.get_scale() == 1.0 and s.state_dict() == {} and not s.is_enabled()
    p = fastgrad.zeros(1, requires_grad=True)
    p.grad = fastgrad.tensor([1.0])
    s.unscale_(fastgrad.optim.SGD([p], lr=1.0))
    s.step(fastgrad.optim.SGD([p], lr=1.0))
    s.update()
    assert p.item() == -1.0
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        assert not GradScaler().is_enabled()          # torch's default device is "cuda"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not GradScaler(enabled=False).is_enabled()


@pytest.mark.parametrize("mod", ["fastgrad", "torch"])
def test_grad_scaler_errors_as_torch(mod):
    m = fastgrad if mod == "fastgrad" else torch
    cls = GradScaler if mod == "fastgrad" else torch.amp.GradScaler
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0."):
        cls("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="The backoff factor must be < 1.0."):
        cls("cpu", backoff_factor=1.0)
    p = m.zeros(2, requires_grad=True)
    opt = m.optim.SGD([p], lr=0.1)
    s = cls("cpu")
    with pytest.raises(AssertionError, match="Attempted step but _scale is None."):
        s.step(opt)
    with pytest.raises(AssertionError, match="Attempted update but _scale is None."):
        s.update()
    s.scale(p.sum())                                  # no backward: no gradient to check
    with pytest.raises(AssertionError, match="No inf checks were recorded for this optimizer."):
        s.step(opt)
    s = cls("cpu")
    s.scale(p.sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)."):
        s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)."):
        s.step(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s.step(opt, closure=lambda: None)
    s.update()
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update."):
        s.update()
    with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
        s.update(m.ones(2))


def test_grad_scaler_bfloat16_and_float64_gradients():
    for dtype in (fastgrad.bfloat16, fastgrad.float64):
        p = fastgrad.zeros(3, dtype=dtype, requires_grad=True)
        s = GradScaler("cpu", init_scale=4.0)
        (s.scale(p.float() * fastgrad.tensor([1.0, 2.0, 3.0])).sum()).backward()
        s.unscale_(fastgrad.optim.SGD([p], lr=1.0))
        np.testing.assert_array_equal(p.grad.float().numpy(), [1.0, 2.0, 3.0])
        p.grad = fastgrad.tensor([1.0, float("inf"), 0.0]).to(dtype)
        s2 = GradScaler("cpu", init_scale=4.0)
        s2.scale(p.float().sum())
        opt = fastgrad.optim.SGD([p], lr=1.0)
        s2.step(opt)
        s2.update()
        assert s2.get_scale() == 2.0 and np.array_equal(p.detach().float().numpy(), [0.0, 0.0, 0.0])
