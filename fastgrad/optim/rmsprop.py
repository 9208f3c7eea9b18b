"""RMSprop (centered, momentum, weight decay, maximize) as one fused C call per parameter group."""
from fastgrad.optim._plan import COUNT
from fastgrad.optim.optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """sq = alpha sq + (1-alpha) g^2;  avg = sqrt(sq [- ga^2 if centered]) + eps;
    p -= lr g / avg  (or through a momentum buffer buf = momentum buf + g / avg).  One fused C
    call per parameter group."""

    _kernel = "rmsprop"
    _counter = COUNT
    _hyper = ("lr", "alpha", "eps", "weight_decay", "momentum", "maximize")
    _structure = ("centered",)

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

    def _state_names(self, group):
        return ("square_avg", "grad_avg" if group["centered"] else None,
                "momentum_buffer" if float(group["momentum"]) > 0 else None)
