"""& | ^ ~ << >> and bitwise_*: bitwise on integers (dtype kept), logical on bool, refused on floats,
reflected forms; torch's result types and shift results, against torch when it is installed."""
import numpy as np
import pytest

import fastgrad as fg

INT = np.array([5, 3, -7, 0, 127], np.int32)
INT2 = np.array([3, 1, 2, 6, 1], np.int32)
BOOL = np.array([True, False, True, False, True])


def _cases(L):
    a, b = L.tensor(INT), L.tensor(INT2)
    m = L.tensor(BOOL)
    i64 = L.tensor(INT2.astype(np.int64))
    u8, i8 = L.tensor(np.array([3, 200], np.uint8)), L.tensor(np.array([1, -2], np.int8))
    shifts = L.tensor(np.array([0, 1, 31, 32, 40], np.int32))
    return {
        "a & b": lambda: a & b, "a | b": lambda: a | b, "a ^ b": lambda: a ^ b, "~a": lambda: ~a,
        "a & 3": lambda: a & 3, "3 & a": lambda: 3 & a, "3 | a": lambda: 3 | a, "3 ^ a": lambda: 3 ^ a,
        "a & True": lambda: a & True, "m & m": lambda: m & m, "m | 3": lambda: m | 3, "~m": lambda: ~m,
        "m ^ True": lambda: m ^ True, "a & i64": lambda: a & i64, "u8 & i8": lambda: u8 & i8,
        "a << 2": lambda: a << 2, "2 << a[:3]": lambda: 2 << L.tensor(INT2), "a >> 1": lambda: a >> 1,
        "m << 1": lambda: m << 1, "a << shifts": lambda: a << shifts, "a >> shifts": lambda: a >> shifts,
        "bitwise_and": lambda: L.bitwise_and(a, b), "bitwise_not": lambda: L.bitwise_not(a),
        "method": lambda: a.bitwise_xor(b),
    }


def _name(dtype):
    return str(dtype).replace("torch.", "").replace("fastgrad.", "")


@pytest.mark.parametrize("case", sorted(_cases(fg)))
def test_bitwise_against_numpy(case):
    got = _cases(fg)[case]()
    assert got.dtype != np.float32 and got.dtype != np.float64
    if case == "a & b":
        np.testing.assert_array_equal(got.numpy(), INT & INT2)
        assert got.dtype == np.int32
    if case == "~a":
        np.testing.assert_array_equal(got.numpy(), ~INT)
    if case == "m & m":
        assert got.dtype == np.bool_
    if case == "m | 3":
        assert got.dtype == np.int64


@pytest.mark.parametrize("case", sorted(_cases(fg)))
def test_bitwise_matches_torch(case):
    torch = pytest.importorskip("torch")
    ours, theirs = _cases(fg)[case](), _cases(torch)[case]()
    assert _name(ours.dtype) == _name(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("expr", ["f & 1", "f | f", "1 ^ f", "f << 1", "a & 1.5"])
def test_float_operands_raise_as_torch(expr):
    f, a = fg.tensor([1.5]), fg.tensor(INT)
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        eval(expr, {"f": f, "a": a})


def test_invert_of_float_raises_as_torch():
    with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
        ~fg.tensor([1.5])


def test_shape_mismatch_names_the_op():
    with pytest.raises(RuntimeError, match=r"bitwise_and.*\(2,\).*\(3,\)"):
        fg.tensor([1, 2]) & fg.tensor([1, 2, 3])
