"""CosineAnnealingWarmRestarts, PolynomialLR, CyclicLR, SequentialLR, ChainedScheduler: lr (and
momentum) sequences against torch, state_dict round trips and torch's errors."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.optim import lr_scheduler as S


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _fopt(name="SGD", groups=1, **kw):
    return getattr(optim, name)([{"params": [nn.Parameter(fg.zeros(1))], "lr": 0.1 * (i + 1)}
                                 for i in range(groups)], **kw)


def _topt(torch, name="SGD", groups=1, **kw):
    return getattr(torch.optim, name)([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1 * (i + 1)}
                                       for i in range(groups)], **kw)


def _record(opt, sched, n, epochs=None):
    out = []
    for i in range(n):
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step() if epochs is None else sched.step(epochs[i])
        out.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
                    [g.get("momentum") for g in opt.param_groups],
                    [g.get("betas", (None,))[0] for g in opt.param_groups], getattr(sched, "last_epoch", None)))
    return out


def _same(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        for u, v in zip(x[:4], y[:4]):
            np.testing.assert_allclose(np.array(u, dtype=float), np.array(v, dtype=float), rtol=1e-12,
                                       atol=1e-15, err_msg=f"step {i}")
        assert x[4] == y[4], f"last_epoch at step {i}"


# each case: (optimizer name, optimizer options, groups, factory(scheduler module, optimizer))
CASES = {
    "warm_restarts_Tmult1": ("SGD", {}, 2, lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.01)),
    "warm_restarts_Tmult2": ("SGD", {}, 1, lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    "poly_linear": ("SGD", {}, 2, lambda M, o: M.PolynomialLR(o, total_iters=8)),
    "poly_power": ("Adam", {}, 1, lambda M, o: M.PolynomialLR(o, total_iters=6, power=2.5)),
    "cyclic_triangular_sgd": ("SGD", {"momentum": 0.9}, 2,
                              lambda M, o: M.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=3, step_size_down=5)),
    "cyclic_triangular2_adam": ("Adam", {}, 1,
                                lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="triangular2",
                                                        base_momentum=0.8, max_momentum=0.95)),
    "cyclic_exp_range": ("SGD", {"momentum": 0.5}, 1,
                         lambda M, o: M.CyclicLR(o, [0.02], 0.3, step_size_up=2, step_size_down=3,
                                                 mode="exp_range", gamma=0.93)),
    "cyclic_scale_fn_iterations": ("SGD", {}, 1,
                                   lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=3, cycle_momentum=False,
                                                           scale_fn=lambda x: 1 / (1 + 0.1 * x),
                                                           scale_mode="iterations")),
    "sequential_two": ("SGD", {}, 2, lambda M, o: M.SequentialLR(
        o, [M.ConstantLR(o, factor=0.3, total_iters=3), M.ExponentialLR(o, gamma=0.9)], milestones=[4])),
    "sequential_three": ("Adam", {}, 1, lambda M, o: M.SequentialLR(
        o, [M.LinearLR(o, start_factor=0.1, total_iters=3), M.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
            M.StepLR(o, step_size=2, gamma=0.5)], milestones=[3, 9])),
    "chained": ("SGD", {}, 2, lambda M, o: M.ChainedScheduler(
        [M.ConstantLR(o, factor=0.5, total_iters=4), M.ExponentialLR(o, gamma=0.9)])),
    "chained_in_sequential": ("SGD", {}, 1, lambda M, o: M.SequentialLR(
        o, [M.ChainedScheduler([M.PolynomialLR(o, total_iters=10, power=2.0), M.StepLR(o, 3, 0.7)]),
            M.LinearLR(o, start_factor=0.5, total_iters=2)], milestones=[5])),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_scheduler_sequence_matches_torch(case):
    torch = _torch()
    name, kw, groups, make = CASES[case]
    fopt, topt = _fopt(name, groups, **kw), _topt(torch, name, groups, **kw)
    with warnings.catch_warnings():   # (torch: a chained scheduler's initial step "before optimizer.step()")
        warnings.simplefilter("ignore")
        fs, ts = make(S, fopt), make(torch.optim.lr_scheduler, topt)
    np.testing.assert_allclose(fs.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
    _same(_record(fopt, fs, 40), _record(topt, ts, 40))


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch(T_mult):
    torch = _torch()
    epochs = [0.0, 0.5, 1.25, 2.0, 2.9, 3.0, 4.7, 7.5, 8.0, 9.99, 13.3, 20.0, 21.5, 40.25, 5.5, 0.2, 100.0]
    fopt, topt = _fopt(), _topt(torch)
    fs = S.CosineAnnealingWarmRestarts(fopt, T_0=2, T_mult=T_mult, eta_min=0.005)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=T_mult, eta_min=0.005)
    _same(_record(fopt, fs, len(epochs), epochs), _record(topt, ts, len(epochs), epochs))
    assert fs.T_cur == pytest.approx(ts.T_cur, rel=1e-12) and fs.T_i == ts.T_i


def test_warm_restarts_closed_form():
    import math
    opt = _fopt()
    s = S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.0)
    lrs = [s.get_last_lr()[0]] + [x[0][0] for x in _record(opt, s, 21)]
    starts, T, out = 0, 3, []
    while len(out) < 22:   # periods 3, 6, 12, ...
        out.extend(0.1 * (1 + math.cos(math.pi * t / T)) / 2 for t in range(T))
        starts, T = starts + T, 2 * T
    np.testing.assert_allclose(lrs, out[:22], rtol=1e-12, atol=1e-15)


def test_polynomial_closed_form_step_epoch_matches_torch():
    torch = _torch()
    fopt, topt = _fopt(groups=2), _topt(torch, groups=2)
    fs = S.PolynomialLR(fopt, total_iters=7, power=1.5)
    ts = torch.optim.lr_scheduler.PolynomialLR(topt, total_iters=7, power=1.5)
    epochs = [1, 2, 5, 3, 9, 7, 0]
    _same(_record(fopt, fs, len(epochs), epochs), _record(topt, ts, len(epochs), epochs))


def test_polynomial_reaches_zero_and_stays():
    opt = _fopt()
    s = S.PolynomialLR(opt, total_iters=4, power=2.0)
    lrs = [x[0][0] for x in _record(opt, s, 8)]
    np.testing.assert_allclose(lrs, [0.1 * (1 - min(e, 4) / 4) ** 2 for e in range(1, 9)], rtol=1e-12, atol=1e-15)


class _Scale:
    """A callable object: CyclicLR saves its __dict__ (a plain function is saved as None)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return 1.0 / (1.0 + self.k * x)


