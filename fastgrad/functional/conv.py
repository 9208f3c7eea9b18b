"""Convolutions at the Tensor level: conv1d, conv2d and their transposes with torch's arguments, checks and error
messages (each prefixed with the op's name), then ``ops.conv.Convolution``; conv3d.py reuses the checks.

    y[n, o] = b[o] + sum_{c in o's group} w[o, c] (*) x[n, c]   (cross-correlation)
    out = floor((in + 2 pad - dilation (k - 1) - 1) / stride) + 1 per spatial dim
"""
from fastgrad.functional._promote import float_input
from fastgrad.ops.conv import Convolution, ConvTranspose
from fastgrad.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

_apply = Convolution.apply


def _ntuple(v, d, name, op):
    """An int or a sequence of d ints as a d-tuple (torch's message otherwise)."""
    if isinstance(v, int) and not isinstance(v, bool):
        return (v,) * d
    t = tuple(v)
    if len(t) == 1:
        t = t * d
    if len(t) != d or not all(isinstance(e, int) and not isinstance(e, bool) for e in t):
        raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of {d} values to "
                           f"match the convolution dimensions, but got {name}={list(t)}")
    return t


def _size(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _operands(input, weight, d, op):
    """(x, w, x's shape, w's shape) after torch's checks of a d-dim convolution's input and weight:
    float tensors of one dtype, input (N, C, *d) or (C, *d), weight of rank d + 2."""
    x, w = float_input(input, op), float_input(weight, op)
    xs, ws = tuple(x.shape), tuple(w.shape)
    if len(xs) not in (d + 1, d + 2):
        raise RuntimeError(f"{op}: Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {op}, but got "
                           f"input of size: {_size(xs)}")
    if len(ws) != d + 2:
        raise RuntimeError(f"{op}: expected weight to be {d + 2}-dimensional, but got weight of size {_size(ws)}")
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"{op}: expected input and weight to have the same dtype, but got "
                           f"{x._data.dtype} and {w._data.dtype}")
    return x, w, xs, ws


