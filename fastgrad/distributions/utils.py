"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits, clamping, and
the cached ``lazy_property`` (torch.distributions.utils)."""
import numbers
from functools import update_wrapper

import numpy as np

import fastgrad
from fastgrad.tensor import Tensor

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "standard_normal", "standard_uniform"]

euler_constant = 0.57721566490153286060


def broadcast_all(*values):
    """Tensors and numbers broadcast to one shape; numbers take the tensors' dtype (else the default)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, fastgrad.Tensor or objects "
                         "implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        dtype = fastgrad.get_default_dtype()
        for v in values:
            if isinstance(v, Tensor):
                dtype = v.dtype
                break
        values = [v if isinstance(v, Tensor) else fastgrad.tensor(v, dtype=dtype) for v in values]
    return fastgrad.broadcast_tensors(*values)


def _np_dtype(dtype):
    return np.float64 if dtype == fastgrad.float64 else np.float32


def standard_normal(shape, dtype) -> Tensor:
    """N(0, 1) draws of ``shape`` from fastgrad's global stream (fastgrad.manual_seed)."""
    arr = fastgrad.random.get_rng().standard_normal(tuple(shape))
    return fastgrad.from_numpy(np.asarray(arr, _np_dtype(dtype)))


def standard_uniform(shape, dtype) -> Tensor:
    """U[0, 1) draws of ``shape`` from fastgrad's global stream."""
    arr = fastgrad.random.get_rng().random(tuple(shape))
    return fastgrad.from_numpy(np.asarray(arr, _np_dtype(dtype)))


def _flatten_right(value, n: int):
    """``value`` with its rightmost n dims flattened into one (an explicit size, so empty tensors work)."""
    shape = tuple(value.shape)
    size = 1
    for d in shape[len(shape) - n:]:
        size *= d
    return value.reshape(shape[:len(shape) - n] + (size,))


def _sum_rightmost(value, dim: int):
    """Sum over the rightmost ``dim`` dims."""
    if dim == 0:
        return value
    return _flatten_right(value, dim).sum(-1)


def clamp_probs(probs):
    """probs clamped to [eps, 1 - eps] of their dtype."""
    eps = fastgrad.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary: bool = False):
    """sigmoid(logits) when binary, else softmax over the last dim."""
    if is_binary:
        return fastgrad.sigmoid(logits)
    return fastgrad.softmax(logits, dim=-1)


def probs_to_logits(probs, is_binary: bool = False):
    """log p - log(1 - p) when binary, else log p (p clamped away from 0 and 1)."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return fastgrad.log(ps_clamped) - fastgrad.log1p(-ps_clamped)
    return fastgrad.log(ps_clamped)


class lazy_property:
    """A property computed once per instance and then stored in its ``__dict__``."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with fastgrad.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What ``Class.attr`` returns for a lazy_property, so that docs and ``isinstance(…, property)`` work."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag: int = 0):
    """The lower triangle (below diagonal ``diag``) of the last two dims, row-major, as a vector."""
    n = mat.shape[-1]
    rows, cols = np.tril_indices(n, k=diag)
    flat = mat.reshape(tuple(mat.shape[:-2]) + (n * n,))
    return flat.index_select(-1, fastgrad.tensor((rows * n + cols).astype(np.int64)))


def vec_to_tril_matrix(vec, diag: int = 0):
    """The inverse of tril_matrix_to_vec: zeros above diagonal ``diag``."""
    m = vec.shape[-1]
    n = int(round((-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2))
    rows, cols = np.tril_indices(n, k=diag)
    if len(rows) != m:
        raise ValueError(f"vec_to_tril_matrix: a vector of length {m} is not a triangle")
    out = fastgrad.zeros(tuple(vec.shape[:-1]) + (n * n,), dtype=vec.dtype)
    out = out.index_add(-1, fastgrad.tensor((rows * n + cols).astype(np.int64)), vec)
    return out.reshape(tuple(vec.shape[:-1]) + (n, n))


def xlogy(x, y):
    """x log y, 0 where x = 0 and y = 0 (torch.special.xlogy); d/dx = log y, d/dy = x / y."""
    if not isinstance(y, Tensor):
        y = fastgrad.full_like(x, float(y))
    safe_y = fastgrad.where((x == 0) & (y == 0), fastgrad.ones_like(y), y)
    return x * fastgrad.log(safe_y)
