"""F.affine_grid and F.grid_sample for 4-D (N, C, H, W) inputs, composed from differentiable ops: a matmul for
the grid, and for sampling the source coordinates as Tensors of the grid, four gathers and their bilinear weights.

    affine_grid: grid[n, h, w] = theta[n] @ (x_w, y_h, 1)   (x, y evenly spaced in [-1, 1])
    grid_sample: x = ((g_x + 1) W - 1) / 2  (align_corners=False)  or  (g_x + 1) (W - 1) / 2  (True);
                 y likewise; padding_mode border clips x to [0, W - 1], reflection reflects it about the edges
                 (then clips); out = sum over the 4 neighbours of (1 - |x - x_i|)(1 - |y - y_i|) input[y_i, x_i]
                 (zeros outside for padding_mode 'zeros'); nearest takes the neighbour at round-half-even(x, y).
"""
import warnings

import numpy as np

from fastgrad.lowp import LOWP
from fastgrad.functional._promote import to_dtype
from fastgrad.functional.elementwise import add, mul, sub, where
from fastgrad.functional.indexing import gather
from fastgrad.functional.linalg import matmul
from fastgrad.functional.shape import expand, reshape, transpose
from fastgrad.tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_WARN = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
         "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for "
         "details.")


def _linspace(n, align_corners, dt):
    if n <= 1:
        return np.zeros(max(n, 1), dt)
    r = np.linspace(-1.0, 1.0, n)
    return (r if align_corners else r * (n - 1) / n).astype(dt)


