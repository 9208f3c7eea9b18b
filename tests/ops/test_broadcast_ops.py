"""Tensor-level broadcasting arithmetic and batched matmul through the strided kernels
(csrc/broadcast.c, csrc/matmul_nd.c) at every ISA level: forward against numpy float64,
gradcheck, non-contiguous and empty operands, and torch parity (skipped without torch)."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck
from fastgrad.ops.common import sum_to

OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
SHAPES = [((6, 5), (1, 5)), ((6, 5), (5,)), ((6, 5), (6, 1)), ((6, 5), ()), ((1, 5), (6, 5)), ((6, 1), (1, 5)),
          ((4, 1, 3), (1, 2, 3)), ((2, 3, 1, 4), (3, 5, 1)), ((7,), (17, 1)), ((1,), (15,)), ((33, 1), (1,))]
MATMULS = [((3, 4, 5), (5, 6)), ((3, 4, 5), (3, 5, 6)), ((4, 1, 2, 3), (3, 3, 2)), ((2, 3), (4, 3, 7)),
           ((2, 3, 4, 4), (4, 4)), ((1, 2, 3), (5, 3, 2)), ((2, 1, 3), (3, 2)), ((5, 2, 3), (3,)), ((3,), (2, 3, 4))]


def _operands(name, sa, sb, rng, dtype=np.float64):
    a = np.asarray(rng.standard_normal(sa), dtype)
    b = np.asarray(rng.standard_normal(sb), dtype)
    if name == "div":
        b = np.asarray(np.sign(b) * (np.abs(b) + 0.5), dtype)
    return a, b


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}o{b}" for a, b in SHAPES])
def test_broadcast_op_matches_numpy_and_gradcheck(isa, name, sa, sb, rng):
    a, b = _operands(name, sa, sb, rng)
    x, y = fg.tensor(a, requires_grad=True), fg.tensor(b, requires_grad=True)
    out = getattr(fg, name)(x, y)
    np.testing.assert_allclose(out.numpy(force=True), OPS[name](a, b), rtol=1e-14, atol=1e-14)
    assert gradcheck(getattr(fg, name), [x, y])


def _same_as_contiguous(f, av, bv, want, rng):
    """f on strided views gives numpy's forward and the gradients f gives on contiguous copies
    (gradcheck'd elsewhere)."""
    x, y = fg.from_numpy(av).requires_grad_(), fg.from_numpy(bv).requires_grad_()
    out = f(x, y)
    np.testing.assert_allclose(out.numpy(force=True), want, rtol=1e-12, atol=1e-12)
    dy = fg.tensor(rng.standard_normal(tuple(out.shape)))
    out.backward(dy)
    xc = fg.tensor(np.ascontiguousarray(av), requires_grad=True)
    yc = fg.tensor(np.ascontiguousarray(bv), requires_grad=True)
    f(xc, yc).backward(dy)
    np.testing.assert_allclose(x.grad.numpy(), xc.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), yc.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(OPS))
def test_broadcast_op_non_contiguous_operands(isa, name, rng):
    base = rng.standard_normal((9, 17))
    if name == "div":
        base = np.sign(base) * (np.abs(base) + 0.5)
    views = [base.T, base[::2, 1::2], base[1::2, ::3], base[:, 4:5]]  # (negative strides: C-level tests)
    for av in views:
        for bv in (base[0, :av.shape[1]], base.T[:av.shape[0], 2:3], av):
            _same_as_contiguous(getattr(fg, name), av, bv, OPS[name](av, bv), rng)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("sa,sb", [((0, 5), (1, 5)), ((3, 0), (3, 1)), ((0,), ()), ((2, 0, 3), (1, 1, 3))])
def test_broadcast_op_empty(name, sa, sb, rng):
    a, b = _operands(name, sa, sb, rng, np.float32)
    x, y = fg.tensor(a, requires_grad=True), fg.tensor(b, requires_grad=True)
    out = getattr(fg, name)(x, y)
    assert out.shape == np.broadcast_shapes(sa, sb)
    out.sum().backward()
    assert x.grad.shape == sa and y.grad.shape == sb
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(sa, np.float32))
    np.testing.assert_array_equal(y.grad.numpy(), np.zeros(sb, np.float32))


