"""Smoke test of an installed fastgrad, run from outside the source tree (CI, cibuildwheel, qemu).

    python .ci/smoke.py [SOURCE_ROOT]

Checks that fastgrad was imported from an installation (not from SOURCE_ROOT), then trains a small
MLP with SGD-momentum, runs gradcheck, and round-trips a state_dict through save/load.
"""
import os
import sys
import tempfile

import fastgrad as fg
import fastgrad.functional as F
import fastgrad.nn as nn
import fastgrad.optim as optim

where = os.path.realpath(fg.__file__)
if len(sys.argv) > 1:
    root = os.path.realpath(sys.argv[1])
    assert not where.startswith(root + os.sep), f"imported from the source tree: {where}"
assert "site-packages" in where, f"not an installed fastgrad: {where}"
print("fastgrad", fg.__version__, "from", os.path.dirname(where), fg.backend_info())

fg.manual_seed(0)
x = fg.randn(64, 10)
y = (x[:, :1] * 2 - x[:, 1:2]).detach()
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
first = None
for _ in range(100):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    first = first if first is not None else loss.item()
assert loss.item() < 0.2 * first, (first, loss.item())
w = fg.randn(3, dtype=fg.float64, requires_grad=True)
assert fg.autograd.gradcheck(lambda t: (t.sigmoid() * t).sum(), (w,))
a, b = fg.randn(37, 129, requires_grad=True), fg.randn(129, 65, requires_grad=True)
(a @ b).tanh().sum().backward()
assert a.grad.shape == a.shape and b.grad.shape == b.shape
path = os.path.join(tempfile.mkdtemp(), "m.fg")
fg.save(model.state_dict(), path)
model.load_state_dict(fg.load(path))
print(f"smoke test ok: mse {first:.3f} -> {loss.item():.4f}")
