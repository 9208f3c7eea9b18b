"""The public functional API (also ``fastgrad.nn.functional``): validates and coerces
arguments the way torch does, then hands arrays to the op families in ``fastgrad.ops``."""
import builtins
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.autograd.grad_mode import GRAD
from fastgrad.tensor import Tensor
from fastgrad.ops import elementwise as E
from fastgrad.ops import activation as A
from fastgrad.ops import reduce as R
from fastgrad.ops.shape import (reshape, view, flatten, squeeze, unsqueeze, transpose, t, permute,  # noqa: F401
                                expand, repeat, cat, concat, stack, chunk, split, getitem, setitem,
                                masked_fill, gather)
from fastgrad.ops.linalg import matmul, linear, mm, bmm  # noqa: F401
from fastgrad.ops.loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy,  # noqa: F401
                               nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits)

_make = Tensor._make
_KERNEL_DTYPES = frozenset(dtypes.FLOAT_DTYPES)  # what the C kernels take
_Number = (numbers.Number, np.number, np.bool_)


# -- coercion -----------------------------------------------------------------------
def _result_dtype(a, b):
    """torch's promotion for (tensor|scalar, tensor|scalar): Python scalars never widen a float tensor."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    da = a._data.dtype if ta else None
    db = b._data.dtype if tb else None
    if ta and tb:
        if da == db:
            return da
        if da.kind == "f" or db.kind == "f":
            fl = [d for d in (da, db) if d.kind == "f"]
            return np.result_type(*fl)
        return np.result_type(da, db)
    d = da if ta else db
    s = b if ta else a
    if d.kind == "f":
        return d
    if isinstance(s, (bool, np.bool_)):
        return d
    if isinstance(s, (float, np.floating)):
        return dtypes.get_default_dtype()
    if d.kind == "b":
        return dtypes.int64
    return d


def _operand(x, dtype, op):
    """x as a Tensor (cast differentiably when needed) or a constant array of ``dtype``."""
    if isinstance(x, Tensor):
        return x if x._data.dtype == dtype else to_dtype(x, dtype, False)
    return np.asarray(x, dtype=dtype)


def _as_tensor(x, op):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (_Number, np.ndarray, list, tuple)):
        from fastgrad.creation import tensor
        return tensor(x)
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def _check_kernel_dtype(d, op):
    if d.kind == "f" and d not in dtypes.FLOAT_DTYPES:
        raise TypeError(f"{op}: {d} tensors are not supported (use float32 or float64)")


_PY_SCALARS = (float, int)


def _binary(fn, int_fn, a, b, op):
    if isinstance(b, Tensor) and isinstance(a, Tensor):  # two tensors of one float dtype: the common case
        d = a._data.dtype
        if d is b._data.dtype and d in _KERNEL_DTYPES:
            return fn.apply2(a, b)
    elif type(b) in _PY_SCALARS and isinstance(a, Tensor) and a._data.dtype in _KERNEL_DTYPES:
        return fn.apply1(a, np.asarray(b, a._data.dtype))  # tensor (op) Python number: the common case
    if type(a) in _PY_SCALARS and isinstance(b, Tensor) and b._data.dtype in _KERNEL_DTYPES:
        return fn.apply(np.asarray(a, b._data.dtype), b)  # Python number (op) tensor
    if not isinstance(a, Tensor):
        if not isinstance(a, _Number):
            a = _as_tensor(a, op)
    if not isinstance(b, Tensor):
        if not isinstance(b, _Number):
            b = _as_tensor(b, op)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype \
            and a._data.dtype in _KERNEL_DTYPES:
        return fn.apply2(a, b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument, got {type(a).__name__} "
                        f"and {type(b).__name__}")
    dtype = _result_dtype(a, b)
    _check_kernel_dtype(dtype, op)
    if dtype.kind != "f":  # integer/bool arithmetic: numpy, no gradient
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else b
        E.check_broadcast(np.shape(av), np.shape(bv), op)
        return _make(np.asarray(int_fn(av, bv)))
    return fn.apply(_operand(a, dtype, op), _operand(b, dtype, op))


def add(input, other, *, alpha=1):
    """y = input + alpha * other (broadcasting)."""
    return _binary(E.Add, np.add, input, other if alpha == 1 else mul(other, alpha), "add")


def sub(input, other, *, alpha=1):
    """y = input - alpha * other (broadcasting)."""
    return _binary(E.Sub, np.subtract, input, other if alpha == 1 else mul(other, alpha), "sub")


subtract = sub


def mul(input, other):
    """y = input * other (broadcasting)."""
    return _binary(E.Mul, np.multiply, input, other, "mul")


multiply = mul


def div(input, other, *, rounding_mode=None):
    """y = input / other (true division; integer tensors give float32, as torch)."""
    if rounding_mode is not None:
        return floor_divide(input, other) if rounding_mode == "floor" else \
            _make(np.trunc(np.asarray(input) / np.asarray(other)))
    if isinstance(input, Tensor) and input._data.dtype.kind != "f" and not (
            isinstance(other, Tensor) and other._data.dtype.kind == "f") and not isinstance(other, float):
        input = to_dtype(input, dtypes.get_default_dtype(), False)
    elif isinstance(other, Tensor) and other._data.dtype.kind != "f" and not (
            isinstance(input, Tensor) and input._data.dtype.kind == "f") and not isinstance(input, float):
        other = to_dtype(other, dtypes.get_default_dtype(), False)
    return _binary(E.Div, np.true_divide, input, other, "div")


divide = true_divide = div


def pow(input, exponent):
    """y = input ** exponent (scalar or tensor exponent; a scalar base is a constant)."""
    if type(exponent) in _PY_SCALARS and isinstance(input, Tensor) and input._data.dtype in _KERNEL_DTYPES:
        return E.PowScalar.apply1(input, float(exponent))  # the common case, checked in one go
    if isinstance(input, Tensor) and isinstance(exponent, _Number) and not isinstance(exponent, bool):
        _check_kernel_dtype(input._data.dtype, "pow")
        if input._data.dtype.kind != "f":
            return _make(np.power(input._data, exponent).astype(
                dtypes.get_default_dtype() if isinstance(exponent, float) else input._data.dtype))
        return E.PowScalar.apply(input, float(exponent))
    return _binary(E.Pow, np.power, input, exponent, "pow")


def neg(input):
    """y = -input."""
    if input._data.dtype.kind != "f":
        return _make(np.negative(input._data))
    return E.Neg.apply(input)


negative = neg


def _unary_float(cls, x, op):
    if not isinstance(x, Tensor):
        x = _as_tensor(x, op)
    if x._data.dtype.kind != "f":
        x = to_dtype(x, dtypes.get_default_dtype(), False)
    _check_kernel_dtype(x._data.dtype, op)
    return cls.apply(x)


def exp(input): return _unary_float(E.Exp, input, "exp")
def log(input): return _unary_float(E.Log, input, "log")
def sqrt(input): return _unary_float(E.Sqrt, input, "sqrt")
def log1p(input): return _unary_float(E.Log1p, input, "log1p")
def rsqrt(input): return reciprocal(sqrt(input))
def reciprocal(input): return div(1.0, input)
def square(input): return mul(input, input)


def abs(input):
    """y = |input|; subgradient 0 at 0, as torch."""
    if input._data.dtype.kind != "f":
        return _make(np.abs(input._data))
    return E.Abs.apply(input)


absolute = abs


def sign(input):
    """y = sign(input): -1, 0 or 1 (0 for NaN, as torch); its gradient is zero."""
    d = input._data.dtype
    if d == np.bool_:
        return _make(input._data.copy())
    if d.kind != "f":
        return _make(np.sign(input._data))
    _check_kernel_dtype(d, "sign")
    return E.Sign.apply(input)


def clamp(input, min=None, max=None):
    """y = min(max(input, min), max); gradient passes where min <= input <= max."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        y = input
        if min is not None:
            y = maximum(y, min)
        if max is not None:
            y = minimum(y, max)
        return y
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, _Number):
            raise TypeError(f"clamp: '{name}' must be a number or a Tensor, got {type(v).__name__}")
    if input._data.dtype.kind != "f":
        return _make(np.clip(input._data, min, max))
    lo = -np.inf if min is None else float(min)
    hi = np.inf if max is None else float(max)
    return E.Clamp.apply(input, lo, hi)


