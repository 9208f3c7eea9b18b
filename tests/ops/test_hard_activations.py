"""hardswish and hardsigmoid, end to end: the C kernels (every ISA level, sizes around the SIMD
widths, NaN-filled outputs), the Functions and F.hardswish / F.hardsigmoid (numpy float64,
gradcheck, torch parity bitwise, the boundaries -3 and 3), nn.Hardswish / nn.Hardsigmoid, bad
input.  The op-table cases (tests/opcases_core.py) cover non-contiguous inputs and float32 vs
float64 gradients."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad._ffi import lib, rptr, wptr
from fastgrad.autograd import Function, gradcheck

DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
# 0, 1, and each side of 4 (SSE f32 / AVX f64), 8 (AVX f32), 16 (AVX-512 f32) lanes and their doubles
SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1029]
EDGES = [-3.0, 3.0, -0.0, 0.0, -6.0, 6.0, np.inf, -np.inf, np.nan, 1e-30, -1e30, 1e30]
NAMES = ["hardswish", "hardsigmoid"]


def _edges(dtype):
    """the boundaries, their float neighbours, zeros, infinities and NaN, in ``dtype``"""
    t = dtype
    near = [np.nextafter(t(v), t(d)) for v in (-3.0, 3.0) for d in (-np.inf, np.inf)]
    return np.array(EDGES + near, dtype=dtype)


def ref_fwd(name, x):
    """torch's definition in x's own dtype (the same IEEE operations in the same order as the
    kernel: bitwise its result); NaN propagates through np.clip as through the kernel"""
    t = x.dtype.type
    with np.errstate(invalid="ignore"):
        r = np.clip(x + t(3), t(0), t(6))
        return x * r / t(6) if name == "hardswish" else r / t(6)


def ref_bwd(name, x, dy):
    """torch's derivative times dy in x's dtype: hardswish 0 for x <= -3, dy for x >= 3, else
    dy (x/3 + 1/2) (NaN gives NaN); hardsigmoid dy * float32(1/6) strictly inside (-3, 3), else 0"""
    t = x.dtype.type
    with np.errstate(invalid="ignore"):
        if name == "hardswish":
            mid = dy * (x / t(3) + t(0.5))
            return np.where(x <= -3, t(0), np.where(x >= 3, dy, mid)).astype(x.dtype)
        return np.where((x > -3) & (x < 3), dy * t(np.float32(1.0 / 6.0)), t(0)).astype(x.dtype)


def ref64(name, x):
    """the float64 closed form x relu6(x + 3)/6 or relu6(x + 3)/6"""
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        r = np.minimum(np.maximum(x + 3, 0), 6)
        return x * r / 6 if name == "hardswish" else r / 6


def _kernel(name, way, dtype):
    return getattr(lib, f"fg_{name}_{way}_{SUF[dtype]}")


def _inputs(n, dtype, rng):
    """uniform on (-6, 6) with the edge values at random places when n is large enough"""
    x = rng.uniform(-6, 6, n).astype(dtype)
    e = _edges(dtype)
    if n >= 2 * e.size:
        x[rng.choice(n, e.size, replace=False)] = e
    return x


# ---- the C kernels ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_kernels_match_torch_definition_at_every_isa(isa, name, dtype, n, rng):
    x = _inputs(n, dtype, rng)
    dy = rng.standard_normal(n).astype(dtype)
    y, dx = np.full(n, np.nan, dtype), np.full(n, np.nan, dtype)
    _kernel(name, "fwd", dtype)(n, rptr(x), wptr(y))
    _kernel(name, "bwd", dtype)(n, rptr(x), rptr(dy), wptr(dx))
    np.testing.assert_array_equal(y, ref_fwd(name, x))
    np.testing.assert_array_equal(np.signbit(y), np.signbit(ref_fwd(name, x)))
    np.testing.assert_array_equal(dx, ref_bwd(name, x, dy))
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(y.astype(np.float64), ref64(name, x), equal_nan=True, **tol)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_kernels_write_only_n_elements(name, dtype, rng):
    x = rng.uniform(-6, 6, 40).astype(dtype)
    y, dx = np.full(40, 7.0, dtype), np.full(40, 7.0, dtype)
    _kernel(name, "fwd", dtype)(33, rptr(x), wptr(y))
    _kernel(name, "bwd", dtype)(33, rptr(x), rptr(x), wptr(dx))
    assert (y[33:] == 7).all() and (dx[33:] == 7).all()
    assert not np.isnan(y[:33]).any() and not np.isnan(dx[:33]).any()


# ---- the Tensor level: F.hardswish / F.hardsigmoid ---------------------------------------------

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (1,), (0,), (7,), (17,), (3, 33), (2, 0, 4), (5, 65)])
def test_forward_matches_numpy_float64_every_isa(isa, name, dtype, shape, rng):
    a = rng.uniform(-6, 6, shape)
    y = getattr(F, name)(fg.tensor(a.astype(dtype)))
    assert y.dtype == np.dtype(dtype) and tuple(y.shape) == shape
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(y.numpy().astype(np.float64), ref64(name, a.astype(dtype)), **tol)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(), (1,), (9,), (4, 17)])
def test_backward_matches_gradcheck(name, shape, rng):
    a = rng.uniform(-6, 6, shape)
    near = np.abs(np.abs(a) - 3) < 0.05  # central differences stay on one side of a kink
    a[near] += 0.2
    x = fg.tensor(a, requires_grad=True)
    assert gradcheck(getattr(F, name), [x])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 9, 64, 1029])
def test_forward_and_backward_match_torch_bitwise(name, dtype, n, rng):
    """values and gradients equal torch's bit for bit, the boundaries -3 and 3 included (NaN: see
    test_nan_follows_torchs_vectorised_loop)"""
    torch = pytest.importorskip("torch")
    x0 = _inputs(n, dtype, rng)
    x0 = x0[~np.isnan(x0)]
    dy = rng.standard_normal(x0.size).astype(dtype)
    x = fg.tensor(x0, requires_grad=True)
    y = getattr(F, name)(x)
    y.backward(fg.tensor(dy))
    tx = torch.tensor(x0, requires_grad=True)
    ty = getattr(torch.nn.functional, name)(tx)
    ty.backward(torch.tensor(dy))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_boundaries_take_torchs_values(dtype):
    """hardswish' is 0 at -3 and 1 at 3 (torch), hardsigmoid' is 0 at both; values are continuous"""
    x = fg.tensor(np.array([-3.0, 3.0, -3.5, 3.5, 0.0, 1.5], dtype), requires_grad=True)
    y = F.hardswish(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.array([0, 3, 0, 3.5, 0, 1.125], dtype))
    np.testing.assert_array_equal(x.grad.numpy(), np.array([0, 1, 0, 1, 0.5, 1.0], dtype))
    x.grad = None
    y = F.hardsigmoid(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.array([0, 1, 0, 1, 0.5, 0.75], dtype))
    sixth = dtype(np.float32(1.0 / 6.0))
    np.testing.assert_array_equal(x.grad.numpy(), np.array([0, 0, 0, 0, sixth, sixth], dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_follows_torchs_vectorised_loop(dtype):
    """NaN in gives NaN out; hardswish' of NaN is NaN (torch's vectorised loop; its scalar tail
    gives dy), hardsigmoid' of NaN is 0; -inf gives hardswish NaN (-inf * 0), as torch"""
    x = fg.tensor(np.array([np.nan, -np.inf, np.inf], dtype), requires_grad=True)
    y = F.hardswish(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.array([np.nan, np.nan, np.inf], dtype))
    np.testing.assert_array_equal(x.grad.numpy(), np.array([np.nan, 0, 1], dtype))
    x.grad = None
    y = F.hardsigmoid(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.array([np.nan, 0, 1], dtype))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3, dtype))


