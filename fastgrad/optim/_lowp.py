"""Optimizer steps of float16/bfloat16 parameters: the float32 kernel on float32 copies, rounded
back (as torch's CPU computes half-precision arithmetic in float32).  The parameter's state
tensors of its shape keep its dtype between steps; others (the step count) stay as they are."""
import numpy as np

from fastgrad.lowp import LOWP, from_float32, to_float32
from fastgrad.tensor import Tensor

__all__ = ["step_lowp"]

_make = Tensor._make
_F32 = np.dtype(np.float32)


def _up(v, shape):
    if isinstance(v, Tensor) and v._data.dtype in LOWP and v._data.shape == shape:
        return _make(to_float32(v._data))
    return v


def _down(v, shape, d):
    if isinstance(v, Tensor) and v._data.dtype == _F32 and v._data.shape == shape:
        return _make(from_float32(v._data, d))
    return v


def step_lowp(opt, group, params, names, settings, make_plan, run_plan) -> None:
    """One step of each float16/bfloat16 parameter in ``params`` (each has a gradient)."""
    for p in params:
        d, shape = p._data.dtype, p._data.shape
        proxy = _make(to_float32(p._data))
        proxy.requires_grad = True
        g = p._grad._data
        proxy._grad = _make(to_float32(g) if g.dtype in LOWP else np.asarray(g, _F32))
        opt.state[proxy] = {k: _up(v, shape) for k, v in opt.state[p].items()}
        try:
            run_plan(opt, group, make_plan(opt, {"params": [proxy]}, names), settings)
        finally:
            st = opt.state.pop(proxy)
        p._data[...] = from_float32(proxy._data, d)
        opt.state[p] = {k: _down(v, shape, d) for k, v in st.items()}
