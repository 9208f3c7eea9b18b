"""Gradient clipping: clip_grad_norm_ and clip_grad_value_ (torch's semantics)."""
import math

import numpy as np

from fastgrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(a: np.ndarray, norm_type: float) -> float:
    if a.size == 0:
        return 0.0
    if norm_type == math.inf:
        return float(np.max(np.abs(a)))
    if norm_type == -math.inf:
        return float(np.min(np.abs(a)))
    flat = a.reshape(-1).astype(np.float64, copy=False)
    if norm_type == 2:
        return math.sqrt(float(np.dot(flat, flat)))
    if norm_type == 1:
        return float(np.abs(flat).sum())
    if norm_type == 0:
        return float(np.count_nonzero(flat))
    return float((np.abs(flat) ** norm_type).sum() ** (1.0 / norm_type))


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of the per-tensor norms (= the norm of all elements taken together)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    dtype = tensors[0]._data.dtype if tensors else np.dtype(np.float32)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype))
    norms = np.array([_norm(t._data, norm_type) for t in tensors])
    total = _norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._make(np.asarray(total, dtype))


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """g *= min(max_norm / (total_norm + 1e-6), 1) for every gradient, in place."""
    grads = _grads(parameters)
    if not grads:
        return
    total = float(total_norm) if not isinstance(total_norm, Tensor) else total_norm._data
    for g in grads:
        a = g._data
        coef = np.minimum(np.asarray(max_norm, a.dtype) / (np.asarray(total, a.dtype) + a.dtype.type(1e-6)),
                          a.dtype.type(1.0))
        if not a.flags.writeable:
            g._data = a = a.copy()
        np.multiply(a, coef, out=a)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients together so that their total ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        parameters = list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        a = g._data
        if not a.flags.writeable:
            g._data = a = a.copy()
        np.clip(a, -clip_value, clip_value, out=a)
