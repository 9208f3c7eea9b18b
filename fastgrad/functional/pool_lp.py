"""Power-average pooling (F.lp_pool1d / lp_pool2d / lp_pool3d) and torch's ``*_with_indices`` forms of max
pooling, composed from the existing pooling ops.

    lp_pool: y = (sum over the window of x^p)^(1/p) = (avg_pool(x^p) * window size)^(1/p)
"""
from fastgrad.functional.activation import relu
from fastgrad.functional.elementwise import abs as _abs, mul, pow as _pow, sign
from fastgrad.functional.pool import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from fastgrad.functional.pool3d import adaptive_max_pool3d, avg_pool3d, max_pool3d
from fastgrad.functional.pool_more import adaptive_max_pool1d, adaptive_max_pool2d
from fastgrad.tensor import Tensor

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices"]


def _lp(pooled, norm_type, window):
    """torch's closing step: sign(out) relu(|out|) * window, to the power 1 / norm_type."""
    return _pow(mul(mul(sign(pooled), relu(_abs(pooled))), window), 1.0 / norm_type)


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """y = (sum over each kH x kW window of x^p)^(1/p) on (N, C, H, W) or (C, H, W); no padding.  p = inf is max
    pooling in the limit; the gradient where a window sums to 0 is not finite (as torch)."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    out = avg_pool2d(_pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, kh * kw)


def lp_pool1d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """y = (sum over each window of length k of x^p)^(1/p) on (N, C, L) or (C, L); no padding."""
    out = avg_pool1d(_pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    k = kernel_size if isinstance(kernel_size, int) else tuple(kernel_size)[0]
    return _lp(out, norm_type, k)


def lp_pool3d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """y = (sum over each kD x kH x kW window of x^p)^(1/p) on (N, C, D, H, W) or (C, D, H, W); no padding."""
    kd, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else tuple(kernel_size)
    out = avg_pool3d(_pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, kd * kh * kw)


def _stride(stride):
    return None if stride is None or (not isinstance(stride, int) and len(stride) == 0) else stride


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """(y, indices) = max_pool2d(..., return_indices=True), whatever ``return_indices`` says (as torch)."""
    return max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """(y, indices) = max_pool1d(..., return_indices=True), whatever ``return_indices`` says (as torch)."""
    return max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(y, indices) = adaptive_max_pool2d(..., return_indices=True)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(y, indices) = adaptive_max_pool1d(..., return_indices=True)."""
    return adaptive_max_pool1d(input, output_size, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """(y, indices) = max_pool3d(..., return_indices=True), whatever ``return_indices`` says (as torch)."""
    return max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(y, indices) = adaptive_max_pool3d(..., return_indices=True)."""
    return adaptive_max_pool3d(input, output_size, True)
