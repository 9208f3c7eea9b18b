"""Every collective x reduce op x float32/float64 x empty/1-element/large, sync and async, against
numpy; then the argument checks and debug mode.  Run under mpiexec -n 2 / -n 3 by
tests/distributed/test_collectives.py; prints "OK <name>" per group of checks."""
import os

import numpy as np

import fastgrad
import fastgrad.distributed as dist
from fastgrad.distributed import ReduceOp

try:
    dist.get_rank()
except ValueError as e:
    assert "has not been initialized" in str(e)
else:
    raise AssertionError("get_rank before init_process_group did not raise")
assert not dist.is_initialized() and dist.is_available()
dist.init_process_group(backend="mpi", init_method="env://")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == "mpi"


def ok(name):
    dist.barrier()
    if RANK == 0:
        print("OK", name, flush=True)


def expect_error(kind, text, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except kind as e:
        assert text in str(e), f"{text!r} not in {e}"
    else:
        raise AssertionError(f"{fn.__name__} did not raise {kind.__name__}")


SIZES = {"empty": (0,), "one": (1,), "large": (2, 150_001)}  # large: 1.2 MB float32, more than a first bucket
OPS = [ReduceOp.SUM, ReduceOp.AVG, ReduceOp.PRODUCT, ReduceOp.MIN, ReduceOp.MAX]


def value(r, shape, dtype, salt=0):
    """Rank r's data (every rank can make every rank's)."""
    return np.random.default_rng([salt, r, len(shape)]).uniform(0.5, 1.5, shape).astype(dtype)


def reduce_np(arrs, op):
    s = np.stack(arrs)
    if op is ReduceOp.SUM:
        return s.sum(0)
    if op is ReduceOp.AVG:
        return s.sum(0) / len(arrs)
    if op is ReduceOp.PRODUCT:
        return s.prod(0)
    return s.min(0) if op is ReduceOp.MIN else s.max(0)


def check(got, want, dtype):
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, want, rtol=rtol, atol=0)
    assert got.dtype == want.dtype


def run(fn, *args, async_op, **kw):
    w = fn(*args, async_op=async_op, **kw)
    if async_op:
        assert isinstance(w, dist.Work)
        w.wait()
        assert w.is_completed()
    else:
        assert w is None


T = fastgrad.from_numpy
for async_op in (False, True):
    for dtype in (np.float32, np.float64):
        for sname, shape in SIZES.items():
            mine = value(RANK, shape, dtype)
            every = [value(r, shape, dtype) for r in range(WORLD)]
            for op in OPS:
                want = reduce_np(every, op)
                t = T(mine.copy())
                run(dist.all_reduce, t, op, async_op=async_op)
                check(t._data, want, dtype)
                for dst in range(WORLD):
                    t = T(mine.copy())
                    run(dist.reduce, t, dst, op, async_op=async_op)
                    check(t._data, want if RANK == dst else mine, dtype)
                blocks = [[value(r, shape, dtype, salt=k + 1) for k in range(WORLD)] for r in range(WORLD)]
                want_block = reduce_np([blocks[r][RANK] for r in range(WORLD)], op)
                out = T(np.zeros(shape, dtype))
                run(dist.reduce_scatter, out, [T(b) for b in blocks[RANK]], op, async_op=async_op)
                check(out._data, want_block, dtype)
                out = T(np.zeros(shape, dtype))
                run(dist.reduce_scatter_tensor, out, T(np.concatenate(blocks[RANK])), op, async_op=async_op)
                check(out._data, want_block, dtype)
            for src in range(WORLD):
                t = T(mine.copy())
                run(dist.broadcast, t, src, async_op=async_op)
                check(t._data, every[src], dtype)
            outs = [T(np.zeros(shape, dtype)) for _ in range(WORLD)]
            run(dist.all_gather, outs, T(mine), async_op=async_op)
            for o, w in zip(outs, every):
                check(o._data, w, dtype)
            out = T(np.zeros((WORLD * shape[0],) + shape[1:], dtype))
            run(dist.all_gather_into_tensor, out, T(mine), async_op=async_op)
            check(out._data, np.concatenate(every), dtype)
            for root in range(WORLD):
                outs = [T(np.zeros(shape, dtype)) for _ in range(WORLD)] if RANK == root else None
                run(dist.gather, T(mine), outs, root, async_op=async_op)
                for o, w in zip(outs or [], every):
                    check(o._data, w, dtype)
                parts = [value(root, shape, dtype, salt=9 + k) for k in range(WORLD)]
                t = T(np.zeros(shape, dtype))
                run(dist.scatter, t, [T(p) for p in parts] if RANK == root else None, root, async_op=async_op)
                check(t._data, parts[RANK], dtype)
            ok(f"collectives {dtype.__name__} {sname} async_op={async_op}")

