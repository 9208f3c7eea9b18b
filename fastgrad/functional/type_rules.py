"""torch's type-promotion queries: promote_types (two dtypes), result_type (tensors and Python
numbers, with torch's three tiers: dimensioned tensors, 0-d tensors, Python numbers) and
can_cast (the casts torch's in-place ops allow).  Where numpy differs (an integer with float16
gives float16, uint8 with a negative Python int stays uint8), torch wins."""
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.dtype_objects import wrap
from fastgrad.lowp import LOWP, TORCH_NAME
from fastgrad.tensor import Tensor

__all__ = ["promote_types", "result_type", "can_cast"]

_NAME = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
         "float32": "Float", "float64": "Double", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
         "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_WIDE_UINTS = (np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64))


def _np(d):
    return dtypes.to_dtype(d)


def _tname(d):
    return TORCH_NAME.get(d) or _NAME.get(d.name, d.name)


def _is_float(d):
    return d.kind == "f" or d in LOWP


def _promote(a, b):
    """torch's promoteTypes on numpy dtypes (None: undefined)."""
    if a is None or b is None:
        return b if a is None else a
    if a == b:
        return a
    if a in _WIDE_UINTS or b in _WIDE_UINTS:
        raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                           f"{_tname(a)} and {_tname(b)}")
    if a.kind == "c" or b.kind == "c":
        return np.result_type(*(np.float32 if d in LOWP else d for d in (a, b)))
    if _is_float(a) and _is_float(b):
        if a in LOWP and b in LOWP:
            return np.dtype(np.float32)
        return a if b in LOWP else b if a in LOWP else np.result_type(a, b)
    if _is_float(a) or _is_float(b):
        return a if _is_float(a) else b
    if a == np.bool_ or b == np.bool_:
        return b if a == np.bool_ else a
    return np.result_type(a, b)


def promote_types(type1, type2):
    """The smallest dtype both promote to (torch's table: int with float16 -> float16, float16 with
    bfloat16 -> float32, uint8 with int8 -> int16)."""
    return wrap(_promote(_np(type1), _np(type2)))


def _combine(higher, lower):
    """torch's combine_categories: a higher tier keeps its dtype unless a lower tier is of a higher
    category (float over integer and bool; anything over bool; complex over real)."""
    if higher is not None and higher.kind == "c":
        return higher
    if lower is not None and lower.kind == "c":
        return np.result_type(higher, lower) if higher is not None and _is_float(higher) else lower
    if higher is not None and _is_float(higher):
        return higher
    if higher == np.bool_ or (lower is not None and _is_float(lower)):
        return _promote(higher, lower)
    return lower if higher is None else higher


def _scalar_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, numbers.Integral):
        return np.dtype(np.int64)
    if isinstance(x, numbers.Real):
        return dtypes.get_default_dtype()
    if isinstance(x, numbers.Complex):
        return np.dtype(np.complex128 if dtypes.get_default_dtype() == np.float64 else np.complex64)
    raise TypeError(f"result_type(): expected a Tensor or a number, got {type(x).__name__}")


def result_type(tensor1, tensor2):
    """The dtype torch's arithmetic on these operands gives: dimensioned tensors first, then 0-d
    tensors, then Python numbers, a later tier counting only when its category (bool < integer <
    float < complex) is higher."""
    dim = zero = wrapped = None
    for x in (tensor1, tensor2):
        if isinstance(x, Tensor):
            d = x._data.dtype
            if x._data.ndim:
                dim = _promote(dim, d)
            else:
                zero = _promote(zero, d)
        else:
            wrapped = _promote(wrapped, _scalar_dtype(x))
    return wrap(_combine(dim, _combine(zero, wrapped)))


def can_cast(from_, to) -> bool:
    """Whether torch's in-place ops may cast from_ to ``to``: not float to integer, not complex to
    real, not a non-bool to bool."""
    a, b = _np(from_), _np(to)
    if a.kind == "c" and b.kind != "c":
        return False
    if _is_float(a) and not (_is_float(b) or b.kind == "c"):
        return False
    if a != np.bool_ and b == np.bool_:
        return False
    return True