@pytest.mark.parametrize("name", NAMES)
def test_noncontiguous_input_and_gradient(name, rng):
    a = rng.uniform(-6, 6, (6, 10))
    x = fg.tensor(a, requires_grad=True)
    y = getattr(F, name)(x.T)  # a transposed view
    g = rng.standard_normal((6, 10))
    y.backward(fg.tensor(g).T)  # and a transposed gradient
    np.testing.assert_array_equal(y.detach().numpy(), ref_fwd(name, a.T.copy()))
    np.testing.assert_array_equal(x.grad.numpy(), ref_bwd(name, a.T.copy(), g.T.copy()).T)


@pytest.mark.parametrize("name", NAMES)
def test_grad_fn_name_and_no_grad(name):
    x = fg.tensor([1.0, -4.0], requires_grad=True)
    fn = getattr(F, name)
    assert fn(x).grad_fn.name() == ("HardswishBackward" if name == "hardswish" else "HardsigmoidBackward")
    with fg.no_grad():
        assert fn(x).grad_fn is None
    assert fn(fg.tensor([1.0])).requires_grad is False


@pytest.mark.parametrize("name", NAMES)
def test_bad_gradient_from_a_custom_function_is_validated(name):
    """a float64 gradient from a user-defined backward reaches the float32 kernel cast (the engine's
    check), never as reinterpreted bytes"""

    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return fg.tensor(g.numpy().astype(np.float64) * 2)

    a = np.array([-4.0, -1.0, 0.5, 2.0, 4.0], np.float32)
    x = fg.tensor(a, requires_grad=True)
    Twice.apply(getattr(F, name)(x)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), ref_bwd(name, a, np.full(5, 2, np.float32)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad,kind,match", [
    (lambda: fg.tensor([1, 2, 3]), TypeError, r"{name}: expected a floating-point tensor, got fastgrad.int64"),
    (lambda: [1.0, 2.0], TypeError, r"{name}: expected a Tensor, got list"),
])
def test_bad_input_names_the_op(name, bad, kind, match):
    with pytest.raises(kind, match=match.format(name=name)):
        getattr(F, name)(bad())


