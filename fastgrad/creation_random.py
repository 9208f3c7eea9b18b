"""Random tensor factories with torch's call forms: rand/randn(*size | size=), randint(high, size)
/ randint(low, high, size), randperm, the *_like forms, each with generator=, dtype=, device=,
requires_grad=.  Samples come from numpy's PCG64 streams (fastgrad/random.py), not torch's."""
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.creation import _astype, _dtype, _finish, _guarded, _kw_size, _size
from fastgrad.device import check_device
from fastgrad.random import get_rng
from fastgrad.tensor import Tensor

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "float_only"]

_TORCH_NAME = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool", "float16": "Half"}


def float_only(dt, kernel, op):
    """torch's NotImplementedError for a sampler that has no kernel for an integer/bool dtype."""
    if dt.kind not in "fV":  # ("V": bfloat16)
        raise NotImplementedError(f'{op}: "{kernel}" not implemented for \'{_TORCH_NAME.get(dt.name, dt.name)}\'')


def _shape_dtype(op, size, kw, dtype, device, kernel):
    if device is not None:
        check_device(device, op)
    shape = _size(_kw_size(size, kw, op) if kw else size, op)
    dt = _dtype(dtype)
    if dt.kind not in "fV":
        float_only(dt, kernel, op)
    return shape, dt


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    """Uniform samples on [0, 1)."""
    shape, dt = _shape_dtype("rand", size, kw, dtype, device, "check_uniform_bounds")
    return _finish(_guarded("rand", shape, lambda: _astype(get_rng(generator).random(shape), dt)),
                   requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    """Standard normal samples."""
    shape, dt = _shape_dtype("randn", size, kw, dtype, device, "normal_kernel_cpu")
    return _finish(_guarded("randn", shape, lambda: _astype(get_rng(generator).standard_normal(shape),
                                                                  dt)), requires_grad)


def _int(v, op, what):
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, float)):
        raise TypeError(f"{op}: {what} must be a number, got {type(v).__name__}")
    return int(v)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False, low=None,
            high=None) -> Tensor:
    """Integers uniform on [low, high): randint(high, size), randint(low, high, size), or keywords."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None and args:
        low = args.pop()
    if args or high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments: expected "
                        "(high, size), (low, high, size) or keywords low=, high=, size=")
    low = 0 if low is None else _int(low, "randint", "low")
    high = _int(high, "randint", "high")
    check_device(device, "randint")
    if low >= high:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _size((size,), "randint")
    dt = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    arr = _guarded("randint", shape, lambda: get_rng(generator).integers(low, high, shape, dtype=np.int64))
    return _finish(_astype(arr, dt), requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless dtype says otherwise)."""
    check_device(device, "randperm")
    n = _int(n, "randperm", "n")
    if n < 0:
        raise RuntimeError(f"randperm: Trying to create tensor with negative dimension {n}: [{n}]")
    arr = get_rng(generator).permutation(n)
    return _finish(_astype(arr, dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)), requires_grad)


def _like(x, dtype):
    return x._data.dtype if dtype is None else dtypes.to_dtype(dtype)


def rand_like(input, dtype=None, device=None, requires_grad=False, generator=None, **kw) -> Tensor:
    return rand(*input._data.shape, dtype=_like(input, dtype), device=device, requires_grad=requires_grad,
                generator=generator)


def randn_like(input, dtype=None, device=None, requires_grad=False, generator=None, **kw) -> Tensor:
    return randn(*input._data.shape, dtype=_like(input, dtype), device=device, requires_grad=requires_grad,
                 generator=generator)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False, generator=None,
                 **kw) -> Tensor:
    """randint_like(input, high) or randint_like(input, low, high): input's shape and dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input._data.shape), dtype=_like(input, dtype), device=device,
                   requires_grad=requires_grad, generator=generator)
