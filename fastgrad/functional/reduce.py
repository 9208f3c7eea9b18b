"""Reductions at the Tensor level: sum, mean, max/min (with dim: values and indices), amax/amin,
argmax/argmin, var/std, norm, all/any, softmax/log_softmax, prod, logsumexp, nansum/nanmean,
std_mean/var_mean, count_nonzero, aminmax (reduce-family kernels).  Every op whose torch signature
has dim/keepdim also takes torch's numpy names axis=/keepdims=."""
import numpy as np

from fastgrad import dtypes, return_types
from fastgrad.lowp import via_float32
from fastgrad.lowp import order_key
from fastgrad.functional._dimnames import numpy_names
from fastgrad.functional._promote import float_input, to_dtype
from fastgrad.functional.compare import ne
from fastgrad.functional.elementwise import abs, maximum, minimum, pow
from fastgrad.ops.common import wrap_dim, wrap_dims
from fastgrad.functional.indexing import masked_fill
from fastgrad.ops.reduce import (AmaxAmin, Logsumexp, LogSoftmax, Mean, Norm2, Prod, SelectAlongDim, Softmax,
                                 Sum, Var, max_min_along)
from fastgrad.tensor import Tensor

__all__ = ["sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm", "all",
           "any", "softmax", "log_softmax", "MaxMinResult", "prod", "logsumexp", "nansum", "nanmean", "std_mean",
           "var_mean", "count_nonzero", "aminmax"]

_make = Tensor._make
MaxMinResult = return_types.max


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


@numpy_names
def softmax(input, dim=None, dtype=None):
    """y = exp(x) / sum(exp(x)) along dim (numerically stable)."""
    x = float_input(input, "softmax") if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    return Softmax.apply(x, _softmax_dim(x, dim, "softmax"))


@numpy_names
def log_softmax(input, dim=None, dtype=None):
    """y = x - log(sum(exp(x))) along dim (numerically stable)."""
    x = float_input(input, "log_softmax") if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    return LogSoftmax.apply(x, _softmax_dim(x, dim, "log_softmax"))


@numpy_names
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over dim (all dims when None); double accumulation."""
    x = input if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    if x._data.dtype.kind not in "fV":
        d = np.int64 if x._data.dtype.kind in "biu" else None
        return _make(np.asarray(x._data.sum(axis=None if dim is None else axes_of(x, dim, "sum"),
                                            keepdims=keepdim, dtype=d)))
    return Sum.apply(x, axes_of(x, dim, "sum"), bool(keepdim))


@numpy_names
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over dim (all dims when None)."""
    x = input if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    if x._data.dtype.kind not in "fV":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {dtypes.dtype_name(x._data.dtype)}")
    return Mean.apply(x, axes_of(x, dim, "mean"), bool(keepdim))


def _maxmin(input, dim, keepdim, is_max, op):
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        if input._data.dtype.kind not in "fV":
            return _make(np.asarray(input._data.max() if is_max else input._data.min()))
        return AmaxAmin.apply(input, tuple(range(input._data.ndim)), False, is_max)
    d = wrap_dim(dim, input._data.ndim, op)
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {dim} to have non-zero size.")
    result = return_types.max if is_max else return_types.min
    if input._data.dtype.kind not in "fV":
        fn = np.argmax if is_max else np.argmin
        idx = fn(input._data, axis=d, keepdims=True) if input._data.ndim else np.asarray(0)
        vals = np.take_along_axis(input._data, idx, d) if input._data.ndim else input._data
        if not keepdim and input._data.ndim:
            idx, vals = idx.squeeze(d), vals.squeeze(d)
        return result(_make(np.asarray(vals)), _make(np.asarray(idx, np.int64)))
    vals, idx = max_min_along(input._data, d, bool(keepdim), is_max)
    return result(SelectAlongDim.apply(input, vals, idx, d, bool(keepdim)), _make(idx))


@numpy_names
def max(input, dim=None, keepdim=False):
    """Largest element, or (values, indices) along dim."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _maxmin(input, dim, keepdim, True, "max")


@numpy_names
def min(input, dim=None, keepdim=False):
    """Smallest element, or (values, indices) along dim."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _maxmin(input, dim, keepdim, False, "min")


@numpy_names
def amax(input, dim=(), keepdim=False):
    """Max over dims (all when ()); the gradient is shared evenly among ties, as torch.  An empty
    input gives an empty result unless a reduced dim has size 0 (IndexError, as torch)."""
    return AmaxAmin.apply(input, _nonempty_dims(input, dim, "amax"), bool(keepdim), True)


@numpy_names
def amin(input, dim=(), keepdim=False):
    """Min over dims (all when ()); the gradient is shared evenly among ties, as torch."""
    return AmaxAmin.apply(input, _nonempty_dims(input, dim, "amin"), bool(keepdim), False)


def _argmaxmin(input, dim, keepdim, fn, op):
    a = order_key(input._data)  # (bfloat16: by value, fastgrad/lowp.py)
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


@numpy_names
def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flattened), or along dim."""
    return _argmaxmin(input, dim, keepdim, np.argmax, "argmax")


@numpy_names
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flattened), or along dim."""
    return _argmaxmin(input, dim, keepdim, np.argmin, "argmin")


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


@numpy_names
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """sum((x - mean)^2) / (N - correction) over dim (correction 1 by default, as torch)."""
    if isinstance(dim, bool):  # var(x, False) is var(x, unbiased=False)
        dim, unbiased = None, dim
    return Var.apply(float_input(input, "var"), axes_of(input, dim, "var"),
                       _correction(unbiased, correction), bool(keepdim), False)


