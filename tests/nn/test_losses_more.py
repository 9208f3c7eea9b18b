"""The losses beyond the common ones: forward against numpy float64 closed forms,
gradients by gradcheck (float64), torch parity of values and input/target gradients over every
reduction and option in float32 and float64 (skipped without torch), shapes (empty batch, size 1,
broadcasting) and torch's errors.  The cases are rows of tests/losscases_more.py."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

from losscases_more import CASES, gauss_ref, kl_ref, mlm_make, mlm_ref, poisson_ref

IDS = [c[0] for c in CASES]
ALL = [(c, r) for c in CASES for r in c[4]]
ALL_IDS = [f"{c[0]}-{r}" for c, r in ALL]


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _fg(a, grad, dtype):
    a = np.asarray(a)
    return fg.tensor(a.astype(dtype) if a.dtype.kind == "f" else a, requires_grad=grad and a.dtype.kind == "f")


def _reduce(loss, reduction, n):
    if reduction == "none":
        return loss
    s = loss.sum()
    return s if reduction == "sum" else s / n if reduction == "batchmean" else s / loss.size


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


@pytest.mark.parametrize("case,reduction", ALL, ids=ALL_IDS)
def test_loss_forward_matches_numpy(rng, case, reduction):
    _, call, ref, make, _ = case
    arrays = [a for a, _ in make(rng)]
    out = _quiet(call, F, *[_fg(a, False, np.float64) for a in arrays], reduction=reduction)
    n = arrays[0].shape[0] if arrays[0].ndim else 1
    want = _reduce(ref(*arrays), reduction, n)
    assert out.shape == np.shape(want)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_loss_backward_gradcheck(case, reduction):
    name, call, _, make, _ = case
    pairs = make(np.random.default_rng(7))
    grads = [g and np.asarray(a).dtype.kind == "f" for a, g in pairs]
    if name.endswith("var_below_eps"):  # var's gradient passes the clamp as torch's does: not a derivative
        grads[2] = False
    fixed = [_fg(a, False, np.float64) for a, _ in pairs]
    idx = [i for i, g in enumerate(grads) if g]

    def fn(*ts):
        args = list(fixed)
        for i, t in zip(idx, ts):
            args[i] = t
        return _quiet(call, F, *args, reduction=reduction)
    assert gradcheck(fn, [_fg(pairs[i][0], True, np.float64) for i in idx])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("case,reduction", ALL, ids=ALL_IDS)
def test_loss_forward_backward_match_torch(rng, case, reduction, dtype):
    torch = _torch()
    tF = torch.nn.functional
    _, call, _, make, _ = case
    pairs = make(rng)
    ours = [_fg(a, g, dtype) for a, g in pairs]
    theirs = [torch.tensor(np.asarray(a).astype(dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a),
                           requires_grad=g and np.asarray(a).dtype.kind == "f") for a, g in pairs]
    out = _quiet(call, F, *ours, reduction=reduction)
    ref = _quiet(call, tF, *theirs, reduction=reduction)
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    assert out.dtype == fg.float32 if dtype == np.float32 else fg.float64
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    cot = rng.standard_normal(tuple(ref.shape))
    out.backward(fg.tensor(cot.astype(dtype)))
    ref.backward(torch.tensor(cot.astype(dtype)))
    for a, b in zip(ours, theirs):
        if b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")  # var_below_eps: inf grads
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loss_low_precision_forward_backward_close_to_torch(rng, case, dtype):
    """float16/bfloat16 operands run through the composed ops (each rounding once): values and
    gradients close to torch's in the same dtype."""
    torch = _torch()
    _, call, _, make, _ = case
    pairs = make(rng)
    floats = [np.asarray(a).dtype.kind == "f" for a, _ in pairs]
    ours = [fg.tensor(np.asarray(a, np.float32)).to(getattr(fg, dtype)).requires_grad_(g) if f else fg.tensor(a)
            for (a, g), f in zip(pairs, floats)]
    out = _quiet(call, F, *ours, reduction="sum")
    try:
        td = getattr(torch, dtype)
        theirs = [torch.tensor(np.asarray(a, np.float32)).to(td).requires_grad_(g) if f else torch.tensor(a)
                  for (a, g), f in zip(pairs, floats)]
        ref = _quiet(call, torch.nn.functional, *theirs, reduction="sum")
    except NotImplementedError:  # multi(label)_margin: no half kernels in torch; its float32 result then
        theirs = [torch.tensor(np.asarray(a.detach().to(fg.float32).numpy()), requires_grad=a.requires_grad) if f
                  else torch.tensor(np.asarray(p[0])) for a, p, f in zip(ours, pairs, floats)]
        ref = _quiet(call, torch.nn.functional, *theirs, reduction="sum")
    assert out.dtype == getattr(fg, dtype)
    tol = dict(rtol=2e-2, atol=5e-2) if dtype == "float16" else dict(rtol=5e-2, atol=2e-1)
    np.testing.assert_allclose(out.detach().to(fg.float32).numpy(), ref.detach().float().numpy(), **tol)
    out.backward()
    ref.backward()
    for a, b in zip(ours, theirs):
        if b.requires_grad:
            np.testing.assert_allclose(a.grad.to(fg.float32).numpy(), b.grad.float().numpy(), **tol)


