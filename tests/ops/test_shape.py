"""Shape and indexing ops: errors, view semantics, gradient accumulation, setitem rules,
chunk/split, and torch parity (skipped without torch).  Forward/backward of every op on
plain inputs is covered by the table in test_ops.py (opcases_shape.py)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastgrad as fg
import fastgrad.functional as F


def _t(a, requires_grad=False):
    return fg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@pytest.fixture
def x34(rng):
    return _t(rng.standard_normal((3, 4)), requires_grad=True)


# -- reshape / view ----------------------------------------------------------------------
def test_view_invalid_size_message():
    with pytest.raises(RuntimeError, match=r"view: shape '\[3, 5\]' is invalid for input of size 12"):
        _t(np.zeros((3, 4))).view(3, 5)


def test_reshape_infer_errors():
    x = _t(np.zeros(12))
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(RuntimeError, match=r"reshape: shape '\[5, -1\]' is invalid for input of size 12"):
        x.reshape(5, -1)
    with pytest.raises(RuntimeError, match="invalid shape dimension -2"):
        x.reshape(-2, 6)


def test_view_of_noncontiguous_raises_and_reshape_copies(rng):
    x = _t(rng.standard_normal((3, 4)))
    with pytest.raises(RuntimeError, match="view: .*Use .reshape"):
        x.t().view(12)
    y = x.t().reshape(12)
    np.testing.assert_array_equal(y.numpy(), x.numpy().T.reshape(12))


def test_view_shares_memory_with_its_base():
    x = _t(np.zeros((2, 3)))
    v = x.view(3, 2)
    v[0, 1] = 5.0
    assert x.numpy()[0, 1] == 5.0
    assert np.shares_memory(x.t().numpy(), x.numpy())
    assert np.shares_memory(x[:, 1:].numpy(), x.numpy())


def test_reshape_grad_fn_names(x34):
    assert x34.view(12).grad_fn.name() == "ViewBackward"
    assert x34.reshape(12).grad_fn.name() == "ReshapeBackward"


def test_flatten_squeeze_unsqueeze_shapes():
    x = _t(np.zeros((2, 1, 3, 1)))
    assert x.flatten().shape == (6,)
    assert x.flatten(1, 2).shape == (2, 3, 1)
    assert x.squeeze().shape == (2, 3)
    assert x.squeeze(0).shape == (2, 1, 3, 1)  # not size 1: unchanged, as torch
    assert x.squeeze((1, -1)).shape == (2, 3)
    assert x.unsqueeze(4).shape == (2, 1, 3, 1, 1)
    assert x.unsqueeze(-5).shape == (1, 2, 1, 3, 1)
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(2, 1)
    with pytest.raises(IndexError, match="unsqueeze: dimension out of range"):
        x.unsqueeze(5)


# -- permute / transpose / expand / repeat --------------------------------------------------
def test_permute_errors():
    x = _t(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="duplicate dims"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="number of dims don't match"):
        x.permute(0)
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        _t(np.zeros((2, 2, 2))).t()


def test_expand_errors():
    x = _t(np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(3\) must match the existing size \(4\)"):
        x.expand(2, 3)
    with pytest.raises(RuntimeError, match="must be greater or equal to the number of dimensions"):
        x.expand(4)
    with pytest.raises(RuntimeError, match="isn't allowed in a leading, non-existing dimension 0"):
        x.expand(-1, 3, 4)


def test_expand_is_a_view_and_inplace_writes_raise_as_torch():
    x = _t(np.arange(3.0).reshape(3, 1))
    e = x.expand(3, 4)
    assert e.numpy().strides[1] == 0
    for write in (lambda: e.__setitem__((0, 0), 10.0), lambda: e.add_(1.0)):
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            write()   # torch: a write into memory several elements share is refused (no private copy)
    assert x.numpy()[0, 0] == 0.0 and e.numpy()[0, 1] == 0.0


def test_expand_grad_sums_broadcast_dims(rng):
    x = _t(rng.standard_normal((3, 1)), requires_grad=True)
    x.expand(2, 3, 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 1), 10.0))


def test_repeat_errors_and_grad():
    x = _t(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match="can not be smaller than number of dimensions"):
        x.repeat(2)
    y = x.repeat(2, 1, 3)
    assert y.shape == (2, 2, 9)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 6.0))


# -- cat / stack / chunk / split ---------------------------------------------------------
def test_cat_errors():
    a, b = _t(np.zeros((3, 4))), _t(np.zeros((3, 5)))
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0. Expected size 4 "
                                           "but got size 5 for tensor number 1 in the list."):
        F.cat([a, b])
    with pytest.raises(ValueError, match=r"expected a non-empty list of Tensors"):
        F.cat([])
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.cat([a, _t(np.zeros((3, 4, 1)))])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor"):
        F.cat([_t(1.0), _t(2.0)])
    with pytest.raises(TypeError, match="expected Tensor as element 1"):
        F.cat([a, [1, 2]])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[3, 4\] at "
                                           r"entry 0 and \[3, 5\] at entry 1"):
        F.stack([a, b])


def test_cat_skips_legacy_empty_1d_and_promotes_dtypes():
    a = fg.tensor(np.ones((2, 2), np.float32))
    assert F.cat([a, fg.tensor(np.zeros(0, np.float32))]).shape == (2, 2)
    b = fg.tensor(np.ones((1, 2), np.float64), requires_grad=True)
    c = F.cat([a, b, fg.tensor(np.ones((1, 2), np.int64))])
    assert c.dtype == np.float64 and c.shape == (4, 2)
    c.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), np.ones((1, 2)))


def test_cat_and_stack_route_gradients_to_each_input(rng):
    a = _t(rng.standard_normal((2, 3)), requires_grad=True)
    b = _t(rng.standard_normal((2, 1)), requires_grad=True)
    w = rng.standard_normal((2, 4))
    (F.cat([a, b], 1) * _t(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), w[:, :3])
    np.testing.assert_allclose(b.grad.numpy(), w[:, 3:])
    c = _t(rng.standard_normal((2, 3)), requires_grad=True)
    v = rng.standard_normal((2, 2, 3))
    (F.stack([a, c], 1) * _t(v)).sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), v[:, 1])


@pytest.mark.parametrize("n,chunks", [(5, 3), (6, 4), (0, 3), (1, 2), (7, 7), (2, 5)])
def test_chunk_sizes_match_torch_rule(n, chunks):
    parts = _t(np.arange(float(n))).chunk(chunks)
    size = -(-n // chunks)
    want = [min(size, n - i) for i in range(0, n, size)] if n else [0] * chunks
    assert [p.shape[0] for p in parts] == want


def test_split_sizes_and_errors():
    x = _t(np.arange(5.0))
    assert [p.shape[0] for p in x.split(2)] == [2, 2, 1]
    assert [p.shape[0] for p in F.split(x, [1, 4])] == [1, 4]
    assert [p.shape[0] for p in _t(np.zeros(0)).split(0)] == [0]
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        x.split(0)
    with pytest.raises(RuntimeError, match=r"split_sizes to sum exactly to 5 .* split_sizes=\[1, 1\]"):
        F.split(x, [1, 1])
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)


def test_split_pieces_all_carry_gradient(rng):
    x = _t(rng.standard_normal((4, 3)), requires_grad=True)
    a, b, c = x.split([1, 2, 1], 0)
    (a.sum() * 1.0 + (b * 2.0).sum() + (c * 3.0).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.array([1, 2, 2, 3.0])[:, None] * np.ones((4, 3)))


# -- getitem -----------------------------------------------------------------------------
def test_getitem_repeated_indices_accumulate():
    x = _t(np.arange(4.0), requires_grad=True)
    x[[0, 0, 3, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 0.0, 1.0])
    y = _t(np.zeros((2, 3)), requires_grad=True)
    y[fg.tensor([1, 1]), fg.tensor([2, 2])].sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0, 0], [0, 0, 2.0]])


def test_getitem_bool_mask_forward_and_backward(rng):
    a = rng.standard_normal((3, 4))
    x = _t(a, requires_grad=True)
    mask = a > 0
    y = x[fg.tensor(mask)]
    np.testing.assert_array_equal(y.numpy(force=True), a[mask])
    (y * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(mask, 2.0, 0.0))
    row = np.array([True, False, True])
    np.testing.assert_array_equal(x[row, 1:].numpy(force=True), a[row, 1:])
    np.testing.assert_array_equal(x[fg.tensor(row.astype(np.uint8))].numpy(force=True), a[row])


def test_getitem_zero_d_integer_tensor_indexes_like_an_int(x34):
    assert x34[fg.tensor(1)].shape == (4,)


def test_getitem_errors(x34):
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x34[::-1]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        x34[fg.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x34[5]
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        x34[fg.tensor([0, 5])]
    with pytest.raises(IndexError, match="getitem: only integers, slices"):
        x34["a"]


@settings(max_examples=60, deadline=None)
@given(st.tuples(*[st.one_of(st.integers(-3, 2), st.slices(3), st.just(None), st.just(Ellipsis))
                   for _ in range(2)]))
def test_getitem_basic_indices_match_numpy(index):
    if sum(i is Ellipsis for i in index) > 1:
        return
    if any(isinstance(i, slice) and i.step is not None and i.step < 0 for i in index):
        return
    a = np.arange(9.0).reshape(3, 3)
    x = _t(a, requires_grad=True)
    y = x[index]
    np.testing.assert_array_equal(y.numpy(force=True), a[index])
    y.sum().backward()
    want = np.zeros_like(a)
    want[index] += 1  # basic indices never repeat an element
    np.testing.assert_array_equal(x.grad.numpy(), want)


# -- setitem -----------------------------------------------------------------------------
def test_setitem_on_leaf_requiring_grad_raises(x34):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        x34[0] = 1.0


def test_setitem_allowed_under_no_grad_and_on_plain_tensors(x34):
    with fg.no_grad():
        x34[0, 1] = 7.0
    assert x34.numpy(force=True)[0, 1] == 7.0 and x34.is_leaf
    p = _t(np.zeros(4))
    p[fg.tensor([1, 3])] = fg.tensor(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(p.numpy(), [0, 1, 0, 2])
    p[p > 1] = 0.5
    np.testing.assert_array_equal(p.numpy(), [0, 1, 0, 0.5])


def test_setitem_on_non_leaf_is_recorded(rng):
    x = _t(rng.standard_normal((3, 2)), requires_grad=True)
    w = _t(rng.standard_normal(2), requires_grad=True)
    h = x * 2.0
    h[1] = w
    assert h.grad_fn is not None
    (h * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[6, 6], [0, 0], [6, 6.0]])
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


def test_setitem_value_requiring_grad_makes_plain_tensor_part_of_graph(rng):
    w = _t(rng.standard_normal(()), requires_grad=True)
    buf = _t(np.zeros(3))
    buf[fg.tensor([0, 2])] = w
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    assert w.grad.item() == 2.0


def test_setitem_keeps_saved_values_of_earlier_ops_intact(rng):
    a = rng.standard_normal(4)
    x = _t(a, requires_grad=True)
    s = x.sigmoid()  # saves its output for backward
    s[0] = 0.0
    s.sum().backward()
    sig = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(x.grad.numpy(), np.r_[0.0, (sig * (1 - sig))[1:]])


# -- masked_fill / gather ----------------------------------------------------------------
def test_masked_fill_errors():
    x = _t(np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        x.masked_fill(fg.tensor([1, 0, 1, 0]), 0.0)
    with pytest.raises(RuntimeError, match="not broadcastable"):
        x.masked_fill(fg.tensor(np.array([True, False, True])), 0.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.masked_fill(fg.tensor(np.ones(4, bool)), _t(np.ones(2)))


def test_masked_fill_value_gradient(rng):
    x = _t(rng.standard_normal((2, 3)), requires_grad=True)
    v = _t(0.5, requires_grad=True)
    mask = np.array([[True, False, False], [True, True, False]])
    x.masked_fill(fg.tensor(mask), v).sum().backward()
    assert v.grad.item() == 3.0
    np.testing.assert_array_equal(x.grad.numpy(), (~mask).astype(float))


def test_gather_errors(x34):
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1 with size 4"):
        x34.gather(1, fg.tensor([[0, 5]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        x34.gather(1, fg.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x34.gather(1, fg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"expected index \[4, 2\] to be no larger than self \[3, 4\]"):
        x34.gather(1, fg.tensor([[0, 1]] * 4))
    with pytest.raises(RuntimeError, match="Expected dtype int64 for index"):
        x34.gather(1, fg.tensor([[0.0]]))


def test_gather_repeated_indices_accumulate():
    x = _t(np.zeros((2, 3)), requires_grad=True)
    x.gather(1, fg.tensor([[0, 0, 0], [2, 1, 2]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3, 0, 0], [0, 1, 2.0]])


# -- torch parity ------------------------------------------------------------------------
def _composite(lib, x, idx, mask):
    """A chain of shape ops in both libraries; x is (2, 3, 4)."""
    if lib == "torch":
        import torch as L
        cat, stack = L.cat, L.stack
    else:
        cat, stack = F.cat, F.stack
    y = x.permute(2, 0, 1).reshape(4, 6)[:, 1:]
    y = cat([y, y[idx]], 0).unsqueeze(0).expand(2, -1, -1)
    z = stack([y[0], y[1].masked_fill(mask, 0.0)], -1).flatten(1)
    a, b = z.chunk(2, 1)
    return (a * b).sum(0).repeat(2)[::3].gather(0, idx)


def test_shape_chain_matches_torch(rng):
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((2, 3, 4))
    idx = np.array([0, 2, 2, 1])
    mask = rng.standard_normal((8, 5)) > 0
    x = _t(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    out = _composite("fg", x, fg.tensor(idx), fg.tensor(mask))
    tout = _composite("torch", tx, torch.tensor(idx), torch.tensor(mask))
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("index", [
    (slice(None), [0, 2, 0]), ([1, 0], slice(None), [3, 3]), (Ellipsis, None, 1), ([[0, 1], [1, 0]],),
    (1, [2, 2], slice(1, None)), ([0, 0, 1],),
])
def test_getitem_advanced_matches_torch(rng, index):
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((2, 3, 4))
    x = _t(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    tindex = tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)
    out, tout = x[index], tx[tindex]
    np.testing.assert_array_equal(out.numpy(force=True), tout.detach().numpy())
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
