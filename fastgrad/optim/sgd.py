"""SGD with momentum, dampening, Nesterov, weight decay and maximize (torch's update)."""
from operator import itemgetter

import numpy as np

from fastgrad._ffi import NULL, kernel, rptr, wptr
from fastgrad.optim.optimizer import Optimizer
from fastgrad.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """g' = ±g + wd p;  buf = g' (first step) else momentum buf + (1 - dampening) g';
    d = nesterov ? g' + momentum buf : buf;  p -= lr d   (one fused C call per parameter group)."""

    _multi_kernel = "sgd"
    _multi_options = itemgetter("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
    _multi_counter = "first"

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _prepare_group(self, group):
        """The group's settings as C arguments, converted once per step (not per parameter)."""
        self._settings = (float(group["lr"]), float(group["momentum"]), float(group["dampening"]),
                          float(group["weight_decay"]), int(bool(group["nesterov"])),
                          int(bool(group["maximize"])))

    def _multi_slots(self, group):
        return ("momentum_buffer",) if group["momentum"] != 0 else (None,)

    def _multi_settings(self, group):
        self._prepare_group(group)
        return self._settings

    def _multi_state(self, group, p, a):
        state = self.state[p]
        if state.get("momentum_buffer") is None:
            state["momentum_buffer"] = Tensor._make(np.empty_like(a))   # first step: buf = g'
            return state, True
        return state, False

    def _update(self, group, p, g):
        a = p._data
        lr, momentum, dampening, weight_decay, nesterov, maximize = self._settings
        buf = NULL
        first = 0
        if momentum != 0:
            state = self.state[p]
            t = state.get("momentum_buffer")
            if t is None:
                t = state["momentum_buffer"] = Tensor._make(np.empty_like(a))
                first = 1
            buf = wptr(t._data)
        kernel("sgd_step", a.dtype)(a.size, wptr(a), rptr(g), buf, lr, momentum, dampening, weight_decay,
                                    nesterov, maximize, first)
