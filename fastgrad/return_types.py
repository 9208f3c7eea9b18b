"""Named tuples of the ops that return several tensors, with torch's names and fields
(``torch.return_types.sort(values=..., indices=...)``)."""
from collections import namedtuple

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax", "cummin",
           "aminmax", "frexp", "histogramdd"]


def _values_indices(name):
    cls = namedtuple(name, ["values", "indices"])
    cls.__module__ = "fastgrad.return_types"
    cls.__repr__ = lambda self: f"fastgrad.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return cls


max = _values_indices("max")  # noqa: A001
min = _values_indices("min")  # noqa: A001
sort = _values_indices("sort")
topk = _values_indices("topk")
kthvalue = _values_indices("kthvalue")
median = _values_indices("median")
nanmedian = _values_indices("nanmedian")
mode = _values_indices("mode")
cummax = _values_indices("cummax")
cummin = _values_indices("cummin")
aminmax = namedtuple("aminmax", ["min", "max"])
aminmax.__module__ = "fastgrad.return_types"


def _named(name, fields):
    """A torch-style named tuple: ``fastgrad.return_types.<name>(`` then one ``field=value`` per line."""
    cls = namedtuple(name, fields)
    cls.__module__ = "fastgrad.return_types"
    cls.__repr__ = lambda self: (f"fastgrad.return_types.{name}(\n"
                                 + ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self)) + ")")
    return cls


frexp = _named("frexp", ["mantissa", "exponent"])
histogramdd = _named("histogramdd", ["hist", "bin_edges"])
