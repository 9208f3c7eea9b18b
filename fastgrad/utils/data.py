"""Datasets and DataLoader (torch.utils.data's names and semantics, single process).

For a TensorDataset (or a Subset of one) with the default collate, the DataLoader fetches a
whole batch with one fancy-index per tensor instead of gathering samples one by one.
"""
import bisect
import math
import numbers

import numpy as np

from fastgrad import random as _random
from fastgrad.tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
           "default_collate", "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler"]

_make = Tensor._make


class Dataset:
    """Map-style dataset: subclasses define ``__getitem__(i)`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is ``tuple(t[i] for t in tensors)``; every tensor has the same first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0] if tensors[0].dim() else None
        if any(t.dim() == 0 or t.shape[0] != n for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _get_batch(self, indices: np.ndarray):
        """The collated batch for ``indices``: one fancy-index per tensor."""
        return tuple(t[indices] if t.requires_grad else _make(t._data[indices]) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)

    def _get_batch(self, indices: np.ndarray):
        return self.dataset._get_batch(np.asarray(self.indices)[indices])


class ConcatDataset(Dataset):
    """Datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        return self.datasets[d][idx - (self.cumulative_sizes[d - 1] if d else 0)]


def _permutation(n: int, generator=None) -> np.ndarray:
    return _random.get_rng(generator).permutation(n)


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = _permutation(n, generator).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + length]))
        offset += length
    return out


# -- samplers -----------------------------------------------------------------------------
class Sampler:
    """Iterates over dataset indices."""

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)

    def _indices(self) -> np.ndarray:
        return np.arange(len(self.data_source))


class RandomSampler(Sampler):
    """A fresh permutation each epoch from ``generator`` (default: the global stream, so
    ``fastgrad.manual_seed`` makes shuffling reproducible)."""

    def __init__(self, data_source, replacement: bool = False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self) -> np.ndarray:
        n = len(self.data_source)
        rng = _random.get_rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, self.num_samples)
        reps = -(-self.num_samples // n)
        return np.concatenate([rng.permutation(n) for _ in range(reps)])[:self.num_samples]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of ``batch_size``."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _batches(self):
        idx = self.sampler._indices() if hasattr(self.sampler, "_indices") else np.fromiter(self.sampler, np.int64)
        bs = self.batch_size
        stop = (len(idx) // bs) * bs if self.drop_last else len(idx)
        for start in range(0, stop, bs):
            yield idx[start:start + bs]

    def __iter__(self):
        for b in self._batches():
            yield b.tolist()

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# -- collate ------------------------------------------------------------------------------
def default_collate(batch):
    """Stack a list of samples: Tensors/arrays/numbers -> one Tensor with a leading batch dim;
    tuples, lists and dicts are collated element-wise; strings are kept as a list."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _make(np.stack([b._data for b in batch]))
    if isinstance(elem, np.ndarray):
        return _make(np.stack(batch))
    if isinstance(elem, (bool, np.bool_)):
        return _make(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, (int, np.integer)):
        return _make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        out = [default_collate(list(s)) for s in zip(*batch)]
        return tuple(out) if isinstance(elem, tuple) else out
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem)}")


# -- loader -------------------------------------------------------------------------------
class DataLoader:
    """Iterate over ``dataset`` in batches: batch_size, shuffle (seeded by fastgrad.manual_seed
    or ``generator``), drop_last, sampler / batch_sampler, collate_fn.  Runs in-process:
    ``num_workers`` and ``pin_memory`` are accepted and ignored."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_size is not None or batch_sampler is not None else _identity)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    def __len__(self) -> int:
        return len(self.batch_sampler) if self._auto_collation else len(self.sampler)

    def __iter__(self):
        ds = self.dataset
        if not self._auto_collation:
            for i in self.sampler:
                yield self.collate_fn(ds[i])
            return
        fast = self.collate_fn is default_collate and hasattr(ds, "_get_batch") and _fast_ok(ds)
        if isinstance(self.batch_sampler, BatchSampler):
            batches = self.batch_sampler._batches()
        else:
            batches = self.batch_sampler
        getitems = getattr(ds, "__getitems__", None)
        for idx in batches:
            if fast:
                yield ds._get_batch(np.asarray(idx, dtype=np.int64))
            else:
                idx = idx.tolist() if isinstance(idx, np.ndarray) else idx
                samples = getitems(idx) if getitems is not None else [ds[i] for i in idx]
                yield self.collate_fn(samples)


def _fast_ok(ds) -> bool:
    while isinstance(ds, Subset):
        ds = ds.dataset
    return isinstance(ds, TensorDataset)


def _identity(x):
    return x



from fastgrad.utils.distributed_sampler import DistributedSampler  # noqa: E402  (subclasses Sampler above)

__all__ += ["DistributedSampler"]
