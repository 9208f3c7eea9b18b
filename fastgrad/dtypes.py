"""dtypes: fastgrad's dtype objects are numpy dtypes under torch's names."""
import builtins

import numpy as np

__all__ = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
           "bfloat16", "float", "double", "half", "long", "int", "short", "to_dtype", "is_floating",
           "get_default_dtype", "set_default_dtype", "FLOAT_DTYPES"]

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
bfloat16 = np.dtype("V2")  # numpy has none: raw 2-byte values numpy can neither compute with nor fill (lowp.py)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001  (torch.bool)
float, double, half = float32, float64, float16  # noqa: A001
long, int, short = int64, int32, int16  # noqa: A001

FLOAT_DTYPES = (float32, float64)  # the dtypes the C kernels take
LOWP_DTYPES = (float16, bfloat16)  # computed in float32 and rounded (lowp.py)
_default = [float32]


def get_default_dtype():
    """The dtype of tensors made from Python floats (float32, as torch)."""
    return _default[0]


def set_default_dtype(d) -> None:
    d = to_dtype(d)
    if d not in FLOAT_DTYPES:
        raise TypeError("set_default_dtype: only floating-point types are supported as the default type "
                        f"(float32 and float64 here), got {dtype_name(d)}")
    _default[0] = d


def to_dtype(d):
    """Normalise a dtype given as a fastgrad/numpy dtype, a numpy type, Python type or name."""
    if d is None:
        return None
    if d is builtins.float:
        return float64  # as torch: dtype=float means float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    try:
        return np.dtype(d)
    except TypeError:
        raise TypeError(f"unknown dtype {d!r}") from None


def is_floating(d) -> builtins.bool:
    return d.kind == "f" or d == bfloat16


def dtype_name(d) -> str:
    """torch-style name used in reprs: fastgrad.float32."""
    return "fastgrad." + ("bool" if d == bool else "bfloat16" if d == bfloat16 else d.name)
