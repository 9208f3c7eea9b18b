"""The reverse pass: iterative topological order, gradient accumulation, graph freeing.

``run_backward`` walks the graph from the roots without recursion (a chain of 100,000
ops is fine), counts for every node how many consumers will send it a gradient, then
processes nodes once all their consumers are done.  Leaf gradients accumulate into
``.grad`` (or are captured for ``autograd.grad``); saved arrays are freed as each node
runs unless ``retain_graph``.
"""
import numpy as np

from fastgrad.tensor import Tensor
from fastgrad.autograd.function import Function, FREED_MESSAGE

__all__ = ["run_backward"]

_make = Tensor._make


def _dependencies(roots):
    """For each node reachable from ``roots``: the number of edges pointing at it."""
    deps = {}
    stack = [r for r in roots if isinstance(r, Function)]
    seen = set(stack)
    while stack:
        node = stack.pop()
        inputs = node.inputs
        if inputs is None:
            continue
        for e in inputs:
            if e is None or not isinstance(e, Function):
                continue
            deps[e] = deps.get(e, 0) + 1
            if e not in seen:
                seen.add(e)
                stack.append(e)
    return deps


def _check_shape(node, i, g, target_shape):
    if g.shape != target_shape:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - "
                           f"got {list(g.shape)} but expected shape compatible with {list(target_shape)}")


def _accumulate_leaf(t, g, fresh):
    """t.grad += g; a fresh array (nobody else holds it) is taken over instead of copied."""
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
        fresh = True
    grad = t.grad
    if grad is None:
        t.grad = _make(g if fresh else g.copy(), None)
    else:
        grad._data += g


def run_backward(roots, grads, retain_graph=False, capture=None):
    """Backpropagate ``grads`` (arrays) from ``roots`` (Tensors).

    capture: None to accumulate into leaves' ``.grad``; else a dict {id(tensor): tensor}
    for ``autograd.grad``: the gradients of those tensors are returned as a dict
    {id(tensor): array} and no ``.grad`` is touched.
    """
    captured = {}
    pending = {}
    leaf_roots = []
    for t, g in zip(roots, grads):
        fn = t.grad_fn
        if fn is None:
            leaf_roots.append((t, g))
        elif fn in pending:
            pending[fn] = pending[fn] + g
        else:
            pending[fn] = g
    capture_nodes = {}
    if capture is not None:
        for t in capture.values():
            if t.grad_fn is not None:
                capture_nodes[t.grad_fn] = t
    for t, g in leaf_roots:
        if capture is not None:
            if id(t) in capture:
                _store_capture(captured, t, g)
        elif t.requires_grad:
            _accumulate_leaf(t, g, False)

    deps = _dependencies(list(pending))
    ready = [n for n in pending if deps.get(n, 0) == 0]
    capturing = capture is not None
    while ready:
        node = ready.pop()
        dy = pending.pop(node)
        if capturing:
            t = capture_nodes.get(node)
            if t is not None:
                _store_capture(captured, t, dy)
        elif node.retained is not None:
            t = node.retained()
            if t is not None:
                _accumulate_leaf(t, dy, False)
        if node.saved is None:
            raise RuntimeError(FREED_MESSAGE)
        builtin = not node.tensor_io
        if builtin:
            input_grads = type(node).backward(node, dy)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
        else:
            input_grads = node.run_backward(dy)
        if not retain_graph and node.saved:
            node.saved = None  # free saved arrays; a second pass through this node raises
        for e, g in zip(node.inputs, input_grads):
            if e is None or g is None:
                continue
            if isinstance(e, Function):
                prev = pending.get(e)
                pending[e] = g if prev is None else prev + g
                left = deps[e] - 1
                deps[e] = left
                if left == 0:
                    ready.append(e)
            elif g.shape != e._data.shape:
                _check_shape(node, node.inputs.index(e), g, e._data.shape)
            elif capturing:
                if id(e) in capture:
                    _store_capture(captured, e, g)
            elif e.grad is None and builtin and g is not dy and g.base is None \
                    and g.dtype is e._data.dtype and _only_once(input_grads, g):
                e.grad = _make(g, None)  # a fresh array nobody else holds: taken over, not copied
            else:
                _accumulate_leaf(e, g, False)
    return captured


def _only_once(grads, g):
    n = 0
    for x in grads:
        if x is g:
            n += 1
    return n == 1


def _store_capture(captured, t, g):
    key = id(t)
    prev = captured.get(key)
    captured[key] = np.array(g, dtype=t._data.dtype) if prev is None else prev + g
