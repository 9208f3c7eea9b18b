"""Tensor conversions with torch's argument forms: ``to(dtype)``, ``to(device, dtype)``,
``to(other)``, ``type(...)``, ``cpu()``, ``cuda()`` (CPU-only: raises), ``half()``, and the
``new_*`` factories that take their dtype from the tensor."""
import numpy as np

from fastgrad import dtypes
from fastgrad.device import device as _device, check_device
from fastgrad.functional._promote import to_dtype
from fastgrad.lowp import cast as _lowp_cast, to_float32
from fastgrad.size import shape_args
from fastgrad.tensor import Tensor

__all__ = ["parse_to", "to", "type_", "resolve_type", "TYPE_NAMES", "legacy_type_name"]

# legacy tensor type names (FloatTensor ...) <-> numpy dtypes
TYPE_NAMES = {"Float": np.dtype(np.float32), "Double": np.dtype(np.float64), "Half": np.dtype(np.float16),
              "Long": np.dtype(np.int64), "Int": np.dtype(np.int32), "Short": np.dtype(np.int16),
              "Char": np.dtype(np.int8), "Byte": np.dtype(np.uint8), "Bool": np.dtype(np.bool_),
              "BFloat16": dtypes.bfloat16}
_NAME_OF = {v: k for k, v in TYPE_NAMES.items()}


def legacy_type_name(d) -> str:
    """'fastgrad.FloatTensor' for float32 (torch.Tensor.type() with no argument)."""
    return "fastgrad." + _NAME_OF.get(np.dtype(d), np.dtype(d).name) + "Tensor"


def _is_device(a):
    return isinstance(a, (str, _device)) or (isinstance(a, int) and not isinstance(a, bool))


def parse_to(args, kwargs, op="to"):
    """(device, numpy dtype or None, copy, non_blocking) from torch's to(...) argument forms."""
    kwargs = dict(kwargs)
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    non_blocking = kwargs.pop("non_blocking", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    args = list(args)
    if args and isinstance(args[0], Tensor):  # to(other, non_blocking=False, copy=False)
        other = args.pop(0)
        dt = other._data.dtype
    elif args and _is_device(args[0]):
        dev = args.pop(0)
        if args and not isinstance(args[0], bool):
            dt = args.pop(0)
    elif args and args[0] is not None and not isinstance(args[0], bool):
        dt = args.pop(0)
    elif args and args[0] is None:
        args.pop(0)
    if args:
        non_blocking = args.pop(0)
    if args:
        copy = args.pop(0)
    if args:
        raise TypeError(f"{op}() received an invalid combination of arguments")
    check_device(dev, op)
    return dev, dtypes.to_dtype(dt), bool(copy), non_blocking


def to(self, *args, **kwargs) -> Tensor:
    """self converted to a dtype (a copy only when the dtype changes or copy=True); devices other
    than the CPU raise."""
    _, dt, copy, _ = parse_to(args, kwargs)
    return to_dtype(self, self._data.dtype if dt is None else dt, copy)


def resolve_type(dtype, op="type"):
    """A numpy dtype from a dtype, a legacy class (LongTensor) or a name ('torch.LongTensor',
    'fastgrad.FloatTensor'); a CUDA type name raises the CPU-only error."""
    if isinstance(dtype, str):
        parts = dtype.split(".")
        if len(parts) == 3 and parts[1] == "cuda":
            check_device("cuda", op)
        name = parts[-1][:-len("Tensor")] if parts[-1].endswith("Tensor") else None
        if len(parts) != 2 or parts[0] not in ("torch", "fastgrad") or name not in TYPE_NAMES:
            raise ValueError(f"invalid type: '{dtype}'")
        return TYPE_NAMES[name]
    if isinstance(dtype, type) and hasattr(dtype, "_legacy_dtype"):
        return dtype._legacy_dtype
    return dtypes.to_dtype(dtype)


def type_(self, dtype=None, non_blocking=False, **kwargs):
    """No argument: the legacy type name ('fastgrad.FloatTensor'); else a cast to ``dtype``, which
    may be a name such as 'torch.LongTensor' or 'fastgrad.FloatTensor'."""
    if dtype is None:
        return legacy_type_name(self._data.dtype)
    return to_dtype(self, resolve_type(dtype), False)


def _cast(d):
    return lambda self, memory_format=None: to_dtype(self, d, False)


def cpu(self, memory_format=None) -> Tensor:
    return self


def cuda(self, device=None, non_blocking=False, memory_format=None) -> Tensor:
    """Always raises: fastgrad is CPU-only."""
    check_device("cuda", "cuda")


def _new_dtype(self, dtype):
    return self._data.dtype if dtype is None else dtypes.to_dtype(dtype)


def _factory(self, arr, device, requires_grad):
    check_device(device, "new")
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size):
    return tuple(shape_args(size))


