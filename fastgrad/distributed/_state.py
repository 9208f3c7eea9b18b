"""The default process group over MPI: init_process_group and friends (torch.distributed's names).

mpi4py is imported only here, on the first call that needs it (``import fastgrad`` never imports
it).  The group is a duplicate of ``MPI.COMM_WORLD``, so a user's own mpi4py traffic never
matches fastgrad's collectives.  ``mpiexec``/``mpirun``/``srun`` set up the processes; MPI reads
their environment, so ``init_method`` and ``store`` have nothing to do and ``world_size``/``rank``
are only checked against it.
"""
import os
import sys
import time
import traceback

__all__ = ["is_available", "is_initialized", "init_process_group", "destroy_process_group", "get_rank",
           "get_world_size", "get_backend", "barrier", "GroupMember", "group", "mpi", "comm", "is_mpi_available"]

INSTALL_HINT = "pip install fastgrad[mpi] (mpi4py and an MPI library; or pip install mpi4py mpich)"
ABORT_GRACE_S = 0.5  # time for the launcher to forward a failing rank's traceback
NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


class _State:
    __slots__ = ("comm", "rank", "size", "local_rank", "local_size", "timeout", "excepthook", "threads_set")

    def __init__(self):
        self.comm = None


STATE = _State()


class _World:
    """The default group (torch's ``GroupMember.WORLD`` / ``group.WORLD``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<fastgrad.distributed default group (MPI)>"

    def rank(self) -> int:
        return get_rank()

    def size(self) -> int:
        return get_world_size()


class GroupMember:
    WORLD = _World()
    NON_GROUP_MEMBER = -100


group = GroupMember  # torch.distributed.group.WORLD


def mpi():
    """The mpi4py ``MPI`` module, or ImportError naming the extra."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(f"fastgrad.distributed needs mpi4py and an MPI library: {INSTALL_HINT}") from e
    return MPI


def is_available() -> bool:
    """True when mpi4py (and so an MPI library) can be imported (torch.distributed.is_available)."""
    try:
        import importlib.util
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):
        return False


is_mpi_available = is_available


def is_initialized() -> bool:
    return STATE.comm is not None


def comm(group=None):
    """The MPI communicator of ``group`` (only the default group exists)."""
    if group is not None and group is not GroupMember.WORLD:
        raise NotImplementedError("fastgrad.distributed: only the default group (group=None) is supported")
    c = STATE.comm
    if c is None:
        raise ValueError(NOT_INITIALIZED)
    return c


def _excepthook(kind, value, tb):
    """Print the traceback, then end every rank (MPI Abort): a rank that raised never leaves the
    others waiting in a collective.  The message goes to fd 2 in one write, and the abort waits
    ABORT_GRACE_S, so that the launcher forwards all of it before it kills the job (a launcher
    that read only the first line of a line-by-line traceback was seen under load)."""
    try:
        sys.stdout.flush()
        rank = STATE.rank if STATE.comm is not None else "?"
        text = f"fastgrad.distributed: rank {rank} raised; aborting the job\n"
        text += "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.flush()
        _write_all(2, text.encode("utf-8", "replace"))
        time.sleep(ABORT_GRACE_S)
    finally:
        mpi().COMM_WORLD.Abort(1)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _share_cores(local) -> int:
    """Threads for this rank: its affinity cores divided among the ranks on this node whose
    affinity overlaps it (2 unbound ranks on 2 cores -> 1 each; ranks bound to 1 core each -> 1)."""
    try:
        mine = frozenset(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        mine = frozenset(range(os.cpu_count() or 1))
    sets = local.allgather(mine)
    sharing = sum(1 for s in sets if s & mine)
    return max(1, len(mine) // max(1, sharing))


def _size_threads(local) -> int:
    """Set the C thread pool to this rank's share of cores unless the user chose a count (the
    environment variables read at import, or set_num_threads before init)."""
    from fastgrad._ffi import lib
    n = _share_cores(local)
    if any(os.environ.get(v, "").strip() for v in ("FASTGRAD_NUM_THREADS", "OMP_NUM_THREADS")):
        return 0
    try:
        default = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        default = os.cpu_count() or 1
    if lib.fg_get_num_threads() != min(default, lib.FG_MAX_THREADS):
        return 0  # set_num_threads was called before: it wins
    lib.fg_set_num_threads(min(n, lib.FG_MAX_THREADS))
    return n


def init_process_group(backend=None, init_method=None, timeout=None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None, device_id=None) -> None:
    """Join the default process group of the processes that ``mpiexec`` (or mpirun, srun) started.

    backend: "mpi" (or None).  ``world_size``/``rank``, when given, must agree with MPI's.  Each
    rank's thread pool is sized to its share of the node's cores (``set_num_threads`` overrides).
    While the group exists, an uncaught exception on any rank prints its traceback and aborts
    the whole job (non-zero exit) instead of leaving the other ranks waiting (``sys.exit(n)`` is
    not an uncaught exception to Python's excepthook: run under ``python -m mpi4py`` for that).
    ``timeout`` is kept but not enforced: MPI collectives have no timeout."""
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"fastgrad.distributed supports the 'mpi' backend only, got backend={backend!r}")
    if STATE.comm is not None:
        raise ValueError("trying to initialize the default process group twice!")
    MPI = mpi()
    if not MPI.Is_initialized():
        MPI.Init_thread()
    world = MPI.COMM_WORLD
    if world_size not in (-1, None) and world_size != world.Get_size():
        raise ValueError(f"init_process_group: world_size={world_size} but MPI started {world.Get_size()} processes")
    if rank not in (-1, None) and rank != world.Get_rank():
        raise ValueError(f"init_process_group: rank={rank} but MPI gave this process rank {world.Get_rank()}")
    c = world.Dup()
    local = c.Split_type(MPI.COMM_TYPE_SHARED)
    STATE.rank, STATE.size = c.Get_rank(), c.Get_size()
    STATE.local_rank, STATE.local_size = local.Get_rank(), local.Get_size()
    STATE.threads_set = _size_threads(local)
    local.Free()
    STATE.timeout = timeout
    STATE.excepthook = sys.excepthook
    if STATE.size > 1:
        sys.excepthook = _excepthook
    STATE.comm = c


def destroy_process_group(group=None) -> None:
    """Leave the default group (MPI itself stays initialised until the process exits)."""
    c = comm(group)
    STATE.comm = None
    if sys.excepthook is _excepthook:
        sys.excepthook = STATE.excepthook
    c.Free()


def get_rank(group=None) -> int:
    comm(group)
    return STATE.rank


def get_world_size(group=None) -> int:
    comm(group)
    return STATE.size


def get_backend(group=None) -> str:
    comm(group)
    return "mpi"


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank got here (async_op=True: a Work handle)."""
    c = comm(group)
    if async_op:
        from fastgrad.distributed.work import Work
        return Work([c.Ibarrier()])
    c.Barrier()
    return None
