"""Tensor: a numpy array plus the autograd fields.  Methods are one-line delegates to
``fastgrad.functional`` (imported at the bottom to break the import cycle)."""
import sys as _sys
from operator import attrgetter as _attrgetter

import numpy as np

from fastgrad import dtypes
from fastgrad._printing import format_tensor
from fastgrad.device import CPU as _CPU
from fastgrad.dtype_objects import BY_NUMPY as _DTYPE_OF
from fastgrad.ops.common import wrap_dim
from fastgrad.size import Size, shape_args as _shape_args

__all__ = ["Tensor"]

_new = object.__new__


class Tensor:
    """A multi-dimensional array that can record operations for reverse-mode autodiff."""

    # _grad_buffer: a leaf's reusable gradient output (autograd/grad_buffer.py), set when first used
    # _grad: what .grad shows (the property checks assignments; the engine writes _grad directly)
    __slots__ = ("_data", "requires_grad", "_grad", "grad_fn", "_grad_buffer", "__weakref__")
    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __init__(self, *args, requires_grad=False, **kwargs):
        self._data = _legacy_array(args, kwargs, dtypes.get_default_dtype(), "Tensor")
        self._grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(array, grad_fn=None):
        """Internal constructor: wrap ``array`` (no copy); a node makes it require grad."""
        t = _new(Tensor)
        t._data = array
        t._grad = None
        t.grad_fn = grad_fn
        t.requires_grad = grad_fn is not None
        return t

    # -- attributes -----------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return _DTYPE_OF[self._data.dtype]  # one object per numpy dtype (dtype_objects.py)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self):
        return _CPU

    is_cuda = False
    is_cpu = True

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def data(self) -> "Tensor":
        """A Tensor sharing storage with this one, outside the graph (as torch's .data)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = _check_data(value)

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's storage has had (shared with its views)."""
        return _version_of(self._data)

    def _set_grad(self, value):
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    # the getter is C (operator.attrgetter): half the cost of a Python one on every p.grad
    grad = property(_attrgetter("_grad"), _set_grad, None, "The gradient backward() accumulated (None until then).")

    @property
    def T(self) -> "Tensor":
        return F.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        return F.transpose(self, -2, -1)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[wrap_dim(dim, self._data.ndim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self) -> bool:
        return self._data.flags.c_contiguous

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind in "fV"  # ("V": bfloat16, lowp.py)

    def get_device(self) -> int:
        return -1  # torch's answer for a CPU tensor

    # -- autograd -------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True) -> "Tensor":
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                               "to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind not in "fcV":
            raise RuntimeError("only Tensors of floating point dtype can require gradients "
                               f"(got {dtypes.dtype_name(self._data.dtype)})")
        self.requires_grad = bool(requires_grad)
        if requires_grad:
            self._grad_buffer = None
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        import weakref
        self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        return fn is not None and fn.retained is not None and fn.retained() is self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) · gradient into ``.grad`` of every leaf requiring grad."""
        if gradient is None and inputs is None and not create_graph:  # loss.backward()
            _backward_implicit(self, retain_graph)
        else:
            _autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> "Tensor":
        return Tensor._make(self._data)  # same storage: same version counter, as torch

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
        return self

    # -- conversion -----------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False) -> np.ndarray:
        """A new ndarray over the tensor's memory (no copy): writes to its elements show in the
        tensor, changes to its shape or strides do not.  Refused when the tensor requires grad, as
        torch does."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data.view()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data.view()  # a view: the shape stays ours

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    __hash__ = object.__hash__  # by identity, as torch (__eq__ is elementwise); C-level: dict keys are cheap

    def __getstate__(self):
        """copy/pickle state: every slot that is set, but a leaf's reusable gradient buffer (this
        object's scratch memory, with a C pointer that cannot be pickled)."""
        slots = {}
        for cls in type(self).__mro__:
            for name in cls.__dict__.get("__slots__", ()):
                if name not in ("__weakref__", "_grad_buffer") and hasattr(self, name):
                    slots[name] = getattr(self, name)
        return None, slots

    def __repr__(self) -> str:
        return format_tensor(self)

    def __format__(self, spec):  # torch: a 0-d Tensor formats as its Python number
        if self._data.ndim == 0 and type(self) is Tensor:
            return format(self._data.item(), spec)
        return object.__format__(self, spec)


    # -- arithmetic operators -------------------------------------------------------
    # (+ - * / ** @ and unary -: the functional ops themselves, bound at the bottom of this file)
    def __radd__(self, other): return F.add(other, self)
    def __rsub__(self, other): return F.sub(other, self)
    def __rmul__(self, other): return F.mul(other, self)
    def __rtruediv__(self, other): return F.div(other, self)
    def __rpow__(self, other): return F.pow(other, self)
    def __rmatmul__(self, other): return F.matmul(other, self)
    def __pos__(self): return self
    def __abs__(self): return F.abs(self)
    def __floordiv__(self, other): return F.floor_divide(self, other)
    def __rfloordiv__(self, other): return F.floor_divide(other, self)
    def __mod__(self, other): return F.remainder(self, other)
    def __rmod__(self, other): return F.remainder(other, self)

    # comparisons: no gradient, bool results
    def __eq__(self, other): return F.eq(self, other)
    def __ne__(self, other): return F.ne(self, other)
    def __lt__(self, other): return F.lt(self, other)
    def __le__(self, other): return F.le(self, other)
    def __gt__(self, other): return F.gt(self, other)
    def __ge__(self, other): return F.ge(self, other)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    # in-place operators: see functional.inplace for the leaf-that-requires-grad rule
    def __iadd__(self, other): return F.inplace(self, other, "add")
    def __isub__(self, other): return F.inplace(self, other, "sub")
    def __imul__(self, other): return F.inplace(self, other, "mul")
    def __itruediv__(self, other): return F.inplace(self, other, "div")

    def add_(self, other, alpha=1): return F.inplace(self, other if alpha == 1 else other * alpha, "add")
    def sub_(self, other, alpha=1): return F.inplace(self, other if alpha == 1 else other * alpha, "sub")
    def mul_(self, other): return F.inplace(self, other, "mul")
    def copy_(self, src): return F.inplace(self, src, "copy")
    def fill_(self, value): return F.inplace(self, value, "copy")
    def zero_(self): return F.inplace(self, 0, "copy")
    def clamp_(self, min=None, max=None): return _clamp_(self, min, max)
    clip_ = clamp_

    def __setitem__(self, index, value): _setitem(self, index, value)
    def __getitem__(self, index): return F.getitem(self, index)

    # -- named maths methods --------------------------------------------------------
    def add(self, other, alpha=1): return F.add(self, other if alpha == 1 else other * alpha)
    def sub(self, other, alpha=1): return F.sub(self, other if alpha == 1 else other * alpha)
    def mul(self, other): return F.mul(self, other)
    def pow(self, exponent): return F.pow(self, exponent)
    def neg(self): return F.neg(self)
    def log1p(self): return F.log1p(self)
    def rsqrt(self): return F.rsqrt(self)
    def square(self): return F.square(self)
    def reciprocal(self): return F.reciprocal(self)
    def clamp(self, min=None, max=None): return F.clamp(self, min, max)
    clip = clamp
    def maximum(self, other): return F.maximum(self, other)
    def minimum(self, other): return F.minimum(self, other)
    def matmul(self, other): return F.matmul(self, other)
    mm = matmul

    # -- reductions -----------------------------------------------------------------

    # -- shape ----------------------------------------------------------------------
    def reshape(self, *shape): return F.reshape(self, _shape_args(shape))
    def view_as(self, other): return F.view(self, other.shape)
    def reshape_as(self, other): return F.reshape(self, other.shape)
    def flatten(self, start_dim=0, end_dim=-1): return F.flatten(self, start_dim, end_dim)
    def squeeze(self, dim=None): return F.squeeze(self, dim)
    def unsqueeze(self, dim): return F.unsqueeze(self, dim)
    def transpose(self, dim0, dim1): return F.transpose(self, dim0, dim1)
    def t(self): return F.t(self)
    def permute(self, *dims): return F.permute(self, _shape_args(dims))
    def expand(self, *sizes): return F.expand(self, _shape_args(sizes))
    def expand_as(self, other): return F.expand(self, other.shape)
    def repeat(self, *sizes): return F.repeat(self, _shape_args(sizes))
    def chunk(self, chunks, dim=0): return F.chunk(self, chunks, dim)
    def split(self, split_size, dim=0): return F.split(self, split_size, dim)
    def masked_fill(self, mask, value): return F.masked_fill(self, mask, value)
    def gather(self, dim, index): return F.gather(self, dim, index)