def affine_grid(theta: Tensor, size, align_corners=None) -> Tensor:
    """The (N, H, W, 2) sampling grid of the 2-D affine maps theta (N, 2, 3) for an output of size (N, C, H, W)."""
    if align_corners is None:
        warnings.warn(_WARN, UserWarning, stacklevel=2)
        align_corners = False
    if theta._data.dtype.kind not in "fV":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 5:
        raise NotImplementedError("affine_grid: 3-D (5-D size) affine grids are not supported by fastgrad; "
                                  f"got size {size}")
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if theta.dim() != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                         f"{list(theta.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    n, _, h, w = size
    if theta.shape[0] != n:
        raise RuntimeError(f"affine_grid: expected theta of batch size {n} for size {size}, but got theta of size "
                           f"{list(theta.shape)}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    dt = theta._data.dtype
    if dt in LOWP:  # float16 / bfloat16: in float32, rounded once at the end (as torch's CPU)
        return to_dtype(affine_grid(to_dtype(theta, np.dtype(np.float32)), size, align_corners), dt)
    base = np.empty((h, w, 3), dt)
    base[..., 0] = _linspace(w, align_corners, dt)[None, :]
    base[..., 1] = _linspace(h, align_corners, dt)[:, None]
    base[..., 2] = 1
    grid = matmul(Tensor._make(base.reshape(1, h * w, 3)), transpose(theta, 1, 2))     # (N, H W, 2)
    return reshape(grid, (n, h, w, 2))


def _clip(x, hi):
    """clip(x, 0, hi) with torch's gradient: 1 strictly inside, 0 at and beyond the edges."""
    inside = Tensor._make((x._data > 0) & (x._data < hi))
    return where(inside, x, Tensor._make(np.clip(x._data, 0, hi)))


def _source(g, n_in, align_corners, padding_mode):
    """The source coordinate (a Tensor of the grid coordinate g) in pixels, after the padding mode."""
    x = mul(add(g, 1.0), (n_in - 1) / 2) if align_corners else sub(mul(add(g, 1.0), n_in / 2), 0.5)
    if padding_mode == "border":
        return _clip(x, n_in - 1)
    if padding_mode == "reflection":
        lo, hi = (0.0, 2.0 * (n_in - 1)) if align_corners else (-1.0, 2.0 * n_in - 1)
        if lo == hi:
            return mul(x, 0.0)
        low, span = lo / 2, (hi - lo) / 2
        d = sub(x, low)
        d = mul(d, Tensor._make(np.where(d._data < 0, -1.0, 1.0).astype(d._data.dtype)))   # |x - low|, d/dx = +-1
        flips = np.floor(d._data / span)
        extra = sub(d, Tensor._make((flips * span).astype(d._data.dtype)))                 # fmod(d, span)
        even = Tensor._make(flips % 2 == 0)
        return _clip(add(where(even, extra, sub(span, extra)), low), n_in - 1)
    return x


def _sample(flat, ix, iy, h, w, c):
    """input values at integer pixel (iy, ix) per output point (N, P) as (N, C, P), 0 outside the image."""
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    idx = np.where(inside, np.clip(iy, 0, h - 1) * w + np.clip(ix, 0, w - 1), 0).astype(np.int64)
    n, p = idx.shape
    vals = gather(flat, 2, np.broadcast_to(idx[:, None, :], (n, c, p)).copy())
    return vals, inside[:, None, :]


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners=None) -> Tensor:
    """out[n, c, i, j] = input[n, c] sampled at grid[n, i, j] = (x, y) in [-1, 1] (bilinear or nearest; zeros, border
    or reflection padding).  4-D input and grid only."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported by fastgrad (bilinear, nearest)")
    if align_corners is None:
        warnings.warn(_WARN, UserWarning, stacklevel=2)
        align_corners = False
    xs, gs = tuple(input.shape), tuple(grid.shape)
    if input.dim() == 5 and grid.dim() == 5:
        raise NotImplementedError("grid_sample: 5-D (volumetric) input is not supported by fastgrad; 4-D only")
    if input.dim() != 4 or grid.dim() != 4:
        if input.dim() == grid.dim() or xs[0] == gs[0]:
            raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of dimensions, but got "
                               f"input with sizes {list(xs)} and grid with sizes {list(gs)}")
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(xs)} and grid with sizes {list(gs)}")
    if xs[0] != gs[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(xs)} and grid with sizes {list(gs)}")
    if gs[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes "
                           f"{list(gs)}")
    for d in (2, 3):
        if xs[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(xs)} with dimension {d} being empty")
    if input._data.dtype != grid._data.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but got input "
                           f"{input.dtype} and grid {grid.dtype}")
    if input._data.dtype in LOWP:
        f32 = np.dtype(np.float32)
        out = grid_sample(to_dtype(input, f32), to_dtype(grid, f32), mode, padding_mode, align_corners)
        return to_dtype(out, input._data.dtype)
    n, c, h, w = xs
    p = gs[1] * gs[2]
    g = reshape(grid, (n, p, 2))
    x = _source(reshape(g[:, :, 0], (n, p)), w, align_corners, padding_mode)
    y = _source(reshape(g[:, :, 1], (n, p)), h, align_corners, padding_mode)
    flat = reshape(input, (n, c, h * w))
    if mode == "nearest":
        vals, inside = _sample(flat, np.rint(x._data).astype(np.int64), np.rint(y._data).astype(np.int64), h, w, c)
        out = mul(vals, Tensor._make(inside.astype(vals._data.dtype)))
        return reshape(out, (n, c) + gs[1:3])
    x0, y0 = np.floor(x._data), np.floor(y._data)
    fx, fy = sub(x, Tensor._make(x0)), sub(y, Tensor._make(y0))                  # in [0, 1), carry the gradient
    wx = (sub(1.0, fx), fx)
    wy = (sub(1.0, fy), fy)
    out = None
    for dy in (0, 1):
        for dx in (0, 1):
            vals, inside = _sample(flat, x0.astype(np.int64) + dx, y0.astype(np.int64) + dy, h, w, c)
            wgt = mul(mul(wx[dx], wy[dy]), Tensor._make(inside[:, 0, :].astype(vals._data.dtype)))
            term = mul(vals, expand(reshape(wgt, (n, 1, p)), (n, c, p)))
            out = term if out is None else add(out, term)
    return reshape(out, (n, c) + gs[1:3])
