"""Threads, the GIL and fork.

* C calls release the GIL (cffi API mode does so by default): while one thread is inside a
  kernel, another Python thread runs.
* Two models trained in two Python threads at once give exactly the single-threaded results.
* The kernel thread pool survives ``os.fork()``: a child process can train (skipped where
  ``os.fork`` does not exist).
"""
import os
import select
import sys
import threading
import time

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.functional as F
from fastgrad._ffi import lib, rptr, wptr


@pytest.fixture
def two_kernel_threads():
    before = fg.get_num_threads()
    fg.set_num_threads(2)
    yield
    fg.set_num_threads(before)


# -- the GIL ----------------------------------------------------------------------------------
def _progress_during(call):
    """How many iterations a Python thread makes while ``call`` runs in this thread.

    The switch interval is raised to 100 s, so a thread holding the GIL is never asked to give it
    up: the counting thread (which drops the GIL at every sleep(0)) can only run while this thread
    has released the GIL itself, i.e. inside a C call that releases it.
    """
    count = [0]
    stop = threading.Event()
    started = threading.Event()

    def counter():
        started.set()
        while not stop.is_set():
            count[0] += 1
            time.sleep(0)

    old = sys.getswitchinterval()
    t = threading.Thread(target=counter, daemon=True)
    try:
        sys.setswitchinterval(100.0)
        t.start()
        started.wait()
        time.sleep(0.01)  # let the counter park on the GIL
        before = count[0]
        call()
        after = count[0]
    finally:
        stop.set()
        sys.setswitchinterval(old)
        t.join()
    return after - before


def test_c_kernel_call_releases_the_gil():
    n = 400
    a = np.random.default_rng(0).random((n, n))
    b = a.copy()
    c = np.empty((n, n))

    def gemm():
        for _ in range(3):
            lib.fg_gemm_f64(0, 0, n, n, n, 1.0, rptr(a), n, rptr(b), n, 0.0, wptr(c), n)

    assert _progress_during(gemm) > 0, "another thread made no progress during fg_gemm_f64: the GIL was held"
    np.testing.assert_allclose(c, a @ b, rtol=1e-10)


def test_python_only_work_holds_the_gil():
    """The control for the test above: pure-Python work lets the counting thread make no progress."""
    def spin():
        s = 0
        for i in range(200000):
            s += i
    assert _progress_during(spin) <= 1


# -- two models, two threads ------------------------------------------------------------------
def _make_model(seed):
    import fastgrad.nn as nn
    fg.manual_seed(seed)
    return nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 5))


def _data(seed, steps, batch=16):
    rng = np.random.default_rng(seed)
    xs = [fg.tensor(rng.standard_normal((batch, 20)).astype(np.float32)) for _ in range(steps)]
    ys = [fg.tensor(rng.integers(0, 5, batch)) for _ in range(steps)]
    return xs, ys


def _train(model, xs, ys, opt_name, lock=None):
    import contextlib
    import fastgrad.optim as optim
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9) if opt_name == "sgd" else \
        optim.Adam(model.parameters(), lr=1e-3)
    guard = lock if lock is not None else contextlib.nullcontext()
    losses = []
    for x, y in zip(xs, ys):
        with guard:  # see _concurrent: recording and step() must not overlap (global grad mode)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
        loss.backward()  # runs concurrently with the other thread's forward, backward or step
        with guard:
            opt.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


JOBS = [(1, "sgd"), (2, "adam")]


def _concurrent(steps):
    """Train two models serially, then in two threads at once; both runs must agree exactly.

    The threads share a lock around the forward (graph recording) and around ``step()`` (kept from
    when grad mode was process-global; the free-running test below covers the unlocked case).
    Everything else -- backward passes, C kernels with the GIL released, the kernel
    thread pool -- runs concurrently, with a tiny switch interval to interleave as much as possible.
    """
    data = {seed: _data(seed + 10, steps) for seed, _ in JOBS}
    serial = {seed: _train(_make_model(seed), *data[seed], opt) for seed, opt in JOBS}
    models = {seed: _make_model(seed) for seed, _ in JOBS}
    results, errors = {}, []
    lock = threading.Lock()

    def run(seed, opt):
        try:
            results[seed] = _train(models[seed], *data[seed], opt, lock)
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(f"thread {seed}: {type(e).__name__}: {e}")

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=run, args=job) for job in JOBS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
    for seed, _ in JOBS:
        losses, params = results[seed]
        assert losses == serial[seed][0], f"model {seed}: threaded loss curve differs from the single-threaded one"
        for p, q in zip(params, serial[seed][1]):
            np.testing.assert_array_equal(p, q)


