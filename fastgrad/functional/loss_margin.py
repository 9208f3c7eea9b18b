"""Margin and ranking losses (torch.nn.functional's names and semantics), composed from
differentiable fastgrad ops:

    margin_ranking_loss                max(0, -t (x1 - x2) + margin)
    hinge_embedding_loss               x where t == 1, max(0, margin - x) where t == -1
    cosine_embedding_loss              1 - cos(x1, x2) where t == 1, max(0, cos(x1, x2) - margin) where t == -1
    triplet_margin_loss                max(0, margin + d(a, p) - d(a, n)), d the p-norm pairwise distance
    triplet_margin_with_distance_loss  the same with any distance function
    multi_margin_loss                  sum_{i != y} max(0, margin - x_y + x_i)^p w_y / C
    multilabel_margin_loss             sum_{j in targets, i not in targets} max(0, 1 - (x_{y_j} - x_i)) / C
"""
import numpy as np

from fastgrad.functional import elementwise as E
from fastgrad.functional import reduce as R
from fastgrad.functional.activation import relu
from fastgrad.functional.distance import pairwise_distance
from fastgrad.functional.indexing import gather
from fastgrad.functional.loss_more import (check_broadcast, check_tensor, float_operands, reduce_loss, reduction_mode,
                                           values)
from fastgrad.functional.shape import reshape, unsqueeze
from fastgrad.tensor import Tensor

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "multi_margin_loss", "multilabel_margin_loss"]

_EPSILON = 1e-12  # added to the squared norms of cosine_embedding_loss, as torch
_PAIRS_PER_BLOCK = 1 << 22  # multilabel_margin_loss: (sample, target, class) triples per block


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """reduce(max(0, -t (x1 - x2) + margin)) for targets t in {1, -1}; all three of one rank."""
    op = "margin_ranking_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)
    for k, v in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor(v, op, k)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(f"{op} : All input tensors should have same dimension but got sizes: input1: "
                           f"{input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    x1, x2, t = float_operands(op, input1=input1, input2=input2, target=target)
    return reduce_loss(E.clamp(E.add(E.neg(E.mul(t, E.sub(x1, x2))), float(margin)), min=0.0), mode)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """reduce(where(t != 1, max(0, margin - x), 0) + where(t != -1, x, 0)) (torch's form: a target
    other than 1 and -1 contributes both terms)."""
    op = "hinge_embedding_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)
    check_broadcast(op, input=input, target=target)
    (x,) = float_operands(op, input=input)
    tv = values(target)
    margin_part = E.where(tv != 1, E.clamp(E.sub(float(margin), x), min=0.0), 0.0)
    return reduce_loss(E.add(margin_part, E.where(tv != -1, x, 0.0)), mode)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """reduce(where(t == 1, 1 - cos, 0) + where(t == -1, max(0, cos - margin), 0)) with
    cos = <x1, x2> / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) over the last dim; (N, D) inputs with
    an (N,) target, or (D,) inputs with a 0-d target."""
    op = "cosine_embedding_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)
    for k, v in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor(v, op, k)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported "
                           f"(target of shape {list(target.shape)})")
    want = 2 if td == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{op}: {td}D target tensor expects {want}D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    x1, x2 = float_operands(op, input1=input1, input2=input2)
    prod = R.sum(E.mul(x1, x2), td)
    mag = E.mul(E.add(R.sum(E.mul(x1, x1), td), _EPSILON), E.add(R.sum(E.mul(x2, x2), td), _EPSILON))
    cos = E.div(prod, E.sqrt(mag))
    try:
        np.broadcast_shapes(tuple(cos.shape), tuple(target.shape))
    except ValueError:
        raise RuntimeError(f"{op}: target of shape {list(target.shape)} does not match the {list(cos.shape)} "
                           f"samples of inputs {list(input1.shape)} and {list(input2.shape)}") from None
    tv = values(target)
    pos = E.where(tv == 1, E.sub(1.0, cos), 0.0)
    neg = E.where(tv == -1, E.clamp(E.sub(cos, float(margin)), min=0.0), 0.0)
    return reduce_loss(E.add(pos, neg), mode)


