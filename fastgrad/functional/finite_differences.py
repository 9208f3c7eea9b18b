"""torch.gradient: the derivative of sampled values along each requested dim by second-order
central differences inside and first- or second-order one-sided differences at the edges, for
uniform spacings (scalars) or sample coordinates (1-D tensors).  torch's formulas, composed of
differentiable fastgrad ops."""
import numbers

from fastgrad.functional.elementwise import add, div, mul, sub
from fastgrad.functional.indexing import getitem
from fastgrad.functional.numeric_more import diff
from fastgrad.functional.shape import cat, reshape
from fastgrad.ops.common import wrap_dim
from fastgrad.tensor import Tensor

__all__ = ["gradient"]


def _sl(x, d, start, stop=None):
    return getitem(x, (slice(None),) * d + (slice(start, stop),))


def _dims(input, dim):
    nd = input._data.ndim
    if dim is None:
        return list(range(nd))
    if isinstance(dim, numbers.Integral):
        return [wrap_dim(dim, nd, "torch.gradient")]
    dims = [wrap_dim(d, nd, "torch.gradient") for d in dim]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return dims


def _spacings(spacing, dims, given_dim, nd):
    if isinstance(spacing, Tensor) or isinstance(spacing, numbers.Number):
        if isinstance(spacing, Tensor):
            raise TypeError("gradient(): argument 'spacing' must be a number or a list of numbers or 1-D tensors, "
                            "not Tensor")
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        what = (f"a list of length equal to 'self.dim() = {nd}', since dim argument was not given" if not given_dim
                else f"a list of length equal to 'len(dim) = {len(dims)}'")
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or {what}, but got a list "
                           f"of length {len(spacing)}")
    return spacing


def _uniform(x, d, h, edge_order):
    center = div(sub(_sl(x, d, 2), _sl(x, d, 0, -2)), h)
    if edge_order == 1:
        first = div(sub(_sl(x, d, 1, 2), _sl(x, d, 0, 1)), h)
        last = div(sub(_sl(x, d, -1), _sl(x, d, -2, -1)), h)
    else:
        first = div(add(sub(mul(_sl(x, d, 1, 2), 2), mul(_sl(x, d, 0, 1), 1.5)), mul(_sl(x, d, 2, 3), -0.5)), h)
        last = div(add(sub(mul(_sl(x, d, -3, -2), 0.5), mul(_sl(x, d, -2, -1), 2)), mul(_sl(x, d, -1), 1.5)), h)
    return cat([first, div(center, 2), last], d)


def _coordinates(x, d, coords, edge_order):
    nd = x._data.ndim
    shape = tuple(-1 if i == d else 1 for i in range(nd))
    h = diff(coords)
    h1, h2 = _sl(h, 0, 0, -1), _sl(h, 0, 1)
    a = reshape(div(mul(h2, -1), mul(h1, add(h1, h2))), shape)
    b = reshape(div(sub(h2, h1), mul(h1, h2)), shape)
    c = reshape(div(h1, mul(h2, add(h1, h2))), shape)
    center = add(add(mul(a, _sl(x, d, 0, -2)), mul(b, _sl(x, d, 1, -1))), mul(c, _sl(x, d, 2)))
    h0, hn = _sl(h, 0, 0, 1), _sl(h, 0, -1)
    if edge_order == 1:
        first = div(sub(_sl(x, d, 1, 2), _sl(x, d, 0, 1)), h0)
        last = div(sub(_sl(x, d, -1), _sl(x, d, -2, -1)), hn)
    else:
        g1, gm = _sl(h, 0, 1, 2), _sl(h, 0, -2, -1)
        fa = div(mul(add(mul(h0, 2), g1), -1), mul(h0, add(h0, g1)))
        fb = div(add(h0, g1), mul(h0, g1))
        fc = div(mul(h0, -1), mul(g1, add(h0, g1)))
        first = add(add(mul(fa, _sl(x, d, 0, 1)), mul(fb, _sl(x, d, 1, 2))), mul(fc, _sl(x, d, 2, 3)))
        la = div(hn, mul(gm, add(hn, gm)))
        lb = div(mul(add(hn, gm), -1), mul(hn, gm))
        lc = div(add(mul(hn, 2), gm), mul(hn, add(hn, gm)))
        last = add(add(mul(la, _sl(x, d, -3, -2)), mul(lb, _sl(x, d, -2, -1))), mul(lc, _sl(x, d, -1)))
    return cat([first, center, last], d)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """df/dx_d for each dim d (all dims when ``dim`` is None), one tensor per dim: central
    differences inside, one-sided ones of order ``edge_order`` (1 or 2) at the edges; ``spacing``
    a number (uniform), one number per dim, or one 1-D tensor of sample coordinates per dim."""
    if not isinstance(input, Tensor):
        raise TypeError(f"gradient(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = _dims(input, dim)
    steps = _spacings(spacing, dims, dim is not None, input._data.ndim)
    if any(input._data.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    out = []
    for d, h in zip(dims, steps):
        if isinstance(h, Tensor):
            if h._data.ndim != 1:
                raise RuntimeError(f"torch.gradient expected each element of spacing to have one dimension, but "
                                   f"got an element with {h._data.ndim} dimensions!")
            if h._data.shape[0] != input._data.shape[d]:
                raise RuntimeError(f"torch.gradient expected the coordinates of dim {d} to have one value per "
                                   f"sample ({input._data.shape[d]}), but got {h._data.shape[0]}")
            out.append(_coordinates(input, d, h, edge_order))
        elif isinstance(h, numbers.Number) and not isinstance(h, bool):
            out.append(_uniform(input, d, h, edge_order))
        else:
            raise TypeError(f"gradient(): spacing must hold numbers or 1-D tensors, got {type(h).__name__}")
    return tuple(out)
