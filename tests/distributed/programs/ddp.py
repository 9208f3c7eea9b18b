"""DDP checks, run under mpiexec -n 2 / -n 3 by tests/distributed/test_ddp.py; prints "OK <name>" per check."""
import numpy as np

import fastgrad
import fastgrad.distributed as dist
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
RANK, WORLD = dist.get_rank(), dist.get_world_size()


def ok(name):
    dist.barrier()
    if RANK == 0:
        print("OK", name, flush=True)


class Net(nn.Module):
    def __init__(self, n_in=6, hidden=8, n_out=3, unused=False, shared=False):
        super().__init__()
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, n_out)
        self.shared = shared
        if unused:
            self.extra = nn.Linear(hidden, n_out)
        self.register_buffer("scale", fastgrad.ones(1))

    def forward(self, x):
        h = self.fc1(x).relu()
        h = self.fc2(h).tanh()
        if self.shared:
            h = self.fc2(h).tanh()  # the same weights used twice
        return self.out(h) * self.scale


def make(dtype, seed=0, **kw):
    fastgrad.manual_seed(seed)
    return Net(**kw).to(dtype)


def data(dtype, step, per_rank=4, n_in=6):
    rng = np.random.default_rng(step)
    X = rng.standard_normal((per_rank * WORLD, n_in)).astype(dtype)
    y = rng.integers(0, 3, per_rank * WORLD)
    return fastgrad.from_numpy(X), fastgrad.from_numpy(y)


def mine(t, per_rank=4):
    return t[RANK * per_rank:(RANK + 1) * per_rank]


def same_on_all_ranks(model):
    for p in model.parameters():
        rows = [None] * WORLD
        dist.all_gather_object(rows, p._data.tobytes())
        assert all(r == rows[0] for r in rows), "parameters differ across ranks"


def close(a, b, rtol):
    for (n, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_allclose(p._data, q._data, rtol=rtol, atol=rtol * 1e-2, err_msg=n)


def make_opt(kind, params):
    return optim.SGD(params, lr=0.05, momentum=0.9) if kind == "sgd" else optim.Adam(params, lr=1e-2)


loss_fn = nn.CrossEntropyLoss()

# -- training equals single-process training on the concatenated batch --------------------------
for dtype, steps, rtol in ((fastgrad.float64, 10, 1e-10), (fastgrad.float32, 20, 1e-4)):
    for kind in ("sgd", "adam"):
        for kw in ({}, {"shared": True}):
            model = make(dtype, seed=RANK, **kw)  # different on each rank: DDP broadcasts rank 0's
            ref = make(dtype, seed=0, **kw)
            ddp = DDP(model, bucket_cap_mb=0.0005)  # tiny buckets: many all-reduces per backward
            opt, ref_opt = make_opt(kind, ddp.parameters()), make_opt(kind, ref.parameters())
            for step in range(steps):
                X, y = data(np.float64 if dtype is fastgrad.float64 else np.float32, step)
                opt.zero_grad()
                loss_fn(ddp(mine(X)), mine(y)).backward()
                opt.step()
                ref_opt.zero_grad()
                loss_fn(ref(X), y).backward()
                ref_opt.step()
            same_on_all_ranks(model)
            close(model, ref, rtol)
            ok(f"train {str(dtype).replace('fastgrad.', '')} {kind} {'shared' if kw else 'plain'}")

# -- no_sync: two local accumulations, then a synchronised one -----------------------------------
model, ref = make(fastgrad.float64, seed=RANK), make(fastgrad.float64)
ddp = DDP(model)
for step in range(3):
    X, y = data(np.float64, step)
    if step < 2:
        with ddp.no_sync():
            loss_fn(ddp(mine(X)), mine(y)).backward()
        g_local = model.fc1.weight.grad._data.copy()
        rows = [None] * WORLD
        dist.all_gather_object(rows, g_local.tobytes())
        assert WORLD == 1 or any(r != rows[0] for r in rows), "no_sync still averaged"
    else:
        loss_fn(ddp(mine(X)), mine(y)).backward()
    loss_fn(ref(X), y).backward()
same_on_all_ranks(model)
for p, q in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.grad._data, q.grad._data, rtol=1e-10, atol=1e-14)
ok("no_sync")

