"""fastgrad.testing against torch.testing: assert_close's verdicts, exception types and messages (the same
text with fastgrad's names) over tensors, numbers, sequences and mappings; make_tensor's ranges, dtypes,
layouts and errors."""

import numpy as np
import pytest

import fastgrad
from fastgrad.testing import assert_close, make_tensor

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")

# each case builds (actual, expected, kwargs) from a module: fastgrad or torch
CASES = {
    "close": lambda m: (m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0 + 1e-6]), {}),
    "float32_mismatch": lambda m: (m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.5, 3.0]), {}),
    "float64_default_tol": lambda m: (m.tensor([1.0], dtype=m.float64), m.tensor([1.0 + 1e-6], dtype=m.float64), {}),
    "float16_default_tol": lambda m: (m.tensor([1.0], dtype=m.float16), m.tensor([1.0009765625], dtype=m.float16), {}),
    "bfloat16_default_tol": lambda m: (m.tensor([1.0], dtype=m.bfloat16), m.tensor([1.0078125], dtype=m.bfloat16), {}),
    "int_equal_msg": lambda m: (m.tensor([1, 2, 3]), m.tensor([1, 4, 3]), {}),
    "bool": lambda m: (m.tensor([True, False]), m.tensor([False, False]), {}),
    "nan_2d": lambda m: (m.tensor([[1.0, 2.0], [3.0, 4.0]]), m.tensor([[1.0, 2.0], [3.0, NAN]]), {}),
    "nan_both": lambda m: (m.tensor([1.0, NAN]), m.tensor([1.0, NAN]), {}),
    "equal_nan": lambda m: (m.tensor([1.0, NAN]), m.tensor([1.0, NAN]), {"equal_nan": True}),
    "inf_equal": lambda m: (m.tensor([INF, -INF]), m.tensor([INF, -INF]), {}),
    "inf_mismatch": lambda m: (m.tensor([1.0]), m.tensor([INF]), {}),
    "zero_expected": lambda m: (m.tensor([0.0, 1e-4]), m.tensor([0.0, 0.0]), {}),
    "custom_tol": lambda m: (m.tensor([1.0, 2.0]), m.tensor([1.1, 2.0]), {"rtol": 0.0, "atol": 0.2}),
    "custom_tol_fail": lambda m: (m.tensor([1.0, 2.0]), m.tensor([1.1, 2.0]), {"rtol": 1e-2, "atol": 1e-3}),
    "only_rtol": lambda m: (m.tensor([1.0]), m.tensor([2.0]), {"rtol": 1e-3}),
    "only_atol": lambda m: (m.tensor([1.0]), m.tensor([2.0]), {"atol": 1e-3}),
    "dtype": lambda m: (m.tensor([1.0]), m.tensor([1.0], dtype=m.float64), {}),
    "dtype_unchecked": lambda m: (m.tensor([1.0]), m.tensor([1.0], dtype=m.float64), {"check_dtype": False}),
    "int_float_unchecked": lambda m: (m.tensor([1, 2]), m.tensor([1.0, 2.5]), {"check_dtype": False}),
    "shape": lambda m: (m.tensor([1.0]), m.tensor([1.0, 2.0]), {}),
    "scalar_tensor": lambda m: (m.tensor(1.0), m.tensor(1.5), {}),
    "empty": lambda m: (m.zeros(0, 3), m.zeros(0, 3), {}),
    "requires_grad": lambda m: (m.ones(2, requires_grad=True), m.ones(2), {}),
    "noncontiguous": lambda m: (m.arange(12.0).reshape(3, 4)[:, ::2], m.tensor([[0.0, 2], [4, 6], [8, 11]]), {}),
    "float_numbers": lambda m: (1.0, 1.5, {}),
    "int_numbers": lambda m: (1, 2, {}),
    "int_float_numbers": lambda m: (1, 1.0, {}),
    "int_float_numbers_unchecked": lambda m: (1, 1.0, {"check_dtype": False}),
    "nan_numbers": lambda m: (NAN, NAN, {"equal_nan": True}),
    "nan_numbers_fail": lambda m: (NAN, NAN, {}),
    "booleans": lambda m: (True, False, {}),
    "none": lambda m: (None, None, {}),
    "strings": lambda m: ("a", "a", {}),
    "tensor_vs_number": lambda m: (m.tensor(1.0), 1.0, {}),
    "tensor_vs_ndarray": lambda m: (m.tensor([1.0]), np.array([1.0], dtype=np.float32), {}),
    "ndarrays": lambda m: (np.array([1.0]), np.array([2.0]), {}),
    "sequence_item": lambda m: ([m.tensor(1.0), m.tensor(2.0)], [m.tensor(1.0), m.tensor(3.0)], {}),
    "sequence_types": lambda m: ((1.0, 2.0), [1.0, 2.0], {}),
    "sequence_length": lambda m: ([m.tensor(1.0)], [m.tensor(1.0), m.tensor(1.0)], {}),
    "mapping_item": lambda m: ({"a": m.tensor([1.0]), "b": [m.ones(2)]}, {"a": m.tensor([1.0]), "b": [m.zeros(2)]},
                               {}),
    "mapping_keys": lambda m: ({"a": m.tensor(1.0), "c": 1}, {"b": m.tensor(3.0), "c": 1}, {}),
    "msg_str": lambda m: (m.tensor([1.0]), m.tensor([2.0]), {"msg": "custom"}),
    "msg_callable": lambda m: ([m.tensor([1.0])], [m.tensor([2.0])], {"msg": lambda s: "X" + s}),
    "check_flags": lambda m: (m.tensor([1.0]), m.tensor([1.0]), {"check_device": False, "check_layout": True,
                                                                  "check_stride": False}),
}


