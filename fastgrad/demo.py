"""python -m fastgrad.demo — train an MLP (or, with --model cnn, a small CNN) on the 8x8 handwritten
digits shipped with fastgrad; with --model gpt, a character-level GPT on a Shakespeare excerpt
(fastgrad/demo_gpt.py, which takes its own options: python -m fastgrad.demo --model gpt --help).

An ordinary PyTorch-style training loop (DataLoader, nn.Module, CrossEntropyLoss, Adam or SGD
with momentum) on the UCI "Optical Recognition of Handwritten Digits" test set (1,797 images,
CC BY 4.0; see fastgrad/data/README.md), with a stratified 80/20 split and standardised pixels.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

import fastgrad
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.serialization import save
from fastgrad.utils.data import DataLoader, TensorDataset

__all__ = ["load_digits", "split_standardise", "MLP", "CNN", "main"]

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "digits.csv.gz")


def load_digits(path: str = DATA):
    """(X, y): X float32 (1797, 64) pixel values 0..16, y int64 labels 0..9."""
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    return table[:, :-1].astype(np.float32), table[:, -1].copy()


def split_standardise(X, y, test_fraction: float = 0.2, seed: int = 0):
    """Stratified split (each class split test_fraction / rest, seeded), then standardise with
    the training mean and std (constant pixels keep std 1)."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test.extend(idx[:int(round(test_fraction * len(idx)))].tolist())
    is_test = np.zeros(len(y), bool)
    is_test[test] = True
    Xtr, ytr, Xte, yte = X[~is_test], y[~is_test], X[is_test], y[is_test]
    mu = Xtr.mean(axis=0)
    sd = Xtr.std(axis=0)
    sd[sd < 1e-6] = 1.0
    return (Xtr - mu) / sd, ytr, (Xte - mu) / sd, yte


class MLP(nn.Module):
    """in -> hidden[0] -> ReLU -> ... -> hidden[-1] -> ReLU -> classes."""

    def __init__(self, n_in: int, hidden, n_classes: int):
        super().__init__()
        layers = []
        for h in hidden:
            layers += [nn.Linear(n_in, h), nn.ReLU()]
            n_in = h
        layers.append(nn.Linear(n_in, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    """1x8x8 -> [conv 3x3 -> BatchNorm -> ReLU -> maxpool 2] x 2 (channels c1, c2) -> linear -> classes."""

    def __init__(self, c1: int = 32, c2: int = 64, n_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c2 * 2 * 2, n_classes))

    def forward(self, x):
        return self.classifier(self.features(x.reshape(-1, 1, 8, 8)))


def _accuracy(model, X, y) -> float:
    model.eval()
    with fastgrad.no_grad():
        pred = model(X).argmax(dim=1)
    model.train()
    return float((pred._data == y._data).mean())


def _parser():
    p = argparse.ArgumentParser(prog="python -m fastgrad.demo", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", choices=("mlp", "cnn", "gpt"), default="mlp",
                   help="mlp, or cnn: two conv-BatchNorm-ReLU-maxpool blocks (1x8x8 images) and a linear layer, or "
                        "gpt: a character-level GPT (see --model gpt --help)")
    p.add_argument("--epochs", type=int, default=None, help="passes over the training set (default: 30 mlp, 20 cnn)")
    p.add_argument("--batch-size", type=int, default=64, help="samples per step")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: 1e-3 for adam, 3e-3 for adam with the cnn, 0.05 for sgd)")
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="adam, or sgd with momentum 0.9")
    p.add_argument("--hidden", default=None, help="hidden layer sizes, comma-separated (mlp: 128,64; cnn: the two "
                   "conv blocks' channels, 32,64)")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, initialisation and shuffling")
    p.add_argument("--save", metavar="PATH", help="write the trained model's state_dict here (fastgrad.load reads it)")
    p.add_argument("--plot", metavar="PATH", help="write a PNG of loss and accuracy curves (needs matplotlib)")
    p.add_argument("--quiet", action="store_true", help="print only the final line")
    return p