clip = clamp


def maximum(input, other):
    """y = max(input, other) elementwise; ties split the gradient in half, as torch."""
    return _binary(E.Maximum, np.maximum, input, other, "maximum")


def minimum(input, other):
    """y = min(input, other) elementwise; ties split the gradient in half, as torch."""
    return _binary(E.Minimum, np.minimum, input, other, "minimum")


def where(condition, input, other):
    """y = condition ? input : other (broadcasting); gradient flows to the chosen side."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: expected condition to be a bool tensor, got {cond.dtype}")
    dtype = _result_dtype(input, other) if (isinstance(input, Tensor) or isinstance(other, Tensor)) \
        else dtypes.get_default_dtype()
    if dtype.kind != "f":
        return _make(np.where(cond, np.asarray(input), np.asarray(other)))
    return E.Where.apply(cond, _operand(input, dtype, "where"), _operand(other, dtype, "where"))


def floor_divide(input, other):
    return _make(np.asarray(np.floor_divide(np.asarray(input), np.asarray(other))))


def remainder(input, other):
    return _make(np.asarray(np.remainder(np.asarray(input), np.asarray(other))))


# -- comparisons and logic: no gradient -------------------------------------------------
def _compare(a, b, fn, op):
    av = a._data if isinstance(a, Tensor) else np.asarray(a)
    bv = b._data if isinstance(b, Tensor) else np.asarray(b)
    E.check_broadcast(av.shape, bv.shape, op)
    return _make(np.asarray(fn(av, bv)))


def eq(input, other): return _compare(input, other, np.equal, "eq")
def ne(input, other): return _compare(input, other, np.not_equal, "ne")
def lt(input, other): return _compare(input, other, np.less, "lt")
def le(input, other): return _compare(input, other, np.less_equal, "le")
def gt(input, other): return _compare(input, other, np.greater, "gt")
def ge(input, other): return _compare(input, other, np.greater_equal, "ge")
def logical_and(input, other): return _compare(input, other, np.logical_and, "logical_and")
def logical_or(input, other): return _compare(input, other, np.logical_or, "logical_or")
def logical_xor(input, other): return _compare(input, other, np.logical_xor, "logical_xor")
def logical_not(input): return _make(np.logical_not(input._data))
def isnan(input): return _make(np.isnan(input._data))
def isinf(input): return _make(np.isinf(input._data))
def isfinite(input): return _make(np.isfinite(input._data))


def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


# -- activations ----------------------------------------------------------------------
def _float_input(x, op):
    if isinstance(x, Tensor) and x._data.dtype in _KERNEL_DTYPES:
        return x
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {dtypes.dtype_name(x._data.dtype)}")
    _check_kernel_dtype(x._data.dtype, op)
    return x


def relu(input, inplace=False):
    """y = max(input, 0)."""
    if isinstance(input, Tensor) and input._data.dtype in _KERNEL_DTYPES:
        return A.ReLU.apply1(input)
    return A.ReLU.apply1(_float_input(input, "relu"))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """y = input > 0 ? input : negative_slope * input."""
    if not np.isfinite(negative_slope):
        raise ValueError(f"leaky_relu: negative_slope must be finite, got {negative_slope}")
    return A.LeakyReLU.apply(_float_input(input, "leaky_relu"), float(negative_slope))


def sigmoid(input):
    """y = 1 / (1 + exp(-input))."""
    if isinstance(input, Tensor) and input._data.dtype in _KERNEL_DTYPES:
        return A.Sigmoid.apply1(input)
    return A.Sigmoid.apply1(_float_input(input, "sigmoid"))


def tanh(input):
    """y = tanh(input)."""
    if isinstance(input, Tensor) and input._data.dtype in _KERNEL_DTYPES:
        return A.Tanh.apply1(input)
    return A.Tanh.apply1(_float_input(input, "tanh"))


def gelu(input, approximate="none"):
    """y = input * Phi(input) (approximate='tanh': the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.GELU.apply(_float_input(input, "gelu"), 1 if approximate == "tanh" else 0)


def softplus(input, beta=1.0, threshold=20.0):
    """y = log(1 + exp(beta * input)) / beta, linear above threshold."""
    if not np.isfinite(beta) or beta == 0:
        raise ValueError(f"softplus: beta must be finite and non-zero, got beta={beta}")
    if np.isnan(threshold):
        raise ValueError(f"softplus: threshold must not be NaN, got {threshold}")
    return A.Softplus.apply(_float_input(input, "softplus"), float(beta), float(threshold))


def _softmax_dim(x, dim, op):
    if dim is None:  # torch's legacy implicit choice
        dim = 0 if x._data.ndim in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, dtype=None):
    """y = exp(x) / sum(exp(x)) along dim (numerically stable)."""
    x = _float_input(input, "softmax") if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    return R.Softmax.apply(x, _softmax_dim(x, dim, "softmax"))


