"""DistributedDataParallel under mpiexec -n 2 and -n 3 (programs/ddp.py): bitwise-identical
parameters on every rank, equal to single-process training on the concatenated batch (float64
to 1e-10, float32 to 1e-4 after 20 steps) with SGD-momentum and Adam, no_sync, unused
parameters, shared parameters, construction broadcast, state_dict keys, buckets > 25 MB."""
import pytest

from mpi_launch import needs_mpi, passed, run

EXPECTED = [f"train {d} {k} {m}" for d in ("float64", "float32") for k in ("sgd", "adam") for m in ("plain", "shared")]
EXPECTED += ["no_sync", "find_unused_parameters=True", "find_unused_parameters=True, used on one rank only",
             "find_unused_parameters=False raises on the next forward", "construction broadcast, state_dict prefix",
             "gradients larger than one bucket", "a parameter used outside forward raises"]


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
def test_ddp(n):
    code, out, err = run("ddp.py", n)
    assert code == 0, f"mpiexec -n {n} failed ({code}):\n{out}\n{err}"
    got = passed(out)
    for name in EXPECTED:
        assert name in got, f"{name!r} missing from:\n{out}\n{err}"
