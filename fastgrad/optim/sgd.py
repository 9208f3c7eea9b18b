"""SGD with momentum, dampening, Nesterov, weight decay and maximize (torch's update)."""
import numpy as np

from fastgrad.optim._plan import FIRST
from fastgrad.optim.optimizer import Optimizer
from fastgrad.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """g' = ±g + wd p;  buf = g' (first step) else momentum buf + (1 - dampening) g';
    d = nesterov ? g' + momentum buf : buf;  p -= lr d   (one fused C call per parameter group)."""

    _kernel = "sgd"
    _counter = FIRST
    _hyper = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

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

    def _state_names(self, group):
        return ("momentum_buffer",) if group["momentum"] != 0 else (None,)

    def _init_state(self, group, p, state):
        """No buffer yet (or None, as torch): an empty one and the first-step flag (buf = g')."""
        if state.get("momentum_buffer") is None:
            state["momentum_buffer"] = Tensor._make(np.empty_like(p._data))
            return True
        return False
