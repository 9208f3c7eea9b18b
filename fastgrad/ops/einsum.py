"""einsum on arrays: the one step that is not a sum, a permute or a GEMM — taking the diagonal
over an operand's repeated subscripts ('ii->i', 'iij->ij').  Everything else einsum does is
composed at the Tensor level from sum, permute, reshape, mul and matmul (the C GEMM)."""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["Diagonals", "diagonal_view"]


def diagonal_view(x, labels):
    """(view of x, its labels) with each repeated label kept once, at its first position: the
    stride of a kept dim is the sum of the strides of the dims that carry its label."""
    out_labels, sizes, strides = [], [], []
    for d, lab in enumerate(labels):
        if lab in out_labels:
            strides[out_labels.index(lab)] += x.strides[d]
        else:
            out_labels.append(lab)
            sizes.append(x.shape[d])
            strides.append(x.strides[d])
    view = np.lib.stride_tricks.as_strided(x, tuple(sizes), tuple(strides), writeable=False)
    return view, tuple(out_labels)


@register("einsum_diagonal")
class Diagonals(Function):
    """y[i, j] = x[i, i, j] for labels (i, i, j) (any repeated labels).  dx is zero off the
    diagonal and dy on it."""

    @staticmethod
    def forward(ctx, x, labels):
        ctx.shape, ctx.labels = x.shape, labels
        return np.ascontiguousarray(diagonal_view(x, labels)[0])

    @staticmethod
    def backward(ctx, dy):
        dx = np.zeros(ctx.shape, dy.dtype)
        view, _ = diagonal_view(dx, ctx.labels)
        np.lib.stride_tricks.as_strided(dx, view.shape, view.strides, writeable=True)[...] = dy
        return dx, None
