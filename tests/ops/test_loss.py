"""Losses: reductions, ignore_index, label smoothing, weights, class-probability targets,
validation errors, numerical stability, and torch parity (skipped without torch)."""
import itertools
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.functional as F
from fastgrad.autograd import gradcheck

from opcases_loss import _bce_ref, _bcel_ref, _ce_probs_ref, _ce_ref, _huber, _nll_ref, _smooth


def _t(a, requires_grad=False, dtype=np.float64):
    return fg.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


def _l(a):
    return fg.tensor(np.asarray(a, dtype=np.int64))


REDUCTIONS = ["none", "mean", "sum"]


# -- reductions --------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_reductions_match_numpy(rng, reduction):
    x, t = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    d = x - t
    red = {"none": lambda v: v, "mean": np.mean, "sum": np.sum}[reduction]
    for fn, ref in [(F.mse_loss, d ** 2), (F.l1_loss, np.abs(d)),
                    (lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.7), _smooth(d, 0.7)),
                    (lambda a, b, reduction: F.huber_loss(a, b, reduction=reduction, delta=0.7), _huber(d, 0.7))]:
        out = fn(_t(x), _t(t), reduction=reduction)
        np.testing.assert_allclose(out.numpy(), red(ref), rtol=1e-12)


def test_invalid_reduction_raises_valueerror():
    x = _t(np.zeros(3))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="foo")
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.cross_entropy(_t(np.zeros((2, 3))), _l([0, 1]), reduction="avg")


@pytest.mark.parametrize("size_average,reduce,want", [
    (None, None, "mean"), (False, None, "sum"), (True, False, "none"), (None, False, "none"), (False, True, "sum")])
def test_legacy_size_average_reduce(size_average, reduce, want, rng):
    x, t = _t(rng.standard_normal(4)), _t(rng.standard_normal(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.mse_loss(x, t, size_average=size_average, reduce=reduce)
    np.testing.assert_allclose(out.numpy(), F.mse_loss(x, t, reduction=want).numpy())


def test_mse_broadcast_warns_like_torch(rng):
    x, t = rng.standard_normal((3, 4)), rng.standard_normal(4)
    xt = _t(x, True)
    with pytest.warns(UserWarning, match="Using a target size .* that is different to the input size"):
        out = F.mse_loss(xt, _t(t))
    np.testing.assert_allclose(out.item(), ((x - t) ** 2).mean(), rtol=1e-12)
    out.backward()
    np.testing.assert_allclose(xt.grad.numpy(), 2 * (x - t) / 12, rtol=1e-12)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="mse_loss"):
        F.mse_loss(_t(np.zeros((3, 5))), _t(np.zeros((3, 4))))


def test_mse_integer_target_is_cast_and_float_dtypes_promote():
    x = fg.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    out = F.mse_loss(x, fg.tensor(np.array([1, 1])))
    assert out.dtype == np.float32 and out.item() == pytest.approx(0.5)
    out64 = F.mse_loss(x, _t([1.0, 1.0]))
    assert out64.dtype == np.float64
    out64.backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_regression_losses_match_torch(rng, fn, reduction):
    torch = pytest.importorskip("torch")
    x, t, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0.1, 2, (3, 4))
    xt = _t(x, True)
    out = getattr(F, fn)(xt, _t(t), reduction=reduction, weight=_t(w))
    tx = torch.tensor(x, requires_grad=True)
    tout = getattr(torch.nn.functional, fn)(tx, torch.tensor(t), reduction=reduction, weight=torch.tensor(w))
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


# -- cross-entropy with class indices ----------------------------------------------------
def test_cross_entropy_out_of_bounds_target_message():
    x = _t(np.zeros((3, 5)))
    with pytest.raises(IndexError, match="Target 12 is out of bounds."):
        F.cross_entropy(x, _l([0, 1, 12]))
    with pytest.raises(IndexError, match="Target -3 is out of bounds."):
        F.cross_entropy(x, _l([0, -3, 1]))
    with pytest.raises(IndexError, match="nll_loss: Target 5 is out of bounds."):
        F.nll_loss(x, _l([0, 5, 1]))


