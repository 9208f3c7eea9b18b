"""CNN rows: fastgrad beside torch (numpy has no convolution to compare with).

* "C1 lenet5 b64 28x28 sgd-momentum": conv 6@5x5 -> relu -> maxpool 2 -> conv 16@5x5 -> relu ->
  maxpool 2 -> 256-120-84-10, cross-entropy, SGD momentum 0.9; one full train step.
* "C2 conv2d 3x3 64->64 32x32 b16 fwd+bwd": F.conv2d (padding 1) forward, then backward of the
  sum of its output (gradients of input, weight and bias).
* "C4 depthwise conv2d 3x3 64ch 32x32 b32 fwd+bwd": the same with groups = channels (MobileNet's
  depthwise layer; fastgrad's own kernel in csrc/conv_direct.c).
* "C5 conv3d 3x3x3 8->16 16x32x32 b4 fwd+bwd": F.conv3d (padding 1) forward and backward of the sum;
  fastgrad composes it from one conv2d over the depth taps stacked along the channels.

Both frameworks start from the same weights and data; the C1 rows check that the loss after the
timed steps agrees with a fresh torch run of as many steps (when torch is installed).
Run: python -m pytest benchmarks/bench_conv.py -q (FASTGRAD_BENCH_THREADS=1 for one thread).
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import QUICK  # noqa: E402

LENET_BATCH = 16 if QUICK else 64
CONV = (4, 16, 16, 8) if QUICK else (16, 64, 64, 32)  # batch, in, out, size
CONV3D = (2, 4, 8, 8, 8) if QUICK else (4, 8, 16, 16, 32)  # batch, in, out, depth, height = width
DEPTHWISE = (4, 16, 8) if QUICK else (32, 64, 32)     # batch, channels, size


def _lenet_init():
    rng = C.rng(5)
    shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 256), (120,), (84, 120), (84,), (10, 84), (10,)]
    params = []
    for s in shapes:
        fan_in = int(np.prod(params[-1].shape[1:])) if len(s) == 1 else int(np.prod(s[1:]))
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, s).astype(np.float32))
    x = rng.standard_normal((LENET_BATCH, 1, 28, 28), dtype=np.float32)
    t = rng.integers(0, 10, LENET_BATCH).astype(np.int64)
    return params, x, t


def _lenet(lib, params):
    nn = lib.nn
    m = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    m.load_state_dict({k: lib.tensor(v) for k, v in zip(m.state_dict(), params)})
    return m


class LeNetStep:
    def __init__(self, framework, steps_done=0):
        lib = C.torch if framework == "torch" else C.fastgrad
        params, x, t = _lenet_init()
        self.model = _lenet(lib, params)
        self.x, self.t = lib.tensor(x), lib.tensor(t)
        self.loss_fn = lib.nn.CrossEntropyLoss()
        self.opt = lib.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.last = None

    def step(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.t)
        loss.backward()
        self.opt.step()
        self.last = loss

    def loss(self):
        return float(self.loss_fn(self.model(self.x), self.t).detach().numpy())


@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_lenet5_train_step(benchmark, framework):
    C.need(framework)
    name = "C1 lenet5 b%d 28x28 sgd-momentum" % LENET_BATCH
    benchmark.group = name
    C.tag(benchmark, framework, category="cnn", workload=name)
    model = LeNetStep(framework)
    initial = model.loss()
    steps = C.run_pedantic(benchmark, model.step, rounds=100, iterations=1)
    final = model.loss()
    benchmark.extra_info.update(steps=steps, initial_loss=initial, final_loss=final)
    assert np.isfinite(final) and final < initial
    if framework == "fastgrad" and C.torch is not None:
        ref = LeNetStep("torch")
        for _ in range(steps):
            ref.step()
        C.assert_close_loss(f"{name} [fastgrad]", final, ref.loss(), initial, rtol=2e-2)


@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_conv2d_3x3_fwd_bwd(benchmark, framework):
    C.need(framework)
    n, cin, cout, hw = CONV
    name = "C2 conv2d 3x3 %d->%d %dx%d b%d fwd+bwd" % (cin, cout, hw, hw, n)
    benchmark.group = name
    C.tag(benchmark, framework, category="cnn", workload=name, flops=3 * 2 * n * cout * cin * 9 * hw * hw)
    rng = C.rng(11)
    x0 = rng.standard_normal((n, cin, hw, hw), dtype=np.float32)
    w0 = (rng.standard_normal((cout, cin, 3, 3), dtype=np.float32) * 0.05).astype(np.float32)
    b0 = np.zeros(cout, np.float32)
    lib = C.torch if framework == "torch" else C.fastgrad
    F = lib.nn.functional
    x, w, b = (lib.tensor(a, requires_grad=True) for a in (x0, w0, b0))

    def step():
        for p in (x, w, b):
            p.grad = None
        F.conv2d(x, w, b, padding=1).sum().backward()

    C.run_pedantic(benchmark, step, rounds=30, iterations=1)
    assert np.isfinite(float(w.grad.sum()))


@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_depthwise_conv2d_3x3_fwd_bwd(benchmark, framework):
    C.need(framework)
    n, ch, hw = DEPTHWISE
    name = "C4 depthwise conv2d 3x3 %dch %dx%d b%d fwd+bwd" % (ch, hw, hw, n)
    benchmark.group = name
    C.tag(benchmark, framework, category="cnn", workload=name, flops=3 * 2 * n * ch * 9 * hw * hw)
    rng = C.rng(13)
    x0 = rng.standard_normal((n, ch, hw, hw), dtype=np.float32)
    w0 = (rng.standard_normal((ch, 1, 3, 3), dtype=np.float32) * 0.3).astype(np.float32)
    b0 = np.zeros(ch, np.float32)
    lib = C.torch if framework == "torch" else C.fastgrad
    F = lib.nn.functional
    x, w, b = (lib.tensor(a, requires_grad=True) for a in (x0, w0, b0))

    def step():
        for p in (x, w, b):
            p.grad = None
        F.conv2d(x, w, b, padding=1, groups=ch).sum().backward()

    C.run_pedantic(benchmark, step, rounds=30, iterations=1)
    assert np.isfinite(float(w.grad.sum()))


@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_conv3d_3x3x3_fwd_bwd(benchmark, framework):
    C.need(framework)
    n, cin, cout, d, hw = CONV3D
    name = "C5 conv3d 3x3x3 %d->%d %dx%dx%d b%d fwd+bwd" % (cin, cout, d, hw, hw, n)
    benchmark.group = name
    C.tag(benchmark, framework, category="cnn", workload=name, flops=3 * 2 * n * cout * cin * 27 * d * hw * hw)
    rng = C.rng(19)
    x0 = rng.standard_normal((n, cin, d, hw, hw), dtype=np.float32)
    w0 = (rng.standard_normal((cout, cin, 3, 3, 3), dtype=np.float32) * 0.05).astype(np.float32)
    b0 = np.zeros(cout, np.float32)
    lib = C.torch if framework == "torch" else C.fastgrad
    F = lib.nn.functional
    x, w, b = (lib.tensor(a, requires_grad=True) for a in (x0, w0, b0))

    def step():
        for p in (x, w, b):
            p.grad = None
        F.conv3d(x, w, b, padding=1).sum().backward()

    C.run_pedantic(benchmark, step, rounds=20, iterations=1)
    assert np.isfinite(float(w.grad.sum()))


RESNET_BATCH, RESNET_HW = (4, 16) if QUICK else (32, 32)


def resnet(lib):
    """3 stages x 2 basic blocks (16/32/64 channels, BatchNorm), global average pool, 10 classes."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.short = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                          if stride != 1 or cin != cout else nn.Identity())

        def forward(self, x):
            y = self.bn1(self.conv1(x)).relu()
            return (self.bn2(self.conv2(y)) + self.short(x)).relu()

    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