# -- shapes ---------------------------------------------------------------------------------------
_EMPTY = [
    ("kl_div", lambda F, x: F.kl_div(x, x.exp(), reduction="batchmean")),
    ("gaussian_nll", lambda F, x: F.gaussian_nll_loss(x, x, x.exp(), reduction="sum")),
    ("poisson_nll", lambda F, x: F.poisson_nll_loss(x, x, reduction="none")),
    ("soft_margin", lambda F, x: F.soft_margin_loss(x, x.detach(), reduction="sum")),
    ("multilabel_soft_margin", lambda F, x: F.multilabel_soft_margin_loss(x, x, reduction="none")),
    ("margin_ranking", lambda F, x: F.margin_ranking_loss(x, x, x)),
    ("hinge_embedding", lambda F, x: F.hinge_embedding_loss(x, x, reduction="sum")),
    ("cosine_embedding", lambda F, x: F.cosine_embedding_loss(x, x, x[:, 0], reduction="none")),
    ("triplet_margin", lambda F, x: F.triplet_margin_loss(x, x, x, reduction="sum")),
    ("multi_margin", lambda F, x: F.multi_margin_loss(x, F.argmax(x, 1) if hasattr(F, "argmax") else x.argmax(1),
                                                      reduction="none")),
    ("multilabel_margin", lambda F, x: F.multilabel_margin_loss(x, (x * 0).long(), reduction="sum")),
]


@pytest.mark.parametrize("name,fn", _EMPTY, ids=[e[0] for e in _EMPTY])
@pytest.mark.parametrize("rows", [0, 1])
def test_loss_forward_empty_and_single_batch_match_torch(name, fn, rows):
    torch = _torch()
    x = np.random.default_rng(3).standard_normal((rows, 3))
    ours = _quiet(fn, F, fg.tensor(x, requires_grad=True))
    theirs = _quiet(fn, torch.nn.functional, torch.tensor(x, requires_grad=True))
    assert tuple(ours.shape) == tuple(theirs.shape)
    if rows == 0 and name == "multilabel_margin":
        # torch 2.13's sum over an empty batch returns uninitialised memory (1e-287, -1.8e-6, 0.0, ...
        # from run to run); the sum of no losses is 0
        assert ours.item() == 0.0
        return
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_loss_forward_empty_mean_is_nan():
    x = fg.zeros((0, 3))
    assert np.isnan(F.soft_margin_loss(x, x).item())
    assert np.isnan(_quiet(F.kl_div, x, x).item())


