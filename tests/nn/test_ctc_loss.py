"""F.ctc_loss and nn.CTCLoss: against a brute-force float64 oracle (every alignment enumerated),
gradcheck through log_softmax, torch parity of losses and log_probs gradients over every option, and
torch's errors."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

from opcases_ctc import ctc_ref, log_softmax

TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def _logits(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# (T, N, C), padded targets, input lengths, target lengths, blank
SETUPS = {
    "basic": ((6, 3, 5), [[1, 2, 3], [4, 4, 0], [2, 0, 0]], [6, 5, 4], [3, 2, 1], 0),
    "repeats": ((7, 2, 4), [[1, 1, 1], [2, 2, 3]], [7, 6], [3, 3], 0),
    "blank-last": ((6, 2, 4), [[0, 1, 2], [2, 2, 0]], [6, 6], [3, 2], 3),
    "blank-middle": ((5, 2, 4), [[0, 1, 3], [3, 3, 0]], [5, 4], [3, 2], 2),
    "empty-target": ((5, 3, 3), [[1, 2], [0, 0], [2, 2]], [5, 4, 0], [2, 0, 0], 0),
    "impossible": ((5, 2, 4), [[1, 1, 1], [1, 2, 3]], [5, 2], [3, 3], 0),  # row 1: 3 labels in 2 steps
}


def _case(name, dtype=np.float64):
    shape, tg, il, tl, blank = SETUPS[name]
    lp = log_softmax(_logits(shape, seed=len(name)))
    return lp.astype(dtype), np.array(tg), il, tl, blank


def _concat(tg, tl):
    return np.concatenate([np.asarray(tg[b][:tl[b]]) for b in range(len(tl))]).astype(np.int64)


@pytest.mark.parametrize("name", ["basic", "repeats", "blank-last", "empty-target"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_forward_matches_bruteforce_float64(name, reduction):
    lp, tg, il, tl, blank = _case(name)
    if lp.shape[0] > 6:  # keep the C^T enumeration small
        lp, il = lp[:6], [min(v, 6) for v in il]
    out = F.ctc_loss(fg.tensor(lp), fg.tensor(tg), il, tl, blank=blank, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), ctc_ref(lp, tg, il, tl, blank, reduction), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["basic", "blank-middle", "empty-target"])
def test_ctc_backward_gradcheck_through_log_softmax(name):
    lp, tg, il, tl, blank = _case(name)
    x = fg.tensor(_logits(lp.shape, 3)[:4, :2], requires_grad=True)
    il, tl, tg = [min(v, 4) for v in il[:2]], tl[:2], tg[:2]
    for reduction in ("none", "mean", "sum"):
        assert gradcheck(lambda a: F.ctc_loss(F.log_softmax(a, -1), fg.tensor(tg), il, tl, blank=blank,
                                              reduction=reduction), [x])


def test_ctc_gradcheck_zero_infinity_impossible():
    x = fg.tensor(_logits((3, 2, 3), 5), requires_grad=True)
    tg = fg.tensor([[1, 2], [1, 1]])  # row 1 needs 3 steps, has 2
    assert gradcheck(lambda a: F.ctc_loss(F.log_softmax(a, -1), tg, [3, 2], [2, 2], zero_infinity=True,
                                          reduction="sum"), [x])


def _torch_pair(lp, tg, il, tl, dtype, concat, lengths_as):
    torch = pytest.importorskip("torch")
    targets = _concat(tg, tl) if concat else tg
    if lengths_as == "tensor":
        fil, ftl = fg.tensor(np.array(il)), fg.tensor(np.array(tl))
        til, ttl = torch.tensor(il), torch.tensor(tl)
    else:
        fil = til = tuple(il) if lengths_as == "tuple" else list(il)
        ftl = ttl = tuple(tl) if lengths_as == "tuple" else list(tl)
    a = fg.tensor(lp.astype(dtype), requires_grad=True)
    b = torch.tensor(lp.astype(dtype), requires_grad=True)
    return torch, a, b, (fg.tensor(targets), fil, ftl), (torch.tensor(targets), til, ttl)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(SETUPS))
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("form", [("padded", "list"), ("concat", "tensor"), ("padded", "tuple")])
def test_ctc_loss_and_grad_match_torch(dtype, name, reduction, zero_infinity, form):
    lp, tg, il, tl, blank = _case(name, np.float64)
    torch, a, b, fargs, targs = _torch_pair(lp, tg, il, tl, dtype, form[0] == "concat", form[1])
    la = F.ctc_loss(a, *fargs, blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    lb = torch.nn.functional.ctc_loss(b, *targs, blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    assert la.dtype == np.dtype(dtype) and tuple(la.shape) == tuple(lb.shape)
    np.testing.assert_allclose(la.detach().numpy(), lb.detach().numpy(), **TOL[dtype])
    seed = np.random.default_rng(1).uniform(0.5, 1.5, la.shape).astype(dtype)
    la.backward(fg.tensor(seed))
    lb.backward(torch.tensor(seed))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype])  # nan where torch has nan


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("targets_2d", [False, True])
def test_ctc_unbatched_matches_torch(dtype, targets_2d):
    torch = pytest.importorskip("torch")
    lp = log_softmax(_logits((6, 5), 9)).astype(dtype)
    tg = np.array([[1, 3, 3]]) if targets_2d else np.array([1, 3, 3])
    for reduction in ("none", "mean", "sum"):
        a = fg.tensor(lp, requires_grad=True)
        b = torch.tensor(lp, requires_grad=True)
        la = F.ctc_loss(a, fg.tensor(tg), [6], [3], reduction=reduction)
        lb = torch.nn.functional.ctc_loss(b, torch.tensor(tg), [6], [3], reduction=reduction)
        assert tuple(la.shape) == tuple(lb.shape) == ()
        np.testing.assert_allclose(la.detach().numpy(), lb.detach().numpy(), **TOL[dtype])
        la.backward()
        lb.backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype])


def test_ctc_noncontiguous_log_probs_and_module():
    torch = pytest.importorskip("torch")
    lp = log_softmax(_logits((3, 6, 5), 4), 1).transpose(1, 0, 2)  # (T=6, N=3, C=5), not contiguous
    tg = np.array([[1, 2], [3, 3], [4, 0]])
    a = fg.tensor(np.ascontiguousarray(lp).transpose(1, 0, 2), requires_grad=True).transpose(0, 1)
    ref = torch.nn.CTCLoss(blank=0, reduction="mean")(torch.tensor(lp), torch.tensor(tg), [6, 5, 4], [2, 2, 1])
    mod = nn.CTCLoss(blank=0, reduction="mean", zero_infinity=False)
    out = mod(a, fg.tensor(tg), [6, 5, 4], [2, 2, 1])
    np.testing.assert_allclose(out.detach().numpy(), ref.numpy(), rtol=1e-10)
    out.backward()
    assert mod.blank == 0 and mod.reduction == "mean" and mod.zero_infinity is False
    assert "CTCLoss" in repr(mod)


def test_ctc_zero_infinity_zeroes_loss_and_grad():
    lp, tg, il, tl, blank = _case("impossible")
    a = fg.tensor(lp, requires_grad=True)
    out = F.ctc_loss(a, fg.tensor(tg), il, tl, reduction="none", zero_infinity=True)
    assert out.detach().numpy()[1] == 0.0 and np.isfinite(out.detach().numpy()[0])
    out.sum().backward()
    assert np.all(a.grad.numpy()[:, 1] == 0.0) and np.all(np.isfinite(a.grad.numpy()))
    inf = F.ctc_loss(fg.tensor(lp), fg.tensor(tg), il, tl, reduction="none")
    assert np.isinf(inf.numpy()[1])


def _errors(fn):
    lp = fg.tensor(log_softmax(_logits((5, 2, 4))).astype(np.float32))
    tg = fg.tensor([[1, 2], [1, 1]])
    return [
        (lambda m: m(lp, tg, [5, 6], [2, 2]), RuntimeError, "input_lengths to have value at most 5"),
        (lambda m: m(lp, tg, [5, 5], [2, 3]), RuntimeError, "size at least 3 at dimension 1"),
        (lambda m: m(lp, tg, [5, -1], [2, 2]), RuntimeError, "input_lengths to have value at least 0"),
        (lambda m: m(lp, tg, [5, 5], [2, -1]), RuntimeError, "target_lengths to have value at least 0"),
        (lambda m: m(lp, tg, [5], [2, 2]), RuntimeError, "input_lengths must be of size batch_size"),
        (lambda m: m(lp, tg, [5, 5], [2]), RuntimeError, "target_lengths must be of size batch_size"),
        (lambda m: m(lp, tg, fg.tensor([5.0, 5.0]), fg.tensor([2, 2])), RuntimeError, "must be integral"),
        (lambda m: m(lp, tg, [5, 5], fg.tensor([2, 2])), TypeError, "ctc_loss"),
        (lambda m: m(lp, tg, [5.5, 5], [2, 2]), TypeError, "ctc_loss"),
        (lambda m: m(lp.unsqueeze(0), tg, [5, 5], [2, 2]), RuntimeError, "3-dimensional"),
        (lambda m: m(lp, fg.tensor([1, 2, 1]), [5, 5], [2, 2]), RuntimeError, "size 4 at dimension 0"),
        (lambda m: m(lp, fg.tensor([[1, 2], [1, 1], [1, 1]]), [5, 5], [2, 2]), RuntimeError,
         "size 2 at dimension 0"),
        (lambda m: m(lp, tg, [5, 5], [2, 2], blank=4), RuntimeError, "blank must be in label range"),
        (lambda m: m(lp, tg, [5, 5], [2, 2], blank=-1), RuntimeError, "blank must be in label range"),
        (lambda m: m(lp, tg, [5, 5], [2, 2], reduction="foo"), ValueError, "foo is not a valid value"),
        (lambda m: m(fg.tensor(np.zeros((5, 2, 4), np.int64)), tg, [5, 5], [2, 2]), NotImplementedError, "Long"),
        (lambda m: m(fg.tensor(np.zeros((0, 2, 4), np.float32)), tg, [0, 0], [0, 0]), RuntimeError,
         "must not be empty"),
    ]


@pytest.mark.parametrize("i", range(17))
def test_ctc_errors_as_torch(i):
    f, exc, msg = _errors(F.ctc_loss)[i]
    with pytest.raises(exc, match=msg):
        f(F.ctc_loss)
    torch = pytest.importorskip("torch")

    def conv(v):
        if isinstance(v, fg.Tensor):
            return torch.tensor(v.numpy())
        return v

    def tmod(*args, **kw):
        return torch.nn.functional.ctc_loss(*[conv(v) for v in args], **kw)
    with pytest.raises(exc):
        f(tmod)


def test_ctc_label_out_of_range_raises():
    lp = fg.tensor(log_softmax(_logits((5, 1, 4))))
    with pytest.raises(RuntimeError, match="target labels must be in"):
        F.ctc_loss(lp, fg.tensor([[1, 7]]), [5], [2])
