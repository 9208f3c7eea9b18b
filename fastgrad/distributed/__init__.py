"""fastgrad.distributed: torch.distributed's process group and collectives over MPI (mpi4py).

Run a script under ``mpiexec -n N python script.py`` (or mpirun, srun) and call
``init_process_group("mpi")``.  Needs the extra ``pip install fastgrad[mpi]``; importing this
package does not import mpi4py (``is_available()`` says whether it can be).
"""
from fastgrad.distributed._state import (is_available, is_mpi_available, is_initialized, init_process_group,
                                         destroy_process_group, get_rank, get_world_size, get_backend, barrier,
                                         GroupMember, group)
from fastgrad.distributed.ops import ReduceOp
from fastgrad.distributed.work import Work
from fastgrad.distributed.collectives import (all_reduce, broadcast, all_gather, all_gather_into_tensor,
                                              reduce_scatter, reduce_scatter_tensor, gather, scatter, reduce, send,
                                              recv, isend, irecv, all_gather_object, broadcast_object_list)

__all__ = ["is_available", "is_mpi_available", "is_initialized", "init_process_group", "destroy_process_group",
           "get_rank", "get_world_size", "get_backend", "barrier", "GroupMember", "group", "ReduceOp", "Work",
           "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "gather", "scatter", "reduce", "send", "recv", "isend", "irecv",
           "all_gather_object", "broadcast_object_list"]