_BROADCAST = [
    ("kl_div-target_row", lambda F, x, r: F.kl_div(x, r.exp(), reduction="sum")),
    ("gaussian_nll-target_row", lambda F, x, r: F.gaussian_nll_loss(x, r, x.exp(), reduction="none")),
    ("poisson_nll-target_row", lambda F, x, r: F.poisson_nll_loss(x, r.exp(), full=True, reduction="none")),
    ("soft_margin-target_row", lambda F, x, r: F.soft_margin_loss(x, r.detach().sign(), reduction="none")),
    ("multilabel_soft_margin-target_row", lambda F, x, r: F.multilabel_soft_margin_loss(x, r.sigmoid())),
    ("margin_ranking-target_1", lambda F, x, r: F.margin_ranking_loss(x, r.expand(3, 4), r[:, :1].sign(),
                                                                      reduction="none")),
    ("hinge_embedding-target_row", lambda F, x, r: F.hinge_embedding_loss(x, r.sign(), reduction="none")),
    ("cosine_embedding-input_row", lambda F, x, r: F.cosine_embedding_loss(x, r, r[:, 0].sign(), reduction="none")),
    ("triplet_margin-input_row", lambda F, x, r: F.triplet_margin_loss(x, r, x.flip(0), reduction="none")),
]


@pytest.mark.parametrize("name,fn", _BROADCAST, ids=[b[0] for b in _BROADCAST])
def test_loss_forward_backward_broadcasting_matches_torch(name, fn):
    torch = _torch()
    rng = np.random.default_rng(5)
    x, r = rng.standard_normal((3, 4)), rng.standard_normal((1, 4))
    ours = [fg.tensor(x, requires_grad=True), fg.tensor(r, requires_grad=True)]
    theirs = [torch.tensor(x, requires_grad=True), torch.tensor(r, requires_grad=True)]
    out, ref = _quiet(fn, F, *ours), _quiet(fn, torch.nn.functional, *theirs)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    F.sum(out).backward()
    ref.sum().backward()
    for a, b in zip(ours, theirs):  # no gradient (None) and a zero one are the same here
        ga = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        gb = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-12)


_PROP = [  # (call, numpy ref of 'none'): input and target of any two broadcastable shapes
    (lambda x, t: F.kl_div(x, t, reduction="none"), kl_ref),
    (lambda x, t: F.poisson_nll_loss(x, t, full=True, reduction="none"), poisson_ref(True, True)),
    (lambda x, t: F.gaussian_nll_loss(x, t, F.exp(x.detach()), reduction="none"),
     lambda x, t: gauss_ref(False)(np.broadcast_to(x, np.broadcast_shapes(x.shape, t.shape)), t,
                                   np.broadcast_to(np.exp(x), np.broadcast_shapes(x.shape, t.shape)))),
]


@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3),
       which=st.integers(0, len(_PROP) - 1), seed=st.integers(0, 2 ** 16))
def test_loss_forward_any_broadcast_shapes_matches_numpy(shapes, which, seed):
    rng = np.random.default_rng(seed)
    (sx, st_), out_shape = shapes.input_shapes, shapes.result_shape
    x, t = rng.standard_normal(sx), rng.random(st_) * 3
    call, ref = _PROP[which]
    if which == 2 and sx != out_shape:  # gaussian_nll's var takes the input's shape: broadcast x first
        x = np.broadcast_to(x, out_shape).copy()
    out = _quiet(call, fg.tensor(x), fg.tensor(t))
    assert out.shape == out_shape
    np.testing.assert_allclose(out.numpy(), ref(x, t), rtol=1e-10, atol=1e-12)


