"""What ``t.grad = g`` and ``t.data = d`` accept: torch's checks and messages."""
__all__ = ["check_grad", "check_data"]


def _typename(v) -> str:
    """A type's name as torch's messages print it (list, numpy.ndarray)."""
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def check_grad(t, g) -> None:
    """``t.grad = g``: g a Tensor (not t itself) of t's dtype and shape, as torch requires."""
    if not hasattr(g, "_data") or not hasattr(g, "grad_fn"):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {_typename(g)}")
    if g is t:
        raise RuntimeError("can't assign Variable as its own grad")
    a, b = t._data, g._data
    if b.dtype != a.dtype:
        raise RuntimeError(f"attempting to assign a gradient with dtype '{b.dtype}' to a tensor with dtype "
                           f"'{a.dtype}'. The gradient must match the tensor's dtype")
    if b.shape != a.shape:
        raise RuntimeError(f"attempting to assign a gradient of size '{list(b.shape)}' to a tensor of size "
                           f"'{list(a.shape)}'. Please ensure that the gradient and the tensor are the same size")


def check_data(value):
    """``t.data = value``: the array of a Tensor (any shape or dtype, as torch); else TypeError."""
    if not hasattr(value, "_data") or not hasattr(value, "grad_fn"):
        raise TypeError(f"Variable data has to be a tensor, but got {_typename(value)}")
    return value._data
