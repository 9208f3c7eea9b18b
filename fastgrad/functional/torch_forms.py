"""torch's top-level spellings of things fastgrad already has: the in-place function forms
(``torch.sin_(t)`` is ``t.sin_()``), the in-place methods of the basic unary ops, comparison and
joining aliases (``greater``, ``less_equal``, ``concatenate``, …) and small conveniences
(``ravel``, ``positive``, ``rsub``, ``fill``, ``scalar_tensor``, ``is_signed``, …)."""
import numpy as np

from fastgrad import dtypes
from fastgrad.lowp import cast as lowp_cast
from fastgrad.functional import compare as C
from fastgrad.functional import elementwise as E
from fastgrad.functional import activation as A
from fastgrad.functional.join_split import cat
from fastgrad.functional.pointwise import inplace_method
from fastgrad.functional.shape import reshape
from fastgrad.tensor import Tensor

# in-place methods of the basic unary ops (the pointwise families bind the others)
_UNARY = {"abs": E.abs, "exp": E.exp, "log": E.log, "log1p": E.log1p, "neg": E.neg, "negative": E.neg,
          "reciprocal": E.reciprocal, "rsqrt": E.rsqrt, "sqrt": E.sqrt, "square": E.square, "sigmoid": A.sigmoid,
          "tanh": A.tanh}
TENSOR_METHODS = {name + "_": inplace_method(fn) for name, fn in _UNARY.items()}
TENSOR_METHODS.update({"ravel": lambda self: reshape(self, (-1,)), "positive": lambda self: self,
                       "is_signed": lambda self: self._data.dtype.kind in "ficV",
                       "is_nonzero": lambda self: _is_nonzero(self),
                       "is_same_size": lambda self, other: tuple(self.shape) == tuple(other.shape)})

greater, greater_equal, less, less_equal, not_equal = C.gt, C.ge, C.lt, C.le, C.ne
concatenate = cat


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor (a view when the layout allows)."""
    return reshape(input, (-1,))


def positive(input: Tensor) -> Tensor:
    return input


def rsub(input, other, alpha=1) -> Tensor:
    """other - alpha * input."""
    return E.sub(other, input if alpha == 1 else E.mul(input, alpha))


def fill(input: Tensor, value) -> Tensor:
    """A new tensor like input, every element value (torch.fill, out of place)."""
    d = input._data.dtype
    return Tensor._make(np.full(input._data.shape, value, d) if d.kind != "V" else lowp_cast(
        np.full(input._data.shape, value, np.float32), d))  # ("V": bfloat16, fastgrad/lowp.py)


def scalar_tensor(s, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A 0-d tensor of s in dtype (the default float dtype when omitted)."""
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    return Tensor(np.asarray(s, dt), requires_grad=requires_grad)


def _is_nonzero(input):
    if input._data.size != 1:
        what = "no values" if input._data.size == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
    return bool(input._data.item())


def is_nonzero(input: Tensor) -> bool:
    return _is_nonzero(input)


def is_signed(input: Tensor) -> bool:
    return input._data.dtype.kind in "ficV"


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(input.shape) == tuple(other.shape)


def detach(input: Tensor) -> Tensor:
    return input.detach()


def _method_form(name):
    def fn(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"torch.{name}(t, ...) is t.{name}(...)."
    return fn


# torch.<name>_(t, ...) for every in-place method Tensor has (sin_, clamp_, zero_, fill_, detach_, …)
_INPLACE_NAMES = ("abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ "
                  "ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_ erfc_ exp2_ exp_ "
                  "expm1_ fill_ fix_ floor_ frac_ index_put_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ "
                  "negative_ rad2deg_ reciprocal_ round_ rsqrt_ sigmoid_ sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ "
                  "trunc_ zero_").split()
FUNCTIONS = {name: _method_form(name) for name in _INPLACE_NAMES}
