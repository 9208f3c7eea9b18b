"""RAdam (rectified Adam; decoupled weight decay, maximize), torch's update as one fused C call per
parameter group."""
from fastgrad.optim._plan import STEPS
from fastgrad.optim.optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """m, v as Adam;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t), rho_inf = 2/(1-b2) - 1;
    rho_t > 5: p -= lr m/(1-b1^t) * sqrt(1-b2^t)/(sqrt(v) + eps) * r_t (the variance rectification),
    else p -= lr m/(1-b1^t).

    ``weight_decay`` adds wd p to g, or with ``decoupled_weight_decay`` scales p by 1 - lr wd
    first.  One fused C call per parameter group (its rho_t computed per step in double)."""

    _kernel = "radam"
    _counter = STEPS
    _hyper = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
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
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _state_names(self, group):
        return ("exp_avg", "exp_avg_sq")
