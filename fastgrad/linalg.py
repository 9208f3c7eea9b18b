"""fastgrad.linalg: torch.linalg's names, with gradients.

* norms and products: norm, vector_norm, matrix_norm, matmul, vecdot, cross, multi_dot
* inverses, determinants, solvers (fastgrad/functional/decomposition.py): inv, inv_ex, det,
  slogdet, solve, solve_ex, cholesky, cholesky_ex, solve_triangular, matrix_power
* decompositions (fastgrad/functional/spectral.py): qr, eigh, eigvalsh, svd, svdvals, pinv, lstsq,
  matrix_rank, cond (eigenvector / singular-vector gradients are inf/NaN for repeated eigenvalues /
  singular values, as torch)
* matrix functions and tensor forms (fastgrad/functional/matrix_function.py): matrix_exp, vander,
  diagonal, tensorinv, tensorsolve
* LU with partial pivoting (fastgrad/functional/lu.py): lu_factor, lu_factor_ex, lu, lu_solve

Forward through numpy.linalg / LAPACK in the input's dtype (float32 stays float32), batched over
leading dims; backward with torch's analytic formulas.  LinAlgError (a RuntimeError, as
torch.linalg.LinAlgError) reports singular and non-positive-definite inputs.
eig / eigvals are not provided: their results are complex and fastgrad has no complex dtype."""
from fastgrad.functional.decomposition import (LinAlgError, cholesky, cholesky_ex, det, inv, inv_ex, matrix_power,
                                               slogdet, solve, solve_ex, solve_triangular)
from fastgrad.functional.linalg import matmul
from fastgrad.functional.lu import lu, lu_factor, lu_factor_ex, lu_solve
from fastgrad.functional.matrix_function import linalg_diagonal as diagonal, matrix_exp, tensorinv, tensorsolve, vander
from fastgrad.functional.spectral import cond, eigh, eigvalsh, lstsq, matrix_rank, pinv, qr, svd, svdvals
from fastgrad.functional.norms import linalg_norm as norm, matrix_norm, vector_norm
from fastgrad.functional.products import linalg_cross as cross, multi_dot, vecdot

__all__ = ["norm", "vector_norm", "matrix_norm", "matmul", "vecdot", "cross", "multi_dot",
           "LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "cholesky", "cholesky_ex",
           "solve_triangular", "matrix_power", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "lstsq",
           "matrix_rank", "cond", "matrix_exp", "vander", "diagonal", "tensorinv", "tensorsolve",
           "lu_factor", "lu_factor_ex", "lu", "lu_solve"]
