"""Engine behaviour: accumulation, retain_grad, freed graphs, deep graphs, grad modes,
custom Functions, autograd.grad, gradcheck."""
import gc
import weakref

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import Function, gradcheck


def test_backward_accumulates_into_leaf_grad():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 5.0])


def test_backward_shared_input_sums_both_paths():
    x = fg.tensor(3.0, requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad.item() == 7.0


def test_backward_leaf_grad_is_not_aliased_between_inputs():
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    b = fg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1.0  # must not change b.grad
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_backward_user_gradient_is_not_taken_over():
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    g = fg.tensor([5.0, 6.0])
    a.backward(g)
    a.grad += 1
    np.testing.assert_array_equal(g.numpy(), [5.0, 6.0])


def test_backward_nonscalar_without_gradient_raises():
    x = fg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
@pytest.mark.parametrize("entry", ["method", "function"])
def test_backward_implicit_gradient_one_element_outputs(shape, entry):
    """torch: the implicit gradient 1 needs numel() == 1, whatever the shape, from either entry."""
    x = fg.full(shape, 2.0, requires_grad=True)
    for y in (x * 3, Cube.apply(x)):  # a built-in root and a user-defined one
        x.grad = None
        y.backward() if entry == "method" else fg.autograd.backward(y)
        assert x.grad.shape == shape
        np.testing.assert_array_equal(x.grad.numpy(), np.full(shape, 3.0 if y.grad_fn.op_name else 12.0))


@pytest.mark.parametrize("entry", ["method", "function"])
def test_backward_implicit_gradient_leaf_and_errors(entry):
    run = (lambda t: t.backward()) if entry == "method" else fg.autograd.backward
    x = fg.ones(1, requires_grad=True)
    run(x)  # a one-element leaf: its gradient is 1, as in torch
    np.testing.assert_array_equal(x.grad.numpy(), [1.0])
    with pytest.raises(RuntimeError, match=r"scalar outputs \(got an output of shape \(2,\)\)"):
        run(fg.ones(2, requires_grad=True) * 2)
    with pytest.raises(RuntimeError, match="does not require grad"):
        run(fg.ones(1) * 2)


def test_function_user_defined_marks_tensor_level_functions():
    from fastgrad.autograd.function import REGISTRY
    assert Cube.user_defined and Function.user_defined
    assert not any(cls.user_defined for cls in REGISTRY.values())


@pytest.mark.parametrize("n_inputs", [2, 3, 4])
def test_backward_builtin_same_array_for_two_leaves_is_not_aliased(n_inputs):
    """An array-level backward that returns one fresh array for two inputs: neither leaf takes it
    over, whatever the number of inputs (the engine's rule is generic)."""

    class SumAll(Function):
        user_defined = False  # array level, as @register makes it (not registered: test-only)

        @staticmethod
        def forward(ctx, *arrays):
            return sum(arrays)

        @staticmethod
        def backward(ctx, dy):
            g = dy * 1.0  # fresh
            return (g, g) + tuple(dy * 1.0 for _ in range(n_inputs - 2))

    leaves = [fg.ones(2, requires_grad=True) for _ in range(n_inputs)]
    SumAll.apply(*leaves).sum().backward()
    leaves[0].grad += 1.0
    np.testing.assert_array_equal(leaves[0].grad.numpy(), [2.0, 2.0])
    for t in leaves[1:]:
        np.testing.assert_array_equal(t.grad.numpy(), [1.0, 1.0])


def test_backward_gradient_shape_mismatch_raises():
    x = fg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(fg.ones(4))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        fg.ones(2).sum().backward()


def test_backward_twice_raises_then_retain_graph_allows():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_intermediate_grad_only_with_retain_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    k = x * 3
    (h * k).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), (x.detach() * 3).numpy())
    assert k.grad is None
    assert h.retains_grad and not k.retains_grad


def test_broadcast_input_gets_gradient_of_its_own_shape():
    x = fg.randn(4, 3, requires_grad=True)
    b = fg.randn(3, requires_grad=True)
    c = fg.randn(4, 1, requires_grad=True)
    ((x + b) * c).sum().backward()
    assert b.grad.shape == (3,) and c.grad.shape == (4, 1)
    np.testing.assert_allclose(b.grad.numpy(), np.broadcast_to(c.detach().numpy(), (4, 3)).sum(0), rtol=1e-6)


