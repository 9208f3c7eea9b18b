"""Kernel-level benchmarks: activations, losses, optimizer steps, per-op overhead.

Each group holds a fastgrad, a numpy and (when installed) a torch row on the same arrays.
"fwd" rows run the op on a tensor that does not require grad; "fwd+bwd" rows run the op on a
tensor that requires grad, then its backward with a given upstream gradient (numpy: the
hand-written derivative).  Results are checked against numpy once per row, outside the timing.
"""
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import QUICK, FRAMEWORKS  # noqa: E402

try:
    from scipy.special import erf as _erf
except ImportError:  # numpy has no erf: the numpy gelu rows need scipy
    _erf = None

ACT_SIZES = [1_000, 1_000_000, 16_000_000] if not QUICK else [1_000, 100_000]
ACTIVATIONS = ["relu", "sigmoid", "tanh", "gelu"]


def _rounds(n):
    """(rounds, iterations): about the same wall time per row whatever the size."""
    if n <= 10_000:
        return 200, 50
    if n <= 2_000_000:
        return 50, 1
    return 10, 1


def fastgrad_mod():
    import fastgrad
    return fastgrad


# -- activations ------------------------------------------------------------------------------
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def np_act(name, x):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        y = np.negative(x)
        np.exp(y, out=y)
        y += 1
        return np.reciprocal(y, out=y)
    if name == "tanh":
        return np.tanh(x)
    y = _erf(x * np.float32(_SQRT1_2))
    y += 1
    y *= x
    y *= np.float32(0.5)
    return y


def np_act_bwd(name, x, y, dy):
    if name == "relu":
        return np.where(x > 0, dy, np.float32(0))
    if name == "sigmoid":
        return dy * y * (1 - y)
    if name == "tanh":
        return dy * (1 - y * y)
    cdf = _erf(x * np.float32(_SQRT1_2))
    cdf += 1
    cdf *= np.float32(0.5)
    pdf = np.exp(x * x * np.float32(-0.5)) * np.float32(_INV_SQRT_2PI)
    pdf *= x
    pdf += cdf
    pdf *= dy
    return pdf


def act_fn(framework, name):
    if framework == "torch":
        return getattr(C.torch.nn.functional, name) if name == "gelu" else getattr(C.torch, name)
    F = fastgrad_mod().nn.functional
    return getattr(F, name)


