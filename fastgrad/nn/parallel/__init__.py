"""fastgrad.nn.parallel: DistributedDataParallel over fastgrad.distributed (MPI)."""
from fastgrad.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
