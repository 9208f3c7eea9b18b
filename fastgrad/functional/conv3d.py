"""3-D convolutions (torch's F.conv3d / F.conv_transpose3d) composed from the 2-D kernels: the checks are
conv.py's, then the depth axis is folded into the batch so each call is one large conv2d.

    conv3d:  y[n, :, od] = sum_j conv2d(x[n, :, od sD + j dD], w[:, :, j])   (the depth taps are stacked
             along the channels: one conv2d over (N Do, kD C, H, W) slabs)
    conv_transpose3d: its adjoint, one conv_transpose2d over (N Di, C, H, W) whose kD outputs per plane
             are added (index_add) at depths i sD + j dD - pD
"""
import numpy as np

from fastgrad.functional.conv import _conv, _conv_t, conv2d, conv_transpose2d
from fastgrad.functional.gather_scatter import index_add
from fastgrad.functional.pad import pad
from fastgrad.functional.shape import stack
from fastgrad.tensor import Tensor

__all__ = ["conv3d", "conv_transpose3d"]


def _conv3d(x, w, bias, stride, padding, dilation, groups, extra, out_shape):
    """y = conv3d(x, w) + bias for checked arguments (extra: the odd 'same' padding on the high side)."""
    xb = x if x.dim() == 5 else x.unsqueeze(0)
    n, c, _, h, wd = xb.shape
    o, cg, kd, kh, kw = w.shape
    (sd, sh, sw), (pd, ph, pw), (dd, dh, dw) = stride, padding, dilation
    do, ho, wo = out_shape[-3:]
    if pd or any(extra):
        xb = pad(xb, (0, extra[2], 0, extra[1], pd, pd + extra[0]))
        h, wd = h + extra[1], wd + extra[2]
    dp = xb.shape[2]
    xt = xb.permute(0, 2, 1, 3, 4).reshape(n, dp, groups, c // groups, h, wd)
    span = (do - 1) * sd + 1
    slabs = [xt[:, j * dd:j * dd + span:sd] for j in range(kd)]  # each (N, Do, g, C/g, H, W)
    cols = stack(slabs, 3).reshape(n * do, kd * c, h, wd)         # channels ordered (g, kD, C/g)
    w2 = w.permute(0, 2, 1, 3, 4).reshape(o, kd * cg, kh, kw)
    y = conv2d(cols, w2, None, (sh, sw), (ph, pw), (dh, dw), groups)
    y = y.reshape(n, do, o, ho, wo).permute(0, 2, 1, 3, 4).contiguous()
    if bias is not None:
        y = y + bias.reshape(1, o, 1, 1, 1)
    return y if x.dim() == 5 else y.squeeze(0)


def _conv_t3d(x, w, bias, stride, padding, output_padding, dilation, groups, out_shape):
    """y = conv_transpose3d(x, w) + bias for checked arguments."""
    xb = x if x.dim() == 5 else x.unsqueeze(0)
    n, cin, di, hi, wi = xb.shape
    _, cog, kd, kh, kw = w.shape
    (sd, sh, sw), (pd, ph, pw), (opd, oph, opw) = stride, padding, output_padding
    dd, dh, dw = dilation
    do, ho, wo = out_shape[-3:]
    xt = xb.permute(0, 2, 1, 3, 4).reshape(n * di, cin, hi, wi)
    w2 = w.permute(0, 2, 1, 3, 4).reshape(cin, kd * cog, kh, kw)  # out channels ordered (g, kD, C/g)
    y = conv_transpose2d(xt, w2, None, (sh, sw), (ph, pw), (oph, opw), groups, (dh, dw))
    m = groups * cog * ho * wo
    y = y.reshape(n, di, groups, kd, cog * ho * wo).permute(0, 1, 3, 2, 4).reshape(n, di * kd, m)
    full = (di - 1) * sd + dd * (kd - 1) + 1 + opd
    depth = (np.arange(di)[:, None] * sd + np.arange(kd)[None, :] * dd).ravel()  # where plane (i, j) lands
    buf = index_add(Tensor._make(np.zeros((n, full, m), y._data.dtype)), 1, depth, y)
    out = buf[:, pd:pd + do].reshape(n, do, groups * cog, ho, wo).permute(0, 2, 1, 3, 4).contiguous()
    if bias is not None:
        out = out + bias.reshape(1, groups * cog, 1, 1, 1)
    return out if x.dim() == 5 else out.squeeze(0)


def conv3d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """y = weight (*) input + bias over (D, H, W); input (N, C, D, H, W) or (C, D, H, W), weight
    (out, C / groups, kD, kH, kW); padding an int, a triple, 'valid' or 'same'."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d", _conv3d)


def conv_transpose3d(input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv3d: weight (in, out / groups, kD, kH, kW); output size per dim
    (in - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 3, "conv_transpose3d",
                   _conv_t3d)
