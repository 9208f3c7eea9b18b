"""A classifier written as a custom nn.Module subclass, trained with Adam on the bundled digits.

Run: python examples/classifier_custom_module.py [--epochs N]
Shows: a Module with its own forward (residual block, dropout, LayerNorm), DataLoader
shuffling, train()/eval() modes, no_grad evaluation and a cosine learning-rate schedule.
"""
import argparse

import fastgrad as torch
import fastgrad.nn as nn
import fastgrad.nn.functional as F
import fastgrad.optim as optim
from fastgrad.demo import load_digits, split_standardise
from fastgrad.utils.data import DataLoader, TensorDataset


class ResidualMLP(nn.Module):
    def __init__(self, n_in: int, width: int, n_classes: int, p_drop: float = 0.1):
        super().__init__()
        self.inp = nn.Linear(n_in, width)
        self.block = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU(), nn.Dropout(p_drop))
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        h = F.relu(self.inp(x))
        h = h + self.block(h)  # residual connection
        return self.head(h)


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=15)
    args = p.parse_args(argv)

    torch.manual_seed(0)
    Xtr, ytr, Xte, yte = split_standardise(*load_digits(), seed=0)
    train = DataLoader(TensorDataset(torch.from_numpy(Xtr), torch.from_numpy(ytr)), batch_size=32, shuffle=True)
    Xte, yte = torch.from_numpy(Xte), torch.from_numpy(yte)

    model = ResidualMLP(64, 96, 10)
    print(model)
    opt = optim.Adam(model.parameters(), lr=2e-3)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(1, args.epochs + 1):
        model.train()
        for xb, yb in train:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = (model(Xte).argmax(dim=1) == yte).float().mean().item()
        print(f"epoch {epoch:2d}  last loss {loss.item():.4f}  test acc {100 * acc:.2f}%")
    return acc


if __name__ == "__main__":
    main()
