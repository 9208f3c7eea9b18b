"""DistributedDataParallel (torch.nn.parallel's name and semantics) over fastgrad.distributed."""
import contextlib

import numpy as np

from fastgrad.tensor import Tensor
from fastgrad.autograd.grad_mode import is_grad_enabled
from fastgrad.autograd.version import bump
from fastgrad.nn.module import Module
from fastgrad.nn.parallel._reducer import MB, Reducer

__all__ = ["DistributedDataParallel"]


def _tensors(out):
    """The Tensors in a forward's output (nested tuples, lists, dicts)."""
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for o in out:
            yield from _tensors(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _tensors(o)


class DistributedDataParallel(Module):
    """Data-parallel training: every rank runs ``module`` on its own batch and backward leaves the
    gradients averaged over the ranks in every rank's ``.grad``.

    At construction rank 0's parameters and buffers are broadcast (and every rank's parameter
    shapes checked).  Gradients are averaged in buckets (``bucket_cap_mb``, 25 MiB; the first
    1 MiB) by non-blocking all-reduces that start while backward is still running; backward
    returns once they are done.  ``no_sync()`` accumulates locally.  With
    ``find_unused_parameters=False`` a parameter that got no gradient makes the next forward raise
    (torch's error); with True such parameters count as zero, and ones unused on every rank keep
    their ``.grad``.  ``state_dict()`` keys start with ``module.`` as torch's.
    Every use of a parameter must happen inside ``forward`` (the graph walked after it says how
    many gradient contributions to wait for): a use outside it raises instead of averaging a
    partial gradient.  As in torch, gradients from a backward that follows no synchronising
    forward (a second backward through one forward's graph) are accumulated locally.  A rank
    whose output uses no parameter at all is not supported (it never ends the reduction).
    ``device_ids``, ``output_device``, ``dim``, ``static_graph`` and ``gradient_as_bucket_view``
    are accepted for torch compatibility (CPU only; gradients are copied to and from buckets)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        super().__init__()
        from fastgrad.distributed._state import STATE, comm
        c = comm(process_group)
        self.module = module
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * MB)
        seen, params = set(), []
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.__dict__["_comm"] = c
        self.__dict__["_world"] = STATE.size
        self._verify_shapes(c, params)
        self._sync_state(c, list(module.parameters()) + list(module.buffers()))
        self.__dict__["reducer"] = Reducer(params, c, STATE.size, STATE.rank, self.bucket_bytes_cap,
                                           find_unused_parameters)

    @staticmethod
    def _verify_shapes(c, params) -> None:
        mine = [(p._data.dtype.str, p._data.shape) for p in params]
        rows = c.allgather(mine)
        for r, row in enumerate(rows):
            if row != rows[0]:
                raise RuntimeError(f"DistributedDataParallel: rank {r}'s parameters (dtype, shape) differ from "
                                   f"rank 0's: {row} vs {rows[0]}")

    @staticmethod
    def _sync_state(c, tensors) -> None:
        """Broadcast rank 0's values of ``tensors`` (packed into one buffer per dtype)."""
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t._data.dtype, []).append(t)
        for dtype, ts in by_dtype.items():
            flat = np.concatenate([t._data.reshape(-1) for t in ts]) if ts else np.empty(0, dtype)
            c.Bcast(flat, 0)
            off = 0
            for t in ts:
                n = t._data.size
                t._data[...] = flat[off:off + n].reshape(t._data.shape)
                bump(t._data)
                off += n

    def forward(self, *inputs, **kwargs):
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if self.broadcast_buffers and self._world > 1:
            bufs = list(self.module.buffers())
            if bufs:
                self._sync_state(self._comm, bufs)
        out = self.module(*inputs, **kwargs)
        if sync:
            self.reducer.prepare([t for t in _tensors(out) if t.requires_grad])
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside it, backward accumulates gradients locally; the first backward after it averages
        the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old
