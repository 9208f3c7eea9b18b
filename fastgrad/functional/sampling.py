"""Sampling from tensors of parameters with torch's forms and errors: ``normal`` (its four
overloads, differentiable in mean and std), ``bernoulli``, ``poisson``, ``binomial``,
``multinomial``, and the
in-place initialisers ``uniform_ normal_ bernoulli_ exponential_ geometric_ log_normal_ cauchy_
random_``.  Streams are numpy's (fastgrad/random.py), not torch's."""
import numbers

import numpy as np

from fastgrad import dtypes
from fastgrad.lowp import cast as lowp_cast, values, via_float32
from fastgrad.creation import _dtype, _finish, _size
from fastgrad.creation_random import float_only
from fastgrad.device import check_device
from fastgrad.functional.elementwise import add, mul
from fastgrad.functional.inplace import inplace
from fastgrad.random import get_rng
from fastgrad.tensor import Tensor

__all__ = ["normal", "bernoulli", "poisson", "binomial", "multinomial"]

_make = Tensor._make


def _float_tensor_dtype(*xs):
    ds = [x._data.dtype for x in xs if isinstance(x, Tensor)]
    return np.result_type(*ds) if ds else dtypes.get_default_dtype()


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
           out=None) -> Tensor:
    """Samples of N(mean, std²): tensor/tensor (broadcast), float/tensor, tensor/float, or
    float/float with ``size``.  Differentiable in a tensor mean (gradient 1) and std (gradient eps)."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if (tm and mean._data.dtype.kind == "V") or (ts and std._data.dtype.kind == "V"):  # bfloat16 (lowp.py)
        return via_float32(normal, mean, std, size, generator=generator, dtype=dtype, device=device,
                           requires_grad=requires_grad, out=out)
    if not (tm or ts):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with a float mean "
                            "and std, size is required")
        check_device(device, "normal")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dt = _dtype(dtype)
        float_only(dt, "normal_kernel_cpu", "normal")
        shape = _size((size,), "normal")
        eps = get_rng(generator).standard_normal(shape)
        return _finish(lowp_cast(eps * std + mean, dt), requires_grad)  # (bfloat16 too: lowp.py)
    if size is not None:
        raise TypeError("normal(): size is only accepted with a float mean and a float std")
    for x in (mean, std):
        if isinstance(x, Tensor):
            float_only(x._data.dtype, "normal_kernel_cpu", "normal")
    if ts and (std._data < 0).any():
        raise RuntimeError("normal: normal expects all elements of std >= 0.0")
    dt = _float_tensor_dtype(mean, std)
    shapes = [x._data.shape for x in (mean, std) if isinstance(x, Tensor)]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"normal: the size of mean {list(shapes[0])} must match the size of std "
                           f"{list(shapes[-1])} (broadcastable)") from None
    eps = lowp_cast(get_rng(generator).standard_normal(shape), dt)
    scaled = mul(std, _make(eps)) if ts else _make(eps * np.asarray(std, dt))
    return add(mean, scaled) if tm else add(scaled, _make(np.full(shape, mean, dt)))


def _zero_grad_like(input, sample):
    """``sample`` as the result of a node that gives ``input`` a zero gradient (as torch's
    BernoulliBackward / PoissonBackward), or a plain tensor when input needs no gradient."""
    if input.requires_grad:
        return add(mul(input, 0.0), _make(sample))
    return _make(sample)


def _prob_check(p_arr):
    if p_arr.size and not ((p_arr >= 0) & (p_arr <= 1)).all():
        raise RuntimeError("bernoulli: expected all probabilities p to be in [0, 1]")


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with probability ``input`` (or the float ``p``), in input's dtype."""
    float_only(input._data.dtype, "bernoulli_tensor_cpu_p_", "bernoulli")
    probs = values(input._data) if p is None else np.asarray(p, np.float64)
    _prob_check(probs)
    u = get_rng(generator).random(input._data.shape)
    return _zero_grad_like(input, lowp_cast(u < values(probs), input._data.dtype))


def poisson(input, generator=None) -> Tensor:
    """Poisson samples with rates ``input`` (non-negative), in input's dtype."""
    float_only(input._data.dtype, "poisson_cpu", "poisson")
    if (values(input._data) < 0).any():
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    return _zero_grad_like(input, lowp_cast(get_rng(generator).poisson(values(input._data)), input._data.dtype))