def _triplet(anchor, positive, negative, dist, margin, swap, mode, op):
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    for k, v in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        check_tensor(v, op, k)
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError(f"{op}: The anchor, positive, and negative tensors are expected to have the same "
                           f"number of dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = E.minimum(d_neg, dist(positive, negative))
    return reduce_loss(E.clamp(E.sub(E.add(d_pos, float(margin)), d_neg), min=0.0), mode)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """reduce(max(0, margin + d(a, p) - d(a, n))), d(x, y) = ||x - y + eps||_p over the last dim;
    swap uses min(d(a, n), d(p, n))."""
    op = "triplet_margin_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)

    def dist(x, y):
        x, y = float_operands(op, x=x, y=y)
        return pairwise_distance(x, y, p, eps)
    return _triplet(anchor, positive, negative, dist, margin, swap, mode, op)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """reduce(max(0, margin + d(a, p) - d(a, n))) with d = distance_function (pairwise_distance by
    default); swap uses min(d(a, n), d(p, n))."""
    op = "triplet_margin_with_distance_loss"
    mode = reduction_mode(op, None, None, reduction)
    dist = pairwise_distance if distance_function is None else distance_function
    return _triplet(anchor, positive, negative, dist, margin, swap, mode, op)


def _class_rows(input, target, op):
    """(x as (N, C), int64 target array, C, frames) for multi_margin / multilabel_margin inputs:
    (N, C) with 0 <= N, (C,) or 0-d."""
    check_tensor(input, op, "input")
    check_tensor(target, op, "target")
    (x,) = float_operands(op, input=input)
    nd = x.dim()
    if not ((nd == 2 and x.shape[1] != 0) or (nd == 1 and x.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"{op}: expected scalar type Long but found {target._data.dtype} (target of shape "
                           f"{list(target.shape)}, input of shape {list(x.shape)})")
    n = x.shape[0] if nd == 2 else 1
    c = x.shape[-1] if nd else 1
    return reshape(x, (n, c)), target._data, n, c


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Per sample sum_{i != y} max(0, margin - x_y + x_i)^p * w_y / C for class index y (p = 1 or 2)."""
    op = "multi_margin_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError(f"{op}: only p == 1 and p == 2 supported")
    if weight is not None and check_tensor(weight, op, "weight").dim() != 1:
        raise ValueError(f"{op}: weight must be one-dimensional")
    x, t, n, c = _class_rows(input, target, op)
    if t.ndim > 1 or t.size != n:
        raise RuntimeError(f"{op}: target tensor should be 1-D with size equal to the number of input samples "
                           f"(batch size). Expected target size [{n}], but got {list(t.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"{op}: inconsistent weight size, expected {c} but got {list(weight.shape)}")
    idx = t.reshape(n)
    if n and (idx.min() < 0 or idx.max() >= c):
        raise RuntimeError(f"{op}: target out of range (class indices must be in [0, {c}))")
    xy = gather(x, 1, Tensor._make(idx.reshape(n, 1)))
    z = relu(E.add(E.sub(x, xy), float(margin)))  # zero gradient at the kink, as torch's z > 0 test
    if p == 2:
        z = E.mul(z, z)
    if weight is not None:
        (w,) = float_operands(op, weight=weight)
        z = E.mul(z, unsqueeze(gather(w, 0, Tensor._make(idx)), 1))
    not_target = np.arange(c)[None, :] != idx[:, None]
    loss = E.div(R.sum(E.where(not_target, z, 0.0), 1), c)
    if mode == "none":
        return loss if t.ndim > 0 else reshape(loss, ())
    return reduce_loss(loss, mode)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Per sample sum over target classes j (target's entries up to the first -1) and non-target
    classes i of max(0, 1 - (x_j - x_i)) / C; the target has the input's shape."""
    op = "multilabel_margin_loss"
    mode = reduction_mode(op, size_average, reduce, reduction)
    x, t, n, c = _class_rows(input, target, op)
    ok = t.ndim == 2 and t.shape == (n, c) if input.dim() == 2 else t.ndim <= 1 and t.size == c
    if not ok:
        raise RuntimeError(f"{op}: inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(input.shape)}")
    t = t.reshape(n, c)
    if t.size and (t.min() < -1 or t.max() >= c):
        raise RuntimeError(f"{op}: argument #2 'target' is out of range (class indices in [0, {c}), -1 ends "
                           f"the list)")
    valid = np.cumprod(t >= 0, axis=1).astype(bool)  # the entries before the first -1 (a prefix)
    idx = np.where(valid, t, 0)
    is_target = np.zeros((n, c), bool)
    rows = np.broadcast_to(np.arange(n)[:, None], (n, c))
    is_target[rows[valid], idx[valid]] = True
    k = max(1, int(valid.sum(1).max()) if n else 1)  # target slots in use (one, all masked, if none)
    block = max(1, _PAIRS_PER_BLOCK // max(1, n * c))  # bounds the (N, j, C) temporaries
    loss = None
    for j in range(0, k, block):
        xy = gather(x, 1, Tensor._make(np.ascontiguousarray(idx[:, j:j + block])))  # x at the target classes
        z = relu(E.add(E.sub(unsqueeze(x, 1), unsqueeze(xy, 2)), 1.0))  # (N, j, i)
        mask = valid[:, j:j + block, None] & ~is_target[:, None, :]
        part = R.sum(E.where(mask, z, 0.0), (1, 2))
        loss = part if loss is None else E.add(loss, part)
    loss = E.div(loss, c)
    if mode == "none":
        return loss if input.dim() == 2 else reshape(loss, ())
    return reduce_loss(loss, mode)
