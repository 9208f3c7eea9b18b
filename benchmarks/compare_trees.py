"""Before/after timing of two fastgrad source trees, alternating (for changes that must not be slower).

    python benchmarks/compare_trees.py OLD_TREE NEW_TREE [ROUNDS]
    python benchmarks/compare_trees.py --calls TREE     (Python calls per step, by cProfile)

Each tree must hold a built extension (``pip install -e .`` or ``python setup.py build_ext
--inplace`` inside it).  Each round runs this file once per tree in a child process
(``--one TREE``), which prints the median microseconds per case at 1 thread; the table gives the
median over the rounds.  Both trees run in the same minutes, so machine drift hits both alike.
``--calls`` counts the Python function calls per step of the same cases instead: a change that must
add no per-op Python overhead keeps these counts (load-independent, unlike time).
"""
import json
import os
import statistics
import subprocess
import sys
import time


def compare(old: str, new: str, rounds: int) -> None:
    runs = {old: [], new: []}
    for _ in range(rounds):
        for tree in (old, new):
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", tree], check=True,
                                 capture_output=True, text=True, cwd="/").stdout
            runs[tree].append(json.loads(out.splitlines()[-1]))
    print(f"| case (1 thread, median of {rounds} alternating runs) | before µs | after µs | after/before |")
    print("|---|---:|---:|---:|")
    for case in runs[old][0]:
        b = statistics.median(r[case] for r in runs[old])
        a = statistics.median(r[case] for r in runs[new])
        print(f"| {case} | {b:.1f} | {a:.1f} | {a / b:.3f} |")


def cases(fg):
    """name -> (step function, calls per timing)."""
    import numpy as np
    from fastgrad import nn
    import fastgrad.nn.functional as F
    rng = np.random.default_rng(0)

    def randn(*shape):
        return fg.tensor(rng.standard_normal(shape).astype(np.float32))

    def mlp(sizes, batch, loss, opt):
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        model = nn.Sequential(*layers[:-1])
        x = randn(batch, sizes[0])
        if loss == "ce":
            y, loss_fn = fg.tensor(rng.integers(0, sizes[-1], batch)), F.cross_entropy
        else:
            y, loss_fn = randn(batch, sizes[-1]), F.mse_loss
        if opt == "adam":
            optimizer = fg.optim.Adam(model.parameters(), lr=1e-3)
        else:
            optimizer = fg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9 if opt == "momentum" else 0)

        def step():
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        return step

    def neuron():
        w, x, t = fg.tensor([0.5], requires_grad=True), fg.tensor([1.5]), fg.tensor([0.8])

        def step():
            w.grad = None
            (((w * x).sigmoid() - t) ** 2).sum().backward()
            with fg.no_grad():
                w.sub_(0.1 * w.grad)
        return step

    def small_ops():
        a, b = randn(16, 16), randn(16, 16)
        a.requires_grad_(True)

        def step():
            (a * b + b).relu().sum().backward()
        return step

    def add_no_grad():
        a, b = randn(8), randn(8)

        def step():
            a + b
        return step

    return {"add 8 no-grad": (add_no_grad(), 2000), "ops 16x16 fwd+bwd": (small_ops(), 500),
            "W1 neuron": (neuron(), 500), "W2 10-64-64-1 b16 sgd": (mlp([10, 64, 64, 1], 16, "mse", "sgd"), 300),
            "W3 784-128-128-10 b32 sgd": (mlp([784, 128, 128, 10], 32, "mse", "sgd"), 100),
            "W3 784-128-128-10 b32 ce adam": (mlp([784, 128, 128, 10], 32, "ce", "adam"), 100),
            "W4 784-512-512-10 b128 ce momentum": (mlp([784, 512, 512, 10], 128, "ce", "momentum"), 10)}


def time_one(tree: str) -> None:
    sys.path.insert(0, os.path.abspath(tree))
    import fastgrad as fg
    fg.set_num_threads(1)
    out = {}
    for name, (step, n) in cases(fg).items():
        for _ in range(max(3, n // 10)):
            step()
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            times.append((time.perf_counter() - t0) / n * 1e6)
        out[name] = statistics.median(times)
    print(json.dumps(out))


def calls_one(tree: str) -> None:
    import cProfile
    import pstats
    sys.path.insert(0, os.path.abspath(tree))
    import fastgrad as fg
    fg.set_num_threads(1)
    for name, (step, _) in cases(fg).items():
        for _ in range(5):
            step()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(100):
            step()
        prof.disable()
        print(f"{name}: {pstats.Stats(prof).total_calls / 100:.1f} Python calls per step")


if __name__ == "__main__":
    if sys.argv[1] == "--one":
        time_one(sys.argv[2])
    elif sys.argv[1] == "--calls":
        calls_one(sys.argv[2])
    else:
        rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 4
        compare(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), rounds)