def binomial(count, prob, generator=None) -> Tensor:
    """Binomial samples: successes in ``count`` trials of probability ``prob`` (the two broadcast;
    both float, of one dtype), in count's dtype; counts below 0 give 0, probabilities are clipped to
    [0, 1].  No gradient (torch's backward raises)."""
    for name, t in (("count", count), ("prob", prob)):
        if not isinstance(t, Tensor):
            raise TypeError(f"binomial(): argument '{name}' must be Tensor, not {type(t).__name__}")
    c, p = count._data, prob._data
    if c.dtype.kind not in "fV":
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {_legacy_name(c.dtype)}")
    if p.dtype != c.dtype:
        fname = {"float32": "Float", "float64": "Double", "float16": "Half", "V2": "BFloat16"}
        raise RuntimeError(f"Found dtype {fname.get(p.dtype.name, _legacy_name(p.dtype))} but expected "
                           f"{fname.get(c.dtype.name, c.dtype.name)}")
    cv, pv = np.broadcast_arrays(values(c).astype(np.float64), values(p).astype(np.float64))
    n = np.floor(np.clip(np.nan_to_num(cv, nan=0.0), 0, None)).astype(np.int64)
    draw = get_rng(generator).binomial(n, np.clip(np.nan_to_num(pv, nan=0.0), 0, 1)).astype(np.float64)
    draw = np.where(np.isnan(cv) | np.isnan(pv), np.nan, draw)
    return _make(np.asarray(lowp_cast(draw, c.dtype), order="C"))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Indices drawn from the rows of ``input`` (unnormalised non-negative weights, 1-D or 2-D):
    int64 of shape (num_samples,) or (rows, num_samples); without replacement each index at most
    once per row (torch's method: the top ``num_samples`` of p / Exp(1))."""
    p = input._data
    if p.dtype.kind not in "fV":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_legacy_name(p.dtype)}")
    if p.ndim not in (1, 2):
        raise RuntimeError("multinomial: " + "prob_dist must be 1 or 2 dim")
    if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool):
        raise TypeError(f"multinomial(): num_samples must be an int, got {type(num_samples).__name__}")
    if num_samples <= 0:
        raise RuntimeError("multinomial: " + "cannot sample n_sample <= 0 samples")
    n = p.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("multinomial: " + "cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = p.reshape(-1, n).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: " + "probability tensor contains either `inf`, `nan` or element < 0")
    sums = rows.sum(axis=1)
    if (sums <= 0).any():
        raise RuntimeError("multinomial: " + "invalid multinomial distribution (sum of probabilities <= 0)")
    rng = get_rng(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1) / sums[:, None]
        u = rng.random((rows.shape[0], num_samples))
        idx = np.stack([np.searchsorted(c, ui, side="right") for c, ui in zip(cdf, u)])
        idx = np.minimum(idx, n - 1)
    else:
        with np.errstate(divide="ignore"):
            keys = rows / rng.exponential(size=rows.shape)
        idx = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return _make(idx.astype(np.int64).reshape(p.shape[:-1] + (num_samples,)))


def _legacy_name(d):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(d.name, d.name)


# -- in-place initialisers ----------------------------------------------------------
def _fill(self, arr):
    return inplace(self, arr, "copy")


def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
    a, b = kw.get("from", a), kw.get("to", b)
    float_only(self._data.dtype, "check_uniform_bounds", "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(self, get_rng(generator).random(self._data.shape) * (b - a) + a)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    float_only(self._data.dtype, "normal_kernel_cpu", "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, get_rng(generator).standard_normal(self._data.shape) * std + mean)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    float_only(self._data.dtype, "log_normal_cpu", "log_normal_")
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, get_rng(generator).lognormal(mean, std, self._data.shape))


def exponential_(self, lambd=1.0, *, generator=None):
    float_only(self._data.dtype, "exponential_cpu", "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, get_rng(generator).exponential(1.0 / lambd, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    float_only(self._data.dtype, "cauchy_cpu", "cauchy_")
    return _fill(self, get_rng(generator).standard_cauchy(self._data.shape) * sigma + median)


def geometric_(self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, get_rng(generator).geometric(p, self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    probs = p._data if isinstance(p, Tensor) else np.asarray(p, np.float64)
    _prob_check(probs)
    return _fill(self, get_rng(generator).random(self._data.shape) < probs)


def random_(self, *args, generator=None, **kw):
    """Integers uniform on [from, to): random_(from, to), random_(to) = [0, to), and random_()
    spans what the dtype holds exactly (2**24 for float32, 2**53 for float64, an integer type's
    max, as torch)."""
    if len(args) > 2:
        raise TypeError("random_() takes at most 2 positional arguments (from, to)")
    lo, hi = (args[0], args[1]) if len(args) == 2 else (0, args[0]) if args else (0, None)
    lo, hi = kw.get("from", lo), kw.get("to", hi)
    d = self._data.dtype
    if hi is None:
        hi = (2 if d.kind == "b" else 2 ** (np.finfo(d).nmant + 1) + 1 if d.kind in "fV"
              else int(np.iinfo(d).max) + 1)
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    return _fill(self, get_rng(generator).integers(lo, hi - 1, self._data.shape, dtype=np.int64, endpoint=True))


TENSOR_METHODS = {"uniform_": uniform_, "normal_": normal_, "log_normal_": log_normal_,
                  "exponential_": exponential_, "cauchy_": cauchy_, "geometric_": geometric_,
                  "bernoulli_": bernoulli_, "random_": random_, "bernoulli": bernoulli,
                  "multinomial": multinomial}