ROUND_TRIP = {
    "warm_restarts": ("SGD", {}, lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01)),
    "poly": ("SGD", {}, lambda M, o: M.PolynomialLR(o, total_iters=9, power=1.7)),
    "cyclic": ("SGD", {"momentum": 0.9}, lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="triangular2")),
    "cyclic_exp": ("Adam", {}, lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="exp_range", gamma=0.9)),
    "cyclic_object_scale": ("SGD", {}, lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=2, cycle_momentum=False,
                                                               scale_fn=_Scale(0.3))),
    "sequential": ("SGD", {}, lambda M, o: M.SequentialLR(
        o, [M.ConstantLR(o, factor=0.3, total_iters=2), M.ExponentialLR(o, gamma=0.9)], milestones=[3])),
    "chained": ("SGD", {}, lambda M, o: M.ChainedScheduler(
        [M.PolynomialLR(o, total_iters=12), M.ExponentialLR(o, gamma=0.95)])),
}


@pytest.mark.parametrize("case", sorted(ROUND_TRIP))
def test_scheduler_state_dict_round_trip(case):
    name, kw, make = ROUND_TRIP[case]
    opt = _fopt(name, **kw)
    s = make(S, opt)
    _record(opt, s, 5)
    sd = s.state_dict()
    assert "optimizer" not in sd and "_scale_fn_ref" not in sd
    if case == "cyclic_object_scale":
        assert sd["_scale_fn_custom"] == {"k": 0.3}
        s._scale_fn_custom.k = 0.3   # (the same object: loading restores its attributes)
    # a copy of the optimizer at this point, and a fresh scheduler on it, loaded from sd
    opt2 = _fopt(name, **kw)
    s2 = make(S, opt2)
    if case == "cyclic_object_scale":
        s2._scale_fn_custom.k = 99.0
    opt2.load_state_dict(opt.state_dict())
    s2.load_state_dict(sd)
    if case == "cyclic_object_scale":
        assert s2._scale_fn_custom.k == 0.3
    assert getattr(s2, "last_epoch", 0) == getattr(s, "last_epoch", 0) and s2.get_last_lr() == s.get_last_lr()
    _same(_record(opt2, s2, 12), _record(opt, s, 12))


