"""utils.data beyond the basics: IterableDataset / ChainDataset / StackDataset, the random and
weighted samplers, random_split, default_collate / default_convert, get_worker_info, DataLoader
arguments; torch's results (deterministic parts), statistics (random parts) and errors."""
import importlib
import warnings
from collections import namedtuple

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.utils import data as D


class Stream(D.IterableDataset):
    def __init__(self, n, lib=None):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class SizedStream(Stream):
    def __len__(self):
        return self.n


def _torch_stream(torch, n, sized=False):
    class S(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(n))
    if sized:
        S.__len__ = lambda self: n
    return S()


def _lists(batches):
    return [b.tolist() if hasattr(b, "tolist") else b for b in batches]


@pytest.mark.parametrize("bs,drop_last", [(1, False), (3, False), (3, True), (10, False), (12, True), (None, False)])
def test_iterable_dataloader_batches_as_torch(bs, drop_last):
    torch = pytest.importorskip("torch")
    got = _lists(D.DataLoader(SizedStream(10), batch_size=bs, drop_last=drop_last))
    want = _lists(torch.utils.data.DataLoader(_torch_stream(torch, 10, True), batch_size=bs, drop_last=drop_last))
    assert got == want
    assert len(D.DataLoader(SizedStream(10), batch_size=bs, drop_last=drop_last)) == len(
        torch.utils.data.DataLoader(_torch_stream(torch, 10, True), batch_size=bs, drop_last=drop_last))
    assert len(got) == len(D.DataLoader(SizedStream(10), batch_size=bs, drop_last=drop_last))


def test_iterable_dataloader_refuses_shuffle_sampler_batch_sampler_as_torch():
    torch = pytest.importorskip("torch")
    for kw in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        with pytest.raises(ValueError) as want:
            torch.utils.data.DataLoader(_torch_stream(torch, 3), **kw)
        with pytest.raises(ValueError) as got:
            D.DataLoader(Stream(3), **kw)
        assert str(got.value) == str(want.value)
    assert list(D.DataLoader(Stream(2), shuffle=False, batch_size=None)) == [0, 1]
    with pytest.raises(TypeError):
        len(D.DataLoader(Stream(3), batch_size=2))


def test_chain_dataset_and_add():
    chained = Stream(2) + SizedStream(3)
    assert isinstance(chained, D.ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2]
    assert len(D.ChainDataset([SizedStream(2), SizedStream(3)])) == 5
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(D.ChainDataset([SizedStream(1), [1, 2]]))
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        D.ConcatDataset([SizedStream(2)])
    assert [b.tolist() for b in D.DataLoader(chained, batch_size=2)] == [[0, 1], [0, 1], [2]]


def test_stack_dataset_tuple_dict_and_errors():
    torch = pytest.importorskip("torch")
    a, b = list(range(4)), [x * 10 for x in range(4)]
    ds = D.StackDataset(a, b)
    assert ds[2] == (2, 20) and len(ds) == 4
    assert D.StackDataset(x=a, y=b)[1] == {"x": 1, "y": 10}
    assert ds.__getitems__([0, 3]) == [(0, 0), (3, 30)]
    batch = next(iter(D.DataLoader(D.StackDataset(x=a, y=b), batch_size=3)))
    assert batch["x"].tolist() == [0, 1, 2] and batch["y"].tolist() == [0, 10, 20]
    for args, kwargs in [(([1, 2], [1]), {}), (([1, 2],), {"a": [1]}), ((), {})]:
        with pytest.raises(ValueError) as want:
            torch.utils.data.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as got:
            D.StackDataset(*args, **kwargs)
        assert str(got.value) == str(want.value)


def test_subset_random_sampler_is_a_permutation_of_the_indices_and_seeded():
    idx = [5, 7, 9, 11, 13]
    s = D.SubsetRandomSampler(idx, generator=fg.Generator().manual_seed(3))
    first = list(s)
    assert sorted(first) == idx and len(s) == 5
    assert list(D.SubsetRandomSampler(idx, generator=fg.Generator().manual_seed(3))) == first
    orders = {tuple(D.SubsetRandomSampler(idx)) for _ in range(20)}
    assert len(orders) > 1


def test_weighted_random_sampler_frequencies_and_replacement():
    w = fg.tensor([0.1, 0.0, 0.6, 0.3])
    g = fg.Generator().manual_seed(0)
    draws = np.array(list(D.WeightedRandomSampler(w, 20000, generator=g)))
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.6, 0.3], atol=0.015)
    no_rep = list(D.WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 4, replacement=False))
    assert sorted(no_rep) == [0, 1, 2, 3]
    s1 = list(D.WeightedRandomSampler([1, 2, 3], 8, generator=fg.Generator().manual_seed(1)))
    s2 = list(D.WeightedRandomSampler([1, 2, 3], 8, generator=fg.Generator().manual_seed(1)))
    assert s1 == s2 and len(D.WeightedRandomSampler([1, 2], 8)) == 8
    ws = D.WeightedRandomSampler([1, 2], 8).weights
    assert isinstance(ws, fg.Tensor) and ws.dtype == fg.float64 and ws.tolist() == [1.0, 2.0]


