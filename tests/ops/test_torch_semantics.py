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