class ResNetStep:
    """One Adam step of the ResNet stack on a fixed batch, from weights drawn with numpy (the same
    for both frameworks: the state_dict keys and shapes are torch's)."""

    def __init__(self, framework):
        lib = C.torch if framework == "torch" else C.fastgrad
        self.model = resnet(lib)
        rng = C.rng(17)
        state = {}
        for k, v in self.model.state_dict().items():
            shape = tuple(v.shape)
            if k.endswith("num_batches_tracked"):
                state[k] = lib.tensor(0)
            elif "running_var" in k or (k.endswith("weight") and len(shape) == 1):
                state[k] = lib.tensor(np.ones(shape, np.float32))
            elif "running_mean" in k or k.endswith("bias"):
                state[k] = lib.tensor(np.zeros(shape, np.float32))
            else:
                bound = 1 / np.sqrt(np.prod(shape[1:]))
                state[k] = lib.tensor(rng.uniform(-bound, bound, shape).astype(np.float32))
        self.model.load_state_dict(state)
        self.x = lib.tensor(rng.standard_normal((RESNET_BATCH, 3, RESNET_HW, RESNET_HW), dtype=np.float32))
        self.t = lib.tensor(rng.integers(0, 10, RESNET_BATCH).astype(np.int64))
        self.loss_fn = lib.nn.CrossEntropyLoss()
        self.opt = lib.optim.Adam(self.model.parameters(), lr=1e-3)

    def step(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.t)
        loss.backward()
        self.opt.step()
        return loss

    def loss(self):
        self.model.eval()
        lib = C.torch if type(self.x).__module__.startswith("torch") else C.fastgrad
        with lib.no_grad():
            value = float(self.loss_fn(self.model(self.x), self.t).item())
        self.model.train()
        return value


@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_resnet_train_step(benchmark, framework):
    C.need(framework)
    name = "C3 resnet 3x2 blocks 16/32/64 %dx%d b%d adam" % (RESNET_HW, RESNET_HW, RESNET_BATCH)
    benchmark.group = name
    C.tag(benchmark, framework, category="cnn", workload=name)
    model = ResNetStep(framework)
    initial = model.loss()
    steps = C.run_pedantic(benchmark, model.step, rounds=20, iterations=1)
    final = model.loss()
    benchmark.extra_info.update(steps=steps, initial_loss=initial, final_loss=final)
    assert np.isfinite(final)
    if framework == "fastgrad" and C.torch is not None:
        ref = ResNetStep("torch")
        for _ in range(steps):
            ref.step()
        C.assert_close_loss(f"{name} [fastgrad]", final, ref.loss(), initial, rtol=2e-2)
