"""fastgrad.utils.data: datasets, samplers, DataLoader (torch.utils.data's names, submodules and
semantics; loading runs in the calling process)."""
from fastgrad.utils.data._utils.collate import default_collate, default_convert
from fastgrad.utils.data._utils.worker import get_worker_info
from fastgrad.utils.data.dataloader import DataLoader
from fastgrad.utils.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                                         TensorDataset, random_split)
from fastgrad.utils.data.sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                                         WeightedRandomSampler)
from fastgrad.utils.data import _utils, dataloader, dataset, sampler  # noqa: F401  (torch's submodule paths)
from fastgrad.utils.data.distributed import DistributedSampler  # noqa: E402  (imports Sampler from above)
from fastgrad.utils.data import distributed  # noqa: E402,F401

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split", "DataLoader", "default_collate", "default_convert", "get_worker_info", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DistributedSampler"]