def log_softmax(input, dim=None, dtype=None):
    """y = x - log(sum(exp(x))) along dim (numerically stable)."""
    x = _float_input(input, "log_softmax") if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    return R.LogSoftmax.apply(x, _softmax_dim(x, dim, "log_softmax"))


# -- reductions -------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over dim (all dims when None); double accumulation."""
    x = input if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    if x._data.dtype.kind != "f":
        d = np.int64 if x._data.dtype.kind in "biu" else None
        return _make(np.asarray(x._data.sum(axis=None if dim is None else R.axes_of(x, dim, "sum"),
                                            keepdims=keepdim, dtype=d)))
    return R.Sum.apply(x, R.axes_of(x, dim, "sum"), bool(keepdim))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over dim (all dims when None)."""
    x = input if dtype is None else to_dtype(input, dtypes.to_dtype(dtype), False)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {dtypes.dtype_name(x._data.dtype)}")
    return R.Mean.apply(x, R.axes_of(x, dim, "mean"), bool(keepdim))


def _maxmin(input, dim, keepdim, is_max, op):
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        if input._data.dtype.kind != "f":
            return _make(np.asarray(input._data.max() if is_max else input._data.min()))
        return R.AmaxAmin.apply(input, tuple(range(input._data.ndim)), False, is_max)
    d = R.wrap_dim(dim, input._data.ndim, op)
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {dim} to have non-zero size.")
    if input._data.dtype.kind != "f":
        fn = np.argmax if is_max else np.argmin
        idx = fn(input._data, axis=d, keepdims=True) if input._data.ndim else np.asarray(0)
        vals = np.take_along_axis(input._data, idx, d) if input._data.ndim else input._data
        if not keepdim and input._data.ndim:
            idx, vals = idx.squeeze(d), vals.squeeze(d)
        return R.MaxMinResult(_make(np.asarray(vals)), _make(np.asarray(idx, np.int64)))
    return R.MaxMinResult(*R.max_min_dim(input, d, bool(keepdim), is_max))


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
    """Max over dims; the gradient is shared evenly among ties, as torch."""
    return R.AmaxAmin.apply(input, R.axes_of(input, dim if dim != () else None, "amax"), bool(keepdim), True)


def amin(input, dim=(), keepdim=False):
    """Min over dims; the gradient is shared evenly among ties, as torch."""
    return R.AmaxAmin.apply(input, R.axes_of(input, dim if dim != () else None, "amin"), bool(keepdim), False)


def argmax(input, dim=None, keepdim=False):
    a = input._data
    if dim is None:
        return _make(np.asarray(np.argmax(a), dtype=np.int64))
    return _make(np.asarray(np.argmax(a, axis=R.wrap_dim(dim, a.ndim, "argmax"), keepdims=keepdim), np.int64))


def argmin(input, dim=None, keepdim=False):
    a = input._data
    if dim is None:
        return _make(np.asarray(np.argmin(a), dtype=np.int64))
    return _make(np.asarray(np.argmin(a, axis=R.wrap_dim(dim, a.ndim, "argmin"), keepdims=keepdim), np.int64))


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """sum((x - mean)^2) / (N - correction) over dim (correction 1 by default, as torch)."""
    if isinstance(dim, bool):  # var(x, False) is var(x, unbiased=False)
        dim, unbiased = None, dim
    return R.Var.apply(_float_input(input, "var"), R.axes_of(input, dim, "var"),
                       _correction(unbiased, correction), bool(keepdim), False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """sqrt(var(...)); the gradient is 0 where std is 0, as torch."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return R.Var.apply(_float_input(input, "std"), R.axes_of(input, dim, "std"),
                       _correction(unbiased, correction), bool(keepdim), True)


