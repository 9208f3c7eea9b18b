"""DistributedSampler (torch.utils.data.distributed's name and semantics).

Rank r of ``num_replicas`` gets every ``num_replicas``-th index of the (shuffled) index list,
starting at r, after padding the list with its own head (or, with ``drop_last``, cutting its
tail) to a multiple of ``num_replicas`` — torch's exact assignment.  The shuffle is torch's too:
``torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))`` is a Fisher-Yates
pass driven by the raw 32-bit outputs of MT19937 seeded with init_genrand, which numpy's
``RandomState`` seeding reproduces, so rank r sees the same samples as under torch.
"""
import math

import numpy as np

from fastgrad.utils.data.sampler import Sampler

__all__ = ["DistributedSampler", "torch_randperm"]


def _mt19937(seed: int):
    """numpy's MT19937 in the state torch's CPU generator has after ``manual_seed(seed)``."""
    key, pos = np.random.RandomState(seed & 0xFFFFFFFF).get_state()[1:3]
    bg = np.random.MT19937(0)
    bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
    return bg


def torch_randperm(n: int, seed: int) -> np.ndarray:
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` on the CPU, as int64."""
    bg = _mt19937(seed)
    r = np.arange(n, dtype=np.int64)
    if n < 0xFFFFFFFF // 20:  # torch: random() % (n - i), swap i with i + z
        zs = (bg.random_raw(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        lst = r.tolist()
        for i, z in enumerate(zs):
            j = i + z
            lst[i], lst[j] = lst[j], lst[i]
        return np.asarray(lst, dtype=np.int64)
    raw = bg.random_raw(2 * n).reshape(n, 2)  # random64(): (first << 32) | second
    r64 = (raw[:, 0] << np.uint64(32)) | raw[:, 1]
    lst = r.tolist()
    for i in range(n):  # torch's no-initialisation Fisher-Yates for large n
        z = int(r64[i] % np.uint64(i + 1))
        lst[i] = lst[z]
        lst[z] = i
    return np.asarray(lst, dtype=np.int64)


class DistributedSampler(Sampler):
    """This rank's share of ``dataset``'s indices: torch's padding (or drop_last cut), order and
    ``indices[rank:total_size:num_replicas]``; ``shuffle`` permutes with seed + epoch exactly as
    torch does (call ``set_epoch`` each epoch).  num_replicas and rank default to the process
    group's."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False):
        if num_replicas is None or rank is None:
            from fastgrad import distributed as dist
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _indices(self) -> np.ndarray:
        n = len(self.dataset)
        idx = torch_randperm(n, self.seed + self.epoch) if self.shuffle else np.arange(n, dtype=np.int64)
        if not self.drop_last:
            pad = self.total_size - n
            if pad > 0:
                idx = np.concatenate([idx] + [idx] * (pad // n) + [idx[:pad % n]])
        else:
            idx = idx[:self.total_size]
        return idx[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Seed the next shuffle with seed + epoch (every rank must use the same epoch)."""
        self.epoch = epoch
