"""The engine validates what a user-defined backward returns before any kernel sees it (issue 14
item 1), as torch's validate_outputs does: a shape that sums to the input's is summed, any other
shape raises torch's error, the dtype is cast to the input's, and the array is made C-contiguous.

Before this check, a float64 gradient reached the float32 activation kernels as reinterpreted
bytes, a too-small one made them read past its end, and a float32 one into a float64 sigmoid
segfaulted: those cases run in a subprocess (a signal is a failure)."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import Function

ACTS = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softplus"]


def _derivative(name, x):
    """act'(x) in float64 (gelu: the exact erf form)."""
    from math import erf, pi, sqrt
    x = x.astype(np.float64)
    if name == "relu":
        return (x > 0).astype(np.float64)
    if name == "leaky_relu":
        return np.where(x > 0, 1.0, 0.01)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-x))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(x) ** 2
    if name == "softplus":
        return 1 / (1 + np.exp(-x))
    cdf = 0.5 * (1 + np.vectorize(erf)(x / sqrt(2)))
    return cdf + x * np.exp(-x * x / 2) / sqrt(2 * pi)


def _returning(make_grad):
    """y = x (as a new node) whose backward returns make_grad(g)."""

    class Ret(Function):
        forward = staticmethod(lambda ctx, x: x * 1)
        backward = staticmethod(lambda ctx, g: make_grad(g))

    return Ret


def _bad_grad(kind, g):
    """A gradient of the wrong kind for g's input."""
    a = g.numpy()
    if kind == "float64":  # the mask of a user who wrote astype(float)
        return g * fg.tensor((np.arange(a.size) % 3 != 0).astype(float))
    if kind == "float32":
        return fg.tensor((a * 2).astype(np.float32))
    return fg.tensor(a[:2] * 2)  # too small


def _bad_function(kind):
    return _returning(lambda g: _bad_grad(kind, g))


CRASH_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import fastgrad as fg
    sys.path[0:0] = {tests!r}  # this file's folder, and tests/ for the op-case tables
    from test_engine_validation import _bad_function, _derivative
    name = {name!r}
    act = getattr(fg.nn.functional, name)
    n = 1_000_000
    for kind, dtype in (("float64", fg.float32), ("too_small", fg.float32), ("float32", fg.float64)):
        x = fg.randn(n, dtype=dtype, requires_grad=True)
        y = _bad_function(kind).apply(act(x))
        if kind == "too_small":
            try:
                y.sum().backward()
            except RuntimeError as e:
                assert "returned an invalid gradient at index 0 - got [2] but expected shape " \\
                       "compatible with [1000000]" in str(e), e
            else:
                raise AssertionError("no error for a too-small gradient")
            assert x.grad is None
            continue
        y.sum().backward()
        assert x.grad.dtype == x.dtype and x.grad.shape == x.shape, (x.grad.dtype, x.grad.shape)
        up = (np.arange(n) % 3 != 0) * 1.0 if kind == "float64" else np.full(n, 2.0)
        want = up * _derivative(name, x.detach().numpy())
        tol = 1e-5 if dtype == fg.float32 else 1e-10
        np.testing.assert_allclose(x.grad.numpy(), want, rtol=tol, atol=tol)
    print("ok")
