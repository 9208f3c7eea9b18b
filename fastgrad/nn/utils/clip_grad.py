"""Gradient clipping: clip_grad_norm_ and clip_grad_value_ (torch's semantics)."""
import math
import warnings

import numpy as np

from fastgrad._ffi import ffi, lib, rptr
from fastgrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


_NORM = {np.dtype(np.float32): (lib.fg_norm_multi_f32, "float *[]"),
         np.dtype(np.float64): (lib.fg_norm_multi_f64, "double *[]")}


def _piece(arrays, norm_type: float) -> float:
    """The C kernel's norm piece of arrays of one float dtype taken together (see fg_norm_multi)."""
    fn, ctype = _NORM[arrays[0].dtype]
    arrays = [a if a.flags.c_contiguous else np.ascontiguousarray(a) for a in arrays]
    ptrs = [rptr(a) for a in arrays]            # kept alive until the call returns
    return fn(len(arrays), ffi.new("int64_t[]", [a.size for a in arrays]), ffi.new(ctype, ptrs), norm_type)


def _total_norm(arrays, norm_type: float) -> float:
    """||all elements of arrays||_p in double (= the norm of the per-array norms, as torch)."""
    if all(a.dtype == arrays[0].dtype for a in arrays) and arrays[0].dtype in _NORM:
        pieces = [_piece(arrays, norm_type)]    # the common case: one dtype, one call
    else:
        groups = {}
        for a in arrays:
            a = a if a.dtype in _NORM else a.astype(np.float64)
            groups.setdefault(a.dtype, []).append(a)
        pieces = [_piece(g, norm_type) for g in groups.values()]
    if norm_type == math.inf:
        return max(pieces, key=lambda v: (math.isnan(v), v))
    if norm_type == -math.inf:
        if any(a.size == 0 for a in arrays):    # an empty array's norm is 0
            return 0.0
        return min(pieces, key=lambda v: (not math.isnan(v), v))
    total = sum(pieces)
    if norm_type == 0 or norm_type == 1:
        return total
    if norm_type == 2:
        return math.sqrt(total)
    return total ** (1.0 / norm_type)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of the per-tensor norms (= the norm of all elements taken together)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    dtype = tensors[0]._data.dtype if tensors else np.dtype(np.float32)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype))
    total = _total_norm([t._data for t in tensors], norm_type)
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


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_` (warns as torch, then clips)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
