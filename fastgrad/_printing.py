"""Tensor printing: torch's repr (``tensor([1.5000, 2.0000], requires_grad=True)``)."""
import numpy as np

from fastgrad import dtypes
from fastgrad.lowp import BF16, to_float32

__all__ = ["format_tensor"]


def format_tensor(t) -> str:
    """torch-style repr of Tensor ``t``: values, then dtype (when not the default), grad_fn or
    requires_grad."""
    a = shown = t._data
    if a.dtype == BF16:  # shown through float32, as torch prints bfloat16 values
        a = to_float32(a)
    extras = []
    if a.dtype.kind == "f":
        finite = a[np.isfinite(a)].astype(np.float64)  # (float16: no overflow in the tests below)
        nz = finite[finite != 0]
        # torch's _Formatter: integer mode when every non-zero finite value is whole; scientific
        # when max/min of their magnitudes > 1000, max > 1e8, or (not integer mode) min < 1e-4
        integral = bool(np.all(nz == np.ceil(nz)))
        lo, hi = (np.abs(nz).min(), np.abs(nz).max()) if nz.size else (1.0, 1.0)
        big = hi / lo > 1000.0 or hi > 1.0e8 or (not integral and lo < 1.0e-4)
        if integral and not big:
            one = lambda v: ("%.0f." % v) if np.isfinite(v) else str(v)  # noqa: E731
        elif big:
            one = lambda v: "%.4e" % v if np.isfinite(v) else str(v)  # noqa: E731
        else:
            one = lambda v: "%.4f" % v if np.isfinite(v) else str(v)  # noqa: E731
        # every element right-aligned to the widest non-zero finite one, as torch (an extreme)
        width = max(len(one(nz.max())), len(one(nz.min()))) if nz.size else 0
        fmt = {"float_kind": lambda v: one(v).rjust(width)}
        if shown.dtype != dtypes.get_default_dtype():
            extras.append("dtype=" + dtypes.dtype_name(shown.dtype))
    else:
        fmt = None
        if a.dtype == np.bool_:  # torch pads True to False's width only when a False is shown
            width = 5 if a.size and not a.all() else 4
            fmt = {"bool": lambda v: str(bool(v)).rjust(width)}
        if a.dtype not in (dtypes.int64, dtypes.bool):
            extras.append("dtype=" + dtypes.dtype_name(a.dtype))
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            extras.insert(0, "size=(%s)" % ", ".join(map(str, a.shape)))
    else:
        body = np.array2string(a, separator=", ", prefix="tensor(", formatter=fmt, threshold=1000,
                               edgeitems=3, max_line_width=80).replace(", ...,", ",  ...,")  # torch's gap
    if t.grad_fn is not None:
        extras.append("grad_fn=<%s>" % t.grad_fn.name())
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
