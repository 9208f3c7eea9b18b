"""Loss modules: options reach the functional forms; values match numpy closed forms and torch."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn


def _torch():
    """torch, single-threaded (its thread pool spins badly on a loaded 2-core machine), or skip."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _red(x, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](x)


@pytest.fixture
def data(rng):
    x = rng.standard_normal((6, 4))
    t = rng.standard_normal((6, 4))
    return x, t


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pointwise_losses_match_numpy(data, reduction):
    x, t = data
    d = x - t
    cases = [
        (nn.MSELoss(reduction=reduction), d ** 2),
        (nn.L1Loss(reduction=reduction), np.abs(d)),
        (nn.SmoothL1Loss(reduction=reduction, beta=0.5),
         np.where(np.abs(d) < 0.5, 0.5 * d ** 2 / 0.5, np.abs(d) - 0.25)),
        (nn.HuberLoss(reduction=reduction, delta=0.5),
         np.where(np.abs(d) < 0.5, 0.5 * d ** 2, 0.5 * (np.abs(d) - 0.25))),
    ]
    for module, ref in cases:
        out = module(fg.tensor(x), fg.tensor(t))
        np.testing.assert_allclose(out.numpy(), _red(ref, reduction), rtol=1e-12, atol=1e-12)


def _log_softmax(x):
    m = x.max(1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(1, keepdims=True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_and_nll_match_numpy(rng, reduction):
    x = rng.standard_normal((7, 5))
    y = np.array([0, 4, 2, 2, -100, 1, 3])
    w = rng.uniform(0.5, 2, 5)
    lp = _log_softmax(x)
    valid = y != -100
    yy = np.where(valid, y, 0)
    per = np.where(valid, -w[yy] * lp[np.arange(7), yy], 0.0)
    ref = {"none": per, "sum": per.sum(), "mean": per.sum() / w[yy][valid].sum()}[reduction]
    ce = nn.CrossEntropyLoss(weight=fg.tensor(w), reduction=reduction)
    np.testing.assert_allclose(ce(fg.tensor(x), fg.tensor(y)).numpy(), ref, rtol=1e-10, atol=1e-12)
    nll = nn.NLLLoss(weight=fg.tensor(w), reduction=reduction)
    np.testing.assert_allclose(nll(fg.tensor(lp), fg.tensor(y)).numpy(), ref, rtol=1e-10, atol=1e-12)
    assert list(ce.state_dict()) == ["weight"]  # weight is a buffer, as torch


def test_cross_entropy_label_smoothing_and_probabilities(rng):
    x = rng.standard_normal((4, 3))
    y = np.array([0, 2, 1, 1])
    lp = _log_softmax(x)
    ls = 0.2
    ref = np.mean(-(1 - ls) * lp[np.arange(4), y] - ls / 3 * lp.sum(1))
    out = nn.CrossEntropyLoss(label_smoothing=ls)(fg.tensor(x), fg.tensor(y))
    np.testing.assert_allclose(out.item(), ref, rtol=1e-10)
    p = rng.dirichlet(np.ones(3), size=4)
    out = nn.CrossEntropyLoss()(fg.tensor(x), fg.tensor(p))
    np.testing.assert_allclose(out.item(), np.mean(-(p * lp).sum(1)), rtol=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_losses_match_numpy(rng, reduction):
    z = rng.standard_normal((5, 3))
    p = 1 / (1 + np.exp(-z))
    t = rng.uniform(0, 1, (5, 3))
    w = rng.uniform(0.5, 1.5, 3)
    ref = -w * (t * np.log(p) + (1 - t) * np.log(1 - p))
    out = nn.BCELoss(weight=fg.tensor(w), reduction=reduction)(fg.tensor(p), fg.tensor(t))
    np.testing.assert_allclose(out.numpy(), _red(ref, reduction), rtol=1e-9)
    pw = rng.uniform(0.5, 3, 3)
    ref = -(pw * t * np.log(p) + (1 - t) * np.log(1 - p))
    out = nn.BCEWithLogitsLoss(pos_weight=fg.tensor(pw), reduction=reduction)(fg.tensor(z), fg.tensor(t))
    np.testing.assert_allclose(out.numpy(), _red(ref, reduction), rtol=1e-9)


def test_loss_legacy_flags_and_validation():
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.MSELoss(reduce=False).reduction == "none"
    assert nn.MSELoss(size_average=True, reduce=True).reduction == "mean"
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        nn.L1Loss(reduction="avg")
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


def test_loss_modules_backward_match_torch(rng):
    torch = _torch()
    x = rng.standard_normal((8, 5)).astype(np.float32)
    y = rng.integers(0, 5, 8)
    y[2] = 1
    w = rng.uniform(0.5, 2, 5).astype(np.float32)
    t = rng.uniform(0, 1, (8, 5)).astype(np.float32)
    cases = [
        ("CrossEntropyLoss", dict(ignore_index=1, label_smoothing=0.1), y, "weight"),
        ("CrossEntropyLoss", dict(), y, None),
        ("NLLLoss", dict(), y, "weight"),
        ("MSELoss", dict(reduction="sum"), t, None),
        ("L1Loss", dict(), t, None),
        ("SmoothL1Loss", dict(beta=0.3), t, None),
        ("HuberLoss", dict(delta=0.3), t, None),
        ("BCEWithLogitsLoss", dict(), t, "pos_weight"),
    ]
    for name, kw, target, extra in cases:
        fk, tk = dict(kw), dict(kw)
        if extra:
            fk[extra], tk[extra] = fg.tensor(w), torch.from_numpy(w)
        xf = fg.tensor(x, requires_grad=True)
        xt = torch.from_numpy(x).requires_grad_(True)
        inp_f, inp_t = (xf.log_softmax(1), xt.log_softmax(1)) if name == "NLLLoss" else (xf, xt)
        lf = getattr(nn, name)(**fk)(inp_f, fg.tensor(target))
        lt = getattr(torch.nn, name)(**tk)(inp_t, torch.from_numpy(target))
        np.testing.assert_allclose(lf.item(), lt.item(), rtol=1e-5, err_msg=name)
        lf.backward()
        lt.backward()
        np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    p = 1 / (1 + np.exp(-x))
    lf = nn.BCELoss()(fg.tensor(p), fg.tensor(t))
    lt = torch.nn.BCELoss()(torch.from_numpy(p), torch.from_numpy(t))
    np.testing.assert_allclose(lf.item(), lt.item(), rtol=1e-5)
