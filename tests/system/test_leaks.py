"""Memory: no growth over many training steps, graphs freed every step, and the loss traps.

* RSS over many steps of the W3 model (784 -> 128 -> 128 -> 10, batch 32, SGD with momentum):
  growth after warm-up must stay under 2 MB.  The in-suite run uses as many steps as fit in
  about 25 s (measured from the warm-up step time); the issue's full run is
      FASTGRAD_LEAK_STEPS=20000 pytest tests/system/test_leaks.py
  The loop runs with the cyclic garbage collector *disabled*: graphs must be freed by reference
  counting alone (DESIGN.md: nodes never form reference cycles).
* Every graph node of a step is gone (weakref) once the step's tensors are dropped, and saved
  arrays are released by backward even while the loss tensor is still alive.
* Keeping ``loss.item()`` or ``loss.detach()`` in a list keeps no graph; ``running_loss += loss``
  keeps every step's graph alive (the trap the README warns about).
"""
import gc
import os
import sys
import time
import weakref

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.functional as F

BUDGET_S = float(os.environ.get("FASTGRAD_LEAK_SECONDS", "25"))
FULL_STEPS = os.environ.get("FASTGRAD_LEAK_STEPS")
WARMUP = 300
LIMIT_MB = 2.0


def rss_mb():
    """Resident set size now (not the peak), in MB."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (OSError, ValueError, AttributeError):
        pass
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2 ** 20
    except ImportError:
        pytest.skip("no way to read the current RSS here (no /proc, no psutil)")


class W3:
    """784 -> 128 -> 128 -> 10 MLP, cross-entropy, SGD(momentum=0.9): with fastgrad.nn/optim when
    present, else fastgrad.functional and a manual SGD under no_grad."""

    def __init__(self, seed=0):
        fg.manual_seed(seed)
        try:
            import fastgrad.nn as nn
            import fastgrad.optim as optim
            self.model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                                       nn.Linear(128, 10))
            self.opt = optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
            self.params = list(self.model.parameters())
        except ImportError:
            self.model = self.opt = None
            rng = np.random.default_rng(seed)
            self.params = []
            for fan_in, fan_out in [(784, 128), (128, 128), (128, 10)]:
                bound = 1 / np.sqrt(fan_in)
                self.params.append(fg.tensor(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                                             requires_grad=True))
                self.params.append(fg.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32),
                                             requires_grad=True))
            self.bufs = [None] * len(self.params)

    def forward(self, x):
        if self.model is not None:
            return self.model(x)
        w1, b1, w2, b2, w3, b3 = self.params
        h = F.relu(x @ w1.t() + b1)
        h = F.relu(h @ w2.t() + b2)
        return h @ w3.t() + b3

    def step(self, x, y):
        """One training step; returns the loss tensor (with its graph, already backpropagated)."""
        if self.opt is not None:
            self.opt.zero_grad()
        else:
            for p in self.params:
                p.grad = None
        loss = F.cross_entropy(self.forward(x), y)
        loss.backward()
        if self.opt is not None:
            self.opt.step()
        else:
            with fg.no_grad():
                for i, p in enumerate(self.params):
                    g = p.grad
                    self.bufs[i] = g.clone() if self.bufs[i] is None else self.bufs[i] * 0.9 + g
                    p -= 0.01 * self.bufs[i]
        return loss


def batches(n=16, seed=1):
    rng = np.random.default_rng(seed)
    return [(fg.tensor(rng.standard_normal((32, 784)).astype(np.float32)), fg.tensor(rng.integers(0, 10, 32)))
            for _ in range(n)]


def graph_nodes(t):
    """Every Function node reachable from t.grad_fn (iterative walk)."""
    from fastgrad.autograd.function import Function
    seen, stack = [], [t.grad_fn] if t.grad_fn is not None else []
    ids = set()
    while stack:
        node = stack.pop()
        if id(node) in ids:
            continue
        ids.add(id(node))
        seen.append(node)
        for e in node.inputs or ():
            if isinstance(e, Function):
                stack.append(e)
    return seen


# -- RSS ----------------------------------------------------------------------------------------
def test_training_rss_growth_after_warmup_is_under_2mb():
    model, data = W3(), batches()
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # graphs must be freed by reference counting alone
    try:
        t0 = time.perf_counter()
        for i in range(WARMUP):
            model.step(*data[i % len(data)])
        per_step = (time.perf_counter() - t0) / WARMUP
        steps = int(FULL_STEPS) if FULL_STEPS else max(1000, min(20000, int(BUDGET_S / per_step)))
        samples = []
        every = max(1, steps // 40)
        losses = []
        for i in range(steps):
            loss = model.step(*data[i % len(data)])
            if i % every == 0:
                losses.append(loss.item())
                samples.append(rss_mb())
        samples.append(rss_mb())
        garbage = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    head, tail = np.mean(samples[:3]), np.mean(samples[-3:])
    growth = tail - head
    print(f"\nW3 leak check: {steps} steps after {WARMUP} warm-up ({per_step * 1e3:.2f} ms/step); RSS "
          f"{head:.1f} -> {tail:.1f} MB (growth {growth:+.2f} MB, max {max(samples):.1f}); "
          f"{garbage} objects found by gc.collect() afterwards")
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    assert growth < LIMIT_MB, f"RSS grew by {growth:.2f} MB over {steps} steps: {np.round(samples, 2).tolist()}"
    assert garbage < 100, f"{garbage} objects were only reclaimable by the cycle collector (reference cycles)"


# -- graphs are freed -------------------------------------------------------------------------------
def test_each_step_graph_is_freed_by_refcounting():
    model, data = W3(), batches(4)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i in range(5):
            loss = model.step(*data[i % 4])
            nodes = graph_nodes(loss)
            assert len(nodes) >= 4  # Sequential fuses each Linear + ReLU into one node
            refs = [weakref.ref(n) for n in nodes]
            assert all(n.saved is None or n.saved == () for n in nodes), \
                "backward left saved arrays on graph nodes while the loss is still alive"
            del nodes, loss
            alive = [r() for r in refs if r() is not None]
            assert not alive, f"graph nodes outlive their step: {alive[:5]}"
    finally:
        if was_enabled:
            gc.enable()


def test_forward_without_backward_graph_is_freed():
    model, data = W3(), batches(1)
    x, y = data[0]
    loss = F.cross_entropy(model.forward(x), y)
    refs = [weakref.ref(n) for n in graph_nodes(loss)]
    del loss
    assert not [r for r in refs if r() is not None]


def test_param_grads_are_not_reallocated_every_step():
    """zero_grad(set_to_none=True) then backward gives fresh grads; nothing accumulates elsewhere."""
    model, data = W3(), batches(2)
    counts = []
    for i in range(30):
        model.step(*data[i % 2])
        counts.append(len(gc.get_objects()))
    assert counts[-1] - counts[10] < 50, f"live Python objects keep growing: {counts[10]} -> {counts[-1]}"


# -- the loss-in-a-list traps ----------------------------------------------------------------------
def test_loss_item_in_list_holds_no_graph():
    model, data = W3(), batches(4)
    history, refs = [], []
    for i in range(8):
        loss = model.step(*data[i % 4])
        refs.append(weakref.ref(loss.grad_fn))
        history.append(loss.item())
    del loss
    assert all(isinstance(v, float) for v in history)
    assert not [r for r in refs if r() is not None]


def test_loss_detach_in_list_holds_no_graph():
    model, data = W3(), batches(4)
    history, refs = [], []
    for i in range(8):
        loss = model.step(*data[i % 4])
        refs.append(weakref.ref(loss.grad_fn))
        history.append(loss.detach())
    del loss
    assert all(h.grad_fn is None and not h.requires_grad for h in history)
    assert not [r for r in refs if r() is not None]


def test_running_loss_plus_equals_loss_keeps_every_graph_alive():
    """The trap: ``running_loss += loss`` records an add node holding the loss's graph, every step.
    ``running_loss += loss.item()`` does not.  (README: 'the running_loss trap'.)"""
    model, data = W3(), batches(4)
    running, refs = 0.0, []
    for i in range(10):
        loss = model.step(*data[i % 4])
        refs.append(weakref.ref(loss.grad_fn))
        running += loss  # the trap
    del loss
    kept = sum(r() is not None for r in refs)
    assert kept == 10, "running_loss += loss should keep every step's graph (documented trap)"
    assert running.requires_grad and len(graph_nodes(running)) >= 10 * 5  # 4 nodes a step + the add
    del running
    assert not [r for r in refs if r() is not None], "dropping running_loss frees the graphs"

    running, refs = 0.0, []
    for i in range(10):
        loss = model.step(*data[i % 4])
        refs.append(weakref.ref(loss.grad_fn))
        running += loss.item()  # the fix
    del loss
    assert isinstance(running, float) and not [r for r in refs if r() is not None]


def test_no_grad_eval_builds_no_graph():
    model, data = W3(), batches(1)
    with fg.no_grad():
        out = model.forward(data[0][0])
    assert out.grad_fn is None and not out.requires_grad
    assert sys.getrefcount(out) <= 3