def test_weighted_random_sampler_errors_as_torch():
    torch = pytest.importorskip("torch")
    for kw in [dict(weights=[[1.0, 2.0]], num_samples=2), dict(weights=[1.0, 2.0], num_samples=0),
               dict(weights=[1.0, 2.0], num_samples=2, replacement=1), dict(weights=[1.0], num_samples=True)]:
        with pytest.raises(ValueError) as want:
            torch.utils.data.WeightedRandomSampler(**kw)
        with pytest.raises(ValueError) as got:
            D.WeightedRandomSampler(**kw)
        assert str(got.value) == str(want.value)
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        list(D.WeightedRandomSampler([1.0, 2.0], 3, replacement=False))
    with pytest.raises(RuntimeError):
        list(D.WeightedRandomSampler([1.0, -2.0], 3))
    with pytest.raises(RuntimeError):
        list(D.WeightedRandomSampler([0.0, 0.0], 3))


def test_random_and_sequential_and_batch_sampler_errors_as_torch():
    torch = pytest.importorskip("torch")
    cases = [(D.RandomSampler, torch.utils.data.RandomSampler, (range(3),), dict(replacement=1)),
             (D.RandomSampler, torch.utils.data.RandomSampler, (range(3),), dict(num_samples=0)),
             (D.BatchSampler, torch.utils.data.BatchSampler, (range(3), 2, 1), {}),
             (D.BatchSampler, torch.utils.data.BatchSampler, (range(3), 0, False), {})]
    for mine, theirs, args, kw in cases:
        with pytest.raises((TypeError, ValueError)) as want:
            theirs(*args, **kw)
        with pytest.raises(want.type) as got:
            mine(*args, **kw)
        assert type(got.value) is want.type and str(got.value) == str(want.value)
    assert list(D.SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(D.BatchSampler(D.SequentialSampler(range(5)), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(D.BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]


def test_random_split_lengths_fractions_generator_and_errors():
    torch = pytest.importorskip("torch")
    for lengths in [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33], [10, 0]]:
        ours = D.random_split(range(10), lengths, generator=fg.Generator().manual_seed(0))
        theirs = torch.utils.data.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert sorted(i for s in ours for i in s) == list(range(10))
    a = [list(s) for s in D.random_split(range(10), [4, 6], generator=fg.Generator().manual_seed(5))]
    b = [list(s) for s in D.random_split(range(10), [4, 6], generator=fg.Generator().manual_seed(5))]
    assert a == b
    with pytest.raises(ValueError, match="Fraction at index 2 is not between 0 and 1"):
        D.random_split(range(10), [0.5, 0.7, -0.2])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        D.random_split(range(10), [3, 3])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert [len(s) for s in D.random_split(range(3), [0.9, 0.05, 0.05])] == [3, 0, 0]
    assert [str(x.message) for x in w] == [f"Length of split at index {i} is 0. This might result in an empty "
                                           "dataset." for i in (1, 2)]


def _same(ours, theirs):
    """ours (fastgrad) equals theirs (torch): structure, container types, dtypes and values."""
    import torch
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, fg.Tensor) and str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)
    else:
        assert type(ours) is type(theirs) and ours == theirs


P = namedtuple("P", "a b")


@pytest.mark.parametrize("make", [
    lambda np_, T: [(1, 2.0), (3, 4.0)],
    lambda np_, T: [True, False],
    lambda np_, T: [np_.float32(1.5), np_.float32(2.0)],
    lambda np_, T: [np_.int32(1), np_.int32(2)],
    lambda np_, T: [np_.ones((2, 3), np_.float64), np_.zeros((2, 3), np_.float64)],
    lambda np_, T: [{"x": np_.arange(3), "s": "a"}, {"x": np_.arange(3), "s": "b"}],
    lambda np_, T: [[1, [2.0, 3]], [4, [5.0, 6]]],
    lambda np_, T: [P(1, np_.float64(2.0)), P(3, np_.float64(4.0))],
    lambda np_, T: [T([1.0, 2.0]), T([3.0, 4.0])],
])
def test_default_collate_matches_torch(make):
    torch = pytest.importorskip("torch")
    _same(D.default_collate(make(np, fg.tensor)), torch.utils.data.default_collate(make(np, torch.tensor)))


@pytest.mark.parametrize("make", [
    lambda T: [np.ones(2), 3, (np.zeros(1),), "s"],
    lambda T: {"a": np.float32(2.0), "b": [np.arange(2)]},
    lambda T: P(np.ones(1), 2),
    lambda T: T([1.0]),
    lambda T: np.array(["a", "b"]),
])
def test_default_convert_matches_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = D.default_convert(make(fg.tensor)), torch.utils.data.default_convert(make(torch.tensor))
    if isinstance(theirs, np.ndarray):
        assert ours is not None and isinstance(ours, np.ndarray)
    else:
        _same(ours, theirs)


