"""Samplers (torch.utils.data.sampler): the order in which a DataLoader visits dataset indices.

Random samplers draw from ``generator`` (a ``fastgrad.Generator``) or, by default, from the global
stream, so ``fastgrad.manual_seed`` makes an epoch's order reproducible (not torch's order).
"""
from typing import Generic, TypeVar

import numpy as np

from fastgrad import random as _random
from fastgrad.tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def _positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


def _bool(name: str, value, exc=ValueError) -> None:
    if not isinstance(value, bool):
        raise exc(f"{name} should be a boolean value, but got {name}={value}")


T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Iterates over dataset indices."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)

    def _indices(self) -> np.ndarray:
        return np.arange(len(self.data_source))


class RandomSampler(Sampler):
    """A fresh permutation each epoch (or ``num_samples`` draws, with ``replacement``)."""

    def __init__(self, data_source, replacement: bool = False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _bool("replacement", replacement, TypeError)      # torch: TypeError here, ValueError elsewhere
        _positive_int("num_samples", self.num_samples)

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


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a fresh random order each epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _random.get_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in [0, len(weights)), index i drawn with probability
    weights[i] / sum(weights) (with or without replacement, as torch.multinomial)."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        _positive_int("num_samples", num_samples)
        _bool("replacement", replacement)
        w = np.asarray(getattr(weights, "_data", weights), dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = Tensor._make(w)           # float64, as torch's as_tensor(weights, dtype=double)
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def _indices(self) -> np.ndarray:
        w = self.weights._data
        if w.size == 0 or not np.isfinite(w).all() or (w < 0).any():
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (weights must be "
                               "finite, non-negative and not empty)")
        total = w.sum()
        if total <= 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement:
            if self.num_samples > w.size:
                raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
            if np.count_nonzero(w) < self.num_samples:
                raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough "
                                   "non-negative category to sample)")
        return _random.get_rng(self.generator).choice(w.size, self.num_samples, replace=self.replacement,
                                                      p=w / total)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        _positive_int("batch_size", batch_size)
        _bool("drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _batches(self):
        if hasattr(self.sampler, "_indices"):
            idx = self.sampler._indices()
        else:
            idx = np.fromiter(self.sampler, np.int64)
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
