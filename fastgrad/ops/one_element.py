"""Exact one-element arithmetic: the scalar models of a tutorial (shapes () and (1,)) skip the
buffers and pointers of an array kernel call (~0.5 us), with results bitwise the kernel's.

* + - * / and x*x on Python floats: the same IEEE operation in double, rounded once to float32,
  is the correctly rounded float32 result (double has more than 2 x 24 + 2 bits), so it equals
  the kernel's.  Division by zero returns None: the caller runs the array kernel.
* relu, sigmoid and tanh (ops/activation.py) call the kernels' by-value entry points
  ``fg_<name>_fwd1``/``bwd1``, which run the array kernel on that one element, and wrap the
  Python float with ``array``.

``array`` is where every one-element result becomes an array: None when the value would not
survive the cast exactly as a kernel's result would (float32: not finite or beyond its range),
and then the caller runs the array kernel.
"""
import operator

import numpy as np

from fastgrad import dtypes
from fastgrad._ffi import lib

__all__ = ["SHAPES", "FLT_MAX", "array", "binary", "square", "square_grad"]

SHAPES = frozenset([(), (1,)])  # the one-element shapes that take this path
FLT_MAX = float(np.finfo(np.float32).max)  # the float32 range a one-element result must stay in
_F32 = dtypes.float32
_EXACT = frozenset([dtypes.float32, dtypes.float64])  # float16/bfloat16 go to the kernels (and refusal)
_empty = np.empty
_PYTHON_OPS = {lib.FG_ADD: operator.add, lib.FG_SUB: operator.sub, lib.FG_MUL: operator.mul,
               lib.FG_DIV: operator.truediv}
_DIV = lib.FG_DIV


def array(r: float, shape: tuple, dtype):
    """A fresh () or (1,) array holding the Python float r, or None (module docstring)."""
    if dtype is _F32 and not -FLT_MAX <= r <= FLT_MAX:
        return None
    y = _empty(shape, dtype)
    if shape:
        y[0] = r
    else:
        y[()] = r
    return y


def binary(op, a, b, shape, dtype):
    """a (op) b for one-element arrays a, b into a fresh array of ``shape``, or None."""
    if dtype not in _EXACT:
        return None
    f = _PYTHON_OPS.get(op)
    bv = b.item()
    if f is None or (bv == 0 and op == _DIV):
        return None
    return array(f(a.item(), bv), shape, dtype)


def square(x):
    """x * x for a one-element array x, or None."""
    if x.dtype not in _EXACT:
        return None
    v = x.item()
    return array(v * v, x.shape, x.dtype)


def square_grad(x, dy):
    """dy * (2 x) (the kernel's order: 2x first, then one rounding) for one-element x and dy of
    x's shape, or None."""
    if x.dtype not in _EXACT:
        return None
    two_x = 2.0 * x.item()
    if x.dtype is _F32 and not -FLT_MAX <= two_x <= FLT_MAX:  # the kernel's 2x overflowed
        return None
    return array(dy.item() * two_x, x.shape, x.dtype)