def test_cyclic_state_dict_keys_match_torch():
    torch = _torch()
    fopt, topt = _fopt("SGD", momentum=0.9), _topt(torch, "SGD", momentum=0.9)
    fs = S.CyclicLR(fopt, 0.01, 0.1, step_size_up=3)
    ts = torch.optim.lr_scheduler.CyclicLR(topt, 0.01, 0.1, step_size_up=3)
    assert set(fs.state_dict()) <= set(ts.state_dict())
    for key in ("total_size", "step_ratio", "mode", "scale_mode", "base_momentums", "max_momentums", "last_epoch"):
        assert fs.state_dict()[key] == ts.state_dict()[key]


def _raises_as_torch(torch, make, name="SGD", kw=None, exact=True):
    kw = kw or {}
    with pytest.raises(Exception) as te:
        make(torch.optim.lr_scheduler, _topt(torch, name, **kw))
    with pytest.raises(type(te.value)) as fe:
        make(S, _fopt(name, **kw))
    if exact:
        assert str(fe.value) == str(te.value)
    else:
        assert str(fe.value).split(",")[0] == str(te.value).split(",")[0]


ERRORS = {
    "T_0_zero": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=0),
    "T_0_float": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=2.0),
    "T_mult_zero": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "eta_min_str": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    "negative_epoch": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    "cyclic_mode": lambda M, o: M.CyclicLR(o, 0.01, 0.1, mode="sine"),
    "cyclic_len": lambda M, o: M.CyclicLR(o, [0.01, 0.02], 0.1),
    "cyclic_no_momentum": None,   # Adagrad has neither momentum nor betas
    "cyclic_not_optimizer": lambda M, o: M.CyclicLR(object(), 0.01, 0.1),
    "sequential_empty": lambda M, o: M.SequentialLR(o, [], milestones=[]),
    "sequential_milestones": lambda M, o: M.SequentialLR(o, [M.ConstantLR(o), M.ExponentialLR(o, 0.9)],
                                                         milestones=[1, 2]),
    "sequential_plateau": lambda M, o: M.SequentialLR(o, [M.ConstantLR(o), M.ReduceLROnPlateau(o)], milestones=[2]),
    "sequential_no_optimizer": lambda M, o: M.SequentialLR(o, [M.ConstantLR(o), object()], milestones=[2]),
    "chained_empty": lambda M, o: M.ChainedScheduler([]),
    "chained_plateau": lambda M, o: M.ChainedScheduler([M.ConstantLR(o), M.ReduceLROnPlateau(o)]),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_scheduler_errors_as_torch(case):
    torch = _torch()
    make = ERRORS[case]
    if case == "cyclic_no_momentum":
        _raises_as_torch(torch, lambda M, o: M.CyclicLR(o, 0.01, 0.1), name="Adagrad")
    elif case == "cyclic_not_optimizer":
        _raises_as_torch(torch, make, exact=False)
    else:
        _raises_as_torch(torch, make)


def test_schedulers_on_another_optimizer_rejected():
    o1, o2 = _fopt(), _fopt()
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        S.SequentialLR(o1, [S.ConstantLR(o1), S.ExponentialLR(o2, 0.9)], milestones=[2])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        S.ChainedScheduler([S.ConstantLR(o1), S.ExponentialLR(o2, 0.9)])
