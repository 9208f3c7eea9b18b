"""Parameter: a leaf Tensor that a Module registers as a learnable weight."""
import numpy as np

from fastgrad import dtypes
from fastgrad.tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A Tensor that requires grad by default and is picked up by ``Module.parameters()``.

    ``Parameter(t)`` shares ``t``'s storage (no copy), as torch does.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            arr = np.empty(0, dtype=dtypes.get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = Tensor(data)._data
        self._data = arr
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._make(self._data), self.requires_grad))

    def __deepcopy__(self, memo):
        """A new Parameter over a copy of the data, without the gradient (as torch's)."""
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self._data.copy()), self.requires_grad)
        memo[id(self)] = out
        return out


class Buffer(Tensor):
    """Marker for ``Module`` attributes that should become buffers (torch.nn.Buffer).

    Assigning ``module.x = Buffer(t)`` registers ``t`` as a buffer; the stored object is a
    plain Tensor sharing ``t``'s storage.
    """

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent: bool = True):
        arr = Tensor(data)._data if not isinstance(data, Tensor) else data._data
        self._data = arr
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        self.persistent = persistent