def test_two_models_in_two_threads_match_single_threaded(two_kernel_threads):
    pytest.importorskip("fastgrad.nn")
    pytest.importorskip("fastgrad.optim")
    _concurrent(steps=30)


def test_forward_in_one_thread_during_step_in_another_records_a_graph():
    optim = pytest.importorskip("fastgrad.optim")
    in_step, forward_done = threading.Event(), threading.Event()

    def pause():  # called inside step(), where recording is off in the stepping thread
        in_step.set()
        forward_done.wait(10)

    class PausingSGD(optim.SGD):
        def _settings(self, group):  # converts the group's options when its step plan is made
            pause()
            return super()._settings(group)

    if not hasattr(optim.SGD, "_settings"):
        pytest.skip("SGD has no hook inside step() to pause in")
    w = fg.ones(3, requires_grad=True)
    w.grad = fg.ones(3)
    opt = PausingSGD([w], lr=0.1)
    t = threading.Thread(target=opt.step)
    t.start()
    try:
        assert in_step.wait(10)
        v = fg.ones(3, requires_grad=True)
        y = (v * 2).sum()
    finally:
        forward_done.set()
        t.join()
    assert y.requires_grad, "a forward in this thread recorded no graph while another thread was in step()"


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, done = threading.Event(), threading.Event()

    def evaluator():
        with fg.no_grad():
            inside.set()
            done.wait(10)

    t = threading.Thread(target=evaluator)
    t.start()
    try:
        inside.wait(10)
        w = fg.ones(3, requires_grad=True)
        y = (w * 2).sum()
    finally:
        done.set()
        t.join()
    assert y.requires_grad, "a forward in this thread recorded no graph while another thread was in no_grad()"


# -- fork ---------------------------------------------------------------------------------------
def _train_small(steps=30):
    rng = np.random.default_rng(5)
    x = fg.tensor(rng.standard_normal((64, 256)).astype(np.float32))
    w1 = fg.tensor((rng.standard_normal((256, 256)) * 0.05).astype(np.float32), requires_grad=True)
    w2 = fg.tensor((rng.standard_normal((256, 1)) * 0.05).astype(np.float32), requires_grad=True)
    y = fg.tensor(rng.standard_normal((64, 1)).astype(np.float32))
    losses = []
    for _ in range(steps):
        loss = ((F.relu(x @ w1) @ w2 - y) ** 2).mean()
        loss.backward()
        with fg.no_grad():
            for w in (w1, w2):
                w -= 0.05 * w.grad
                w.grad = None
        losses.append(loss.item())
    return losses


def _big_gemm(seed=0, n=384):
    """A product large enough to run on the kernel thread pool."""
    rng = np.random.default_rng(seed)
    a = fg.tensor(rng.standard_normal((n, n)).astype(np.float32))
    return (a @ a.t()).numpy()


def _fork_and_run(fn, timeout=120):
    """Run fn() in a forked child; return its repr'd result (fails on a crash or a hang)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run, report, and leave without running pytest's teardown
        code = 1
        try:
            os.close(r)
            os.write(w, repr(fn()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    deadline = time.monotonic() + timeout
    out = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([r], [], [], 1.0)
        if ready:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            out += chunk
    os.close(r)
    done, status = os.waitpid(pid, os.WNOHANG)
    while done == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung while training (kernel thread pool deadlocked after fork?)")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child failed: status {status}"
    return out.decode()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available on this platform")
def test_child_process_can_train_after_fork(two_kernel_threads):
    parent = _train_small()
    ref = _big_gemm()  # the pool's workers are running in the parent before the fork
    child = eval(_fork_and_run(lambda: (_train_small(), float(np.abs(_big_gemm() - ref).max()))))
    assert child[0] == parent, "the forked child's losses differ from the parent's"
    assert child[0][-1] < child[0][0]
    assert child[1] == 0.0, "the forked child's pooled GEMM differs from the parent's"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available on this platform")
def test_fork_while_another_thread_runs_pooled_kernels(two_kernel_threads):
    """fork() while a parallel region may be running in another thread: the child must not
    inherit a half-held pool (csrc/threadpool.c's pthread_atfork handlers)."""
    ref = _big_gemm(1, 256)
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            _big_gemm(2)

    t = threading.Thread(target=busy)
    t.start()
    try:
        for _ in range(5):
            out = eval(_fork_and_run(lambda: float(np.abs(_big_gemm(1, 256) - ref).max()), timeout=60))
            assert out == 0.0
    finally:
        stop.set()
        t.join()