def _alloc(fn, shape, d, *args):
    """fn(shape, *args, dtype=d); bfloat16 made in float32 and cast (numpy cannot fill it)."""
    return _lowp_cast(fn(shape, *args, dtype=np.float32), d) if d == dtypes.bfloat16 else fn(shape, *args, dtype=d)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, **kw):
    return _factory(self, _alloc(np.zeros, _size(size), _new_dtype(self, dtype)), device, requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, **kw):
    return _factory(self, _alloc(np.ones, _size(size), _new_dtype(self, dtype)), device, requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, **kw):
    return _factory(self, _alloc(np.empty, _size(size), _new_dtype(self, dtype)), device, requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False, **kw):
    return _factory(self, _alloc(np.full, _size((size,)), _new_dtype(self, dtype), fill_value), device, requires_grad)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False, **kw):
    """A copy of ``data`` with self's dtype unless ``dtype`` is given (torch's rule)."""
    from fastgrad.creation import tensor
    return tensor(data, dtype=_new_dtype(self, dtype), device=device, requires_grad=requires_grad)


def new(self, *args, **kwargs) -> Tensor:
    """Legacy ``x.new(2, 3)`` (uninitialised) / ``x.new([1, 2])`` (data), in x's dtype."""
    from fastgrad.legacy import legacy_array  # (legacy imports tensor.py, which imports this module)
    return Tensor._make(legacy_array(args, kwargs, self._data.dtype, "new"))


# bfloat16 (fastgrad/lowp.py): numpy has no such type, so what hands numpy values out converts or
# refuses it as torch does; the other dtypes take the Tensor class's own methods unchanged
_item, _tolist, _numpy, _array = Tensor.item, Tensor.tolist, Tensor.numpy, Tensor.__array__


def item(self):
    """The value of a one-element tensor as a Python number."""
    if self._data.dtype.kind == "V":
        return _item(Tensor._make(to_float32(self._data)))
    return _item(self)


def tolist(self):
    if self._data.dtype.kind == "V":
        return to_float32(self._data).tolist()
    return _tolist(self)


def _refuse_bf16(op):
    raise TypeError("Got unsupported ScalarType BFloat16")


def numpy(self, force=False) -> np.ndarray:
    """A new ndarray over the tensor's memory (torch refuses bfloat16: numpy has no such type)."""
    if self._data.dtype.kind == "V":
        _refuse_bf16("numpy")
    return _numpy(self, force)


def __array__(self, dtype=None, copy=None):
    if self._data.dtype.kind == "V":
        if dtype is None:
            _refuse_bf16("__array__")
        return _lowp_cast(self._data, dtype)
    return _array(self, dtype, copy)


def is_floating_point(input) -> bool:
    return input._data.dtype.kind in "fV"


def type_as(self, other) -> Tensor:
    return to_dtype(self, other._data.dtype, False)


TENSOR_METHODS = {
    "to": to, "type": type_, "cpu": cpu, "cuda": cuda, "type_as": type_as,
    "float": _cast(dtypes.float32), "double": _cast(dtypes.float64), "half": _cast(dtypes.float16),
    "long": _cast(dtypes.int64), "int": _cast(dtypes.int32), "short": _cast(dtypes.int16),
    "char": _cast(dtypes.int8), "byte": _cast(dtypes.uint8), "bool": _cast(dtypes.bool),
    "bfloat16": _cast(dtypes.bfloat16), "item": item, "tolist": tolist, "numpy": numpy, "__array__": __array__,
    "new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_empty, "new_full": new_full,
    "new_tensor": new_tensor, "new": new,
}
