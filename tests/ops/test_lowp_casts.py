"""float16/bfloat16 storage and casts (fastgrad/lowp.py): bit-exact against torch, the dtype
objects, names, printing, finfo, and what numpy cannot hold (bfloat16's .numpy() refused)."""
import pickle

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.lowp import BF16, cast, from_float32, to_float32

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(15)


def _bits16(t):
    return t.view(torch.int16).numpy().view(np.uint16)


def _f32_inputs():
    rand = _RNG.integers(0, 2 ** 32, 20000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    ties = ((_RNG.integers(0, 2 ** 16, 2000).astype(np.uint32) << 16) | 0x8000).view(np.float32)  # exactly half-way
    special = np.array([0.0, -0.0, np.inf, -np.inf, 3.4e38, -3.4e38, 3.3895314e38, 3.3961e38, 1e-40, -1e-40,
                        1.4e-45, 1.1754942e-38, 1.17549435e-38, 65504.0, 65520.0, 6e-8, 2.98e-8, 1.0, -1.5],
                       np.float32)
    return np.concatenate([rand, ties, special])


def test_float32_to_bfloat16_rounds_to_nearest_even_as_torch():
    x = _f32_inputs()
    ours = from_float32(x, BF16).view(np.uint16)
    theirs = _bits16(torch.from_numpy(x).to(torch.bfloat16))
    nan = np.isnan(x)
    np.testing.assert_array_equal(ours[~nan], theirs[~nan])  # ties to even, subnormals, overflow to inf
    assert np.all(ours[nan] == 0x7FC0)  # a NaN stays a (quiet) NaN: torch's scalar conversion's bits


def test_bfloat16_to_float32_is_exact_for_every_bit_pattern():
    bits = np.arange(2 ** 16, dtype=np.uint16)
    ours = to_float32(bits.view(BF16))
    theirs = torch.from_numpy(bits.view(np.int16)).view(torch.bfloat16).float().numpy()
    nan = np.isnan(theirs)
    assert np.array_equal(np.isnan(ours), nan)
    np.testing.assert_array_equal(ours[~nan].view(np.uint32), theirs[~nan].view(np.uint32))


def test_float32_to_float16_as_torch():
    x = _f32_inputs()
    nan = np.isnan(x)
    ours = fg.tensor(x).half()._data.view(np.uint16)
    np.testing.assert_array_equal(ours[~nan], torch.from_numpy(x).half().numpy().view(np.uint16)[~nan])


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_float64_and_int64_casts_round_as_torch(dt):
    d = _RNG.standard_normal(50000) * np.exp(_RNG.uniform(-20 if dt == "float16" else -95, 12 if dt == "float16"
                                                           else 95, 50000))  # double rounding shows
    i = _RNG.integers(-2 ** 40, 2 ** 40, 5000)
    for a in (d, i):
        ours = fg.tensor(a).to(getattr(fg, dt))._data.view(np.uint16)  # float64 -> float32 -> low: torch's order
        np.testing.assert_array_equal(ours, _bits16(torch.from_numpy(a).to(getattr(torch, dt))))


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_casts_back_and_to_integers_as_torch(dt):
    x = np.array([-3.7, -0.5, 0.0, 0.5, 1.5, 2.5, 300.25, 1e4], np.float32)
    f, t = fg.tensor(x).to(getattr(fg, dt)), torch.from_numpy(x).to(getattr(torch, dt))
    for target in ("float32", "float64", "int64", "int32", "bool"):
        np.testing.assert_array_equal(f.to(getattr(fg, target)).numpy(), t.to(getattr(torch, target)).numpy())
    np.testing.assert_array_equal(f.half().numpy(), t.half().numpy())
    np.testing.assert_array_equal(f.bfloat16().float().numpy(), t.bfloat16().float().numpy())


def test_bfloat16_constructors_and_spellings():
    t = fg.tensor([1.5, 2.3, -0.1], dtype=fg.bfloat16)
    assert t.dtype == fg.bfloat16 and t.dtype is fg.bfloat16 and t.element_size() == 2
    assert t.is_floating_point() and fg.bfloat16.is_floating_point and fg.bfloat16.itemsize == 2
    assert t.is_signed() and fg.is_signed(t) and fg.is_floating_point(t) and fg.bfloat16.is_signed
    ref = torch.tensor([1.5, 2.3, -0.1], dtype=torch.bfloat16)
    np.testing.assert_array_equal(t.float().numpy(), ref.float().numpy())
    assert fg.tensor([1.0, 2.0]).bfloat16().dtype == fg.bfloat16
    assert fg.tensor([1.0]).to(fg.bfloat16).dtype == fg.bfloat16
    assert fg.tensor([1.0]).type(fg.bfloat16).dtype == fg.bfloat16
    assert fg.tensor([1.0]).type("torch.BFloat16Tensor").dtype == fg.bfloat16
    assert t.type() == "fastgrad.BFloat16Tensor" and isinstance(t, fg.BFloat16Tensor)
    assert fg.BFloat16Tensor([1.5, 2.5]).tolist() == [1.5, 2.5]
    for make, ref in [(lambda m: m.ones(2, 3, dtype=m.bfloat16), 1.0), (lambda m: m.zeros(2, dtype=m.bfloat16), 0.0),
                      (lambda m: m.full((2,), 1.7, dtype=m.bfloat16), None),
                      (lambda m: m.arange(5, dtype=m.bfloat16), None),
                      (lambda m: m.linspace(0, 1, 5, dtype=m.bfloat16), None),
                      (lambda m: m.eye(3, dtype=m.bfloat16), None),
                      (lambda m: m.ones_like(m.zeros(2, dtype=m.bfloat16)), 1.0),
                      (lambda m: m.full_like(m.zeros(2, dtype=m.bfloat16), 3.3), None),
                      (lambda m: m.zeros(2, dtype=m.bfloat16).new_full((2,), 1.1), None),
                      (lambda m: m.zeros(2, dtype=m.bfloat16).new_ones(3), 1.0)]:
        ours, theirs = make(fg), make(torch)
        assert ours.dtype == fg.bfloat16
        np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())
    assert fg.randn(3, dtype=fg.bfloat16).dtype == fg.bfloat16 and fg.rand(3, dtype=fg.bfloat16).dtype == fg.bfloat16
    assert fg.randint(0, 9, (3,), dtype=fg.bfloat16).float().numpy().max() <= 8


