"""Leaf gradient buffers reused from one step to the next.

A training step drops every parameter's gradient (``zero_grad()`` sets ``.grad`` to None) and the
next backward makes one of the same shape again.  A kernel that writes a leaf's gradient (the
linear layer's dW and db) asks ``grad_buffer`` for its output instead of allocating: the leaf's
previous buffer when nothing holds it any more, else a new one that is kept for next time.  The
C pointer is made once with the buffer, and the optimizer reuses it too.

"Nothing holds it" is exact, by reference count: a gradient the user kept (``g = p.grad``, a
view, ``p.grad.numpy()``, a cffi pointer) or that is still ``.grad`` of its leaf is never
written into; then the kernel gets a new array, as before.  The cost: a leaf keeps the memory of
its last gradient after ``zero_grad()`` (the next backward needs it anyway).
"""
import sys

import numpy as np

from fastgrad._ffi import CTYPES, ffi

__all__ = ["grad_buffer"]

_refcount = sys.getrefcount
_from_buffer = ffi.from_buffer
# references to an idle buffer seen from grad_buffer: the cache tuple, its C pointer (cffi keeps
# the array alive), the local name and getrefcount's argument
_IDLE = 4


def grad_buffer(leaf, shape, dtype):
    """(array, C pointer) to compute the new gradient of ``leaf`` (a Tensor) into."""
    buf = getattr(leaf, "_grad_buffer", None)
    if buf is not None:
        a = buf[0]
        if _refcount(a) == _IDLE and a.shape == shape and a.dtype is dtype:
            # a fresh tuple: it holds a from here until the caller has unpacked it, so another
            # thread's backward that checks meanwhile (the GIL can switch between our return and
            # the caller's unpacking) never sees a idle and never computes into it as well
            return (a, buf[1])
    a = np.empty(shape, dtype)
    buf = leaf._grad_buffer = (a, _from_buffer(CTYPES[dtype], a))
    return buf
