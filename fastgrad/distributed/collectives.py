"""Collectives on Tensors, in place (torch.distributed's names, arguments and semantics).

Every buffer handed to MPI is the tensor's own numpy array (``tensor._data``, which must be
C-contiguous): no copy on the way in or out.  The list variants (``all_gather``, ``gather``,
``reduce_scatter``, ``scatter``) go through one contiguous staging array, as one MPI call needs
one buffer; ``all_gather_into_tensor`` and ``reduce_scatter_tensor`` copy nothing.
``async_op=True`` starts MPI's non-blocking call (Iallreduce, Ibcast, ...) and returns a Work.

Debug mode (environment FASTGRAD_DISTRIBUTED_DEBUG=1): before each collective the ranks exchange
a small header (which collective, reduce op, root, dtype, shape) and every rank raises the same
RuntimeError if they disagree, instead of MPI reading mismatched buffers or hanging.
"""
import os

import numpy as np

from fastgrad.tensor import Tensor
from fastgrad.autograd.version import bump
from fastgrad.distributed._state import STATE, comm, mpi
from fastgrad.distributed.ops import ReduceOp, mpi_op
from fastgrad.distributed.work import Work

__all__ = ["all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "gather", "scatter", "reduce", "send", "recv", "isend", "irecv",
           "all_gather_object", "broadcast_object_list"]

SUM = ReduceOp.SUM
AVG = ReduceOp.AVG


def debug_enabled() -> bool:
    return os.environ.get("FASTGRAD_DISTRIBUTED_DEBUG", "").strip().lower() in ("1", "true", "yes", "detail")


def _arr(t, name, arg="tensor"):
    """The numpy array behind tensor ``t`` (checked: a Tensor, C-contiguous)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: {arg} must be a fastgrad.Tensor, got {type(t).__name__}")
    a = t._data
    if not a.flags.c_contiguous:
        raise ValueError(f"{name}: Tensors must be contiguous ({arg} is not; call .contiguous() first)")
    return a


def _list(ts, name, arg, like, n):
    """The arrays of a tensor list of ``n`` tensors, each of ``like``'s shape and dtype."""
    if not isinstance(ts, (list, tuple)) or len(ts) != n:
        got = len(ts) if isinstance(ts, (list, tuple)) else type(ts).__name__
        raise ValueError(f"{name}: {arg} must be a list of {n} tensors (the world size), got {got}")
    arrs = [_arr(t, name, arg) for t in ts]
    for a in arrs:
        if a.shape != like.shape or a.dtype != like.dtype:
            raise ValueError(f"{name}: every tensor in {arg} must have shape {list(like.shape)} and dtype "
                             f"{like.dtype} (the tensor's), got {list(a.shape)} {a.dtype}")
    return arrs


def _root(name, root, group_root, what):
    r = root if root is not None else group_root
    if r is None:
        r = 0
    if not isinstance(r, int) or not 0 <= r < STATE.size:
        raise ValueError(f"{name}: {what}={r!r} is not a rank of the group (world size {STATE.size})")
    return r


def _check(c, name, a, op=None, root=None):
    """Debug mode: every rank raises the same error when the ranks disagree on the call."""
    if not debug_enabled():
        return
    mine = (name, None if op is None else op.name, root, a.dtype.str, tuple(a.shape))
    rows = c.allgather(mine)
    if any(r != rows[0] for r in rows):
        desc = "; ".join(f"rank {i}: {r[0]}(op={r[1]}, root={r[2]}) {np.dtype(r[3]).name} {list(r[4])}"
                         for i, r in enumerate(rows))
        raise RuntimeError(f"fastgrad.distributed.{name}: the ranks disagree on the collective, its dtype or "
                           f"shape ({desc})")


def _launch(async_op, blocking, nonblocking, args, finish, keep, result):
    if async_op:
        return Work([nonblocking(*args)], finish, keep, result)
    blocking(*args)
    if finish is not None:
        finish()
    return None


def _written(arrays, avg_n=0):
    """What runs after a collective wrote ``arrays``: AVG's division, version bumps."""
    def finish():
        for a in arrays:
            if avg_n:
                np.divide(a, avg_n, out=a)
            bump(a)
    return finish


