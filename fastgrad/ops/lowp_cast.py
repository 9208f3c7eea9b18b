"""The differentiable cast to or from bfloat16 (numpy cannot cast it: fastgrad/lowp.py does)."""
from fastgrad.autograd.function import Function
from fastgrad.lowp import BF16, F16, F32, cast, round_trip, to_float32

__all__ = ["CastLowp"]


class CastLowp(Function):
    """y = x cast to another float dtype, bfloat16 among them.  dx = dy cast back (a float32
    array holding bfloat16 values while it travels between nodes)."""

    user_defined = False  # an array-level op, as the registered ones (not in the op table)
    op_name = "to_dtype"
    __slots__ = ()

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x.dtype
        return cast(x, dtype)

    @staticmethod
    def backward(ctx, dy):
        src = ctx.src
        if dy.dtype == BF16 or dy.dtype == F16:
            dy = to_float32(dy)
        if src == BF16:
            return round_trip(dy.astype(F32, copy=False), BF16), None
        return cast(dy, src), None

    def name(self) -> str:
        return "ToDtypeBackward"  # (as ToDtype's)
