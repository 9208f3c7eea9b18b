"""linear_gelu: gelu(linear(input, weight, bias)) as one node (ops/linear_gelu.py) in the usual
training-loop case, else exactly the two separate ops."""
from fastgrad.functional.activation import gelu
from fastgrad.functional.linalg import linear
from fastgrad.functional._promote import KERNEL_DTYPES
from fastgrad.ops.linear_gelu import LinearGELU, LinearGELUTanh
from fastgrad.tensor import Tensor

__all__ = ["linear_gelu"]

_APPLY = {"none": LinearGELU.apply3, "tanh": LinearGELUTanh.apply3}


def _case(input, weight, bias) -> bool:
    """The fused node's case: Tensors, x (..., k) with k == W's, W (n, k), b (n,), one float dtype."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor):
        x, w, b = input._data, weight._data, bias._data
        dt = x.dtype
        return (dt is w.dtype is b.dtype and dt in KERNEL_DTYPES and x.ndim >= 1 and w.ndim == 2
                and x.shape[-1] == w.shape[1] and b.shape == (w.shape[0],))
    return False


def linear_gelu(input: Tensor, weight: Tensor, bias: Tensor = None, approximate: str = "none") -> Tensor:
    """gelu(linear(input, weight, bias), approximate): bitwise the two ops, values and gradients."""
    apply = _APPLY.get(approximate)
    if apply is not None and _case(input, weight, bias):
        return apply(input, weight, bias)
    return gelu(linear(input, weight, bias), approximate=approximate)