def test_multilabel_margin_loss_blocks_match_one_block(monkeypatch):
    import fastgrad.functional.loss_margin as LM
    (x, _), (t, _) = mlm_make((6, 7))(np.random.default_rng(9))
    whole = F.multilabel_margin_loss(fg.tensor(x), fg.tensor(t), reduction="none")
    monkeypatch.setattr(LM, "_PAIRS_PER_BLOCK", 1)  # one target slot per block
    a = fg.tensor(x, requires_grad=True)
    blocked = F.multilabel_margin_loss(a, fg.tensor(t), reduction="none")
    np.testing.assert_allclose(blocked.detach().numpy(), whole.numpy(), rtol=1e-12)
    np.testing.assert_allclose(blocked.detach().numpy(), mlm_ref(x, t), rtol=1e-12)
    assert gradcheck(lambda v: F.multilabel_margin_loss(v, fg.tensor(t)), [a])


_STRIDED = [  # non-contiguous operands (transposed or strided views) against the contiguous copies
    lambda F, x, y: F.kl_div(x, y.exp(), reduction="batchmean"),
    lambda F, x, y: F.gaussian_nll_loss(x, y, x.exp()),
    lambda F, x, y: F.poisson_nll_loss(x, y.exp(), full=True),
    lambda F, x, y: F.multilabel_soft_margin_loss(x, y.sigmoid()),
    lambda F, x, y: F.cosine_embedding_loss(x, y, (x[:, 0] > 0).double() * 2 - 1),
    lambda F, x, y: F.triplet_margin_loss(x, y, y.flip(0), swap=True),
    lambda F, x, y: F.rms_norm(x, (x.shape[-1],), y[0]),
]


@pytest.mark.parametrize("i", range(len(_STRIDED)))
def test_loss_forward_backward_noncontiguous_matches_contiguous(i):
    rng = np.random.default_rng(11)
    base = [rng.standard_normal((5, 8)) for _ in range(2)]
    views = [fg.tensor(b, requires_grad=True) for b in base]
    copies = [fg.tensor(np.ascontiguousarray(b.T[::2]).T.copy(), requires_grad=True) for b in base]
    out = _quiet(_STRIDED[i], F, *[v.t()[::2].t() for v in views])
    ref = _quiet(_STRIDED[i], F, *copies)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    F.sum(out).backward()
    F.sum(ref).backward()
    for v, c in zip(views, copies):
        np.testing.assert_allclose(v.grad.numpy()[:, ::2], c.grad.numpy(), rtol=1e-12, atol=1e-14)
        assert not v.grad.numpy()[:, 1::2].any()


# -- errors ---------------------------------------------------------------------------------------
def _t(*shape):
    return np.random.default_rng(0).standard_normal(shape)


