"""Pooling at the Tensor level: max_pool2d, avg_pool2d, adaptive_avg_pool2d with torch's arguments,
output sizes and error messages, then ``ops.pool``; the 1-d versions run them on (..., 1, L) views.

    out = floor((in + 2 pad - dilation (k - 1) - 1 + (ceil_mode ? stride - 1 : 0)) / stride) + 1,
    minus one when ceil_mode puts the last window's start past in + pad (torch's rule)
"""
from fastgrad.functional._promote import float_input
from fastgrad.ops.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, PoolArgs
from fastgrad.tensor import Tensor

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d"]

_make = Tensor._make


def _pair(v, what, op):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    t = tuple(v)
    if len(t) == 1:
        t = t * 2
    if len(t) != 2 or not all(isinstance(e, int) for e in t):
        raise RuntimeError(f"{op}: {what} must either be {'omitted, ' if what == 'stride' else ''}a single int, "
                           f"or a tuple of two ints")
    return t


def _out_size(n, k, pad, stride, dil, ceil_mode, op):
    if stride == 0:
        raise RuntimeError(f"{op}: stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"{op}: pad must be non-negative, but got pad: {pad}")
    if pad > ((k - 1) * dil + 1) // 2:
        raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={pad}, "
                           f"kernel_size={k} and dilation={dil}")
    out = (n + 2 * pad - dil * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def _setup(input, kernel_size, stride, padding, dilation, ceil_mode, op):
    x = float_input(input, op)
    k = _pair(kernel_size, "kernel_size", op)
    empty = stride is None or (not isinstance(stride, int) and len(tuple(stride)) == 0)
    s = k if empty else _pair(stride, "stride", op)
    p = _pair(padding, "padding", op)
    d = _pair(dilation, "dilation", op)
    shape = tuple(x.shape)
    if len(shape) not in (3, 4):
        if op == "avg_pool2d":
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-max(len(shape), 1)}, "
                             f"{max(len(shape), 1) - 1}], but got -3)")
        raise RuntimeError(f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input")
    out = tuple(_out_size(shape[-2 + i], k[i], p[i], s[i], d[i], ceil_mode, op) for i in (0, 1))
    if min(k) <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kH: {k[0]} kW: {k[1]}")
    if min(s) <= 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got dH: {s[0]} dW: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilationH: {d[0]} dilationW: {d[1]}")
    if 0 in shape[-3:]:
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(shape)}")
    if min(out) < 1:
        raise RuntimeError(f"{op}: Given input size: ({shape[-3]}x{shape[-2]}x{shape[-1]}). Calculated output "
                           f"size: ({shape[-3]}x{out[0]}x{out[1]}). Output size is too small")
    return x, k, s, p, d, out


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """y = max over each window of (N, C, H, W) or (C, H, W); with return_indices also the flat
    index h W + w of each max within its plane (int64)."""
    x, k, s, p, d, out = _setup(input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    a = PoolArgs(out, k, s, p, d)
    y = MaxPool2d.apply1(x, a)
    return (y, _make(a.indices)) if return_indices else y


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None):
    """y = window sum / divisor (divisor_override, else the window size counting padding when
    count_include_pad, else the elements inside the input)."""
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    x, k, s, p, d, out = _setup(input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    return AvgPool2d.apply1(x, PoolArgs(out, k, s, p, d, bool(count_include_pad), int(divisor_override or 0)))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """y[oh, ow] = mean of x over rows [floor(oh H / OH), ceil((oh + 1) H / OH)) and likewise
    columns; None in output_size keeps that input size."""
    op = "adaptive_avg_pool2d"
    x = float_input(input, op)
    shape = tuple(x.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"{op}(): Expected 3D or 4D tensor, but got {list(shape)}")
    size = (output_size, output_size) if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(size) != 2:
        raise RuntimeError(f"{op}: output_size must be 2")
    size = tuple(shape[-2 + i] if v is None else v for i, v in enumerate(size))
    if min(size) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{size[0]}, {size[1]}}}")
    for i in range(1, len(shape)):
        if shape[i] == 0 and not (len(shape) == 3 and i == 0):
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(shape)} with dimension {i} being empty")
    if len(shape) == 3 and shape[0] == 0:
        raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                           f"has sizes {list(shape)} with dimension 0 being empty")
    return AdaptiveAvgPool2d.apply1(x, size)


def _single(v, what, op):
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    t = tuple(v)
    if len(t) != 1:
        raise RuntimeError(f"{op}() {what} must be an int, list of ints or tuple of ints of size 1 but got size "
                           f"{len(t)}")
    return t[0]


def _as_2d(x, op, adaptive=False):
    """(input viewed as (..., 1, L), whether it was 2-d) after torch's rank check for a 1-d pool."""
    nd = x.dim()
    if nd not in (2, 3) or (not adaptive and op == "max_pool1d" and 0 in tuple(x.shape)[-2:]):
        if op == "max_pool1d":
            raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                               f"input, but got:{list(x.shape)}")
        raise RuntimeError(f"{op}: Expected 2 to 3 dimensions, but got {nd}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {op})")
    return x.unsqueeze(-2)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """max_pool2d over the last dim of (N, C, L) or (C, L): y = max over each window (indices: l)."""
    op = "max_pool1d"
    x = float_input(input, op)
    k = _single(kernel_size, "kernel_size", op)
    s = k if stride is None or (not isinstance(stride, int) and len(tuple(stride)) == 0) else _single(stride,
                                                                                                    "stride", op)
    p, d = _single(padding, "padding", op), _single(dilation, "dilation", op)
    if s <= 0:
        raise RuntimeError(f"{op}() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"{op}() padding must be non-negative, but got {p}")
    if d <= 0:
        raise RuntimeError(f"{op}() dilation must be greater than zero, but got {d}")
    if p > k // 2:
        raise RuntimeError(f"{op}() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    x2 = _as_2d(x, op)
    if _out_size(x.shape[-1], k, p, s, d, ceil_mode, op) < 1:
        raise RuntimeError(f"{op}() Invalid computed output size: "
                           f"{_out_size(x.shape[-1], k, p, s, d, ceil_mode, op)}")
    y = max_pool2d(x2, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return y[0].squeeze(-2), y[1].squeeze(-2)
    return y.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """avg_pool2d over the last dim of (N, C, L) or (C, L)."""
    op = "avg_pool1d"
    x = _as_2d(float_input(input, op), op)
    k = _single(kernel_size, "kernel_size", op)
    s = k if stride is None or (not isinstance(stride, int) and len(tuple(stride)) == 0) else _single(stride,
                                                                                                    "stride", op)
    try:
        y = avg_pool2d(x, (1, k), (1, s), (0, _single(padding, "padding", op)), ceil_mode, count_include_pad)
    except RuntimeError as e:  # the 2-d check's message, under this op's name (torch's wording)
        raise RuntimeError(str(e).replace("avg_pool2d: ", f"{op}: ")) from None
    return y.squeeze(-2)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """adaptive_avg_pool2d over the last dim of (N, C, L) or (C, L)."""
    op = "adaptive_avg_pool1d"
    x = _as_2d(float_input(input, op), op, adaptive=True)
    if not isinstance(output_size, int):
        t = tuple(output_size)
        if len(t) != 1:
            raise RuntimeError(f"{op}() argument 'output_size' should contain one int (got {len(t)})")
        output_size = t[0]
    return adaptive_avg_pool2d(x, (1, output_size)).squeeze(-2)