def test_deep_chain_has_no_recursion_limit():
    x = fg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_without_cycles():
    gc.collect()
    gc.disable()
    try:
        x = fg.randn(5, requires_grad=True)
        y = (x.sigmoid() * 2).sum()
        node = weakref.ref(y.grad_fn)
        y.backward()
        del y
        assert node() is None, "graph nodes must be freed by reference counting alone"
    finally:
        gc.enable()


def test_item_and_detach_keep_no_graph():
    x = fg.randn(5, requires_grad=True)
    y = (x * 2).sum()
    node = weakref.ref(y.grad_fn)
    losses = [y.item(), y.detach()]
    del y
    assert node() is None
    assert losses[1].grad_fn is None


def test_no_grad_context_and_decorator():
    x = fg.randn(3, requires_grad=True)
    with fg.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @fg.no_grad()
    def f(t):
        return t * 2

    @fg.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert fg.is_grad_enabled()
    with fg.no_grad():
        with fg.enable_grad():
            assert (x * 2).requires_grad
        assert not fg.is_grad_enabled()


def test_set_grad_enabled_call_and_context():
    x = fg.randn(3, requires_grad=True)
    with fg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert fg.is_grad_enabled()
    fg.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        fg.set_grad_enabled(True)


def test_inplace_on_leaf_requiring_grad_raises_outside_no_grad():
    w = fg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1
    with fg.no_grad():
        w += 1  # allowed
    assert w.is_leaf and w.requires_grad


def test_inplace_on_plain_tensor_writes_in_place():
    a = fg.zeros(3)
    alias = a
    a += 2
    a *= fg.tensor([1.0, 2.0, 3.0])
    a -= 1
    a /= 2
    assert alias is a
    np.testing.assert_array_equal(a.numpy(), [0.5, 1.5, 2.5])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        a += fg.ones(2, 3)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_custom_function_forward_backward():
    x = fg.tensor([1.0, 2.0], dtype=fg.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn is not None and "CubeBackward" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert gradcheck(lambda t: Cube.apply(t), [fg.randn(4, dtype=fg.float64, requires_grad=True)])


def test_custom_function_needs_input_grad():
    seen = {}

    class Mul2(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, None

    Mul2.apply(fg.ones(2, requires_grad=True), fg.ones(2))
    assert seen["needs"] == (True, False)


def test_autograd_grad_returns_without_touching_dot_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    (gx, gh) = fg.autograd.grad(h.sum() * 2, [x, h])
    np.testing.assert_array_equal(gx.numpy(), [4.0, 8.0])
    np.testing.assert_array_equal(gh.numpy(), [2.0, 2.0])
    assert x.grad is None


def test_autograd_grad_unused_input():
    x = fg.randn(2, requires_grad=True)
    z = fg.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used"):
        fg.autograd.grad((x * 2).sum(), [x, z], retain_graph=True)
    gx, gz = fg.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None


def test_gradcheck_detects_a_wrong_gradient():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(AssertionError, match="differs from finite differences"):
        gradcheck(lambda t: Wrong.apply(t), [fg.randn(3, dtype=fg.float64, requires_grad=True)])
    assert not gradcheck(lambda t: Wrong.apply(t), [fg.randn(3, dtype=fg.float64, requires_grad=True)],
                         raise_exception=False)


def test_backward_inputs_argument_limits_accumulation():
    a = fg.randn(2, requires_grad=True)
    b = fg.randn(2, requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad is not None and b.grad is None


def test_mixed_dtype_promotes_and_gradients_keep_their_dtype():
    a = fg.randn(3, requires_grad=True)
    b = fg.randn(3, dtype=fg.float64, requires_grad=True)
    y = a * b
    assert y.dtype == fg.float64
    y.sum().backward()
    assert a.grad.dtype == fg.float32 and b.grad.dtype == fg.float64


def test_no_grad_and_enable_grad_decorate_methods_with_or_without_parentheses():
    """A decorated method keeps its ``self`` (the decorator returns a function, as torch's)."""
    class Model:
        @fg.no_grad()
        def generate(self, x, n):
            return x * n, fg.is_grad_enabled()

        @fg.no_grad
        def bare(self, x):
            return x + 1, fg.is_grad_enabled()

        @fg.enable_grad()
        def grads(self):
            return fg.is_grad_enabled()

    m = Model()
    x = fg.ones(2, requires_grad=True)
    y, enabled = m.generate(x, 3)
    assert not enabled and not y.requires_grad and fg.is_grad_enabled()
    assert m.bare(x)[1] is False and Model.generate.__name__ == "generate"
    with fg.no_grad():
        assert m.grads() and not fg.is_grad_enabled()
