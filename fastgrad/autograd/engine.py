"""The reverse pass: nodes run newest first, gradients accumulate, the graph is freed.

Every node carries ``seq``, its creation number.  A node is created after all of its inputs, so
running the pending nodes in decreasing ``seq`` (a heap) runs each node only after every
consumer reachable from the roots has sent it its gradient: no dependency-counting pass over
the graph is needed (PyTorch orders its ready queue the same way).  When a node leaves exactly
one new pending node newer than every other pending one (a chain), that node runs next directly.
A chain of 100,000 ops needs no recursion.  Leaf gradients accumulate into ``.grad`` (or are
captured for ``autograd.grad``); saved arrays are freed as each node runs unless ``retain_graph``.

What reaches a kernel is checked here: a user-defined backward's gradients are validated as
torch does (shape, dtype, layout; ``_validated``); a built-in's gradients have their input's
shape and dtype by construction (tests/test_engine_validation.py checks every registered op), and
a leaf's gradient shape is checked for every node.  Every read-modify-write of a ``.grad``
happens under one lock, so backward passes in several threads into shared leaves lose nothing.
"""
import threading
from heapq import heappop, heappush

import numpy as np

from fastgrad.tensor import Tensor
from fastgrad.autograd.function import Function, FREED_MESSAGE
from fastgrad.autograd.version import LAST as _LAST_BUMP, check_saved as _check_saved
from fastgrad.autograd.hooks import POST_HOOKS as _POST, run_post_hooks as _run_post
from fastgrad.lowp import accumulate_leaf as _accumulate_bf16, cast as _lowp_cast

__all__ = ["run_backward", "backward_from", "accumulate_grad"]

_make = Tensor._make
# held around every read-modify-write of a leaf's .grad (numpy's += releases the GIL on large
# arrays, and "is .grad None? then set it" is two steps): once per node that feeds leaves
_GRAD_LOCK = threading.Lock()
_lock = _GRAD_LOCK.acquire
_unlock = _GRAD_LOCK.release


def _check_shape(node, i, g, target_shape):
    if g.shape != target_shape:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - "
                           f"got {list(g.shape)} but expected shape compatible with {list(target_shape)}")


def _expandable(shape, to):
    """torch's is_expandable_to: ``shape`` broadcasts to ``to``."""
    if len(shape) > len(to):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(to)))


def _validated(node, grads):
    """A user-defined backward's gradients as torch's engine validates them: each one of its
    input's shape, or summed to it when that shape expands to the gradient's (else the error);
    then cast to the input's dtype and made C-contiguous.  Gradients for inputs that need none
    are dropped."""
    out = []
    for i, meta in enumerate(node.input_metas):
        g = grads[i]
        if g is None or meta is None:
            out.append(None)
            continue
        shape, dtype = meta
        if g.shape != shape:
            if not _expandable(shape, g.shape):
                _check_shape(node, i, g, shape)
            lead = g.ndim - len(shape)
            if lead:
                g = g.sum(axis=tuple(range(lead)))
            axes = tuple(d for d, (s, n) in enumerate(zip(shape, g.shape)) if s == 1 and n != 1)
            if axes:
                g = g.sum(axis=axes, keepdims=True)
        if g.dtype != dtype:
            g = g.astype(dtype) if dtype.kind != "V" and g.dtype.kind != "V" else _lowp_cast(g, dtype)  # (bfloat16)
        out.append(g if g.flags.c_contiguous else g.copy(order="C"))
    return tuple(out)


def _accumulate_leaf(t, g):
    """t.grad += g, the caller holding _GRAD_LOCK (a first gradient is a copy of g)."""
    dtype = t._data.dtype
    if dtype.kind == "V":  # bfloat16: numpy can neither add nor cast it (fastgrad/lowp.py)
        return _accumulate_bf16(t, g, _make)
    grad = t._grad  # (the slot: .grad is the checking property)
    if grad is None:
        t._grad = _make(g.astype(dtype, order="C"), None)
    else:
        grad._data += g if g.dtype == dtype else g.astype(dtype)


def accumulate_grad(t, g):
    """t.grad += g under the gradient lock (a first gradient is a copy of g), then t's
    post-accumulate-grad hooks."""
    with _GRAD_LOCK:
        _accumulate_leaf(t, g)
    if _POST and id(t) in _POST:
        _run_post((t,))


