"""Reductions at the Tensor level: sum, mean, max/min (with dim: values and indices), amax/amin,
argmax/argmin, var/std, norm, all/any, and softmax/log_softmax (reduce-family kernels)."""
from collections import namedtuple

import numpy as np

from fastgrad import dtypes
from fastgrad.functional._promote import float_input, to_dtype
from fastgrad.functional.compare import ne
from fastgrad.functional.elementwise import abs, maximum, minimum, pow
from fastgrad.ops.common import wrap_dim, wrap_dims
from fastgrad.ops.reduce import (AmaxAmin, LogSoftmax, Mean, Norm2, SelectAlongDim, Softmax, Sum, Var,
                                 max_min_along)
from fastgrad.tensor import Tensor

__all__ = ["sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm", "all",
           "any", "softmax", "log_softmax", "MaxMinResult"]

_make = Tensor._make
MaxMinResult = namedtuple("MaxMinResult", ["values", "indices"])  # torch.return_types.max


def axes_of(x, dim, op):
    """The reduced axes of tensor x for a torch ``dim`` argument (None: all).  A 0-d tensor takes
    dims -1 and 0, each at most once, as torch."""
    return wrap_dims(dim, x._data.ndim, op)


def _nonempty_dims(x, dim, op):
    """torch's check for reductions that have no identity (amax/amin/argmax/argmin): every
    reduced dim must have non-zero size (IndexError naming the dim); with no dim, the input must
    not be empty."""
    a = x._data
    if dim is None or dim == () or dim == []:
        if a.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return tuple(range(a.ndim))
    axes = axes_of(x, dim, op)
    if a.size == 0:
        for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
            if a.shape[wrap_dim(d, a.ndim, op)] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return axes


def _softmax_dim(x, dim, op):
    if dim is None:  # torch's legacy implicit choice
        dim = 0 if x._data.ndim in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, dtype=None):
    """y = exp(x) / sum(exp(x)) along dim (numerically stable)."""
    x = float_input(input, "softmax") if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    return Softmax.apply(x, _softmax_dim(x, dim, "softmax"))


def log_softmax(input, dim=None, dtype=None):
    """y = x - log(sum(exp(x))) along dim (numerically stable)."""
    x = float_input(input, "log_softmax") if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    return LogSoftmax.apply(x, _softmax_dim(x, dim, "log_softmax"))


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over dim (all dims when None); double accumulation."""
    x = input if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    if x._data.dtype.kind != "f":
        d = np.int64 if x._data.dtype.kind in "biu" else None
        return _make(np.asarray(x._data.sum(axis=None if dim is None else axes_of(x, dim, "sum"),
                                            keepdims=keepdim, dtype=d)))
    return Sum.apply(x, axes_of(x, dim, "sum"), bool(keepdim))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over dim (all dims when None)."""
    x = input if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {dtypes.dtype_name(x._data.dtype)}")
    return Mean.apply(x, axes_of(x, dim, "mean"), bool(keepdim))


def _maxmin(input, dim, keepdim, is_max, op):
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        if input._data.dtype.kind != "f":
            return _make(np.asarray(input._data.max() if is_max else input._data.min()))
        return AmaxAmin.apply(input, tuple(range(input._data.ndim)), False, is_max)
    d = wrap_dim(dim, input._data.ndim, op)
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {dim} to have non-zero size.")
    if input._data.dtype.kind != "f":
        fn = np.argmax if is_max else np.argmin
        idx = fn(input._data, axis=d, keepdims=True) if input._data.ndim else np.asarray(0)
        vals = np.take_along_axis(input._data, idx, d) if input._data.ndim else input._data
        if not keepdim and input._data.ndim:
            idx, vals = idx.squeeze(d), vals.squeeze(d)
        return MaxMinResult(_make(np.asarray(vals)), _make(np.asarray(idx, np.int64)))
    vals, idx = max_min_along(input._data, d, bool(keepdim), is_max)
    return MaxMinResult(SelectAlongDim.apply(input, vals, idx, d, bool(keepdim)), _make(idx))


def max(input, dim=None, keepdim=False):
    """Largest element, or (values, indices) along dim."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _maxmin(input, dim, keepdim, True, "max")


def min(input, dim=None, keepdim=False):
    """Smallest element, or (values, indices) along dim."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _maxmin(input, dim, keepdim, False, "min")


def amax(input, dim=(), keepdim=False):
    """Max over dims (all when ()); the gradient is shared evenly among ties, as torch.  An empty
    input gives an empty result unless a reduced dim has size 0 (IndexError, as torch)."""
    return AmaxAmin.apply(input, _nonempty_dims(input, dim, "amax"), bool(keepdim), True)


def amin(input, dim=(), keepdim=False):
    """Min over dims (all when ()); the gradient is shared evenly among ties, as torch."""
    return AmaxAmin.apply(input, _nonempty_dims(input, dim, "amin"), bool(keepdim), False)


def _argmaxmin(input, dim, keepdim, fn, op):
    a = input._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        return _make(np.asarray(fn(a), dtype=np.int64))
    d = wrap_dim(dim, a.ndim, op)
    if a.ndim and a.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return _make(np.asarray(fn(a, axis=d if a.ndim else None, keepdims=keepdim), np.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flattened), or along dim."""
    return _argmaxmin(input, dim, keepdim, np.argmax, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flattened), or along dim."""
    return _argmaxmin(input, dim, keepdim, np.argmin, "argmin")


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """sum((x - mean)^2) / (N - correction) over dim (correction 1 by default, as torch)."""
    if isinstance(dim, bool):  # var(x, False) is var(x, unbiased=False)
        dim, unbiased = None, dim
    return Var.apply(float_input(input, "var"), axes_of(input, dim, "var"),
                       _correction(unbiased, correction), bool(keepdim), False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """sqrt(var(...)); the gradient is 0 where std is 0, as torch."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return Var.apply(float_input(input, "std"), axes_of(input, dim, "std"),
                       _correction(unbiased, correction), bool(keepdim), True)


def norm(input, p=2, dim=None, keepdim=False):
    """p-norm over dim (all elements when None): (sum |x|^p)^(1/p)."""
    if p == 2 or p == "fro":
        return Norm2.apply(float_input(input, "norm"), axes_of(input, dim, "norm"), bool(keepdim))
    if p == 0:
        return sum(to_dtype(ne(input, 0), input._data.dtype), dim, keepdim)
    if p == 1:
        return sum(abs(input), dim, keepdim)
    if p == float("inf"):
        return amax(abs(input), () if dim is None else dim, keepdim)
    return pow(sum(pow(abs(input), float(p)), dim, keepdim), 1.0 / p)


def all(input, dim=None, keepdim=False):
    axes = None if dim is None else axes_of(input, dim, "all")
    return _make(np.asarray(np.all(input._data, axis=axes, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    axes = None if dim is None else axes_of(input, dim, "any")
    return _make(np.asarray(np.any(input._data, axis=axes, keepdims=keepdim)))
