"""Python function calls per training step (cProfile) of float32 workloads: a change that must add no
per-op Python overhead keeps these counts (a load-independent measure, unlike time).

    python benchmarks/calls_per_step.py TREE      (TREE: a fastgrad source tree with a built extension)
"""
import cProfile
import os
import pstats
import sys


def cases(fg):
    import numpy as np
    from fastgrad import nn
    import fastgrad.nn.functional as F
    rng = np.random.default_rng(0)

    def mlp(sizes, batch, loss, opt):
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        model = nn.Sequential(*layers[:-1])
        x = fg.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32))
        if loss == "ce":
            y, lf = fg.tensor(rng.integers(0, sizes[-1], batch)), F.cross_entropy
        else:
            y, lf = fg.tensor(rng.standard_normal((batch, sizes[-1])).astype(np.float32)), F.mse_loss
        o = fg.optim.Adam(model.parameters(), lr=1e-3) if opt == "adam" else fg.optim.SGD(model.parameters(), lr=0.01)

        def step():
            o.zero_grad()
            lf(model(x), y).backward()
            o.step()
        return step

    def neuron():
        w, x, t = fg.tensor([0.5], requires_grad=True), fg.tensor([1.5]), fg.tensor([0.8])

        def step():
            w.grad = None
            (((w * x).sigmoid() - t) ** 2).sum().backward()
            with fg.no_grad():
                w.sub_(0.1 * w.grad)
        return step

    def ops():
        a, b = fg.randn(16, 16, requires_grad=True), fg.randn(16, 16)

        def step():
            c = (a * b + b - 1.5).relu().exp().tanh() / 2.0
            (c.sum() + c.mean() + (a @ b).sum() + F.softmax(a, 1).sum() + F.log_softmax(a, 1).max()).backward()
            (a > b).sum()
            a.max(1)
            a.abs().sqrt().log1p().sum()
        return step

    return {"W1 neuron": neuron(), "W2 10-64-64-1 b16 sgd": mlp([10, 64, 64, 1], 16, "mse", "sgd"),
            "W3 784-128-128-10 b32 ce adam": mlp([784, 128, 128, 10], 32, "ce", "adam"), "op mix 16x16": ops()}


def main(tree):
    tree = os.path.abspath(tree)
    sys.path.insert(0, tree)
    import fastgrad as fg
    assert fg.__file__.startswith(tree), f"imported {fg.__file__}, not the tree {tree}"
    fg.set_num_threads(1)
    for name, step in cases(fg).items():
        for _ in range(5):
            step()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(100):
            step()
        prof.disable()
        print(f"{name}: {pstats.Stats(prof).total_calls / 100:.1f} Python calls per step")


if __name__ == "__main__":
    main(sys.argv[1])
