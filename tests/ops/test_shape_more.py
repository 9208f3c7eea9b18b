"""The more-shape family beyond the op table: views (shared memory and version counter) against
copies, torch parity of the compositions (movedim, tile, unflatten, stacks, splits, meshgrid,
atleast_*, broadcast_*), clone/contiguous memory formats, view(dtype), triangles' in-place forms
and indices, and bad input (torch's exception types, the op named)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastgrad as fg


def _t(a, requires_grad=False):
    return fg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _x(*shape):
    return _t(np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape))


# -- views share memory and the version counter; flip/roll/tril copy ------------------------
@pytest.mark.parametrize("make", [
    lambda x: x.narrow(1, 1, 2), lambda x: x.unbind(0)[1], lambda x: x.movedim(0, 1), lambda x: x.swapaxes(0, 1),
    lambda x: x.diagonal(), lambda x: x.unflatten(1, (2, 2)), lambda x: x.tensor_split(2, 1)[1],
    lambda x: fg.hsplit(x, 2)[0], lambda x: fg.broadcast_to(x[0], (2, 4)), lambda x: fg.atleast_3d(x),
], ids=["narrow", "unbind", "movedim", "swapaxes", "diagonal", "unflatten", "tensor_split", "hsplit",
        "broadcast_to", "atleast_3d"])
def test_view_shares_memory_and_version(make):
    x = _x(3, 4)
    v = make(x)
    assert np.shares_memory(v.numpy(), x.numpy())
    before = v._version
    x.add_(1.0)
    assert v._version == before + 1


@pytest.mark.parametrize("make", [lambda x: x.flip(0), lambda x: x.roll(1, 0), lambda x: x.tril(),
                                  lambda x: fg.rot90(x, 2), lambda x: fg.diag(x), lambda x: x.tile(2),
                                  lambda x: x.repeat_interleave(2, 0), lambda x: fg.vstack([x, x])],
                         ids=["flip", "roll", "tril", "rot90", "diag", "tile", "repeat_interleave", "vstack"])
def test_copies_do_not_share_memory(make):
    x = _x(3, 3)
    assert not np.shares_memory(make(x).numpy(), x.numpy())


def test_diagonal_write_reaches_input():
    x = _x(3, 3)
    x.diagonal().fill_(-1.0)
    np.testing.assert_array_equal(np.diag(x.numpy()), [-1.0, -1.0, -1.0])
    assert x._version == 1


# -- torch parity of the compositions ------------------------------------------------------
def _cmp(fn, tfn, *arrays):
    torch = pytest.importorskip("torch")
    out = fn(*[_t(a) for a in arrays])
    ref = tfn(*[torch.tensor(a) for a in arrays])
    if isinstance(ref, (tuple, list)):
        assert len(out) == len(ref)
        for o, r in zip(out, ref):
            assert tuple(o.shape) == tuple(r.shape)
            np.testing.assert_array_equal(o.numpy(), r.numpy())
    else:
        assert tuple(out.shape) == tuple(ref.shape)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())


A34, A3, A0 = np.arange(12.).reshape(3, 4), np.arange(3.), np.array(5.)
A234 = np.arange(24.).reshape(2, 3, 4)


@pytest.mark.parametrize("name, fn", [
    ("movedim", lambda m, a: m.movedim(a, (0, 2), (2, 0))), ("moveaxis", lambda m, a: m.moveaxis(a, -1, 0)),
    ("swapdims", lambda m, a: m.swapdims(a, 0, 2)), ("tile", lambda m, a: m.tile(a, (2,))),
    ("tile-long", lambda m, a: m.tile(a, (2, 1, 1, 2))), ("unflatten", lambda m, a: m.unflatten(a, 2, (2, -1))),
    ("unbind", lambda m, a: m.unbind(a, 1)), ("narrow", lambda m, a: m.narrow(a, -1, -3, 2)),
    ("tensor_split-int", lambda m, a: m.tensor_split(a, 3, dim=2)),
    ("tensor_split-list", lambda m, a: m.tensor_split(a, [1, 3, 2], dim=2)),
    ("tensor_split-tensor", lambda m, a: m.tensor_split(a, m.tensor([1, 2]), dim=1)),
    ("hsplit", lambda m, a: m.hsplit(a, 3)), ("vsplit", lambda m, a: m.vsplit(a, [1])),
    ("dsplit", lambda m, a: m.dsplit(a, 2)), ("split-list", lambda m, a: m.split(a, [1, 2], 1)),
    ("atleast_2d", lambda m, a: m.atleast_2d(a)), ("atleast_1d-many", lambda m, a: m.atleast_1d(a, a[0])),
    ("atleast_3d-list", lambda m, a: m.atleast_3d([a[0, 0], a[0]])),
    ("broadcast_tensors", lambda m, a: m.broadcast_tensors(a, a[0, :1])),
    ("hstack", lambda m, a: m.hstack([a, a])), ("vstack", lambda m, a: m.vstack([a[0], a[1]])),
    ("row_stack", lambda m, a: m.row_stack([a[0, 0], a[1, 1]])), ("dstack", lambda m, a: m.dstack([a[0], a[1]])),
    ("column_stack", lambda m, a: m.column_stack([a[0, :, 0], a[0]])), ("rot90-3", lambda m, a: m.rot90(a, 3, (1, 2))),
    ("fliplr", lambda m, a: m.fliplr(a)), ("squeeze-tuple", lambda m, a: m.squeeze(a[:1, :1], (0, 1))),
    ("expand-minus1", lambda m, a: a[:1].expand(3, -1, -1)), ("trace", lambda m, a: m.trace(a[0])),
    ("repeat_interleave-out", lambda m, a: m.repeat_interleave(a, 2, dim=1, output_size=6)),
])
def test_matches_torch(name, fn):
    torch = pytest.importorskip("torch")
    _cmp(lambda a: fn(fg, a), lambda a: fn(torch, a), A234)


def test_meshgrid_matches_torch_and_warns_without_indexing():
    torch = pytest.importorskip("torch")
    for idx in ("ij", "xy"):
        _cmp(lambda a, b, c: fg.meshgrid(a, b, c, indexing=idx), lambda a, b, c: torch.meshgrid(a, b, c, indexing=idx),
             A3, np.arange(2.), A0)
    _cmp(lambda a, b: fg.meshgrid([a, b], indexing="xy"), lambda a, b: torch.meshgrid([a, b], indexing="xy"),
         A3, np.arange(4.))
    with pytest.warns(UserWarning, match="indexing"):
        g = fg.meshgrid(_t(A3), _t(A3))
    assert tuple(g[0].shape) == (3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fg.meshgrid(_t(A3), indexing="ij")


def test_meshgrid_gradient():
    a, b = _t(A3, True), _t(np.arange(2.), True)
    ga, gb = fg.meshgrid(a, b, indexing="xy")
    (ga * 2 + gb).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [3.0, 3.0])


def test_broadcast_shapes():
    assert fg.broadcast_shapes((2, 1), (3,), 1) == fg.Size([2, 3])
    with pytest.raises(RuntimeError, match="broadcast_shapes"):
        fg.broadcast_shapes((2,), (3,))


def test_repeat_interleave_counts_form():
    out = fg.repeat_interleave(fg.tensor([2, 0, 1]))
    np.testing.assert_array_equal(out.numpy(), [0, 0, 2])
    assert out.dtype == np.int64


# -- memory formats and view(dtype) ---------------------------------------------------------
@pytest.mark.parametrize("make", [lambda m, x: x.transpose(0, 1), lambda m, x: x[:, ::2],
                                  lambda m, x: x.transpose(0, 1)[::2], lambda m, x: x.permute(*range(x.ndim)[::-1])])
def test_clone_preserve_format_strides_match_torch(make):
    torch = pytest.importorskip("torch")
    for a in (A34, A234):
        ours, theirs = make(fg, _t(a)).clone(), make(torch, torch.tensor(a)).clone()
        assert ours.stride() == theirs.stride()
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_clone_and_contiguous_formats():
    torch = pytest.importorskip("torch")
    x, tx = _t(A234[None]), torch.tensor(A234[None])
    assert x.clone(memory_format=fg.channels_last).stride() == tx.clone(memory_format=torch.channels_last).stride()
    cl = x.contiguous(memory_format=fg.channels_last)
    assert cl.stride() == tx.contiguous(memory_format=torch.channels_last).stride()
    assert cl.contiguous(memory_format=fg.channels_last) is cl
    assert fg.clone(x[0, 0].t(), memory_format=fg.contiguous_format).is_contiguous()
    assert x.contiguous() is x
    with pytest.raises(RuntimeError, match="preserve"):
        x.contiguous(memory_format=fg.preserve_format)
    with pytest.raises(RuntimeError, match="rank 4"):
        _t(A34).clone(memory_format=fg.channels_last)


def test_clone_keeps_gradient():
    x = _t(A34, True)
    x.t().clone().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((3, 4)))


def test_view_dtype_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(8, dtype=np.float32).reshape(2, 4)
    ours, theirs = fg.tensor(a).view(fg.int32), torch.tensor(a).view(torch.int32)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tuple(fg.tensor(a).view(fg.float64).shape) == tuple(torch.tensor(a).view(torch.float64).shape)
    x = fg.tensor(a)
    v = x.view(fg.int32)
    v[0, 0] = 7
    assert x._version == 1 and x.numpy()[0, 0] != 0  # the same memory
    with pytest.raises(RuntimeError, match="stride"):
        fg.tensor(a).t().view(fg.float64)
    with pytest.raises(RuntimeError, match="dim"):
        fg.tensor(np.float32(1)).view(fg.float64)
    assert x.view(-1).shape == (8,)


# -- triangles -----------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("args", [(4, 3), (3, 5, 1), (3, 3, -1), (0, 3), (4, 2, 7)])
def test_tri_indices_match_torch(fn, args):
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(getattr(fg, fn)(*args).numpy(), getattr(torch, fn)(*args).numpy())


def test_tri_indices_bad_input():
    with pytest.raises(RuntimeError, match="row must be non-negative"):
        fg.tril_indices(-1, 3)
    with pytest.raises(NotImplementedError, match="tril_indices"):
        fg.tril_indices(3, 3, dtype=fg.float32)


def test_tril_triu_inplace():
    x = _x(3, 3)
    assert x.tril_() is x and x._version == 1
    np.testing.assert_array_equal(x.numpy(), np.tril(np.arange(9.).reshape(3, 3)))
    w = _t(np.ones((2, 2)), True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.triu_()
    h = w * 2
    h.triu_(1)
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 2], [0, 0]])
    i = fg.tensor([[1, 2], [3, 4]])
    np.testing.assert_array_equal(i.triu().numpy(), [[1, 2], [0, 4]])


def test_masked_fill_inplace():
    x = _x(2, 3)
    x.masked_fill_(fg.tensor([True, False, True]), -1.0)
    np.testing.assert_array_equal(x.numpy(), [[-1, 1, -1], [-1, 4, -1]])
    assert x._version == 1


# -- bad input: torch's exception types, the op named --------------------------------------
@pytest.mark.parametrize("call, exc, match", [
    (lambda x: x.flip(0, 0), RuntimeError, "flip: dim 0 appears multiple times"),
    (lambda x: x.flip(3), IndexError, "flip: dimension out of range"),
    (lambda x: fg.fliplr(x[0]), RuntimeError, "fliplr: Input must be >= 2-d"),
    (lambda x: x.roll(1, (0, 1)), RuntimeError, "roll: shifts and dimensions must align"),
    (lambda x: fg.rot90(x[0]), RuntimeError, "rot90: expected total dims >= 2"),
    (lambda x: fg.rot90(x, 1, (0, 0)), RuntimeError, "rot90: expected rotation dims to be different"),
    (lambda x: fg.tril(x[0]), RuntimeError, "tril: input tensor must have at least 2"),
    (lambda x: fg.diag(x[None]), RuntimeError, r"diag\(\): Supports 1D or 2D"),
    (lambda x: fg.diagonal(x[0]), IndexError, "diagonal: dimension out of range"),
    (lambda x: fg.diagonal(x, 0, 1, 1), RuntimeError, "diagonal dimensions cannot be identical"),
    (lambda x: fg.trace(x[None]), RuntimeError, "trace: expected a matrix"),
    (lambda x: x.narrow(0, 4, 0), IndexError, "narrow: start out of range"),
    (lambda x: x.narrow(0, 2, 2), RuntimeError, r"narrow: start \(2\) \+ length \(2\) exceeds"),
    (lambda x: x.movedim((0, 1), 0), RuntimeError, "movedim: Invalid source or destination dims"),
    (lambda x: x.movedim((0, 0), (0, 1)), RuntimeError, "movedim: repeated dim in `source`"),
    (lambda x: x.unflatten(1, (3, -1)), RuntimeError, "unflatten: shape"),
    (lambda x: x.repeat_interleave(fg.tensor([1, 2]), 0), RuntimeError, "repeat_interleave: repeats must have"),
    (lambda x: x.repeat_interleave(-1), RuntimeError, "repeat_interleave: repeats can not be negative"),
    (lambda x: x.repeat_interleave(2, 0, output_size=5), RuntimeError, "repeat_interleave: allocated size"),
    (lambda x: fg.hsplit(x, 3), RuntimeError, "hsplit attempted to split along dimension 1"),
    (lambda x: fg.vsplit(x[0], 1), RuntimeError, "vsplit requires a tensor with at least 2"),
    (lambda x: fg.dsplit(x, 1), RuntimeError, "dsplit requires a tensor with at least 3"),
    (lambda x: x.tensor_split(0), RuntimeError, "tensor_split: number of sections"),
    (lambda x: fg.meshgrid(x, indexing="ij"), RuntimeError, "meshgrid: Expected 0D or 1D"),
    (lambda x: fg.meshgrid(x[0], indexing="yx"), RuntimeError, "meshgrid: indexing must be"),
    (lambda x: fg.broadcast_tensors(x, x[:, :2]), RuntimeError, "broadcast_tensors"),
    (lambda x: fg.hstack(x), TypeError, "hstack"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(_x(3, 4))


# -- properties: any shape (empty and size-1 dims included) against numpy -------------------
_shapes = st.lists(st.integers(0, 4), min_size=2, max_size=4).map(tuple)


@settings(max_examples=25, deadline=None)
@given(shape=_shapes, k=st.integers(-3, 3), data=st.data())
def test_shape_ops_property_match_numpy(shape, k, data):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x = _t(a, True)
    nd = len(shape)
    d0, d1 = data.draw(st.sampled_from([(i, j) for i in range(nd) for j in range(nd) if i != j]))
    outs = [(x.flip(d0), np.flip(a, d0)), (x.roll(k, d1), np.roll(a, k, d1)), (x.tril(k), np.tril(a, k)),
            (x.triu(k), np.triu(a, k)), (x.diagonal(k, d0, d1), np.diagonal(a, k, d0, d1)),
            (fg.rot90(x, k, (d0, d1)), np.rot90(a, k, (d0, d1))), (x.movedim(d0, d1), np.moveaxis(a, d0, d1))]
    outs += list(zip(x.tensor_split(abs(k) + 1, d0), np.array_split(a, abs(k) + 1, d0)))
    for out, ref in outs:
        assert tuple(out.shape) == ref.shape
        np.testing.assert_array_equal(out.detach().numpy(), ref)
    sum(o.sum() for o, _ in outs).backward()
    assert x.grad.shape == x.shape
