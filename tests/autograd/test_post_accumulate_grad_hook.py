"""Tensor.register_post_accumulate_grad_hook: called after .grad was accumulated (torch's order)."""
import numpy as np
import pytest

import fastgrad
from fastgrad import autograd

try:
    import torch
except ImportError:
    torch = None


def test_hook_sees_the_accumulated_grad_once_per_use():
    w = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (w * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    (w * 2).sum().backward()
    assert seen == [[3.0, 3.0], [5.0, 5.0]]  # after accumulating into the existing .grad
    handle.remove()
    (w * 2).sum().backward()
    assert len(seen) == 2
    handle.remove()  # twice is harmless


def test_hook_on_a_root_leaf_and_with_inputs():
    w = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    autograd.register_post_accumulate_grad_hook(w, calls.append)
    w.backward(fastgrad.tensor([1.0, 1.0]))
    v = fastgrad.tensor(3.0, requires_grad=True)
    (w * v).sum().backward(inputs=[w])
    assert calls == [w, w]
    assert np.allclose(w.grad._data, [4.0, 4.0])


def test_autograd_grad_runs_no_hook_and_nonleaf_refuses():
    w = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    w.register_post_accumulate_grad_hook(calls.append)
    autograd.grad((w * w).sum(), w)
    assert calls == []
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(calls.append)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        fastgrad.tensor([1.0]).register_post_accumulate_grad_hook(calls.append)


def test_a_leaf_used_twice_calls_its_hook_per_use():
    w = fastgrad.tensor([1.0], requires_grad=True)
    grads = []
    w.register_post_accumulate_grad_hook(lambda t: grads.append(float(t.grad._data[0])))
    (w * 2 + w.exp()).sum().backward()
    assert len(grads) == 2 and grads[-1] == pytest.approx(2 + np.e)  # the last call sees the full gradient


def test_hook_is_dropped_with_its_tensor():
    from fastgrad.autograd.hooks import POST_HOOKS
    before = len(POST_HOOKS)
    w = fastgrad.tensor([1.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: None)
    assert len(POST_HOOKS) == before + 1
    del w
    assert len(POST_HOOKS) == before


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_hook_order_matches_torch():
    def run(lib, make):
        a = make([1.0, 2.0])
        b = make([3.0])
        order = []
        a.register_post_accumulate_grad_hook(lambda t: order.append(("a", t.grad.tolist())))
        b.register_post_accumulate_grad_hook(lambda t: order.append(("b", t.grad.tolist())))
        ((a * 2).sum() * b.sum()).backward()
        return order
    ours = run(fastgrad, lambda v: fastgrad.tensor(v, requires_grad=True))
    theirs = run(torch, lambda v: torch.tensor(v, requires_grad=True))
    assert sorted(ours) == sorted(theirs)
