"""torch.utils.data.distributed's import path: DistributedSampler."""
from fastgrad.utils.distributed_sampler import DistributedSampler

__all__ = ["DistributedSampler"]