def _conv(input, weight, bias, stride, padding, dilation, groups, d, op, impl=None):
    """torch's checks, then the kernel (or ``impl``, given the checked arguments, for d = 3)."""
    x, w, xs, ws = _operands(input, weight, d, op)
    stride = _ntuple(stride, d, "stride", op)
    dilation = _ntuple(dilation, d, "dilation", op)
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported")
    if any(s <= 0 for s in dilation):
        raise RuntimeError(f"{op}: non-positive dilation is not supported")
    ksize = ws[2:]
    extra = (0,) * max(d, 2)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * d
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
            total = [dl * (k - 1) for dl, k in zip(dilation, ksize)]
            padding = tuple(t // 2 for t in total)
            extra = tuple(t % 2 for t in total)
            extra = (0,) + extra if d == 1 else extra
        else:
            raise RuntimeError(f"{op}: Invalid padding string: '{padding}'")
    else:
        padding = _ntuple(padding, d, "padding", op)
        if any(p < 0 for p in padding):
            raise RuntimeError(f"{op}: negative padding is not supported")
    batched = len(xs) == d + 2
    xb = xs if batched else (1,) + xs
    cin = xb[1]
    if ws[0] < groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be at least {groups} at dimension 0, but "
                           f"got weight of size {_size(ws)} instead")
    if ws[0] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{_size(ws)}] instead")
    if ws[1] * groups != cin:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {_size(ws)}, expected input{_size(xb)} "
                           f"to have {ws[1] * groups} channels, but got {cin} channels instead")
    spatial = xb[2:]
    padded = [s + 2 * p + e for s, p, e in zip(spatial, padding, extra[len(extra) - d:])]
    eff = [dl * (k - 1) + 1 for dl, k in zip(dilation, ksize)]
    if any(p < k for p, k in zip(padded, eff)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           f"actual input size")
    if bias is not None:
        bias = float_input(bias, op)
        if tuple(bias.shape) != (ws[0],):
            raise RuntimeError(f"{op}: Given weight of size {_size(ws)}, expected bias to be 1-dimensional with "
                               f"{ws[0]} elements, but got bias of size {_size(bias.shape)} instead")
        if bias._data.dtype != x._data.dtype:
            raise RuntimeError(f"{op}: expected input and bias to have the same dtype, but got "
                               f"{x._data.dtype} and {bias._data.dtype}")
    out = [(p - e) // s + 1 for p, e, s in zip(padded, eff, stride)]
    out_shape = (xb[0], ws[0], *out) if batched else (ws[0], *out)
    if impl is not None:
        return impl(x, w, bias, stride, padding, dilation, groups, extra, out_shape)
    if d == 1:
        x4, w4 = (xb[0], cin, 1, xb[2]), (ws[0], ws[1], 1, ws[2])
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
    else:
        x4, w4 = xb, ws
    return _apply(x, w, bias, (x4, w4, stride, padding, dilation, groups, extra, out_shape))


def conv2d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """y = weight (*) input + bias over (H, W); input (N, C, H, W) or (C, H, W), weight
    (out, C / groups, kH, kW); padding an int, a pair, 'valid' or 'same'."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """y = weight (*) input + bias over L; input (N, C, L) or (C, L), weight (out, C / groups, k)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, d, op, impl=None):
    """torch's checks, then the kernel (or ``impl``, given the checked arguments, for d = 3)."""
    x, w, xs, ws = _operands(input, weight, d, op)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    stride, padding = _ntuple(stride, d, "stride", op), _ntuple(padding, d, "padding", op)
    output_padding, dilation = _ntuple(output_padding, d, "output_padding", op), _ntuple(dilation, d, "dilation", op)
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported")
    if any(s <= 0 for s in dilation):
        raise RuntimeError(f"{op}: non-positive dilation is not supported")
    if any(p < 0 for p in padding) or any(p < 0 for p in output_padding):
        raise RuntimeError(f"{op}: negative padding is not supported")
    if any(o >= s and o >= dl for o, s, dl in zip(output_padding, stride, dilation)):
        names = ("depth", "height", "width")[3 - d:]
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, but got "
                           + " ".join(f"output_padding_{n}: {v}" for n, v in zip(names, output_padding)) + " "
                           + " ".join(f"stride_{n}: {v}" for n, v in zip(names, stride)) + " "
                           + " ".join(f"dilation_{n}: {v}" for n, v in zip(names, dilation)))
    batched = len(xs) == d + 2
    xb = xs if batched else (1,) + xs
    if ws[0] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{_size(ws)}] instead")
    if ws[0] != xb[1]:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {_size(ws)}, expected input{_size(xb)} to have "
                           f"{ws[0]} channels, but got {xb[1]} channels instead")
    cout = ws[1] * groups
    if bias is not None:
        bias = float_input(bias, op)
        if tuple(bias.shape) != (cout,):
            raise RuntimeError(f"{op}: Given transposed=1, weight of size {_size(ws)}, expected bias to be "
                               f"1-dimensional with {cout} elements, but got bias of size {_size(bias.shape)} instead")
    out = [(n - 1) * s - 2 * p + dl * (k - 1) + o + 1
           for n, s, p, dl, k, o in zip(xb[2:], stride, padding, dilation, ws[2:], output_padding)]
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: Given input size per channel: ({' x '.join(map(str, xb[2:]))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, out))}). Output size is too small")
    out_shape = (xb[0], cout, *out) if batched else (cout, *out)
    if impl is not None:
        return impl(x, w, bias, stride, padding, output_padding, dilation, groups, out_shape)
    if d == 1:
        x4, w4, y4 = (xb[0], xb[1], 1, xb[2]), (ws[0], ws[1], 1, ws[2]), (xb[0], cout, 1, out[0])
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
    else:
        x4, w4, y4 = xb, ws, (xb[0], cout, *out)
    return ConvTranspose.apply(x, w, bias, (x4, w4, y4, stride, padding, dilation, groups, out_shape))


def conv_transpose2d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv2d (a 'deconvolution'): weight (in, out / groups, kH, kW); output size
    (in - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d")


def conv_transpose1d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv1d: weight (in, out / groups, k)."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d")