def test_sum_to_strided_and_numpy_fallback(rng):
    g = rng.standard_normal((4, 6, 5))
    for view in (g, g[:, ::2], np.swapaxes(g, 0, 2)):
        want = view.sum(axis=0, keepdims=True).sum(axis=2, keepdims=True)
        np.testing.assert_allclose(sum_to(view, (1, view.shape[1], 1)), want, rtol=1e-13)
        np.testing.assert_allclose(sum_to(view, (view.shape[1], 1), -1.0), -want[0], rtol=1e-13)
    ints = np.arange(12).reshape(3, 4)  # not a float: numpy does it
    np.testing.assert_array_equal(sum_to(ints, (1, 4)), ints.sum(0, keepdims=True))


@pytest.mark.parametrize("sa,sb", MATMULS, ids=[f"{a}@{b}" for a, b in MATMULS])
def test_batched_matmul_matches_numpy_and_gradcheck(isa, sa, sb, rng):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = fg.tensor(a, requires_grad=True), fg.tensor(b, requires_grad=True)
    np.testing.assert_allclose(fg.matmul(x, y).numpy(force=True), np.matmul(a, b), rtol=1e-12, atol=1e-12)
    assert gradcheck(fg.matmul, [x, y])


@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")  # the broadcast_to operand
def test_batched_matmul_non_contiguous_operands(isa, rng):
    a = rng.standard_normal((3, 5, 4))
    b = rng.standard_normal((3, 6, 5))
    for av in (np.swapaxes(a, 1, 2), a[:, ::2].transpose(0, 2, 1), a[:, 1:4, 1:3].transpose(0, 2, 1)):
        k = av.shape[-1]
        for bv in (np.swapaxes(b, 1, 2)[:, :k], b[:, :k, ::2], np.ascontiguousarray(b[0, :k]),
                   np.broadcast_to(b[:1, :k], (3, k, 5))):
            _same_as_contiguous(fg.matmul, av, bv, np.matmul(av, bv), rng)


def _np_sum_to(g, shape):
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes).reshape(shape)


def test_batched_matmul_empty():
    for sa, sb in [((0, 2, 3), (3, 4)), ((2, 0, 3), (2, 3, 4)), ((2, 2, 0), (1, 0, 4)), ((0, 1, 2, 3), (5, 3, 2)),
                   ((1, 2, 3), (0, 3, 4))]:
        a, b = np.ones(sa), np.ones(sb)
        x, y = fg.tensor(a, requires_grad=True), fg.tensor(b, requires_grad=True)
        out = fg.matmul(x, y)
        np.testing.assert_array_equal(out.numpy(force=True), np.matmul(a, b))
        out.sum().backward()
        dc = np.ones(out.shape)
        np.testing.assert_array_equal(x.grad.numpy(), _np_sum_to(np.matmul(dc, np.swapaxes(b, -1, -2)), sa))
        np.testing.assert_array_equal(y.grad.numpy(), _np_sum_to(np.matmul(np.swapaxes(a, -1, -2), dc), sb))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_broadcast_and_batched_matmul_match_torch(isa, dtype, rng):
    torch = pytest.importorskip("torch")
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    cases = [(name, sa, sb) for name in OPS for sa, sb in SHAPES] + [("matmul", sa, sb) for sa, sb in MATMULS]
    for name, sa, sb in cases:
        a, b = _operands(name, sa, sb, rng, dtype)
        fx, fy = fg.tensor(a, requires_grad=True), fg.tensor(b, requires_grad=True)
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        fo, to = getattr(fg, name)(fx, fy), getattr(torch, name)(tx, ty)
        dy = np.asarray(rng.standard_normal(tuple(to.shape)), dtype)
        fo.backward(fg.tensor(dy))
        to.backward(torch.from_numpy(dy))
        np.testing.assert_allclose(fo.numpy(force=True), to.detach().numpy(), **tol, err_msg=f"{name} {sa} {sb}")
        np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), **tol, err_msg=f"{name} {sa} {sb} da")
        np.testing.assert_allclose(fy.grad.numpy(), ty.grad.numpy(), **tol, err_msg=f"{name} {sa} {sb} db")


def test_broadcast_errors_name_the_op():
    for name in OPS:
        with pytest.raises(RuntimeError, match=f"{name}.*not broadcastable"):
            getattr(fg, name)(fg.ones(3, 4), fg.ones(2, 4))
    with pytest.raises(RuntimeError, match="matmul"):
        fg.matmul(fg.ones(2, 3, 4), fg.ones(5, 4, 2))
