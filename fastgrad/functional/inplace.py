"""In-place updates (``x += y``, ``add_``, ``copy_``, ``fill_``, ``zero_``, ``uniform_`` …) with
torch's rules: allowed under no_grad or on tensors that do not require grad; a leaf that
requires grad raises; a non-leaf that requires grad is updated out of place and rebound; a
tensor that does not require grad, updated with one that does, becomes a non-leaf (as torch).

A write goes into the tensor's own memory (shared with numpy after ``from_numpy``, strided or
not) and bumps its version counter (autograd/version.py), or is refused: a result type that
cannot be cast back (``int_tensor *= 1.5``), memory several elements share (a zero stride, as
``expand()`` makes) or read-only memory raise torch's RuntimeError; nothing is written into a
private copy."""
import numpy as np

from fastgrad.lowp import cast as _lowp_cast
from fastgrad.autograd.grad_mode import GRAD
from fastgrad.autograd.version import bump
from fastgrad.functional._promote import result_dtype, to_dtype
from fastgrad.functional.elementwise import add, clamp, div, mul, sub, where
from fastgrad.functional.indexing import setitem as _setitem
from fastgrad.random import sample_like
from fastgrad.tensor import Tensor

__all__ = ["inplace", "random_like", "check_cast", "check_writable", "setitem", "clamp_"]

_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < floating < complex: torch's canCast
_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
         "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def check_cast(self, other, op) -> None:
    """torch's rule for ``self (op)= other``: the result type must cast back to self's dtype
    without changing kind (no float into an integer tensor, no integer into a bool one)."""
    if other is None:
        return
    a = self._data.dtype
    if op == "div":
        res = np.dtype(np.float32) if a.kind not in "fV" else a
    else:
        if isinstance(other, Tensor):
            res = result_dtype(self, other)
        elif isinstance(other, (bool, int, float, np.number, np.bool_)):
            res = result_dtype(self, other)
        else:
            res = np.result_type(a, np.asarray(other))
        if op == "sub" and a.kind == "b":
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                               "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    if _RANK.get(res.kind, 3) > _RANK.get(a.kind, 3):
        raise RuntimeError(f"result type {_NAME.get(res.name, res.name)} can't be cast to the desired output "
                           f"type {_NAME.get(a.name, a.name)}")


def check_writable(self, op) -> None:
    """Refuse a write into memory several elements share or into read-only memory (the only
    alternative, a private copy, would silently stop sharing memory with numpy)."""
    a = self._data
    if any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers "
                           "to a single memory location. Please clone() the tensor before performing the "
                           "operation.")
    if not a.flags.writeable:
        raise RuntimeError(f"{op}: the tensor's memory is read-only (e.g. from_numpy of a non-writable "
                           "numpy array), so it cannot be written in place; make the array writable "
                           "first, or clone() the tensor")


def setitem(self, index, value) -> None:
    """``self[index] = value`` (functional.indexing.setitem) with the write checked as in-place
    ops' are, and the version bumped when it wrote in place (not when it was recorded as a graph
    node, which writes into a copy and rebinds ``self``)."""
    a = self._data
    if a.dtype.kind == "V" and not (  # bfloat16: numpy cannot convert numbers to it (fastgrad/lowp.py)
            isinstance(value, Tensor) and (value.requires_grad or value._data.dtype == a.dtype)):
        value = Tensor._make(_lowp_cast(value._data if isinstance(value, Tensor) else value, a.dtype))
    f = a.flags
    if not (f.c_contiguous and f.writeable) and not (
            GRAD.enabled and (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad))):
        check_writable(self, "setitem")
    _setitem(self, index, value)
    if self._data is a:
        bump(a, self.grad_fn)


def clamp_(self, lo, hi):
    """self = clamp(self, lo, hi), in place: bounds of a type self cannot hold raise as torch."""
    check_cast(self, lo, "clamp")
    check_cast(self, hi, "clamp")
    return inplace(self, clamp(self.detach(), lo, hi), "copy")


_INPLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}
_OPS = {"add": add, "sub": sub, "mul": mul, "div": div}