# -- a parameter that gets no gradient -----------------------------------------------------------
model, ref = make(fastgrad.float64, unused=True), make(fastgrad.float64, unused=True)
ddp = DDP(model, find_unused_parameters=True)
opt, ref_opt = make_opt("sgd", ddp.parameters()), make_opt("sgd", ref.parameters())
for step in range(3):
    X, y = data(np.float64, step)
    opt.zero_grad()
    loss_fn(ddp(mine(X)), mine(y)).backward()
    opt.step()
    ref_opt.zero_grad()
    loss_fn(ref(X), y).backward()
    ref_opt.step()
assert model.extra.weight.grad is None  # unused on every rank: left alone, as torch
same_on_all_ranks(model)
close(model, ref, 1e-10)
ok("find_unused_parameters=True")


class RankBranch(Net):
    def forward(self, x):  # fc2 is used on rank 0 only
        h = self.fc1(x).relu()
        if RANK == 0:
            h = self.fc2(h).tanh()
        return self.out(h)


fastgrad.manual_seed(0)
model = RankBranch()
ddp = DDP(model, find_unused_parameters=True)
X, y = data(np.float32, 0)
loss_fn(ddp(mine(X)), mine(y)).backward()
g = model.fc2.weight.grad
assert g is not None  # used on rank 0: every rank gets the average (rank 0's gradient / world)
rows = [None] * WORLD
dist.all_gather_object(rows, g._data.tobytes())
assert all(r == rows[0] for r in rows)
ok("find_unused_parameters=True, used on one rank only")

model = make(fastgrad.float64, unused=True)
ddp = DDP(model)  # find_unused_parameters=False
X, y = data(np.float64, 0)
loss_fn(ddp(mine(X)), mine(y)).backward()
try:
    ddp(mine(X))
except RuntimeError as e:
    assert "Expected to have finished reduction in the prior iteration" in str(e), e
    assert "find_unused_parameters=True" in str(e)
else:
    raise AssertionError("an unused parameter with find_unused_parameters=False did not raise")
ok("find_unused_parameters=False raises on the next forward")

model = make(fastgrad.float64)
ddp = DDP(model)
X, y = data(np.float64, 0)
try:  # a parameter used outside forward (a penalty in the loss) is refused, never averaged wrongly
    (loss_fn(ddp(mine(X)), mine(y)) + (model.fc1.weight ** 2).sum()).backward()
except RuntimeError as e:
    assert "outside" in str(e), e
else:
    raise AssertionError("a parameter used outside forward did not raise")
ok("a parameter used outside forward raises")

# -- construction: rank 0's parameters and buffers, state_dict keys, module ----------------------
model = make(fastgrad.float32, seed=RANK)
model.scale._data[...] = RANK + 2
ddp = DDP(model)
assert ddp.module is model
assert float(model.scale._data[0]) == 2.0
same_on_all_ranks(model)
keys = list(ddp.state_dict())
assert keys and all(k.startswith("module.") for k in keys), keys
assert [k[len("module."):] for k in keys] == list(model.state_dict())
ok("construction broadcast, state_dict prefix")

# -- a layer larger than one 25 MB bucket ---------------------------------------------------------
fastgrad.manual_seed(0)
big = nn.Sequential(nn.Linear(2048, 3300), nn.ReLU(), nn.Linear(3300, 2048))  # 2 x 27 MB of float32 weights
fastgrad.manual_seed(0)
big_ref = nn.Sequential(nn.Linear(2048, 3300), nn.ReLU(), nn.Linear(3300, 2048))
ddp = DDP(big)
assert len(ddp.reducer.buckets) >= 2
rng = np.random.default_rng(5)
X = fastgrad.from_numpy(rng.standard_normal((2 * WORLD, 2048)).astype(np.float32))
y = fastgrad.from_numpy(rng.integers(0, 2048, 2 * WORLD))
loss_fn(ddp(mine(X, 2)), mine(y, 2)).backward()
loss_fn(big_ref(X), y).backward()
for p, q in zip(big.parameters(), big_ref.parameters()):
    np.testing.assert_allclose(p.grad._data, q.grad._data, rtol=1e-4, atol=1e-6)
same_on_all_ranks(big)
ok("gradients larger than one bucket")

dist.destroy_process_group()
