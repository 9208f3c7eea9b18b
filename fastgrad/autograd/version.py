"""Version counters (torch's ``t._version``): how many in-place writes a storage has had.

A counter belongs to a *storage* — the numpy array that owns the memory, found by following
``.base`` — so a tensor, its views (reshape, transpose, basic indexing, ``detach()``, ``.data``)
and anything else over the same memory share one counter, as torch's views do.  Every in-place
write (``add_``, ``x += y``, ``copy_``, ``x[i] = v``, an optimizer step, ...) calls ``bump``.

Nothing is recorded when a graph node saves arrays: a bump takes its number from the node
sequence (``function._next_seq``) and ``LAST[0]`` holds the newest bump, so the engine knows
that nothing a node saved can have changed when ``node.seq > LAST[0]`` (one comparison per
node).  Only otherwise does ``check_saved`` look up the storages of the node's saved arrays and
raise torch's "modified by an inplace operation" error for one that was written after the node
was recorded.  The ordinary op path pays nothing; an in-place op pays one dict lookup.
"""
import weakref

import numpy as np

from fastgrad.autograd.function import _next_seq

__all__ = ["bump", "entry", "write_seq", "version", "check_saved", "LAST"]

# id(owner) -> [version, seq of the latest bump, seq of the bump before it, node whose output
# was last written (named in the error), weakref to the owner (drops the entry when it dies)]
_ENTRIES = {}
_get = _ENTRIES.get
LAST = [-1]  # seq of the newest bump anywhere


def _owner(a):
    """The object owning ``a``'s memory (numpy collapses view chains, so this is short)."""
    b = a.base
    while b is not None:
        if not isinstance(b, np.ndarray):
            return b  # e.g. the bytes / mmap / bytearray under np.frombuffer
        a = b
        b = a.base
    return a


def _drop(ref, key):
    e = _ENTRIES.get(key)
    if e is not None and e[4] is ref:
        del _ENTRIES[key]


def _entry(o):
    key = id(o)
    e = _ENTRIES[key] = [0, -1, -1, None, None]
    try:
        e[4] = weakref.ref(o, lambda r, key=key: _drop(r, key))
    except TypeError:  # a bytearray under np.frombuffer: kept for the process (rare)
        pass
    return e


def bump(a, grad_fn=None) -> None:
    """Record one in-place write into the storage of array ``a`` (by a tensor whose node is
    ``grad_fn``, named in the error message when a saved value turns out to be that output)."""
    o = a if a.base is None else _owner(a)
    e = _get(id(o)) or _entry(o)
    e[0] += 1
    e[2] = e[1]
    e[1] = s = _next_seq()
    e[3] = grad_fn
    LAST[0] = s


def entry(a) -> list:
    """The counter record of ``a``'s storage, for a caller that bumps it many times (an optimizer
    plan): ``r[0] += 1; r[2] = r[1]; r[1] = write_seq()`` is one write."""
    o = a if a.base is None else _owner(a)
    return _get(id(o)) or _entry(o)


def write_seq() -> int:
    """A sequence number for in-place writes made now (the newest write from then on)."""
    LAST[0] = s = _next_seq()
    return s


def version(a) -> int:
    """The version counter of ``a``'s storage (0 if never written in place)."""
    e = _ENTRIES.get(id(_owner(a)))
    return 0 if e is None else e[0]


def _arrays(node, saved):
    """The numpy arrays a node keeps for backward: its saved values (a tuple, or a __slots__
    record; a user-defined Function's Tensors count by their array) and, for a built-in op, the
    arrays among its other attributes (an index, a mask: ``ctx.index = ...``), also in tuples."""
    if isinstance(saved, (tuple, list)):
        items = list(saved)
    else:
        items = [getattr(saved, n, None) for n in getattr(type(saved), "__slots__", ())]
    if not node.user_defined:  # (a user's ctx.x = x is not checked, as in torch)
        for v in getattr(node, "__dict__", {}).values():
            items.extend(v) if isinstance(v, (tuple, list)) else items.append(v)
    for v in items:
        if isinstance(v, np.ndarray):
            yield v
        else:
            v = getattr(v, "_data", None)  # a Tensor saved by a user-defined Function
            if isinstance(v, np.ndarray):
                yield v


_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
         "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "void16": "BFloat16"}


def check_saved(node, saved, since) -> None:
    """Raise torch's error if a storage that the node keeps for backward (``saved``, its saved
    values, or another attribute) was written in place after sequence number ``since``."""
    for a in _arrays(node, saved):
        e = _ENTRIES.get(id(_owner(a)))
        if e is None or e[1] < since:
            continue
        later = 1 if e[2] < since else 2  # (2: at least two writes since; the counter keeps two)
        fn = e[3]
        of = ""
        if fn is not None:
            name = fn.name()
            of = f", which is output 0 of {name[:-8] if name.endswith('Backward') else name},"
        kind = _TYPE.get(a.dtype.name, a.dtype.name)
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [fastgrad.{kind}Tensor {list(a.shape)}]{of} is at version {e[0]}; expected "
            f"version {e[0] - later} instead. Hint: the forward pass of {node.name()} saved it and it "
            "was changed in place (+=, add_, copy_, x[i] = v, an optimizer step, ...) before "
            "backward(); change it after backward(), or use an out-of-place op or clone() instead.")