def backward_from(node, dy, retain_graph, pending=None, heap=None, capture=None):
    """The reverse pass from ``node`` with output gradient ``dy`` (``loss.backward()`` calls it
    directly).  ``pending`` and ``heap`` hold the other nodes already waiting (run_backward's
    roots).  The first input node a node makes pending runs next directly, outside the dict and
    the heap, whenever it is the newest.  capture: None to accumulate into the leaves' ``.grad``;
    else (tensors by id, tensors by grad_fn, result dict) for ``autograd.grad``."""
    last_write = _LAST_BUMP[0]  # the newest in-place write (re-read after user code runs)
    if pending is None:
        pending = {}  # node -> the gradient of its output summed so far
        heap = []  # (-seq, node) of every pending node: the newest comes out first
    while True:
        if capture is not None:
            t = capture[1].get(node)
            if t is not None:
                _store_capture(capture[2], t, dy)
        elif node.retained is not None:
            t = node.retained()
            if t is not None:
                accumulate_grad(t, dy)
        saved = node.saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        if node.seq < last_write:  # something was written in place since this node was made
            _check_saved(node, saved, getattr(node, "saved_seq", node.seq))
        cls = type(node)
        builtin = not cls.user_defined
        if builtin:
            grads = cls.backward(node, dy)
            if type(grads) is not tuple:
                grads = (grads,)
        else:
            grads = _validated(node, node.run_backward(dy))
            last_write = _LAST_BUMP[0]  # (a user's backward may write in place)
        if saved and not retain_graph:
            node.saved = None  # free saved arrays; a second pass through this node raises
        nxt = nxt_dy = None  # the first input node made pending, with its gradient in nxt_dy
        locked = False  # _GRAD_LOCK taken at this node's first leaf, released after its last
        hooked = None  # leaves written here that have post-accumulate-grad hooks (run after the lock)
        i = -1
        try:
            for e in node.inputs:  # (indexing: measurably cheaper than zip on these short tuples)
                i += 1
                if e is None:
                    continue
                try:
                    g = grads[i]
                except IndexError:
                    raise RuntimeError(f"function {node.name()} returned {len(grads)} gradients, expected "
                                       f"{len(node.inputs)} (one per forward input)") from None
                if g is None:
                    continue
                if isinstance(e, Function):
                    if e is nxt:
                        nxt_dy = nxt_dy + g
                    elif nxt is None and e not in pending:
                        nxt, nxt_dy = e, g
                    else:
                        prev = pending.get(e)
                        if prev is None:
                            pending[e] = g
                            heappush(heap, (-e.seq, e))
                        else:
                            pending[e] = prev + g
                elif g.shape != e._data.shape:
                    _check_shape(node, i, g, e._data.shape)
                elif capture is not None:
                    if id(e) in capture[0]:
                        _store_capture(capture[2], e, g)
                else:
                    if not locked:
                        _lock()
                        locked = True
                    if e._grad is None and builtin and g is not dy and g.base is None and g.dtype is e._data.dtype:
                        n = 0  # g is taken over (not copied) only when no other input was given it too
                        for x in grads:
                            if x is g:
                                n += 1
                        if n == 1:
                            e._grad = _make(g, None)  # a fresh array nobody else holds
                            if _POST and id(e) in _POST:
                                hooked = [e] if hooked is None else hooked + [e]
                            continue
                    _accumulate_leaf(e, g)
                    if _POST and id(e) in _POST:
                        hooked = [e] if hooked is None else hooked + [e]
        finally:
            if locked:
                _unlock()
        if hooked is not None:
            _run_post(hooked)
        if nxt is not None:
            if not heap or nxt.seq > -heap[0][0]:
                node, dy = nxt, nxt_dy  # the newest pending node: next, without the heap
                continue
            pending[nxt] = nxt_dy
            heappush(heap, (-nxt.seq, nxt))
        if not heap:
            return
        node = heappop(heap)[1]
        dy = pending.pop(node)


def run_backward(roots, grads, retain_graph=False, capture=None):
    """Backpropagate ``grads`` (arrays) from ``roots`` (Tensors).

    capture: None to accumulate into leaves' ``.grad``; else a dict {id(tensor): tensor}
    for ``autograd.grad``: the gradients of those tensors are returned as a dict
    {id(tensor): array} and no ``.grad`` is touched.
    """
    captured = {}
    if capture is not None:
        capture = (capture, {t.grad_fn: t for t in capture.values() if t.grad_fn is not None}, captured)
    pending = {}
    heap = []
    for t, g in zip(roots, grads):
        fn = t.grad_fn
        if fn is None:
            if capture is not None:
                if id(t) in capture[0]:
                    _store_capture(captured, t, g)
            elif t.requires_grad:
                accumulate_grad(t, g)
        elif fn in pending:
            pending[fn] = pending[fn] + g
        else:
            pending[fn] = g
            heappush(heap, (-fn.seq, fn))
    if heap:
        node = heappop(heap)[1]
        backward_from(node, pending.pop(node), retain_graph, pending, heap, capture)
    return captured


def _store_capture(captured, t, g):
    key = id(t)
    prev = captured.get(key)
    if t._data.dtype.kind == "V":  # bfloat16 (fastgrad/lowp.py)
        g = _lowp_cast(g, "f4") if g.dtype.kind == "V" else g
        captured[key] = _lowp_cast(g if prev is None else _lowp_cast(prev, "f4") + g, t._data.dtype)
        return
    captured[key] = np.array(g, dtype=t._data.dtype) if prev is None else prev + g
