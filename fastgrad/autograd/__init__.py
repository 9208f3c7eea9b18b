"""Reverse-mode automatic differentiation: backward, grad, Function, gradcheck, grad modes."""
import numpy as np

from fastgrad.tensor import Tensor
from fastgrad.autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from fastgrad.autograd.function import Function
from fastgrad.autograd.engine import run_backward, backward_from, accumulate_grad
from fastgrad.autograd.gradcheck import gradcheck
from fastgrad.autograd.hooks import register_post_accumulate_grad_hook
from fastgrad.lowp import BF16 as _BF16, cast as _lowp_cast

__all__ = ["backward", "grad", "Function", "gradcheck", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled"]
__all__ += ["register_post_accumulate_grad_hook"]

# torch's Tensor.register_post_accumulate_grad_hook (bound here: tensor.py stays as it is)
Tensor.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook


def _read_only_one(dtype):
    one = np.ones((), dtype)
    one.flags.writeable = False
    return one


# the seed of loss.backward() for a 0-d float loss of a built-in op, made once: built-in ops never
# write into dy (they return it, a view of it, or fresh arrays; the engine copies it before keeping
# it), a user-defined backward sees it as a Tensor and might, so it gets a fresh one
SEEDS = {np.dtype(d): _read_only_one(d) for d in (np.float32, np.float64)}
SEEDS[_BF16] = SEEDS[np.dtype(np.float32)]  # bfloat16: gradients travel as float32 (fastgrad/lowp.py)


def _root_grad(t, g, op):
    """The seed gradient array for root t: given (cast to t's dtype, C-contiguous), or 1 for a
    one-element output."""
    d = t._data.dtype if t._data.dtype != _BF16 else np.dtype(np.float32)  # (lowp.py)
    if g is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs "
                               f"(got an output of shape {tuple(t._data.shape)})")
        return np.ones(t._data.shape, d)
    arr = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=d)
    if arr.dtype == _BF16 or d != t._data.dtype:
        arr = _lowp_cast(arr, d)
    if arr.shape != t._data.shape:
        raise RuntimeError(f"{op}: Mismatch in shape: grad_output has a shape of {tuple(arr.shape)} "
                           f"and output has a shape of {tuple(t._data.shape)}")
    return np.require(arr, d, "C")


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def backward_implicit(t: Tensor, retain_graph=None) -> None:
    """``t.backward()`` with no gradient: the implicit gradient 1, allowed for a one-element output
    only (torch: numel() == 1, so shapes () and (1,) both work).  The one home of this shortcut:
    Tensor.backward and backward() both come here."""
    fn = t.grad_fn
    data = t._data
    if fn is None or data.size != 1:  # a leaf, or the error: the general path
        _backward(t, None, retain_graph, None)
        return
    seed = SEEDS.get(data.dtype) if data.ndim == 0 and not fn.user_defined else None
    backward_from(fn, np.ones(data.shape, data.dtype if data.dtype != _BF16 else np.float32)
                  if seed is None else seed, bool(retain_graph))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into ``.grad`` of the leaves (torch.autograd.backward)."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported by fastgrad")
    if grad_tensors is None and inputs is None and isinstance(tensors, Tensor):
        backward_implicit(tensors, retain_graph)
        return
    _backward(tensors, grad_tensors, retain_graph, inputs)


def _backward(tensors, grad_tensors, retain_graph, inputs):
    roots = _as_list(tensors)
    grads = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(roots)
    if len(grads) != len(roots):
        raise RuntimeError(f"backward: got {len(grads)} gradients for {len(roots)} tensors")
    seeds = []
    for t, g in zip(roots, grads):
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        seeds.append(_root_grad(t, g, "backward"))
    if inputs is not None:  # accumulate only into the given tensors
        inputs = _as_list(inputs)
        got = run_backward(roots, seeds, bool(retain_graph), capture={id(t): t for t in inputs})
        for t in inputs:
            g = got.get(id(t))
            if g is not None:
                accumulate_grad(t, g)
        return
    run_backward(roots, seeds, bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (``.grad`` is left untouched)."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported by fastgrad")
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    gouts = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = []
    for t, g in zip(outs, gouts):
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        seeds.append(_root_grad(t, g, "grad"))
    got = run_backward(outs, seeds, bool(retain_graph), capture={id(t): t for t in ins})
    result = []
    for t in ins:
        g = got.get(id(t))
        if g is None:
            if materialize_grads:
                g = np.zeros(t._data.shape, t._data.dtype)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in "
                                   "the graph. Set allow_unused=True if this is the desired behavior.")
        result.append(None if g is None else Tensor._make(g))
    return tuple(result)
