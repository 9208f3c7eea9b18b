"""Matrix products at the Tensor level: matmul (torch's rules), mm, bmm, linear, and the fused
linear+relu that nn.Sequential runs.  ``_linear_case`` is the training-loop test (2-D input,
W (n, k), b (n,), one float dtype) that linear and linear_relu check first."""
import numpy as np

from fastgrad.functional._promote import KERNEL_DTYPES
from fastgrad.functional.activation import relu
from fastgrad.functional.elementwise import add
from fastgrad.ops.common import broadcast_shape
from fastgrad.ops.linalg import Linear, LinearReLU, MatMul
from fastgrad.tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "linear", "linear_relu"]

_make = Tensor._make
_TORCH_NAME = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}
_apply_linear, _apply_linear_relu, _apply_matmul = Linear.apply3, LinearReLU.apply3, MatMul.apply2
_CHECKED = set()  # (a shape, b shape) pairs whose batch dims are known to broadcast


def _dtype_name(d):
    return _TORCH_NAME.get(d.name, d.name)


def _check_pair(a, b, op):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        bad, pos, arg = (a, 1, "input") if not isinstance(a, Tensor) else (b, 2, "other")
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be Tensor, "
                        f"not {type(bad).__name__}")
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        raise RuntimeError(f"{op}: expected m1 and m2 to have the same dtype, but got: "
                           f"{_dtype_name(da)} != {_dtype_name(db)}")


def _shape_error(op, a, b):
    return RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied")


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with torch's rules: 1-d·1-d is a dot product, a 1-d operand is promoted
    to a matrix and the added dim removed, N-d operands broadcast their batch dims."""
    _check_pair(input, other, "matmul")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise _shape_error("matmul", a, b)
    if (a.ndim > 2 or b.ndim > 2) and (a.shape, b.shape) not in _CHECKED:
        broadcast_shape(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else (), "matmul")
        if len(_CHECKED) > 512:
            _CHECKED.clear()
        _CHECKED.add((a.shape, b.shape))
    if a.dtype.kind not in "fV":
        return _make(np.asarray(np.matmul(a, b)))
    return _apply_matmul(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (no broadcasting)."""
    _check_pair(input, mat2, "mm")
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("mm: self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mm: mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise _shape_error("mm", a, b)
    if a.dtype.kind not in "fV":
        return _make(a @ b)
    return _apply_matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
    _check_pair(input, mat2, "bmm")
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("bmm: batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("bmm: batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype.kind not in "fV":
        return _make(a @ b)
    return _apply_matmul(input, mat2)


def _linear_case(input, weight, bias) -> bool:
    """The training-loop case, checked in one go: 2-D input, W (n, k), b (n,), one float dtype."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor):
        x, w, b = input._data, weight._data, bias._data
        dt = x.dtype
        return (dt is w.dtype is b.dtype and dt in KERNEL_DTYPES and x.ndim == 2 and w.ndim == 2
                and x.shape[1] == w.shape[1] and b.shape == (w.shape[0],))
    return False


def linear(input: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """y = input weight^T + bias over the last dim of ``input`` (any leading dims)."""
    if _linear_case(input, weight, bias):
        return _apply_linear(input, weight, bias)
    _check_pair(input, weight, "linear")
    x, w = input._data, weight._data
    if x.ndim == 0:
        raise RuntimeError("linear: input must have at least 1 dimension, got a 0-d tensor")
    if w.ndim != 2 or x.dtype.kind not in "fV":  # the general (rare) forms go through matmul
        y = matmul(input, weight.t() if w.ndim == 2 else weight)
        return y if bias is None else add(y, bias)
    if x.shape[-1] != w.shape[1]:
        m = x.size // x.shape[-1] if x.shape[-1] else 0
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied "
                           f"({m}x{x.shape[-1]} and {w.shape[1]}x{w.shape[0]})")
    if bias is None:
        return Linear.apply(input, weight, None)
    if not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' (position 3) must be Tensor, not {type(bias).__name__}")
    if bias._data.shape != (w.shape[0],) or bias._data.dtype != x.dtype:
        out_shape = x.shape[:-1] + (w.shape[0],)
        try:
            fits = np.broadcast_shapes(out_shape, bias._data.shape) == out_shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"linear: bias of shape {tuple(bias._data.shape)} does not match the "
                               f"output features of weight {tuple(w.shape)} (expected ({w.shape[0]},))")
        return add(Linear.apply(input, weight, None), bias)
    return Linear.apply(input, weight, bias)


def linear_relu(input: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """relu(linear(input, weight, bias)) as one fused node when the inputs are the usual
    training-loop case (2-D input, matching float dtypes), else exactly the two separate ops."""
    if _linear_case(input, weight, bias):
        return _apply_linear_relu(input, weight, bias)
    return relu(linear(input, weight, bias))
