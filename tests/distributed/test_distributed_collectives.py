"""fastgrad.distributed's collectives under mpiexec -n 2 and -n 3 (programs/collectives.py)."""
import pytest

from mpi_launch import needs_mpi, passed, run

EXPECTED = [f"collectives {d} {s} async_op={a}" for a in (False, True) for d in ("float32", "float64")
            for s in ("empty", "one", "large")]
EXPECTED += ["int64 BOR, bool MIN", "send/recv/isend/irecv", "objects and barrier", "argument checks",
             "debug header check"]


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
def test_collectives(n):
    code, out, err = run("collectives.py", n)
    assert code == 0, f"mpiexec -n {n} failed ({code}):\n{out}\n{err}"
    got = passed(out)
    for name in EXPECTED:
        assert name in got, f"{name!r} missing from:\n{out}\n{err}"
    assert any(g.startswith("threads per rank ") for g in got), out
