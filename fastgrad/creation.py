"""Tensor factories with torch's names, defaults (float32) and argument forms."""
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.device import check_device
from fastgrad.lowp import cast as _lowp_cast
from fastgrad.size import shape_args as _shape_args
from fastgrad.tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
           "eye", "zeros_like", "ones_like", "full_like", "empty_like", "is_tensor", "numel"]

_make = Tensor._make


def _mk(fn, shape, dtype, *args):
    """fn(shape, *args, dtype=dtype); bfloat16 is made in float32 and cast (numpy cannot fill it)."""
    if dtype == dtypes.bfloat16:
        return _lowp_cast(fn(shape, *args, dtype=dtypes.float32), dtype)
    return fn(shape, *args, dtype=dtype)


def _astype(arr, dtype):
    return _lowp_cast(arr, dtype) if dtype == dtypes.bfloat16 or arr.dtype == dtypes.bfloat16 \
        else arr.astype(dtype, copy=False)


def _finish(arr, requires_grad):
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


_SUPPORTED = ("float64, float32, float16, int64, int32, int16, int8, uint64, uint32, uint16, uint8, "
              "and bool")


def _check_array(arr, op):
    """torch's rules for a numpy array given to tensor()/as_tensor(): numeric dtypes only
    (object, str, bytes, structured, datetime, timedelta, longdouble: TypeError naming the type;
    complex: TypeError, fastgrad has no complex tensors) and native byte order (ValueError, as
    torch: a big-endian array is refused, not converted)."""
    d = arr.dtype
    if d.kind not in "biufc" or d.itemsize > 8 and d.kind == "f":
        raise TypeError(f"{op}: can't convert np.ndarray of type numpy.{d.type.__name__}. "
                        f"The only supported types are: {_SUPPORTED}.")
    if d.kind == "c":
        raise TypeError(f"{op}: can't convert np.ndarray of type numpy.{d.type.__name__}: "
                        "complex tensors are not supported")
    if not d.isnative:
        raise ValueError(f"{op}: given numpy array has byte order different from the native byte "
                         f"order ({d.str}); convert it first with a.astype(a.dtype.newbyteorder('='))")


def _infer(data, dtype=None, op="tensor"):
    """numpy array for torch.tensor(data): Python floats -> float32, ints -> int64, bools -> bool;
    a numpy array or numpy scalar keeps its dtype (checked by _check_array)."""
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data)  # a copy; a numpy scalar becomes a 0-d array of its dtype
        _check_array(arr, op)
        return arr
    if isinstance(data, (list, tuple)):
        found = []
        data = _unwrap(data, found)
        if dtype is None and None in found:  # tensors inside the list: promote their dtypes (torch)
            dtype = _promote_found(found)
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(f"{op}: could not build a tensor from the data ({exc})") from None
    if arr.dtype == object or arr.dtype.kind in "USVMm":
        raise TypeError(f"{op}: could not infer dtype of {type(data).__name__} "
                        f"(expected numbers, nested lists of numbers, or an array)")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if dtype is not None:
        arr = _astype(arr, dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(dtypes.get_default_dtype())
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "c":
        raise TypeError(f"{op}: complex numbers are not supported")
    return arr


def _unwrap(seq, found):
    """A nested sequence with its tensors replaced by their single values (torch accepts one-element
    tensors inside lists; a larger one raises ValueError, as torch); ``found`` collects the
    dtypes of those tensors and of the other leaves (for torch's promotion over them)."""
    for d in seq:
        if isinstance(d, (Tensor, list, tuple)):
            break
    else:
        found.append(seq)  # leaves: their dtype is worked out only if a tensor is found
        return seq
    out = []
    for d in seq:
        if isinstance(d, Tensor):
            if d._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            found.append(d._data.dtype)
            found.append(None)  # marks that a tensor was seen
            d = d._data.reshape(()).copy()
        elif isinstance(d, (list, tuple)):
            d = _unwrap(d, found)
        else:
            found.append((d,))
        out.append(d)
    return out


def _leaves_dtype(leaves):
    """torch's dtype of Python/numpy scalars in a list: float -> the default dtype, int -> int64."""
    d = np.asarray(leaves).dtype
    return dtypes.get_default_dtype() if d.kind == "f" and not any(
        isinstance(v, np.floating) for v in leaves) else np.dtype(np.int64) if d.kind in "iu" else d


def _promote_found(found):
    """torch's promotion over the leaves' dtypes: any float -> the widest float, else numpy's rule."""
    ds = [d if isinstance(d, np.dtype) else _leaves_dtype(d) for d in found
          if d is not None and (isinstance(d, np.dtype) or len(d))]
    floats = [d for d in ds if d.kind == "f"]
    return np.result_type(*floats) if floats else np.result_type(*ds)


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor holding a copy of ``data`` (scalars, nested lists, arrays, tensors)."""
    if device is not None:
        check_device(device, "tensor")
    dtype = dtypes.to_dtype(dtype)
    arr = _infer(data, dtype)
    if dtype is not None:
        arr = _astype(arr, dtype)
    return _finish(arr if arr.flags.c_contiguous else arr.copy(), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array / tensor when it can."""
    if device is not None:
        check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.to_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray):
        _check_array(data, "as_tensor")
        if (dtype is None or data.dtype == dtypes.to_dtype(dtype)) and data.flags.aligned:
            return _make(data.view())  # shared memory; the shape and strides are the tensor's own
    return tensor(data, dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (no copy; in-place writes show on both sides).  Later
    changes to the array's shape or strides do not affect the tensor, as in torch."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    if array.dtype == object or array.dtype.kind in "USVcO":
        raise TypeError(f"from_numpy: can't convert np.ndarray of type {array.dtype}")
    if not array.flags.aligned:
        raise ValueError("from_numpy: the array's data is not aligned to its dtype "
                         f"({array.dtype}); copy it first (np.require(a, requirements='A') or fastgrad.tensor(a))")
    if not array.dtype.isnative:
        raise ValueError(f"from_numpy: the array's byte order ({array.dtype.str}) differs from the native "
                         "byte order; convert it first with array.astype(array.dtype.newbyteorder('='))")
    if any(st < 0 for st in array.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making "
                         "a copy of your array  with array.copy().)")
    if not array.flags.writeable:
        import warnings
        warnings.warn("The given NumPy array is not writable, and fastgrad does not write to it: in-place "
                      "operations and optimizer steps on this tensor raise. You may want to copy the array "
                      "or make it writable before converting it to a tensor.", UserWarning, stacklevel=2)
    # a view of its own: the memory is shared, the shape and strides are the tensor's alone
    return _make(array.view())


def _size(size, op):
    shape = _shape_args(size)
    for s in shape:
        if not isinstance(s, (numbers.Integral,)) or isinstance(s, bool):
            raise TypeError(f"{op}: size must be a tuple of ints, got {shape!r}")
        if s < 0:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {s}: {list(shape)}")
    return tuple(int(s) for s in shape)


_IGNORED = ("layout", "pin_memory", "memory_format")  # torch keywords with one meaning on the CPU


def _kw_size(size, kw, op):
    """The size of zeros(*size) or zeros(size=...); torch's ignorable keywords accepted."""
    for k in kw:
        if k != "size" and k not in _IGNORED:
            raise TypeError(f"{op}() got an unexpected keyword argument '{k}'")
    if "size" in kw:
        if size:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        return (kw["size"],)
    return size


def is_tensor(obj) -> bool:
    """True for a fastgrad Tensor (or Parameter)."""
    return isinstance(obj, Tensor)


def numel(input) -> int:
    """The number of elements of ``input``."""
    return input._data.size


def _dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)