from fastgrad import functional as F  # noqa: E402  (cycle: functional builds Tensors)
from fastgrad import autograd as _autograd  # noqa: E402  (cycle: autograd wraps Tensors)
from fastgrad.autograd import backward_implicit as _backward_implicit  # noqa: E402
from fastgrad.autograd.version import version as _version_of  # noqa: E402
from fastgrad.autograd.assign import check_data as _check_data, check_grad as _check_grad  # noqa: E402
from fastgrad.functional.inplace import clamp_ as _clamp_, setitem as _setitem  # noqa: E402
from fastgrad.legacy import legacy_array as _legacy_array  # noqa: E402

# the hot operators and one-argument methods are the functional ops themselves (t * u calls
# F.mul(t, u) directly): one Python frame less per op
Tensor.__add__, Tensor.__sub__, Tensor.__mul__, Tensor.__truediv__ = F.add, F.sub, F.mul, F.div
Tensor.__pow__, Tensor.__matmul__, Tensor.__neg__ = F.pow, F.matmul, F.neg
Tensor.relu, Tensor.sigmoid, Tensor.tanh, Tensor.exp, Tensor.log, Tensor.sqrt, Tensor.abs = (
    F.relu, F.sigmoid, F.tanh, F.exp, F.log, F.sqrt, F.abs)
# bitwise operators and methods (torch: logical on bool, bitwise on integers, refused on floats)
Tensor.__and__ = Tensor.__rand__ = Tensor.bitwise_and = F.bitwise_and
Tensor.__or__ = Tensor.__ror__ = Tensor.bitwise_or = F.bitwise_or
Tensor.__xor__ = Tensor.__rxor__ = Tensor.bitwise_xor = F.bitwise_xor
Tensor.__invert__ = Tensor.bitwise_not = F.bitwise_not
Tensor.__lshift__, Tensor.__rshift__ = F.bitwise_left_shift, F.bitwise_right_shift
Tensor.__rlshift__ = lambda self, other: F.bitwise_left_shift(other, self)
Tensor.__rrshift__ = lambda self, other: F.bitwise_right_shift(other, self)
# op families with many methods list them in a TENSOR_METHODS dict (method name -> function taking
# the tensor first) in their own functional module; they are bound here, so tensor.py stays small.
# Found through sys.modules: a module named like one of its functions is hidden in vars(F).
for _name_mod in sorted(m for m in _sys.modules if m.startswith("fastgrad.functional.")):
    for _name, _fn in getattr(_sys.modules[_name_mod], "TENSOR_METHODS", {}).items():
        setattr(Tensor, _name, _fn)
