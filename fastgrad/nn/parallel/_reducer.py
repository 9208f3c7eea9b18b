"""DistributedDataParallel's gradient reducer: buckets, readiness, non-blocking all-reduces.

Parameters go into buckets in reverse order (the order backward produces their gradients), one
dtype per bucket; the first bucket holds up to 1 MiB and the others up to ``bucket_cap_mb`` (as
torch).  After each forward the reducer walks the new autograd graph once and counts, for every
parameter, the graph edges that will add into its ``.grad``; the post-accumulate-grad hook counts
down and the parameter is *ready* at zero: its gradient is copied into its bucket slot.  A full
bucket starts ``MPI_Iallreduce`` (buckets start strictly in order, so every rank issues the same
sequence of collectives), and each hook call also tests the requests in flight so that MPI makes
progress while backward computes.  When the last bucket has started, the hook waits for all of
them, divides by the world size and copies the averages back into ``.grad``: backward returns
with the averaged gradients.
"""
import numpy as np

from fastgrad.tensor import Tensor
from fastgrad.autograd.function import Function

__all__ = ["Reducer", "UNFINISHED"]

MB = 1024 * 1024
FIRST_BUCKET_BYTES = 1 * MB  # torch's dist._DEFAULT_FIRST_BUCKET_BYTES

UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable unused "
    "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`fastgrad.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss. Parameter indices which did not receive grad for rank {rank}: {idx}")


class _Bucket:
    __slots__ = ("params", "index", "flat", "slots", "pending", "work")

    def __init__(self, params, index, dtype):
        self.params = params  # Parameters, reverse model order
        self.index = index  # their positions in the model's parameter list
        self.flat = np.zeros(sum(p._data.size for p in params), dtype)
        self.slots, off = [], 0
        for p in params:
            self.slots.append(self.flat[off:off + p._data.size].reshape(p._data.shape))
            off += p._data.size
        self.pending = 0
        self.work = None


def assign_buckets(params, cap_bytes, first_bytes=FIRST_BUCKET_BYTES):
    """Lists of parameter indices, one per bucket: reverse order, per dtype, size-capped."""
    open_, done = {}, []
    for i in reversed(range(len(params))):
        p = params[i]
        key = p._data.dtype
        cur = open_.setdefault(key, [[], 0])
        cur[0].append(i)
        cur[1] += p._data.nbytes
        limit = first_bytes if not any(params[b[0]]._data.dtype == key for b in done) else cap_bytes
        if cur[1] >= limit:
            done.append(cur[0])
            del open_[key]
    done.extend(b[0] for b in open_.values() if b[0])
    return done


class Reducer:
    """The per-iteration state of gradient averaging for a list of parameters."""

    def __init__(self, params, comm, world, rank, cap_bytes, find_unused):
        self.params = params
        self.comm = comm
        self.world = world
        self.rank = rank
        self.find_unused = find_unused
        self.buckets = [_Bucket([params[i] for i in b], b, params[b[0]]._data.dtype)
                        for b in assign_buckets(params, cap_bytes)]
        self.where = {}  # id(param) -> (bucket, slot index)
        for b in self.buckets:
            for k, p in enumerate(b.params):
                self.where[id(p)] = (b, k)
        self.count = {}  # id(param) -> gradient accumulations still to come in this backward
        self.used = np.zeros(len(params), np.int32)
        self.armed = False  # a forward with grad sync ran: its backward reduces
        self.started = False  # a hook of that backward fired
        self.next = 0  # the next bucket to start
        self.hooks = [p.register_post_accumulate_grad_hook(self._hook) for p in params]

    # -- forward side -----------------------------------------------------------------------
    def prepare(self, outputs) -> None:
        """After a forward whose backward reduces: count the edges into each parameter."""
        if self.armed and self.started:
            raise RuntimeError(UNFINISHED.format(rank=self.rank, idx=self.unready()))
        count = dict.fromkeys(self.where, 0)
        seen, stack = set(), [t.grad_fn for t in outputs if t.grad_fn is not None]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            for e in node.inputs:
                if isinstance(e, Function):
                    if e not in seen:
                        stack.append(e)
                elif e is not None and id(e) in count:
                    count[id(e)] += 1
        self.count = count
        self.used[:] = [count[id(p)] > 0 for p in self.params]
        for b in self.buckets:
            b.pending = len(b.params)
            b.work = None
        self.next = 0
        self.armed = True
        self.started = False

    def _index(self, p) -> int:
        return next(i for i, q in enumerate(self.params) if q is p)  # (== on Tensors is elementwise)

    def unready(self):
        return sorted(i for b in self.buckets for i, p in zip(b.index, b.params) if self.count.get(id(p), 0) > 0)

    # -- backward side ----------------------------------------------------------------------
    def _hook(self, p) -> None:
        if not self.armed:  # no synchronising forward since the last reduction: ignored, as torch
            return
        if not self.started:
            self.started = True
            if self.find_unused:  # locally unused parameters contribute zeros (or a no_sync gradient)
                for q, used in zip(self.params, self.used):
                    if not used:
                        self._ready(q)
        key = id(p)
        n = self.count[key] - 1
        self.count[key] = n
        if n == 0:
            self._ready(p)
        elif n < 0:
            raise RuntimeError(
                "Expected to mark a variable ready only once: a parameter received a gradient from outside the "
                f"wrapped module's forward (parameter index {self._index(p)}) after its bucket was reduced; "
                "compute every use of the parameters inside forward()")
        else:
            self._progress()

    def _ready(self, p) -> None:
        b, k = self.where[id(p)]
        g = p._grad
        if g is None:
            b.slots[k][...] = 0
        else:
            np.copyto(b.slots[k], g._data)
        b.pending -= 1
        if b.pending == 0:
            self._launch()

    def _launch(self) -> None:
        from mpi4py import MPI
        buckets = self.buckets
        while self.next < len(buckets) and buckets[self.next].pending == 0:
            b = buckets[self.next]
            b.work = self.comm.Iallreduce(MPI.IN_PLACE, b.flat, MPI.SUM)
            self.next += 1
        if self.next == len(buckets):
            self._finalize()
        else:
            self._progress()

    def _progress(self) -> None:
        """Let MPI advance the all-reduces in flight (MPICH progresses only inside MPI calls)."""
        for b in self.buckets[:self.next]:
            if b.work is not None and b.work.Test():
                b.work = None

    def _finalize(self) -> None:
        from mpi4py import MPI
        MPI.Request.Waitall([b.work for b in self.buckets if b.work is not None])
        if self.find_unused:
            globally = self.used.copy()
            self.comm.Allreduce(MPI.IN_PLACE, globally, MPI.SUM)
        for b in self.buckets:
            b.work = None
            for p, i, slot in zip(b.params, b.index, b.slots):
                if self.find_unused and not globally[i]:
                    continue  # unused on every rank: .grad is left as it was (torch)
                g = p._grad
                if g is None:
                    p._grad = Tensor._make(slot / self.world, None)
                else:
                    np.divide(slot, self.world, out=g._data)  # the average, in one pass
        self.armed = self.started = False

    def remove_hooks(self) -> None:
        for h in self.hooks:
            h.remove()
        self.hooks = []