_ERRORS = [  # (id, call(F, as_tensor), loss name in our message)
    ("kl_div-shapes", lambda F, T: F.kl_div(T(_t(3, 4)), T(_t(2, 4)), reduction="sum"), "kl_div"),
    ("kl_div-reduction", lambda F, T: F.kl_div(T(_t(3)), T(_t(3)), reduction="avg"), "kl_div"),
    ("kl_div-integral_target", lambda F, T: F.kl_div(T(_t(3)), T(np.arange(3)), reduction="sum"), "kl_div"),
    ("gaussian-negative_var", lambda F, T: F.gaussian_nll_loss(T(_t(3)), T(_t(3)), T(-np.ones(3))),
     "gaussian_nll_loss"),
    ("gaussian-negative_float_var", lambda F, T: F.gaussian_nll_loss(T(_t(3)), T(_t(3)), -1.0), "gaussian_nll_loss"),
    ("gaussian-var_size", lambda F, T: F.gaussian_nll_loss(T(_t(3, 4)), T(_t(3, 4)), T(np.ones(4))),
     "gaussian_nll_loss"),
    ("gaussian-reduction", lambda F, T: F.gaussian_nll_loss(T(_t(3)), T(_t(3)), T(np.ones(3)), reduction="x"),
     "gaussian_nll_loss"),
    ("gaussian-shapes", lambda F, T: F.gaussian_nll_loss(T(_t(3, 4)), T(_t(2, 4)), T(np.ones((3, 4)))),
     "gaussian_nll_loss"),
    ("poisson-shapes", lambda F, T: F.poisson_nll_loss(T(_t(3, 4)), T(_t(2, 4))), "poisson_nll_loss"),
    ("poisson-reduction", lambda F, T: F.poisson_nll_loss(T(_t(3)), T(_t(3)), reduction="x"), "poisson_nll_loss"),
    ("soft_margin-shapes", lambda F, T: F.soft_margin_loss(T(_t(3, 4)), T(_t(2, 4))), "soft_margin_loss"),
    ("soft_margin-output", lambda F, T: F.soft_margin_loss(T(_t(4)), T(_t(3, 4)), reduction="none"),
     "soft_margin_loss"),
    ("soft_margin-output_mean", lambda F, T: F.soft_margin_loss(T(_t(4)), T(_t(3, 4))), "soft_margin_loss"),
    ("soft_margin-reduction", lambda F, T: F.soft_margin_loss(T(_t(3)), T(_t(3)), reduction="x"),
     "soft_margin_loss"),
    ("mlsm-reduction", lambda F, T: F.multilabel_soft_margin_loss(T(_t(3, 2)), T(_t(3, 2)), reduction="x"),
     "multilabel_soft_margin_loss"),
    ("mlsm-shapes", lambda F, T: F.multilabel_soft_margin_loss(T(_t(3, 2)), T(_t(2, 2))),
     "multilabel_soft_margin_loss"),
    ("ranking-dims", lambda F, T: F.margin_ranking_loss(T(_t(3, 4)), T(_t(3, 4)), T(_t(4))), "margin_ranking_loss"),
    ("ranking-shapes", lambda F, T: F.margin_ranking_loss(T(_t(3, 4)), T(_t(2, 4)), T(_t(3, 4))),
     "margin_ranking_loss"),
    ("ranking-reduction", lambda F, T: F.margin_ranking_loss(T(_t(3)), T(_t(3)), T(_t(3)), reduction="x"),
     "margin_ranking_loss"),
    ("hinge-shapes", lambda F, T: F.hinge_embedding_loss(T(_t(3, 4)), T(_t(2, 4))), "hinge_embedding_loss"),
    ("hinge-reduction", lambda F, T: F.hinge_embedding_loss(T(_t(3)), T(_t(3)), reduction="x"),
     "hinge_embedding_loss"),
    ("cosine-target_2d", lambda F, T: F.cosine_embedding_loss(T(_t(3, 4)), T(_t(3, 4)), T(np.ones((3, 1)))),
     "cosine_embedding_loss"),
    ("cosine-input_dims", lambda F, T: F.cosine_embedding_loss(T(_t(3, 4)), T(_t(4)), T(np.ones(3))),
     "cosine_embedding_loss"),
    ("cosine-target_size", lambda F, T: F.cosine_embedding_loss(T(_t(3, 4)), T(_t(3, 4)), T(np.ones(2))),
     "cosine_embedding_loss"),
    ("cosine-reduction", lambda F, T: F.cosine_embedding_loss(T(_t(3, 4)), T(_t(3, 4)), T(np.ones(3)), reduction="x"),
     "cosine_embedding_loss"),
    ("triplet-dims", lambda F, T: F.triplet_margin_loss(T(_t(3, 4)), T(_t(3, 4)), T(_t(4))), "triplet_margin_loss"),
    ("triplet-margin", lambda F, T: F.triplet_margin_loss(T(_t(3, 4)), T(_t(3, 4)), T(_t(3, 4)), margin=0),
     "triplet_margin_loss"),
    ("triplet-reduction", lambda F, T: F.triplet_margin_loss(T(_t(3, 4)), T(_t(3, 4)), T(_t(3, 4)), reduction="x"),
     "triplet_margin_loss"),
    ("triplet_distance-dims", lambda F, T: F.triplet_margin_with_distance_loss(T(_t(3, 4)), T(_t(3, 4)), T(_t(4))),
     "triplet_margin_with_distance_loss"),
    ("triplet_distance-margin", lambda F, T: F.triplet_margin_with_distance_loss(T(_t(4)), T(_t(4)), T(_t(4)),
                                                                                  margin=-1.0),
     "triplet_margin_with_distance_loss"),
    ("multi_margin-p", lambda F, T: F.multi_margin_loss(T(_t(3, 4)), T(np.arange(3)), p=3), "multi_margin_loss"),
    ("multi_margin-range", lambda F, T: F.multi_margin_loss(T(_t(3, 4)), T(np.array([0, 1, 4]))),
     "multi_margin_loss"),
    ("multi_margin-target_size", lambda F, T: F.multi_margin_loss(T(_t(3, 4)), T(np.arange(2))),
     "multi_margin_loss"),
    ("multi_margin-weight_size", lambda F, T: F.multi_margin_loss(T(_t(3, 4)), T(np.arange(3)), weight=T(np.ones(3))),
     "multi_margin_loss"),
    ("multi_margin-weight_2d", lambda F, T: F.multi_margin_loss(T(_t(3, 4)), T(np.arange(3)),
                                                                 weight=T(np.ones((1, 4)))), "multi_margin_loss"),
    ("multi_margin-3d", lambda F, T: F.multi_margin_loss(T(_t(3, 4, 2)), T(np.arange(3))), "multi_margin_loss"),
    ("multilabel_margin-range", lambda F, T: F.multilabel_margin_loss(T(_t(2, 3)), T(np.array([[0, 3, -1]] * 2))),
     "multilabel_margin_loss"),
    ("multilabel_margin-target_size", lambda F, T: F.multilabel_margin_loss(T(_t(2, 3)), T(np.zeros((2, 2), int))),
     "multilabel_margin_loss"),
    ("multilabel_margin-float_target", lambda F, T: F.multilabel_margin_loss(T(_t(2, 3)), T(np.zeros((2, 3)))),
     "multilabel_margin_loss"),
]


