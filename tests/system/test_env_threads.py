"""OMP_NUM_THREADS / FASTGRAD_NUM_THREADS are read as OpenMP reads them (issue 14 item 16):
the first element of a comma list, clamped to the pool's maximum; anything else warns and falls
back to the CPU count.  Each case imports fastgrad in a fresh subprocess."""
import os
import subprocess
import sys

import pytest

PROBE = ("import warnings, json\n"
         "with warnings.catch_warnings(record=True) as w:\n"
         "    warnings.simplefilter('always')\n"
         "    import fastgrad\n"
         "from fastgrad._ffi import lib\n"
         "print(json.dumps([fastgrad.get_num_threads(), lib.FG_MAX_THREADS,\n"
         "                  [str(x.message) for x in w if issubclass(x.category, RuntimeWarning)]]))\n")


def _import_with(**env):
    import json
    full = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "FASTGRAD_NUM_THREADS")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=full, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@pytest.mark.parametrize("value, expected", [("3", 3), (" 5 ", 5), ("4,2", 4), ("2,8,1", 2)])
def test_omp_num_threads_env_valid_forms(value, expected):
    threads, _, warned = _import_with(OMP_NUM_THREADS=value)
    assert threads == expected and warned == []


def test_omp_num_threads_env_huge_clamps_to_max():
    threads, cap, warned = _import_with(OMP_NUM_THREADS="99999999999")
    assert threads == cap and warned == []


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", ",4"])
def test_omp_num_threads_env_invalid_warns_and_uses_cpu_count(value):
    threads, cap, warned = _import_with(OMP_NUM_THREADS=value)
    assert threads == min(_cpus(), cap)
    assert len(warned) == 1 and "OMP_NUM_THREADS" in warned[0]


def test_fastgrad_num_threads_env_wins_over_omp():
    threads, _, warned = _import_with(FASTGRAD_NUM_THREADS="3,1", OMP_NUM_THREADS="7")
    assert threads == 3 and warned == []
