"""Op cases for einsum, the products (outer, dot, addmm, kron, cross, tensordot, multi_dot, ...),
norms and distances (see test_ops.py).  The name is the registered op that does the work:
einsum and the products run through matmul / mul, the norms through vector_norm, cdist through
cdist, repeated einsum subscripts through einsum_diagonal."""
import numpy as np

import fastgrad as fg
import fastgrad.nn.functional as NF
from opcases.common import _away_from, _n, _torch, case

_INF = float("inf")


def _es(eq, *shapes, name="matmul", grad=True):
    """An einsum case: fastgrad vs numpy.einsum vs torch.einsum."""
    return case(name, lambda *t: fg.einsum(eq, *t), lambda *a: np.einsum(eq, *a), _n(*shapes), f"einsum-{eq}",
                grad=grad, torch=lambda *t: _torch().einsum(eq, *t))


def _vn(x, p, axis=None, keepdims=False):
    a = np.abs(x)
    if p == _INF:
        return a.max(axis=axis, keepdims=keepdims)
    if p == -_INF:
        return a.min(axis=axis, keepdims=keepdims)
    if p == 0:
        return (a != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


def _cdist(a, b, p):
    return _vn(a[..., :, None, :] - b[..., None, :, :], p, -1)


def _cross(a, b, dim=-1):
    return np.cross(a, b, axis=dim)


def _distinct(*shapes):
    """Normal draws with distinct magnitudes (no ties for the inf / matrix norms)."""
    def make(rng):
        out = []
        for s in shapes:
            n = int(np.prod(s))
            v = (rng.permutation(n) + 1.0) / n * rng.choice([-1.0, 1.0], n)
            out.append(v.reshape(s))
        return out
    return make


def _cos(a, b, dim=1, eps=1e-8):
    na = np.maximum(np.sqrt((a * a).sum(dim, keepdims=True)), eps)
    nb = np.maximum(np.sqrt((b * b).sum(dim, keepdims=True)), eps)
    return ((a / na) * (b / nb)).sum(dim)


def _tl():
    return _torch().linalg


def _tF():
    return _torch().nn.functional


CASES = [
    # einsum: matrix products, batched, attention-shaped, transposed operands, through the GEMM
    _es("ij,jk->ik", (3, 4), (4, 5)),
    _es("ij,kj->ik", (3, 4), (5, 4)),
    _es("ji,jk", (4, 3), (4, 5)),
    _es("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    _es("bhqd,bhkd->bhqk", (2, 2, 3, 4), (2, 2, 5, 4)),
    _es("...ij,...jk", (2, 3, 4), (4, 5)),
    _es("...ij,...jk->...ik", (2, 1, 3, 4), (3, 4, 2)),
    _es("abcd,cbe->dae", (2, 3, 4, 5), (4, 3, 6)),
    _es("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
    _es("abc,cd,a->bd", (2, 3, 4), (4, 5), (2,)),
    _es("ij,ij->", (3, 4), (3, 4)),
    _es("i,i", (5,), (5,)),
    _es("ij->", (3, 4), name="sum"),
    _es("ijk->kji", (2, 3, 4), name="permute"),
    _es("i,j->ij", (3,), (4,), name="mul"),
    _es("bi,bj->bij", (2, 3), (2, 4), name="mul"),
    _es("ij,ij->ij", (3, 4), (3, 4), name="mul"),
    _es("ab,cd->", (2, 3), (4, 5), name="sum"),
    _es("ij,j->i", (3, 1), (4,)),
    _es("i,i->i", (1,), (3,), name="mul"),
    _es("a...,a...->...", (2, 3, 1), (2, 4), name="mul"),
    _es("ij,jk->ik", (0, 3), (3, 2)),
    _es("ij,jk->ik", (2, 0), (0, 3)),
    # repeated subscripts: diagonals and traces
    _es("ii->i", (3, 3), name="einsum_diagonal"),
    _es("ii", (3, 3), name="einsum_diagonal"),
    _es("iij,jk", (3, 3, 4), (4, 2), name="einsum_diagonal"),
    _es("iji->j", (2, 3, 2), name="einsum_diagonal"),
    _es("bii->bi", (2, 3, 3), name="einsum_diagonal"),
    case("matmul", lambda a, b: fg.einsum(a, [0, 1], b, [1, 2], [0, 2]),
         np.matmul, _n((3, 4), (4, 2)), "einsum-sublist",
         torch=lambda a, b: _torch().einsum(a, [0, 1], b, [1, 2], [0, 2])),
    case("matmul", lambda a, b: fg.einsum("ij,jk", [a, b]), np.matmul, _n((3, 4), (4, 2)), "einsum-list"),
    # products
    case("mul", fg.outer, np.outer, _n((3,), (4,)), "outer", torch=lambda a, b: _torch().outer(a, b)),
    case("mul", lambda a, b: a.ger(b), np.outer, _n((3,), (2,)), "ger", torch=lambda a, b: a.ger(b)),
    case("matmul", fg.dot, np.dot, _n((5,), (5,)), "dot", torch=lambda a, b: _torch().dot(a, b)),
    case("matmul", lambda a, b: a.vdot(b), np.vdot, _n((4,), (4,)), "vdot", torch=lambda a, b: a.vdot(b)),
    case("matmul", fg.inner, np.inner, _n((2, 3, 4), (5, 4)), "inner", torch=lambda a, b: _torch().inner(a, b)),
    case("mul", fg.inner, np.inner, _n((), (2, 3)), "inner-scalar", torch=lambda a, b: _torch().inner(a, b)),
    case("matmul", fg.mv, np.matmul, _n((3, 4), (4,)), "mv", torch=lambda a, b: _torch().mv(a, b)),
    case("matmul", lambda c, a, b: fg.addmm(c, a, b, beta=0.5, alpha=2.0), lambda c, a, b: 0.5 * c + 2 * a @ b,
         _n((3, 5), (3, 4), (4, 5)), "addmm", torch=lambda c, a, b: _torch().addmm(c, a, b, beta=0.5, alpha=2.0)),
    case("matmul", lambda c, a, b: c.addmm(a, b), lambda c, a, b: c + a @ b, _n((5,), (3, 4), (4, 5)),
         "addmm-bcast", torch=lambda c, a, b: c.addmm(a, b)),
    case("matmul", lambda c, a, b: fg.addmv(c, a, b, alpha=3), lambda c, a, b: c + 3 * a @ b,
         _n((3,), (3, 4), (4,)), "addmv", torch=lambda c, a, b: _torch().addmv(c, a, b, alpha=3)),
    case("matmul", lambda c, a, b: fg.addbmm(c, a, b, beta=2), lambda c, a, b: 2 * c + (a @ b).sum(0),
         _n((3, 5), (2, 3, 4), (2, 4, 5)), "addbmm", torch=lambda c, a, b: _torch().addbmm(c, a, b, beta=2)),
    case("matmul", lambda c, a, b: c.baddbmm(a, b, alpha=0.5), lambda c, a, b: c + 0.5 * (a @ b),
         _n((2, 1, 5), (2, 3, 4), (2, 4, 5)), "baddbmm", torch=lambda c, a, b: c.baddbmm(a, b, alpha=0.5)),
    case("mul", fg.kron, np.kron, _n((2, 3), (4, 2)), "kron", torch=lambda a, b: _torch().kron(a, b)),
    case("mul", fg.kron, np.kron, _n((3,), (2, 2)), "kron-ndim", torch=lambda a, b: _torch().kron(a, b)),
    case("mul", lambda a, b: fg.cross(a, b, dim=0), lambda a, b: _cross(a, b, 0), _n((3, 4), (3, 4)), "cross-dim0",
         torch=lambda a, b: _torch().cross(a, b, dim=0)),
    case("mul", fg.linalg.cross, _cross, _n((2, 1, 3), (1, 4, 3)), "linalg-cross-bcast",
         torch=lambda a, b: _tl().cross(a, b)),
    case("matmul", lambda a, b: fg.tensordot(a, b, 2), lambda a, b: np.tensordot(a, b, 2), _n((2, 3, 4), (3, 4, 5)),
         "tensordot-int", torch=lambda a, b: _torch().tensordot(a, b, 2)),
    case("matmul", lambda a, b: fg.tensordot(a, b, ([0, 2], [2, 0])), lambda a, b: np.tensordot(a, b, ([0, 2], [2, 0])),
         _n((2, 3, 4), (4, 5, 2)), "tensordot-lists", torch=lambda a, b: _torch().tensordot(a, b, ([0, 2], [2, 0]))),
    case("matmul", lambda a, b, c: fg.linalg.multi_dot([a, b, c]), lambda a, b, c: a @ b @ c,
         _n((5,), (5, 2), (2, 6)), "multi_dot", torch=lambda a, b, c: _tl().multi_dot([a, b, c])),
    case("matmul", fg.chain_matmul, lambda a, b, c, d: a @ b @ c @ d, _n((4, 9), (9, 2), (2, 7), (7, 3)),
         "chain_matmul"),
    case("mul", lambda a, b: fg.linalg.vecdot(a, b, dim=0), lambda a, b: (a * b).sum(0), _n((3, 4), (3, 1)),
         "vecdot", torch=lambda a, b: _tl().vecdot(a, b, dim=0)),
    # norms (vector_norm does the work; its gradient is torch's, 0 where the norm is 0)
    case("vector_norm", fg.linalg.vector_norm, lambda x: _vn(x, 2), _n((3, 4)), "2-all",
         torch=lambda x: _tl().vector_norm(x)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, 1, 1), lambda x: _vn(x, 1, 1), _n((3, 4), away=(0.0,)),
         "1-dim", torch=lambda x: _tl().vector_norm(x, 1, 1)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, 3, (0, 2), True),
         lambda x: _vn(x, 3, (0, 2), True), _n((2, 3, 4)), "3-dims-keepdim",
         torch=lambda x: _tl().vector_norm(x, 3, (0, 2), True)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, 0.5, -1), lambda x: _vn(x, 0.5, -1),
         _n((3, 4), away=(0.0,)), "half", torch=lambda x: _tl().vector_norm(x, 0.5, -1)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, 1.5, 0), lambda x: _vn(x, 1.5, 0),
         _n((3, 4), away=(0.0,)), "1.5", torch=lambda x: _tl().vector_norm(x, 1.5, 0)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, _INF, 1), lambda x: _vn(x, _INF, 1),
         _distinct((3, 4)), "inf", torch=lambda x: _tl().vector_norm(x, _INF, 1)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, -_INF), lambda x: _vn(x, -_INF),
         _distinct((3, 4)), "-inf", torch=lambda x: _tl().vector_norm(x, -_INF)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, 0, 0), lambda x: _vn(x, 0, 0),
         lambda rng: [np.where(rng.random((4, 3)) < 0.3, 0.0, rng.standard_normal((4, 3)))], "0"),
    # (ord 0: torch leaves no gradient; ours is 0)
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, -1.0, 1), lambda x: _vn(x, -1.0, 1),
         _n((3, 4), away=(0.0,)), "-1", torch=lambda x: _tl().vector_norm(x, -1, 1)),
    case("vector_norm", lambda x: fg.linalg.vector_norm(x, 2, 0), lambda x: _vn(x, 2, 0), _n((0, 3)), "empty"),
    case("vector_norm", lambda x: fg.linalg.matrix_norm(x), lambda x: np.linalg.norm(x, "fro", (-2, -1)),
         _n((2, 3, 4)), "matrix-fro", torch=lambda x: _tl().matrix_norm(x)),
    case("vector_norm", lambda x: fg.linalg.matrix_norm(x, 1), lambda x: np.linalg.norm(x, 1, (-2, -1)),
         _distinct((2, 3, 4)), "matrix-1", torch=lambda x: _tl().matrix_norm(x, 1)),
    case("vector_norm", lambda x: fg.linalg.matrix_norm(x, -1, keepdim=True),
         lambda x: np.linalg.norm(x, -1, (-2, -1), keepdims=True), _distinct((3, 4)), "matrix-minus1-keepdim",
         torch=lambda x: _tl().matrix_norm(x, -1, keepdim=True)),
    case("vector_norm", lambda x: fg.linalg.matrix_norm(x, _INF, (0, 2)),
         lambda x: np.linalg.norm(x, np.inf, (0, 2)), _distinct((3, 2, 4)), "matrix-inf-dims",
         torch=lambda x: _tl().matrix_norm(x, _INF, (0, 2))),
    case("vector_norm", lambda x: fg.linalg.matrix_norm(x, -_INF), lambda x: np.linalg.norm(x, -np.inf),
         _distinct((3, 4)), "matrix-minus-inf", torch=lambda x: _tl().matrix_norm(x, -_INF)),
    case("matrix_norm_svd", lambda x: fg.linalg.matrix_norm(x, "nuc"), lambda x: np.linalg.norm(x, "nuc", (-2, -1)),
         _n((2, 3, 4)), "nuc", torch=lambda x: _tl().matrix_norm(x, "nuc")),
    case("matrix_norm_svd", lambda x: fg.linalg.matrix_norm(x, 2, (0, 2), True),
         lambda x: np.linalg.norm(x, 2, (0, 2), keepdims=True), _n((4, 2, 3)), "2-dims-keepdim",
         torch=lambda x: _tl().matrix_norm(x, 2, (0, 2), True)),
    case("matrix_norm_svd", lambda x: fg.linalg.norm(x, -2), lambda x: np.linalg.norm(x, -2), _n((3, 5)), "-2",
         torch=lambda x: _tl().norm(x, -2)),
    case("matrix_norm_svd", lambda x: fg.norm(x, "nuc"), lambda x: np.linalg.norm(x, "nuc"), _n((4, 3)),
         "torch-norm-nuc", torch=lambda x: _torch().norm(x, "nuc")),
    case("vector_norm", fg.linalg.norm, lambda x: np.linalg.norm(x.ravel()), _n((2, 3, 4)), "linalg-norm",
         torch=lambda x: _tl().norm(x)),
    case("vector_norm", lambda x: fg.linalg.norm(x, _INF), lambda x: np.linalg.norm(x, np.inf), _distinct((3, 4)),
         "linalg-norm-2d-inf", torch=lambda x: _tl().norm(x, _INF)),
    case("vector_norm", lambda x: fg.linalg.norm(x, 3, 1), lambda x: _vn(x, 3, 1), _n((3, 4)), "linalg-norm-dim",
         torch=lambda x: _tl().norm(x, 3, 1)),
    case("vector_norm", lambda x: fg.norm(x, dim=(0, 1)), lambda x: _vn(x, 2, (0, 1)), _n((2, 3, 4)), "torch-norm-fro",
         torch=lambda x: _torch().norm(x, dim=(0, 1))),
    case("vector_norm", lambda x: x.norm(3, (0, 1, 2)), lambda x: _vn(x, 3), _n((2, 3, 4)), "tensor-norm-3",
         torch=lambda x: x.norm(3, (0, 1, 2))),
    case("vector_norm", lambda x: NF.normalize(x, dim=-1), lambda x: x / _vn(x, 2, -1, True), _n((3, 4)),
         "normalize", torch=lambda x: _tF().normalize(x, dim=-1)),
    case("vector_norm", lambda x: NF.normalize(x, 1.0, 0), lambda x: x / _vn(x, 1, 0, True), _n((3, 4), away=(0.0,)),
         "normalize-p1", torch=lambda x: _tF().normalize(x, 1.0, 0)),
    # distances
    case("cdist", fg.cdist, lambda a, b: _cdist(a, b, 2), _n((3, 4), (5, 4)), "2",
         torch=lambda a, b: _torch().cdist(a, b)),
    case("cdist", fg.cdist, lambda a, b: _cdist(a, b, 2), _n((2, 30, 3), (1, 4, 3)), "2-mm-batch-bcast",
         torch=lambda a, b: _torch().cdist(a, b)),
    case("cdist", lambda a, b: fg.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), lambda a, b: _cdist(a, b, 2),
         _n((3, 4), (5, 4)), "2-mm", torch=lambda a, b: _torch().cdist(a, b, compute_mode="use_mm_for_euclid_dist")),
    case("cdist", lambda a, b: fg.cdist(a, b, 1.0), lambda a, b: _cdist(a, b, 1), _distinct((3, 4), (5, 4)), "1",
         torch=lambda a, b: _torch().cdist(a, b, 1.0)),
    case("cdist", lambda a, b: fg.cdist(a, b, 3.0), lambda a, b: _cdist(a, b, 3), _n((2, 3, 2), (2, 4, 2)), "3",
         torch=lambda a, b: _torch().cdist(a, b, 3.0)),
    case("cdist", lambda a, b: fg.cdist(a, b, 1.5), lambda a, b: _cdist(a, b, 1.5), _distinct((3, 2), (4, 2)), "1.5",
         torch=lambda a, b: _torch().cdist(a, b, 1.5)),
    case("cdist", lambda a, b: fg.cdist(a, b, _INF), lambda a, b: _cdist(a, b, _INF),
         lambda rng: [rng.uniform(2, 3, (3, 4)) * [[4, 1, 1, 1]], rng.uniform(-1, 1, (2, 4))],
         "inf", torch=lambda a, b: _torch().cdist(a, b, _INF)),
    case("cdist", lambda a, b: fg.cdist(a, b, 0.0), lambda a, b: _cdist(a, b, 0), _n((3, 4), (2, 4)), "0",
         torch=lambda a, b: _torch().cdist(a, b, 0.0)),
    case("vector_norm", NF.pairwise_distance, lambda a, b: _vn(a - b + 1e-6, 2, -1), _n((3, 4), (3, 4)),
         "pairwise_distance", torch=lambda a, b: _tF().pairwise_distance(a, b)),
    case("vector_norm", lambda a, b: NF.pairwise_distance(a, b, 1.0, keepdim=True),
         lambda a, b: _vn(a - b + 1e-6, 1, -1, True), lambda rng: [_away_from(rng.standard_normal((3, 4)), (0.0,)),
                                                                   np.zeros(4)],
         "pairwise_distance-p1-bcast", torch=lambda a, b: _tF().pairwise_distance(a, b, 1.0, keepdim=True)),
    case("vector_norm", NF.cosine_similarity, _cos, _n((3, 4), (3, 4)), "cosine_similarity",
         torch=lambda a, b: _tF().cosine_similarity(a, b)),
    case("vector_norm", lambda a, b: NF.cosine_similarity(a, b, -1), lambda a, b: _cos(a, b, -1),
         _n((2, 1, 4), (3, 4)), "cosine_similarity-bcast", torch=lambda a, b: _tF().cosine_similarity(a, b, -1)),
]