@pytest.mark.parametrize("name,fn,op", _ERRORS, ids=[e[0] for e in _ERRORS])
def test_loss_bad_input_raises_torch_error_type(name, fn, op):
    with pytest.raises(Exception) as ours:
        _quiet(fn, F, fg.tensor)
    assert op in str(ours.value)
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        _quiet(fn, torch.nn.functional, torch.tensor)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


def test_kl_div_mean_warns_and_batchmean_divides_by_batch(rng):
    x, t = fg.tensor(rng.standard_normal((4, 3))), fg.tensor(rng.random((4, 3)))
    with pytest.warns(UserWarning, match="batchmean"):
        m = F.kl_div(x, t)
    s = F.kl_div(x, t, reduction="sum")
    np.testing.assert_allclose(F.kl_div(x, t, reduction="batchmean").item(), s.item() / 4)
    np.testing.assert_allclose(m.item(), s.item() / 12)


def test_loss_legacy_size_average_reduce_map_to_reduction(rng):
    x, t = fg.tensor(rng.standard_normal((4, 3))), fg.tensor(rng.random((4, 3)))
    with pytest.warns(UserWarning):
        out = F.poisson_nll_loss(x, t, size_average=False)
    np.testing.assert_allclose(out.item(), F.poisson_nll_loss(x, t, reduction="sum").item())
    with pytest.warns(UserWarning):
        out = F.soft_margin_loss(x, t, reduce=False)
    assert out.shape == (4, 3)


