"""nn.utils.rnn: pad_sequence / unpad_sequence against torch (values, dtypes, gradients, errors)."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck
from fastgrad.nn.utils.rnn import pad_sequence, unpad_sequence

SHAPES = [[(2, 3), (4, 3), (1, 3)], [(3,), (1,)], [(0, 2), (2, 2)], [(0, 2), (0, 2)], [(1, 2, 2)],
          [(5, 1, 2), (2, 1, 2)]]


def _arrays(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_values_and_gradients_match_torch(shapes, dtype, batch_first, side):
    torch = pytest.importorskip("torch")
    arrs = _arrays(shapes, dtype)
    ours = [fg.tensor(a, requires_grad=True) for a in arrs]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrs]
    y = pad_sequence(ours, batch_first=batch_first, padding_value=-2.5, padding_side=side)
    t = torch.nn.utils.rnn.pad_sequence(theirs, batch_first=batch_first, padding_value=-2.5, padding_side=side)
    assert tuple(y.shape) == tuple(t.shape) and str(y.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(y.detach().numpy(), t.detach().numpy())
    w = np.random.default_rng(1).standard_normal(tuple(t.shape)).astype(dtype)
    (y * fg.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    for o, th in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.numpy(), th.grad.numpy())
    # the same without autograd (numpy path)
    y2 = pad_sequence([fg.tensor(a) for a in arrs], batch_first=batch_first, padding_value=-2.5, padding_side=side)
    np.testing.assert_array_equal(y2.numpy(), t.detach().numpy())


def test_pad_sequence_gradcheck_float64_and_non_contiguous():
    a = fg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    b = fg.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda x, y: pad_sequence([x.t(), y], batch_first=True, padding_value=1.0), [a, b])
    assert gradcheck(lambda x, y: pad_sequence([y, x.t()], padding_side="left"), [a, b])


def test_pad_sequence_ints_single_tensor_and_mixed_dtypes_as_torch():
    torch = pytest.importorskip("torch")
    ints = [np.arange(3), np.arange(5)]
    y = pad_sequence([fg.tensor(a) for a in ints], padding_value=1.5)
    t = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in ints], padding_value=1.5)
    assert y.dtype == fg.int64 and y.tolist() == t.tolist()
    block = np.arange(6.0).reshape(3, 2)
    assert pad_sequence(fg.tensor(block)).tolist() == torch.nn.utils.rnn.pad_sequence(torch.tensor(block)).tolist()
    mixed = pad_sequence([fg.ones(2), fg.ones(3, dtype=fg.float64, requires_grad=True)])
    assert mixed.dtype == fg.float32 and tuple(mixed.shape) == (3, 2)


def test_pad_sequence_errors_as_torch():
    torch = pytest.importorskip("torch")
    cases = [(([],), {}), (([torch.ones(2, 3)],), {"padding_side": "middle"}),
             (([torch.ones(2, 3), torch.ones(2, 4)],), {}), (([torch.ones(())],), {})]
    for args, kw in cases:
        with pytest.raises(RuntimeError) as want:
            torch.nn.utils.rnn.pad_sequence(*args, **kw)
        fargs = ([fg.tensor(a.numpy()) for a in args[0]],)
        with pytest.raises(RuntimeError) as got:
            pad_sequence(*fargs, **kw)
        assert "pad_sequence" in str(got.value) or str(got.value) == str(want.value)
    with pytest.raises(RuntimeError, match=r"\[2, 3\] at index 0 and \[2, 4\] at index 1"):
        pad_sequence([fg.ones(2, 3), fg.ones(2, 4)])


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_inverts_pad_and_matches_torch(batch_first):
    torch = pytest.importorskip("torch")
    arrs = _arrays([(3, 2), (1, 2), (4, 2), (0, 2)], np.float64)
    padded = pad_sequence([fg.tensor(a) for a in arrs], batch_first=batch_first)
    padded.requires_grad_(True)
    lengths = fg.tensor([3, 1, 4, 0])
    out = unpad_sequence(padded, lengths, batch_first=batch_first)
    tp = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrs], batch_first=batch_first)
    tout = torch.nn.utils.rnn.unpad_sequence(tp, torch.tensor([3, 1, 4, 0]), batch_first=batch_first)
    for o, t, a in zip(out, tout, arrs):
        np.testing.assert_array_equal(o.detach().numpy(), t.numpy())
        np.testing.assert_array_equal(o.detach().numpy(), a)
    sum(o.sum() for o in out).backward()
    mask = np.zeros((4, 4))
    for i, n in enumerate([3, 1, 4, 0]):
        mask[i, :n] = 1
    want = mask if batch_first else mask.T
    np.testing.assert_array_equal(padded.grad.numpy(), np.repeat(want[..., None], 2, axis=-1))
    assert gradcheck(lambda p: unpad_sequence(p, [3, 1, 4, 0], batch_first=batch_first)[0], [padded])
    out[0].detach().fill_(7.0)                     # copies, as torch's masked select: padded is untouched
    assert padded.detach().numpy().max() != 7.0


def test_unpad_sequence_errors():
    with pytest.raises(RuntimeError, match="unpad_sequence: 3 lengths for a batch of 2"):
        unpad_sequence(fg.zeros(4, 2), [1, 2, 3])
    with pytest.raises(RuntimeError, match="lengths must be in"):
        unpad_sequence(fg.zeros(4, 2), [1, 5])
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        unpad_sequence(fg.zeros(4), [1])


def test_import_path():
    import fastgrad.nn as nn
    assert nn.utils.rnn.pad_sequence is pad_sequence
    assert not hasattr(nn.utils.rnn, "PackedSequence")