# ---- nn modules --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,cls", [("hardswish", "Hardswish"), ("hardsigmoid", "Hardsigmoid")])
def test_modules_match_functional_and_torch(name, cls, rng):
    torch = pytest.importorskip("torch")
    m, tm = getattr(nn, cls)(), getattr(torch.nn, cls)()
    assert repr(m) == repr(tm) and m.inplace is False
    assert getattr(nn, cls)(inplace=True).inplace is True
    a = rng.uniform(-6, 6, (4, 5))
    np.testing.assert_array_equal(m(fg.tensor(a)).numpy(), getattr(F, name)(fg.tensor(a)).numpy())
    np.testing.assert_array_equal(m(fg.tensor(a)).numpy(), tm(torch.tensor(a)).numpy())


def test_sequential_with_hardswish_trains_as_torch(rng):
    """Linear -> Hardswish -> Linear -> Hardsigmoid: loss and every parameter gradient as torch's"""
    torch = pytest.importorskip("torch")
    fg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.Hardswish(), nn.Linear(8, 3), nn.Hardsigmoid())
    tmodel = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Hardswish(), torch.nn.Linear(8, 3),
                                 torch.nn.Hardsigmoid()).double()
    model.double()
    with torch.no_grad():
        for p, tp in zip(model.parameters(), tmodel.parameters()):
            tp.copy_(torch.from_numpy(p.detach().numpy()))
    x = rng.standard_normal((5, 6)) * 3
    t = rng.uniform(0, 1, (5, 3))
    loss = F.mse_loss(model(fg.tensor(x)), fg.tensor(t))
    loss.backward()
    tloss = torch.nn.functional.mse_loss(tmodel(torch.tensor(x)), torch.tensor(t))
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-14)
