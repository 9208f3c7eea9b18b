"""A Linear followed by a GELU: the fused node nn.Sequential runs for that pair (LinearGELU,
LinearGELUTanh), and the same backward saving for the unfused pair a custom forward writes
(``gelu(self.c_fc(x))``).

Forward: the Linear's own C call (bias prefilled, the GEMM accumulating onto it: bitwise the
unfused Linear's output z), then gelu(z) into a fresh array, z kept for backward.  Backward: one C
pass makes dz = dy gelu'(z) and db = column sums of dz (``fg_gelu_bwd_colsum``, bitwise
``fg_gelu_bwd`` and ``fg_linear_bwd``'s db), then the Linear's dx and dW GEMMs from dz.

The unfused pair gets the same backward without any forward-time guess: a GELU node whose input
is a Linear node with a bias gradient computes db with dz and leaves (dz, db) on that node
(``bias_grad``).  The Linear uses db only when the gradient it receives IS that dz array: the
engine sums the gradients of a node with several consumers into a new array, so identity proves
the Linear output had no other use (else it computes db itself, as always)."""
import numpy as np

from fastgrad._ffi import CTYPES, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous
from fastgrad.ops.linalg import Linear, _linear_backward, _linear_forward

__all__ = ["LinearGELU", "LinearGELUTanh", "gelu_backward"]

_GELU_FWD, _GELU_BWD, _COLSUM = kernels("gelu_fwd"), kernels("gelu_bwd"), kernels("gelu_bwd_colsum")


def _grad_and_colsum(z, dy, approximate):
    """(dz, db): dz = dy gelu'(z) (z's shape) and db = column sums of dz over its last dim."""
    if not dy.flags.c_contiguous:
        dy = contiguous(dy)
    dt = z.dtype
    ct = CTYPES[dt]
    n = z.shape[-1]
    dz = np.empty(z.shape, dt)
    db = np.empty(n, dt)
    if _COLSUM[dt](z.size // n, n, from_buffer(ct, z), from_buffer(ct, dy), from_buffer(ct, dz),
                   from_buffer(ct, db), approximate):
        raise MemoryError(f"gelu backward: cannot allocate {n} column sums")
    return dz, db


def gelu_backward(ctx, dy):
    """GELU's backward (ctx.saved = (x,), ctx.settings = (approximate,)): dx = dy gelu'(x); when x
    is the output of a Linear node that needs a bias gradient, db too, left on that node."""
    x = ctx.saved[0]
    approximate = ctx.settings[0]
    src = ctx.inputs[0]
    if (type(src) is Linear and src.inputs[2] is not None and src.saved and x.ndim and x.size
            and x.shape[-1] == src.saved.w.shape[0]):  # (saved is None: freed, the engine will say so)
        dx, db = _grad_and_colsum(x, dy, approximate)
        src.bias_grad = (dx, db)
        return dx, None
    if not dy.flags.c_contiguous:
        dy = contiguous(dy)
    dt = x.dtype
    ct = CTYPES[dt]
    dx = np.empty(x.shape, dt)
    _GELU_BWD[dt](x.size, from_buffer(ct, x), from_buffer(ct, dy), from_buffer(ct, dx), approximate)
    return dx, None


@register("linear_gelu")
class LinearGELU(Function):
    """y = gelu(x W^T + b) (exact form): a Linear followed by a GELU in one node (what
    nn.Sequential runs for that pair).  Bitwise the two separate nodes, values and gradients."""

    approximate = 0

    @classmethod
    def forward(cls, ctx, x, w, b):
        z = _linear_forward(ctx, x, w, b, False)
        dt = z.dtype
        ct = CTYPES[dt]
        y = np.empty(z.shape, dt)
        if z.size:
            _GELU_FWD[dt](z.size, from_buffer(ct, z), from_buffer(ct, y), cls.approximate)
        ctx.z = z
        return y

    @classmethod
    def backward(cls, ctx, dy):
        z = ctx.z
        if z.size and z.ndim:
            dz, db = _grad_and_colsum(z, dy, cls.approximate)
            if ctx.inputs[2] is not None:
                ctx.bias_grad = (dz, db)
        else:
            dz = np.zeros(z.shape, z.dtype)
        return _linear_backward(ctx, dz, False)


@register("linear_gelu_tanh")
class LinearGELUTanh(LinearGELU):
    """y = gelu(x W^T + b, approximate='tanh') in one node, as LinearGELU."""

    approximate = 1
