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
    """A torch.return_types named tuple (fields printed one a line, as torch)."""
    cls = namedtuple(name, fields)
    cls.__module__ = "fastgrad.return_types"
    cls.__repr__ = lambda self: (f"fastgrad.return_types.{name}(\n"
                                 + ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self)) + ")")
    return cls


# torch.linalg's decompositions and solvers (fastgrad/functional/decomposition.py, spectral.py)
linalg_inv_ex = _named("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex = _named("linalg_cholesky_ex", ["L", "info"])
linalg_solve_ex = _named("linalg_solve_ex", ["result", "info"])
linalg_slogdet = _named("linalg_slogdet", ["sign", "logabsdet"])
slogdet = _named("slogdet", ["sign", "logabsdet"])
linalg_qr = _named("linalg_qr", ["Q", "R"])
qr = _named("qr", ["Q", "R"])
linalg_eigh = _named("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_svd = _named("linalg_svd", ["U", "S", "Vh"])
svd = _named("svd", ["U", "S", "V"])
linalg_lstsq = _named("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
linalg_lu_factor = _named("linalg_lu_factor", ["LU", "pivots"])
linalg_lu = _named("linalg_lu", ["P", "L", "U"])
linalg_lu_factor_ex = _named("linalg_lu_factor_ex", ["LU", "pivots", "info"])
lu_unpack = _named("lu_unpack", ["P", "L", "U"])
__all__ += ["linalg_lu_factor_ex", "lu_unpack"]
__all__ += ["linalg_inv_ex", "linalg_cholesky_ex", "linalg_solve_ex", "linalg_slogdet", "slogdet", "linalg_qr", "qr",
            "linalg_eigh", "linalg_svd", "svd", "linalg_lstsq", "linalg_lu_factor", "linalg_lu"]
frexp = _named("frexp", ["mantissa", "exponent"])
histogramdd = _named("histogramdd", ["hist", "bin_edges"])
