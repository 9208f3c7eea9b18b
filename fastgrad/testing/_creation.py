"""make_tensor (torch.testing.make_tensor): a random tensor of a shape and dtype, uniform in [low, high)
(floats: default [-9, 9); integers: default [-9, 10), clamped to the dtype's range; bool: {0, 1})."""
import collections.abc
import functools
import math
import warnings

from fastgrad import dtypes
from fastgrad.creation_random import randint
from fastgrad.creation import empty
from fastgrad.typeinfo import finfo, iinfo

__all__ = ["make_tensor"]

_FLOATING = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_INTEGRAL = (dtypes.bool, dtypes.uint8, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)


def _modify_low_high(low, high, dtype, lowest_inclusive, highest_exclusive, default_low, default_high):
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype in _FLOATING:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types "
                      "is deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
                      FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest_inclusive or low >= highest_exclusive:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest_inclusive}, {highest_exclusive})")
    low = min(max(low, lowest_inclusive), highest_exclusive)
    high = min(max(high, lowest_inclusive), highest_exclusive)
    if dtype in _INTEGRAL:
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False, memory_format=None):
    """A tensor of ``shape`` (ints or one sequence) with values uniform in [low, high); ``noncontiguous``
    gives a strided view (every other element of a twice-as-wide last dimension); ``exclude_zero``
    replaces zeros by 1 (integers) or the smallest normal number (floats)."""
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if str(device) != "cpu":
        raise RuntimeError(f"make_tensor: device '{device}' is not available (fastgrad is CPU-only)")
    if noncontiguous and memory_format is not None:
        raise ValueError("The parameters `noncontiguous` and `memory_format` are mutually exclusive, "
                         f"but got noncontiguous={noncontiguous} and memory_format={memory_format}")
    if requires_grad and dtype in _INTEGRAL:
        raise ValueError("`requires_grad=True` is not supported for boolean and integral dtypes, "
                         f"but got dtype={dtype}")
    noncontiguous = noncontiguous and functools.reduce(lambda x, y: x * y, shape, 1) > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype == dtypes.bool:
        low, high = _modify_low_high(low, high, dtype, 0, 2, 0, 2)
        result = randint(low, high, shape, dtype=dtypes.int64) != 0
    elif dtype in _INTEGRAL:
        info = iinfo(dtype)
        low, high = _modify_low_high(low, high, dtype, info.min, info.max + (1 if dtype != dtypes.int64 else 0),
                                     -9, 10)
        result = randint(low, high, shape, dtype=dtype)
    elif dtype in _FLOATING:
        info = finfo(dtype)
        low, high = _modify_low_high(low, high, dtype, info.min, info.max, -9, 9)
        result = empty(shape, dtype=dtype)
        if high - low >= info.max:
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor()."
                        " To request support, file an issue at: https://github.com/pytorch/pytorch/issues")
    if noncontiguous:
        result = result[..., 1::2]
    if exclude_zero:
        result[result == 0] = 1 if dtype in _INTEGRAL else finfo(dtype).tiny
    if dtype in _FLOATING:
        result.requires_grad = requires_grad
    return result

