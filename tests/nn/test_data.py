"""utils.data: Dataset, TensorDataset, DataLoader batching, shuffling, drop_last, collate."""
from collections import namedtuple

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                                 SequentialSampler, Subset, TensorDataset, default_collate, random_split)


def _ds(n=10):
    x = fg.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    y = fg.tensor(np.arange(n))
    return TensorDataset(x, y)


def test_tensor_dataset_items_and_errors():
    ds = _ds()
    assert len(ds) == 10
    x, y = ds[3]
    np.testing.assert_array_equal(x.numpy(), [6, 7])
    assert y.item() == 3
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(fg.zeros(3), fg.zeros(4))


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_dataloader_sequential_batches(drop_last, sizes):
    dl = DataLoader(_ds(), batch_size=4, drop_last=drop_last)
    batches = list(dl)
    assert len(dl) == len(sizes) and [len(b[1]) for b in batches] == sizes
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), np.arange(sum(sizes)))
    assert batches[0][0].shape == fg.Size([4, 2]) and batches[0][1].dtype == fg.int64


def test_dataloader_shuffle_is_a_permutation_and_seeded():
    fg.manual_seed(0)
    a = np.concatenate([b[1].numpy() for b in DataLoader(_ds(50), batch_size=8, shuffle=True)])
    assert sorted(a.tolist()) == list(range(50)) and a.tolist() != list(range(50))
    fg.manual_seed(0)
    b = np.concatenate([b[1].numpy() for b in DataLoader(_ds(50), batch_size=8, shuffle=True)])
    np.testing.assert_array_equal(a, b)
    dl = DataLoader(_ds(50), batch_size=50, shuffle=True, generator=fg.Generator().manual_seed(3))
    e1, e2 = next(iter(dl))[1].numpy(), next(iter(dl))[1].numpy()
    assert e1.tolist() != e2.tolist()  # a fresh permutation each epoch
    dl2 = DataLoader(_ds(50), batch_size=50, shuffle=True, generator=fg.Generator().manual_seed(3))
    np.testing.assert_array_equal(next(iter(dl2))[1].numpy(), e1)


def test_dataloader_features_stay_aligned_with_labels_under_shuffle():
    fg.manual_seed(1)
    for x, y in DataLoader(_ds(30), batch_size=7, shuffle=True):
        np.testing.assert_array_equal(x.numpy()[:, 0], 2 * y.numpy())


def test_dataloader_fast_path_fancy_indexes_once_per_tensor(monkeypatch):
    ds = _ds(12)
    calls = []
    orig = TensorDataset._get_batch
    monkeypatch.setattr(TensorDataset, "_get_batch", lambda self, idx: calls.append(len(idx)) or orig(self, idx))
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("per-sample gather"))
    assert len(list(DataLoader(ds, batch_size=5))) == 3
    assert calls == [5, 5, 2]
    sub = Subset(ds, [11, 0, 5])
    (x, y), = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(y.numpy(), [11, 0, 5])


class DictDataset(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(3, i, np.float32), "y": i, "w": float(i) / 2, "name": f"s{i}",
                "pair": (fg.tensor([i, i]), i)}


def test_dataloader_collates_dicts_tuples_numbers_strings():
    batch = next(iter(DataLoader(DictDataset(), batch_size=3)))
    assert batch["x"].shape == fg.Size([3, 3]) and batch["x"].dtype == fg.float32
    assert batch["y"].dtype == fg.int64 and batch["y"].tolist() == [0, 1, 2]
    assert batch["w"].dtype == fg.float64 and batch["w"].tolist() == [0.0, 0.5, 1.0]
    assert batch["name"] == ["s0", "s1", "s2"]
    assert isinstance(batch["pair"], list) and batch["pair"][0].shape == fg.Size([3, 2])
    P = namedtuple("P", "a b")
    out = default_collate([P(1, 2.0), P(3, 4.0)])
    assert isinstance(out, P) and out.a.tolist() == [1, 3]


def test_dataloader_batch_size_none_and_custom_collate():
    items = list(DataLoader(_ds(3), batch_size=None))
    assert len(items) == 3 and items[0][0].shape == fg.Size([2])
    sums = [b for b in DataLoader(_ds(4), batch_size=2, collate_fn=lambda s: sum(int(y) for _, y in s))]
    assert sums == [1, 5]


def test_dataloader_argument_errors():
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(_ds(), sampler=SequentialSampler(_ds()), shuffle=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(_ds(), batch_size=0)
    bs = BatchSampler(SequentialSampler(range(5)), 2, False)
    assert list(bs) == [[0, 1], [2, 3], [4]]
    assert len(list(DataLoader(_ds(5), batch_sampler=bs))) == 3


def test_random_sampler_replacement_and_random_split():
    fg.manual_seed(0)
    s = RandomSampler(range(5), replacement=True, num_samples=20)
    vals = list(s)
    assert len(vals) == 20 and set(vals) <= set(range(5))
    a, b = random_split(_ds(10), [7, 3], generator=fg.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3 and sorted(a.indices + b.indices) == list(range(10))
    c, d = random_split(_ds(10), [0.5, 0.5])
    assert len(c) == len(d) == 5
    with pytest.raises(ValueError):
        random_split(_ds(10), [3, 3])


def test_concat_dataset():
    cat = ConcatDataset([_ds(3), _ds(2)])
    assert len(cat) == 5 and cat[3][1].item() == 0 and cat[-1][1].item() == 1


def test_dataloader_keeps_gradient_of_dataset_tensors_that_require_it():
    x = fg.ones(4, 2, requires_grad=True)
    ds = TensorDataset(x, fg.tensor([0, 1, 2, 3]))
    for xb, _ in DataLoader(ds, batch_size=2):
        xb.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((4, 2)))
