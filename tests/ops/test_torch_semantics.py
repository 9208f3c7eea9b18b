"""Places where numpy's answer differs from torch's and fastgrad follows torch (issue 15, "wrong
today"): each case against torch when it is installed, and against torch's documented result
written out otherwise."""
import numpy as np
import pytest

import fastgrad as fg


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "std", "var"])
@pytest.mark.parametrize("dim", [1, -2, (0, 1), (1,), (0, 0), (-1, 0)])
def test_zero_dim_tensor_takes_only_dims_minus1_and_0(op, dim):
    """torch: IndexError for a dim outside [-1, 0] on a 0-d tensor, RuntimeError for a repeated dim."""
    x = fg.tensor(3.0)
    expected = RuntimeError if dim in ((0, 0), (-1, 0)) else IndexError
    with pytest.raises(expected, match=op):
        getattr(x, op)(dim)


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize("dim", [0, -1, (0,), (-1,), ()])
def test_zero_dim_tensor_reduces_over_dim_0_and_minus1(op, dim):
    y = getattr(fg.tensor(3.0), op)(dim)
    assert y.shape == () and float(y) == 3.0


def test_zero_dim_errors_match_torch():
    torch = pytest.importorskip("torch")
    for dim in (1, -2, (0, 0)):
        with pytest.raises(Exception) as ours:
            fg.tensor(3.0).sum(dim)
        with pytest.raises(Exception) as theirs:
            torch.tensor(3.0).sum(dim)
        assert type(ours.value) is type(theirs.value)


def test_linspace_refuses_bool_as_torch():
    with pytest.raises(NotImplementedError, match="linspace"):
        fg.linspace(0, 1, 3, dtype=fg.bool)
    np.testing.assert_array_equal(fg.linspace(0, 10, 4, dtype=fg.int64).numpy(), [0, 3, 6, 10])


def _division_cases(L):
    i32 = L.tensor(np.array([5, -7], np.int32))
    f32 = L.tensor(np.array([5.5, -7.5], np.float32))
    f64 = L.tensor(np.array([5.5], np.float64))
    return {"f32 % 2": lambda: f32 % 2, "f32 % 2.5": lambda: f32 % 2.5, "i32 // 2": lambda: i32 // 2,
            "i32 % 2": lambda: i32 % 2, "i32 // 2.0": lambda: i32 // 2.0, "i32 % f32": lambda: i32 % f32,
            "7 // f32": lambda: 7 // f32, "7 % i32": lambda: 7 % i32, "f32 // 0": lambda: f32 // 0,
            "f32 % 0": lambda: f32 % 0, "f64 % f32": lambda: f64 % f32[:1], "2.5 % i32": lambda: 2.5 % i32,
            "remainder": lambda: L.remainder(i32, 3), "floor_divide": lambda: L.floor_divide(f32, 2)}


EXPECTED_DTYPES = {"f32 % 2": np.float32, "i32 // 2": np.int32, "i32 % 2": np.int32, "i32 // 2.0": np.float32,
                   "i32 % f32": np.float32, "7 % i32": np.int32, "f64 % f32": np.float64, "2.5 % i32": np.float32}


@pytest.mark.parametrize("case", sorted(_division_cases(fg)))
def test_floor_divide_and_remainder_follow_torch_result_type(case):
    got = _division_cases(fg)[case]()
    if case in EXPECTED_DTYPES:
        assert got.dtype == EXPECTED_DTYPES[case]


@pytest.mark.parametrize("case", sorted(_division_cases(fg)))
def test_floor_divide_and_remainder_match_torch(case):
    torch = pytest.importorskip("torch")
    ours, theirs = _division_cases(fg)[case](), _division_cases(torch)[case]()
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("expr", ["i // 0", "i % 0", "fg.floor_divide(i, fg.tensor([1, 0], dtype=fg.int32))"])
def test_integer_division_by_zero_raises_as_torch(expr):
    i = fg.tensor(np.array([5, -7], np.int32))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        eval(expr, {"i": i, "fg": fg})


def test_bool_floor_divide_is_refused_as_torch():
    with pytest.raises(NotImplementedError, match="Bool"):
        fg.tensor([True]) // fg.tensor([True])


def test_integer_to_a_negative_integer_power_raises_runtime_error_as_torch():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        fg.tensor(np.array([5], np.int32)) ** -2
    assert (fg.tensor(np.array([5], np.int32)) ** 2.0).dtype == np.float32


_POW_EDGES = [-np.inf, np.inf, 0.0, -2.0, 2.0, 0.7, np.nan, -1.0]


@pytest.mark.parametrize("p", [0.5, -0.5, 1.5, 2.5, -1.5, 3.0, -1.0, -2.0, 0.3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pow_scalar_at_infinities_matches_torch_special_exponents(p, dtype):
    """torch computes x ** p as sqrt, 1/sqrt, 1/x, 1/(x*x), x*x*x for those p and dx as
    p * x ** (p - 1) the same way: at x = -inf, p = 2.5 the gradient is +inf (not NaN), p = -0.5 the
    value is NaN (1/sqrt(-inf)) where C's pow gives 0."""
    x = fg.tensor(_POW_EDGES, dtype=getattr(fg, dtype), requires_grad=True)
    y = x ** p
    y.sum().backward()
    xs = np.array(_POW_EDGES, dtype=np.float64)

    def as_torch(v, e):
        with np.errstate(all="ignore"):
            special = {0.5: np.sqrt(v), -0.5: 1 / np.sqrt(v), -1.0: 1 / v, -2.0: 1 / (v * v),
                       2.0: v * v, 3.0: v * v * v}
            return special[e] if e in special else np.power(v, e)
    np.testing.assert_allclose(y.detach().numpy(), as_torch(xs, p), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), p * as_torch(xs, p - 1), rtol=1e-6)
    torch = pytest.importorskip("torch")
    xt = torch.tensor(_POW_EDGES, dtype=getattr(torch, dtype), requires_grad=True)
    (xt ** p).sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), (xt ** p).detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_sigmoid_tanh_of_integers_give_floats_and_square_of_bool_gives_int64_as_torch():
    np.testing.assert_allclose(fg.sigmoid(fg.tensor([1, 2])).numpy(), 1 / (1 + np.exp(-np.array([1.0, 2.0]))),
                               rtol=1e-6)
    assert fg.sigmoid(fg.tensor([1, 2])).dtype == fg.float32
    assert fg.tanh(fg.tensor([True, False])).dtype == fg.float32
    sq = fg.square(fg.tensor([True, False]))
    assert sq.dtype == fg.int64 and sq.tolist() == [1, 0]
    assert fg.square(fg.tensor([3], dtype=fg.int32)).dtype == fg.int32
    torch = pytest.importorskip("torch")
    assert str(torch.square(torch.tensor([True])).dtype) == "torch.int64"
    assert str(torch.sigmoid(torch.tensor([1])).dtype) == "torch.float32"