""")


@pytest.mark.parametrize("name", ACTS)
def test_activation_backward_after_bad_custom_grad_never_crashes(name):
    here = __import__("pathlib").Path(__file__).parent
    tests = [str(here), str(here.parent)]
    r = subprocess.run([sys.executable, "-c", CRASH_SCRIPT.format(tests=tests, name=name)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr[-2000:])


@pytest.mark.parametrize("kind", ["float64", "float32", "too_small"])
@pytest.mark.parametrize("name", ACTS)
def test_activation_backward_after_bad_custom_grad_matches_torch(name, kind):
    torch = pytest.importorskip("torch")
    dtype = "float64" if kind == "float32" else "float32"
    x0 = np.random.default_rng(0).standard_normal(1000).astype(dtype)

    class Ret(torch.autograd.Function):  # the same bad backward in torch
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            if kind == "float64":
                return g * torch.from_numpy((np.arange(g.numel()) % 3 != 0).astype(float))
            if kind == "float32":
                return (g * 2).float()
            return g[:2] * 2

    xt = torch.tensor(x0, requires_grad=True)
    yt = Ret.apply(getattr(torch.nn.functional, name)(xt))
    x = fg.tensor(x0, requires_grad=True)
    y = _bad_function(kind).apply(getattr(fg.nn.functional, name)(x))
    if kind == "too_small":
        with pytest.raises(RuntimeError) as want:
            yt.sum().backward()
        with pytest.raises(RuntimeError) as got:
            y.sum().backward()
        assert str(got.value) == str(want.value)
        return
    yt.sum().backward()
    y.sum().backward()
    assert x.grad.dtype == x.dtype
    tol = 1e-5 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


# (input shape, returned gradient, the input's gradient or the error's "got ... expected ...")
SHAPE_CASES = [
    ((3,), lambda g: fg.ones(2, 3), np.full(3, 2.0)),
    ((5,), lambda g: fg.ones(1, 5), np.ones(5)),
    ((5, 1), lambda g: fg.ones(4, 5, 3), np.full((5, 1), 12.0)),
    ((), lambda g: fg.ones(1), np.array(1.0)),
    ((1,), lambda g: fg.ones(0), np.zeros(1)),
    ((2, 3), lambda g: fg.ones(3), "got [3] but expected shape compatible with [2, 3]"),
    ((1,), lambda g: fg.ones(()), "got [] but expected shape compatible with [1]"),
    ((5,), lambda g: fg.ones(()), "got [] but expected shape compatible with [5]"),
    ((5, 3), lambda g: fg.ones(5, 1), "got [5, 1] but expected shape compatible with [5, 3]"),
    ((0,), lambda g: fg.ones(1), "got [1] but expected shape compatible with [0]"),
]


@pytest.mark.parametrize("shape,make_grad,want", SHAPE_CASES)
def test_custom_function_backward_shape_follows_torch(shape, make_grad, want):
    x = fg.ones(*shape, requires_grad=True) if shape else fg.tensor(1.0, requires_grad=True)
    y = _returning(make_grad).apply(x)
    if isinstance(want, str):
        with pytest.raises(RuntimeError, match=r"^Function RetBackward returned an invalid gradient at "
                                               r"index 0 - " + want.replace("[", r"\[").replace("]", r"\]")):
            y.sum().backward()
        return
    y.sum().backward()
    assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
    np.testing.assert_array_equal(x.grad.numpy(), want)


@pytest.mark.parametrize("shape,make_grad,want", SHAPE_CASES)
def test_custom_function_backward_shape_cases_match_torch(shape, make_grad, want):
    torch = pytest.importorskip("torch")
    g = make_grad(None).numpy()

    class Ret(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, _):
            return torch.from_numpy(g.copy())

    xt = torch.ones(shape, requires_grad=True)
    if isinstance(want, str):
        with pytest.raises(RuntimeError, match="invalid gradient at index 0 - " + want.replace("[", r"\[")
                           .replace("]", r"\]")):
            Ret.apply(xt).sum().backward()
    else:
        Ret.apply(xt).sum().backward()
        np.testing.assert_array_equal(xt.grad.numpy(), want)


@pytest.mark.parametrize("make_grad", [lambda g: fg.ones(3, dtype=fg.int64), lambda g: fg.ones(3).bool(),
                                       lambda g: fg.ones(3, dtype=fg.float64)])
def test_custom_function_backward_dtype_is_cast_to_the_input(make_grad):
    x = fg.randn(3, requires_grad=True)
    h = x.sigmoid()  # an intermediate node: the cast gradient reaches the sigmoid kernel
    _returning(make_grad).apply(h).sum().backward()
    assert x.grad.dtype == fg.float32
    s = 1 / (1 + np.exp(-x.detach().numpy().astype(np.float64)))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s), rtol=1e-6)


def test_custom_function_backward_noncontiguous_grad_is_made_contiguous():
    x = fg.randn(3, 2, requires_grad=True)
    t = fg.randn(2, 3)
    _returning(lambda g: t.T).apply(x.tanh()).sum().backward()  # a transposed view into tanh's kernel
    # the kernel computes 1 - y² from the float32 output y: the reference does too (1 - y² of a y
    # rounded to float32 loses digits near |y| = 1, which a float64 tanh would not share)
    y = x.detach().tanh().numpy().astype(np.float64)
    want = t.numpy().T * (1 - y ** 2)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6, atol=1e-7)


def test_custom_function_backward_leaf_gradient_summed_and_cast():
    x = fg.ones(3, requires_grad=True)
    _returning(lambda g: fg.ones(2, 3, dtype=fg.float64)).apply(x).sum().backward()
    assert x.grad.dtype == fg.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_custom_function_backward_wrong_count_raises_torch_message():
    x = fg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function RetBackward returned an incorrect number of "
                                           r"gradients \(expected 1, got 2\)"):
        _returning(lambda g: (g, g)).apply(x).sum().backward()


def test_backward_seed_noncontiguous_gradient_argument():
    x = fg.randn(3, 2, requires_grad=True)
    y = x.relu()
    g = fg.randn(2, 3)
    y.backward(g.T)  # a transposed view as the seed reaches relu's kernel contiguous
    np.testing.assert_array_equal(x.grad.numpy(), np.where(x.detach().numpy() > 0, g.numpy().T, 0))


GRAD_CASES = [c for c in __import__("opcases").all_cases() if c["grad"]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", GRAD_CASES, ids=[f"{c['name']}-{c['id']}" for c in GRAD_CASES])
def test_builtin_backward_grad_has_its_inputs_shape_and_dtype(c, dtype):
    """Why the engine does not re-check built-in ops: every registered op, given inputs that are
    intermediate results (a user-defined identity node in front of each), sends each of them a
    gradient of that input's shape and dtype."""
    from opcases.common import _inputs, _tensors
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.meta = (x.shape, x.dtype)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            seen.append(((g.shape, g.dtype), ctx.meta))
            return g

    ts = _tensors(_inputs(c), dtype, True)
    out = c["fn"](*[Probe.apply(t) for t in ts])
    out.backward(fg.ones(*out.shape, dtype=out.dtype) if out.shape else fg.tensor(1.0, dtype=out.dtype))
    assert seen, f"{c['name']}: no gradient reached an input"
    for got, want in seen:
        assert got == want, f"{c['name']}: gradient {got} for an input of {want}"
