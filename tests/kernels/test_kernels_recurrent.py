"""C-level tests of csrc/recurrent.c (one LSTM / GRU time step, forward and backward) against numpy
float64 closed forms, at every ISA level; the activated gates are bitwise the activation kernels'
results on the same pre-activations.  Every output starts as NaN, so an element a kernel forgot shows."""
import numpy as np
import pytest

from fastgrad._ffi import NULL, lib, rptr, wptr

DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
SHAPES = [(n, h) for n in (0, 1, 3) for h in (1, 7, 8, 9, 17, 33)]
TOL = {np.float32: dict(rtol=2e-6, atol=2e-6), np.float64: dict(rtol=1e-13, atol=1e-14)}


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[np.dtype(dtype).type]}")


def nans(shape, dtype):
    return np.full(shape, np.nan, dtype=dtype)


def sig(x):
    return 1 / (1 + np.exp(-x))


def act(name, x):
    """The array kernel fg_<name>_fwd on a copy of x (the reference for the gates, bitwise)."""
    x = np.ascontiguousarray(x)
    y = nans(x.shape, x.dtype)
    fn(name + "_fwd", x.dtype)(x.size, rptr(x), wptr(y))
    return y


def gate_major(a, k):
    """(n, k*h) row-major gate blocks -> (k, n, h)."""
    n, kh = a.shape
    return a.reshape(n, k, kh // k).transpose(1, 0, 2)


def close(got, want, dtype):
    np.testing.assert_allclose(got.astype(np.float64), want, **TOL[dtype])


def lstm_fwd(n, h, dtype, rng):
    gi, gh = (rng.standard_normal((n, 4 * h)) * 2).astype(dtype), (rng.standard_normal((n, 4 * h))).astype(dtype)
    c_prev = rng.standard_normal((n, h)).astype(dtype)
    pre, gates, c, tc, hout = nans(4 * n * h, dtype), nans((4, n, h), dtype), nans((n, h), dtype), \
        nans((n, h), dtype), nans((n, h), dtype)
    fn("lstm_cell_fwd", dtype)(n, h, rptr(gi), rptr(gh), rptr(c_prev), wptr(pre), wptr(gates), wptr(c), wptr(tc),
                                wptr(hout))
    return gi, gh, c_prev, gates, c, tc, hout


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", SHAPES)
def test_lstm_cell_fwd_matches_numpy(isa, dtype, n, h, rng):
    gi, gh, c_prev, gates, c, tc, hout = lstm_fwd(n, h, dtype, rng)
    a = gate_major(gi.astype(np.float64) + gh, 4)
    i, f, g, o = sig(a[0]), sig(a[1]), np.tanh(a[2]), sig(a[3])
    close(gates, np.stack([i, f, g, o]), dtype)
    want_c = f * c_prev + i * g
    close(c, want_c, dtype)
    close(tc, np.tanh(want_c), dtype)
    close(hout, o * np.tanh(want_c), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", [(1, 7), (3, 9), (3, 33)])
def test_lstm_cell_fwd_gates_are_bitwise_the_activation_kernels(isa, dtype, n, h, rng):
    gi, gh, c_prev, gates, c, tc, hout = lstm_fwd(n, h, dtype, rng)
    a = gate_major(gi + gh, 4)  # the same float sums the kernel forms
    np.testing.assert_array_equal(gates[0], act("sigmoid", a[0]))
    np.testing.assert_array_equal(gates[1], act("sigmoid", a[1]))
    np.testing.assert_array_equal(gates[2], act("tanh", a[2]))
    np.testing.assert_array_equal(gates[3], act("sigmoid", a[3]))
    np.testing.assert_array_equal(c, gates[1] * c_prev + gates[0] * gates[2])
    np.testing.assert_array_equal(tc, act("tanh", c))
    np.testing.assert_array_equal(hout, gates[3] * tc)


@pytest.mark.parametrize("carried", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", SHAPES)
def test_lstm_cell_bwd_matches_numpy(isa, dtype, n, h, carried, rng):
    gi, gh, c_prev, gates, c, tc, hout = lstm_fwd(n, h, dtype, rng)
    dy, dh, dc0 = (rng.standard_normal((n, h)).astype(dtype) for _ in range(3))
    dc, dgates = dc0.copy(), nans((n, 4 * h), dtype)
    fn("lstm_cell_bwd", dtype)(n, h, rptr(gates), rptr(c_prev), rptr(tc), rptr(dy), rptr(dh) if carried else NULL,
                                wptr(dc), wptr(dgates))
    i, f, g, o = gates.astype(np.float64)
    t = tc.astype(np.float64)
    d = dy + (dh.astype(np.float64) if carried else 0)
    dcv = dc0 + d * o * (1 - t * t)
    want = np.stack([dcv * g * i * (1 - i), dcv * c_prev * f * (1 - f), dcv * i * (1 - g * g),
                     d * t * o * (1 - o)], axis=1).reshape(n, 4 * h)
    close(dgates, want, dtype)
    close(dc, dcv * f, dtype)


def gru_fwd(n, h, dtype, rng):
    gi, gh = (rng.standard_normal((n, 3 * h)) * 2).astype(dtype), rng.standard_normal((n, 3 * h)).astype(dtype)
    h_prev = rng.standard_normal((n, h)).astype(dtype)
    pre, gates, hout = nans(2 * n * h, dtype), nans((3, n, h), dtype), nans((n, h), dtype)
    fn("gru_cell_fwd", dtype)(n, h, rptr(gi), rptr(gh), rptr(h_prev), wptr(pre), wptr(gates), wptr(hout))
    return gi, gh, h_prev, gates, hout


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", SHAPES)
def test_gru_cell_fwd_matches_numpy(isa, dtype, n, h, rng):
    gi, gh, h_prev, gates, hout = gru_fwd(n, h, dtype, rng)
    a, b = gate_major(gi.astype(np.float64), 3), gate_major(gh.astype(np.float64), 3)
    r, z = sig(a[0] + b[0]), sig(a[1] + b[1])
    nn = np.tanh(a[2] + r * b[2])
    close(gates, np.stack([r, z, nn]), dtype)
    close(hout, (1 - z) * nn + z * h_prev, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", [(1, 7), (3, 9), (3, 33)])
def test_gru_cell_fwd_gates_are_bitwise_the_activation_kernels(isa, dtype, n, h, rng):
    gi, gh, h_prev, gates, hout = gru_fwd(n, h, dtype, rng)
    a, b = gate_major(gi, 3), gate_major(gh, 3)
    np.testing.assert_array_equal(gates[0], act("sigmoid", a[0] + b[0]))
    np.testing.assert_array_equal(gates[1], act("sigmoid", a[1] + b[1]))
    np.testing.assert_array_equal(gates[2], act("tanh", a[2] + gates[0] * b[2]))
    np.testing.assert_array_equal(hout, gates[2] + gates[1] * (h_prev - gates[2]))


@pytest.mark.parametrize("carried", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", SHAPES)
def test_gru_cell_bwd_matches_numpy(isa, dtype, n, h, carried, rng):
    gi, gh, h_prev, gates, hout = gru_fwd(n, h, dtype, rng)
    dy, dh = rng.standard_normal((n, h)).astype(dtype), rng.standard_normal((n, h)).astype(dtype)
    dgi, dgh, dh_prev = nans((n, 3 * h), dtype), nans((n, 3 * h), dtype), nans((n, h), dtype)
    fn("gru_cell_bwd", dtype)(n, h, rptr(gates), rptr(gh), rptr(h_prev), rptr(dy), rptr(dh) if carried else NULL,
                               wptr(dgi), wptr(dgh), wptr(dh_prev))
    r, z, nn = gates.astype(np.float64)
    ghn = gate_major(gh.astype(np.float64), 3)[2]
    d = dy + (dh.astype(np.float64) if carried else 0)
    dn = d * (1 - z) * (1 - nn * nn)
    dz = d * (h_prev - nn) * z * (1 - z)
    dr = dn * ghn * r * (1 - r)
    close(dgi, np.stack([dr, dz, dn], axis=1).reshape(n, 3 * h), dtype)
    close(dgh, np.stack([dr, dz, dn * r], axis=1).reshape(n, 3 * h), dtype)
    close(dh_prev, d * z, dtype)


@pytest.mark.parametrize("relu", [0, 1])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", SHAPES)
def test_rnn_cell_fwd_matches_numpy_and_is_bitwise_the_activation_kernel(isa, dtype, n, h, relu, rng):
    gi, gh = (rng.standard_normal((n, h)) * 2).astype(dtype), rng.standard_normal((n, h)).astype(dtype)
    pre, hout = nans(n * h, dtype), nans((n, h), dtype)
    fn("rnn_cell_fwd", dtype)(n, h, rptr(gi), rptr(gh), wptr(pre), wptr(hout), relu)
    a = gi.astype(np.float64) + gh
    close(hout, np.maximum(a, 0) if relu else np.tanh(a), dtype)
    np.testing.assert_array_equal(hout, act("relu" if relu else "tanh", gi + gh))


@pytest.mark.parametrize("carried", [False, True])
@pytest.mark.parametrize("relu", [0, 1])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,h", SHAPES)
def test_rnn_cell_bwd_matches_numpy(isa, dtype, n, h, relu, carried, rng):
    hout = rng.standard_normal((n, h)).astype(dtype)
    hout = np.maximum(hout, 0) if relu else np.tanh(hout)
    dy, dh = rng.standard_normal((n, h)).astype(dtype), rng.standard_normal((n, h)).astype(dtype)
    dg = nans((n, h), dtype)
    fn("rnn_cell_bwd", dtype)(n, h, rptr(hout), rptr(dy), rptr(dh) if carried else NULL, wptr(dg), relu)
    d = dy + (dh.astype(np.float64) if carried else 0)
    y = hout.astype(np.float64)
    close(dg, np.where(y > 0, d, 0) if relu else d * (1 - y * y), dtype)
