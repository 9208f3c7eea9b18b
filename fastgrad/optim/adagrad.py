"""Adagrad (lr decay, weight decay, maximize) as one fused C call per parameter group."""
import numpy as np

from fastgrad.optim._plan import STEPS
from fastgrad.optim.optimizer import Optimizer
from fastgrad.tensor import Tensor

__all__ = ["Adagrad"]

_make = Tensor._make


class Adagrad(Optimizer):
    """clr = lr / (1 + (t-1) lr_decay);  s += g^2;  p -= clr g / (sqrt(s) + eps).

    As torch, the state (step 0, sum = initial_accumulator_value) exists from construction.
    One fused C call per parameter group."""

    _kernel = "adagrad"
    _counter = STEPS
    _hyper = ("lr", "lr_decay", "weight_decay", "eps", "maximize")
    _eager_state = True

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

    def _state_names(self, group):
        return ("sum",)

    def _init_state(self, group, p, state):
        """step 0 and sum = initial_accumulator_value (made when the group is added, as torch)."""
        if not state:
            state["step"] = 0
            state["sum"] = _make(np.full_like(p._data, group["initial_accumulator_value"]))
        return False
