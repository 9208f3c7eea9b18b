"""fastgrad.nn.functional: everything in ``fastgrad.functional`` plus the layer-level
functions torch keeps in ``torch.nn.functional`` (layer_norm, embedding, one_hot).
normalize, cosine_similarity and pairwise_distance come from fastgrad.functional."""

import numpy as np

from fastgrad.functional import *  # noqa: F401,F403  (the functional API, torch's names)
from fastgrad.functional.normalization import layer_norm  # noqa: F401
from fastgrad.functional.fold import fold, unfold  # noqa: F401
from fastgrad.functional.bilinear import bilinear  # noqa: F401
from fastgrad.functional.embedding_bag import embedding_bag  # noqa: F401
from fastgrad.functional.grid_sample import affine_grid, grid_sample  # noqa: F401
from fastgrad.functional.pool_lp import (lp_pool1d, lp_pool2d, max_pool1d_with_indices,  # noqa: F401
                                         max_pool2d_with_indices, adaptive_max_pool1d_with_indices,
                                         adaptive_max_pool2d_with_indices, lp_pool3d, max_pool3d_with_indices,
                                         adaptive_max_pool3d_with_indices)
from fastgrad.functional.ctc import ctc_loss  # noqa: F401
from fastgrad.functional.channel_ops import channel_shuffle, native_channel_shuffle, local_response_norm  # noqa: F401
from fastgrad import functional as _F
from fastgrad.autograd.grad_mode import no_grad
from fastgrad.tensor import Tensor

_make = Tensor._make


def _index_array(input, op):
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {idx.dtype} instead")
    return idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """y[..., :] = weight[input[...], :]; the gradient scatters back into the selected rows
    (none reaches row ``padding_idx``)."""
    idx = _index_array(input, "embedding")
    num = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):  # negative indices too, as torch
        raise IndexError(f"embedding: index out of range in self (indices must be in [0, {num}), "
                         f"got {int(idx.min()) if idx.min() < 0 else int(idx.max())})")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if max_norm is not None:
        with no_grad():
            rows = np.unique(idx)
            w = weight._data
            norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            w[rows] = (w[rows] * scale[:, None]).astype(w.dtype)
    idx = idx.astype(np.int64, copy=False)
    out = _F.getitem(weight, idx)
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += num
        keep = _make((idx != padding_idx)[..., None])
        out = _F.where(keep, out, _F.getitem(weight.detach(), idx))
    return out


def one_hot(tensor, num_classes: int = -1):
    """int64 tensor of shape (*tensor.shape, num_classes) with ones at the class indices
    (num_classes=-1: one more than the largest index)."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes < 0 or (idx.size and idx.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return _make(out)