def test_cross_entropy_target_validation():
    x = _t(np.zeros((3, 5)))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long"):
        F.cross_entropy(x, _t([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long"):
        F.cross_entropy(x, fg.tensor(np.array([True, False, True])))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)."):
        F.cross_entropy(x, _l([0, 1, 2, 3]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 5\]"):
        F.cross_entropy(_t(np.zeros((2, 3, 4))), _l(np.zeros((2, 5))))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 5 classes"):
        F.cross_entropy(x, _l([0, 1, 2]), weight=_t(np.ones(4)))
    with pytest.raises(RuntimeError, match=r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        F.cross_entropy(x, _l([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(TypeError, match="must be Tensor"):
        F.cross_entropy(x, [0, 1, 2])


def test_cross_entropy_casts_other_integer_targets_to_int64(rng):
    x = _t(rng.standard_normal((3, 5)))
    a = F.cross_entropy(x, fg.tensor(np.array([0, 4, 2], np.int32)))
    b = F.cross_entropy(x, _l([0, 4, 2]))
    assert a.item() == b.item()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_ignore_index_excluded_from_mean(rng, reduction):
    x = rng.standard_normal((4, 3))
    t = np.array([1, 7, 0, 7])
    out = F.cross_entropy(_t(x), _l(t), ignore_index=7, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), _ce_ref(x, t, ignore_index=7, reduction=reduction), rtol=1e-12)
    xt = _t(x, True)
    F.cross_entropy(xt, _l(t), ignore_index=7, reduction="sum").backward()
    np.testing.assert_array_equal(xt.grad.numpy()[[1, 3]], 0.0)


def test_cross_entropy_all_ignored_mean_is_nan_like_torch():
    out = F.cross_entropy(_t(np.zeros((2, 3))), _l([-100, -100]))
    assert np.isnan(out.item())


def test_cross_entropy_label_smoothing_and_weights_match_reference(rng):
    x = rng.standard_normal((5, 4))
    t = np.array([0, 3, 3, 1, 2])
    w = np.array([1.0, 0.2, 3.0, 0.5])
    out = F.cross_entropy(_t(x), _l(t), weight=_t(w), label_smoothing=0.25)
    np.testing.assert_allclose(out.item(), _ce_ref(x, t, w, ls=0.25), rtol=1e-12)
    assert gradcheck(lambda a: F.cross_entropy(a, _l(t), weight=_t(w), label_smoothing=0.25), [_t(x, True)])


def test_cross_entropy_is_stable_for_huge_logits():
    x = _t(np.array([[1000.0, 0.0, -1000.0]]), True)
    out = F.cross_entropy(x, _l([2]))
    assert out.item() == pytest.approx(2000.0)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 0.0, -1.0]], atol=1e-12)


def test_cross_entropy_float32_stays_float32(rng):
    x = fg.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    out = F.cross_entropy(x, _l([0, 1, 2, 0]))
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32
    with pytest.raises(RuntimeError, match="weight dtype"):
        F.cross_entropy(x, _l([0, 1, 2, 0]), weight=_t(np.ones(3)))


CE_CONFIGS = list(itertools.product(REDUCTIONS, [False, True], [0.0, 0.3], [False, True], [(6, 4), (2, 4, 3)]))


@pytest.mark.parametrize("reduction,weighted,ls,ignore,shape", CE_CONFIGS)
def test_cross_entropy_matches_torch(rng, reduction, weighted, ls, ignore, shape):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    t = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    if ignore:
        t.reshape(-1)[::3] = -100
    w = rng.uniform(0.2, 2.0, shape[1]) if weighted else None
    xt = _t(x, True)
    out = F.cross_entropy(xt, _l(t), weight=None if w is None else _t(w), reduction=reduction, label_smoothing=ls)
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.cross_entropy(tx, torch.tensor(t), weight=None if w is None else torch.tensor(w),
                                             reduction=reduction, label_smoothing=ls)
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(rng, reduction):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 4, 3))
    t = np.array([[0, 3, -100], [2, 2, 1]])
    w = rng.uniform(0.2, 2.0, 4)
    xt, tx = _t(x, True), torch.tensor(x, requires_grad=True)
    out = F.nll_loss(xt, _l(t), weight=_t(w), reduction=reduction)
    tout = torch.nn.functional.nll_loss(tx, torch.tensor(t), weight=torch.tensor(w), reduction=reduction)
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(force=True), _nll_ref(x, t, w, reduction=reduction), rtol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_cross_entropy_equals_log_softmax_then_nll(rng):
    x = rng.standard_normal((5, 6))
    t = _l([0, 5, 2, 2, 1])
    a = F.cross_entropy(_t(x), t)
    b = F.nll_loss(F.log_softmax(_t(x), 1), t)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)


# -- cross-entropy with class probabilities ----------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets(rng, reduction):
    x = rng.standard_normal((3, 4))
    q = rng.dirichlet(np.ones(4), 3)
    w = np.array([1.0, 2.0, 0.5, 1.5])
    out = F.cross_entropy(_t(x), _t(q), weight=_t(w), label_smoothing=0.1, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), _ce_probs_ref(x, q, w, reduction, 0.1), rtol=1e-12)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, weight=_t(w), label_smoothing=0.1, reduction=reduction),
                     [_t(x, True), _t(q, True)])


@pytest.mark.parametrize("reduction,weighted,ls,shape", list(itertools.product(
    REDUCTIONS, [False, True], [0.0, 0.2], [(5, 3), (2, 3, 4), (3,)])))
