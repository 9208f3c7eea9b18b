"""einsum at the Tensor level (torch's equation rules: implicit and explicit output, '...',
repeated subscripts, size-1 broadcasting, operands as varargs or a list, the sublist format).

Contraction, as torch does it: each operand first takes its diagonals (repeated subscripts) and
sums out the subscripts no one else needs; then operands are contracted pairwise (with three or
more, in opt_einsum's greedy order: the pair with the smallest result first), each pair
permuted and reshaped to (batch..., M, K) @ (batch..., K, N) and multiplied by ``matmul`` — the C
GEMM / batched GEMM, with transposed and strided operands passed without copies — or, when the
pair shares no summed subscript, by a broadcast ``mul``.  Gradients come from those ops."""
import math
from functools import lru_cache

from fastgrad.functional.elementwise import mul
from fastgrad.functional.linalg import matmul
from fastgrad.functional.reduce import sum as _sum
from fastgrad.functional.shape import permute, reshape
from fastgrad.ops.einsum import Diagonals
from fastgrad.tensor import Tensor

__all__ = ["einsum"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sublist_equation(args):
    """torch's sublist form einsum(op0, [0, 1], op1, [1, 2], [0, 2]) as (equation, operands)."""
    def subs(lst):
        out = []
        for v in lst:
            if v is Ellipsis:
                out.append("...")
            elif isinstance(v, int) and 0 <= v < 52:
                out.append(_LETTERS[v])
            else:
                raise ValueError(f"einsum(): expected subscript to be within the range [0, 52) but got {v!r}")
        return "".join(out)
    ops, terms = list(args[0::2]), [subs(s) for s in args[1::2]]
    if len(args) % 2:  # an output sublist at the end
        return ",".join(terms[:len(ops) - 1]) + "->" + subs(args[-1]), ops[:-1]
    return ",".join(terms), ops


def _split_term(term, ndim, i, op_shapes):
    """Labels of one operand's dims: letters, and ints for the ellipsis dims (right-aligned:
    label -1 is the last ellipsis dim)."""
    if term.count("...") > 1 or term.replace("...", "").count(".") > 0:
        raise RuntimeError(f"einsum(): found '.' for operand {i} that is not part of any ellipsis")
    head, dots, tail = term.partition("...")
    for ch in head + tail:
        if ch not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {term.index(ch)} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    named = len(head) + len(tail)
    if not dots and named != ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match the "
                           f"number of dimensions ({ndim}) for operand {i} and no ellipsis was given "
                           f"(operand shapes {op_shapes})")
    if dots and named > ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more than the "
                           f"number of dimensions ({ndim}) for operand {i} (operand shapes {op_shapes})")
    n_ell = ndim - named
    return tuple(head) + tuple(range(-n_ell, 0)) + tuple(tail), n_ell


