"""Tensor construction, attributes, conversion, repr, operators, dtype promotion."""
import numpy as np
import pytest

import fastgrad as fg


def test_tensor_from_python_data_infers_torch_dtypes():
    assert fg.tensor(1.5).dtype == fg.float32
    assert fg.tensor([[1.0, 2.0]]).dtype == fg.float32
    assert fg.tensor([1, 2]).dtype == fg.int64
    assert fg.tensor([True, False]).dtype == fg.bool
    assert fg.tensor(np.zeros(2)).dtype == fg.float64  # numpy dtype kept, as torch
    assert fg.tensor([1, 2], dtype=fg.float64).dtype == fg.float64
    assert fg.tensor(3.0).shape == () and fg.tensor(3.0).ndim == 0


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3, np.float32)
    t = fg.tensor(a)
    s = fg.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 0 and s[0].item() == 5
    assert np.shares_memory(s.numpy(), a)


def test_tensor_rejects_bad_data():
    with pytest.raises(TypeError):
        fg.tensor("abc")
    with pytest.raises((ValueError, TypeError)):
        fg.tensor([[1.0], [2.0, 3.0]])
    with pytest.raises(RuntimeError, match="floating point"):
        fg.tensor([1, 2], requires_grad=True)


def test_factories():
    assert fg.zeros(2, 3).shape == (2, 3) and fg.zeros((2, 3)).shape == (2, 3)
    assert fg.ones(4).numpy().sum() == 4
    assert fg.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    assert fg.arange(5).dtype == fg.int64 and fg.arange(0, 1, 0.25).dtype == fg.float32
    assert fg.linspace(0, 1, 5).numpy().tolist() == [0, 0.25, 0.5, 0.75, 1]
    np.testing.assert_array_equal(fg.eye(3).numpy(), np.eye(3))
    assert fg.empty(0, 4).shape == (0, 4)
    r = fg.randint(0, 10, (100,))
    assert r.dtype == fg.int64 and 0 <= r.min().item() and r.max().item() < 10
    x = fg.randn(3, 4, dtype=fg.float64)
    assert fg.zeros_like(x).dtype == fg.float64 and fg.randn_like(x).shape == (3, 4)
    assert fg.rand(1000).numpy().min() >= 0
    with pytest.raises(RuntimeError, match="negative dimension"):
        fg.zeros(-1, 2)
    with pytest.raises(MemoryError):
        fg.zeros(2 ** 40, 2 ** 30)


def test_manual_seed_reproduces():
    fg.manual_seed(3)
    a = fg.randn(5)
    fg.manual_seed(3)
    b = fg.randn(5)
    assert fg.equal(a, b)


def test_attributes_and_conversions():
    x = fg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.size() == (2, 2) and x.size(1) == 2 and x.numel() == 4 and len(x) == 2
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    with pytest.raises(RuntimeError, match="Use tensor.detach"):
        x.numpy()
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), x.detach().numpy())
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x.sum().item() == 10.0
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    assert np.asarray(x).shape == (2, 2)
    assert x.double().dtype == fg.float64 and x.long().dtype == fg.int64 and x.float().dtype == fg.float32
    c = x.clone()
    assert c.grad_fn is not None and not np.shares_memory(c.detach().numpy(), x.detach().numpy())
    z = fg.ones(3)
    z.zero_()
    assert z.numpy().tolist() == [0, 0, 0]
    assert repr(fg.Size([2, 3])) == "fastgrad.Size([2, 3])"


def test_repr_torch_style():
    assert repr(fg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(fg.tensor(0.5)) == "tensor(0.5000)"
    assert repr(fg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    x = fg.tensor(2.0, requires_grad=True)
    assert repr(x * x) == "tensor(4., grad_fn=<MulBackward>)"
    assert repr(fg.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=fastgrad.float64" in repr(fg.tensor([1.5], dtype=fg.float64))
    assert repr(fg.tensor([[1.0, 2.5], [3.0, 4.0]])) == "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])"


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_python_scalars_on_either_side(op):
    x = fg.tensor([1.0, 2.0, 4.0])
    a = x.numpy()  # noqa: F841  (read by the eval strings below)
    for left, right, ref in ((x, 2.0, eval(f"a {op} 2.0")), (2.0, x, eval(f"2.0 {op} a"))):
        out = eval(f"left {op} right")
        assert out.dtype == fg.float32
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)


def test_scalar_does_not_promote_and_ints_follow_torch():
    assert (fg.ones(2) * 2.5).dtype == fg.float32
    assert (fg.ones(2, dtype=fg.float64) + 1).dtype == fg.float64
    i = fg.tensor([1, 2])
    assert (i + 1).dtype == fg.int64
    assert (i * 1.5).dtype == fg.float32
    assert (i / 2).dtype == fg.float32
    assert (i / 2).tolist() == [0.5, 1.0]
    assert (fg.ones(2) + fg.ones(2, dtype=fg.float64)).dtype == fg.float64


def test_comparisons_give_bool_tensors_without_grad():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for m in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert m.dtype == fg.bool and not m.requires_grad
    assert (x > 1.5).tolist() == [False, True, True]


def test_binary_shape_mismatch_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add: shapes \(2, 3\) and \(4,\)"):
        fg.ones(2, 3) + fg.ones(4)
    with pytest.raises(RuntimeError, match=r"mul: shapes \(2, 3\) and \(2,\)"):
        fg.ones(2, 3, requires_grad=True) * fg.ones(2)


def test_wrong_operand_type_raises_type_error():
    with pytest.raises(TypeError):
        fg.ones(2) + "a"
    with pytest.raises(TypeError):
        fg.ones(2) * object()


def test_int_tensor_ops_have_no_grad_and_activations_refuse_ints():
    i = fg.tensor([1, -2])
    assert fg.abs(i).tolist() == [1, 2]
    with pytest.raises(TypeError, match="floating"):
        fg.functional.relu(i)


def test_dot_data_shares_and_detaches():
    w = fg.ones(3, requires_grad=True)
    d = w.data
    assert not d.requires_grad
    d += 1  # writes through to w, as torch's .data
    assert w.detach().numpy().tolist() == [2.0, 2.0, 2.0]
