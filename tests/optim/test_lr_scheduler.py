"""LR schedulers: closed forms, torch's chainable step() order, and parity with torch."""
import math

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.optim import lr_scheduler as S


def _torch():
    """torch, single-threaded (its thread pool spins badly on a loaded 2-core machine), or skip."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _opt(lr=0.1, cls=optim.SGD, **kw):
    return cls([nn.Parameter(fg.zeros(1))], lr=lr, **kw)


def _trace(sched, opt, n):
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    return lrs


def test_steplr_closed_form():
    opt = _opt(1.0)
    lrs = _trace(S.StepLR(opt, step_size=3, gamma=0.5), opt, 10)
    np.testing.assert_allclose(lrs, [0.5 ** (e // 3) for e in range(11)])


def test_multisteplr_closed_form():
    opt = _opt(1.0)
    lrs = _trace(S.MultiStepLR(opt, milestones=[2, 5, 5], gamma=0.1), opt, 7)
    np.testing.assert_allclose(lrs, [1, 1, 0.1, 0.1, 0.1, 1e-3, 1e-3, 1e-3])


def test_exponentiallr_closed_form():
    opt = _opt(2.0)
    np.testing.assert_allclose(_trace(S.ExponentialLR(opt, 0.9), opt, 6), [2.0 * 0.9 ** e for e in range(7)])


def test_cosine_closed_form_within_first_period():
    opt = _opt(1.0)
    lrs = _trace(S.CosineAnnealingLR(opt, T_max=10, eta_min=0.1), opt, 10)
    np.testing.assert_allclose(lrs, [0.1 + 0.9 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(11)],
                               rtol=1e-12, atol=1e-12)


def test_linearlr_and_constantlr_closed_forms():
    opt = _opt(1.0)
    lrs = _trace(S.LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=4), opt, 6)
    np.testing.assert_allclose(lrs, [0.25, 0.4375, 0.625, 0.8125, 1.0, 1.0, 1.0])
    opt = _opt(1.0)
    np.testing.assert_allclose(_trace(S.ConstantLR(opt, factor=0.5, total_iters=2), opt, 3), [0.5, 0.5, 1, 1])


def test_lambdalr_per_group():
    opt = optim.SGD([{"params": [nn.Parameter(fg.zeros(1))]}, {"params": [nn.Parameter(fg.zeros(1))], "lr": 1.0}],
                    lr=0.1)
    sched = S.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: 0.5 ** e])
    for e in range(1, 4):
        opt.step()
        sched.step()
        np.testing.assert_allclose(sched.get_last_lr(), [0.1 / (e + 1), 0.5 ** e])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(opt, [lambda e: 1.0])


def test_chaining_two_schedulers_multiplies():
    opt = _opt(1.0)
    a = S.ExponentialLR(opt, 0.9)
    b = S.StepLR(opt, step_size=2, gamma=0.5)
    for e in range(1, 7):
        opt.step()
        a.step()
        b.step()
        assert abs(opt.param_groups[0]["lr"] - 0.9 ** e * 0.5 ** (e // 2)) < 1e-12


def test_reduce_lr_on_plateau():
    opt = _opt(1.0)
    sched = S.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [1.0] + [0.9] * 13:
        sched.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == [1.0] * 4 + [0.5] * 4 + [0.25] * 4 + [0.2, 0.2]  # min_lr floors the third cut
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        S.ReduceLROnPlateau(opt, factor=1.0)


def test_onecycle_endpoints_and_momentum():
    opt = _opt(0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs = _trace(sched, opt, 9)
    assert abs(lrs[0] - 1.0 / 25) < 1e-12
    assert abs(max(lrs) - 1.0) < 1e-12
    assert abs(lrs[-1] - 1.0 / 25 / 1e4) < 1e-12
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        opt.step()
        sched.step()
        sched.step()


def test_scheduler_state_dict_roundtrip():
    opt = _opt(1.0)
    s = S.StepLR(opt, 2, 0.5)
    for _ in range(3):
        opt.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3
    opt2 = _opt(1.0)
    s2 = S.StepLR(opt2, 5, 0.1)
    s2.load_state_dict(sd)
    assert s2.step_size == 2 and s2.last_epoch == 3


def test_scheduler_requires_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), 1)


TORCH_CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 4, 4, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.8)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=6)),
    ("ConstantLR", dict(factor=0.3, total_iters=3)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=14)),
    ("OneCycleLR", dict(max_lr=0.5, epochs=2, steps_per_epoch=7, anneal_strategy="linear", three_phase=True)),
]


@pytest.mark.parametrize("name, kw", TORCH_CASES, ids=[c[0] + str(i) for i, c in enumerate(TORCH_CASES)])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_scheduler_matches_torch(name, kw, opt_name):
    torch = _torch()
    okw = dict(lr=0.1, momentum=0.9) if opt_name == "SGD" else dict(lr=0.1)
    topt = getattr(torch.optim, opt_name)([torch.nn.Parameter(torch.zeros(1))], **okw)
    fopt = getattr(optim, opt_name)([nn.Parameter(fg.zeros(1))], **okw)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    fs = getattr(S, name)(fopt, **kw)
    for _ in range(13):
        topt.step()
        fopt.step()
        ts.step()
        fs.step()
        np.testing.assert_allclose(fs.get_last_lr(), ts.get_last_lr(), rtol=1e-12, atol=1e-15)
        for key in ("momentum", "betas"):
            if key in topt.param_groups[0]:
                np.testing.assert_allclose(fopt.param_groups[0][key], topt.param_groups[0][key], rtol=1e-12)


def test_cosine_beyond_tmax_and_chained_match_torch():
    torch = _torch()
    topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    fopt = optim.SGD([nn.Parameter(fg.zeros(1))], lr=1.0)
    tss = [torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=4),
           torch.optim.lr_scheduler.MultiStepLR(topt, [3, 7], 0.5)]
    fss = [S.CosineAnnealingLR(fopt, T_max=4), S.MultiStepLR(fopt, [3, 7], 0.5)]
    for _ in range(20):
        topt.step()
        fopt.step()
        for t, f in zip(tss, fss):
            t.step()
            f.step()
        assert abs(fopt.param_groups[0]["lr"] - topt.param_groups[0]["lr"]) < 1e-12


def test_reduce_on_plateau_matches_torch(rng):
    torch = _torch()
    metrics = np.concatenate([np.linspace(1, 0.5, 5), np.full(10, 0.5), rng.uniform(0.4, 0.6, 15)])
    for mode, th_mode in [("min", "rel"), ("min", "abs"), ("max", "rel")]:
        topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        fopt = optim.SGD([nn.Parameter(fg.zeros(1))], lr=1.0)
        kw = dict(mode=mode, threshold_mode=th_mode, patience=2, cooldown=1, factor=0.5, min_lr=0.01)
        ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
        fs = S.ReduceLROnPlateau(fopt, **kw)
        for m in metrics:
            ts.step(float(m))
            fs.step(float(m))
            assert fs.get_last_lr() == ts.get_last_lr()