def test_default_collate_keeps_the_graph_of_tensors_that_require_grad():
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    out = D.default_collate([a, fg.tensor([3.0, 4.0])])
    assert out.requires_grad and out.shape == fg.Size([2, 2])
    out.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0]


def test_default_collate_errors_as_torch():
    torch = pytest.importorskip("torch")
    cases = [(lambda T: [T(np.ones(2)), T(np.ones(3))], RuntimeError),
             (lambda T: [np.array(["a"]), np.array(["b"])], TypeError),
             (lambda T: [object()], TypeError),
             (lambda T: [[1, 2], [1]], RuntimeError)]
    for make, exc in cases:
        with pytest.raises(exc) as want:
            torch.utils.data.default_collate(make(torch.as_tensor))
        with pytest.raises(exc) as got:
            D.default_collate(make(fg.tensor))
        if "object" not in str(want.value):
            assert str(got.value) == str(want.value)


def test_dataloader_arguments_as_torch():
    torch = pytest.importorskip("torch")
    for kw in [dict(timeout=-1), dict(persistent_workers=True), dict(prefetch_factor=2), dict(num_workers=-1),
               dict(batch_size=None, drop_last=True), dict(batch_sampler=[[0]], batch_size=2)]:
        with pytest.raises(ValueError) as want:
            torch.utils.data.DataLoader(range(3), **kw)
        with pytest.raises(ValueError) as got:
            D.DataLoader(range(3), **kw)
        assert str(got.value) == str(want.value)
    calls = []
    loader = D.DataLoader(list(range(7)), batch_size=3, sampler=D.SequentialSampler(range(7)),
                          collate_fn=lambda b: tuple(b), worker_init_fn=calls.append, num_workers=2,
                          generator=fg.Generator().manual_seed(0), persistent_workers=True, prefetch_factor=2)
    assert list(loader) == [(0, 1, 2), (3, 4, 5), (6,)]
    bl = D.DataLoader(list(range(6)), batch_sampler=[[5, 0], [2]])
    assert [b.tolist() for b in bl] == [[5, 0], [2]] and len(bl) == 2
    g = lambda: fg.Generator().manual_seed(4)  # noqa: E731
    e1 = [b.tolist() for b in D.DataLoader(list(range(9)), batch_size=4, shuffle=True, generator=g())]
    e2 = [b.tolist() for b in D.DataLoader(list(range(9)), batch_size=4, shuffle=True, generator=g())]
    assert e1 == e2 and sorted(sum(e1, [])) == list(range(9))
    # batch_size=None: torch converts each sample with default_convert (numpy -> tensor, no batch dim)
    out = list(D.DataLoader([np.ones(2), np.zeros(2)], batch_size=None))
    assert all(isinstance(o, fg.Tensor) and o.shape == fg.Size([2]) for o in out)


def test_tensor_dataset_batches_are_lists_as_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(6, 2)
    ours = next(iter(D.DataLoader(D.TensorDataset(fg.tensor(x), fg.arange(6)), batch_size=4)))
    theirs = next(iter(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.arange(6)),
                                                   batch_size=4)))
    _same(ours, theirs)


def test_get_worker_info_is_none_in_the_loop():
    seen = []

    class Probe(D.IterableDataset):
        def __iter__(self):
            seen.append(D.get_worker_info())
            return iter(range(3))
    assert [b.tolist() for b in D.DataLoader(Probe(), batch_size=2, num_workers=2)] == [[0, 1], [2]]
    assert seen == [None] and D.get_worker_info() is None


@pytest.mark.parametrize("path,names", [
    ("fastgrad.utils.data.dataset", ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
                                     "ChainDataset", "StackDataset", "random_split"]),
    ("fastgrad.utils.data.sampler", ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
                                     "WeightedRandomSampler", "BatchSampler"]),
    ("fastgrad.utils.data.dataloader", ["DataLoader", "default_collate", "default_convert", "get_worker_info"]),
    ("fastgrad.utils.data._utils.collate", ["default_collate", "default_convert"]),
    ("fastgrad.utils.data.distributed", ["DistributedSampler"]),
])
def test_torch_submodule_paths(path, names):
    torch = pytest.importorskip("torch")
    mod = importlib.import_module(path)
    tmod = importlib.import_module(path.replace("fastgrad", "torch"))
    for n in names:
        assert hasattr(tmod, n) and hasattr(mod, n), n
    for n in D.__all__:
        assert hasattr(torch.utils.data, n), n


def test_typed_subclasses_as_in_torch_code():
    class Ints(D.Dataset[int]):
        def __getitem__(self, i):
            return i

        def __len__(self):
            return 3

    class Every2(D.Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    class Stream3(D.IterableDataset[int]):
        def __iter__(self):
            return iter([7, 8, 9])
    assert [b.tolist() for b in D.DataLoader(Ints(), batch_size=2, sampler=Every2(3))] == [[0, 2]]
    assert [b.tolist() for b in D.DataLoader(Stream3(), batch_size=2)] == [[7, 8], [9]]
