"""Tensor factories with torch's names, defaults (float32) and argument forms."""
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.random import get_rng
from fastgrad.tensor import Tensor, _shape_args

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
           "eye", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "full_like",
           "empty_like", "rand_like", "randn_like", "normal"]

_make = Tensor._make


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
        data = [d._data if isinstance(d, Tensor) else d for d in data] if any(
            isinstance(d, Tensor) for d in data) else data
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
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype.kind == "f":
        arr = arr.astype(dtypes.get_default_dtype())
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "c":
        raise TypeError(f"{op}: complex numbers are not supported")
    return arr


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor holding a copy of ``data`` (scalars, nested lists, arrays, tensors)."""
    dtype = dtypes.to_dtype(dtype)
    arr = _infer(data, dtype)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return _finish(arr if arr.flags.c_contiguous else arr.copy(), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array / tensor when it can."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.to_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray):
        _check_array(data, "as_tensor")
        if (dtype is None or data.dtype == dtypes.to_dtype(dtype)) and data.flags.aligned:
            return _make(data)
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


def _dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)


def _alloc(fn, size, dtype, op, *args):
    shape = _size(size, op)
    return _guarded(op, shape, lambda: fn(shape, *args, dtype=_dtype(dtype)))


def _guarded(op, shape, make):
    """make(), with numpy's allocation failures re-raised as a MemoryError naming op and shape."""
    try:
        return make()
    except (MemoryError, ValueError) as exc:
        raise MemoryError(f"{op}: cannot allocate a tensor of shape {shape}: {exc}") from None


def zeros(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(_alloc(np.zeros, size, dtype, "zeros"), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(_alloc(np.ones, size, dtype, "ones"), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(_alloc(np.empty, size, dtype, "empty"), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = (dtypes.bool if isinstance(fill_value, bool) else dtypes.int64
                 if isinstance(fill_value, numbers.Integral) else None)
    return _finish(_alloc(np.full, (size,) if isinstance(size, int) else tuple(size), dtype, "full",
                          fill_value), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        dtype = dtypes.int64 if all(isinstance(v, numbers.Integral) for v in (start, end, step)) else None
    return _finish(_guarded("arange", f"({start}, {end}, {step})",
                            lambda: np.arange(start, end, step, dtype=np.float64).astype(_dtype(dtype))),
                   requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    dt = _dtype(dtype)
    if dt == np.bool_:
        raise NotImplementedError('"linspace_cpu" not implemented for \'Bool\'')
    return _finish(np.linspace(start, end, steps).astype(dt), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got {n}, {m}")
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    shape = _size(size, "rand")
    return _finish(_guarded("rand", shape, lambda: get_rng(generator).random(shape).astype(_dtype(dtype))),
                   requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    shape = _size(size, "randn")
    return _finish(_guarded("randn", shape, lambda: get_rng(generator).standard_normal(shape).astype(_dtype(dtype))),
                   requires_grad)


def normal(mean, std, size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    shape = _size(size, "normal")
    return _finish((get_rng(generator).standard_normal(shape) * std + mean).astype(_dtype(dtype)),
                   requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected (high, size) or (low, high, size)")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    shape = _size(size, "randint")
    arr = get_rng(generator).integers(low, high, shape, dtype=np.int64)
    return _finish(arr.astype(dtypes.to_dtype(dtype) if dtype is not None else np.int64), requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    arr = get_rng(generator).permutation(n).astype(np.int64)
    return _finish(arr.astype(dtypes.to_dtype(dtype)) if dtype is not None else arr, requires_grad)


def _like(x, dtype):
    return x._data.dtype if dtype is None else dtypes.to_dtype(dtype)


def zeros_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(input._data.shape, _like(input, dtype)), requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(input._data.shape, _like(input, dtype)), requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.empty(input._data.shape, _like(input, dtype)), requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.full(input._data.shape, fill_value, _like(input, dtype)), requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    return rand(*input._data.shape, dtype=_like(input, dtype), requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    return randn(*input._data.shape, dtype=_like(input, dtype), requires_grad=requires_grad)
