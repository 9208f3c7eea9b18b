"""Type promotion and casts at the Tensor level: torch's rules (where numpy's differ, torch
wins: a Python scalar never widens a float tensor), operand coercion, dtype checks."""
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.creation import tensor
from fastgrad.lowp import BF16, LOWP, cast
from fastgrad.ops.lowp_cast import CastLowp
from fastgrad.ops.unary import Clone, ToDtype
from fastgrad.tensor import Tensor

__all__ = ["KERNEL_DTYPES", "PY_SCALARS", "Number", "result_dtype", "operand", "as_tensor",
           "check_kernel_dtype", "float_input", "common_dtype", "to_dtype", "clone"]

_make = Tensor._make
KERNEL_DTYPES = frozenset(dtypes.FLOAT_DTYPES)  # what the C kernels take
PY_SCALARS = (float, int)  # the Python numbers of the fast paths (exact types, not subclasses)
Number = (numbers.Number, np.number, np.bool_)
_F32 = dtypes.float32


def _float_result(ds):
    """torch's promotion of float dtypes: the widest; float16 with bfloat16 gives float32."""
    if len(ds) == 1:
        return ds[0]
    if all(d in LOWP for d in ds):
        return ds[0] if all(d == ds[0] for d in ds) else _F32
    return np.result_type(*[d for d in ds if d not in LOWP])


def result_dtype(a, b):
    """torch's promotion for (tensor|scalar, tensor|scalar): Python scalars never widen a float tensor."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    da = a._data.dtype if ta else None
    db = b._data.dtype if tb else None
    if ta and tb:
        if da == db:
            return da
        if da.kind in "fV" or db.kind in "fV":  # ("V": bfloat16)
            return _float_result([d for d in (da, db) if d.kind in "fV"])
        return np.result_type(da, db)
    d = da if ta else db
    s = b if ta else a
    if d.kind in "fV":
        return d
    if isinstance(s, (bool, np.bool_)):
        return d
    if isinstance(s, (float, np.floating)):
        return dtypes.get_default_dtype()
    if d.kind == "b":
        return dtypes.int64
    return d


def operand(x, dtype, op):
    """x as a Tensor (cast differentiably when needed) or a constant array of ``dtype``."""
    if isinstance(x, Tensor):
        return x if x._data.dtype == dtype else to_dtype(x, dtype, False)
    return cast(x, dtype) if dtype == BF16 else np.asarray(x, dtype=dtype)


def as_tensor(x, op):
    """x as a Tensor: numbers, arrays and nested sequences are copied as ``fastgrad.tensor`` does."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (Number, np.ndarray, list, tuple)):
        return tensor(x)
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def check_kernel_dtype(d, op):
    """A float dtype the kernels do not take raises TypeError naming the op; float16 and bfloat16
    pass (their ops run in float32 and round: fastgrad/lowp.py)."""
    if d.kind in "fV" and d not in KERNEL_DTYPES and d not in LOWP:
        raise TypeError(f"{op}: {d} tensors are not supported (use float32 or float64)")


def float_input(x, op):
    """x itself when it is a Tensor of a kernel float dtype, else TypeError naming the op."""
    if isinstance(x, Tensor) and x._data.dtype in KERNEL_DTYPES:
        return x
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x._data.dtype in LOWP:
        return x
    if x._data.dtype.kind not in "fV":
        raise TypeError(f"{op}: expected a floating-point tensor, got {dtypes.dtype_name(x._data.dtype)}")
    check_kernel_dtype(x._data.dtype, op)
    return x


def common_dtype(tensors, op):
    """torch promotion over a list: any float -> the widest float; else numpy's rule."""
    ds = {x._data.dtype for x in tensors}
    if len(ds) == 1:
        return tensors
    floats = [d for d in ds if d.kind in "fV"]
    target = _float_result(floats) if floats else np.result_type(*ds)
    return [x if x._data.dtype == target else to_dtype(x, target, False) for x in tensors]


def to_dtype(input, dtype, copy=False):
    """Cast; differentiable between float dtypes, no gradient to integer/bool results."""
    src = input._data.dtype
    if src == dtype:
        return clone(input) if copy else input
    if src == BF16 or dtype in LOWP:  # numpy cannot cast bfloat16; float16 rounds once from float32 (lowp.py)
        if dtype.kind in "fV" and src.kind in "fV":
            return CastLowp.apply(input, dtype)
        return _make(cast(input._data, dtype))
    if dtype.kind not in "fV" or src.kind not in "fV":
        return _make(input._data.astype(dtype))
    return ToDtype.apply(input, dtype)


def clone(input):
    """A copy that stays in the graph (gradient passes through unchanged)."""
    if input._data.dtype.kind not in "fV":
        return _make(input._data.copy())
    return Clone.apply(input)