def to_fw(framework, a, requires_grad=False):
    if framework == "torch":
        t = C.torch.from_numpy(a.copy())
    else:
        t = fastgrad_mod().from_numpy(a.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def _need(framework, *fastgrad_names):
    if framework == "fastgrad":
        C.need_fastgrad(*fastgrad_names)
    else:
        C.need(framework)


def _check(got, want, what, rtol=1e-4, atol=1e-5):
    got = got.detach().numpy() if hasattr(got, "detach") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("n", ACT_SIZES)
@pytest.mark.parametrize("direction", ["fwd", "fwd+bwd"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation(benchmark, name, direction, n, framework):
    if framework == "numpy" and name == "gelu" and _erf is None:
        pytest.skip("numpy gelu needs scipy.special.erf")
    _need(framework, "nn.functional." + name)
    rng = C.rng(n)
    x = rng.standard_normal(n, dtype=np.float32) * np.float32(3)
    dy = rng.standard_normal(n, dtype=np.float32)
    want_y = np_act(name, x) if _erf is not None or name != "gelu" else None
    want_dx = np_act_bwd(name, x, want_y, dy) if want_y is not None else None
    benchmark.group = f"{name} {direction} n={n:.2g}".replace("e+0", "e").replace("e+", "e")
    C.tag(benchmark, framework, category="activations", n=n)
    rounds, iterations = _rounds(n)
    if framework == "numpy":
        if direction == "fwd":
            fn = lambda: np_act(name, x)  # noqa: E731
        else:
            def fn():
                y = np_act(name, x)
                return np_act_bwd(name, x, y, dy)
    else:
        f = act_fn(framework, name)
        if direction == "fwd":
            xt = to_fw(framework, x)
            fn = lambda: f(xt)  # noqa: E731
            if want_y is not None:
                _check(fn(), want_y, f"{framework} {name} forward")
        else:
            xt = to_fw(framework, x, requires_grad=True)
            dyt = to_fw(framework, dy)

            def fn():
                xt.grad = None
                f(xt).backward(dyt)
                return xt.grad
            if want_dx is not None:
                _check(fn(), want_dx, f"{framework} {name} backward")
    C.run_pedantic(benchmark, fn, rounds=rounds, iterations=iterations)


# -- losses -------------------------------------------------------------------------------------
LOSS_SHAPES = {"small": (32, 10), "large": (4096, 1000)} if not QUICK else {"small": (32, 10), "large": (256, 100)}


def np_loss(kind, x, t):
    """(loss, dx) of mean MSE or mean cross-entropy with class indices."""
    if kind == "mse":
        d = x - t
        loss = np.mean(d * d)
        d *= 2.0 / d.size
        return loss, d
    rows = np.arange(len(x))
    m = x.max(axis=1, keepdims=True)
    e = np.exp(x - m)
    s = e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(s[:, 0]) + m[:, 0] - x[rows, t])
    e /= s
    e[rows, t] -= 1.0
    e *= 1.0 / len(x)
    return loss, e


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("size", list(LOSS_SHAPES))
@pytest.mark.parametrize("kind", ["mse", "cross_entropy"])
def test_loss(benchmark, kind, size, framework):
    _need(framework, "nn.functional." + ("mse_loss" if kind == "mse" else "cross_entropy"))
    shape = LOSS_SHAPES[size]
    rng = C.rng(1)
    x = rng.standard_normal(shape, dtype=np.float32)
    t = rng.standard_normal(shape, dtype=np.float32) if kind == "mse" else \
        rng.integers(0, shape[1], shape[0]).astype(np.int64)
    benchmark.group = f"{kind} fwd+bwd {shape[0]}x{shape[1]}"
    C.tag(benchmark, framework, category="losses", shape=list(shape))
    want_loss, want_dx = np_loss("mse" if kind == "mse" else "ce", x, t)
    rounds, iterations = _rounds(x.size)
    if framework == "numpy":
        fn = lambda: np_loss("mse" if kind == "mse" else "ce", x, t)  # noqa: E731
    else:
        mod = C.torch.nn.functional if framework == "torch" else fastgrad_mod().nn.functional
        f = mod.mse_loss if kind == "mse" else mod.cross_entropy
        xt = to_fw(framework, x, requires_grad=True)
        tt = to_fw(framework, t)

        def fn():
            xt.grad = None
            loss = f(xt, tt)
            loss.backward()
            return loss
        loss = fn()
        _check(loss, want_loss, f"{framework} {kind} loss")
        _check(xt.grad, want_dx, f"{framework} {kind} gradient", atol=1e-7)
    C.run_pedantic(benchmark, fn, rounds=rounds, iterations=iterations)


# -- optimizer steps over the parameters of the W3 and W4 models ---------------------------------
OPT_MODELS = {"W3 params": [784, 128, 128, 10], "W4 params": [784, 512, 512, 10]}


def _param_arrays(sizes, seed):
    rng = C.rng(seed)
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        out.append(rng.standard_normal((fan_out, fan_in), dtype=np.float32) * np.float32(0.05))
        out.append(rng.standard_normal(fan_out, dtype=np.float32) * np.float32(0.05))
    return out


class NumpyOpt:
    """Hand-written SGD-momentum (torch's: buf = g first, then mu buf + g) and Adam."""

    def __init__(self, kind, params, grads, lr):
        self.kind, self.params, self.grads, self.lr, self.t = kind, params, grads, lr, 0
        self.a = [None] * len(params)
        self.b = [np.zeros_like(p) for p in params]
        if kind == "adam":
            self.a = [np.zeros_like(p) for p in params]

    def step(self):
        self.t += 1
        for k, (p, g) in enumerate(zip(self.params, self.grads)):
            if self.kind == "sgd-momentum":
                buf = self.a[k]
                if buf is None:
                    self.a[k] = buf = g.copy()
                else:
                    buf *= 0.9
                    buf += g
                p -= self.lr * buf
            else:
                m, v, t = self.a[k], self.b[k], self.t
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * (g * g)
                denom = np.sqrt(v)
                denom *= 1.0 / math.sqrt(1 - 0.999 ** t)
                denom += 1e-8
                p -= (self.lr / (1 - 0.9 ** t)) * (m / denom)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("model", list(OPT_MODELS))
@pytest.mark.parametrize("kind", ["sgd-momentum", "adam"])
def test_optimizer_step(benchmark, kind, model, framework):
    _need(framework, "optim.SGD", "optim.Adam", "nn.Parameter")
    params0 = _param_arrays(OPT_MODELS[model], 2)
    grads = _param_arrays(OPT_MODELS[model], 3)
    lr = 1e-3
    benchmark.group = f"{kind} step {model} ({sum(p.size for p in params0):,} floats)"
    C.tag(benchmark, framework, category="optimizers", params=int(sum(p.size for p in params0)))
    rounds, iterations = (200, 5) if model == "W3 params" else (100, 1)
    if framework == "numpy":
        opt = NumpyOpt(kind, [p.copy() for p in params0], grads, lr)
        fn, params = opt.step, opt.params
    else:
        lib = C.torch if framework == "torch" else fastgrad_mod()
        import importlib
        importlib.import_module(lib.__name__ + ".optim")
        params = [lib.nn.Parameter(lib.from_numpy(p.copy())) for p in params0]
        for p, g in zip(params, grads):
            p.grad = lib.from_numpy(g.copy())
        opt = lib.optim.SGD(params, lr=lr, momentum=0.9) if kind == "sgd-momentum" else \
            lib.optim.Adam(params, lr=lr)
        fn = opt.step
    steps = C.run_pedantic(benchmark, fn, rounds=rounds, iterations=iterations)
    if framework != "numpy":  # same parameters as numpy after the same number of steps
        ref = NumpyOpt(kind, [p.copy() for p in params0], grads, lr)
        for _ in range(steps):
            ref.step()
        for got, want in zip(params, ref.params):
            np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-4, atol=1e-5)


# -- per-op overhead: one op and its backward on tiny tensors ------------------------------------
OVERHEAD_SHAPES = {"1 element": (1,), "16x16": (16, 16)}


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("shape", list(OVERHEAD_SHAPES))
@pytest.mark.parametrize("op", ["mul", "relu"])
def test_op_overhead(benchmark, op, shape, framework):
    _need(framework, "nn.functional.relu")
    rng = C.rng(4)
    shp = OVERHEAD_SHAPES[shape]
    a = rng.standard_normal(shp, dtype=np.float32)
    b = rng.standard_normal(shp, dtype=np.float32)
    g = rng.standard_normal(shp, dtype=np.float32)
    benchmark.group = f"overhead {op} fwd+bwd {shape}"
    C.tag(benchmark, framework, category="overhead")
    if framework == "numpy":
        if op == "mul":
            def fn():
                y = a * b
                return y, g * b, g * a
        else:
            def fn():
                y = np.maximum(a, 0)
                return y, np.where(a > 0, g, np.float32(0))
    else:
        at = to_fw(framework, a, requires_grad=True)
        bt = to_fw(framework, b, requires_grad=True)
        gt = to_fw(framework, g)
        if op == "mul":
            def fn():
                at.grad = None
                bt.grad = None
                (at * bt).backward(gt)
        else:
            def fn():
                at.grad = None
                at.relu().backward(gt)
        fn()
        _check(at.grad, g * b if op == "mul" else np.where(a > 0, g, 0), f"{framework} {op} gradient")
    C.run_pedantic(benchmark, fn, rounds=200, iterations=100)