def test_bfloat16_item_tolist_and_the_numpy_refusal():
    t = fg.tensor([1.5, 2.3], dtype=fg.bfloat16)
    assert t.tolist() == torch.tensor([1.5, 2.3], dtype=torch.bfloat16).tolist()
    assert t[0].item() == 1.5 and float(t[1]) == 2.296875
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        torch.tensor([1.0], dtype=torch.bfloat16).numpy()
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        t.numpy()
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        np.asarray(t)
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float32), [1.5, 2.296875])
    assert t.half().numpy().dtype == np.float16  # float16 is a numpy type: no refusal


@pytest.mark.parametrize("values", [[1.5, 2.3, -0.1], [1.0, 2.0], [1e-5, 3e5], [float("inf"), float("nan"), 2.5],
                                    [[0.123, 4.5], [6.0, -7.25]]])
@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_printing_as_torch(values, dt):
    ours = repr(fg.tensor(values, dtype=getattr(fg, dt)))
    theirs = repr(torch.tensor(values, dtype=getattr(torch, dt)))
    assert ours == theirs.replace("torch.", "fastgrad.")
    assert str(fg.bfloat16) == "fastgrad.bfloat16" and repr(fg.float16) == "fastgrad.float16"


def test_finfo_bfloat16_has_torch_values():
    ours, theirs = fg.finfo(fg.bfloat16), torch.finfo(torch.bfloat16)
    for name in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert repr(ours) == repr(theirs)
    assert repr(fg.finfo(fg.float16)) == repr(torch.finfo(torch.float16))


def test_bfloat16_dtype_pickles_and_tensor_copies():
    assert pickle.loads(pickle.dumps(fg.bfloat16)) is fg.bfloat16
    t = fg.tensor([1.5, -2.25], dtype=fg.bfloat16)
    c = t.clone()
    c[0] = 4.0
    assert t.tolist() == [1.5, -2.25] and c.tolist() == [4.0, -2.25]


def test_numpy_cannot_misread_bfloat16_storage():
    a = fg.tensor([1.0, 2.0], dtype=fg.bfloat16)._data
    with pytest.raises(TypeError):
        a + a  # noqa: B018  (numpy arithmetic refuses it)
    with pytest.raises(TypeError):
        np.asarray(2.0, a.dtype)  # numpy's conversion from a number refuses it (no silent bits)
    np.testing.assert_array_equal(cast([2.0, -0.5], BF16).view(np.uint16), [0x4000, 0xBF00])
