"""The C kernels of csrc/activation_more.c (silu, mish, elu with selu's and celu's settings,
logsigmoid, softsign, hardtanh, softplus) at every ISA level: float64 closed forms with the edge
values (zeros, kinks, +-inf, NaN, overflow and underflow ranges), NaN-filled outputs, sizes
around the SIMD widths, the same bits for an element wherever it sits and for any thread count,
and torch parity."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad._ffi import lib, rptr, wptr

DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 255, 256, 257, 1029]
EDGES = [0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 0.49, -0.51, 1.0, -1.0, 6.0, 20.0, 20.5, -20.0,
         44.0, 89.0, -89.0, 100.0, -100.0, 800.0, -800.0, np.inf, -np.inf, np.nan]
SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0)
# name -> (kernel, settings)
OPS = {
    "silu": ("silu", ()), "mish": ("mish", ()), "elu": ("elu", (1.0, 1.0, 1.0)), "elu-0.3": ("elu", (0.3, 1.0, 1.0)),
    "selu": ("elu", SELU), "celu-2": ("elu", (2.0, 1.0, 0.5)), "logsigmoid": ("logsigmoid", ()),
    "softsign": ("softsign", ()), "hardtanh": ("hardtanh", (-1.0, 1.0)), "relu6": ("hardtanh", (0.0, 6.0)),
    "softplus": ("softplus", (1.0, 20.0)), "softplus-2-1": ("softplus", (2.0, 1.0)),
    "softplus--0.5": ("softplus", (-0.5, 20.0)),
}
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-13, atol=1e-15)}


def _sig(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def ref(name, x):
    """(y, dy/dx) in float64 by the closed forms (torch's definitions and values at the kinks)"""
    kern, s = OPS[name]
    x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        if kern == "silu":
            sg = 1 / (1 + np.exp(-x))
            return x / (1 + np.exp(-x)), sg * (1 + x * (1 - sg))
        if kern == "mish":
            t = np.tanh(np.logaddexp(0, x))
            return np.where(x > 20, x, x * t), np.where(x > 20, 1.0, t + x * _sig(x) * (1 - t * t))
        if kern == "elu":
            a, sc, ip = s
            y = np.where(x > 0, sc * x, a * sc * np.expm1(x * ip))
            return y, np.where(x > 0, sc, ip * a * sc * np.exp(x * ip))
        if kern == "logsigmoid":
            return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), _sig(-x)
        if kern == "softplus":
            b, th = s
            bx = b * x
            y = np.where(bx > th, x, (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / b)
            return y, np.where(bx > th, 1.0, _sig(bx))
        if kern == "softsign":
            return x / (np.abs(x) + 1), 1 / (np.abs(x) + 1) ** 2
        lo, hi = s
        return np.clip(x, lo, hi), ((x > lo) & (x < hi)) | np.isnan(x)


def run(name, x, dy):
    kern, s = OPS[name]
    t = SUF[x.dtype.type]
    y, dx = np.full_like(x, np.nan), np.full_like(x, np.nan)
    getattr(lib, f"fg_{kern}_fwd_{t}")(x.size, rptr(x), wptr(y), *s)
    getattr(lib, f"fg_{kern}_bwd_{t}")(x.size, rptr(x), rptr(dy), wptr(dx), *s)
    return y, dx


def _inputs(n, dtype, rng):
    x = (rng.standard_normal(n) * 5).astype(dtype)
    if n >= len(EDGES):
        x[rng.choice(n, len(EDGES), replace=False)] = EDGES
    return x


def _close(got, want, dtype, what):
    np.testing.assert_allclose(got.astype(np.float64), want, equal_nan=True, err_msg=what, **TOL[dtype])


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_kernels_match_closed_forms(name, dtype, isa):
    rng = np.random.default_rng(11)
    for n in SIZES:
        x = _inputs(n, dtype, rng)
        dy = rng.standard_normal(n).astype(dtype)
        y, dx = run(name, x, dy)
        want_y, want_d = ref(name, x)
        _close(y, want_y, dtype, f"{name} fwd n={n}")
        with np.errstate(invalid="ignore"):
            _close(dx, dy.astype(np.float64) * want_d, dtype, f"{name} bwd n={n}")


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_kernels_edges(name, dtype, isa):
    x = np.array(EDGES + [-e for e in EDGES], dtype=dtype)
    y, dx = run(name, x, np.ones_like(x))
    want_y, want_d = ref(name, x)
    _close(y, want_y, dtype, f"{name} fwd at the edges")
    _close(dx, want_d.astype(np.float64), dtype, f"{name} bwd at the edges")


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_kernels_same_bits_wherever_an_element_sits(name, dtype, isa):
    """the SIMD body, the masked tail and the block boundaries give an element the same bits"""
    rng = np.random.default_rng(5)
    x = _inputs(700, dtype, rng)
    dy = rng.standard_normal(700).astype(dtype)
    y, dx = run(name, x, dy)
    for start in (1, 3, 7, 255):
        ys, dxs = run(name, x[start:].copy(), dy[start:].copy())
        np.testing.assert_array_equal(ys, y[start:])
        np.testing.assert_array_equal(dxs, dx[start:])
    for i in (0, 9, 699):
        y1, dx1 = run(name, x[i:i + 1].copy(), dy[i:i + 1].copy())
        np.testing.assert_array_equal(y1, y[i:i + 1])
        np.testing.assert_array_equal(dx1, dx[i:i + 1])


@pytest.mark.parametrize("name", ["silu", "hardtanh", "softplus"])
def test_activation_kernels_same_bits_for_any_thread_count(name):
    """large arrays run over the thread pool; the split never changes a result"""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(300_001).astype(np.float32) * 4
    dy = rng.standard_normal(x.size).astype(np.float32)
    kern, s = OPS.get(name, ("softplus", (1.0, 20.0)))
    out = []
    before = fg.get_num_threads()
    try:
        for nt in (1, 2):
            fg.set_num_threads(nt)
            y, dx = np.empty_like(x), np.empty_like(x)
            getattr(lib, f"fg_{kern}_fwd_f32")(x.size, rptr(x), wptr(y), *s)
            getattr(lib, f"fg_{kern}_bwd_f32")(x.size, rptr(x), rptr(dy), wptr(dx), *s)
            out.append((y, dx))
    finally:
        fg.set_num_threads(before)
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])


_TORCH = {"silu": "silu", "mish": "mish", "elu": "elu", "elu-0.3": ("elu", 0.3), "selu": "selu",
          "celu-2": ("celu", 2.0), "logsigmoid": "logsigmoid", "softsign": "softsign", "hardtanh": "hardtanh",
          "relu6": "relu6", "softplus": "softplus", "softplus-2-1": ("softplus", 2.0, 1.0),
          "softplus--0.5": ("softplus", -0.5, 20.0)}


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_kernels_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    spec = _TORCH[name]
    tname, args = (spec, ()) if isinstance(spec, str) else (spec[0], spec[1:])
    x = np.concatenate([np.linspace(-30, 30, 1201), [0.0, -0.0, 1.0, -1.0, 6.0]]).astype(dtype)
    dy = np.random.default_rng(0).standard_normal(x.size).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = getattr(torch.nn.functional, tname)(tx, *args)
    ty.backward(torch.tensor(dy))
    y, dx = run(name, x, dy)
    tol = dict(rtol=4e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(y, ty.detach().numpy(), **tol)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **tol)
