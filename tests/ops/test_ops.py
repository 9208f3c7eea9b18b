"""Table-driven op tests: every registered op, forward vs numpy float64, backward vs
gradcheck (float64 central differences), float32 and float64, contiguous and not;
torch parity for cases that name a torch function (skipped without torch)."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck
from fastgrad.autograd.function import REGISTRY

from opcases import all_cases
from opcases.common import _inputs, _tensors

CASES = all_cases()
IDS = [f"{c['name']}-{c['id']}" for c in CASES]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


def test_every_registered_op_has_a_case():
    covered = {c["name"] for c in CASES}
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"ops without a case in tests/opcases_*.py: {missing}"
    unknown = sorted(covered - set(REGISTRY))
    assert not unknown, f"cases name ops that are not registered: {unknown}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_op_forward_matches_numpy(c, dtype):
    arrays = _inputs(c)
    out = c["fn"](*_tensors(arrays, dtype, False))
    ref = np.asarray(c["ref"](*arrays))
    assert out.dtype == np.dtype(dtype), f"{c['name']}: output dtype {out.dtype}, expected {np.dtype(dtype)}"
    assert tuple(out.shape) == ref.shape
    np.testing.assert_allclose(out.numpy().astype(np.float64), ref, **TOL[dtype])


@pytest.mark.parametrize("c", [c for c in CASES if c["grad"]], ids=[i for c, i in zip(CASES, IDS) if c["grad"]])
def test_op_backward_matches_gradcheck(c):
    arrays = _inputs(c)
    assert gradcheck(c["fn"], _tensors(arrays, np.float64, True))


@pytest.mark.parametrize("c", [c for c in CASES if c["grad"]], ids=[i for c, i in zip(CASES, IDS) if c["grad"]])
def test_op_backward_float32_matches_float64(c):
    arrays = _inputs(c)
    grads = []
    for dtype in (np.float32, np.float64):
        ts = _tensors(arrays, dtype, True)
        out = c["fn"](*ts)
        out.backward(fg.tensor(np.random.default_rng(3).standard_normal(out.shape).astype(dtype)))
        grads.append([None if t.grad is None else t.grad.numpy().astype(np.float64) for t in ts])
    for g32, g64 in zip(*grads):
        if g64 is not None:
            np.testing.assert_allclose(g32, g64, rtol=2e-4, atol=2e-5)


def _noncontiguous(a):
    """The same values as a, in a non-contiguous (strided) array."""
    if a.ndim == 0:
        return a
    big = np.empty(a.shape[:-1] + (a.shape[-1] * 2,), a.dtype)
    big[..., ::2] = a
    view = big[..., ::2]
    assert not view.flags.c_contiguous or view.size <= 1
    return view


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_op_noncontiguous_matches_contiguous(c):
    arrays = _inputs(c)
    ts = [fg.tensor(a, dtype=fg.float64, requires_grad=c["grad"]) for a in arrays]
    nc = [fg.from_numpy(_noncontiguous(a.copy())) for a in arrays]
    if c["grad"]:
        for t in nc:
            t.requires_grad_(True)
    out, out_nc = c["fn"](*ts), c["fn"](*nc)
    np.testing.assert_allclose(out_nc.detach().numpy(), out.detach().numpy(), rtol=1e-12, atol=1e-12)
    if c["grad"]:
        g = fg.tensor(np.random.default_rng(5).standard_normal(out.shape))
        out.backward(g)
        out_nc.backward(g)
        for a, b in zip(ts, nc):
            if a.grad is not None:
                np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c", [c for c in CASES if c.get("torch")],
                         ids=[i for c, i in zip(CASES, IDS) if c.get("torch")])
def test_op_matches_torch(c):
    torch = pytest.importorskip("torch")
    arrays = _inputs(c)
    ts = _tensors(arrays, np.float64, True)
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = c["fn"](*ts), c["torch"](*tt)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(9).standard_normal(tuple(tout.shape))
    out.backward(fg.tensor(g))
    tout.backward(torch.tensor(g))
    for a, b in zip(ts, tt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
