"""W1–W5 training steps: fastgrad beside hand-written numpy (the floor) and torch.

One step = zero_grad, forward, loss, backward, optimizer step, on a fixed batch.  Every row of a
workload starts from the same weights and data (made here with numpy) and runs the same number
of steps; afterwards its loss must agree with the numpy reference, so a fast wrong step fails.

Run: see benchmarks/README.md (``python -m pytest benchmarks/``; benchmarks/conftest.py collects bench_*.py).
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import QUICK, FRAMEWORKS  # noqa: E402


# name: (layer sizes, batch, loss, optimizer, lr, (rounds, iterations) of the timed run)
WORKLOADS = {
    "W1 neuron": dict(sizes=None, batch=1, loss="mse", opt="sgd", lr=0.1, rounds=(200, 50)),
    "W2 mlp 10-64-64-1 b16 mse sgd": dict(sizes=[10, 64, 64, 1], batch=16, loss="mse", opt="sgd", lr=0.01,
                                          rounds=(200, 10)),
    "W3 mlp 784-128-128-10 b32 mse sgd": dict(sizes=[784, 128, 128, 10], batch=32, loss="mse", opt="sgd",
                                              lr=0.01, rounds=(100, 10)),
    "W3 mlp 784-128-128-10 b32 ce adam": dict(sizes=[784, 128, 128, 10], batch=32, loss="ce", opt="adam",
                                              lr=1e-3, rounds=(100, 10)),
    "W4 mlp 784-512-512-10 b128 ce sgd-momentum": dict(sizes=[784, 512, 512, 10], batch=128, loss="ce",
                                                       opt="momentum", lr=0.01, rounds=(100, 1)),
    "W5 mlp 2048x4 b512 mse sgd": dict(sizes=[2048, 2048, 2048, 2048], batch=512, loss="mse", opt="sgd",
                                       lr=0.01, rounds=(5, 1), budget=90.0),
}
if QUICK:  # small sizes: the suite must still run end to end, fast
    WORKLOADS["W4 mlp 784-512-512-10 b128 ce sgd-momentum"].update(sizes=[784, 64, 64, 10], batch=16)
    WORKLOADS["W5 mlp 2048x4 b512 mse sgd"].update(sizes=[256, 256, 256, 256], batch=32)

MOMENTUM = 0.9


def make_problem(name):
    """Initial weights (torch's nn.Linear init, drawn with numpy) and a fixed batch."""
    spec = WORKLOADS[name]
    rng = C.rng(sum(map(ord, name)))
    if spec["sizes"] is None:  # W1: scalar neuron y = sigmoid(w x), target t
        return spec, {"w": np.float32(0.3), "x": np.float32(1.5), "t": np.float32(0.8)}
    sizes, batch = spec["sizes"], spec["batch"]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        layers.append((W, b))
    x = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    if spec["loss"] == "ce":
        t = rng.integers(0, sizes[-1], batch).astype(np.int64)
    else:
        t = rng.standard_normal((batch, sizes[-1]), dtype=np.float32)
    return spec, {"layers": layers, "x": x, "t": t}


# -- numpy: hand-written forward / backward / update (no autodiff) ---------------------------
class NumpyNeuron:
    def __init__(self, spec, data):
        self.w, self.x, self.t, self.lr = data["w"], data["x"], data["t"], np.float32(spec["lr"])

    def step(self):
        y = np.float32(1) / (np.float32(1) + np.exp(-(self.w * self.x)))
        d = y - self.t
        dw = np.float32(2) * d * y * (np.float32(1) - y) * self.x
        self.w = self.w - self.lr * dw
        return d * d

    def loss(self):
        y = np.float32(1) / (np.float32(1) + np.exp(-(self.w * self.x)))
        return float((y - self.t) ** 2)


class NumpyMLP:
    def __init__(self, spec, data):
        self.params = [p.copy() for layer in data["layers"] for p in layer]
        self.x, self.t = data["x"], data["t"]
        self.loss_kind, self.opt, self.lr = spec["loss"], spec["opt"], spec["lr"]
        self.state = [None] * len(self.params)
        self.m = [np.zeros_like(p) for p in self.params] if self.opt == "adam" else None
        self.v = [np.zeros_like(p) for p in self.params] if self.opt == "adam" else None
        self.t_step = 0
        self.rows = np.arange(len(self.x))

    def _forward(self):
        hs = [self.x]
        h = self.x
        n = len(self.params) // 2
        for i in range(n):
            W, b = self.params[2 * i], self.params[2 * i + 1]
            z = h @ W.T
            z += b
            if i < n - 1:
                np.maximum(z, 0, out=z)
                hs.append(z)
            h = z
        return hs, h

    def _loss_grad(self, out):
        if self.loss_kind == "mse":
            d = out - self.t
            loss = np.mean(d * d)
            d *= 2.0 / d.size
            return loss, d
        m = out.max(axis=1, keepdims=True)
        e = np.exp(out - m)
        s = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) + m[:, 0] - out[self.rows, self.t])
        e /= s
        e[self.rows, self.t] -= 1.0
        e *= 1.0 / len(out)
        return loss, e

    def _update(self, k, g):
        p = self.params[k]
        if self.opt == "sgd":
            g *= self.lr
            p -= g
        elif self.opt == "momentum":  # torch: buf = g on the first step, then mu buf + g
            buf = self.state[k]
            if buf is None:
                self.state[k] = buf = g.copy()
            else:
                buf *= MOMENTUM
                buf += g
            p -= self.lr * buf
        else:  # adam, torch's formulas
            b1, b2, eps, t = 0.9, 0.999, 1e-8, self.t_step
            m, v = self.m[k], self.v[k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            denom = np.sqrt(v)
            denom *= 1.0 / np.sqrt(1 - b2 ** t)
            denom += eps
            p -= (self.lr / (1 - b1 ** t)) * (m / denom)

    def step(self):
        self.t_step += 1
        hs, out = self._forward()
        loss, dz = self._loss_grad(out)
        n = len(self.params) // 2
        for i in range(n - 1, -1, -1):
            h = hs[i]
            gW = dz.T @ h
            gb = dz.sum(axis=0)
            if i > 0:
                dz = dz @ self.params[2 * i]
                dz *= h > 0
            self._update(2 * i, gW)
            self._update(2 * i + 1, gb)
        return loss

    def loss(self):
        return float(self._loss_grad(self._forward()[1])[0])


def numpy_model(spec, data):
    return NumpyNeuron(spec, data) if spec["sizes"] is None else NumpyMLP(spec, data)


# -- torch and fastgrad: the same torch-style code, with ``lib`` = torch or fastgrad ----------
class TorchLike:
    def __init__(self, lib, spec, data):
        nn = lib.nn
        self.lib = lib
        if spec["sizes"] is None:
            self.w = lib.tensor(float(data["w"]), requires_grad=True)
            self.x = lib.tensor(float(data["x"]))
            self.t = lib.tensor(float(data["t"]))
            params = [self.w]
            self.forward_loss = self._neuron_loss
        else:
            mods = []
            for i, (W, b) in enumerate(data["layers"]):
                lin = nn.Linear(W.shape[1], W.shape[0])
                lin.weight = nn.Parameter(lib.from_numpy(W.copy()))
                lin.bias = nn.Parameter(lib.from_numpy(b.copy()))
                mods.append(lin)
                if i < len(data["layers"]) - 1:
                    mods.append(nn.ReLU())
            self.model = nn.Sequential(*mods)
            self.crit = nn.MSELoss() if spec["loss"] == "mse" else nn.CrossEntropyLoss()
            self.x = lib.from_numpy(data["x"].copy())
            self.t = lib.from_numpy(data["t"].copy())
            params = self.model.parameters()
            self.forward_loss = self._mlp_loss
        opt = spec["opt"]
        if opt == "sgd":
            self.opt = lib.optim.SGD(params, lr=spec["lr"])
        elif opt == "momentum":
            self.opt = lib.optim.SGD(params, lr=spec["lr"], momentum=MOMENTUM)
        else:
            self.opt = lib.optim.Adam(params, lr=spec["lr"])

    def _neuron_loss(self):
        y = (self.w * self.x).sigmoid()
        return (y - self.t) ** 2

    def _mlp_loss(self):
        return self.crit(self.model(self.x), self.t)

    def step(self):
        self.opt.zero_grad()
        loss = self.forward_loss()
        loss.backward()
        self.opt.step()
        return loss

    def loss(self):
        with self.lib.no_grad():
            return float(self.forward_loss().item())


FASTGRAD_API = ("nn.Linear", "nn.Sequential", "nn.ReLU", "nn.MSELoss", "nn.CrossEntropyLoss", "nn.Parameter",
                "optim.SGD", "optim.Adam", "functional.linear", "functional.mse_loss",
                "functional.cross_entropy", "from_numpy", "no_grad")


def build(framework, spec, data):
    if framework == "numpy":
        return numpy_model(spec, data)
    C.need(framework)
    if framework == "torch":
        return TorchLike(C.torch, spec, data)
    C.need_fastgrad(*FASTGRAD_API)
    import fastgrad
    import fastgrad.nn  # noqa: F401
    import fastgrad.optim  # noqa: F401
    return TorchLike(fastgrad, spec, data)


_REFERENCE = {}  # (workload, steps) -> numpy's final loss


def reference_loss(name, steps):
    key = (name, steps)
    if key not in _REFERENCE:
        spec, data = make_problem(name)
        m = numpy_model(spec, data)
        for _ in range(steps):
            m.step()
        _REFERENCE[key] = m.loss()
    return _REFERENCE[key]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("name", list(WORKLOADS))
def test_workload(benchmark, name, framework):
    spec, data = make_problem(name)
    model = build(framework, spec, data)
    initial = numpy_model(spec, data).loss()
    benchmark.group = name
    C.tag(benchmark, framework, category="workloads", workload=name)
    rounds, iterations = spec["rounds"]
    steps = C.run_pedantic(benchmark, model.step, rounds=rounds, iterations=iterations,
                           budget=spec.get("budget", 30.0))
    final = model.loss()
    benchmark.extra_info.update(steps=steps, initial_loss=initial, final_loss=final)
    if framework == "numpy":
        _REFERENCE[(name, steps)] = final
        assert np.isfinite(final) and final < initial, f"{name}: numpy did not train ({initial} -> {final})"
    else:
        C.assert_close_loss(f"{name} [{framework}]", final, reference_loss(name, steps), initial)
