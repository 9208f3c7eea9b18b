"""The public functional API (also ``fastgrad.nn.functional``), one module per op family:
Tensor-level validation, type promotion, torch semantics and each family's common-case test,
then the array-level Functions of ``fastgrad.ops``.

    _promote     type promotion, casts (to_dtype, clone), operand checks
    elementwise  + - * / ** and unary maths, clamp, maximum/minimum, where, dropout
    compare      comparisons and logic (no gradient)
    bitwise      & | ^ ~ << >> on integer and bool tensors (no gradient)
    activation   relu, leaky_relu, hardswish, hardsigmoid, sigmoid, tanh, gelu, softplus
    reduce       sum, mean, max/min, var/std, norm, all/any, softmax, log_softmax
    shape        reshape/view, squeeze, permute, expand, repeat, cat/stack, split/chunk
    indexing     x[i], x[i] = v, masked_fill, gather
    linalg       matmul, mm, bmm, linear (and the fused linear+relu of nn.Sequential)
    loss         mse, l1, smooth-l1, huber, cross-entropy, nll, binary cross-entropy
    conv         conv1d/2d, conv_transpose1d/2d
    pool         max/avg/adaptive-avg pooling, 1-D and 2-D
    batchnorm    batch_norm (train and eval)
    pad          F.pad: constant, reflect, replicate, circular
    inplace      x += y, add_, copy_, … (torch's in-place rules)
    pointwise    sin … rad2deg, floor/ceil/round/trunc, logit, nan_to_num (+ pointwise_binary: atan2 … addcdiv, isclose)
"""
from fastgrad.functional._promote import to_dtype, clone
from fastgrad.functional.elementwise import (add, sub, subtract, mul, multiply, div, divide, true_divide, pow,
                                             neg, negative, exp, log, sqrt, log1p, rsqrt, reciprocal, square,
                                             abs, absolute, sign, clamp, clip, maximum, minimum, where,
                                             floor_divide, remainder, dropout)
from fastgrad.functional.compare import (eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor,
                                         logical_not, isnan, isinf, isfinite, equal, allclose)
from fastgrad.functional.bitwise import (bitwise_and, bitwise_or, bitwise_xor, bitwise_not, bitwise_left_shift,
                                         bitwise_right_shift)
from fastgrad.functional.activation import relu, leaky_relu, hardswish, hardsigmoid, sigmoid, tanh, gelu, softplus
from fastgrad.functional.reduce import (sum, mean, max, min, amax, amin, argmax, argmin, var, std, norm, all,
                                        any, softmax, log_softmax)
from fastgrad.functional.shape import (reshape, view, flatten, squeeze, unsqueeze, transpose, t, permute,
                                       expand, repeat, cat, concat, stack, chunk, split)
from fastgrad.functional.indexing import getitem, setitem, masked_fill, gather
from fastgrad.functional.linalg import matmul, mm, bmm, linear, linear_relu
from fastgrad.functional.loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss,
                                      binary_cross_entropy, binary_cross_entropy_with_logits)
from fastgrad.functional.inplace import inplace, random_like
from fastgrad.functional.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from fastgrad.functional.pool import (max_pool2d, avg_pool2d, adaptive_avg_pool2d, max_pool1d, avg_pool1d,
                                     adaptive_avg_pool1d)
from fastgrad.functional.batchnorm import batch_norm
from fastgrad.functional.pad import pad
from fastgrad.functional.pointwise import (sin, cos,  # noqa: A004
                                           tan, asin, acos, atan, arcsin, arccos, arctan, sinh, cosh,
                                           asinh, acosh, atanh, arcsinh, arccosh, arctanh, exp2, expm1, log2,
                                           log10, erf, erfc, erfinv, lgamma, digamma, sinc, deg2rad, rad2deg,
                                           floor, ceil, round, trunc, fix, frac, logit, sgn, nan_to_num,
                                           clamp_min, clamp_max)
from fastgrad.functional.pointwise_binary import (atan2, arctan2, logaddexp, logaddexp2, hypot, fmod, copysign,
                                                  heaviside, lerp, addcmul, addcdiv, float_power, isclose,
                                                  isposinf, isneginf, isreal)

__all__ = [
    "to_dtype", "clone",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "neg", "negative",
    "exp", "log", "sqrt", "log1p", "rsqrt", "reciprocal", "square", "abs", "absolute", "sign", "clamp",
    "clip", "maximum", "minimum", "where", "floor_divide", "remainder", "dropout",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not", "isnan",
    "isinf", "isfinite", "equal", "allclose",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "relu", "leaky_relu", "hardswish", "hardsigmoid", "sigmoid", "tanh", "gelu", "softplus",
    "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm", "all", "any",
    "softmax", "log_softmax",
    "reshape", "view", "flatten", "squeeze", "unsqueeze", "transpose", "t", "permute", "expand", "repeat",
    "cat", "concat", "stack", "chunk", "split",
    "getitem", "setitem", "masked_fill", "gather",
    "matmul", "mm", "bmm", "linear", "linear_relu",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "inplace", "random_like",
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
    "batch_norm", "pad",
]
__all__ += ["sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh",
            "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "exp2", "expm1", "log2", "log10", "erf", "erfc",
            "erfinv", "lgamma", "digamma", "sinc", "deg2rad", "rad2deg", "floor", "ceil", "round", "trunc", "fix",
            "frac", "logit", "sgn", "nan_to_num", "clamp_min", "clamp_max"]
__all__ += ["atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "fmod", "copysign", "heaviside", "lerp",
            "addcmul", "addcdiv", "float_power", "isclose", "isposinf", "isneginf", "isreal"]
