"""Numerical odds and ends with torch's names, defaults and errors: diff, trapezoid / trapz /
cumulative_trapezoid, xlogy, fmax / fmin, signbit, isin, logspace, the deprecated range, renorm,
dist and addr (cov / corrcoef: statistics.py).  Every differentiable one is composed of
differentiable fastgrad ops (its gradient is theirs); the bool results (signbit, isin) are plain
arrays, as torch's have no gradient."""
import math
import numbers
import warnings

import numpy as np

from fastgrad import dtypes
from fastgrad.creation import _astype, _dtype, _finish
from fastgrad.functional._promote import Number, clone, operand, result_dtype, to_dtype
from fastgrad.lowp import values
from fastgrad.functional._rebind import inplace_result
from fastgrad.functional.elementwise import add, div, mul, sub
from fastgrad.functional.gather_scatter import where
from fastgrad.functional.indexing import getitem
from fastgrad.functional.norms import vector_norm
from fastgrad.functional.products import outer
from fastgrad.functional.reduce import sum as _sum
from fastgrad.functional.scan import cumsum
from fastgrad.functional.shape import cat, reshape
from fastgrad.functional.pointwise import inplace_method
from fastgrad.ops.common import broadcast_shape, wrap_dim
from fastgrad.ops.special import Xlogy
from fastgrad.tensor import Tensor

__all__ = ["diff", "trapezoid", "trapz", "cumulative_trapezoid", "xlogy", "fmax", "fmin", "signbit", "isin",
           "logspace", "deprecated_range", "renorm", "dist", "addr"]

_make = Tensor._make


def _check_tensor(x, op, name="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _slice(x, d, start, stop):
    """x[..., start:stop, ...] along dim d (a differentiable view)."""
    return getitem(x, (slice(None),) * d + (slice(start, stop),))


# -- differences and integration ----------------------------------------------------------
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """out[i] = input[i + 1] - input[i] along ``dim``, ``n`` times (logical xor for bool), after
    concatenating ``prepend`` / ``append`` along ``dim``."""
    _check_tensor(input, "diff")
    for name, t in (("prepend", prepend), ("append", append)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(t).__name__}")
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    for t in (prepend, append):
        if t is not None and t._data.ndim != nd:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    d = wrap_dim(dim, nd, "diff")
    for t in (prepend, append):
        if t is not None:
            for i, (a, b) in enumerate(zip(input._data.shape, t._data.shape)):
                if i != d and a != b:
                    raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match that of "
                                       f"input except along the differencing dimension; input.size({i}) = {a}, but "
                                       f"got tensor.size({i}) = {b}")
    x = input
    if prepend is not None or append is not None:
        x = cat([t for t in (prepend, input, append) if t is not None], d)
    for _ in range(n):
        length = x._data.shape[d]
        if length == 0:
            break
        hi, lo = _slice(x, d, 1, None), _slice(x, d, 0, length - 1)
        x = _make(np.logical_xor(hi._data, lo._data)) if x._data.dtype == np.bool_ else sub(hi, lo)
    return x if x is not input else clone(input)


def _dx_along(y, x, d, op):
    """The spacings of the sample points ``x`` along y's dim d: a 1-D x (one value per sample) is
    laid along d; any other x is differenced along its own dim d and broadcast, as torch."""
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[d]:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point")
        dx = diff(x)
        return reshape(dx, tuple(dx._data.shape[0] if i == d else 1 for i in range(y._data.ndim)))
    return diff(x, dim=d)


def _trapezoid_args(y, x, dx, dim, op):
    _check_tensor(y, op, "y")
    if x is not None and dx is not None:
        raise TypeError(f"{op}() received an invalid combination of arguments: give x or dx, not both")
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'x' (position 2) must be Tensor, not {type(x).__name__}")
    if dx is not None and not isinstance(dx, Number):
        raise TypeError(f"{op}(): argument 'dx' must be a number, not {type(dx).__name__}")
    if y._data.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, y._data.ndim, op)


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """sum_i (x[i+1] - x[i]) (y[i+1] + y[i]) / 2 along ``dim`` (spacing ``dx``, default 1, when no
    ``x`` is given)."""
    d = _trapezoid_args(y, x, dx, dim, "trapezoid")
    n = y._data.shape[d]
    if x is None:
        dx = 1 if dx is None else dx
        if n == 0:
            return mul(_sum(y, d), 0)
        ends = add(_slice(y, d, 0, 1), _slice(y, d, n - 1, n))
        return mul(sub(_sum(y, d), mul(_sum(ends, d), 0.5)), dx)
    spacing = _dx_along(y, x, d, "trapezoid")
    if n == 0:
        return mul(_sum(y, d), 0)
    return _sum(div(mul(spacing, add(_slice(y, d, 1, None), _slice(y, d, 0, n - 1))), 2.0), d)