# -- modules --------------------------------------------------------------------------------------
def test_loss_modules_call_the_functional_forms_with_their_options(rng):
    x, y, z = (fg.tensor(rng.standard_normal((4, 5))) for _ in range(3))
    p, v = fg.tensor(rng.random((4, 5))), fg.tensor(rng.random((4, 5)) + 0.1)
    pm = fg.tensor(np.where(rng.random(4) < 0.5, -1.0, 1.0))
    cls = fg.tensor(rng.integers(0, 5, 4))
    w = fg.tensor(rng.random(5) + 0.5)
    pairs = [
        (nn.KLDivLoss(reduction="batchmean", log_target=True)(x, y),
         F.kl_div(x, y, reduction="batchmean", log_target=True)),
        (nn.GaussianNLLLoss(full=True, eps=1e-2, reduction="sum")(x, y, v),
         F.gaussian_nll_loss(x, y, v, full=True, eps=1e-2, reduction="sum")),
        (nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-4)(v, p * 4),
         F.poisson_nll_loss(v, p * 4, log_input=False, full=True, eps=1e-4)),
        (nn.SoftMarginLoss(reduction="none")(x, y), F.soft_margin_loss(x, y, reduction="none")),
        (nn.MultiLabelSoftMarginLoss(weight=w)(x, p), F.multilabel_soft_margin_loss(x, p, weight=w)),
        (nn.MarginRankingLoss(margin=0.3)(x[:, 0], y[:, 0], pm), F.margin_ranking_loss(x[:, 0], y[:, 0], pm, 0.3)),
        (nn.HingeEmbeddingLoss(margin=2.0)(x[:, 0], pm), F.hinge_embedding_loss(x[:, 0], pm, margin=2.0)),
        (nn.CosineEmbeddingLoss(margin=0.1, reduction="sum")(x, y, pm),
         F.cosine_embedding_loss(x, y, pm, margin=0.1, reduction="sum")),
        (nn.TripletMarginLoss(margin=0.5, p=1.0, eps=1e-3, swap=True)(x, y, z),
         F.triplet_margin_loss(x, y, z, margin=0.5, p=1.0, eps=1e-3, swap=True)),
        (nn.TripletMarginWithDistanceLoss(margin=0.5, swap=True)(x, y, z),
         F.triplet_margin_with_distance_loss(x, y, z, margin=0.5, swap=True)),
        (nn.MultiMarginLoss(p=2, margin=0.5, weight=w)(x, cls), F.multi_margin_loss(x, cls, 2, 0.5, w)),
        (nn.MultiLabelMarginLoss(reduction="none")(x, fg.tensor(np.tile([2, 0, -1, 1, 1], (4, 1)))),
         F.multilabel_margin_loss(x, fg.tensor(np.tile([2, 0, -1, 1, 1], (4, 1))), reduction="none")),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())


def test_loss_modules_match_torch_defaults_and_errors():
    torch = _torch()
    names = ["KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
             "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
             "TripletMarginWithDistanceLoss", "MultiMarginLoss", "MultiLabelMarginLoss"]
    for name in names:
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        for attr in ("reduction", "margin", "p", "eps", "swap", "full", "log_input", "log_target"):
            assert getattr(ours, attr, None) == getattr(theirs, attr, None), (name, attr)
        assert repr(ours) == repr(theirs)
    for ctor in (lambda m: m.TripletMarginLoss(margin=0), lambda m: m.MultiMarginLoss(p=3),
                 lambda m: m.TripletMarginWithDistanceLoss(margin=-1)):
        with pytest.raises(ValueError):
            ctor(nn)
        with pytest.raises(ValueError):
            ctor(torch.nn)


def test_loss_modules_train_a_parameter(rng):
    w = nn.Parameter(fg.tensor(rng.standard_normal((5, 3))))
    x = fg.tensor(rng.standard_normal((4, 5)))
    loss = nn.TripletMarginLoss()(x @ w, fg.zeros((4, 3)), fg.ones((4, 3))) + \
        nn.KLDivLoss(reduction="batchmean")(F.log_softmax(x @ w, 1), fg.full((4, 3), 1 / 3))
    loss.backward()
    assert w.grad is not None and w.grad.shape == (5, 3)
