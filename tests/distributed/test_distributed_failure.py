"""A rank that raises ends the whole job (non-zero exit, its traceback) in bounded time."""
from mpi_launch import needs_mpi, run


@needs_mpi
def test_a_raising_rank_ends_the_job():
    code, out, err = run("fail.py", 2, timeout=120)  # a hang would raise subprocess.TimeoutExpired
    assert code != 0
    assert "ZeroDivisionError: rank one failed on purpose" in err
    assert "rank 1 raised; aborting the job" in err
    assert "UNREACHABLE" not in out