def all_reduce(tensor, op=SUM, group=None, async_op=False):
    """tensor <- op over the ranks' tensors, on every rank."""
    c = comm(group)
    a = _arr(tensor, "all_reduce")
    mop = mpi_op(mpi(), op, a.dtype)
    _check(c, "all_reduce", a, op)
    fin = _written([a], STATE.size if op is AVG else 0)
    return _launch(async_op, c.Allreduce, c.Iallreduce, (mpi().IN_PLACE, a, mop), fin, (a,), [tensor])


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """tensor <- rank ``src``'s tensor, on every rank."""
    c = comm(group)
    a = _arr(tensor, "broadcast")
    src = _root("broadcast", src, group_src, "src")
    _check(c, "broadcast", a, None, src)
    return _launch(async_op, c.Bcast, c.Ibcast, (a, src), _written([a]), (a,), [tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] <- rank r's tensor, on every rank."""
    c = comm(group)
    a = _arr(tensor, "all_gather")
    outs = _list(tensor_list, "all_gather", "tensor_list", a, STATE.size)
    _check(c, "all_gather", a)
    buf = np.empty((STATE.size,) + a.shape, a.dtype)

    def finish():
        for o, row in zip(outs, buf):
            np.copyto(o, row)
            bump(o)
    return _launch(async_op, c.Allgather, c.Iallgather, (a, buf), finish, (a, buf), list(tensor_list))


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """output_tensor <- the ranks' input tensors one after another (world_size x its numel)."""
    c = comm(group)
    a = _arr(input_tensor, "all_gather_into_tensor", "input_tensor")
    o = _arr(output_tensor, "all_gather_into_tensor", "output_tensor")
    if o.dtype != a.dtype or o.size != a.size * STATE.size:
        raise ValueError(f"all_gather_into_tensor: output_tensor must have world_size ({STATE.size}) times the "
                         f"input's {a.size} elements and its dtype {a.dtype}, got {list(o.shape)} {o.dtype}")
    _check(c, "all_gather_into_tensor", a)
    return _launch(async_op, c.Allgather, c.Iallgather, (a, o), _written([o]), (a, o), [output_tensor])


def reduce_scatter(output, input_list, op=SUM, group=None, async_op=False):
    """output <- op over the ranks of their input_list[rank]."""
    c = comm(group)
    o = _arr(output, "reduce_scatter", "output")
    ins = _list(input_list, "reduce_scatter", "input_list", o, STATE.size)
    mop = mpi_op(mpi(), op, o.dtype)
    _check(c, "reduce_scatter", o, op)
    send = np.concatenate([x.reshape(-1) for x in ins]) if ins and o.size else np.empty(0, o.dtype)
    fin = _written([o], STATE.size if op is AVG else 0)
    return _launch(async_op, c.Reduce_scatter_block, c.Ireduce_scatter_block, (send, o, mop), fin, (send, o),
                   [output])


def reduce_scatter_tensor(output, input, op=SUM, group=None, async_op=False):  # noqa: A002 (torch's name)
    """output <- op over the ranks of block ``rank`` of input (world_size x output's numel)."""
    c = comm(group)
    o = _arr(output, "reduce_scatter_tensor", "output")
    a = _arr(input, "reduce_scatter_tensor", "input")
    if o.dtype != a.dtype or a.size != o.size * STATE.size:
        raise ValueError(f"reduce_scatter_tensor: input must have world_size ({STATE.size}) times the output's "
                         f"{o.size} elements and its dtype {o.dtype}, got {list(a.shape)} {a.dtype}")
    mop = mpi_op(mpi(), op, o.dtype)
    _check(c, "reduce_scatter_tensor", o, op)
    fin = _written([o], STATE.size if op is AVG else 0)
    return _launch(async_op, c.Reduce_scatter_block, c.Ireduce_scatter_block, (a, o, mop), fin, (a, o), [output])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """On rank ``dst``: gather_list[r] <- rank r's tensor."""
    c = comm(group)
    a = _arr(tensor, "gather")
    dst = _root("gather", dst, group_dst, "dst")
    if STATE.rank == dst:
        outs = _list(gather_list, "gather", "gather_list", a, STATE.size)
        buf = np.empty((STATE.size,) + a.shape, a.dtype)
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    else:
        outs, buf = [], None
    _check(c, "gather", a, None, dst)

    def finish():
        for o, row in zip(outs, buf if buf is not None else ()):
            np.copyto(o, row)
            bump(o)
    return _launch(async_op, c.Gather, c.Igather, (a, buf, dst), finish, (a, buf), gather_list)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """tensor <- rank ``src``'s scatter_list[rank]."""
    c = comm(group)
    a = _arr(tensor, "scatter")
    src = _root("scatter", src, group_src, "src")
    if STATE.rank == src:
        ins = _list(scatter_list, "scatter", "scatter_list", a, STATE.size)
        send = np.stack(ins) if ins else np.empty((0,) + a.shape, a.dtype)
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    else:
        send = None
    _check(c, "scatter", a, None, src)
    return _launch(async_op, c.Scatter, c.Iscatter, (send, a, src), _written([a]), (send, a), [tensor])


def reduce(tensor, dst=None, op=SUM, group=None, async_op=False, group_dst=None):
    """On rank ``dst``: tensor <- op over the ranks' tensors (the others' tensors are unchanged)."""
    c = comm(group)
    MPI = mpi()
    a = _arr(tensor, "reduce")
    dst = _root("reduce", dst, group_dst, "dst")
    mop = mpi_op(MPI, op, a.dtype)
    _check(c, "reduce", a, op, dst)
    if STATE.rank == dst:
        args = (MPI.IN_PLACE, a, mop, dst)
        fin = _written([a], STATE.size if op is AVG else 0)
    else:
        args, fin = (a, None, mop, dst), None
    return _launch(async_op, c.Reduce, c.Ireduce, args, fin, (a,), [tensor])


def _peer(name, peer, group_peer, what):
    p = peer if peer is not None else group_peer
    if not isinstance(p, int) or not 0 <= p < STATE.size:
        raise ValueError(f"{name}: {what}={p!r} is not a rank of the group (world size {STATE.size})")
    if p == STATE.rank:
        raise ValueError(f"Invalid {'destination' if what == 'dst' else 'source'} rank: should not be the same "
                         "as the rank of the current process.")
    return p


def send(tensor, dst=None, group=None, tag=0, group_dst=None) -> None:
    """Send tensor to rank ``dst`` (blocking)."""
    c = comm(group)
    c.Send(_arr(tensor, "send"), _peer("send", dst, group_dst, "dst"), tag)


def recv(tensor, src=None, group=None, tag=0, group_src=None) -> int:
    """tensor <- a tensor sent by rank ``src`` (any rank when None); returns the sender's rank."""
    c = comm(group)
    MPI = mpi()
    a = _arr(tensor, "recv")
    src = MPI.ANY_SOURCE if src is None and group_src is None else _peer("recv", src, group_src, "src")
    status = MPI.Status()
    c.Recv(a, src, tag, status)
    bump(a)
    return status.Get_source()


def isend(tensor, dst=None, group=None, tag=0, group_dst=None) -> Work:
    c = comm(group)
    a = _arr(tensor, "isend")
    return Work([c.Isend(a, _peer("isend", dst, group_dst, "dst"), tag)], None, (a,), [tensor])


def irecv(tensor, src=None, group=None, tag=0, group_src=None) -> Work:
    c = comm(group)
    MPI = mpi()
    a = _arr(tensor, "irecv")
    src = MPI.ANY_SOURCE if src is None and group_src is None else _peer("irecv", src, group_src, "src")
    return Work([c.Irecv(a, src, tag)], _written([a]), (a,), [tensor])


def all_gather_object(object_list, obj, group=None) -> None:
    """object_list[r] <- rank r's picklable ``obj``."""
    got = comm(group).allgather(obj)
    if len(object_list) != len(got):
        raise ValueError(f"all_gather_object: object_list must have world_size ({len(got)}) entries")
    object_list[:] = got


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None) -> None:
    """object_list[:] <- rank ``src``'s object_list (picklable objects)."""
    c = comm(group)
    src = _root("broadcast_object_list", src, group_src, "src")
    object_list[:] = c.bcast(list(object_list) if STATE.rank == src else None, root=src)
