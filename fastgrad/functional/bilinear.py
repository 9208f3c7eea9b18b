"""F.bilinear at the Tensor level: torch's checks and messages, then matmul / mul / sum.

    y[..., o] = sum_{i, j} x1[..., i] W[o, i, j] x2[..., j] + b[o]
"""
from fastgrad import dtypes
from fastgrad.functional._promote import float_input
from fastgrad.functional.elementwise import add, mul
from fastgrad.functional.linalg import matmul
from fastgrad.functional.reduce import sum as _sum
from fastgrad.functional.shape import permute, reshape, unsqueeze
from fastgrad.tensor import Tensor

__all__ = ["bilinear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias=None) -> Tensor:
    """y = x1^T W_o x2 + b_o for every output feature o; x1 (*, in1), x2 (*, in2), W (out, in1, in2), b (out,)."""
    op = "bilinear()"
    x1, x2, w = float_input(input1, op), float_input(input2, op), float_input(weight, op)
    args = [("input1", x1), ("input2", x2), ("weight", w)] + ([("bias", float_input(bias, op))] if bias is not None
                                                              else [])
    if len({t._data.dtype for _, t in args}) > 1:
        raise RuntimeError("All tensors must have the same dtype, got " + ", ".join(
            f"{n}: {dtypes.dtype_name(t._data.dtype)}" for n, t in args))
    s1, s2, sw = tuple(x1.shape), tuple(x2.shape), tuple(w.shape)
    if len(s1) != len(s2):
        raise RuntimeError(f"{op}: input dimensions do not match: got {len(s1)} and {len(s2)}")
    if len(s1) == 0:
        raise RuntimeError(f"{op}: expected inputs of at least 1 dimension, got 0-dimensional input1 and input2")
    for d, (a, b) in enumerate(zip(s1[:-1], s2[:-1])):
        if a != b:
            raise RuntimeError(f"{op}: input batch dimensions do not match at dim {d}: got {a} and {b}")
    if len(sw) != 3:
        raise RuntimeError(f"{op}: expected weight to be 3-dimensional (out, in1, in2), but got weight of size "
                           f"{list(sw)}")
    if s1[-1] != sw[1]:
        raise RuntimeError(f"{op}: input1 size does not match weight size: got {s1[-1]} but expected {sw[1]}")
    if s2[-1] != sw[2]:
        raise RuntimeError(f"{op}: input2 size does not match weight size: got {s2[-1]} but expected {sw[2]}")
    if bias is not None and tuple(bias.shape) != (sw[0],):
        got = bias.shape[-1] if bias.dim() else 1
        raise RuntimeError(f"{op}: bias size does not match weight size: got {got} but expected {sw[0]}")
    out, in1, in2 = sw
    batch = s1[:-1]
    a = reshape(x1, (-1, in1))
    t = matmul(a, reshape(permute(w, (1, 0, 2)), (in1, out * in2)))           # (B, out * in2)
    y = _sum(mul(reshape(t, (-1, out, in2)), unsqueeze(reshape(x2, (-1, in2)), 1)), -1)
    if bias is not None:
        y = add(y, bias)
    return reshape(y, batch + (out,))
