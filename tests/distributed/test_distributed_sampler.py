"""DistributedSampler: torch's index assignment (padding, drop_last, rank stride) and torch's
exact shuffle (seed + epoch); compared with torch when it is installed."""
import numpy as np
import pytest

from fastgrad.utils.data import DataLoader, DistributedSampler, TensorDataset
from fastgrad.utils.distributed_sampler import torch_randperm

try:
    import torch
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def test_sampler_covers_the_dataset_with_torch_padding():
    parts = [list(DistributedSampler(range(10), 3, r, shuffle=False)) for r in range(3)]
    assert parts == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]  # padded with the head, rank stride
    parts = [list(DistributedSampler(range(10), 3, r, shuffle=False, drop_last=True)) for r in range(3)]
    assert parts == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    assert len(DistributedSampler(range(10), 3, 0)) == 4
    assert len(DistributedSampler(range(10), 3, 0, drop_last=True)) == 3
    assert list(DistributedSampler(range(2), 5, 4, shuffle=False)) == [0]  # padding repeats a short list


def test_sampler_shuffles_by_seed_plus_epoch():
    s = DistributedSampler(range(50), 2, 1, seed=3)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first
    assert list(DistributedSampler(range(50), 2, 1, seed=4)) == list(s)  # seed 3 + epoch 1 == seed 4
    both = sorted(list(DistributedSampler(range(50), 2, 0, seed=3)) + first)
    assert both == list(range(50))


def test_sampler_bad_rank():
    with pytest.raises(ValueError, match="Invalid rank 3, rank should be in the interval"):
        DistributedSampler(range(5), 3, 3)


def test_sampler_in_a_dataloader():
    ds = TensorDataset(*[__import__("fastgrad").arange(10)])
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [9]]


@needs_torch
@pytest.mark.parametrize("n", [0, 1, 2, 7, 100, 1797])
@pytest.mark.parametrize("seed", [0, 1, 2**32 + 5])
def test_randperm_is_torchs(n, seed):
    want = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
    np.testing.assert_array_equal(torch_randperm(n, seed), want)


@needs_torch
@pytest.mark.parametrize("n", [1, 5, 10, 11])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_indices_equal_torchs(n, replicas, shuffle, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle, seed=7, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle, seed=7, drop_last=drop_last)
        for epoch in (0, 3):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)
