"""Norms at the Tensor level (torch names and defaults): linalg.vector_norm, linalg.matrix_norm,
linalg.norm, torch.norm (and Tensor.norm) and F.normalize."""
import numbers

from fastgrad import dtypes
from fastgrad.lowp import LOWP, TORCH_NAME
from fastgrad.functional._promote import to_dtype
from fastgrad.functional.elementwise import clamp, div
from fastgrad.functional.reduce import amax, amin
from fastgrad.functional.shape import squeeze
from fastgrad.ops.common import wrap_dims
from fastgrad.ops.norms import SvdNorm, VectorNorm
from fastgrad.tensor import Tensor

__all__ = ["vector_norm", "matrix_norm", "linalg_norm", "norm", "normalize"]

_INF = float("inf")


def _float_input(x, op, dtype):
    """x (cast to ``dtype`` when given) as a float Tensor; torch's errors otherwise."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind not in "fV":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{dtypes.dtype_name(x._data.dtype)}")
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
        if dtype.kind not in "fV":
            raise RuntimeError(f"{op}: dtype should be floating point or complex, but got {dtypes.dtype_name(dtype)}")
        x = to_dtype(x, dtype)
    return x


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over ``dim`` (all dims when None); ord inf/-inf: max/min |x|, 0: the
    number of non-zeros.  The gradient is 0 where the norm is 0, as torch."""
    x = _float_input(x, "linalg.vector_norm", dtype)
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg.vector_norm(): argument 'ord' must be a number, not {type(ord).__name__}")
    ord = float(ord)
    a = x._data
    axes = tuple(range(a.ndim)) if dim is None else wrap_dims(dim, a.ndim, "linalg.vector_norm")
    if ord < 0 and a.size == 0 or (ord == _INF and any(a.shape[i] == 0 for i in axes)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because "
                           f"the operation does not have an identity (shape {list(a.shape)})")
    if dim is None and keepdim:
        axes = tuple(range(a.ndim))
    return VectorNorm.apply(x, ord, axes, bool(keepdim))


def _matrix_dims(a, dim, op):
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = (wrap_dims(d, a.ndim, op)[0] for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got {dim}")
    return d0, d1


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """Matrix norm over the two dims ``dim``: 'fro', 1/-1 (max/min column sum of |A|), inf/-inf
    (max/min row sum), 'nuc' / 2 / -2 (sum / max / min of the singular values, by an SVD)."""
    op = "linalg.matrix_norm"
    A = _float_input(A, op, dtype)
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions. (shape {list(a.shape)})")
    d0, d1 = _matrix_dims(a, dim, op)
    if ord == "fro":
        return VectorNorm.apply(A, 2.0, tuple(sorted((d0, d1))), bool(keepdim))
    if ord == "nuc" or (not isinstance(ord, str) and abs(ord) == 2):
        if ord != "nuc" and (a.shape[d0] == 0 or a.shape[d1] == 0):
            raise RuntimeError(f"{op}: the {ord} norm of an empty matrix is not defined (shape {list(a.shape)})")
        if a.dtype in LOWP:  # (torch's CPU has no low-precision SVD)
            raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {TORCH_NAME[a.dtype]}")
        return SvdNorm.apply(A, "nuc" if ord == "nuc" else int(ord), (d0, d1), bool(keepdim))
    if isinstance(ord, str) or ord not in (1, -1, _INF, -_INF):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    if abs(ord) == _INF:
        d0, d1 = d1, d0
    col = VectorNorm.apply(A, 1.0, (d0,), True)
    red = amax(col, d1, True) if ord > 0 else amin(col, d1, True)
    return red if keepdim else squeeze(red, (d0, d1))


def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.norm: a vector norm (dim an int, or 1-D input) or a matrix norm (dim a
    2-tuple, or 2-D input with ord given); ord=None: the 2-norm of the flattened input / 'fro'."""
    op = "linalg.norm"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(A).__name__}")
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"{op}: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        if isinstance(ord, str):
            raise RuntimeError(f"{op}: ord={ord!r} is a matrix norm, but dim {list(dims)} names one dimension")
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    nd = A._data.ndim
    if nd == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if nd == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.")


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """torch.norm (and Tensor.norm): p='fro' (default) or a number: the vector p-norm over dim
    (a tuple of any length; all dims when None); p='nuc': the nuclear matrix norm."""
    if out is not None:
        raise NotImplementedError("norm: out= is not supported")
    dims = None if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype)
        return matrix_norm(input, p, dims if dims is not None else tuple(range(input.dim())), keepdim, dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """y = x / max(||x||_p over dim, eps) (F.normalize)."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported")
    return div(input, clamp(vector_norm(input, p, dim, True), min=eps))


TENSOR_METHODS = {"norm": norm}
