"""End to end: the same MLP from identical initial weights trained 50 steps on fastgrad and on
torch (when installed) gives the same loss curve to float32 tolerance; without torch, against a
numpy transcription of the forward pass, backward pass and optimizer."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.demo import load_digits, split_standardise


def _torch():
    """torch, single-threaded (its thread pool spins badly on a loaded 2-core machine), or skip."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


STEPS = 50
BATCH = 28  # 50 x 28 = 1400 of the 1438 training images


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    Xtr, ytr, _, _ = split_standardise(X, y, seed=0)
    return Xtr[:STEPS * BATCH], ytr[:STEPS * BATCH]


def _init_weights(seed, sizes, dtype):
    rng = np.random.default_rng(seed)
    out = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        b = 1 / np.sqrt(i)
        out.append((rng.uniform(-b, b, (o, i)).astype(dtype), rng.uniform(-b, b, o).astype(dtype)))
    return out


def _fastgrad_curve(weights, X, y, opt_name, opt_kw, dtype, clip=None, sched=False):
    layers = []
    for w, b in weights:
        lin = nn.Linear(w.shape[1], w.shape[0]).to(dtype)
        lin.weight._data[...] = w
        lin.bias._data[...] = b
        layers += [lin, nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    opt = getattr(optim, opt_name)(model.parameters(), **opt_kw)
    sch = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5) if sched else None
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for s in range(STEPS):
        xb = fg.tensor(X[s * BATCH:(s + 1) * BATCH].astype(dtype))
        yb = fg.tensor(y[s * BATCH:(s + 1) * BATCH])
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        if clip:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if sch:
            sch.step()
        losses.append(loss.item())
    return np.array(losses), model


CONFIGS = [
    ("SGD", dict(lr=0.1, momentum=0.9), None, False),
    ("SGD", dict(lr=0.2, momentum=0.9, nesterov=True, weight_decay=1e-3), 1.0, True),
    ("Adam", dict(lr=5e-3), None, False),
    ("AdamW", dict(lr=1e-2, weight_decay=0.05, amsgrad=True), 0.5, True),
    ("RMSprop", dict(lr=2e-3, momentum=0.5), None, False),
    ("Adagrad", dict(lr=0.05), None, False),
]


@pytest.mark.parametrize("opt_name, opt_kw, clip, sched", CONFIGS, ids=[c[0] + str(i) for i, c in enumerate(CONFIGS)])
def test_training_loss_curve_matches_torch(digits, opt_name, opt_kw, clip, sched):
    torch = _torch()
    X, y = digits
    weights = _init_weights(0, [64, 48, 32, 10], np.float32)
    ours, model = _fastgrad_curve(weights, X, y, opt_name, opt_kw, np.float32, clip, sched)

    layers = []
    for w, b in weights:
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.ReLU()]
    tmodel = torch.nn.Sequential(*layers[:-1])
    topt = getattr(torch.optim, opt_name)(tmodel.parameters(), **opt_kw)
    tsch = torch.optim.lr_scheduler.StepLR(topt, step_size=10, gamma=0.5) if sched else None
    theirs = []
    for s in range(STEPS):
        xb = torch.from_numpy(X[s * BATCH:(s + 1) * BATCH])
        yb = torch.from_numpy(y[s * BATCH:(s + 1) * BATCH])
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tmodel(xb), yb)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(tmodel.parameters(), clip)
        topt.step()
        if tsch:
            tsch.step()
        theirs.append(loss.item())
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5)
    assert ours[-5:].mean() < 0.7 * ours[:5].mean()  # it actually learned
    for (k, v), (tk, tv) in zip(model.state_dict().items(), tmodel.state_dict().items()):
        assert k == tk
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-3, atol=1e-4)


# -- numpy transcription (no torch needed) ---------------------------------------------------
def _numpy_curve(weights, X, y, opt_name, kw):
    W = [w.astype(np.float64) for w, _ in weights]
    B = [b.astype(np.float64) for _, b in weights]
    params = W + B
    state = [dict(m=np.zeros_like(p), v=np.zeros_like(p), buf=None) for p in params]
    losses = []
    for s in range(STEPS):
        xb = X[s * BATCH:(s + 1) * BATCH].astype(np.float64)
        yb = y[s * BATCH:(s + 1) * BATCH]
        acts, h = [xb], xb
        for i in range(len(W)):
            z = h @ W[i].T + B[i]
            h = np.maximum(z, 0) if i < len(W) - 1 else z
            acts.append(h)
        m = h.max(1, keepdims=True)
        logp = h - m - np.log(np.exp(h - m).sum(1, keepdims=True))
        losses.append(-logp[np.arange(len(yb)), yb].mean())
        dz = np.exp(logp)
        dz[np.arange(len(yb)), yb] -= 1
        dz /= len(yb)
        gW, gB = [None] * len(W), [None] * len(W)
        for i in reversed(range(len(W))):
            gW[i] = dz.T @ acts[i]
            gB[i] = dz.sum(0)
            if i:
                dz = (dz @ W[i]) * (acts[i] > 0)
        grads = gW + gB
        for t, (p, g, st) in enumerate(zip(params, grads, state)):
            if opt_name == "SGD":
                st["buf"] = g.copy() if st["buf"] is None else kw["momentum"] * st["buf"] + g
                p -= kw["lr"] * st["buf"]
            else:
                b1, b2 = 0.9, 0.999
                st["m"] = b1 * st["m"] + (1 - b1) * g
                st["v"] = b2 * st["v"] + (1 - b2) * g * g
                p -= kw["lr"] / (1 - b1 ** (s + 1)) * st["m"] / (np.sqrt(st["v"]) / np.sqrt(1 - b2 ** (s + 1)) + 1e-8)
    return np.array(losses)


@pytest.mark.parametrize("opt_name, kw", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=5e-3))])
def test_training_loss_curve_matches_numpy_transcription(digits, opt_name, kw):
    X, y = digits
    weights = _init_weights(1, [64, 40, 10], np.float64)
    ref = _numpy_curve(weights, X, y, opt_name, kw)
    ours64, _ = _fastgrad_curve(weights, X, y, opt_name, kw, np.float64)
    np.testing.assert_allclose(ours64, ref, rtol=1e-9, atol=1e-12)
    ours32, _ = _fastgrad_curve(weights, X, y, opt_name, kw, np.float32)
    np.testing.assert_allclose(ours32, ref, rtol=2e-4, atol=2e-5)
    assert ref[-5:].mean() < 0.7 * ref[:5].mean()
