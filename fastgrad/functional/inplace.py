"""In-place updates (``x += y``, ``add_``, ``copy_``, ``fill_``, ``zero_``, ``uniform_`` …) with
torch's rules: allowed under no_grad or on tensors that do not require grad; a leaf that
requires grad raises; a non-leaf that requires grad is updated out of place and rebound."""
import numpy as np

from fastgrad.autograd.grad_mode import GRAD
from fastgrad.functional.elementwise import add, div, mul, sub
from fastgrad.random import sample_like
from fastgrad.tensor import Tensor

__all__ = ["inplace", "random_like"]


_INPLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def inplace(self, other, op):
    """self (op)= other, writing into self's array.  Allowed under no_grad or on tensors that
    do not require grad; a leaf that requires grad raises as torch.  A non-leaf that requires
    grad is updated out of place and rebound (``x += y`` then records an ordinary op)."""
    if self.requires_grad and GRAD.enabled:
        if self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if op == "copy":
            raise RuntimeError(f"in-place {op} on a tensor that requires grad is not supported "
                               "outside no_grad(); use an out-of-place op")
        return {"add": add, "sub": sub, "mul": mul, "div": div}[op](self, other)
    a = self._data
    v = other._data if isinstance(other, Tensor) else other
    if isinstance(other, Tensor) and other.requires_grad and GRAD.enabled:
        raise RuntimeError(f"in-place {op} with an operand that requires grad is not supported")
    shape = np.shape(v)
    if shape != a.shape:
        try:
            out = np.broadcast_shapes(a.shape, shape)
        except ValueError:
            out = shape
        if out != a.shape:
            raise RuntimeError(f"{op}_: output with shape {list(a.shape)} doesn't match the broadcast "
                               f"shape {list(out)}")
    if not a.flags.writeable:
        self._data = a = a.copy()
    if op == "copy":
        a[...] = v
    else:
        if a.dtype.kind != "f" and op == "div":
            raise RuntimeError("result type Float can't be cast to the desired output type Long")
        _INPLACE[op](a, v, out=a, casting="unsafe")
    return self


def random_like(t, kind, a, b):
    """An array of t's shape and dtype drawn from the ``kind`` distribution (for uniform_, normal_)."""
    return sample_like(t._data, kind, a, b)
