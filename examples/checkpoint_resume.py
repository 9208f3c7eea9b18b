"""Save a checkpoint mid-training and resume from it: the resumed run matches an
uninterrupted one exactly (model, optimizer state, scheduler and RNG position).

Run: python examples/checkpoint_resume.py [--dir DIR]
"""
import argparse
import os
import tempfile

import numpy as np

import fastgrad as torch
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.serialization import load, save


def make():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))
    opt = optim.AdamW(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    return model, opt, sched


def train(model, opt, sched, data, steps):
    x, y = data
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
    return loss.item()


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", default=None, help="where to write the checkpoint (default: a temp dir)")
    args = p.parse_args(argv)
    data = (torch.randn(128, 8, generator=torch.Generator().manual_seed(1)),
            torch.randn(128, 1, generator=torch.Generator().manual_seed(2)))

    torch.manual_seed(0)
    ref_model, ref_opt, ref_sched = make()
    train(ref_model, ref_opt, ref_sched, data, 40)

    torch.manual_seed(0)
    model, opt, sched = make()
    train(model, opt, sched, data, 20)
    tmp = args.dir or tempfile.mkdtemp()
    path = os.path.join(tmp, "checkpoint.fg")
    save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
          "epoch": 20, "rng": torch.random.default_generator.get_state()}, path)
    print(f"saved {path} ({os.path.getsize(path):,} bytes) after 20 steps")

    del model, opt, sched  # ... a new process would start here ...
    ckpt = load(path)
    model, opt, sched = make()
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    torch.random.default_generator.set_state(ckpt["rng"])
    loss = train(model, opt, sched, data, 40 - ckpt["epoch"])

    diff = max(float(np.abs(a.detach().numpy() - b.detach().numpy()).max())
               for a, b in zip(model.parameters(), ref_model.parameters()))
    print(f"resumed at step {ckpt['epoch']}, final loss {loss:.4f}; difference from the "
          f"uninterrupted run: {diff:.1e}")
    return diff


if __name__ == "__main__":
    main()
