"""The thread pool (csrc/threadpool.c): thread count API, threaded GEMM, fork safety."""
import os
import sys
import threading
import time

import numpy as np
import pytest

from fastgrad._ffi import lib, rptr, wptr


@pytest.fixture
def restore_threads():
    before = lib.fg_get_num_threads()
    yield
    lib.fg_set_num_threads(before)


def _big_gemm(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((200, 300)).astype(np.float32)
    b = rng.standard_normal((300, 250)).astype(np.float32)
    c = np.full((200, 250), np.nan, np.float32)
    lib.fg_gemm_f32(0, 0, 200, 250, 300, 1.0, rptr(a), 300, rptr(b), 250, 0.0, wptr(c), 250)
    return a, b, c


def test_num_threads_set_get_clamps_to_one(restore_threads):
    lib.fg_set_num_threads(3)
    assert lib.fg_get_num_threads() == 3
    lib.fg_set_num_threads(0)
    assert lib.fg_get_num_threads() == 1
    lib.fg_set_num_threads(-5)
    assert lib.fg_get_num_threads() == 1


def test_threaded_gemm_matches_serial_bitwise(restore_threads):
    lib.fg_set_num_threads(1)
    _, _, c1 = _big_gemm()
    for nt in (2, 4, 7):
        lib.fg_set_num_threads(nt)
        np.testing.assert_array_equal(_big_gemm()[2], c1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="CPU affinity is Linux's")
def test_workers_woken_from_sleep_keep_the_process_affinity(restore_threads):
    # a worker that wakes on the caller's CPU moves itself through a one-CPU affinity and back
    # (csrc/threadpool.c, move_off_cpu): no thread may be left pinned, and results do not change
    def allowed(tid):
        with open(f"/proc/self/task/{tid}/status", encoding="ascii") as f:
            return f.read().split("Cpus_allowed_list:")[1].split()[0]

    before = {t: allowed(t) for t in os.listdir("/proc/self/task")}
    lib.fg_set_num_threads(1)
    want = _big_gemm()[2]
    lib.fg_set_num_threads(2)
    lib.fg_gemm_always_threaded(1)
    try:
        for _ in range(5):
            time.sleep(0.01)  # past the workers' 200 us spin: they sleep and are woken
            np.testing.assert_array_equal(_big_gemm()[2], want)
    finally:
        lib.fg_gemm_always_threaded(0)
    # a worker woken late (a loaded machine) may still be between its two affinity calls after the
    # caller has finished the product: wait for it to settle, but no thread may stay pinned
    deadline = time.monotonic() + 5.0
    while True:
        pinned = {t: a for t in os.listdir("/proc/self/task")
                  if (a := allowed(t)) != before.get(t, before[str(os.getpid())])}
        if not pinned or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not pinned, f"threads left with another affinity than the process's: {pinned}"


def test_gemm_from_several_python_threads_at_once(restore_threads):
    """Only one caller owns the pool; the others run inline, with the same results."""
    lib.fg_set_num_threads(2)
    expected = _big_gemm()[2]
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(_big_gemm()[2])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 15
    for c in results:
        np.testing.assert_array_equal(c, expected)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork")
def test_fork_child_runs_threaded_gemm_after_parent_used_pool(restore_threads):
    lib.fg_set_num_threads(2)
    a, b, c = _big_gemm()                 # the parent's workers now exist
    expected = (a.astype(np.float64) @ b.astype(np.float64))
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:                          # child: the workers were not copied; must restart them
        status = 1
        try:
            _, _, cc = _big_gemm()
            _, _, cc2 = _big_gemm()       # a second region on the restarted pool
            ok = np.array_equal(cc, c) and np.array_equal(cc2, c)
            status = 0 if ok else 2
        finally:
            os.write(write_fd, bytes([status]))
            os._exit(status)
    os.close(write_fd)
    try:
        # a hung child (deadlocked pool) would block here: poll with a timeout
        import select
        ready, _, _ = select.select([read_fd], [], [], 30.0)
        if not ready:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("child process hung running a threaded GEMM after fork")
        status = os.read(read_fd, 1)
    finally:
        os.close(read_fd)
    _, code = os.waitpid(pid, 0)
    assert status == b"\x00" and os.WEXITSTATUS(code) == 0
    assert np.max(np.abs(c - expected)) < 1e-3   # and the parent is unaffected
    np.testing.assert_array_equal(_big_gemm()[2], c)


@pytest.mark.parametrize("nt,rounds", [(3, 200_000), (4, 200_000), (8, 50_000)])
def test_each_chunk_runs_once_while_regions_grow(nt, rounds, restore_threads):
    """regions of 2, 3, ..., nt chunks back to back, the count lowered to 2 and raised again now and
    then: every chunk runs once, before its region returns.  A worker used to compare a finished
    region's last chunk number with the next region's larger thread count (written before that
    region was published), claim a chunk that did not exist, run it with the next region's work and
    count it done there, so the caller returned while a chunk still ran (a GEMM test raising the
    count 2 -> 3 -> 4 crashed in CI's sanitizer stage).  That pool failed 200k rounds here every time
    (2-23 faults a run)."""
    lib.fg_set_num_threads(nt)
    assert lib.fg_pool_selfcheck(rounds) == 0
    assert lib.fg_get_num_threads() == nt