def main(argv=None) -> dict:
    """Run the demo; returns the final metrics (test_acc, train_acc, loss, seconds, ...)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    gpt = [i for i, a in enumerate(argv) if a == "--model=gpt" or (a == "--model" and argv[i + 1:i + 2] == ["gpt"])]
    if gpt:  # the GPT demo has its own options
        from fastgrad import demo_gpt
        i = gpt[0]
        return demo_gpt.main(argv[:i] + argv[i + (1 if argv[i] == "--model=gpt" else 2):])
    args = _parser().parse_args(argv)
    if args.epochs is None:
        args.epochs = 20 if args.model == "cnn" else 30
    spec = args.hidden if args.hidden is not None else ("32,64" if args.model == "cnn" else "128,64")
    try:
        hidden = [int(h) for h in spec.split(",") if h.strip()]
    except ValueError:
        raise SystemExit(f"--hidden: expected comma-separated integers, got {spec!r}")
    if args.model == "cnn" and len(hidden) != 2:
        raise SystemExit(f"--hidden: the cnn takes two channel counts, got {spec!r}")
    if args.epochs < 1 or args.batch_size < 1 or any(h < 1 for h in hidden):
        raise SystemExit("--epochs, --batch-size and --hidden sizes must be positive")
    lr = args.lr if args.lr is not None else 0.05 if args.optimizer == "sgd" else 3e-3 if args.model == "cnn" else 1e-3
    say = (lambda *a: None) if args.quiet else print

    fastgrad.manual_seed(args.seed)
    X, y = load_digits()
    Xtr, ytr, Xte, yte = split_standardise(X, y, seed=args.seed)
    Xtr, ytr = fastgrad.from_numpy(Xtr), fastgrad.from_numpy(ytr)
    Xte, yte = fastgrad.from_numpy(Xte), fastgrad.from_numpy(yte)
    loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=args.batch_size, shuffle=True,
                        generator=fastgrad.Generator().manual_seed(args.seed))
    model = CNN(hidden[0], hidden[1], 10) if args.model == "cnn" else MLP(X.shape[1], hidden, 10)
    loss_fn = nn.CrossEntropyLoss()
    if args.optimizer == "adam":
        opt = optim.Adam(model.parameters(), lr=lr)
    else:
        opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    n_params = sum(p.numel() for p in model.parameters())
    arch = (f"CNN 1x8x8 -> conv {hidden[0]} -> pool -> conv {hidden[1]} -> pool -> 10" if args.model == "cnn" else
            f"MLP {'-'.join(map(str, [64] + hidden + [10]))}")
    say(f"digits: {len(ytr)} train / {len(yte)} test images, 64 features, 10 classes; {arch} ({n_params:,} "
        f"parameters), {args.optimizer} lr={lr:g}, batch {args.batch_size}")

    history = {"loss": [], "train_acc": [], "test_acc": []}
    t_start = time.perf_counter()
    train_time = 0.0
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        total, seen = 0.0, 0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            seen += len(yb)
        dt = time.perf_counter() - t0
        train_time += dt
        train_acc, test_acc = _accuracy(model, Xtr, ytr), _accuracy(model, Xte, yte)
        history["loss"].append(total / seen)
        history["train_acc"].append(train_acc)
        history["test_acc"].append(test_acc)
        say(f"epoch {epoch:3d}/{args.epochs}  loss {total / seen:.4f}  train acc {100 * train_acc:6.2f}%  "
            f"test acc {100 * test_acc:6.2f}%  {seen / dt:10,.0f} samples/s")
    seconds = time.perf_counter() - t_start
    result = {"test_acc": history["test_acc"][-1], "train_acc": history["train_acc"][-1],
              "loss": history["loss"][-1], "epochs": args.epochs, "seconds": seconds,
              "samples_per_sec": args.epochs * len(ytr) / train_time, "history": history}
    print(f"final test accuracy: {100 * result['test_acc']:.2f}% ({len(yte)} held-out images) after "
          f"{args.epochs} epochs in {seconds:.1f} s")
    if args.save:
        save(model.state_dict(), args.save)
        say(f"saved the state_dict to {args.save}")
    if args.plot:
        result["plot"] = _plot(history, args.plot, say)
    return result


def _plot(history, path, say) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot: matplotlib is not installed, so no plot was written to {path} "
              "(pip install matplotlib to enable it)")
        return False
    epochs = range(1, len(history["loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax1.plot(epochs, history["loss"])
    ax1.set(xlabel="epoch", ylabel="training loss", title="cross-entropy")
    ax2.plot(epochs, [100 * a for a in history["train_acc"]], label="train")
    ax2.plot(epochs, [100 * a for a in history["test_acc"]], label="test")
    ax2.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    say(f"wrote {path}")
    return True


if __name__ == "__main__":
    main(sys.argv[1:])
