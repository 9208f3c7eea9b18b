"""The public functional API (also ``fastgrad.nn.functional``), one module per op family:
Tensor-level validation, type promotion, torch semantics and each family's common-case test,
then the array-level Functions of ``fastgrad.ops``.

    _promote     type promotion, casts (to_dtype, clone), operand checks
    elementwise  + - * / ** and unary maths, clamp, maximum/minimum, where, dropout
    compare      comparisons and logic (no gradient)
    bitwise      & | ^ ~ << >> on integer and bool tensors (no gradient)
    activation   relu, leaky_relu, hardswish, hardsigmoid, sigmoid, tanh, gelu, softplus
    activation_more  hardtanh, relu6, silu, mish, elu, selu, celu, softsign, logsigmoid, glu, prelu,
                 rrelu, softmin, threshold, tanhshrink, softshrink, hardshrink, gumbel_softmax
    reduce       sum, mean, max/min, var/std, norm, all/any, softmax, log_softmax
    reduce       sum, mean, max/min, var/std, norm, all/any, softmax, log_softmax, prod, logsumexp,
                 nansum/nanmean, std_mean/var_mean, count_nonzero, aminmax (axis=/keepdims= too)
    scan         cumsum, cumprod, logcumsumexp, cummax, cummin
    sorting      sort, argsort, msort, topk, unique, unique_consecutive, searchsorted, bucketize
    selection    kthvalue, median, nanmedian, mode, quantile, nanquantile
    shape        reshape/view, squeeze, permute, expand, repeat, cat/stack, split/chunk
    indexing     x[i], x[i] = v, masked_fill, gather
    linalg       matmul, mm, bmm, linear (and the fused linear+relu of nn.Sequential)
    einsum       einsum (pairwise contractions through matmul's GEMM)
    products     outer, dot, inner, mv, addmm/addmv/addbmm/baddbmm, kron, cross, tensordot, multi_dot
    norms        vector/matrix norms, torch.norm, normalize
    distance     cdist, pdist, pairwise_distance, cosine_similarity
    loss         mse, l1, smooth-l1, huber, cross-entropy, nll, binary cross-entropy
    loss_more    kl_div, gaussian_nll, poisson_nll, soft_margin, multilabel_soft_margin (composed ops)
    loss_margin  margin_ranking, hinge/cosine embedding, triplet margin (+ with distance), multi(label) margin
    conv         conv1d/2d, conv_transpose1d/2d
    conv3d       conv3d, conv_transpose3d (composed from the 2-D kernels)
    pool         max/avg/adaptive-avg pooling, 1-D and 2-D
    pool3d       max/avg/adaptive pooling and max_unpool3d (composed from the 2-D ones)
    batchnorm    batch_norm (train and eval)
    pad          F.pad: constant, reflect, replicate, circular
    inplace      x += y, add_, copy_, … (torch's in-place rules)
    normalization  layer_norm, group_norm, instance_norm (on the batch-norm kernel), rms_norm
    upsample     interpolate (nearest, linear, bilinear, trilinear, area), pixel_shuffle/unshuffle
    dropout_more dropout1d/2d/3d (whole channels), alpha_dropout, feature_alpha_dropout
    pool_more    adaptive_max_pool1d/2d, max_unpool1d/2d
    attention    scaled_dot_product_attention (the fused kernel of csrc/attention.c)
    recurrent    lstm_layer, gru_layer, rnn_layer: a whole recurrent layer as one node (csrc/recurrent.c;
                 imported by nn.LSTM/GRU/RNN from fastgrad.functional.recurrent, not exported here: not torch names)
    pointwise    sin … rad2deg, floor/ceil/round/trunc, logit, nan_to_num (+ pointwise_binary: atan2 … addcdiv, isclose)
    fold         unfold (im2col), fold (col2im)                      } torch.nn.functional only
    bilinear     bilinear                                            } (exported by fastgrad.nn.functional;
    embedding_bag  embedding_bag (sum / mean / max bags)             }  bilinear, channel_shuffle and
    grid_sample  affine_grid, grid_sample (4-D)                      }  max_pool1d_with_indices also at
    pool_lp      lp_pool1d/2d, max/adaptive_max_pool*_with_indices   }  the top level, as torch)
    channel_ops  channel_shuffle, local_response_norm, cross_map_lrn2d
    numeric_more diff, trapezoid/trapz/cumulative_trapezoid, xlogy, fmax/fmin, signbit, isin, logspace,
                 renorm, dist, addr (statistics: cov, corrcoef; finite_differences: gradient)
    combinatorics  block_diag, cartesian_prod, combinations, vander, diagflat
    special      i0, igamma/igammac, polygamma, mvlgamma, frexp, ldexp, nextafter, gcd, lcm
    indexing_more  select, split_with_sizes, unravel_index, put, index_reduce, resize_as_
    type_rules   promote_types, result_type, can_cast
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
from fastgrad.functional.activation import relu_, leaky_relu_
from fastgrad.functional.activation_more import (hardtanh, hardtanh_, relu6, silu, mish, elu, elu_, selu, selu_,
                                                 celu, celu_, softsign, logsigmoid, glu, prelu, rrelu, rrelu_,
                                                 softmin, threshold, threshold_, tanhshrink, softshrink,
                                                 hardshrink, gumbel_softmax)
from fastgrad.functional.reduce import (sum, mean, max, min, amax, amin, argmax, argmin, var, std, norm, all,
                                        any, softmax, log_softmax)
from fastgrad.functional.reduce import (prod, logsumexp, nansum, nanmean, std_mean, var_mean, count_nonzero,
                                        aminmax)
from fastgrad.functional.scan import cumsum, cumprod, logcumsumexp, cummax, cummin
from fastgrad.functional.sorting import (sort, argsort, msort, topk, unique, unique_consecutive, searchsorted,
                                      bucketize)
from fastgrad.functional.selection import kthvalue, median, nanmedian, mode, quantile, nanquantile
from fastgrad.functional.shape import (reshape, view, flatten, squeeze, unsqueeze, transpose, t, permute,
                                       expand, repeat, cat, concat, stack, chunk, split)
from fastgrad.functional.indexing import getitem, setitem, masked_fill, gather
from fastgrad.functional.linalg import matmul, mm, bmm, linear, linear_relu
from fastgrad.functional.linear_gelu import linear_gelu
from fastgrad.functional.loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss,
                                      binary_cross_entropy, binary_cross_entropy_with_logits)
from fastgrad.functional.loss_more import (kl_div, gaussian_nll_loss, poisson_nll_loss, soft_margin_loss,
                                           multilabel_soft_margin_loss)
from fastgrad.functional.loss_margin import (margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss,
                                             triplet_margin_loss, triplet_margin_with_distance_loss,
                                             multi_margin_loss, multilabel_margin_loss)
from fastgrad.functional.inplace import inplace, random_like
from fastgrad.functional.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from fastgrad.functional.pool import (max_pool2d, avg_pool2d, adaptive_avg_pool2d, max_pool1d, avg_pool1d,
                                     adaptive_avg_pool1d)
from fastgrad.functional.batchnorm import batch_norm
from fastgrad.functional.pad import pad
from fastgrad.functional.normalization import layer_norm, group_norm, instance_norm, rms_norm
from fastgrad.functional.upsample import (interpolate, upsample, upsample_nearest, upsample_bilinear, pixel_shuffle,
                                          pixel_unshuffle)
from fastgrad.functional.dropout_more import dropout1d, dropout2d, dropout3d, alpha_dropout, feature_alpha_dropout
from fastgrad.functional.pool_more import adaptive_max_pool1d, adaptive_max_pool2d, max_unpool1d, max_unpool2d
from fastgrad.functional.conv3d import conv3d, conv_transpose3d
from fastgrad.functional.pool3d import (max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d,
                                       max_unpool3d)
from fastgrad.functional.attention import scaled_dot_product_attention
from fastgrad.functional.einsum import einsum
from fastgrad.functional.products import (outer, ger, dot, vdot, inner, mv, addmm, addmv, addbmm, baddbmm, kron,
                                          cross, tensordot, chain_matmul)
from fastgrad.functional.norms import norm, normalize  # noqa: F811  (torch.norm: p='fro', dim tuples, dtype)
from fastgrad.functional.distance import cdist, pdist, pairwise_distance, cosine_similarity
from fastgrad.functional.shape_more import (flip, fliplr, flipud, roll, rot90, narrow, unbind, movedim, moveaxis,
                                            swapaxes, swapdims, tile, repeat_interleave, broadcast_to,
                                            broadcast_tensors, broadcast_shapes, unflatten, meshgrid)
from fastgrad.functional.join_split import (atleast_1d, atleast_2d, atleast_3d, column_stack, hstack, vstack,
                                            row_stack, dstack, tensor_split, hsplit, vsplit, dsplit)
from fastgrad.functional.storage_layout import (contiguous, memory_format, preserve_format, contiguous_format,
                                                channels_last)
from fastgrad.functional.storage_layout import clone  # noqa: F811  (clone(memory_format=) replaces _promote.clone)
from fastgrad.functional.triangular import (tril, triu, tril_, triu_, tril_indices, triu_indices, diag, diagonal,
                                            diag_embed, trace)
from fastgrad.functional.gather_scatter import (index_select, index_add, index_copy, index_fill, index_put, scatter,
                                         scatter_add, scatter_reduce, take, take_along_dim, masked_select,
                                         masked_scatter, nonzero, argwhere)
from fastgrad.functional.gather_scatter import where  # noqa: F811  (adds where(cond) to elementwise.where)
from fastgrad.functional import decomposition  # noqa: F401  (binds its Tensor methods: inverse, det, ...)
from fastgrad.functional import spectral  # noqa: F401  (binds its Tensor methods: qr, svd, pinverse)
from fastgrad.functional import matrix_function  # noqa: F401  (binds Tensor.matrix_exp)
from fastgrad.functional import lu as _lu  # noqa: F401  (binds Tensor.lu, Tensor.lu_solve)
from fastgrad.functional.pointwise import (sin, cos,  # noqa: A004
                                           tan, asin, acos, atan, arcsin, arccos, arctan, sinh, cosh,
                                           asinh, acosh, atanh, arcsinh, arccosh, arctanh, exp2, expm1, log2,
                                           log10, erf, erfc, erfinv, lgamma, digamma, sinc, deg2rad, rad2deg,
                                           floor, ceil, round, trunc, fix, frac, logit, sgn, nan_to_num,
                                           clamp_min, clamp_max)
from fastgrad.functional.pointwise_binary import (atan2, arctan2, logaddexp, logaddexp2, hypot, fmod, copysign,
                                                  heaviside, lerp, addcmul, addcdiv, float_power, isclose,
                                                  isposinf, isneginf, isreal)

from fastgrad.functional.convert import to, is_floating_point
from fastgrad.functional.sampling import normal, bernoulli, poisson, multinomial
from fastgrad.functional.counting import histc, histogram, bincount
from fastgrad.functional.numeric_more import (diff, trapezoid, trapz, cumulative_trapezoid, xlogy, fmax, fmin,
                                              signbit, isin, logspace, renorm, dist, addr)
from fastgrad.functional.statistics import cov, corrcoef
from fastgrad.functional.finite_differences import gradient
from fastgrad.functional.combinatorics import block_diag, cartesian_prod, combinations, vander, diagflat
from fastgrad.functional.indexing_more import (select, split_with_sizes, unravel_index, put, index_reduce,
                                               resize_as_)
from fastgrad.functional.type_rules import promote_types, result_type, can_cast
from fastgrad.functional.counting import histogramdd
from fastgrad.functional.sampling import binomial
from fastgrad.functional.special import (i0, igamma, igammac, polygamma, mvlgamma, frexp, ldexp, nextafter, gcd,
                                         lcm)
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
__all__ += ["layer_norm", "group_norm", "instance_norm", "rms_norm"]
__all__ += ["kl_div", "gaussian_nll_loss", "poisson_nll_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
            "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
            "triplet_margin_with_distance_loss", "multi_margin_loss", "multilabel_margin_loss"]
__all__ += ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle"]
__all__ += ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]
__all__ += ["adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d"]
__all__ += ["conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
            "max_unpool3d"]
__all__ += ["scaled_dot_product_attention"]
__all__ += ["relu_", "leaky_relu_"]
__all__ += ["hardtanh", "hardtanh_", "relu6", "silu", "mish", "elu", "elu_", "selu", "selu_", "celu", "celu_",
            "softsign", "logsigmoid", "glu", "prelu", "rrelu", "rrelu_", "softmin", "threshold", "threshold_",
            "tanhshrink", "softshrink", "hardshrink", "gumbel_softmax"]
__all__ += ["einsum"]
__all__ += ["outer", "ger", "dot", "vdot", "inner", "mv", "addmm", "addmv", "addbmm", "baddbmm", "kron", "cross",
            "tensordot", "chain_matmul"]
__all__ += ["normalize"]
__all__ += ["cdist", "pdist", "pairwise_distance", "cosine_similarity"]
__all__ += ["flip", "fliplr", "flipud", "roll", "rot90", "narrow", "unbind", "movedim", "moveaxis", "swapaxes",
            "swapdims", "tile", "repeat_interleave", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
            "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "hstack", "vstack", "row_stack", "dstack",
            "unflatten", "tensor_split", "hsplit", "vsplit", "dsplit", "meshgrid", "contiguous", "memory_format",
            "preserve_format", "contiguous_format", "channels_last"]
__all__ += ["tril", "triu", "tril_", "triu_", "tril_indices", "triu_indices", "diag", "diagonal", "diag_embed",
            "trace"]
__all__ += ["index_select", "index_add", "index_copy", "index_fill", "index_put", "scatter", "scatter_add",
            "scatter_reduce", "take", "take_along_dim", "masked_select", "masked_scatter", "nonzero", "argwhere"]

__all__ += ["to", "is_floating_point"]
__all__ += ["normal", "bernoulli", "poisson", "multinomial"]
__all__ += ["histc", "histogram", "bincount"]
__all__ += ["sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh",
            "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "exp2", "expm1", "log2", "log10", "erf", "erfc",
            "erfinv", "lgamma", "digamma", "sinc", "deg2rad", "rad2deg", "floor", "ceil", "round", "trunc", "fix",
            "frac", "logit", "sgn", "nan_to_num", "clamp_min", "clamp_max"]
__all__ += ["atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "fmod", "copysign", "heaviside", "lerp",
            "addcmul", "addcdiv", "float_power", "isclose", "isposinf", "isneginf", "isreal"]
__all__ += ["prod", "logsumexp", "nansum", "nanmean", "std_mean", "var_mean", "count_nonzero", "aminmax"]
__all__ += ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"]
__all__ += ["sort", "argsort", "msort", "topk", "unique", "unique_consecutive", "searchsorted", "bucketize"]
__all__ += ["kthvalue", "median", "nanmedian", "mode", "quantile", "nanquantile"]
from fastgrad.functional import torch_forms  # noqa: E402,F401  (binds the in-place methods of the basic unary ops)
__all__ += ["linear_gelu"]
__all__ += ["diff", "trapezoid", "trapz", "cumulative_trapezoid", "xlogy", "fmax", "fmin", "signbit", "isin",
            "logspace", "cov", "corrcoef", "renorm", "dist", "addr"]
__all__ += ["block_diag", "cartesian_prod", "combinations", "vander", "diagflat"]
__all__ += ["i0", "igamma", "igammac", "polygamma", "mvlgamma", "frexp", "ldexp", "nextafter", "gcd", "lcm"]
__all__ += ["select", "split_with_sizes", "unravel_index", "put", "index_reduce", "resize_as_", "promote_types",
            "result_type", "can_cast", "histogramdd", "binomial"]
__all__ += ["gradient"]
