"""torch.finfo / torch.iinfo: the numerical limits of a floating-point or integer dtype."""
import numpy as np

from fastgrad import dtypes
from fastgrad.dtype_objects import wrap

__all__ = ["finfo", "iinfo"]


class finfo:
    """Limits of a floating-point dtype (default: the default dtype): bits, eps, max, min, tiny,
    smallest_normal, resolution, dtype."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):  # noqa: A002  (torch's argument name)
        d = dtypes.get_default_dtype() if type is None else dtypes.to_dtype(type)
        if d == dtypes.bfloat16:  # numpy has no bfloat16: torch's values (8 significand bits)
            self.bits, self.eps, self.max = 16, 2.0 ** -7, (2.0 - 2.0 ** -7) * 2.0 ** 127
            self.min, self.tiny, self.smallest_normal = -self.max, 2.0 ** -126, 2.0 ** -126
            self.resolution, self.dtype = 0.01, "bfloat16"
            return
        if d.kind not in "fc":
            raise TypeError("fastgrad.finfo() requires a floating point input type. Use fastgrad.iinfo to "
                            f"handle '{wrap(d)}'")
        fi = np.finfo(d)
        self.bits = int(fi.bits)
        self.eps, self.max, self.min = float(fi.eps), float(fi.max), float(fi.min)
        self.tiny = self.smallest_normal = float(fi.smallest_normal)
        self.resolution = 10.0 ** -int(fi.precision)  # as torch: a Python float power of ten
        self.dtype = wrap(d).__repr__().split(".")[1]  # torch: the dtype's name, a str

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer (or bool) dtype: bits, max, min, dtype."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):  # noqa: A002
        d = dtypes.to_dtype(type)
        if d.kind == "b":
            raise TypeError("fastgrad.bool is not supported by fastgrad.iinfo")
        if d.kind not in "iu":
            raise TypeError("fastgrad.iinfo() requires an integer input type. Use fastgrad.finfo to "
                            f"handle '{wrap(d)}'")
        ii = np.iinfo(d)
        self.bits, self.min, self.max = int(ii.bits), int(ii.min), int(ii.max)
        self.dtype = repr(wrap(d)).split(".")[1]

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
