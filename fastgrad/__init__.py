"""fastgrad: PyTorch-style reverse-mode autodiff for the CPU, with C kernels through CFFI."""
from fastgrad._ffi import lib as _lib, ISA_NAMES as _ISA_NAMES, gemm_info as _gemm_info
from fastgrad import dtypes
from fastgrad.dtype_objects import dtype, get_default_dtype, set_default_dtype
from fastgrad.dtype_objects import (float32, float64, float16, int64, int32, int16, int8, uint8, bool,  # noqa: A004
                                    uint16, uint32, uint64, float, double, half, long, int, short,
                                    cfloat, cdouble, complex64, complex128)
from fastgrad.device import device, get_default_device, set_default_device
from fastgrad import cuda, accelerator, backends
from fastgrad.tensor import Tensor, Size
from fastgrad.autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from fastgrad.autograd.grad_mode import inference_mode, is_inference_mode_enabled
from fastgrad import autograd
from fastgrad.creation import (tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange, linspace,
                               eye, zeros_like, ones_like, full_like, empty_like, is_tensor, numel)
from fastgrad.creation_random import rand, randn, randint, randperm, rand_like, randn_like, randint_like
from fastgrad.random import manual_seed, seed, initial_seed, Generator, get_rng_state, set_rng_state
from fastgrad.legacy import (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                             CharTensor, ByteTensor, BoolTensor)
from fastgrad.typeinfo import finfo, iinfo
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
from fastgrad import special  # noqa: E402,F401
from fastgrad.functional.decomposition import (inverse, det, logdet, torch_slogdet as slogdet,
                                             torch_cholesky as cholesky, matrix_power)
from fastgrad.functional.spectral import torch_qr as qr, torch_svd as svd, pinverse
from fastgrad.functional.matrix_function import matrix_exp
from fastgrad.functional.lu import torch_lu as lu, torch_lu_solve as lu_solve, lu_unpack
from fastgrad.functional import (flip, fliplr, flipud, roll, rot90, narrow, unbind, movedim, moveaxis, swapaxes,
                                 swapdims, tile, repeat_interleave, broadcast_to, broadcast_tensors, broadcast_shapes,
                                 atleast_1d, atleast_2d, atleast_3d, column_stack, hstack, vstack, row_stack, dstack,
                                 unflatten, tensor_split, hsplit, vsplit, dsplit, meshgrid, memory_format,
                                 preserve_format, contiguous_format, channels_last, tril, triu, tril_indices,
                                 triu_indices, diag, diagonal, diag_embed, trace, index_select, index_add, index_copy,
                                 index_fill, index_put, scatter, scatter_add, scatter_reduce, take, take_along_dim,
                                 masked_select, masked_scatter, nonzero, argwhere)
from fastgrad.functional import (sin, cos, tan, asin, acos, atan, arcsin, arccos, arctan, sinh, cosh, asinh,  # noqa: A004
                                 acosh, atanh, arcsinh, arccosh, arctanh, exp2, expm1, log2, log10, erf, erfc,
                                 erfinv, lgamma, digamma, sinc, deg2rad, rad2deg, floor, ceil, round, trunc, fix,
                                 frac, logit, sgn, nan_to_num, clamp_min, clamp_max, atan2, arctan2, logaddexp,
                                 logaddexp2, hypot, fmod, copysign, heaviside, lerp, addcmul, addcdiv,
                                 float_power, isclose, isposinf, isneginf, isreal)
from fastgrad.functional import (prod, logsumexp, nansum, nanmean, std_mean, var_mean, count_nonzero, aminmax,
                                 cumsum, cumprod, logcumsumexp, cummax, cummin, sort, argsort, msort, topk, unique,
                                 unique_consecutive, searchsorted, bucketize, kthvalue, median, nanmedian, mode,
                                 quantile, nanquantile)
from fastgrad import return_types

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
            "cross", "tensordot", "chain_matmul", "cdist", "linalg", "special"]
