"""optim.swa_utils against torch: AveragedModel (SWA, EMA, avg_fn, use_buffers), SWALR, update_bn."""
import numpy as np
import pytest

import fastgrad
import fastgrad.nn as nn
from fastgrad.optim import swa_utils

torch = pytest.importorskip("torch")
tswa = torch.optim.swa_utils


def _models():
    fastgrad.manual_seed(0)
    fm = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fm.state_dict().items()})
    return fm, tm


def _close_sd(fsd, tsd, atol=1e-6):
    assert list(fsd) == list(tsd)
    for k in fsd:
        np.testing.assert_allclose(fsd[k].numpy(), tsd[k].numpy(), rtol=1e-5, atol=atol, err_msg=k)


def _train(make_avg, steps=6, use_bn_update=True):
    fm, tm = _models()
    fa, ta = make_avg(swa_utils, fm), make_avg(tswa, tm)
    fo, to = fastgrad.optim.SGD(fm.parameters(), lr=0.5), torch.optim.SGD(tm.parameters(), lr=0.5)
    fs, ts = swa_utils.SWALR(fo, swa_lr=0.05, anneal_epochs=3), tswa.SWALR(to, swa_lr=0.05, anneal_epochs=3)
    rng = np.random.default_rng(0)
    data = [(rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 2)).astype(np.float32))
            for _ in range(steps)]
    for x, y in data:
        fo.zero_grad()
        to.zero_grad()
        fastgrad.nn.functional.mse_loss(fm(fastgrad.tensor(x)), fastgrad.tensor(y)).backward()
        torch.nn.functional.mse_loss(tm(torch.tensor(x)), torch.tensor(y)).backward()
        fo.step()
        to.step()
        fa.update_parameters(fm)
        ta.update_parameters(tm)
        fs.step()
        ts.step()
        assert fs.get_last_lr() == pytest.approx(ts.get_last_lr())
    if use_bn_update:
        loader = [(fastgrad.tensor(x), fastgrad.tensor(y)) for x, y in data]
        swa_utils.update_bn(loader, fa)
        tswa.update_bn([(torch.tensor(x), torch.tensor(y)) for x, y in data], ta)
    return fa, ta


@pytest.mark.parametrize("make", [
    lambda m, model: m.AveragedModel(model),
    lambda m, model: m.AveragedModel(model, multi_avg_fn=m.get_ema_multi_avg_fn(0.9)),
    lambda m, model: m.AveragedModel(model, avg_fn=m.get_ema_avg_fn(0.8)),
    lambda m, model: m.AveragedModel(model, multi_avg_fn=m.get_swa_multi_avg_fn()),
    lambda m, model: m.AveragedModel(model, multi_avg_fn=m.get_ema_multi_avg_fn(0.7), use_buffers=True),
    lambda m, model: m.AveragedModel(model, avg_fn=m.get_swa_avg_fn(), use_buffers=True),
], ids=["swa", "ema_multi", "ema_avg_fn", "swa_multi", "ema_multi_buffers", "swa_avg_fn_buffers"])
def test_swa_averaged_model_matches_torch(make):
    fa, ta = _train(make)
    fsd, tsd = fa.state_dict(), ta.state_dict()
    assert list(fsd)[:2] == ["n_averaged", "module.0.weight"]  # own buffer first, then the copy
    _close_sd(fsd, tsd)
    assert int(fsd["n_averaged"]) == 6 and fsd["n_averaged"].dtype == fastgrad.int64
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    fa.eval()
    ta.eval()
    np.testing.assert_allclose(fa(fastgrad.tensor(x)).detach().numpy(), ta(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_swa_averaged_model_state_dict_round_trip_and_errors():
    fa, ta = _train(lambda m, model: m.AveragedModel(model), steps=2, use_bn_update=False)
    fresh = swa_utils.AveragedModel(_models()[0])
    fresh.load_state_dict({k: fastgrad.tensor(v.numpy()) for k, v in ta.state_dict().items()})
    _close_sd(fresh.state_dict(), ta.state_dict())
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(nn.Linear(2, 2), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    for fn in (swa_utils.get_ema_avg_fn, swa_utils.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match=r"Invalid decay value 1.5"):
            fn(1.5)


def test_swa_update_bn_restores_momentum_and_mode():
    fa, ta = _train(lambda m, model: m.AveragedModel(model), steps=3)
    assert fa.module[1].momentum == 0.1 and fa.training
    fa.eval()
    swa_utils.update_bn([fastgrad.ones(2, 3)], fa)
    assert not fa.training
    swa_utils.update_bn([fastgrad.ones(2, 3)], nn.Linear(3, 3))  # no BatchNorm: nothing to do


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 4])
def test_swa_swalr_per_group_matches_torch(strategy, anneal_epochs):
    fp, tp = [nn.Parameter(fastgrad.zeros(1)), nn.Parameter(fastgrad.zeros(1))], [torch.zeros(1, requires_grad=True)
                                                                                 for _ in range(2)]
    fo = fastgrad.optim.SGD([{"params": [fp[0]]}, {"params": [fp[1]], "lr": 0.3}], lr=1.0)
    to = torch.optim.SGD([{"params": [tp[0]]}, {"params": [tp[1]], "lr": 0.3}], lr=1.0)
    fs = swa_utils.SWALR(fo, swa_lr=[0.1, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    ts = tswa.SWALR(to, swa_lr=[0.1, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    for _ in range(7):
        assert fs.get_last_lr() == pytest.approx(ts.get_last_lr())
        fo.step()
        to.step()
        fs.step()
        ts.step()
    sd = fs.state_dict()
    assert "anneal_func" not in sd and sd["_anneal_strategy"] == strategy
    fs.load_state_dict(sd)
    assert fs.anneal_func is not None


def test_swa_swalr_errors():
    opt = fastgrad.optim.SGD([nn.Parameter(fastgrad.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got x"):
        swa_utils.SWALR(opt, 0.1, anneal_strategy="x")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        swa_utils.SWALR(opt, 0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="swa_lr must have the same length"):
        swa_utils.SWALR(opt, [0.1, 0.2])