@numpy_names
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


@numpy_names
def all(input, dim=None, keepdim=False):
    axes = None if dim is None else axes_of(input, dim, "all")
    return _make(np.asarray(np.all(input._data, axis=axes, keepdims=keepdim)))


@numpy_names
def any(input, dim=None, keepdim=False):
    axes = None if dim is None else axes_of(input, dim, "any")
    return _make(np.asarray(np.any(input._data, axis=axes, keepdims=keepdim)))


def _reduce_input(input, dtype, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)


@numpy_names
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over dim (all elements when None); integers and bool give int64.  The gradient is
    exact with zeros (prefix times suffix products), as torch."""
    x = _reduce_input(input, dtype, "prod")
    axes = tuple(range(x._data.ndim)) if dim is None else (wrap_dim(dim, x._data.ndim, "prod"),)
    axes = axes if x._data.ndim else ()
    keep = bool(keepdim) and dim is not None
    if x._data.dtype.kind not in "fV":
        return _make(np.asarray(np.prod(x._data, axis=axes, keepdims=keep, dtype=np.int64)))
    return Prod.apply1(float_input(x, "prod"), axes, keep)


@numpy_names
def logsumexp(input, dim=(), keepdim=False):
    """log sum exp(x) over dim (all dims when ()), computed as m + log sum exp(x - m); integers are
    promoted to the default float dtype, as torch."""
    x = _reduce_input(input, None, "logsumexp")
    if x._data.dtype.kind not in "fV":
        x = to_dtype(x, np.dtype(np.float32), False)
    axes = axes_of(x, None if dim == () or dim == [] else dim, "logsumexp")
    return Logsumexp.apply1(float_input(x, "logsumexp"), axes, bool(keepdim))


@numpy_names
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over dim treating NaN as zero (no gradient reaches a NaN)."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(nansum, input, dim, keepdim, dtype=dtype)
    x = _reduce_input(input, dtype, "nansum")
    if x._data.dtype.kind in "fV":
        x = masked_fill(x, _make(np.isnan(x._data)), 0.0)
    return sum(x, dim, keepdim)


@numpy_names
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over dim of the elements that are not NaN (NaN when there are none)."""
    if getattr(input, "_data", None) is not None and input._data.dtype.kind == "V":  # bfloat16
        return via_float32(nanmean, input, dim, keepdim, dtype=dtype)
    x = _reduce_input(input, dtype, "nanmean")
    if x._data.dtype.kind not in "fV":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{dtypes.dtype_name(x._data.dtype)}")
    count = np.sum(~np.isnan(x._data), axis=None if dim is None else axes_of(x, dim, "nanmean"),
                   keepdims=bool(keepdim))
    return nansum(x, dim, keepdim) / _make(np.asarray(count, x._data.dtype))


def _var_mean(input, dim, unbiased, keepdim, correction, root, op):
    if isinstance(dim, bool):  # var_mean(x, False) is var_mean(x, unbiased=False)
        dim, unbiased = None, dim
    x = float_input(input, op)
    axes = axes_of(x, dim, op)
    return (Var.apply(x, axes, _correction(unbiased, correction), bool(keepdim), root),
            Mean.apply(x, axes, bool(keepdim)))


@numpy_names
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim, as a tuple (correction 1 by default, as torch)."""
    return _var_mean(input, dim, unbiased, keepdim, correction, False, "var_mean")


@numpy_names
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim, as a tuple (correction 1 by default, as torch)."""
    return _var_mean(input, dim, unbiased, keepdim, correction, True, "std_mean")


@numpy_names
def count_nonzero(input, dim=None):
    """Number of non-zero elements over dim (all when None), as int64."""
    x = _reduce_input(input, None, "count_nonzero")
    axes = None if dim is None else axes_of(x, dim, "count_nonzero")
    return _make(np.asarray(np.count_nonzero(x._data, axis=axes), np.int64))


@numpy_names
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over dim (all dims when None), as torch.return_types.aminmax; the gradients are
    amin's and amax's (shared evenly among ties)."""
    x = _reduce_input(input, None, "aminmax")
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                               "has no identity.")
        axes = tuple(range(x._data.ndim))
    else:
        d = wrap_dim(dim, x._data.ndim, "aminmax")
        if x._data.ndim and x._data.shape[d] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {dim} to have non-zero size.")
        axes = (d,) if x._data.ndim else ()
    keep = bool(keepdim) and dim is not None or (bool(keepdim) and x._data.ndim == 0)
    if x._data.dtype.kind not in "fV":
        a = x._data
        return return_types.aminmax(_make(np.asarray(a.min(axis=axes, keepdims=keep))),
                                    _make(np.asarray(a.max(axis=axes, keepdims=keep))))
    return return_types.aminmax(AmaxAmin.apply(x, axes, keep, False), AmaxAmin.apply(x, axes, keep, True))


# methods of Tensor with torch's numpy names (axis=, keepdims=); they replace tensor.py's own
TENSOR_METHODS = {
    "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax, "amin": amin, "argmax": argmax,
    "argmin": argmin, "var": var, "std": std, "all": all, "any": any, "softmax": softmax,
    "log_softmax": log_softmax, "prod": prod, "logsumexp": logsumexp, "nansum": nansum, "nanmean": nanmean,
    "count_nonzero": count_nonzero, "aminmax": aminmax,
}
