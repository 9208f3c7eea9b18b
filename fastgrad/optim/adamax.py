"""Adamax (weight decay, maximize), torch's update as one fused C call per parameter group."""
from fastgrad.optim._plan import STEPS
from fastgrad.optim.optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """m = b1 m + (1-b1) g;  u = max(b2 u, |g| + eps);  p -= lr/(1-b1^t) m / u.

    ``weight_decay`` adds wd p to g (L2).  State "exp_avg", "exp_inf" and each parameter's own
    "step", as torch.  One fused C call per parameter group."""

    _kernel = "adamax"
    _counter = STEPS
    _hyper = ("lr", "betas", "eps", "weight_decay", "maximize")

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": tuple(float(b) for b in betas), "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _state_names(self, group):
        return ("exp_avg", "exp_inf")
