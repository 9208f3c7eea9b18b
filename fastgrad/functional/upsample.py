"""Resampling at the Tensor level: F.interpolate (nearest, nearest-exact, linear, bilinear, trilinear,
area) and F.pixel_shuffle / pixel_unshuffle, with torch's output sizes and source-index rules.
Linear modes are separable: one 1-D pass per spatial dim, each a pair of index selections
(whose gradients scatter back) blended by fixed weights.

    nearest:        src = min(floor(dst * scale), in - 1)            scale = in / out or 1 / scale_factor
    nearest-exact:  src = min(floor((dst + 0.5) * scale), in - 1)
    linear:         src = scale (dst + 0.5) - 0.5, clamped at 0       (align_corners=False)
                    src = dst (in - 1) / (out - 1)                    (align_corners=True)
                    y = (1 - λ) x[floor(src)] + λ x[floor(src) + 1],  λ = src - floor(src)
"""
import math

import numpy as np

from fastgrad.lowp import via_float32
from fastgrad.functional import elementwise as E
from fastgrad.functional._promote import float_input
from fastgrad.functional.indexing import getitem
from fastgrad.functional.pool import adaptive_avg_pool1d, adaptive_avg_pool2d
from fastgrad.functional.shape import permute, reshape
from fastgrad.tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle"]

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")


def _sizes(x, size, scale_factor, recompute_scale_factor):
    """(output sizes, scales to use for the source index or None per dim), torch's rules."""
    dims = x.dim() - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        out = [size] * dims if isinstance(size, int) else list(size)
        if len(out) != dims:
            raise ValueError(f"interpolate: Input and output must have the same number of spatial dimensions, but "
                             f"got input with spatial dimensions of {list(x.shape[2:])} and output size of "
                             f"{out}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size "
                             f"in (o1, o2, ...,oK) format.")
        return [int(o) for o in out], [None] * dims
    scales = [float(scale_factor)] * dims if isinstance(scale_factor, (int, float)) else \
        [float(s) for s in scale_factor]
    if len(scales) != dims:
        raise ValueError(f"interpolate: Input and scale_factor must have the same number of spatial dimensions, but "
                         f"got input with spatial dimensions of {list(x.shape[2:])} and scale_factor of shape "
                         f"{scales}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                         f"scale_factor in (s1, s2, ...,sK) format.")
    out = [int(math.floor(n * s)) for n, s in zip(x.shape[2:], scales)]
    return out, ([None] * dims if recompute_scale_factor else scales)


def _scale(n_in, n_out, scale, dt):
    """torch's compute_scales_value, in the input's float type."""
    return dt.type(1.0 / scale) if scale is not None and scale > 0 else dt.type(n_in) / dt.type(n_out)


def _take(x, dim, idx):
    """x with dimension ``dim`` replaced by x[..., idx, ...] (gradients scatter back, summing repeats)."""
    return getitem(x, (slice(None),) * dim + (idx,))


def _nearest(x, dim, n_out, scale, exact):
    n_in = x.shape[dim]
    dt = x._data.dtype
    if n_out == n_in and not exact:
        return x
    s = _scale(n_in, n_out, scale, dt)
    dst = np.arange(n_out, dtype=dt) + (dt.type(0.5) if exact else dt.type(0))
    src = np.minimum(np.floor(dst * s).astype(np.int64), n_in - 1)
    return _take(x, dim, src)


def _linear(x, dim, n_out, scale, align_corners):
    n_in = x.shape[dim]
    dt = x._data.dtype
    dst = np.arange(n_out, dtype=dt)
    if align_corners:
        src = dst * (dt.type(n_in - 1) / dt.type(n_out - 1)) if n_out > 1 else np.zeros(n_out, dt)
    else:
        src = np.maximum(_scale(n_in, n_out, scale, dt) * (dst + dt.type(0.5)) - dt.type(0.5), dt.type(0))
    i0 = np.minimum(src.astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = (src - i0.astype(dt)).astype(dt)
    shape = [1] * x.dim()
    shape[dim] = n_out
    lam = lam.reshape(shape)
    return E.add(E.mul(_take(x, dim, i0), (1 - lam).astype(dt)), E.mul(_take(x, dim, i1), lam))


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resample the spatial dims of input (N, C, *spatial) to ``size`` or by ``scale_factor``."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(interpolate, input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                           antialias)
    x = float_input(input, "interpolate")
    if mode not in _MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.dim()}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if align_corners is not None and mode not in ("linear", "bilinear", "trilinear", "bicubic"):
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode == "bicubic":
        raise NotImplementedError("interpolate: mode='bicubic' is not supported yet (nearest, nearest-exact, "
                                  "linear, bilinear, trilinear and area are)")
    dims = x.dim() - 2
    if dims < 1 or dims > 3 or (mode in _LINEAR and _LINEAR[mode] != dims):
        want = {"linear": "3D", "bilinear": "4D", "trilinear": "5D"}.get(mode)
        raise NotImplementedError(f"interpolate: got {x.dim()}D input, but {mode} mode needs {want} input"
                                  if want else f"interpolate: only 3D, 4D and 5D input Tensors are supported "
                                  f"(got {x.dim()}D) for mode {mode}")
    out, scales = _sizes(x, size, scale_factor, recompute_scale_factor)
    if any(o <= 0 for o in out):
        raise RuntimeError(f"interpolate: Input and output sizes should be greater than 0, but got input "
                           f"{list(x.shape[2:])} output {out}")
    if mode == "area":
        if dims == 3:
            raise NotImplementedError("interpolate: mode='area' supports 3D and 4D input")
        return adaptive_avg_pool1d(x, out[0]) if dims == 1 else adaptive_avg_pool2d(x, out)
    y = x
    for d in range(dims):
        if mode in _LINEAR:
            y = _linear(y, 2 + d, out[d], scales[d], bool(align_corners))
        else:
            y = _nearest(y, 2 + d, out[d], scales[d], mode == "nearest-exact")
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (torch keeps it)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r², H, W) -> (*, C, H r, W r): y[c, h r + i, w r + j] = x[c r² + i r + j, h, w]."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    y = reshape(input, (*lead, c // (r * r), r, r, h, w))
    y = permute(y, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r², H, W), the inverse of pixel_shuffle."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        which, n = ("height", h) if h % r else ("width", w)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by downscale_factor, but "
                           f"input.size({-2 if which == 'height' else -1})={n} is not divisible by {r}")
    k = len(lead)
    y = reshape(input, (*lead, c, h // r, r, w // r, r))
    y = permute(y, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return reshape(y, (*lead, c * r * r, h // r, w // r))
