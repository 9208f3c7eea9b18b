"""torch.dtype objects: ``fastgrad.float32`` prints as ``fastgrad.float32`` and has torch's
attributes (``is_floating_point``, ``itemsize``, ``is_signed``, ``is_complex``).

Tensors keep numpy arrays, so each object wraps one numpy dtype: numpy accepts it wherever it
takes a dtype (through its ``dtype`` attribute), it hashes and compares equal like that numpy
dtype (``t.dtype == np.float32`` holds, dict keys mix), and ``Tensor.dtype`` costs one dict
lookup (one object per numpy dtype, made once).  Internal code keeps using numpy dtypes
(fastgrad/dtypes.py); these objects are what users see."""
import numpy as np

from fastgrad import dtypes

__all__ = ["dtype", "wrap", "BY_NUMPY", "PUBLIC", "get_default_dtype", "set_default_dtype", "float32", "float64",
           "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "uint16", "uint32", "uint64",
           "complex64", "complex128"]

_NAMES = {"float32": "float32", "float64": "float64", "float16": "float16", "int64": "int64",
          "int32": "int32", "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
          "uint16": "uint16", "uint32": "uint32", "uint64": "uint64", "complex64": "complex64",
          "complex128": "complex128"}


class dtype:
    """A tensor element type (torch.dtype): wraps the numpy dtype of the tensor's storage."""

    __slots__ = ("dtype", "_name", "kind", "itemsize", "is_floating_point", "is_complex", "is_signed")

    def __init__(self, np_dtype, name=None):
        d = np.dtype(np_dtype)
        self.dtype = d  # numpy reads this attribute: np.zeros(3, dtype=fastgrad.float32) works
        bf16 = d == dtypes.bfloat16
        self._name = name or ("bfloat16" if bf16 else _NAMES.get(d.name, d.name))
        self.kind = "f" if bf16 else d.kind  # (bfloat16's storage is a numpy structured dtype)
        self.itemsize = d.itemsize
        self.is_floating_point = self.kind == "f"
        self.is_complex = d.kind == "c"
        self.is_signed = self.kind in "fic"

    def __repr__(self):
        return "fastgrad." + self._name

    __str__ = __repr__

    def __eq__(self, other):
        if other is self:
            return True
        if other.__class__ is dtype:
            return False
        if other is None or isinstance(other, str):  # torch: a dtype never equals a string
            return False
        try:
            return self.dtype == np.dtype(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash(self.dtype)  # as the numpy dtype's: either finds the other's dict entries

    def __getattr__(self, name):  # numpy's other attributes (name, char, type, str ...)
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __reduce__(self):
        return (_from_name, ("bfloat16" if self._name == "bfloat16" else self.dtype.str,))

    def to_real(self):
        return wrap(np.empty(0, self.dtype).real.dtype)

    def to_complex(self):
        return wrap(np.result_type(self.dtype, np.complex64))


class _Cache(dict):
    def __missing__(self, d):
        obj = self[d] = dtype(d)
        return obj


BY_NUMPY = _Cache()
wrap = BY_NUMPY.__getitem__  # numpy dtype -> its dtype object (made once)



def _from_name(name):
    """The dtype object of a numpy dtype string (unpickling)."""
    return wrap(dtypes.bfloat16 if name == "bfloat16" else np.dtype(name))


PUBLIC = {name: wrap(np.dtype(name)) for name in _NAMES}
float32, float64, float16, int64, int32, int16, int8, uint8, bool = (  # noqa: A001
    PUBLIC[n] for n in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"))
bfloat16 = PUBLIC["bfloat16"] = wrap(dtypes.bfloat16)
uint16, uint32, uint64, complex64, complex128 = (PUBLIC[n] for n in ("uint16", "uint32", "uint64",
                                                                      "complex64", "complex128"))
float, double, half, long, int, short, cfloat, cdouble = (  # noqa: A001  (torch's aliases)
    float32, float64, float16, int64, int32, int16, complex64, complex128)


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats: fastgrad.float32 unless set_default_dtype changed it."""
    return wrap(dtypes.get_default_dtype())


def set_default_dtype(d) -> None:
    """Make ``d`` (float32 or float64; torch also allows float16) the dtype of Python floats."""
    dtypes.set_default_dtype(d)
