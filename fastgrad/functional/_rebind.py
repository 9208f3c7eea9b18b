"""The in-place forms of the shape and scatter families (``tril_``, ``masked_fill_``,
``index_add_``, ``scatter_``, …), with torch's rules (functional/inplace.py's, for ops that are
not arithmetic): a leaf that requires grad raises; when recording and ``self`` or an operand
requires grad, the op runs out of place and ``self`` takes the result's array and node (so it
requires grad afterwards, as torch's does); otherwise the result is written into ``self``'s own
memory and its version counter is bumped."""
from fastgrad.autograd.grad_mode import GRAD, no_grad
from fastgrad.autograd.version import bump
from fastgrad.functional.inplace import check_writable
from fastgrad.tensor import Tensor

__all__ = ["inplace_result"]


def inplace_result(self, op, fn, operands=(), into=None):
    """self = fn(self), in place.  ``fn`` is the out-of-place op (Tensor -> Tensor); ``operands``
    the other Tensors it reads; ``into(array)``, when given, writes the result straight into a
    C-contiguous writable array (saving the copy)."""
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}: self must be a Tensor, got {type(self).__name__}")
    if GRAD.enabled and (self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in operands)):
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        out = fn(self)
        if out._data.dtype != self._data.dtype or out._data.shape != self._data.shape:
            raise RuntimeError(f"{op}: the result ({out._data.dtype}, {list(out._data.shape)}) cannot be "
                               f"written into self ({self._data.dtype}, {list(self._data.shape)})")
        self._data, self.grad_fn, self.requires_grad = out._data, out.grad_fn, True
        return self
    a = self._data
    f = a.flags
    if not (f.c_contiguous and f.writeable):
        check_writable(self, op)
    if into is not None and f.c_contiguous:
        into(a)
    else:
        with no_grad():
            out = fn(self.detach())._data
        if out.shape != a.shape:
            raise RuntimeError(f"{op}: output with shape {list(a.shape)} doesn't match the broadcast "
                               f"shape {list(out.shape)}")
        a[...] = out
    bump(a, self.grad_fn)
    return self
