"""Adadelta (weight decay, maximize), torch's update as one fused C call per parameter group."""
from fastgrad.optim._plan import COUNT
from fastgrad.optim.optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """sq = rho sq + (1-rho) g^2;  d = sqrt(acc + eps) / sqrt(sq + eps) g;
    acc = rho acc + (1-rho) d^2;  p -= lr d.

    ``weight_decay`` adds wd p to g.  State "square_avg", "acc_delta" and "step", as torch.  One
    fused C call per parameter group."""

    _kernel = "adadelta"
    _counter = COUNT
    _hyper = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _state_names(self, group):
        return ("square_avg", "acc_delta")
