"""Distances and similarities at the Tensor level (torch names and defaults): cdist, pdist,
F.pairwise_distance and F.cosine_similarity (torch's exact eps rule)."""
import numpy as np

from fastgrad import dtypes
from fastgrad.lowp import refuse
from fastgrad.functional._promote import common_dtype, to_dtype
from fastgrad.functional.elementwise import add, clamp, div, mul, sub
from fastgrad.functional.gather_scatter import index_select
from fastgrad.functional.norms import vector_norm
from fastgrad.functional.reduce import sum as _sum
from fastgrad.functional.shape import expand
from fastgrad.ops.common import broadcast_shape, wrap_dim
from fastgrad.ops.distance import CDist
from fastgrad.tensor import Tensor

__all__ = ["cdist", "pdist", "pairwise_distance", "cosine_similarity"]

_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _check(op, **named):
    for i, (name, t) in enumerate(named.items()):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {i + 1}) must be Tensor, not {type(t).__name__}")


def _expand_to(t, shape):
    return t if tuple(t._data.shape) == tuple(shape) else expand(t, tuple(shape))


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): a
    (..., P, R) tensor (batch dims broadcast).  p = 2 goes through the GEMM when compute_mode
    says so (by default when P > 25 or R > 25, as torch)."""
    _check("cdist", x1=x1, x2=x2)
    a, b = x1._data, x2._data
    for name, x in (("X1", a), ("X2", b)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D "
                               f"(shapes {list(a.shape)} and {list(b.shape)})")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]} "
                           f"(cdist: shapes {list(a.shape)} and {list(b.shape)})")
    for name, x in (("X1", a), ("X2", b)):
        if x.dtype.kind not in "fV":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {dtypes.dtype_name(x.dtype)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"cdist: expected X1 and X2 to have the same dtype, but got {dtypes.dtype_name(a.dtype)} "
                           f"and {dtypes.dtype_name(b.dtype)}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    batch = broadcast_shape(a.shape[:-2], b.shape[:-2], "cdist")
    x1 = _expand_to(x1, batch + a.shape[-2:])
    x2 = _expand_to(x2, batch + b.shape[-2:])
    use_mm = compute_mode == _MODES[1] or (compute_mode == _MODES[0] and (a.shape[-2] > 25 or b.shape[-2] > 25))
    if not use_mm or p != 2:
        refuse(x1._data.dtype, "cdist")  # (torch's CPU: float16/bfloat16 only through the matrix product)
    return CDist.apply(x1, x2, float(p), use_mm)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """y = ||x_i - x_j||_p for every row pair i < j of an (N, M) input, in row-major order (N (N - 1) / 2
    values); the gradient at a zero distance is 0, as torch."""
    _check("pdist", input=input)
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    refuse(input._data.dtype, "pdist", "pdist")  # torch's CPU has no float16/bfloat16 pdist
    i, j = np.triu_indices(input._data.shape[0], 1)
    diff = sub(index_select(input, 0, i.astype(np.int64)), index_select(input, 0, j.astype(np.int64)))
    return vector_norm(diff, p, 1)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim of the broadcast operands (F.pairwise_distance)."""
    _check("pairwise_distance", x1=x1, x2=x2)
    broadcast_shape(x1._data.shape, x2._data.shape, "pairwise_distance")
    nd = max(x1._data.ndim, x2._data.ndim)
    return vector_norm(add(sub(x1, x2), eps), p, nd - 1 if nd else -1, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum over dim of (x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)) on the broadcast operands,
    as torch 2.x: the eps clamp is applied to the norms' values outside autograd, so the gradient
    is that of x / ||x|| with the clamped value in the denominator."""
    _check("cosine_similarity", x1=x1, x2=x2)
    shape = broadcast_shape(x1._data.shape, x2._data.shape, "cosine_similarity")
    wrap_dim(dim, len(shape), "cosine_similarity")
    x1, x2 = common_dtype([x1, x2], "cosine_similarity")
    if x1._data.dtype.kind not in "fV":
        x1, x2 = to_dtype(x1, dtypes.get_default_dtype()), to_dtype(x2, dtypes.get_default_dtype())
    x1, x2 = _expand_to(x1, shape), _expand_to(x2, shape)
    out = None
    for x in (x1, x2):
        n = vector_norm(x, 2, dim, True)
        nd = n.detach()
        q = div(x, add(n, sub(clamp(nd, min=eps), nd)))  # value max(n, eps), gradient that of n
        out = q if out is None else mul(out, q)
    return _sum(out, dim)


TENSOR_METHODS = {}  # torch has no Tensor.cdist / Tensor.cosine_similarity
