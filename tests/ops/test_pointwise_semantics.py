"""torch's semantics of the pointwise maths family at the Tensor level: dtype rules, edge values
and gradients, errors (type and message), methods and in-place forms; parity with torch where it
is installed (each torch test imports it itself)."""
import math

import numpy as np
import pytest

import fastgrad as fg

UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "exp2", "expm1",
         "log2", "log10", "erf", "erfc", "erfinv", "lgamma", "digamma", "sinc", "deg2rad", "rad2deg", "floor",
         "ceil", "round", "trunc", "frac", "logit", "sgn", "nan_to_num"]


def test_pointwise_functions_and_methods_exist():
    for name in UNARY + ["atan2", "logaddexp", "logaddexp2", "hypot", "fmod", "remainder", "copysign",
                         "heaviside", "lerp", "addcmul", "addcdiv", "float_power", "isclose", "isposinf",
                         "isneginf", "isreal", "clamp_min", "clamp_max"]:
        assert callable(getattr(fg, name)), name
        assert callable(getattr(fg.Tensor, name)), name
    for name in UNARY[:-3] + ["atan2", "fmod", "remainder", "copysign", "lerp", "addcmul", "addcdiv",
                              "clamp_min", "clamp_max", "div", "sgn", "nan_to_num"]:
        assert callable(getattr(fg.Tensor, name + "_")), name + "_"


@pytest.mark.parametrize("name", ["sin", "cos", "exp2", "log10", "erf", "sinc", "expm1"])
def test_pointwise_int_and_bool_give_default_float(name):
    for data in ([1, 2, 3], [True, False]):
        y = getattr(fg, name)(fg.tensor(data))
        assert y.dtype == fg.float32
        np.testing.assert_allclose(y.numpy(), getattr(fg, name)(fg.tensor(data, dtype=fg.float64)).numpy(),
                                   rtol=1e-6, atol=1e-7)
    fg.set_default_dtype(fg.float64)
    try:
        assert getattr(fg, name)(fg.tensor([1, 2])).dtype == fg.float64
    finally:
        fg.set_default_dtype(fg.float32)


def test_pointwise_rounding_keeps_integers_and_refuses_bool():
    t = fg.tensor([1, -2, 3])
    for name in ("floor", "ceil", "trunc", "round"):
        y = getattr(fg, name)(t)
        assert y.dtype == fg.int64 and y.tolist() == [1, -2, 3]
        with pytest.raises(NotImplementedError, match="Bool"):
            getattr(fg, name)(fg.tensor([True]))
    with pytest.raises(NotImplementedError, match="round"):
        fg.round(t, decimals=-1)
    with pytest.raises(NotImplementedError, match="frac_cpu.*Long"):
        fg.frac(t)