__all__ += ["inverse", "det", "logdet", "slogdet", "cholesky", "matrix_power", "qr", "svd", "pinverse",
            "matrix_exp", "lu", "lu_solve", "lu_unpack"]

__all__ += ["flip", "fliplr", "flipud", "roll", "rot90", "narrow", "unbind", "movedim", "moveaxis", "swapaxes",
            "swapdims", "tile", "repeat_interleave", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
            "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "hstack", "vstack", "row_stack", "dstack",
            "unflatten", "tensor_split", "hsplit", "vsplit", "dsplit", "meshgrid", "memory_format", "preserve_format",
            "contiguous_format", "channels_last", "tril", "triu", "tril_indices", "triu_indices", "diag", "diagonal",
            "diag_embed", "trace", "index_select", "index_add", "index_copy", "index_fill", "index_put", "scatter",
            "scatter_add", "scatter_reduce", "take", "take_along_dim", "masked_select", "masked_scatter", "nonzero",
            "argwhere", "where", "clone"]
__all__ += ["sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh",
            "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "exp2", "expm1", "log2", "log10", "erf", "erfc",
            "erfinv", "lgamma", "digamma", "sinc", "deg2rad", "rad2deg", "floor", "ceil", "round", "trunc", "fix",
            "frac", "logit", "sgn", "nan_to_num", "clamp_min", "clamp_max", "atan2", "arctan2", "logaddexp",
            "logaddexp2", "hypot", "fmod", "copysign", "heaviside", "lerp", "addcmul", "addcdiv", "float_power",
            "isclose", "isposinf", "isneginf", "isreal"]

__all__ += ["prod", "logsumexp", "nansum", "nanmean", "std_mean", "var_mean", "count_nonzero", "aminmax",
            "cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "sort", "argsort", "msort", "topk", "unique",
            "unique_consecutive", "searchsorted", "bucketize", "kthvalue", "median", "nanmedian", "mode",
            "quantile", "nanquantile", "return_types"]


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


from fastgrad import nn, optim, utils, func  # noqa: E402  (they build on everything above)
from fastgrad.serialization import save, load  # noqa: E402
from fastgrad.functional.sampling import normal, bernoulli, poisson, multinomial  # noqa: E402
from fastgrad.functional.convert import is_floating_point  # noqa: E402
from fastgrad.functional.counting import histc, histogram, bincount  # noqa: E402

__all__ += ["nn", "optim", "utils", "func", "save", "load"]
from fastgrad import amp  # noqa: E402
from fastgrad.amp import autocast  # noqa: E402
from fastgrad.compiler import compile  # noqa: E402,A004

__all__ += ["amp", "autocast", "compile"]
from fastgrad import testing  # noqa: E402
from fastgrad.autograd import functional as _autograd_functional  # noqa: E402,F401  (torch.autograd.functional)
__all__ += ["testing"]
__all__ += ["randint_like", "bernoulli", "poisson", "multinomial", "is_tensor", "numel", "is_floating_point",
            "inference_mode", "is_inference_mode_enabled", "histc", "histogram", "bincount"]
__all__ += ["dtype", "float16", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64", "float",
            "double", "half", "long", "int", "short", "complex64", "complex128", "cfloat", "cdouble",
            "get_default_dtype", "set_default_dtype", "device", "cuda", "accelerator", "backends",
            "get_default_device", "set_default_device",
            "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
            "CharTensor", "ByteTensor", "BoolTensor", "finfo", "iinfo", "seed", "initial_seed",
            "get_rng_state", "set_rng_state"]
from fastgrad.functional import torch_forms as _torch_forms  # noqa: E402
from fastgrad.functional.torch_forms import (greater, greater_equal, less, less_equal, not_equal,  # noqa: E402
                                             concatenate, ravel, positive, rsub, fill, scalar_tensor, is_nonzero,
                                             is_signed, is_same_size, detach)