@lru_cache(maxsize=256)
def _parse(equation, shapes):
    """(labels of each operand, output labels, size of each label) for an equation and the
    operands' shapes; RuntimeError (naming einsum and the shapes) for a bad equation."""
    shown = [list(x) for x in shapes]
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        more = "more" if len(shapes) > len(terms) else "fewer"
        raise RuntimeError(f"einsum(): {more} operands were provided than specified in the equation "
                           f"'{equation}' (operand shapes {shown})")
    labels, n_ell = [], 0
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        lab, e = _split_term(term, len(shape), i, shown)
        labels.append(lab)
        n_ell = max(n_ell, e)
    sizes = {}
    for i, (lab, shape) in enumerate(zip(labels, shapes)):
        seen = {}
        for lb, s in zip(lab, shape):
            if lb in seen and seen[lb] != s and isinstance(lb, str):
                raise RuntimeError(f"einsum(): subscript {lb} is repeated for operand {i} but the sizes don't "
                                   f"match, {seen[lb]} != {s} (operand shapes {shown})")
            seen[lb] = s
            old = sizes.get(lb, 1)
            if old != s and old != 1 and s != 1:
                name = lb if isinstance(lb, str) else "'...'"
                raise RuntimeError(f"einsum(): subscript {name} has size {s} for operand {i} which does not "
                                   f"broadcast with previously seen size {old} (operand shapes {shown})")
            sizes[lb] = max(old, s) if s != 0 and old != 0 else 0
    if arrow:
        head, dots, tail = rhs.partition("...")
        if "." in head + tail:
            raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis")
        out = []
        for ch in head + tail:
            if ch not in _LETTERS:
                raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index('->') + 2 + rhs.index(ch)}"
                                   " in the equation string, subscripts must be in [a-zA-Z]")
            if ch in out:
                raise RuntimeError(f"einsum(): output subscript {ch} appears more than once in the output")
            if ch not in sizes:
                raise RuntimeError(f"einsum(): output subscript {ch} does not appear in the equation for any "
                                   f"input operand")
            out.append(ch)
        ell = tuple(range(-n_ell, 0)) if dots else ()
        out = tuple(out[:len(head)]) + ell + tuple(out[len(head):])
    else:
        count = {}
        for lab in labels:
            for lb in lab:
                if isinstance(lb, str):
                    count[lb] = count.get(lb, 0) + 1
        out = tuple(range(-n_ell, 0)) + tuple(sorted(lb for lb, c in count.items() if c == 1))
    return tuple(labels), out, sizes


class _Slot:
    """An operand while planning: where its tensor is kept, its shape and its labels."""

    __slots__ = ("i", "shape", "lab")

    def __init__(self, i, shape, lab):
        self.i, self.shape, self.lab = i, tuple(shape), tuple(lab)


def _sum_labels(steps, o, drop, keepdim=False):
    """Plan: o summed over the dims whose labels are in ``drop`` (kept as size 1 with keepdim)."""
    dims = tuple(d for d, lb in enumerate(o.lab) if lb in drop)
    if not dims:
        return
    steps.append((_sum, o.i, None, (dims, keepdim)))
    if keepdim:
        o.shape = tuple(1 if d in dims else s for d, s in enumerate(o.shape))
    else:
        o.shape = tuple(s for d, s in enumerate(o.shape) if d not in dims)
        o.lab = tuple(lb for lb in o.lab if lb not in drop)


def _arrange(steps, o, order, shape=None):
    """Plan: o permuted to the label ``order`` (then reshaped to ``shape`` when given)."""
    perm = tuple(o.lab.index(lb) for lb in order)
    if perm != tuple(range(len(perm))):
        steps.append((permute, o.i, None, (perm,)))
        o.shape, o.lab = tuple(o.shape[d] for d in perm), tuple(order)
    if shape is not None and o.shape != shape:
        steps.append((reshape, o.i, None, (shape,)))
        o.shape = shape


def _contract(steps, a, b, keep):
    """Plan: the pair (a, b) contracted over the labels they share and ``keep`` does not list;
    the result goes to a's slot."""
    _sum_labels(steps, a, [x for x in a.lab if x not in b.lab and x not in keep])
    _sum_labels(steps, b, [x for x in b.lab if x not in a.lab and x not in keep])
    la, lb = a.lab, b.lab
    batch = [x for x in la if x in lb and x in keep]
    summed = [x for x in la if x in lb and x not in keep]
    left = [x for x in la if x not in lb]
    right = [x for x in lb if x not in la]
    size_a = dict(zip(la, a.shape))
    size_b = dict(zip(lb, b.shape))
    ba, bb = tuple(size_a[x] for x in batch), tuple(size_b[x] for x in batch)
    sl, sr = tuple(size_a[x] for x in left), tuple(size_b[x] for x in right)
    if not summed:  # outer / elementwise: a broadcast product
        _arrange(steps, a, batch + left, ba + sl + (1,) * len(right))
        _arrange(steps, b, batch + right, bb + (1,) * len(left) + sr)
        steps.append((mul, a.i, b.i, ()))
        a.shape = tuple(max(x, y) for x, y in zip(ba, bb)) + sl + sr
        a.lab = tuple(batch + left + right)
        return
    # a summed subscript of size 1 on one side only: the other side is summed over it first
    one_a = [x for x in summed if size_a[x] == 1 and size_b[x] != 1]
    one_b = [x for x in summed if size_b[x] == 1 and size_a[x] != 1]
    _sum_labels(steps, a, one_b, True)
    _sum_labels(steps, b, one_a, True)
    k = math.prod(dict(zip(la, a.shape))[x] for x in summed)
    _arrange(steps, a, batch + left + summed, ba + (math.prod(sl), k))
    _arrange(steps, b, batch + summed + right, bb + (k, math.prod(sr)))
    steps.append((matmul, a.i, b.i, ()))
    a.shape = tuple(max(x, y) for x, y in zip(ba, bb)) + (math.prod(sl), math.prod(sr))
    a.lab = None
    out_shape = a.shape[:len(batch)] + sl + sr
    if a.shape != out_shape:
        steps.append((reshape, a.i, None, (out_shape,)))
    a.shape, a.lab = out_shape, tuple(batch + left + right)


