"""einsum beyond the op-case table: the call forms, implicit output order, broadcasting, integer
operands, that contractions reach matmul (the GEMM), torch's errors, and random equations
against numpy (forward) and torch (forward and gradients)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastgrad as fg
from fastgrad.autograd import gradcheck


def _t(*shapes, seed=0, grad=False):
    rng = np.random.default_rng(seed)
    return [fg.tensor(rng.standard_normal(s), requires_grad=grad) for s in shapes]


def test_call_forms_agree():
    a, b = _t((3, 4), (4, 5))
    ref = a.numpy() @ b.numpy()
    for out in (fg.einsum("ij,jk->ik", a, b), fg.einsum("ij,jk->ik", [a, b]), fg.einsum("ij,jk->ik", (a, b)),
                fg.einsum(a, [0, 1], b, [1, 2], [0, 2]), fg.einsum(a, [0, 1], b, [1, 2]),
                fg.einsum(" ij , jk -> ik ", a, b)):
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)


def test_sublist_ellipsis():
    a, b = _t((2, 3, 4), (2, 4, 5))
    out = fg.einsum(a, [..., 0, 1], b, [..., 1, 2], [..., 0, 2])
    np.testing.assert_allclose(out.numpy(), a.numpy() @ b.numpy(), rtol=1e-12)


def test_implicit_output_is_sorted_uppercase_first():
    a, b = _t((2, 3), (3, 4))
    out = fg.einsum("bA,Ac", a, b)  # implicit output: 'A' is summed, 'b' and 'c' remain, sorted
    np.testing.assert_allclose(out.numpy(), np.einsum("bA,Ac", a.numpy(), b.numpy()), rtol=1e-12)
    x, = _t((2, 3))
    assert fg.einsum("ba", x).shape == (3, 2)  # implicit output sorted: a then b (a transpose)
    assert fg.einsum("Ba", x).shape == (2, 3)  # uppercase sorts first


def test_ellipsis_summed_when_output_omits_it():
    x, = _t((2, 3, 4))
    np.testing.assert_allclose(fg.einsum("...ij->ij", x).numpy(), x.numpy().sum(0), rtol=1e-12)


def test_size_one_dims_broadcast_as_torch():
    torch = pytest.importorskip("torch")
    for eq, shapes in [("ij,jk->ik", [(3, 1), (4, 2)]), ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
                       ("i,i->i", [(1,), (3,)]), ("ij,ij->", [(3, 1), (1, 4)])]:
        ts = _t(*shapes, grad=True)
        tt = [torch.tensor(t.detach().numpy(), requires_grad=True) for t in ts]
        out, tout = fg.einsum(eq, *ts), torch.einsum(eq, *tt)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
        out.sum().backward()
        tout.sum().backward()
        for a, b in zip(ts, tt):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_integer_operands():
    a = fg.tensor([[1, 2], [3, 4]])
    b = fg.tensor([[5, 6], [7, 8]])
    out = fg.einsum("ij,jk->ik", a, b)
    assert out.dtype == fg.int64
    np.testing.assert_array_equal(out.numpy(), a.numpy() @ b.numpy())
    assert fg.einsum("ii", a).item() == 5


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(4, 3), (3, 5)]), ("ij,kj->ik", [(4, 3), (5, 3)]),
                                       ("bij,bjk->bik", [(2, 4, 3), (2, 3, 5)]),
                                       ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)])])
def test_matrix_products_run_one_matmul_without_copies(eq, shapes):
    """The contraction is a single matmul node whose inputs are the operands themselves or views
    of them (no reshape copy, no permute of the data)."""
    ts = _t(*shapes, grad=True)
    out = fg.einsum(eq, *ts)
    node = out.grad_fn
    assert node.name() == "matmul" or type(node).__name__ == "MatMul"
    for edge, _ in node.next_functions:  # leaves, or a permute (a view) of one
        assert edge is not None
        if not isinstance(edge, fg.Tensor):
            assert type(edge).__name__ == "Permute"


def test_empty_and_zero_size():
    a, b = _t((0, 3), (3, 2))
    assert fg.einsum("ij,jk->ik", a, b).shape == (0, 2)
    a, b = _t((2, 0), (0, 3))
    np.testing.assert_array_equal(fg.einsum("ij,jk->ik", a, b).numpy(), np.zeros((2, 3)))


def test_gradcheck_repeated_and_three_operands():
    for eq, shapes in [("iij->j", [(3, 3, 2)]), ("ii,ij->j", [(3, 3), (3, 4)]),
                       ("ab,bc,cd->ad", [(2, 3), (3, 1), (4, 2)])]:
        assert gradcheck(lambda *t: fg.einsum(eq, *t), _t(*shapes, grad=True))


@pytest.mark.parametrize("call,exc,words", [
    (lambda a, b: fg.einsum("ij,jk", a), RuntimeError, ["fewer operands"]),
    (lambda a, b: fg.einsum("ij", a, b), RuntimeError, ["more operands"]),
    (lambda a, b: fg.einsum("ijk", a), RuntimeError, ["number of subscripts", "[3, 4]"]),
    (lambda a, b: fg.einsum("ij,jk", a, b), RuntimeError, ["subscript j", "[3, 4]", "[5, 6]"]),
    (lambda a, b: fg.einsum("ij->ii", a), RuntimeError, ["appears more than once"]),
    (lambda a, b: fg.einsum("ij->k", a), RuntimeError, ["does not appear"]),
    (lambda a, b: fg.einsum("i1", a), RuntimeError, ["invalid subscript"]),
    (lambda a, b: fg.einsum("i.j", a), RuntimeError, ["'.'"]),
    (lambda a, b: fg.einsum("ij", a.numpy()), TypeError, ["operand 0"]),
    (lambda a, b: fg.einsum("ij,kl", a, b.to(fg.float32)), RuntimeError, ["same dtype"]),
    (lambda a, b: fg.einsum(), TypeError, ["einsum"]),
    (lambda a, b: fg.einsum("ii", b), RuntimeError, ["repeated"]),
])
def test_bad_input_raises_torch_type_naming_einsum(call, exc, words):
    a, b = _t((3, 4), (5, 6))
    with pytest.raises(exc) as info:
        call(a, b)
    for w in words:
        assert w in str(info.value)
    assert "einsum" in str(info.value) or exc is TypeError and "operand" in str(info.value)


@st.composite
def _equations(draw):
    """A random valid 1-3 operand equation with its operand shapes (some size-1 dims, repeats)."""
    letters = "abcde"
    size = {c: draw(st.integers(1, 3)) for c in letters}
    n = draw(st.integers(1, 3))
    terms = []
    for _ in range(n):
        k = draw(st.integers(0, 3))
        terms.append("".join(draw(st.lists(st.sampled_from(letters), min_size=k, max_size=k))))
    used = sorted(set("".join(terms)))
    out = draw(st.lists(st.sampled_from(used), unique=True)) if used and draw(st.booleans()) else None
    eq = ",".join(terms) + ("" if out is None else "->" + "".join(out))
    shapes = [tuple(size[c] for c in t) for t in terms]
    return eq, shapes


@settings(max_examples=40, deadline=None)
@given(_equations())
def test_random_equations_match_numpy_and_torch(spec):
    eq, shapes = spec
    ts = _t(*shapes, seed=len(eq), grad=True)
    out = fg.einsum(eq, *ts)
    np.testing.assert_allclose(out.detach().numpy(), np.einsum(eq, *[t.detach().numpy() for t in ts]),
                               rtol=1e-10, atol=1e-12)
    try:
        import torch
    except ImportError:
        return
    tt = [torch.tensor(t.detach().numpy(), requires_grad=True) for t in ts]
    tout = torch.einsum(eq, *tt)
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    out.backward(fg.tensor(g))
    tout.backward(torch.tensor(g))
    for a, b in zip(ts, tt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_three_operands_contract_the_cheapest_pair_first():
    from fastgrad.functional.einsum import _next_pair, _Slot
    a, b, c = _t((100, 2), (2, 100), (100, 3))
    pending = [_Slot(0, (100, 2), "ab"), _Slot(1, (2, 100), "bc"), _Slot(2, (100, 3), "cd")]
    assert _next_pair(pending, ("a", "d"), {"a": 100, "b": 2, "c": 100, "d": 3}) == (1, 2)
    np.testing.assert_allclose(fg.einsum("ab,bc,cd->ad", a, b, c).numpy(), a.numpy() @ b.numpy() @ c.numpy(),
                               rtol=1e-10)
