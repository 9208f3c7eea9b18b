"""RMSprop (centered, momentum, weight decay, maximize) as one fused C call per parameter."""
from operator import itemgetter

import numpy as np

from fastgrad._ffi import NULL, kernel, rptr, wptr
from fastgrad.optim.optimizer import Optimizer
from fastgrad.tensor import Tensor

__all__ = ["RMSprop"]

_make = Tensor._make


class RMSprop(Optimizer):
    """sq = alpha sq + (1-alpha) g^2;  avg = sqrt(sq [- ga^2 if centered]) + eps;
    p -= lr g / avg  (or through a momentum buffer buf = momentum buf + g / avg).  One fused C
    call per parameter group."""

    _multi_kernel = "rmsprop"
    _multi_options = itemgetter("lr", "alpha", "eps", "weight_decay", "momentum", "maximize", "centered")
    _multi_counter = "count"

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False, differentiable: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _multi_slots(self, group):
        return ("square_avg", "grad_avg" if group["centered"] else None,
                "momentum_buffer" if float(group["momentum"]) > 0 else None)

    def _multi_settings(self, group):
        return (float(group["lr"]), float(group["alpha"]), float(group["eps"]), float(group["weight_decay"]),
                float(group["momentum"]), int(bool(group["maximize"])))

    def _multi_state(self, group, p, a):
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["square_avg"] = _make(np.zeros_like(a))
        for name in self._multi_slots(group)[1:]:
            if name and name not in state:
                state[name] = _make(np.zeros_like(a))
        return state, False

    def _update(self, group, p, g):
        a = p._data
        state = self.state[p]
        momentum = float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = _make(np.zeros_like(a))
            if momentum > 0:
                state["momentum_buffer"] = _make(np.zeros_like(a))
            if group["centered"]:
                state["grad_avg"] = _make(np.zeros_like(a))
        state["step"] += 1
        ga = wptr(state["grad_avg"]._data) if group["centered"] else NULL
        buf = wptr(state["momentum_buffer"]._data) if momentum > 0 else NULL
        kernel("rmsprop_step", a.dtype)(a.size, wptr(a), rptr(g), wptr(state["square_avg"]._data), ga, buf,
                                        float(group["lr"]), float(group["alpha"]), float(group["eps"]),
                                        float(group["weight_decay"]), momentum, int(bool(group["maximize"])))