def test_cross_entropy_probability_targets_match_torch(rng, reduction, weighted, ls, shape):
    torch = pytest.importorskip("torch")
    cd = 1 if len(shape) > 1 else 0
    x = rng.standard_normal(shape)
    q = rng.uniform(0, 1, shape)
    q /= q.sum(cd, keepdims=True)
    w = rng.uniform(0.2, 2.0, shape[cd]) if weighted else None
    xt, qt = _t(x, True), _t(q, True)
    tx, tq = torch.tensor(x, requires_grad=True), torch.tensor(q, requires_grad=True)
    out = F.cross_entropy(xt, qt, weight=None if w is None else _t(w), reduction=reduction, label_smoothing=ls)
    tout = torch.nn.functional.cross_entropy(tx, tq, weight=None if w is None else torch.tensor(w),
                                             reduction=reduction, label_smoothing=ls)
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(qt.grad.numpy(), tq.grad.numpy(), rtol=1e-9, atol=1e-12)


# -- binary cross-entropy ----------------------------------------------------------------
def test_bce_validation_messages():
    p = _t(np.full(3, 0.5))
    with pytest.raises(ValueError, match=r"Using a target size \(fastgrad.Size\(\[3, 1\]\)\) that is different "
                                         r"to the input size \(fastgrad.Size\(\[3\]\)\) is deprecated"):
        F.binary_cross_entropy(p, _t(np.zeros((3, 1))))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(_t([0.5, 1.5, 0.2]), _t(np.zeros(3)))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(_t([0.5, np.nan, 0.2]), _t(np.zeros(3)))
    with pytest.raises(RuntimeError, match="Found dtype"):
        F.binary_cross_entropy(p, _t(np.zeros(3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Target size \(fastgrad.Size\(\[3, 1\]\)\) must be the same as input "
                                         r"size \(fastgrad.Size\(\[3\]\)\)"):
        F.binary_cross_entropy_with_logits(p, _t(np.zeros((3, 1))))


def test_bce_clamps_log_at_minus_100_like_torch():
    out = F.binary_cross_entropy(_t([0.0, 1.0]), _t([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(out.numpy(), [100.0, 100.0])


def test_bce_with_logits_is_stable_for_extreme_logits():
    x = _t([-800.0, 800.0, 0.0], True)
    out = F.binary_cross_entropy_with_logits(x, _t([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(out.numpy(force=True), [800.0, 800.0, np.log(2)], rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0, -0.5], rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_matches_torch(rng, reduction, weighted):
    torch = pytest.importorskip("torch")
    p, t = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, 3) if weighted else None
    pt, tt = _t(p, True), _t(t, True)
    tp, ttt = torch.tensor(p, requires_grad=True), torch.tensor(t, requires_grad=True)
    out = F.binary_cross_entropy(pt, tt, weight=None if w is None else _t(w), reduction=reduction)
    tout = torch.nn.functional.binary_cross_entropy(tp, ttt, weight=None if w is None else torch.tensor(w),
                                                    reduction=reduction)
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(force=True), _bce_ref(p, t, w, reduction), rtol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(pt.grad.numpy(), tp.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(tt.grad.numpy(), ttt.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos", [(False, None), (True, None), (False, "row"), (True, "scalar")])
def test_bce_with_logits_matches_torch(rng, reduction, weighted, pos):
    torch = pytest.importorskip("torch")
    x, t = 3 * rng.standard_normal((4, 3)), rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (4, 1)) if weighted else None
    pw = {None: None, "row": rng.uniform(0.5, 3, 3), "scalar": np.array([2.5])}[pos]
    xt, tt = _t(x, True), _t(t, True)
    tx, ttt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    out = F.binary_cross_entropy_with_logits(xt, tt, weight=None if w is None else _t(w), reduction=reduction,
                                             pos_weight=None if pw is None else _t(pw))
    tout = torch.nn.functional.binary_cross_entropy_with_logits(
        tx, ttt, weight=None if w is None else torch.tensor(w), reduction=reduction,
        pos_weight=None if pw is None else torch.tensor(pw))
    np.testing.assert_allclose(out.numpy(force=True), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(force=True), _bcel_ref(x, t, w, pw, reduction), rtol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(_t(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(tt.grad.numpy(), ttt.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_smooth_l1_and_huber_match_torch(rng, beta):
    torch = pytest.importorskip("torch")
    x, t = 2 * rng.standard_normal(20), rng.standard_normal(20)
    for ours, theirs, kw in [(F.smooth_l1_loss, torch.nn.functional.smooth_l1_loss, {"beta": beta}),
                             (F.huber_loss, torch.nn.functional.huber_loss, {"delta": beta})]:
        xt, tx = _t(x, True), torch.tensor(x, requires_grad=True)
        out, tout = ours(xt, _t(t), **kw), theirs(tx, torch.tensor(t), **kw)
        np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-12)
        out.backward()
        tout.backward()
        np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
