"""Adagrad (lr decay, weight decay, maximize) as one fused C call per parameter."""
from operator import itemgetter

import numpy as np

from fastgrad._ffi import kernel, rptr, wptr
from fastgrad.optim.optimizer import Optimizer
from fastgrad.tensor import Tensor

__all__ = ["Adagrad"]

_make = Tensor._make


class Adagrad(Optimizer):
    """clr = lr / (1 + (t-1) lr_decay);  s += g^2;  p -= clr g / (sqrt(s) + eps).

    As torch, the state (step 0, sum = initial_accumulator_value) exists from construction.
    One fused C call per parameter group."""

    _multi_kernel = "adagrad"
    _multi_options = itemgetter("lr", "lr_decay", "weight_decay", "eps", "maximize")
    _multi_counter = "steps"

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def _init_group_state(self, group):
        for p in group["params"]:
            state = self.state[p]
            state["step"] = 0
            state["sum"] = _make(np.full_like(p._data, group["initial_accumulator_value"]))

    def _multi_slots(self, group):
        return ("sum",)

    def _multi_settings(self, group):
        return (float(group["lr"]), float(group["lr_decay"]), float(group["weight_decay"]), float(group["eps"]),
                int(bool(group["maximize"])))

    def _multi_state(self, group, p, a):
        state = self.state[p]
        if not state:
            self._init_group_state({"params": [p], "initial_accumulator_value": group["initial_accumulator_value"]})
        return state, False

    def _update(self, group, p, g):
        a = p._data
        state = self.state[p]
        if not state:
            self._init_group_state({"params": [p], "initial_accumulator_value": group["initial_accumulator_value"]})
        state["step"] = step = state["step"] + 1
        kernel("adagrad_step", a.dtype)(a.size, wptr(a), rptr(g), wptr(state["sum"]._data), float(group["lr"]),
                                        float(group["lr_decay"]), float(group["weight_decay"]),
                                        float(group["eps"]), int(bool(group["maximize"])), step)
