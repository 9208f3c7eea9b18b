"""Products built on matmul and einsum (torch names): outer/ger, dot, vdot, inner, mv, addmm,
addmv, addbmm, baddbmm, kron, cross / linalg.cross, tensordot, chain_matmul, linalg.multi_dot
and linalg.vecdot.  Every contraction runs in the C GEMM through ``matmul``; gradients come from
the ops they are composed of."""
import warnings

from fastgrad.functional._rebind import inplace_result
from fastgrad.functional.einsum import _LETTERS, einsum
from fastgrad.functional.elementwise import add, mul, sub
from fastgrad.functional.linalg import _dtype_name, bmm, matmul, mm
from fastgrad.functional.reduce import sum as _sum
from fastgrad.functional.shape import cat, reshape
from fastgrad.functional.indexing import getitem
from fastgrad.ops.common import broadcast_shape, wrap_dim
from fastgrad.tensor import Tensor

__all__ = ["outer", "ger", "dot", "vdot", "inner", "mv", "addmm", "addmv", "addbmm", "baddbmm", "kron",
           "cross", "linalg_cross", "tensordot", "chain_matmul", "multi_dot", "vecdot", "addmv_"]


def _tensors(op, **named):
    for i, (name, t) in enumerate(named.items()):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {i + 1}) must be Tensor, not {type(t).__name__}")


def _same_dtype(op, a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: expected both inputs to have the same dtype, but got "
                           f"{_dtype_name(a._data.dtype)} and {_dtype_name(b._data.dtype)}")


def _shape(t):
    return list(t._data.shape)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """out[i, j] = input[i] * vec2[j] for 1-D tensors."""
    _tensors("outer", input=input, vec2=vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D (shapes "
                               f"{_shape(input)} and {_shape(vec2)})")
    return mul(reshape(input, (-1, 1)), vec2)


ger = outer


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """sum_i input[i] * tensor[i] for 1-D tensors of one size and dtype."""
    _tensors("dot", input=input, tensor=tensor)
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors "
                           f"(dot: shapes {list(a.shape)} and {list(b.shape)})")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.size}] and src [{b.size}] to have the "
                           f"same number of elements, but got {a.size} and {b.size} elements respectively "
                           f"(dot: shapes {list(a.shape)} and {list(b.shape)})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_dtype_name(a.dtype).capitalize()} and {_dtype_name(b.dtype).capitalize()}")
    return matmul(input, tensor)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """sum_i conj(input[i]) * other[i]; for real tensors, ``dot``."""
    return dot(input, other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dims: out[..a, ..b] = sum_k input[..a, k] other[..b, k] (a product
    when either is 0-d)."""
    _tensors("inner", input=input, other=other)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return mul(input, other)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product (2-D, 1-D)."""
    _tensors("mv", input=input, vec=vec)
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim} "
                           f"(mv: shapes {list(a.shape)} and {list(v.shape)})")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({v.shape[0]}) (mv: shapes {list(a.shape)} and {list(v.shape)})")
    return matmul(input, vec)


def _scaled_add(input, prod, beta, alpha, op, out_shape):
    """beta * input + alpha * prod (input broadcast to ``out_shape``; ignored when beta is 0)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    try:
        ok = broadcast_shape(input._data.shape, out_shape, op) == tuple(out_shape)
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(f"{op}: the input of shape {_shape(input)} cannot be broadcast to the product's "
                           f"shape {list(out_shape)}")
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:
        return prod
    return add(input if beta == 1 else mul(input, beta), prod)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)."""
    p = mm(mat1, mat2)
    return _scaled_add(input, p, beta, alpha, "addmm", p._data.shape)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    p = mv(mat, vec)
    return _scaled_add(input, p, beta, alpha, "addmv", p._data.shape)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    p = bmm(batch1, batch2)
    return _scaled_add(input, p, beta, alpha, "baddbmm", p._data.shape)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b] (one GEMM over the stacked K)."""
    _tensors("addbmm", batch1=batch1, batch2=batch2)
    s1, s2 = batch1._data.shape, batch2._data.shape
    if len(s1) != 3 or len(s2) != 3 or s1[0] != s2[0] or s1[2] != s2[1]:
        raise RuntimeError(f"addbmm: expected 3-D batches (b, n, m) and (b, m, p), but got shapes {list(s1)} "
                           f"and {list(s2)}")
    _same_dtype("addbmm", batch1, batch2)
    p = einsum("bik,bkj->ij", batch1, batch2)
    return _scaled_add(input, p, beta, alpha, "addbmm", p._data.shape)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: out[i*B + k, ...] = input[i, ...] * other[k, ...]."""
    _tensors("kron", input=input, other=other)
    sa, sb = input._data.shape, other._data.shape
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a = reshape(input, tuple(x for s in sa for x in (s, 1)))
    b = reshape(other, tuple(x for s in sb for x in (1, s)))
    return reshape(mul(a, b), tuple(x * y for x, y in zip(sa, sb)))


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (operands broadcast), torch.linalg.cross."""
    _tensors("linalg.cross", input=input, other=other)
    sa, sb = input._data.shape, other._data.shape
    if len(sa) != len(sb):
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, but got shapes "
                           f"{list(sa)} and {list(sb)}")
    shape = broadcast_shape(sa, sb, "linalg.cross")
    d = wrap_dim(dim, len(shape), "linalg.cross")
    if sa[d] != 3 or sb[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {sa[d]} and {sb[d]} "
                           f"(shapes {list(sa)} and {list(sb)})")
    pre = (slice(None),) * d
    a0, a1, a2 = (getitem(input, pre + (slice(i, i + 1),)) for i in range(3))
    b0, b1, b2 = (getitem(other, pre + (slice(i, i + 1),)) for i in range(3))
    return cat([sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)), sub(mul(a0, b1), mul(a1, b0))], d)


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    """torch.cross: linalg.cross along ``dim``; with dim=None, the first dim of size 3 (torch's
    deprecated default)."""
    if dim is None and isinstance(input, Tensor) and isinstance(other, Tensor):
        shape = broadcast_shape(input._data.shape, other._data.shape, "cross")
        sizes = [i for i, s in enumerate(shape) if s == 3]
        if not sizes:
            raise RuntimeError(f"no dimension of size 3 in input (cross: shapes {_shape(input)} and {_shape(other)})")
        dim = sizes[0]
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated. Please either pass the "
                      "dim explicitly or simply use linalg.cross.", UserWarning, stacklevel=2)
    return linalg_cross(input, other, dim=dim)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum over a's dims ``dims[0]`` and b's dims ``dims[1]`` (an int n: a's last n with b's first n)."""
    _tensors("tensordot", a=a, b=b)
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims._data.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = ([x] if isinstance(x, int) else list(x) for x in dims)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length (tensordot: dims {da} and {db})")
    da = [wrap_dim(d, na, "tensordot") for d in da]
    db = [wrap_dim(d, nb, "tensordot") for d in db]
    if na + nb - len(da) > len(_LETTERS) - len(da):
        raise RuntimeError("tensordot: too many dimensions")
    la, lb = list(_LETTERS[:na]), list(_LETTERS[na:na + nb])
    for x, y in zip(da, db):
        sx, sy = a._data.shape[x], b._data.shape[y]
        if sx != sy:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sx} in dim {x} and "
                               f"second has size {sy} in dim {y} (tensordot: shapes {_shape(a)} and {_shape(b)})")
        lb[y] = la[x]
    out = [c for i, c in enumerate(la) if i not in da] + [c for i, c in enumerate(lb) if i not in db]
    return einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


