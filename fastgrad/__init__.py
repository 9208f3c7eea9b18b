"""fastgrad: PyTorch-style reverse-mode autodiff for the CPU, with C kernels through CFFI."""
from fastgrad._ffi import lib as _lib, ISA_NAMES as _ISA_NAMES, gemm_info as _gemm_info
from fastgrad import dtypes
from fastgrad.dtypes import (float32, float64, float16, int64, int32, int16, int8, uint8, bool,  # noqa: A004
                             float, double, half, long, int, short, get_default_dtype, set_default_dtype)
from fastgrad.tensor import Tensor, Size
from fastgrad.autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from fastgrad import autograd
from fastgrad.creation import (tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange, linspace,
                               eye, rand, randn, randint, randperm, zeros_like, ones_like, full_like,
                               empty_like, rand_like, randn_like, normal)
from fastgrad.random import manual_seed, seed, initial_seed, Generator
from fastgrad import functional
from fastgrad.functional import (add, sub, subtract, mul, multiply, div, divide, true_divide, pow, neg,
                                 negative, exp, log, log1p, sqrt, rsqrt, reciprocal, square, abs, absolute,
                                 sign, clamp, clip, maximum, minimum, where, eq, ne, lt, le, gt, ge,
                                 logical_and, logical_or, logical_xor, logical_not, isnan, isinf, isfinite,
                                 equal, allclose, relu, sigmoid, tanh, softmax, log_softmax, sum, mean, max,
                                 min, amax, amin, argmax, argmin, var, std, norm, all, any, clone,
                                 floor_divide, remainder, bitwise_and, bitwise_or, bitwise_xor, bitwise_not,
                                 bitwise_left_shift, bitwise_right_shift)
from fastgrad.functional import (matmul, mm, bmm, reshape, flatten, squeeze, unsqueeze, transpose, t, permute, cat,
                             concat, stack, chunk, split, gather, masked_fill)
from fastgrad.functional import (relu_, selu, selu_, celu, celu_, prelu, rrelu, rrelu_, threshold, threshold_,
                                 hardshrink)
from fastgrad.functional import (einsum, outer, ger, dot, vdot, inner, mv, addmm, addmv, addbmm, baddbmm, kron,
                                 cross, tensordot, chain_matmul, cdist)
from fastgrad import linalg
from fastgrad.functional import (flip, fliplr, flipud, roll, rot90, narrow, unbind, movedim, moveaxis, swapaxes,
                                 swapdims, tile, repeat_interleave, broadcast_to, broadcast_tensors, broadcast_shapes,
                                 atleast_1d, atleast_2d, atleast_3d, column_stack, hstack, vstack, row_stack, dstack,
                                 unflatten, tensor_split, hsplit, vsplit, dsplit, meshgrid, memory_format,
                                 preserve_format, contiguous_format, channels_last, tril, triu, tril_indices,
                                 triu_indices, diag, diagonal, diag_embed, trace, index_select, index_add, index_copy,
                                 index_fill, index_put, scatter, scatter_add, scatter_reduce, take, take_along_dim,
                                 masked_select, masked_scatter, nonzero, argwhere)

__version__ = "0.1.0"

__all__ = [
    "Tensor", "Size", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
    "linspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "full_like",
    "empty_like", "rand_like", "randn_like", "normal", "manual_seed", "Generator", "no_grad",
    "enable_grad", "set_grad_enabled", "is_grad_enabled", "autograd", "functional", "float32",
    "float64", "int64", "bool", "set_num_threads", "get_num_threads", "backend_info",
]
__all__ += ["relu_", "selu", "selu_", "celu", "celu_", "prelu", "rrelu", "rrelu_", "threshold", "threshold_",
            "hardshrink"]

__all__ += ["einsum", "outer", "ger", "dot", "vdot", "inner", "mv", "addmm", "addmv", "addbmm", "baddbmm", "kron",
            "cross", "tensordot", "chain_matmul", "cdist", "linalg"]

__all__ += ["flip", "fliplr", "flipud", "roll", "rot90", "narrow", "unbind", "movedim", "moveaxis", "swapaxes",
            "swapdims", "tile", "repeat_interleave", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
            "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "hstack", "vstack", "row_stack", "dstack",
            "unflatten", "tensor_split", "hsplit", "vsplit", "dsplit", "meshgrid", "memory_format", "preserve_format",
            "contiguous_format", "channels_last", "tril", "triu", "tril_indices", "triu_indices", "diag", "diagonal",
            "diag_embed", "trace", "index_select", "index_add", "index_copy", "index_fill", "index_put", "scatter",
            "scatter_add", "scatter_reduce", "take", "take_along_dim", "masked_select", "masked_scatter", "nonzero",
            "argwhere", "where", "clone"]


def set_num_threads(n: int) -> None:
    """Threads used by the C kernels (GEMM and large elementwise work)."""
    if not isinstance(n, type(1)) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _lib.fg_set_num_threads(n)


def get_num_threads() -> int:
    return _lib.fg_get_num_threads()


def backend_info() -> dict:
    """What the C backend chose: ISA level, threads, and what the CPU supports."""
    names = {v: k for k, v in _ISA_NAMES.items()}
    return {
        "isa": names[_lib.fg_get_isa()],
        "supported_isas": [names[v] for v in sorted(names) if _lib.fg_cpu_supports(v)],
        "num_threads": _lib.fg_get_num_threads(),
        "gemm": _gemm_info(),
        "version": __version__,
    }


from fastgrad import nn, optim, utils  # noqa: E402  (they build on everything above)
from fastgrad.serialization import save, load  # noqa: E402

__all__ += ["nn", "optim", "utils", "save", "load"]
from fastgrad import amp  # noqa: E402
from fastgrad.amp import autocast  # noqa: E402
from fastgrad.compiler import compile  # noqa: E402,A004

__all__ += ["amp", "autocast", "compile"]