def trapz(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """trapezoid (torch's older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoid rule along ``dim``: one element less than y along ``dim``."""
    d = _trapezoid_args(y, x, dx, dim, "cumulative_trapezoid")
    n = y._data.shape[d]
    if x is None:
        pairs = add(_slice(y, d, 1, None), _slice(y, d, 0, max(n - 1, 0)))
        return cumsum(mul(pairs, (1 if dx is None else dx) / 2.0), d)
    spacing = _dx_along(y, x, d, "cumulative_trapezoid")
    pairs = add(_slice(y, d, 1, None), _slice(y, d, 0, max(n - 1, 0)))
    return cumsum(div(mul(spacing, pairs), 2.0), d)


# -- pointwise ----------------------------------------------------------------------------
def _float_pair(a, b, op):
    """(a, b) as operands of torch's result type, integer/bool results promoted to the default float."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(a).__name__}")
    for x in (a, b):
        if not isinstance(x, (Tensor, Number)):
            raise TypeError(f"{op}(): expected a Tensor or a number, got {type(x).__name__}")
    broadcast_shape(np.shape(a._data if isinstance(a, Tensor) else a),
                    np.shape(b._data if isinstance(b, Tensor) else b), op)
    dt = result_dtype(a, b)
    if dt.kind not in "fV":
        dt = dtypes.get_default_dtype()
    return operand(a, dt, op), operand(b, dt, op)


def xlogy(input, other) -> Tensor:
    """y = input * log(other), 0 where input is 0 (unless other is NaN); integers give the default
    float dtype."""
    x, y = _float_pair(input, other, "xlogy")
    return Xlogy.apply(x, y)


def _fminmax(input, other, op, keep):
    _check_tensor(input, op)
    _check_tensor(other, op, "other", 2)
    dt = result_dtype(input, other)
    a, b = operand(input, dt, op), operand(other, dt, op)
    broadcast_shape(a._data.shape, b._data.shape, op)
    av, bv = values(a._data), values(b._data)
    take_a = keep(av, bv)
    if dt.kind in "fV":
        take_a = take_a | np.isnan(bv)
    return where(_make(np.asarray(take_a)), a, b)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); ties send the whole
    gradient to ``input``, as torch."""
    return _fminmax(input, other, "fmax", np.greater_equal)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum that ignores NaN (NaN only where both are NaN); ties send the whole
    gradient to ``input``, as torch."""
    return _fminmax(input, other, "fmin", np.less_equal)


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (-0.0 and NaNs with the sign bit included); bool result."""
    _check_tensor(input, "signbit")
    a = input._data
    if a.dtype.kind == "V":
        a = _astype(a, np.dtype(np.float32))
    return _make(np.asarray(np.signbit(a) if a.dtype.kind in "fiu" else np.zeros(a.shape, bool)))


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of ``elements`` occurs in ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): at least one of 'elements' and 'test_elements' must be a Tensor")
    arrs = []
    for x in (elements, test_elements):
        if isinstance(x, Tensor):
            a = x._data
            if a.dtype == np.bool_:
                raise RuntimeError("Unsupported input type encountered for isin(): Bool")
            a = values(a)
        elif isinstance(x, Number) and not isinstance(x, (bool, np.bool_)):
            a = np.asarray(x)
        else:
            raise TypeError(f"isin(): expected a Tensor or a number, got {type(x).__name__}")
        arrs.append(a)
    return _make(np.asarray(np.isin(arrs[0], arrs[1], invert=bool(invert))))


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False,
             out=None, layout=None) -> Tensor:
    """``steps`` points base ** linspace(start, end, steps)."""
    if out is not None:
        raise NotImplementedError("logspace: out= is not supported")
    if device is not None:
        from fastgrad.device import check_device
        check_device(device, "logspace")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dtype(dtype)
    if dt == np.bool_:
        raise NotImplementedError('"logspace_cpu" not implemented for \'Bool\'')
    start, end = (float(v.item()) if isinstance(v, Tensor) else v for v in (start, end))
    with np.errstate(over="ignore"):
        vals = np.power(float(base), np.linspace(start, end, steps))
    if dt.kind in "iu":
        vals = np.trunc(vals)
    return _finish(_astype(vals, dt), requires_grad)


