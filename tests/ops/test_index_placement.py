"""Indices that mix integers with index arrays place the indexed dimensions as torch does
(integers first, as basic indexing; then the rest), not as numpy does; a Python ``range`` indexes
like a list.  Forward, in-place writes and gradients, against torch when it is installed and
against the two-step numpy model otherwise."""
import numpy as np
import pytest

import fastgrad as fg

SHAPE = (4, 5, 12, 4, 6)
IDX = np.array([0, 1, 3])
JDX = np.array([1, 2, 0])

# (key with numpy arrays, the shape torch gives)
KEYS = [
    ((1, slice(None), slice(3, 11, 2), IDX, slice(0, 2)), (5, 4, 3, 2)),  # the issue's case
    ((slice(None), IDX, 1, JDX), (4, 3, 6)),
    ((IDX, 1, JDX), (3, 4, 6)),
    ((1, slice(None), IDX), (5, 3, 4, 6)),
    ((IDX, slice(None), 1, slice(None)), (3, 5, 4, 6)),
    ((Ellipsis, 1, IDX, 2), (4, 5, 3)),
    ((1, Ellipsis, IDX), (5, 12, 4, 3)),
    ((None, 1, slice(None), IDX), (1, 5, 3, 4, 6)),
    ((1, slice(None), [0, 1], [1, 2]), (5, 2, 6)),
    ((True, 1, slice(None), IDX), (3, 5, 4, 6)),
    ((IDX, Ellipsis, 2), (3, 5, 12, 4)),
    ((2, np.array([[True, False, True, False, True]] * 12).T), (36, 4, 6)),
]


def _split(key):
    """torch's model: (the integers, with ':' for every other dim), (the rest)."""
    ints, rest = [], []
    for it in key:
        if type(it) is int:
            ints.append(it)
        elif it is Ellipsis:
            ints.append(it)
            rest.append(it)
        else:
            rest.append(it)
            if isinstance(it, np.ndarray) and it.dtype == np.bool_:
                ints.extend([slice(None)] * it.ndim)
            elif it is not None and type(it) is not bool:
                ints.append(slice(None))
    return tuple(ints), tuple(rest)


def _two_step(a, key):
    """a[ints and ':'][the rest]."""
    ints, rest = _split(key)
    return a[ints][rest]


def _torch_key(key):
    import torch
    return tuple(torch.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)


def _fg_key(key):
    return tuple(fg.tensor(k) if isinstance(k, np.ndarray) else k for k in key)


def _x(dtype=np.float64):
    return np.arange(np.prod(SHAPE), dtype=dtype).reshape(SHAPE)


@pytest.mark.parametrize("key,shape", KEYS)
def test_getitem_places_dims_as_torch(key, shape):
    x = _x()
    got = fg.tensor(x)[_fg_key(key)].numpy()
    assert got.shape == shape
    np.testing.assert_array_equal(got, _two_step(x, key))


@pytest.mark.parametrize("key,shape", KEYS)
def test_getitem_matches_torch(key, shape):
    torch = pytest.importorskip("torch")
    x = _x()
    np.testing.assert_array_equal(fg.tensor(x)[_fg_key(key)].numpy(), torch.from_numpy(x)[_torch_key(key)].numpy())


@pytest.mark.parametrize("key,shape", KEYS)
def test_setitem_writes_where_torch_reads(key, shape):
    t = fg.tensor(_x())
    value = np.random.default_rng(0).standard_normal(shape)
    t[_fg_key(key)] = fg.tensor(value)
    expected = _x()
    ints, rest = _split(key)
    expected[ints][rest] = value
    np.testing.assert_array_equal(t.numpy(), expected)



@pytest.mark.parametrize("key,shape", KEYS)
def test_gradients_through_mixed_indices(key, shape):
    """d/dx of sum(w * x[key]) scatters w back to the places read (repeated places accumulate);
    the recorded write's gradients go to the places written and to the value."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal(shape)
    x = fg.tensor(_x(), requires_grad=True)
    (x[_fg_key(key)] * fg.tensor(w)).sum().backward()
    expected = np.zeros(SHAPE)
    ints, rest = _split(key)
    np.add.at(expected[ints], rest, w)
    np.testing.assert_array_equal(x.grad.numpy(), expected)

    base = fg.tensor(_x(), requires_grad=True)
    v = fg.tensor(rng.standard_normal(shape), requires_grad=True)
    y = base * 1
    y[_fg_key(key)] = v
    (y * y).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), 2 * v.detach().numpy())



def test_gradient_matches_torch_for_the_issue_case():
    torch = pytest.importorskip("torch")
    key, shape = KEYS[0]
    x = _x()
    w = np.random.default_rng(2).standard_normal(shape)
    a = fg.tensor(x, requires_grad=True)
    (a[_fg_key(key)] * fg.tensor(w)).sum().backward()
    b = torch.tensor(x, requires_grad=True)
    (b[_torch_key(key)] * torch.from_numpy(w)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_range_indexes_like_a_list():
    x = _x()
    t = fg.tensor(x)
    np.testing.assert_array_equal(t[range(1, 3)].numpy(), x[[1, 2]])
    np.testing.assert_array_equal(t[:, range(0, 5, 2)].numpy(), x[:, [0, 2, 4]])
    t[range(2)] = 0.0
    assert (t.numpy()[:2] == 0).all() and (t.numpy()[2:] == x[2:]).all()


def test_mixed_index_out_of_range_names_the_op():
    with pytest.raises(IndexError, match="getitem"):
        fg.tensor(_x())[9, :, IDX]
    with pytest.raises(IndexError, match="getitem"):
        fg.tensor(_x())[1, :, np.array([12])]
