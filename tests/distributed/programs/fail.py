"""Rank 1 raises while the others wait in a collective: the job must end, non-zero, with the
traceback (run by tests/distributed/test_failure.py under a timeout)."""
import numpy as np

import fastgrad
import fastgrad.distributed as dist

dist.init_process_group("mpi")
t = fastgrad.from_numpy(np.ones(4))
dist.all_reduce(t)
if dist.get_rank() == 1:
    raise ZeroDivisionError("rank one failed on purpose")
dist.all_reduce(t)  # never completes on the other ranks: the abort ends them
dist.barrier()
print("UNREACHABLE", flush=True)