def _next_pair(pending, out, sizes):
    """The pair to contract next, by opt_einsum's greedy rule: among pairs that share a subscript,
    the one whose result is smallest relative to its operands (ties: the leftmost pair)."""
    best = None
    for i in range(len(pending)):
        for j in range(i + 1, len(pending)):
            la, lb = set(pending[i].lab), set(pending[j].lab)
            keep = set(out).union(*(o.lab for k, o in enumerate(pending) if k not in (i, j)))
            result = math.prod(sizes[x] for x in (la | lb) & keep)
            key = (not (la & lb), result - math.prod(pending[i].shape) - math.prod(pending[j].shape), i, j)
            if best is None or key < best:
                best = key
    return best[2], best[3]


@lru_cache(maxsize=256)
def _plan(equation, shapes):
    """The steps (fn, slot, other slot or None, settings) that compute the equation on operands
    of these shapes, and the slot holding the result."""
    labels, out, sizes = _parse(equation, shapes)
    steps, pending = [], []
    for i, (shape, lab) in enumerate(zip(shapes, labels)):
        o = _Slot(i, shape, lab)
        if len(set(lab)) != len(lab):
            steps.append((Diagonals.apply, i, None, (lab,)))
            o.lab = tuple(dict.fromkeys(lab))
            o.shape = tuple(dict(zip(lab, shape))[x] for x in o.lab)
        pending.append(o)
    while len(pending) > 1:
        i, j = _next_pair(pending, out, sizes) if len(pending) > 2 else (0, 1)
        keep = set(out).union(*(o.lab for k, o in enumerate(pending) if k not in (i, j)))
        _contract(steps, pending[i], pending[j], keep)
        del pending[j]
    o = pending[0]
    _sum_labels(steps, o, [x for x in o.lab if x not in out])
    _arrange(steps, o, list(out))
    return tuple(steps), o.i


def einsum(*args) -> Tensor:
    """Sum of products over the subscripts of ``equation`` (torch.einsum): einsum(equation,
    *operands), einsum(equation, [operands]) or the sublist form einsum(op0, sub0, op1, sub1, ...)."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at least "
                        "one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        equation, ops = _sublist_equation(args)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, t in enumerate(ops):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(t).__name__}")
    dt = ops[0]._data.dtype
    if any(t._data.dtype != dt for t in ops):
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, but got "
                           f"{[t._data.dtype.name for t in ops]} (operand shapes {[list(t._data.shape) for t in ops]})")
    steps, result = _plan(equation, tuple([t._data.shape for t in ops]))
    for fn, i, j, settings in steps:
        ops[i] = fn(ops[i], ops[j], *settings) if j is not None else fn(ops[i], *settings)
    return ops[result]


TENSOR_METHODS = {}  # torch has no Tensor.einsum
