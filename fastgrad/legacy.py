"""torch's legacy constructors: ``Tensor(2, 3)`` (uninitialised), ``Tensor([1, 2])`` (data, in
the default dtype), and the typed ``FloatTensor DoubleTensor HalfTensor LongTensor IntTensor
ShortTensor CharTensor ByteTensor BoolTensor`` (calling one builds a tensor of its dtype;
``isinstance(t, LongTensor)`` checks the dtype, as torch)."""
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.device import check_device
from fastgrad.size import Size
from fastgrad.tensor import Tensor

__all__ = ["legacy_array", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "BFloat16Tensor"]

_TORCH_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "void16": "BFloat16"}


def legacy_array(args, kwargs, dt, op):
    """The array of ``op(*args)`` for a legacy constructor of dtype ``dt``: sizes (ints or one
    Size) give uninitialised memory, one sequence or array gives its data cast to ``dt``, one
    tensor of dtype ``dt`` is shared."""
    check_device(kwargs.pop("device", None), op)
    if kwargs:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not args:
        return np.empty(0, dt)
    if all(isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_)) for a in args) or (
            len(args) == 1 and isinstance(args[0], Size)):
        shape = tuple(int(a) for a in (args[0] if isinstance(args[0], Size) else args))
        if any(s < 0 for s in shape):
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension: {list(shape)}")
        return np.empty(shape, dt)
    if len(args) != 1:
        raise TypeError(f"{op}() received an invalid combination of arguments: expected sizes (ints) "
                        f"or one sequence of data, got {len(args)} arguments")
    data = args[0]
    if isinstance(data, Tensor):
        if data._data.dtype != dt and op != "Tensor":  # Tensor(t) shares t whatever its dtype
            raise TypeError(f"expected {_TORCH_NAME.get(dt.name, dt.name)} "
                            f"(got {_TORCH_NAME.get(data._data.dtype.name, data._data.dtype.name)})")
        return data._data
    if not isinstance(data, (list, tuple, np.ndarray)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    from fastgrad.creation import tensor  # (creation imports tensor.py, which imports this module)
    return tensor(data, dtype=dt)._data


class _LegacyType(type):
    """Metaclass: calling the class builds a Tensor; isinstance checks the tensor's dtype."""

    def __call__(cls, *args, **kwargs):
        return Tensor._make(legacy_array(args, kwargs, cls._legacy_dtype, cls.__name__))

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls._legacy_dtype

    def __repr__(cls):
        return f"<class 'fastgrad.{cls.__name__}'>"


def _legacy(name, np_type):
    return _LegacyType(name, (), {"_legacy_dtype": np.dtype(np_type), "__doc__":
                                  f"Legacy constructor: a {np.dtype(np_type).name} tensor (torch.{name})."})


FloatTensor = _legacy("FloatTensor", dtypes.float32)
DoubleTensor = _legacy("DoubleTensor", dtypes.float64)
HalfTensor = _legacy("HalfTensor", dtypes.float16)
LongTensor = _legacy("LongTensor", dtypes.int64)
IntTensor = _legacy("IntTensor", dtypes.int32)
ShortTensor = _legacy("ShortTensor", dtypes.int16)
CharTensor = _legacy("CharTensor", dtypes.int8)
ByteTensor = _legacy("ByteTensor", dtypes.uint8)
BoolTensor = _legacy("BoolTensor", dtypes.bool)
BFloat16Tensor = _legacy("BFloat16Tensor", dtypes.bfloat16)