def norm(input, p=2, dim=None, keepdim=False):
    """p-norm over dim (all elements when None): (sum |x|^p)^(1/p)."""
    if p == 2 or p == "fro":
        return R.Norm2.apply(_float_input(input, "norm"), R.axes_of(input, dim, "norm"), bool(keepdim))
    if p == 0:
        return sum(to_dtype(ne(input, 0), input._data.dtype), dim, keepdim)
    if p == 1:
        return sum(abs(input), dim, keepdim)
    if p == float("inf"):
        return amax(abs(input), () if dim is None else dim, keepdim)
    return pow(sum(pow(abs(input), float(p)), dim, keepdim), 1.0 / p)


def all(input, dim=None, keepdim=False):
    axes = None if dim is None else R.axes_of(input, dim, "all")
    return _make(np.asarray(np.all(input._data, axis=axes, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    axes = None if dim is None else R.axes_of(input, dim, "any")
    return _make(np.asarray(np.any(input._data, axis=axes, keepdims=keepdim)))


# -- dtype, copies, in-place --------------------------------------------------------------
def to_dtype(input, dtype, copy=False):
    """Cast; differentiable between float dtypes, no gradient to integer/bool results."""
    if input._data.dtype == dtype:
        return clone(input) if copy else input
    if dtype.kind != "f" or input._data.dtype.kind != "f":
        return _make(input._data.astype(dtype))
    return E.ToDtype.apply(input, dtype)


def clone(input):
    """A copy that stays in the graph (gradient passes through unchanged)."""
    if input._data.dtype.kind != "f":
        return _make(input._data.copy())
    return E.Clone.apply(input)


_INPLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def inplace(self, other, op):
    """self (op)= other, writing into self's array.  Allowed under no_grad or on tensors that
    do not require grad; a leaf that requires grad raises as torch.  A non-leaf that requires
    grad is updated out of place and rebound (``x += y`` then records an ordinary op)."""
    if self.requires_grad and GRAD.enabled:
        if self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if op == "copy":
            raise RuntimeError(f"in-place {op} on a tensor that requires grad is not supported "
                               "outside no_grad(); use an out-of-place op")
        return {"add": add, "sub": sub, "mul": mul, "div": div}[op](self, other)
    a = self._data
    v = other._data if isinstance(other, Tensor) else other
    if isinstance(other, Tensor) and other.requires_grad and GRAD.enabled:
        raise RuntimeError(f"in-place {op} with an operand that requires grad is not supported")
    shape = np.shape(v)
    if shape != a.shape:
        try:
            if np.broadcast_shapes(a.shape, shape) != a.shape:
                raise ValueError
        except ValueError:
            raise RuntimeError(f"{op}_: output with shape {list(a.shape)} doesn't match the broadcast "
                               f"shape {list(np.broadcast_shapes(a.shape, shape)) if _bcast_ok(a.shape, shape) else list(shape)}") from None
    if not a.flags.writeable:
        self._data = a = a.copy()
    if op == "copy":
        a[...] = v
    else:
        if a.dtype.kind != "f" and op == "div":
            raise RuntimeError("result type Float can't be cast to the desired output type Long")
        _INPLACE[op](a, v, out=a, casting="unsafe")
    return self


def _bcast_ok(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def random_like(t, kind, a, b):
    from fastgrad import random as _random
    return _random.sample_like(t._data, kind, a, b)


# -- nn.functional extras (torch.nn.functional names) -------------------------------------
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return mul(input, 0.0)
    from fastgrad import random as _random
    keep = _random.bernoulli_mask(input._data.shape, 1.0 - p)
    scale = np.asarray(1.0 / (1.0 - p), dtype=input._data.dtype)
    return mul(input, np.where(keep, scale, np.zeros((), input._data.dtype)))
