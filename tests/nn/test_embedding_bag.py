"""F.embedding_bag / nn.EmbeddingBag: every mode with offsets or a 2-D input, include_last_offset,
per_sample_weights, padding_idx, max_norm; forward against a numpy loop, gradcheck, torch parity of values and
gradients (weights copied via state_dict for the module), empty bags and batches, and torch's errors."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad.autograd import gradcheck

TOL = {np.float32: dict(rtol=2e-6, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}
IDX = np.array([1, 2, 4, 5, 4, 3, 0, 2])


def bag_ref(idx, w, offsets, mode, psw=None, last=False, pad=None):
    n = len(idx)
    bounds = list(offsets) + ([] if last else [n])
    out = np.zeros((len(bounds) - 1, w.shape[1]))
    for b in range(len(bounds) - 1):
        sel = [e for e in range(bounds[b], bounds[b + 1]) if idx[e] != pad]
        if not sel:
            continue
        rows = w[idx[sel]] * (psw[sel][:, None] if psw is not None else 1)
        out[b] = rows.sum(0) if mode == "sum" else rows.mean(0) if mode == "mean" else rows.max(0)
    return out


CASES = [dict(offsets=[0, 2, 2, 5], mode="sum"), dict(offsets=[0, 2, 2, 5], mode="mean"),
         dict(offsets=[0, 2, 2, 5], mode="max"), dict(offsets=[0, 3, 8], mode="mean", include_last_offset=True),
         dict(offsets=[0, 1, 1, 8], mode="sum", include_last_offset=True),
         dict(offsets=[0, 4], mode="sum", per_sample_weights=True), dict(offsets=[0, 4], mode="sum", padding_idx=4,
                                                                        per_sample_weights=True),
         dict(offsets=[0, 2, 2, 5], mode="mean", padding_idx=4), dict(offsets=[0, 2, 2, 5], mode="max", padding_idx=4),
         dict(offsets=[0, 3], mode="max", padding_idx=-1), dict(offsets=[0], mode="mean"),
         dict(offsets=[0, 8], mode="sum")]


def _args(kw, rng, dtype, lib):
    kw = dict(kw)
    kw["offsets"] = lib.tensor(np.array(kw["offsets"]))
    if kw.pop("per_sample_weights", False):
        kw["per_sample_weights"] = lib.tensor(rng.standard_normal(len(IDX)).astype(dtype), requires_grad=True)
    return kw


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", CASES)
def test_embedding_bag_matches_numpy_and_torch(kw, dtype, rng):
    w = rng.standard_normal((6, 3)).astype(dtype)
    a = _args(kw, np.random.default_rng(1), dtype, fg)
    wf = fg.tensor(w, requires_grad=True)
    y = F.embedding_bag(fg.tensor(IDX), wf, **a)
    psw = a["per_sample_weights"].detach().numpy() if "per_sample_weights" in a else None
    pad = kw.get("padding_idx")
    ref = bag_ref(IDX, w.astype(np.float64), kw["offsets"], kw["mode"], psw, kw.get("include_last_offset", False),
                  None if pad is None else pad % 6)
    np.testing.assert_allclose(y.detach().numpy(), ref, **TOL[dtype])
    torch = pytest.importorskip("torch")
    t = _args(kw, np.random.default_rng(1), dtype, torch)
    wt = torch.tensor(w, requires_grad=True)
    yt = torch.nn.functional.embedding_bag(torch.tensor(IDX), wt, **t)
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    y.backward(fg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(wf.grad.numpy(), wt.grad.numpy(), **TOL[dtype])
    if "per_sample_weights" in a:
        np.testing.assert_allclose(a["per_sample_weights"].grad.numpy(), t["per_sample_weights"].grad.numpy(),
                                   **TOL[dtype])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input_and_gradcheck(mode, rng):
    idx = rng.integers(0, 6, (4, 3))
    w = fg.tensor(rng.standard_normal((6, 5)), requires_grad=True)
    y = F.embedding_bag(fg.tensor(idx), w, mode=mode)
    np.testing.assert_allclose(y.detach().numpy(), bag_ref(idx.reshape(-1), w.detach().numpy(), [0, 3, 6, 9], mode),
                               rtol=1e-12)
    assert gradcheck(lambda t: F.embedding_bag(fg.tensor(idx), t.t().t(), mode=mode, padding_idx=2), [w])
    if mode == "sum":
        p = fg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
        assert gradcheck(lambda t, q: F.embedding_bag(fg.tensor(idx), t, mode="sum", per_sample_weights=q), [w, p])
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(w.detach().numpy()), mode=mode)
    np.testing.assert_allclose(y.detach().numpy(), ref.numpy(), rtol=1e-12)


def test_embedding_bag_entries_after_the_last_offset_are_ignored(rng):
    """include_last_offset with offsets[-1] < len(input): the trailing entries are in no bag, value and gradient
    (torch is not consistent here: its float32 sum leaves them out, its float64 sum does not, its backward sends
    them a gradient and its mean divides by the count to the input's end)."""
    w = fg.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    off = fg.tensor([0, 1, 1, 7])
    y = F.embedding_bag(fg.tensor(IDX), w, off, mode="sum", include_last_offset=True)
    np.testing.assert_allclose(y.detach().numpy(), bag_ref(IDX[:7], w.detach().numpy(), [0, 1, 1, 7], "sum", last=True))
    assert gradcheck(lambda t: F.embedding_bag(fg.tensor(IDX), t, off, mode="mean", include_last_offset=True), [w])


def test_embedding_bag_empty_inputs_and_int32_indices():
    w = fg.ones(6, 2)
    assert F.embedding_bag(fg.zeros(0, dtype=fg.int64), w, fg.tensor([0, 0])).numpy().tolist() == [[0, 0], [0, 0]]
    assert F.embedding_bag(fg.zeros(0, 3, dtype=fg.int64), w).shape == (0, 2)
    assert F.embedding_bag(fg.tensor([1, 2], dtype=fg.int32), w, fg.tensor([0], dtype=fg.int32), mode="sum") \
        .numpy().tolist() == [[2, 2]]


def test_embedding_bag_max_norm_renorms_the_rows_used():
    w = fg.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    F.embedding_bag(fg.tensor([[0, 1]]), w, max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(w.numpy(), axis=1), [1.0, 0.5, 10.0], rtol=1e-5)


BAD = [(dict(input=IDX, offsets=[1, 2]), RuntimeError, "offsets\\[0\\] has to be 0"),
       (dict(input=IDX, offsets=[0, 2, 9]), RuntimeError, "can not be greater than input's length 8"),
       (dict(input=IDX.reshape(2, 4), offsets=[0, 2]), ValueError, "if input is 2D, then offsets has to be None"),
       (dict(input=IDX), ValueError, "offsets has to be a 1D Tensor but got None"),
       (dict(input=IDX, offsets=[[0]]), ValueError, "offsets has to be a 1D Tensor"),
       (dict(input=IDX.reshape(1, 2, 4)), ValueError, "input has to be 1D or 2D Tensor"),
       (dict(input=IDX.reshape(2, 4), mode="mean", per_sample_weights=np.ones((2, 4))), NotImplementedError,
        "only supported for mode='sum'"),
       (dict(input=IDX.reshape(2, 4), mode="sum", per_sample_weights=np.ones(4)), ValueError,
        "must have the same shape as the input"),
       (dict(input=IDX.reshape(2, 4), mode="foo"), ValueError, "mode has to be one of sum, mean or max"),
       (dict(input=np.array([7]), offsets=[0]), RuntimeError, "Index 0 of input takes value 7"),
       (dict(input=np.array([-1]), offsets=[0]), RuntimeError, "takes value -1 which is not in the valid range"),
       (dict(input=IDX.astype(np.float32), offsets=[0]), RuntimeError, "'indices' to have one of the following"),
       (dict(input=IDX, offsets=[0], padding_idx=7), RuntimeError, "padding_idx must be within")]


@pytest.mark.parametrize("kw,exc,msg", BAD)
def test_embedding_bag_errors_as_torch(kw, exc, msg):
    w = np.ones((6, 2), np.float32)

    def call(lib, fn):
        a = {k: (lib.tensor(np.asarray(v)) if k in ("input", "offsets", "per_sample_weights") else v)
             for k, v in kw.items()}
        return fn(a.pop("input"), lib.tensor(w), **a)

    with pytest.raises(exc, match=msg):
        call(fg, F.embedding_bag)
    torch = pytest.importorskip("torch")
    with pytest.raises(exc):
        call(torch, torch.nn.functional.embedding_bag)


def test_embedding_bag_module_keys_init_repr_and_torch_parity(rng):
    torch = pytest.importorskip("torch")
    m = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2, include_last_offset=True)
    tm = torch.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2, include_last_offset=True)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["weight"] and repr(m) == repr(tm)
    assert np.all(m.weight.detach().numpy()[2] == 0) and 0.5 < m.weight.detach().numpy().std() < 1.5
    assert repr(nn.EmbeddingBag(10, 3)) == repr(torch.nn.EmbeddingBag(10, 3))
    m.load_state_dict({"weight": fg.tensor(tm.weight.detach().numpy())})
    idx, off = rng.integers(0, 10, 9), np.array([0, 4, 4, 9])
    psw = rng.standard_normal(9).astype(np.float32)
    y = m(fg.tensor(idx), fg.tensor(off), fg.tensor(psw))
    yt = tm(torch.tensor(idx), torch.tensor(off), torch.tensor(psw))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-6)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    pre = nn.EmbeddingBag.from_pretrained(fg.ones(4, 2), mode="max")
    assert not pre.weight.requires_grad and pre.mode == "max" and pre(fg.tensor([[0, 1]])).shape == (1, 2)
