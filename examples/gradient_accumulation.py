"""Gradient accumulation: four micro-batches of 16 give the same update as one batch of 64.

Run: python examples/gradient_accumulation.py
Gradients add up in ``.grad`` across backward() calls until zero_grad(); dividing each
micro-batch loss by the number of micro-batches makes the sum equal the big-batch mean.
"""
import copy

import numpy as np

import fastgrad as torch
import fastgrad.nn as nn
import fastgrad.optim as optim


def main(argv=None) -> float:
    torch.manual_seed(0)
    x = torch.randn(64, 10)
    y = torch.randint(0, 3, (64,))
    big = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
    small = copy.deepcopy(big)
    loss_fn = nn.CrossEntropyLoss()
    opt_big = optim.SGD(big.parameters(), lr=0.1, momentum=0.9)
    opt_small = optim.SGD(small.parameters(), lr=0.1, momentum=0.9)
    accum = 4

    for step in range(5):
        opt_big.zero_grad()
        loss_fn(big(x), y).backward()
        opt_big.step()

        opt_small.zero_grad()
        for xb, yb in zip(x.split(16), y.split(16)):
            (loss_fn(small(xb), yb) / accum).backward()  # accumulates into .grad
        opt_small.step()

    diff = max(float(np.abs(a.detach().numpy() - b.detach().numpy()).max())
               for a, b in zip(big.parameters(), small.parameters()))
    print(f"largest parameter difference after 5 steps: {diff:.2e}")
    return diff


if __name__ == "__main__":
    main()