# -- integer and bool reductions, bitwise ops ----------------------------------------------------
t = T(np.array([RANK + 1, 2 * RANK], np.int64))
dist.all_reduce(t, ReduceOp.BOR)
want = np.bitwise_or.reduce([np.array([r + 1, 2 * r]) for r in range(WORLD)])
assert (t._data == want).all()
t = T(np.array([RANK == 0, True]))
dist.all_reduce(t, ReduceOp.MIN)
assert t._data.tolist() == [WORLD == 1, True]
ok("int64 BOR, bool MIN")

# -- point to point: a ring ---------------------------------------------------------------------
if WORLD > 1:
    nxt, prv = (RANK + 1) % WORLD, (RANK - 1) % WORLD
    got = T(np.zeros(3))
    w = dist.irecv(got, prv)
    dist.send(T(np.full(3, float(RANK))), nxt)
    w.wait()
    assert (got._data == prv).all()
    if RANK == 0:
        dist.send(T(np.arange(4.0)), 1, tag=7)
    elif RANK == 1:
        got = T(np.zeros(4))
        assert dist.recv(got, tag=7) == 0 and got._data.tolist() == [0, 1, 2, 3]
    expect_error(ValueError, "should not be the same as the rank", dist.send, T(np.zeros(1)), RANK)
    ok("send/recv/isend/irecv")

objs = [None] * WORLD
dist.all_gather_object(objs, {"rank": RANK})
assert objs == [{"rank": r} for r in range(WORLD)]
lst = [RANK, "x"] if RANK == 0 else [None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == [0, "x"]
w = dist.barrier(async_op=True)
w.wait()
ok("objects and barrier")

# -- argument checks ----------------------------------------------------------------------------
expect_error(ValueError, "twice", dist.init_process_group, "mpi")
expect_error(ValueError, "Tensors must be contiguous", dist.all_reduce, T(np.zeros((3, 2))).t())
expect_error(TypeError, "must be a fastgrad.Tensor", dist.all_reduce, np.zeros(3))
expect_error(ValueError, "AVG needs a floating point", dist.all_reduce, T(np.zeros(3, np.int64)), ReduceOp.AVG)
expect_error(ValueError, "is not a rank of the group", dist.broadcast, T(np.zeros(3)), WORLD)
expect_error(ValueError, "list of", dist.all_gather, [T(np.zeros(3))] * (WORLD + 1), T(np.zeros(3)))
expect_error(ValueError, "world_size", dist.all_gather_into_tensor, T(np.zeros(1)), T(np.zeros(3)))
expect_error(NotImplementedError, "default group", dist.all_reduce, T(np.zeros(1)), group=object())
ok("argument checks")

# -- debug mode: ranks disagreeing on dtype or shape raise the same error everywhere -------------
assert os.environ.get("FASTGRAD_DISTRIBUTED_DEBUG") == "1"
if WORLD > 1:
    bad = T(np.zeros(3, np.float32 if RANK == 0 else np.float64))
    expect_error(RuntimeError, "ranks disagree", dist.all_reduce, bad)
    bad = T(np.zeros(3 + (RANK == 1)))
    expect_error(RuntimeError, "rank 1: all_reduce(op=SUM, root=None) float64 [4]", dist.all_reduce, bad)
    expect_error(RuntimeError, "ranks disagree", dist.broadcast, T(np.zeros(3)), RANK % 2)
    ok("debug header check")

# -- threads: the cores of this node shared among its ranks, set_num_threads still wins ----------
cores = len(os.sched_getaffinity(0))
sets = [None] * WORLD
dist.all_gather_object(sets, sorted(os.sched_getaffinity(0)))
sharing = sum(1 for s in sets if set(s) & os.sched_getaffinity(0))
assert fastgrad.get_num_threads() == max(1, cores // sharing), (fastgrad.get_num_threads(), cores, sharing)
fastgrad.set_num_threads(2)
assert fastgrad.get_num_threads() == 2
ok(f"threads per rank {max(1, cores // sharing)}")

dist.destroy_process_group()
assert not dist.is_initialized()