def deprecated_range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None,
                     layout=None) -> Tensor:
    """torch.range (deprecated, with torch's warning): start, start + step, ... up to and including
    ``end``; the default float dtype unless ``dtype`` is given."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if out is not None:
        raise NotImplementedError("range: out= is not supported")
    if device is not None:
        from fastgrad.device import check_device
        check_device(device, "range")
    if end is None:
        raise TypeError("range() missing required argument 'end' (pos 2)")
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    dt = _dtype(dtype)
    if dt.kind in "iub":
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.floor((end - start) / step)) + 1
    vals = start + np.arange(n, dtype=np.float64 if dt.kind in "fV" else np.int64) * step
    return _finish(_astype(vals, dt), requires_grad)


# -- norms and products -------------------------------------------------------------------
def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice input.select(dim, i) whose p-norm exceeds ``maxnorm`` scaled to norm maxnorm
    (by maxnorm / (norm + 1e-7), as torch)."""
    _check_tensor(input, "renorm")
    if not isinstance(p, numbers.Real) or p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    nd = input._data.ndim
    d = wrap_dim(dim, nd, "renorm")
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    others = tuple(i for i in range(nd) if i != d)
    norm = vector_norm(input, p, others, keepdim=True)
    over = _make(np.asarray(values(norm._data) > maxnorm))
    factor = where(over, div(maxnorm, add(norm, 1e-7)), _make(np.ones((), norm._data.dtype)))
    return mul(input, factor)


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    """The p-norm of input - other (broadcast), a 0-d tensor."""
    _check_tensor(input, "dist")
    _check_tensor(other, "dist", "other", 2)
    d = sub(input, other)
    if d._data.dtype.kind not in "fV":
        d = to_dtype(d, dtypes.get_default_dtype())
    return vector_norm(d, p)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2) (input broadcast to (n, m); ignored when beta is 0)."""
    for i, (name, t) in enumerate((("input", input), ("vec1", vec1), ("vec2", vec2))):
        _check_tensor(t, "addr", name, i + 1)
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    dt = result_dtype(result_dtype(input, vec1), vec2)
    if dt.kind in "iu":
        for name, s in (("beta", beta), ("alpha", alpha)):
            if isinstance(s, (float, np.floating)):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    shape = (vec1._data.shape[0], vec2._data.shape[0])
    try:
        ok = broadcast_shape(input._data.shape, shape, "addr") == shape
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(f"addr: the input of shape {list(input._data.shape)} cannot be broadcast to the "
                           f"outer product's shape {list(shape)}")
    prod = outer(operand(vec1, dt, "addr"), operand(vec2, dt, "addr"))
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:
        return prod
    inp = operand(input, dt, "addr")
    return add(inp if beta == 1 else mul(inp, beta), prod)


def renorm_(self: Tensor, p, dim: int, maxnorm) -> Tensor:
    return inplace_result(self, "renorm_", lambda s: renorm(s, p, dim, maxnorm))


def addr_(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return inplace_result(self, "addr_", lambda s: addr(s, vec1, vec2, beta=beta, alpha=alpha), (vec1, vec2))


xlogy_ = inplace_method(xlogy)

TENSOR_METHODS = {"diff": diff, "xlogy": xlogy, "xlogy_": xlogy_, "fmax": fmax, "fmin": fmin, "signbit": signbit,
                  "renorm": renorm, "renorm_": renorm_, "dist": dist,
                  "addr": addr, "addr_": addr_}