def _order(shapes):
    """Split points of the cheapest parenthesisation of a matrix chain (dynamic programming)."""
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    n = len(shapes)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(ts, split, i, j):
    if i == j:
        return ts[i]
    k = split[i][j]
    return mm(_chain(ts, split, i, k), _chain(ts, split, k + 1, j))


def multi_dot(tensors) -> Tensor:
    """Product of a chain of matrices in the cheapest order (the first may be 1-D, a row; the
    last may be 1-D, a column), torch.linalg.multi_dot."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        _tensors("multi_dot", **{f"tensors[{i}]": t})
        nd = t._data.ndim
        if nd != 2 and not (nd == 1 and i in (0, len(ts) - 1)):
            where = "the first tensor" if i == 0 else "the last tensor" if i == len(ts) - 1 else f"tensor {i}"
            want = "1D or 2D" if i in (0, len(ts) - 1) else "2D"
            raise RuntimeError(f"multi_dot(): {where} must be {want} but got {nd}D")
    for i in range(1, len(ts)):
        _same_dtype("multi_dot", ts[0], ts[i])
    first, last = ts[0]._data.ndim == 1, ts[-1]._data.ndim == 1
    if first:
        ts[0] = reshape(ts[0], (1, -1))
    if last:
        ts[-1] = reshape(ts[-1], (-1, 1))
    for i in range(len(ts) - 1):
        if ts[i]._data.shape[1] != ts[i + 1]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {_shape(ts[i])} and "
                               f"{_shape(ts[i + 1])} cannot be multiplied")
    out = _chain(ts, _order([t._data.shape for t in ts]), 0, len(ts) - 1)
    shape = out._data.shape
    if first or last:
        out = reshape(out, (() if first else shape[:1]) + (() if last else shape[1:]))
    return out


def chain_matmul(*matrices) -> Tensor:
    """Product of 2-D matrices in the cheapest order (torch.chain_matmul; prefer multi_dot)."""
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, t in enumerate(matrices):
        if not isinstance(t, Tensor) or t._data.ndim != 2:
            nd = t._data.ndim if isinstance(t, Tensor) else type(t).__name__
            raise RuntimeError(f"chain_matmul(): Tensor dimension is {nd}, expected 2 instead (matrix {i})")
    if len(matrices) == 1:
        return matrices[0]
    return multi_dot(matrices)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum over ``dim`` of conj(x) * y (operands broadcast), torch.linalg.vecdot."""
    _tensors("linalg.vecdot", x=x, y=y)
    _same_dtype("linalg.vecdot", x, y)
    if x._data.dtype.kind not in "fV":
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got "
                           f"{_dtype_name(x._data.dtype)}")
    shape = broadcast_shape(x._data.shape, y._data.shape, "linalg.vecdot")
    d = wrap_dim(dim, len(shape), "linalg.vecdot")
    return _sum(mul(x, y), d - len(shape))


def addmv_(self: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """self = beta * self + alpha * (mat @ vec), in place."""
    return inplace_result(self, "addmv_", lambda s: addmv(s, mat, vec, beta=beta, alpha=alpha), (mat, vec))


TENSOR_METHODS = {
    "addmv_": addmv_,
    "outer": outer, "ger": ger, "dot": dot, "vdot": vdot, "inner": inner, "mv": mv, "addmm": addmm,
    "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm, "kron": kron, "cross": cross,
}  # torch has no Tensor.tensordot
