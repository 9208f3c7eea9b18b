"""NAdam (momentum decay, decoupled weight decay, maximize), torch's update as one fused C call per
parameter group."""
import numpy as np

from fastgrad import dtypes
from fastgrad.optim._plan import STEPS
from fastgrad.optim.optimizer import Optimizer
from fastgrad.tensor import Tensor

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """mu_t = b1 (1 - 0.96^(t md) / 2),  mu_product = mu_1 ... mu_t;  m, v as Adam;
    d = sqrt(v / (1-b2^t)) + eps;  p -= lr (1-mu_t)/(1-mu_product) g/d + lr mu_{t+1}/(1-mu_product mu_{t+1}) m/d.

    ``weight_decay`` adds wd p to g, or with ``decoupled_weight_decay`` scales p by 1 - lr wd
    first.  State "step", "mu_product" (kept, as torch, in the scalar dtype: float32 unless the
    default dtype is float64), "exp_avg", "exp_avg_sq".  One fused C call per parameter group; each
    parameter's mu_product is advanced here and handed to the kernel with its step."""

    _kernel = "nadam"
    _counter = STEPS
    _hyper = ("lr", "betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay", "maximize")
    _scalar_state = ("step", "mu_product")
    _tensor_scalar = "mu_product"

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": tuple(float(b) for b in betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _state_names(self, group):
        return ("exp_avg", "exp_avg_sq")

    def _init_state(self, group, p, state):
        """step 0, mu_product 1 and zero moments (as torch's lazy initialisation)."""
        state.setdefault("mu_product", 1.0)
        return super()._init_state(group, p, state)

    def _next_tensor_scalar(self, group, state, step):
        """mu_product * mu_step, rounded as torch's 0-d scalar-dtype tensor rounds it."""
        mu = group["betas"][0] * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mp = state["mu_product"]
        if isinstance(mp, Tensor):
            mp = mp.item()
        dt = np.float64 if dtypes.get_default_dtype() == np.float64 else np.float32
        return float(dt(mp) * dt(mu))
