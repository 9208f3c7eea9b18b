"""Weight initialisation (torch.nn.init): in-place fills drawn from fastgrad's global RNG.

All functions write into ``tensor``'s array without recording a graph and return the tensor.
"""
import math
import warnings

import numpy as np

from fastgrad import random as _random

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
           "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "dirac_", "sparse_", "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
           "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"]


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (torch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fill(tensor, values, generator=None):
    a = tensor._data
    if not a.flags.writeable:
        tensor._data = a = a.copy()
    a[...] = values
    return tensor


def _sample(tensor, kind, lo, hi, generator=None):
    if generator is not None:
        rng = _random.get_rng(generator)
        shape = tensor._data.shape
        if kind == "uniform":
            return rng.uniform(lo, hi, shape)
        return rng.normal(lo, hi, shape)
    return _random.sample_like(tensor._data, kind, lo, hi)


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """tensor ~ U(a, b)."""
    return _fill(tensor, _sample(tensor, "uniform", a, b, generator))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """tensor ~ N(mean, std^2)."""
    return _fill(tensor, _sample(tensor, "normal", mean, std, generator))


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None):
    """tensor ~ N(mean, std^2) conditioned on a <= x <= b (rejection sampling)."""
    shape = tensor._data.shape
    out = np.empty(shape, np.float64)
    todo = np.ones(shape, bool)
    probe = type(tensor)._make(np.empty(0))
    while todo.any():
        probe._data = np.empty(int(todo.sum()))
        draw = np.asarray(_sample(probe, "normal", mean, std, generator), np.float64)
        out[todo] = draw
        todo &= (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor, val: float):
    """tensor = val everywhere."""
    return _fill(tensor, val)


def ones_(tensor):
    return _fill(tensor, 1.0)


def zeros_(tensor):
    return _fill(tensor, 0.0)


def eye_(tensor):
    """The identity matrix (2-D tensors only)."""
    if tensor._data.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor._data.shape))


def _calculate_fan_in_and_fan_out(tensor):
    shape = tensor._data.shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(2.0 / float(fan_in + fan_out)) * math.sqrt(3.0)
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    """U(-b, b) with b = gain(nonlinearity, a) * sqrt(3 / fan_mode)."""
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    """N(0, std^2) with std = gain(nonlinearity, a) / sqrt(fan_mode)."""
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def orthogonal_(tensor, gain: float = 1.0, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times gain."""
    if tensor._data.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor._data.size == 0:
        return tensor                                   # nothing to fill, as torch
    rows = tensor._data.shape[0]
    cols = tensor._data.size // rows
    flat = np.asarray(_sample(type(tensor)._make(np.empty((rows, cols))), "normal", 0.0, 1.0, generator),
                      dtype=np.float64)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor._data.shape))


def dirac_(tensor, groups: int = 1):
    """The identity of a convolution: w[g*out_per_group + d, d, centre...] = 1 for d < min(out_per_group,
    in_channels), 0 elsewhere (3-, 4- or 5-D weights)."""
    a = tensor._data
    if a.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if a.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = a.shape[0] // groups
    values = np.zeros(a.shape)
    centre = tuple(s // 2 for s in a.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, a.shape[1])):
            values[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, values)


def sparse_(tensor, sparsity: float, std: float = 0.01, generator=None):
    """N(0, std^2), then ceil(sparsity * rows) entries of every column (rows chosen at random) set to 0."""
    a = tensor._data
    if a.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = a.shape
    num_zeros = int(math.ceil(sparsity * rows))
    values = np.array(_sample(tensor, "normal", 0.0, std, generator), dtype=np.float64)
    rng = _random.get_rng(generator)
    for col in range(cols):
        values[rng.permutation(rows)[:num_zeros], col] = 0.0
    return _fill(tensor, values)


# -- torch's deprecated spellings without the trailing underscore ------------------------------
def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"{old_name}(...): deprecated, warns and calls :func:`{new_name}`."
    deprecated_init.__name__ = old_name
    deprecated_init.__qualname__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
