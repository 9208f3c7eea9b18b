"""Regression with MSE and SGD + momentum: fit y = sin(3x) + noise with a small MLP.

Run: python examples/regression_sgd_momentum.py [--steps N]
The training loop is the PyTorch one with ``torch`` replaced by ``fastgrad``.
"""
import argparse

import numpy as np

import fastgrad as torch  # the only change a PyTorch script needs
import fastgrad.nn as nn
import fastgrad.optim as optim


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=600)
    args = p.parse_args(argv)

    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 256).reshape(-1, 1)
    y = torch.from_numpy(np.sin(3 * x.numpy())) + 0.05 * torch.randn(256, 1)

    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    loss_fn = nn.MSELoss()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=max(1, args.steps // 3), gamma=0.5)

    for step in range(1, args.steps + 1):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        if step % max(1, args.steps // 5) == 0:
            print(f"step {step:4d}  mse {loss.item():.5f}  lr {sched.get_last_lr()[0]:.4f}")
    with torch.no_grad():
        final = loss_fn(model(x), y).item()
    print(f"final mse {final:.5f} (noise floor 0.0025)")
    return final


if __name__ == "__main__":
    main()
