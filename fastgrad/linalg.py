"""fastgrad.linalg: torch.linalg's names that fastgrad provides (norms, products, cross).
Decompositions, solvers and inverses are not provided."""
from fastgrad.functional.linalg import matmul
from fastgrad.functional.norms import linalg_norm as norm, matrix_norm, vector_norm
from fastgrad.functional.products import linalg_cross as cross, multi_dot, vecdot

__all__ = ["norm", "vector_norm", "matrix_norm", "matmul", "vecdot", "cross", "multi_dot"]