def test_pointwise_bad_input_names_the_op():
    with pytest.raises(TypeError, match="sin"):
        fg.sin([1.0, 2.0])
    assert fg.log10(fg.tensor([1.0], dtype=fg.float16)).dtype == fg.float16  # computed in float32 (lowp.py)
    with pytest.raises(TypeError, match="decimals"):
        fg.round(fg.tensor([1.0]), decimals=1.5)
    with pytest.raises(RuntimeError, match="atan2.*not broadcastable"):
        fg.atan2(fg.ones(3), fg.ones(4))
    with pytest.raises(NotImplementedError, match="logaddexp.*Long"):
        fg.logaddexp(fg.tensor([1]), fg.tensor([2]))
    with pytest.raises(NotImplementedError, match="lerp.*Long"):
        fg.lerp(fg.tensor([1]), fg.tensor([3]), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `end`"):
        fg.lerp(fg.ones(2), fg.ones(2, dtype=fg.float64), 0.5)
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        fg.addcdiv(fg.tensor([1]), fg.tensor([2]), fg.tensor([3]))
    with pytest.raises(RuntimeError, match="Long did not match Float"):
        fg.isclose(fg.tensor([1]), fg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Long did not match Float"):
        fg.allclose(fg.tensor([1]), fg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="rounding_mode"):
        fg.div(fg.ones(2), 2, rounding_mode="foo")
    with pytest.raises(RuntimeError, match="different dtypes"):
        fg.heaviside(fg.ones(2), fg.tensor([1]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fg.fmod(fg.tensor([5]), 0)


def test_pointwise_edge_gradients_as_torch():
    x = fg.tensor([1.0, -1.0, 0.5], requires_grad=True)
    fg.acos(x).sum().backward()
    assert x.grad.tolist()[:2] == [-math.inf, -math.inf]
    x = fg.tensor([0.0, 1.0, -1.0], requires_grad=True)
    y = fg.sinc(x)
    y.sum().backward()
    assert y[0].item() == 1.0 and x.grad[0].item() == 0.0
    np.testing.assert_allclose(x.grad.numpy()[1:], [-1.0, 1.0], rtol=1e-6)
    for name in ("floor", "ceil", "round", "trunc"):
        x = fg.tensor([0.5, 1.5, -2.0, math.nan], requires_grad=True)
        y = getattr(fg, name)(x)
        assert y.requires_grad
        y.sum().backward()
        assert x.grad.tolist() == [0.0] * 4
    x = fg.tensor([1.5, -2.25], requires_grad=True)
    fg.frac(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_pointwise_values_at_edges():
    inf, nan = math.inf, math.nan
    assert fg.sin(fg.tensor([-0.0])).numpy().tobytes() == np.float32(-0.0).tobytes()
    assert fg.log2(fg.tensor([0.0, -1.0, inf])).tolist()[0] == -inf
    assert math.isnan(fg.log10(fg.tensor([-1.0])).item())
    assert fg.erfinv(fg.tensor([1.0, -1.0])).tolist() == [inf, -inf]
    assert fg.digamma(fg.tensor([0.0])).item() == -inf
    assert math.isnan(fg.digamma(fg.tensor([-2.0])).item())
    assert fg.round(fg.tensor([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]
    assert fg.nan_to_num(fg.tensor([nan, inf, -inf, 1.0])).tolist() == [0.0, np.finfo(np.float32).max,
                                                                       np.finfo(np.float32).min, 1.0]
    assert fg.nan_to_num(fg.tensor([nan, inf]), nan=1.0, posinf=2.0).tolist() == [1.0, 2.0]
    assert fg.logaddexp(fg.tensor([-inf, inf]), fg.tensor([-inf, inf])).tolist() == [-inf, inf]
    assert fg.heaviside(fg.tensor([0.0, -1.0, 2.0, nan]), fg.tensor([0.5])).tolist() == [0.5, 0.0, 1.0, 0.0]


def test_pointwise_nan_to_num_gradient_masks_non_finite():
    x = fg.tensor([math.nan, 1.0, math.inf, -2.0], requires_grad=True)
    fg.nan_to_num(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]


def test_pointwise_div_rounding_modes():
    a, b = fg.tensor([5, -5, 7, -7]), fg.tensor([2, 2, -3, -3])
    assert fg.div(a, b, rounding_mode="trunc").tolist() == [2, -2, -2, 2]
    assert fg.div(a, b, rounding_mode="floor").tolist() == [2, -3, -3, 2]
    assert fg.div(a, b, rounding_mode="trunc").dtype == fg.int64
    x = fg.tensor([5.5, -5.5])
    assert x.div(2, rounding_mode="trunc").tolist() == [2.0, -2.0]
    assert x.div(2, rounding_mode="floor").tolist() == [2.0, -3.0]
    assert x.div(2).tolist() == [2.75, -2.75]
    w = fg.tensor([5.5, -5.5], requires_grad=True)
    y = fg.div(w, 2.0, rounding_mode="floor")
    assert y.grad_fn is not None
    y.sum().backward()
    assert w.grad.tolist() == [0.0, 0.0]                    # torch: a zero gradient, not an error


def test_pointwise_remainder_and_fmod_have_gradients():
    a = fg.tensor([5.5, -5.5], requires_grad=True)
    b = fg.tensor([2.0, 2.0], requires_grad=True)
    (a % b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [-2.0, 3.0]
    a.grad = b.grad = None
    fg.fmod(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [-2.0, 2.0]
    assert fg.fmod(fg.tensor([5, -5]), 3).tolist() == [2, -2]
    assert fg.remainder(fg.tensor([5, -5]), 3).tolist() == [2, 1]


def test_pointwise_isclose_rules():
    a = fg.tensor([1.0, math.nan, math.inf, -math.inf, 1.0])
    b = fg.tensor([1.0 + 1e-7, math.nan, math.inf, math.inf, 1.1])
    assert fg.isclose(a, b).tolist() == [True, False, True, False, False]
    assert fg.isclose(a, b, equal_nan=True).tolist() == [True, True, True, False, False]
    assert fg.isclose(a, b, rtol=0.2).tolist()[4]
    assert fg.isclose(fg.tensor([1, 2]), fg.tensor([1, 3]), rtol=0, atol=0).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="rtol"):
        fg.isclose(a, b, rtol=-1)
    assert fg.isposinf(fg.tensor([math.inf, -math.inf, 1.0])).tolist() == [True, False, False]
    assert fg.isneginf(fg.tensor([1, 2])).tolist() == [False, False]
    assert fg.isreal(fg.tensor([1.0, 2.0])).tolist() == [True, True]


def test_pointwise_other_dtype_rules():
    assert fg.float_power(fg.tensor([2]), 2).dtype == fg.float64
    assert fg.float_power(fg.tensor([2.0]), fg.tensor([0.5])).dtype == fg.float64
    assert fg.atan2(fg.tensor([1]), fg.tensor([1])).dtype == fg.float32
    assert fg.copysign(fg.tensor([1, 2]), -1).tolist() == [-1.0, -2.0]
    assert fg.addcmul(fg.tensor([1]), fg.tensor([2]), fg.tensor([3]), value=2).tolist() == [13]
    assert fg.clamp_min(fg.tensor([1, 5]), 3).tolist() == [3, 5]
    assert fg.clamp_max(fg.tensor([1.0, 5.0]), 3.5).tolist() == [1.0, 3.5]
    assert fg.sgn(fg.tensor([-2, 0, 3])).tolist() == [-1, 0, 1]
    assert fg.atan2(fg.tensor([1.0]), fg.tensor([1.0], dtype=fg.float64)).dtype == fg.float64


def test_pointwise_inplace_rules():
    t = fg.tensor([0.5, 1.0])
    data = t.numpy()
    assert t.sin_() is t
    np.testing.assert_allclose(data, np.sin([0.5, 1.0]).astype(np.float32))   # written into the same memory
    t.round_(decimals=1)
    assert t.tolist() == pytest.approx([0.5, 0.8])
    with pytest.raises(RuntimeError, match="can't be cast"):
        fg.tensor([1, 2]).sin_()
    leaf = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.cos_()
    h = leaf * 2
    h.exp2_()
    h.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [2 * 4 * math.log(2)], rtol=1e-6)
    c = fg.tensor([1.0, 5.0])
    c.clamp_min_(2.0).clamp_max_(4.0)
    assert c.tolist() == [2.0, 4.0]
    w = fg.tensor([0.0, 1.0])
    w.lerp_(fg.tensor([2.0, 3.0]), 0.5)
    assert w.tolist() == [1.0, 2.0]


def test_pointwise_lerp_weight_tensor_gradient():
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    b = fg.tensor([3.0, 6.0], requires_grad=True)
    w = fg.tensor([0.25], requires_grad=True)
    fg.lerp(a, b, w).sum().backward()
    assert a.grad.tolist() == [0.75, 0.75] and b.grad.tolist() == [0.25, 0.25] and w.grad.tolist() == [6.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pointwise_matches_torch_at_edges(dtype):
    torch = pytest.importorskip("torch")
    vals = np.array([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -3.7, 1e-30, 1e4, np.inf, -np.inf, np.nan], dtype)
    for name in ["sin", "cos", "tan", "atan", "sinh", "asinh", "exp2", "expm1", "log2", "log10", "erf", "erfc",
                 "floor", "ceil", "round", "trunc", "frac", "sgn", "deg2rad", "rad2deg", "sinc", "nan_to_num"]:
        got = getattr(fg, name)(fg.tensor(vals)).numpy()
        want = getattr(torch, name)(torch.tensor(vals)).numpy()
        np.testing.assert_allclose(got, want, rtol=8 * np.finfo(dtype).eps, atol=0, equal_nan=True, err_msg=name)
        np.testing.assert_array_equal(np.signbit(got[want == 0]), np.signbit(want[want == 0]), err_msg=name)


def test_pointwise_isclose_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(50).astype(np.float32)
    b = (a + rng.standard_normal(50) * 1e-5).astype(np.float32)
    a[:3], b[:3] = [np.nan, np.inf, -np.inf], [np.nan, np.inf, np.inf]
    for kw in ({}, {"equal_nan": True}, {"rtol": 1e-3, "atol": 0}):
        got = fg.isclose(fg.tensor(a), fg.tensor(b), **kw).numpy()
        np.testing.assert_array_equal(got, torch.isclose(torch.tensor(a), torch.tensor(b), **kw).numpy())
