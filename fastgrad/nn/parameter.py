"""Parameter: a leaf Tensor that a Module registers as a learnable weight."""
import numpy as np

from fastgrad import dtypes
from fastgrad.tensor import Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


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


_UNINIT_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
                 "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
                 "`forward` to initialize the parameters before accessing their attributes.")


class UninitializedTensorMixin:
    """A parameter or buffer whose shape is not known yet (a lazy module's, before its first forward):
    ``materialize(shape)`` gives it storage and turns it into ``cls_to_become``.  Its shape cannot be read."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor uninitialised storage of ``shape`` (its own dtype unless ``dtype``) and make it a
        ``cls_to_become`` (Parameter or Tensor) in place."""
        dt = dtypes.to_dtype(dtype) or self._data.dtype
        self._data = np.empty(tuple(shape), dtype=dt)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINIT_SHAPE)

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                           "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self._data.dtype)
        return memo[id(self)]


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter without a shape yet (torch.nn.UninitializedParameter); becomes a Parameter on
    ``materialize``."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        super().__init__(Tensor._make(np.empty(0, dtype=dt)), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer without a shape yet (torch.nn.UninitializedBuffer); becomes a Tensor on ``materialize``."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        self._data = np.empty(0, dtype=dt)
        self._grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)


def is_lazy(param) -> bool:
    """True for an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)