def _outcome(fn, module):
    actual, expected, kwargs = CASES[fn](module)
    try:
        (assert_close if module is fastgrad else torch.testing.assert_close)(actual, expected, **kwargs)
    except Exception as e:                             # noqa: BLE001  (the type and text are the result)
        text = str(e).replace("fastgrad.tensor.Tensor", "torch.Tensor").replace("fastgrad.", "torch.")
        return type(e), text
    return None


@pytest.mark.parametrize("case", list(CASES))
def test_assert_close_matches_torch(case):
    assert _outcome(case, fastgrad) == _outcome(case, torch)


def test_assert_close_passes_and_fails_for_the_right_reasons():
    assert_close(fastgrad.tensor([1.0, 2.0]), fastgrad.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 2 \(50.0%\)"):
        assert_close(fastgrad.tensor([1.0, 2.0]), fastgrad.tensor([1.0, 2.1]))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                                   "float32", "float64"])
@pytest.mark.parametrize("noncontiguous", [False, True])
def test_make_tensor_dtype_range_layout(dtype, noncontiguous):
    dt = getattr(fastgrad, dtype)
    fastgrad.manual_seed(0)
    x = make_tensor(3, 5, dtype=dt, device="cpu", noncontiguous=noncontiguous, exclude_zero=True)
    assert x.dtype == dt and tuple(x.shape) == (3, 5) and x.is_contiguous() is not noncontiguous
    v = (x.float() if dtype == "bfloat16" else x).numpy().astype(np.float64)
    if dtype == "bool":
        assert v.all()                                # exclude_zero turns every False into True
    else:
        lo = 0 if dtype == "uint8" else -9
        hi = 9 if dtype.startswith(("float", "bfloat")) else 10
        assert (v >= lo).all() and (v < hi).all() and (v != 0).all()


def test_make_tensor_bounds_grad_and_shapes():
    x = make_tensor([4, 2], dtype=fastgrad.float64, device="cpu", low=2.0, high=3.0, requires_grad=True)
    assert x.requires_grad and x.is_leaf and ((x.detach().numpy() >= 2) & (x.detach().numpy() < 3)).all()
    assert tuple(make_tensor((), dtype=fastgrad.float32, device="cpu").shape) == ()
    assert tuple(make_tensor(0, 2, dtype=fastgrad.float32, device="cpu", noncontiguous=True).shape) == (0, 2)
    ints = make_tensor(1000, dtype=fastgrad.int64, device="cpu", low=-0.5, high=1.5).numpy()
    assert set(np.unique(ints)) == {0, 1}               # low ceiled, high exclusive (ceiled), as torch
    big = make_tensor(100, dtype=fastgrad.float32, device="cpu", low=-3e38, high=3e38).numpy()
    assert np.isfinite(big).all()
    tiny = make_tensor(8, dtype=fastgrad.float32, device="cpu", low=0.0, high=1e-45, exclude_zero=True).numpy()
    assert (tiny != 0).all()


@pytest.mark.parametrize("kwargs", [
    dict(dtype="float32", low=2, high=1), dict(dtype="int64", low=3, high=3), dict(dtype="float32", low=NAN),
    dict(dtype="uint8", low=-5, high=-1), dict(dtype="int32", requires_grad=True),
    dict(dtype="float32", noncontiguous=True, memory_format="channels_last"),
])
def test_make_tensor_errors_as_torch(kwargs):
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype")
    t_kwargs = dict(kwargs)
    if "memory_format" in t_kwargs:
        t_kwargs["memory_format"] = torch.channels_last
    with pytest.raises(ValueError) as t_err:
        torch.testing.make_tensor(2, 3, dtype=getattr(torch, dtype), device="cpu", **t_kwargs)
    with pytest.raises(ValueError) as f_err:
        make_tensor(2, 3, dtype=getattr(fastgrad, dtype), device="cpu", **kwargs)
    f_text = str(f_err.value).replace("fastgrad.", "torch.")
    if "memory_format" not in kwargs:
        assert f_text == str(t_err.value)
    with pytest.warns(FutureWarning, match="low==high"):
        make_tensor(2, dtype=fastgrad.float32, device="cpu", low=1.0, high=1.0)
    with pytest.raises(TypeError):
        make_tensor(2, dtype=fastgrad.complex64, device="cpu")
