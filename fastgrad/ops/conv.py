"""Convolution on arrays: conv1d and conv2d (batched or not) as one Function over the C kernels
``fg_conv2d_fwd_*`` / ``fg_conv2d_bwd_*`` (csrc/conv.c: a direct kernel for small channel counts and
depthwise, csrc/conv_direct.c, else im2col + the packed GEMM; chosen per product by the rule there).

Every convolution reaches C as a batched 2-D one: a 1-d input (N, C, L) is (N, C, 1, L), an
unbatched input gets N = 1.  Asymmetric zero padding (torch's ``padding='same'`` with an even
total) pads the extra row/column on the far side with a zero-padded copy, as torch does.
"""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["Convolution", "ConvTranspose", "conv_geometry"]

_FWD, _BWD = kernels("conv2d_fwd"), kernels("conv2d_bwd")
_I64 = CTYPES[np.dtype(np.int64)]


def conv_geometry(x4, w4, stride, padding, dilation, groups):
    """The int64 geometry array of csrc/conv.c for 4-D shapes x4, w4 and 2-tuples of settings:
    N C H W OC KH KW OH OW sh sw ph pw dh dw groups."""
    n, c, h, w = x4
    oc, _, kh, kw = w4
    oh = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return np.array([n, c, h, w, oc, kh, kw, oh, ow, stride[0], stride[1], padding[0], padding[1],
                     dilation[0], dilation[1], groups], np.int64)


def _check(err, op, g):
    if err == -1:
        raise MemoryError(f"{op}: cannot allocate the im2col workspace for geometry {g.tolist()}")
    if err:
        raise RuntimeError(f"{op}: the C kernel refused geometry {g.tolist()} (error {err})")


@register("convolution")
class Convolution(Function):
    """y[n, o] = b[o] + sum_{c in o's group} w[o, c] (*) x[n, c]  (cross-correlation with stride,
    zero padding, dilation; torch's conv1d/conv2d).  dx = col2im(W^T dy), dW = sum_n dy col(x)^T,
    db = sum dy over batch and positions.

    forward(x, w, b, geo): b may be None; geo = (x4, w4, stride, padding, dilation, groups,
    extra, out_shape) with x4/w4 the 4-D views, ``extra`` the (rows, cols) of zeros added on the
    far side before the symmetric padding, and out_shape the shape y is returned in."""

    @staticmethod
    def forward(ctx, x, w, b, geo):
        x4, w4, stride, padding, dilation, groups, extra, out_shape = geo
        xs = contiguous(x).reshape(x4)
        if extra[0] or extra[1]:
            xs = np.pad(xs, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])))
        ws = contiguous(w).reshape(w4)
        g = conv_geometry(xs.shape, w4, stride, padding, dilation, groups)
        dt = xs.dtype
        ct = CTYPES[dt]
        y = np.empty((g[0], g[4], g[7], g[8]), dt)
        pb = NULL
        if b is not None:
            b = contiguous(b)
            pb = from_buffer(ct, b)
        _check(_FWD[dt](from_buffer(_I64, g), from_buffer(ct, xs), from_buffer(ct, ws), pb,
                        from_buffer(ct, y, True)), "conv", g)
        ctx.save_for_backward(xs, ws)
        ctx.geo = (g, x.shape, w.shape, extra)
        return y.reshape(out_shape)

    @staticmethod
    def backward(ctx, dy):
        xs, ws = ctx.saved
        g, x_shape, w_shape, extra = ctx.geo
        need = ctx.needs_input_grad
        dt = xs.dtype
        ct = CTYPES[dt]
        dy = contiguous(dy).astype(dt, copy=False)
        dx = np.empty(xs.shape, dt) if need[0] else None
        dw = np.empty(ws.shape, dt) if need[1] else None
        db = np.empty(int(g[4]), dt) if need[2] else None
        p = [NULL if a is None else from_buffer(ct, a, True) for a in (dx, dw, db)]
        _check(_BWD[dt](from_buffer(_I64, g), from_buffer(ct, xs), from_buffer(ct, ws), from_buffer(ct, dy),
                        *p), "conv backward", g)
        if dx is not None:
            if extra[0] or extra[1]:
                dx = dx[:, :, :dx.shape[2] - extra[0], :dx.shape[3] - extra[1]]
            dx = contiguous(dx).reshape(x_shape)
        if dw is not None:
            dw = dw.reshape(w_shape)
        return dx, dw, db, None


@register("conv_transpose")
class ConvTranspose(Function):
    """y = conv^T(x; w) + b: the adjoint of the convolution whose input has y's shape and whose
    output has x's (torch's conv_transpose1d/2d; w is (in, out / groups, kH, kW)).  Forward is the
    convolution's input gradient (W^T x -> col2im), dx = conv(dy; w), dW = the convolution's weight
    gradient with input dy and output gradient x, db = sum dy.

    forward(x, w, b, geo): geo = (x4, w4, y4, stride, padding, dilation, groups, out_shape)."""

    @staticmethod
    def forward(ctx, x, w, b, geo):
        x4, w4, y4, stride, padding, dilation, groups, out_shape = geo
        xs = contiguous(x).reshape(x4)
        ws = contiguous(w).reshape(w4)
        g = np.array([y4[0], y4[1], y4[2], y4[3], w4[0], w4[2], w4[3], x4[2], x4[3], stride[0], stride[1],
                      padding[0], padding[1], dilation[0], dilation[1], groups], np.int64)
        dt = xs.dtype
        ct = CTYPES[dt]
        y = np.empty(y4, dt)
        _check(_BWD[dt](from_buffer(_I64, g), NULL, from_buffer(ct, ws), from_buffer(ct, xs), from_buffer(ct, y, True),
                        NULL, NULL), "conv_transpose", g)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        ctx.save_for_backward(xs, ws)
        ctx.geo = (g, x.shape, w.shape)
        return y.reshape(out_shape)

    @staticmethod
    def backward(ctx, dy):
        xs, ws = ctx.saved
        g, x_shape, w_shape = ctx.geo
        need = ctx.needs_input_grad
        dt = xs.dtype
        ct = CTYPES[dt]
        dy = contiguous(dy).astype(dt, copy=False).reshape(int(g[0]), int(g[1]), int(g[2]), int(g[3]))
        pg, pdy, pw = from_buffer(_I64, g), from_buffer(ct, dy), from_buffer(ct, ws)
        dx = dw = db = None
        if need[0]:
            dx = np.empty(xs.shape, dt)
            _check(_FWD[dt](pg, pdy, pw, NULL, from_buffer(ct, dx, True)), "conv_transpose backward", g)
            dx = dx.reshape(x_shape)
        if need[1]:
            dw = np.empty(ws.shape, dt)
            _check(_BWD[dt](pg, pdy, pw, from_buffer(ct, xs), NULL, from_buffer(ct, dw, True), NULL),
                   "conv_transpose backward", g)
            dw = dw.reshape(w_shape)
        if need[2]:
            db = dy.sum(axis=(0, 2, 3), dtype=np.float64).astype(dt)
        return dx, dw, db, None