def inplace(self, other, op):
    """self (op)= other, writing into self's array.  Allowed under no_grad or on tensors that
    do not require grad; a leaf that requires grad raises as torch.  A non-leaf that requires
    grad is computed out of place as an ordinary recorded op and ``self`` takes the result's
    array and node (values saved for backward earlier stay intact)."""
    if self.requires_grad and GRAD.enabled:
        if self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if op == "copy":  # copy_/fill_/zero_: the new values, self's old ones get a zero gradient
            v = other if isinstance(other, Tensor) else Tensor._make(np.asarray(other, self._data.dtype))
            out = where(Tensor._make(np.ones(self._data.shape, np.bool_)), v, self)
            _check_shape(self._data.shape, out._data.shape, op)
            if out._data.dtype != self._data.dtype:
                out = to_dtype(out, self._data.dtype, False)
        else:
            out = {"add": add, "sub": sub, "mul": mul, "div": div}[op](self, other)
        self._data, self.grad_fn = out._data, out.grad_fn  # self now is the result (h.add_(1) alone
        return self                                         # used to leave h unchanged)
    a = self._data
    v = other._data if isinstance(other, Tensor) else other
    if isinstance(other, Tensor) and other.requires_grad and GRAD.enabled:
        return _inplace_recorded(self, other, op)
    shape = np.shape(v)
    if shape != a.shape:
        try:
            out = np.broadcast_shapes(a.shape, shape)
        except ValueError:
            out = shape
        if out != a.shape:
            raise RuntimeError(f"{op}_: output with shape {list(a.shape)} doesn't match the broadcast "
                               f"shape {list(out)}")
    f = a.flags
    if not (f.c_contiguous and f.writeable):  # (a zero stride over n > 1 elements is never contiguous)
        check_writable(self, op + "_")
    if a.dtype.kind == "V":  # bfloat16: computed in float32 and rounded (fastgrad/lowp.py)
        a[...] = _lowp_cast(v if op == "copy" else _OPS[op](Tensor._make(a), other)._data, a.dtype)
    elif op == "copy":
        a[...] = v
    else:
        if a.dtype.kind not in "fV":
            check_cast(self, other, op)
        _INPLACE[op](a, v, out=a, casting="unsafe")
    bump(a, self.grad_fn)
    return self


def _inplace_recorded(self, other, op):
    """self (op)= other where only ``other`` requires grad (torch: self becomes a non-leaf with a
    grad_fn).  The result is computed out of place from a copy of self's values (what backward
    needs), written into self's own memory (views and numpy see it) and self takes its node."""
    a = self._data
    if a.dtype.kind not in "fV":
        raise RuntimeError(f"{op}_: a {a.dtype} tensor cannot hold a result that requires grad "
                           "(only floating-point tensors can require gradients)")
    old = Tensor._make(a.copy())
    if op == "copy":
        out = add(Tensor._make(np.zeros(a.shape, a.dtype)), other)
    else:
        out = {"add": add, "sub": sub, "mul": mul, "div": div}[op](old, other)
    _check_shape(a.shape, out._data.shape, op)
    if out._data.dtype != a.dtype:
        out = to_dtype(out, a.dtype, False)
    f = a.flags
    if not (f.c_contiguous and f.writeable):
        check_writable(self, op + "_")
    a[...] = out._data
    bump(a, None)
    self.grad_fn, self.requires_grad = out.grad_fn, True
    return self


def _check_shape(shape, out_shape, op):
    if out_shape != shape:
        raise RuntimeError(f"{op}_: output with shape {list(shape)} doesn't match the broadcast "
                           f"shape {list(out_shape)}")


def random_like(t, kind, a, b):
    """An array of t's shape and dtype drawn from the ``kind`` distribution (for uniform_, normal_)."""
    if t._data.dtype.kind == "V":  # bfloat16: drawn in float32 and rounded (fastgrad/lowp.py)
        return _lowp_cast(sample_like(np.empty(t._data.shape, np.float32), kind, a, b), t._data.dtype)
    return sample_like(t._data, kind, a, b)
