"""Max unpooling on arrays (torch's F.max_unpool1d/2d): the inverse placement of a max pool.

Memory movement only, so numpy does it.  Each (sample, channel) plane of the output is zero but for
the values of x written at their flat positions ``indices`` (as max_pool2d returned them); the
gradient reads dy back at those positions.

    y[n, c, indices[n, c, i]] = x[n, c, i];   dx[n, c, i] = dy[n, c, indices[n, c, i]]"""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["MaxUnpool"]


@register("max_unpool")
class MaxUnpool(Function):
    """x, indices: (N, C, L) with flat indices into an output plane of ``plane`` elements."""

    @staticmethod
    def forward(ctx, x, indices, plane):
        n, c, _ = x.shape
        y = np.zeros((n, c, plane), x.dtype)
        np.put_along_axis(y, indices, x, axis=2)
        ctx.saved = (indices,)
        return y

    @staticmethod
    def backward(ctx, dy):
        return np.take_along_axis(dy, ctx.saved[0], axis=2), None, None