def _alloc(fn, size, dtype, op, *args):
    shape = _size(size, op)
    return _guarded(op, shape, lambda: _mk(fn, shape, _dtype(dtype), *args))


def _guarded(op, shape, make):
    """make(), with numpy's allocation failures re-raised as a MemoryError naming op and shape."""
    try:
        return make()
    except (MemoryError, ValueError) as exc:
        raise MemoryError(f"{op}: cannot allocate a tensor of shape {shape}: {exc}") from None


def zeros(*size, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    if device is not None:
        check_device(device, "zeros")
    return _finish(_alloc(np.zeros, (_kw_size(size, kw, "zeros") if kw else size), dtype, "zeros"), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    if device is not None:
        check_device(device, "ones")
    return _finish(_alloc(np.ones, (_kw_size(size, kw, "ones") if kw else size), dtype, "ones"), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    if device is not None:
        check_device(device, "empty")
    return _finish(_alloc(np.empty, (_kw_size(size, kw, "empty") if kw else size), dtype, "empty"), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "full")
    if dtype is None:
        dtype = (dtypes.bool if isinstance(fill_value, bool) else dtypes.int64
                 if isinstance(fill_value, numbers.Integral) else None)
    return _finish(_alloc(np.full, (size,) if isinstance(size, int) else tuple(size), dtype, "full",
                          fill_value), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        dtype = dtypes.int64 if all(isinstance(v, numbers.Integral) for v in (start, end, step)) else None
    return _finish(_guarded("arange", f"({start}, {end}, {step})",
                            lambda: _astype(np.arange(start, end, step, dtype=np.float64), _dtype(dtype))),
                   requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "linspace")
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    dt = _dtype(dtype)
    if dt == np.bool_:
        raise NotImplementedError('"linspace_cpu" not implemented for \'Bool\'')
    return _finish(_astype(np.linspace(start, end, steps), dt), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "eye")
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got {n}, {m}")
    return _finish(_mk(np.eye, n, _dtype(dtype), m), requires_grad)


def _like(x, dtype):
    return x._data.dtype if dtype is None else dtypes.to_dtype(dtype)


def zeros_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "zeros_like")
    return _finish(_mk(np.zeros, input._data.shape, _like(input, dtype)), requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "ones_like")
    return _finish(_mk(np.ones, input._data.shape, _like(input, dtype)), requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "empty_like")
    return _finish(_mk(np.empty, input._data.shape, _like(input, dtype)), requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if device is not None:
        check_device(device, "full_like")
    return _finish(_mk(np.full, input._data.shape, _like(input, dtype), fill_value), requires_grad)