from fastgrad.nn.functional import (conv1d, conv2d, conv_transpose1d, conv_transpose2d, max_pool1d,  # noqa: E402
                                    max_pool2d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d, batch_norm,
                                    dropout, embedding, pixel_shuffle, pixel_unshuffle, cosine_similarity,
                                    pairwise_distance, binary_cross_entropy_with_logits, rms_norm, bilinear, pdist,
                                    channel_shuffle, native_channel_shuffle, max_pool1d_with_indices, conv3d,
                                    conv_transpose3d, max_pool3d)
from fastgrad.creation import as_tensor as asarray  # noqa: E402

globals().update(_torch_forms.FUNCTIONS)  # torch.sin_(t), torch.zero_(t), … (in-place function forms)
__all__ += ["greater", "greater_equal", "less", "less_equal", "not_equal", "concatenate", "ravel", "positive",
            "rsub", "fill", "scalar_tensor", "is_nonzero", "is_signed", "is_same_size", "detach", "conv1d", "conv2d",
            "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d", "adaptive_avg_pool1d",
            "adaptive_max_pool1d", "batch_norm", "dropout", "embedding", "pixel_shuffle", "pixel_unshuffle",
            "cosine_similarity", "pairwise_distance", "binary_cross_entropy_with_logits", "asarray", "rms_norm",
            "bilinear", "pdist", "channel_shuffle", "native_channel_shuffle", "max_pool1d_with_indices", "conv3d",
            "conv_transpose3d", "max_pool3d"]
__all__ += sorted(_torch_forms.FUNCTIONS)
from fastgrad.dtype_objects import bfloat16  # noqa: E402
from fastgrad.legacy import BFloat16Tensor  # noqa: E402
__all__ += ["bfloat16", "BFloat16Tensor"]
from fastgrad.functional.numeric_more import (diff, trapezoid, trapz, cumulative_trapezoid, xlogy,  # noqa: E402
                                              xlogy_, fmax, fmin, signbit, isin, logspace, renorm, dist,
                                              addr)
from fastgrad.functional.statistics import cov, corrcoef  # noqa: E402
from fastgrad.functional.finite_differences import gradient  # noqa: E402
from fastgrad.functional.combinatorics import (block_diag, cartesian_prod, combinations, vander,  # noqa: E402
                                               diagflat)
__all__ += ["diff", "trapezoid", "trapz", "cumulative_trapezoid", "xlogy", "xlogy_", "fmax", "fmin", "signbit",
            "isin", "logspace", "cov", "corrcoef", "renorm", "dist", "addr", "block_diag", "cartesian_prod",
            "combinations", "vander", "diagflat"]
from fastgrad.functional.special import (i0, i0_, igamma, igammac, polygamma, mvlgamma, frexp, ldexp,  # noqa: E402
                                         ldexp_, nextafter, gcd, gcd_, lcm, lcm_)
__all__ += ["i0", "i0_", "igamma", "igammac", "polygamma", "mvlgamma", "frexp", "ldexp", "ldexp_", "nextafter",
            "gcd", "gcd_", "lcm", "lcm_"]
from fastgrad.functional.indexing_more import (select, split_with_sizes, unravel_index, put,  # noqa: E402
                                               index_reduce, resize_as_)
from fastgrad.functional.type_rules import promote_types, result_type, can_cast  # noqa: E402
from fastgrad.functional.counting import histogramdd  # noqa: E402
from fastgrad.functional.sampling import binomial  # noqa: E402
from fastgrad.functional.products import addmv_  # noqa: E402
from fastgrad.functional.numeric_more import deprecated_range as range  # noqa: E402,A004
__all__ += ["select", "split_with_sizes", "unravel_index", "put", "index_reduce", "resize_as_", "promote_types",
            "result_type", "can_cast", "histogramdd", "binomial", "addmv_", "range"]
__all__ += ["gradient"]
__all__ += ["distributions"]

_LAZY_MODULES = ("distributions",)  # imported on first use (torch.distributions costs ~60 ms to import)


def __getattr__(name):
    """``fastgrad.distributions`` without importing it in ``import fastgrad``."""
    if name in _LAZY_MODULES:
        import importlib
        module = importlib.import_module(f"fastgrad.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'fastgrad' has no attribute '{name}'")
