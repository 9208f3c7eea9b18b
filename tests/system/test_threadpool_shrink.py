"""The thread pool shrinks: lowering the thread count stops and joins the surplus workers, so a
region only involves (and waits for) the workers of the current count (issue 14 item 11)."""
import os
import sys

import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr


_BIG = np.random.default_rng(0).standard_normal(1 << 22).astype(np.float32)


def _gemm():
    """A pool region at any thread count > 1, whatever the machine's timings: the 3-norm of 4M floats,
    a C reduction bitwise the same for every thread count whose work (16 operations per element for
    a general p: 2^26) is above the largest parallel threshold the pool can measure (2^22; the GEMM's
    own choice and a 2-norm's 2^20 depend on the measured pool cost)."""
    return lib.fg_norm_multi_f32(1, ffi.new("int64_t[]", [_BIG.size]), ffi.new("float *[]", [rptr(_BIG)]), 3.0)


def _os_threads():
    """threads of this process as the kernel sees them (Linux), else None"""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def test_set_num_threads_shrink_joins_surplus_workers(restore_threads):
    lib.fg_set_num_threads(1)
    expected = _gemm()
    assert lib.fg_get_num_workers() == 0
    base = _os_threads()
    lib.fg_set_num_threads(64)
    np.testing.assert_array_equal(_gemm(), expected)
    assert lib.fg_get_num_workers() == 63               # started lazily by the region
    if base is not None:
        # other threads of the process (an earlier test's, the sanitizer's) may end meanwhile
        grown = _os_threads()
        assert grown >= base + 63 - 2
    lib.fg_set_num_threads(2)
    assert lib.fg_get_num_workers() == 1                # 62 workers stopped and joined
    if base is not None:
        assert _os_threads() <= grown - 62
    for _ in range(3):
        np.testing.assert_array_equal(_gemm(), expected)
    assert lib.fg_get_num_workers() == 1                # no worker beyond 2 restarted


def test_set_num_threads_grow_after_shrink_bitwise(restore_threads):
    lib.fg_set_num_threads(1)
    expected = _gemm()
    for nt in (8, 2, 1, 5, 3, 16, 2):
        lib.fg_set_num_threads(nt)
        np.testing.assert_array_equal(_gemm(), expected)
        assert lib.fg_get_num_workers() == nt - 1


def test_set_num_threads_clamps_to_max(restore_threads):
    lib.fg_set_num_threads(lib.FG_MAX_THREADS + 1000)
    assert lib.fg_get_num_threads() == lib.FG_MAX_THREADS
    lib.fg_set_num_threads(2)
    assert lib.fg_get_num_threads() == 2


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork")
def test_set_num_threads_shrink_in_forked_child(restore_threads):
    """the child has no workers (they were not copied): shrinking there joins nothing"""
    lib.fg_set_num_threads(4)
    expected = _gemm()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            lib.fg_set_num_threads(2)
            ok = lib.fg_get_num_workers() == 0 and np.array_equal(_gemm(), expected)
            ok = ok and lib.fg_get_num_workers() == 1
            code = 0 if ok else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
