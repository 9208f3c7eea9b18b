"""Run an MPI program of tests/distributed/programs under mpiexec from pytest (with a timeout)."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = "needs mpi4py and an MPI launcher (mpiexec): pip install fastgrad[mpi]"


def mpiexec():
    """The mpiexec beside this Python (the mpich wheel's), else the one on PATH, else None."""
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return local if os.access(local, os.X_OK) else shutil.which("mpiexec")


def available() -> bool:
    return importlib.util.find_spec("mpi4py") is not None and mpiexec() is not None


needs_mpi = pytest.mark.skipif(not available(), reason=SKIP)


def run(program: str, n: int, timeout: float = 240):
    """(returncode, stdout, stderr) of ``mpiexec -n N python programs/<program>`` in debug mode."""
    env = dict(os.environ, FASTGRAD_DISTRIBUTED_DEBUG="1")
    for var in ("FASTGRAD_NUM_THREADS", "OMP_NUM_THREADS"):  # the programs check the per-rank thread count
        env.pop(var, None)
    cmd = [mpiexec(), "-n", str(n), sys.executable, os.path.join(HERE, "programs", program)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def passed(stdout: str):
    return [line[3:] for line in stdout.splitlines() if line.startswith("OK ")]
