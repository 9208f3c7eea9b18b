"""More activations (csrc/activation_more.c): silu, mish, elu (selu and celu are its settings),
logsigmoid, softsign and hardtanh (relu6), each a kernel pair reading the saved input."""
from fastgrad._ffi import kernels
from fastgrad.autograd.function import register
from fastgrad.ops.activation import FromInput

__all__ = ["SiLU", "Mish", "ELU", "LogSigmoid", "Softsign", "Hardtanh"]


@register("silu")
class SiLU(FromInput):
    """y = x sigmoid(x).  dx = dy s (1 + x (1 - s)), s = sigmoid(x)."""

    KERNELS = kernels("silu_fwd"), kernels("silu_bwd")


@register("mish")
class Mish(FromInput):
    """y = x tanh(softplus(x)).  dx = dy (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x))."""

    KERNELS = kernels("mish_fwd"), kernels("mish_bwd")


@register("elu")
class ELU(FromInput):
    """y = x > 0 ? scale x : alpha scale expm1(input_scale x) (settings alpha, scale, input_scale).
    dx = dy scale, or dy input_scale alpha scale exp(input_scale x) for x <= 0 (torch's value at 0)."""

    KERNELS = kernels("elu_fwd"), kernels("elu_bwd")


@register("logsigmoid")
class LogSigmoid(FromInput):
    """y = log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)).  dx = dy (1 - sigmoid(x))."""

    KERNELS = kernels("logsigmoid_fwd"), kernels("logsigmoid_bwd")


@register("softsign")
class Softsign(FromInput):
    """y = x / (1 + |x|).  dx = dy / (1 + |x|)^2."""

    KERNELS = kernels("softsign_fwd"), kernels("softsign_bwd")


@register("hardtanh")
class Hardtanh(FromInput):
    """y = clamp(x, min_val, max_val).  dx = dy strictly inside, 0 at and beyond the ends (torch)."""

    KERNELS = kernels("hardtanh_fwd"), kernels("hardtanh_bwd")
