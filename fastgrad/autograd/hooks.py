"""Post-accumulate-grad hooks (torch's ``Tensor.register_post_accumulate_grad_hook``).

``hook(tensor)`` runs right after a backward pass has added a gradient into the leaf's ``.grad``
(DistributedDataParallel starts a bucket's all-reduce from it).  fastgrad's engine adds a leaf's
gradient once per op that consumed the leaf, so a leaf used by k ops sees its hook k times in one
backward (torch sums them first and calls it once); a leaf used once, the usual parameter, sees it
once.  Hooks are kept by ``id`` (Tensor has ``__slots__``) and dropped with their tensor.
``autograd.grad`` writes no ``.grad`` and so calls none.
"""
import itertools
import weakref

__all__ = ["register_post_accumulate_grad_hook", "POST_HOOKS", "run_post_hooks"]

# id(leaf) -> (weakref to the leaf, {handle id: hook}); the engine checks it per leaf it writes
POST_HOOKS = {}
_ids = itertools.count()


class RemovableHandle:
    """Returned by register_post_accumulate_grad_hook: ``remove()`` unregisters the hook."""

    __slots__ = ("_key", "id")

    def __init__(self, key, hid):
        self._key, self.id = key, hid

    def remove(self) -> None:
        entry = POST_HOOKS.get(self._key)
        if entry is not None:
            entry[1].pop(self.id, None)
            if not entry[1]:
                del POST_HOOKS[self._key]


def _drop(ref, key, hooks=POST_HOOKS):
    entry = hooks.get(key)
    if entry is not None and entry[0] is ref:
        del hooks[key]


def register_post_accumulate_grad_hook(tensor, hook) -> RemovableHandle:
    """Call ``hook(tensor)`` after each accumulation of a gradient into ``tensor.grad`` (a leaf)."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    key = id(tensor)
    entry = POST_HOOKS.get(key)
    if entry is None or entry[0]() is not tensor:
        entry = POST_HOOKS[key] = (weakref.ref(tensor, lambda r, key=key, drop=_drop: drop(r, key)), {})
    hid = next(_ids)
    entry[1][hid] = hook
    return RemovableHandle(key, hid)


def run_post_hooks(tensors) -> None:
    """Run the hooks of each leaf in ``tensors`` (called by the engine after its gradient landed)."""
    for t in tensors:
        entry = POST_HOOKS.get(id(t))
        if entry is not None:
            for hook in list(entry[1].values()):
                hook(t)
