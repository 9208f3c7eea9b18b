"""Property tests (hypothesis): every op family against numpy float64 and gradcheck, over random
shapes (0-size, size-1, broadcast dims), random layouts (transposed, sliced, reversed, read-only
inputs) and both dtypes; and a random-graph test composing 3-12 random ops whose output and input
gradients are checked against a float64 numpy evaluation and its central differences (and
against torch when installed).

Settings are bounded (``max_examples``, ``derandomize=True`` so CI is reproducible); the file
runs in well under 90 s on 2 cores.  ``FASTGRAD_HYPOTHESIS_EXAMPLES=500`` runs a longer search.
"""
import math
import os

import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import fastgrad as fg  # noqa: E402
import fastgrad.functional as F  # noqa: E402
from fastgrad.autograd import gradcheck  # noqa: E402

N = int(os.environ.get("FASTGRAD_HYPOTHESIS_EXAMPLES", "0"))


def bounded(n):
    return settings(max_examples=N or n, deadline=None, derandomize=not N, database=None,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


DTYPES = st.sampled_from([np.float32, np.float64])
LAYOUTS = st.sampled_from(["contiguous", "transposed", "sliced", "reversed", "readonly"])
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}
GRADCHECK_MAX = 40  # elements per gradcheck (finite differences cost 2 forwards per element)


def _need(*names):
    for n in names:
        if not hasattr(F, n):
            pytest.skip(f"fastgrad.functional.{n} not available yet")


def layout(a, kind):
    """The same values as ``a`` in a different memory layout (strides), as a fresh array."""
    if a.ndim == 0 or kind == "contiguous":
        return a.copy()
    if kind == "transposed":
        return np.ascontiguousarray(a.T).T
    if kind == "sliced":
        big = np.zeros(a.shape[:-1] + (a.shape[-1] * 2,), a.dtype)
        big[..., ::2] = a
        return big[..., ::2]
    if kind == "reversed":
        return np.ascontiguousarray(a[..., ::-1])[..., ::-1]
    out = a.copy()
    out.flags.writeable = False
    return out


def tensors(arrays, dtype, kinds=None, requires_grad=True):
    out = []
    for i, a in enumerate(arrays):
        arr = layout(np.asarray(a, dtype), kinds[i % len(kinds)] if kinds else "contiguous")
        if any(st < 0 for st in arr.strides):  # from_numpy refuses negative strides, as torch
            t = fg.tensor(arr)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's warning for a non-writable array
                t = fg.from_numpy(arr)
        if requires_grad:
            t.requires_grad_(True)
        out.append(t)
    return out


def check(fn, ref, arrays, dtype, kinds, grad=True, tol=None, gtol=None):
    """fn(tensors in ``kinds`` layouts, ``dtype``) vs ref(float64 arrays); gradients vs the float64
    contiguous gradient, which is itself gradchecked when small."""
    arrays = [np.asarray(a, np.float64) for a in arrays]
    tol = tol or TOL[dtype]
    ts = tensors(arrays, dtype, kinds, grad)
    out = fn(*ts)
    expected = np.asarray(ref(*arrays), np.float64)
    assert out.dtype == np.dtype(dtype), f"output dtype {out.dtype}, expected {np.dtype(dtype)}"
    assert tuple(out.shape) == expected.shape, f"shape {tuple(out.shape)}, expected {expected.shape}"
    np.testing.assert_allclose(out.detach().numpy().astype(np.float64), expected, **tol)
    if not grad or not out.requires_grad:
        return
    cot = np.random.default_rng(len(arrays)).standard_normal(expected.shape)
    out.backward(fg.tensor(cot.astype(dtype)))
    t64 = tensors(arrays, np.float64)
    out64 = fn(*t64)
    out64.backward(fg.tensor(cot))
    for t, u in zip(ts, t64):
        g = None if t.grad is None else t.grad.numpy().astype(np.float64)
        g64 = None if u.grad is None else u.grad.numpy()
        if g64 is None:
            assert g is None or not np.any(g)
            continue
        assert g is not None and g.shape == t.shape
        np.testing.assert_allclose(g, g64, **(gtol or (TOL[dtype] if dtype == np.float64 else
                                                        dict(rtol=1e-3, atol=1e-4))))
    if sum(a.size for a in arrays) <= GRADCHECK_MAX:
        assert gradcheck(fn, tensors(arrays, np.float64), atol=1e-6, rtol=1e-4)


def values(shape, lo=-2.0, hi=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, width=64))


def away(a, points=(0.0,), gap=1e-2):
    """Push values off kinks so float32 and finite differences stay on one side."""
    a = np.array(a, np.float64)
    for p in points:
        near = np.abs(a - p) < gap
        a[near] = p + np.where(a[near] >= p, gap, -gap) * 2
    return a


SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


# -- unary elementwise and activations ----------------------------------------------------------
def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


UNARY = {
    # name: (fastgrad fn, numpy fn, domain map applied to raw values)
    "neg": (lambda x: -x, np.negative, None),
    "exp": (fg.exp, np.exp, None),
    "log": (fg.log, np.log, lambda a: np.abs(a) + 0.2),
    "sqrt": (fg.sqrt, np.sqrt, lambda a: np.abs(a) + 0.2),
    "rsqrt": (fg.rsqrt, lambda a: 1 / np.sqrt(a), lambda a: np.abs(a) + 0.2),
    "abs": (fg.abs, np.abs, away),
    "square": (fg.square, np.square, None),
    "reciprocal": (fg.reciprocal, np.reciprocal, lambda a: away(a, gap=0.3)),
    "log1p": (fg.log1p, np.log1p, lambda a: np.abs(a)),
    "relu": (F.relu, lambda a: np.maximum(a, 0), away),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda a: np.where(a > 0, a, 0.2 * a), away),
    "sigmoid": (F.sigmoid, lambda a: 1 / (1 + np.exp(-a)), None),
    "tanh": (F.tanh, np.tanh, None),
    "gelu": (F.gelu, lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2))), None),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3))), None),
    "softplus": (F.softplus, lambda a: np.log1p(np.exp(a)), None),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), lambda a: away(a, (-0.5, 0.7))),
    "pow_scalar_3": (lambda x: x ** 3, lambda a: a ** 3, None),
    "pow_scalar_-1.5": (lambda x: x ** -1.5, lambda a: a ** -1.5, lambda a: np.abs(a) + 0.3),
    "rpow": (lambda x: 1.7 ** x, lambda a: 1.7 ** a, None),
    "rsub": (lambda x: 2.0 - x, lambda a: 2.0 - a, None),
    "scalar_mul": (lambda x: x * -3.5, lambda a: a * -3.5, None),
    "clone": (lambda x: x.clone(), lambda a: a.copy(), None),
    "to_dtype_roundtrip": (lambda x: x.double().to(x.dtype) * 1.0, lambda a: a, None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@bounded(25)
@given(data=st.data(), dtype=DTYPES, kind=LAYOUTS)
def test_unary_forward_backward_property(name, data, dtype, kind):
    fn, ref, domain = UNARY[name]
    a = data.draw(values(data.draw(SHAPES)))
    if domain is not None:
        a = domain(a)
    tol = dict(rtol=1e-3, atol=1e-5) if dtype == np.float32 and name in ("pow_scalar_-1.5", "rpow", "exp") else None
    check(fn, ref, [a], dtype, [kind], tol=tol)


# -- binary ops with broadcasting ------------------------------------------------------------------
BINARY = {
    "add": (lambda a, b: a + b, np.add, None),
    "sub": (lambda a, b: a - b, np.subtract, None),
    "mul": (lambda a, b: a * b, np.multiply, None),
    "div": (lambda a, b: a / b, np.divide, lambda a, b: (a, away(b, gap=0.3))),
    "pow": (lambda a, b: a ** b, np.power, lambda a, b: (np.abs(a) + 0.3, b)),
    "maximum": (fg.maximum, np.maximum, None),
    "minimum": (fg.minimum, np.minimum, None),
    "where": (lambda a, b: fg.where(a > b, a, b * 2), lambda a, b: np.where(a > b, a, b * 2), None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@bounded(40)
@given(data=st.data(), dtype=DTYPES, kinds=st.tuples(LAYOUTS, LAYOUTS))
def test_binary_broadcast_forward_backward_property(name, data, dtype, kinds):
    fn, ref, domain = BINARY[name]
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
    a = data.draw(values(shapes.input_shapes[0]))
    b = data.draw(values(shapes.input_shapes[1]))
    if name in ("maximum", "minimum", "where"):  # ties split the gradient: covered in test_numerics
        aa, bb = np.broadcast_arrays(a, b)
        assume(not np.any(np.abs(aa - bb) < 1e-2))
    if domain is not None:
        a, b = domain(a, b)
    check(fn, ref, [a, b], dtype, list(kinds))


@bounded(25)
@given(data=st.data(), dtype=DTYPES)
def test_binary_scalar_operands_keep_tensor_dtype(data, dtype):
    a = data.draw(values(data.draw(SHAPES)))
    s = data.draw(st.floats(-3, 3, allow_nan=False))
    t = fg.tensor(a.astype(dtype))
    for y, r in [(t + s, a + s), (s - t, s - a), (t * s, a * s), (t / (abs(s) + 1), a / (abs(s) + 1))]:
        assert y.dtype == np.dtype(dtype)
        np.testing.assert_allclose(y.numpy().astype(np.float64), r, **TOL[dtype])


# -- reductions ------------------------------------------------------------------------------------
def _dims(data, ndim, allow_none=True):
    choice = data.draw(st.sampled_from(["none", "one", "many"] if allow_none and ndim else ["one", "many"]
                                       if ndim else ["none"]))
    if choice == "none":
        return None
    if choice == "one":
        return data.draw(st.integers(-ndim, ndim - 1))
    return tuple(sorted(data.draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=ndim))))


def _np_var(a, dim, keepdim, correction):
    axis = None if dim is None else dim
    n = a.size if axis is None else np.prod([a.shape[d] for d in np.atleast_1d(axis)])
    with np.errstate(all="ignore"):
        return a.var(axis=axis, keepdims=keepdim) * n / (n - correction)


def _distinct(data, shape):
    """Values at least 0.1 apart (a drawn permutation), so max/min never tie."""
    n = math.prod(shape)
    return (np.array(data.draw(st.permutations(range(n))), np.float64).reshape(shape) - n / 2) * 0.1


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "max_dim", "min_dim", "softmax",
                                  "log_softmax"])
@bounded(50)
@given(data=st.data(), dtype=DTYPES, kind=LAYOUTS)
def test_reduction_forward_backward_property(name, data, dtype, kind):
    shape = data.draw(SHAPES)
    nd = len(shape)
    keepdim = data.draw(st.booleans())
    a = data.draw(values(shape))
    if name in ("sum", "mean"):
        dim = _dims(data, nd)
        if name == "mean" and (math.prod(shape) == 0 or (dim is not None and math.prod(
                shape[d] for d in np.atleast_1d(dim)) == 0)):
            return  # mean over nothing is NaN (test_numerics)
        fn = lambda x: getattr(x, name)(dim, keepdim)  # noqa: E731
        ref = lambda x: np.asarray(getattr(np, name)(x, axis=dim, keepdims=keepdim))  # noqa: E731
    elif name in ("amax", "amin"):
        dim = _dims(data, nd, allow_none=False) if nd else ()
        axes = tuple(range(nd)) if dim == () else dim
        if math.prod(shape) == 0:
            return
        a = _distinct(data, shape)  # no ties: tie splitting is in test_numerics
        fn = lambda x: getattr(x, name)(dim, keepdim)  # noqa: E731
        ref = lambda x: np.asarray(getattr(np, name[1:])(x, axis=axes, keepdims=keepdim))  # noqa: E731
    elif name in ("max_dim", "min_dim"):
        if nd == 0 or 0 in shape:
            return
        dim = data.draw(st.integers(-nd, nd - 1))
        a = _distinct(data, shape)
        op = name[:3]
        fn = lambda x: getattr(x, op)(dim, keepdim)[0]  # noqa: E731
        ref = lambda x: np.asarray(getattr(np, op)(x, axis=dim, keepdims=keepdim))  # noqa: E731
    elif name == "var":
        dim = _dims(data, nd)
        correction = data.draw(st.sampled_from([0, 1]))
        n = math.prod(shape) if dim is None else math.prod(shape[d] for d in np.atleast_1d(dim))
        if n - correction <= 0:
            return
        fn = lambda x: x.var(dim, keepdim=keepdim, correction=correction)  # noqa: E731
        ref = lambda x: np.asarray(_np_var(x, dim, keepdim, correction))  # noqa: E731
    else:
        dim = data.draw(st.integers(-nd, nd - 1)) if nd else 0
        fn = lambda x: getattr(F, name)(x, dim)  # noqa: E731

        def ref(x):
            if x.ndim == 0:
                return np.asarray(1.0 if name == "softmax" else 0.0)
            m = x.max(axis=dim, keepdims=True, initial=-np.inf)
            e = np.exp(x - m)
            s = e.sum(axis=dim, keepdims=True)
            return e / s if name == "softmax" else x - m - np.log(s)
    check(fn, ref, [a], dtype, [kind])


# -- shape ops ---------------------------------------------------------------------------------------
@bounded(100)
@given(data=st.data(), dtype=DTYPES, kind=LAYOUTS)
def test_shape_ops_forward_backward_property(data, dtype, kind):
    _need("reshape", "permute", "cat")
    shape = data.draw(SHAPES)
    nd = len(shape)
    a = data.draw(values(shape))
    op = data.draw(st.sampled_from(["reshape", "flatten", "permute", "transpose", "unsqueeze", "squeeze", "expand",
                                    "getitem", "cat", "stack", "split", "repeat"]))
    if op == "reshape":
        new = tuple(reversed(shape)) if data.draw(st.booleans()) else (-1,)
        fn, ref = (lambda x: x.reshape(new)), (lambda x: x.reshape(new))
    elif op == "flatten":
        fn, ref = (lambda x: x.flatten()), (lambda x: x.reshape(-1))
    elif op == "permute":
        perm = tuple(data.draw(st.permutations(range(nd))))
        fn, ref = (lambda x: x.permute(perm)), (lambda x: x.transpose(perm))
    elif op == "transpose":
        if nd < 2:
            return
        d0, d1 = data.draw(st.integers(0, nd - 1)), data.draw(st.integers(0, nd - 1))
        fn, ref = (lambda x: x.transpose(d0, d1)), (lambda x: np.swapaxes(x, d0, d1))
    elif op == "unsqueeze":
        d = data.draw(st.integers(-nd - 1, nd))
        fn, ref = (lambda x: x.unsqueeze(d)), (lambda x: np.expand_dims(x, d))
    elif op == "squeeze":
        fn, ref = (lambda x: x.squeeze()), (lambda x: np.squeeze(x))
    elif op == "expand":
        new = tuple(data.draw(st.integers(0, 3)) if s == 1 else s for s in shape)
        lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
        fn, ref = (lambda x: x.expand(lead + new)), (lambda x: np.broadcast_to(x, lead + new))
    elif op == "getitem":
        if nd == 0:
            return
        idx = tuple(slice(data.draw(st.integers(0, max(s, 1))), None, data.draw(st.integers(1, 3))) for s in shape)
        fn, ref = (lambda x: x[idx]), (lambda x: x[idx])
    elif op in ("cat", "stack"):
        if op == "cat" and nd == 0:
            return
        d = data.draw(st.integers(0, nd - (op == "cat")))
        b = data.draw(values(shape))
        fn = lambda x, y: getattr(fg, op)([x, y * 2.0, x], d)  # noqa: E731
        ref = lambda x, y: getattr(np, "concatenate" if op == "cat" else "stack")([x, y * 2.0, x], d)  # noqa: E731
        check(fn, ref, [a, b], dtype, [kind, "contiguous"])
        return
    elif op == "split":
        if nd == 0:
            return
        d = data.draw(st.integers(0, nd - 1))
        k = data.draw(st.integers(1, 3))
        fn = lambda x: fg.cat([p * (i + 1) for i, p in enumerate(x.split(k, d))], d)  # noqa: E731
        ref = lambda x: np.concatenate([p * (i + 1) for i, p in enumerate(  # noqa: E731
            np.split(x, range(k, x.shape[d], k), axis=d))], d) if x.shape[d] else x
    else:
        reps = tuple(data.draw(st.integers(0, 2)) for _ in range(nd + data.draw(st.integers(0, 1))))
        fn, ref = (lambda x: x.repeat(reps)), (lambda x: np.tile(x, reps))
    check(fn, ref, [a], dtype, [kind])


@bounded(40)
@given(data=st.data(), dtype=DTYPES, kind=LAYOUTS)
def test_gather_and_masked_fill_property(data, dtype, kind):
    _need("gather", "masked_fill")
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    a = data.draw(values(shape))
    d = data.draw(st.integers(0, len(shape) - 1))
    idx_shape = tuple(data.draw(st.integers(0, 4)) if i == d else s for i, s in enumerate(shape))
    idx = np.random.default_rng(data.draw(st.integers(0, 99))).integers(0, shape[d], idx_shape)
    check(lambda x: F.gather(x, d, fg.tensor(idx)), lambda x: np.take_along_axis(x, idx, d), [a], dtype, [kind])
    mask = a > 0.3
    check(lambda x: x.masked_fill(fg.tensor(mask), -1.5), lambda x: np.where(mask, -1.5, x), [a], dtype, [kind])


# -- matmul and linear --------------------------------------------------------------------------------
@bounded(80)
@given(data=st.data(), dtype=DTYPES, kinds=st.tuples(LAYOUTS, LAYOUTS))
def test_matmul_forward_backward_property(data, dtype, kinds):
    _need("matmul")
    m, k, n = (data.draw(st.integers(0, 5)) for _ in range(3))
    form = data.draw(st.sampled_from(["mm", "mv", "vm", "vv", "batched", "broadcast"]))
    batch = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    sa, sb = {"mm": ((m, k), (k, n)), "mv": ((m, k), (k,)), "vm": ((k,), (k, n)), "vv": ((k,), (k,)),
              "batched": (batch + (m, k), batch + (k, n)),
              "broadcast": (batch + (m, k), (k, n)) if data.draw(st.booleans())
              else ((1,) + (m, k), batch + (k, n))}[form]
    if 0 in (m, k, n) and form in ("batched", "broadcast") and math.prod(batch) == 1:
        return  # a known bug: test_matmul_empty_with_single_batch
    a, b = data.draw(values(sa)), data.draw(values(sb))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else None
    check(lambda x, y: x @ y, np.matmul, [a, b], dtype, list(kinds), tol=tol)


@pytest.mark.parametrize("sa, sb", [((1, 0, 0), (1, 0, 0)), ((1, 2, 0), (0, 3))])
def test_matmul_empty_with_single_batch(sa, sb):
    _need("matmul")
    a, b = fg.randn(*sa, requires_grad=True), fg.randn(*sb, requires_grad=True)
    y = a @ b
    y.sum().backward()
    assert tuple(y.shape) == np.matmul(np.zeros(sa), np.zeros(sb)).shape
    assert not y.detach().numpy().any() and tuple(a.grad.shape) == sa


@bounded(50)
@given(data=st.data(), dtype=DTYPES, kinds=st.tuples(LAYOUTS, LAYOUTS, LAYOUTS), bias=st.booleans())
def test_linear_forward_backward_property(data, dtype, kinds, bias):
    _need("linear")
    lead = tuple(data.draw(st.lists(st.integers(0, 4), min_size=0, max_size=2)))
    k, n = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    x, w = data.draw(values(lead + (k,))), data.draw(values((n, k)))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else None
    if bias:
        b = data.draw(values((n,)))
        check(lambda x, w, b: F.linear(x, w, b), lambda x, w, b: x @ w.T + b, [x, w, b], dtype, list(kinds), tol=tol)
    else:
        check(lambda x, w: F.linear(x, w), lambda x, w: x @ w.T, [x, w], dtype, list(kinds[:2]), tol=tol)


# -- losses ---------------------------------------------------------------------------------------------
def _red(v, reduction, denom=None):
    if reduction == "none":
        return v
    s = v.sum()
    return np.asarray(s if reduction == "sum" else s / (v.size if denom is None else denom))


def _np_log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@bounded(80)
@given(data=st.data(), dtype=DTYPES, kinds=st.tuples(LAYOUTS, LAYOUTS),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_pointwise_losses_property(data, dtype, kinds, reduction):
    _need("mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")
    name = data.draw(st.sampled_from(["mse", "l1", "smooth_l1", "huber", "bce", "bce_logits"]))
    zero_d_ok = not (name == "mse" and reduction == "none")  # see test_mse_loss_0d_reduction_none
    shape = data.draw(hnp.array_shapes(min_dims=0 if zero_d_ok else 1, max_dims=3, min_side=1, max_side=4))
    x, t = data.draw(values(shape)), data.draw(values(shape))
    d = x - t
    if name in ("l1", "smooth_l1", "huber"):
        x = t + away(d, (0.0, 1.0, -1.0))  # kinks of |d| and of the Huber switch
    if name == "mse":
        fn, ref = (lambda x, t: F.mse_loss(x, t, reduction=reduction)), (lambda x, t: _red((x - t) ** 2, reduction))
    elif name == "l1":
        fn, ref = (lambda x, t: F.l1_loss(x, t, reduction=reduction)), (lambda x, t: _red(np.abs(x - t), reduction))
    elif name in ("smooth_l1", "huber"):
        def ref(x, t):
            e = np.abs(x - t)
            v = np.where(e < 1.0, 0.5 * e ** 2, e - 0.5)
            return _red(v, reduction)
        fn = (lambda x, t: F.smooth_l1_loss(x, t, reduction=reduction)) if name == "smooth_l1" else \
            (lambda x, t: F.huber_loss(x, t, reduction=reduction))
    elif name == "bce":
        x = 1 / (1 + np.exp(-x))
        t = 0.01 + 0.98 * (t + 2) / 4  # in [0.01, 0.99]: finite differences stay inside [0, 1], which
        # binary_cross_entropy checks (torch's RuntimeError outside it)
        fn = lambda x, t: F.binary_cross_entropy(x, t, reduction=reduction)  # noqa: E731
        ref = lambda x, t: _red(-(t * np.log(x) + (1 - t) * np.log(1 - x)), reduction)  # noqa: E731
    else:
        t = (t + 2) / 4
        fn = lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction)  # noqa: E731
        ref = lambda x, t: _red(np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))), reduction)  # noqa: E731
    check(fn, ref, [x, t], dtype, list(kinds))


def test_mse_loss_0d_reduction_none():
    _need("mse_loss")
    x = fg.tensor(0.5, requires_grad=True)
    y = F.mse_loss(x, fg.tensor(0.1), reduction="none")
    y.backward()
    assert y.item() == pytest.approx(0.16) and x.grad.item() == pytest.approx(0.8)


@bounded(80)
@given(data=st.data(), dtype=DTYPES, kind=LAYOUTS, reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_property(data, dtype, kind, reduction):
    _need("cross_entropy", "nll_loss")
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    x = data.draw(values((n, c), -5, 5))
    target = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    ls = data.draw(st.sampled_from([0.0, 0.0, 0.2]))
    use_weight = data.draw(st.booleans())
    w = np.array(data.draw(st.lists(st.floats(0.1, 2.0), min_size=c, max_size=c))) if use_weight else np.ones(c)
    ignore = data.draw(st.sampled_from([-100, int(target[0])]))
    keep = target != ignore
    if reduction == "mean" and not keep.any():
        return  # 0/0: NaN (as torch), covered in test_numerics

    def ref(x):
        logp = _np_log_softmax(x)
        nll = -(w[target] * logp[np.arange(n), target])
        smooth = -(logp * w).sum(1) / c
        loss = np.where(keep, (1 - ls) * nll + ls * smooth, 0.0)
        return _red(loss, reduction, denom=w[target][keep].sum())

    def fn(x):
        kw = dict(reduction=reduction, ignore_index=ignore)
        if use_weight:
            kw["weight"] = fg.tensor(w.astype(x.dtype))
        if ls:
            kw["label_smoothing"] = ls
        return F.cross_entropy(x, fg.tensor(target), **kw)

    check(fn, ref, [x], dtype, [kind])
    if ls == 0.0:  # nll_loss on log_softmax is the same function
        check(lambda x: F.nll_loss(F.log_softmax(x, 1), fg.tensor(target), reduction=reduction, ignore_index=ignore,
                                   weight=fg.tensor(w.astype(x.dtype)) if use_weight else None),
              ref, [x], dtype, [kind])


# -- random graphs -----------------------------------------------------------------------------------------
# Each op: (arity, applicable(shapes) -> bool, fastgrad fn, numpy fn, torch fn-or-None).  Ops are bounded
# (outputs stay O(1)) so a chain of 12 never overflows, and smooth away from measure-zero kinks.
def _t_or(torch, f):
    return f if torch is not None else None


def _graph_ops():
    def same_or_bcast(sa, sb):
        try:
            np.broadcast_shapes(sa, sb)
            return True
        except ValueError:
            return False

    ops = {
        "tanh": (1, lambda s: True, F.tanh, np.tanh, lambda T: T.tanh),
        "sigmoid": (1, lambda s: True, F.sigmoid, lambda a: 1 / (1 + np.exp(-a)), lambda T: T.sigmoid),
        "softplus": (1, lambda s: True, F.softplus, lambda a: np.log1p(np.exp(a)), lambda T: T.nn.functional.softplus),
        "gelu": (1, lambda s: True, F.gelu, lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2))),
                 lambda T: T.nn.functional.gelu),
        "relu": (1, lambda s: True, F.relu, lambda a: np.maximum(a, 0), lambda T: T.relu),
        "neg": (1, lambda s: True, lambda x: -x, np.negative, lambda T: (lambda x: -x)),
        "exp_tanh": (1, lambda s: True, lambda x: fg.exp(F.tanh(x)), lambda a: np.exp(np.tanh(a)),
                     lambda T: (lambda x: T.exp(T.tanh(x)))),
        "log_1p_sq": (1, lambda s: True, lambda x: fg.log(x * x + 1.0), lambda a: np.log(a * a + 1),
                      lambda T: (lambda x: T.log(x * x + 1.0))),
        "sqrt_sq": (1, lambda s: True, lambda x: fg.sqrt(x * x + 0.5), lambda a: np.sqrt(a * a + 0.5),
                    lambda T: (lambda x: T.sqrt(x * x + 0.5))),
        "pow_sq": (1, lambda s: True, lambda x: (x * 0.5) ** 2, lambda a: (a * 0.5) ** 2,
                   lambda T: (lambda x: (x * 0.5) ** 2)),
        "clamp": (1, lambda s: True, lambda x: x.clamp(-1.0, 1.0), lambda a: np.clip(a, -1, 1),
                  lambda T: (lambda x: x.clamp(-1.0, 1.0))),
        "sum_keep": (1, lambda s: len(s) >= 1, lambda x: x.sum(-1, keepdim=True) * 0.3,
                     lambda a: a.sum(-1, keepdims=True) * 0.3, lambda T: (lambda x: x.sum(-1, keepdim=True) * 0.3)),
        "mean0": (1, lambda s: len(s) >= 1 and s[0] > 0, lambda x: x.mean(0), lambda a: a.mean(0),
                  lambda T: (lambda x: x.mean(0))),
        "softmax": (1, lambda s: len(s) >= 1, lambda x: F.softmax(x, -1), lambda a: np.exp(a - a.max(-1, keepdims=True))
                    / np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True),
                    lambda T: (lambda x: T.softmax(x, -1))),
        "log_softmax": (1, lambda s: len(s) >= 1, lambda x: F.log_softmax(x, -1) * 0.2,
                        lambda a: (a - a.max(-1, keepdims=True) - np.log(np.exp(a - a.max(-1, keepdims=True)).sum(
                            -1, keepdims=True))) * 0.2, lambda T: (lambda x: T.log_softmax(x, -1) * 0.2)),
        "transpose": (1, lambda s: len(s) == 2, lambda x: x.t(), lambda a: a.T, lambda T: (lambda x: x.t())),
        "flatten": (1, lambda s: len(s) >= 2, lambda x: x.reshape(-1), lambda a: a.reshape(-1),
                    lambda T: (lambda x: x.reshape(-1))),
        "unsqueeze": (1, lambda s: len(s) <= 2, lambda x: x.unsqueeze(0), lambda a: a[None],
                      lambda T: (lambda x: x.unsqueeze(0))),
        "slice": (1, lambda s: len(s) >= 1 and s[0] > 1, lambda x: x[1:], lambda a: a[1:], lambda T: (lambda x: x[1:])),
        "add": (2, same_or_bcast, lambda a, b: a + b, np.add, lambda T: (lambda a, b: a + b)),
        "sub": (2, same_or_bcast, lambda a, b: a - b, np.subtract, lambda T: (lambda a, b: a - b)),
        "mul": (2, same_or_bcast, lambda a, b: F.tanh(a * b), lambda a, b: np.tanh(a * b),
                lambda T: (lambda a, b: T.tanh(a * b))),
        "div": (2, same_or_bcast, lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1),
                lambda T: (lambda a, b: a / (b * b + 1.0))),
        "maximum": (2, same_or_bcast, fg.maximum, np.maximum, lambda T: T.maximum),
        "minimum": (2, same_or_bcast, fg.minimum, np.minimum, lambda T: T.minimum),
        "where": (2, same_or_bcast, lambda a, b: fg.where(a > b, a, b * 0.5), lambda a, b: np.where(a > b, a, b * 0.5),
                  lambda T: (lambda a, b: T.where(a > b, a, b * 0.5))),
    }
    if hasattr(F, "matmul"):
        ops["matmul"] = (2, lambda sa, sb: len(sa) == 2 and len(sb) == 2 and sa[1] == sb[1],
                         lambda a, b: (a @ b.t()) * 0.3, lambda a, b: (a @ b.T) * 0.3,
                         lambda T: (lambda a, b: (a @ b.t()) * 0.3))
    return ops


GRAPH_OPS = _graph_ops()


def _build_graph(seed, n_ops, n_inputs, shape):
    """A random program: a list of (op name, argument indices) over a growing pool of values."""
    rng = np.random.default_rng(seed)
    shapes = [shape] * n_inputs
    if n_inputs > 1 and rng.random() < 0.5:  # a broadcast input
        shapes[-1] = (1,) + shape[1:] if len(shape) >= 1 else shape
    prog = []
    names = sorted(GRAPH_OPS)
    while len(prog) < n_ops:
        name = names[rng.integers(len(names))]
        arity, ok, f, ref, _ = GRAPH_OPS[name]
        # prefer recent values so the graph is deep, not a flat fan-out of inputs
        picks = [int(len(shapes) - 1 - min(rng.geometric(0.5) - 1, len(shapes) - 1)) for _ in range(arity)]
        if not ok(*[shapes[i] for i in picks]):
            continue
        out_shape = np.asarray(ref(*[np.zeros(shapes[i]) for i in picks])).shape
        if 0 in out_shape and rng.random() < 0.7:
            continue
        prog.append((name, picks))
        shapes.append(out_shape)
    return prog, shapes


def _run(prog, inputs, backend, torch=None):
    pool = list(inputs)
    for name, picks in prog:
        _, _, f, ref, tf = GRAPH_OPS[name]
        fn = {"fg": f, "np": ref, "torch": tf(torch) if torch else None}[backend]
        pool.append(fn(*[pool[i] for i in picks]))
    return pool[-1]


def _fd_grads(prog, arrays, cot, eps=1e-6):
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for i in range(a.size):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[k].reshape(-1)[i] += eps
            minus[k].reshape(-1)[i] -= eps
            g.reshape(-1)[i] = (np.sum(cot * _run(prog, plus, "np"))
                                - np.sum(cot * _run(prog, minus, "np"))) / (2 * eps)
        grads.append(g)
    return grads


def _near_kink(prog, arrays, gap=1e-4):
    """True when some relu/clamp/maximum/minimum/where decision is within ``gap`` of switching.
    Exact hits (a relu of an upstream relu's 0, maximum(x, x)) are fine: the upstream op is locally
    constant or the tie is symmetric, so finite differences and the subgradient agree."""
    pool = list(arrays)

    def close(d):
        d = np.abs(d)
        return np.any((d > 0) & (d < gap))

    for name, picks in prog:
        args = [pool[i] for i in picks]
        if name == "relu" and close(args[0]):
            return True
        if name == "clamp" and close(np.abs(args[0]) - 1):
            return True
        if name in ("maximum", "minimum", "where"):
            a, b = np.broadcast_arrays(*args)
            if close(a - b):
                return True
        pool.append(GRAPH_OPS[name][3](*args))
    return False


@bounded(200)
@given(seed=st.integers(0, 2 ** 32 - 1), n_ops=st.integers(3, 12), n_inputs=st.integers(1, 3),
       shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4), dtype=DTYPES)
def test_random_graph_matches_numpy_and_finite_differences(seed, n_ops, n_inputs, shape, dtype):
    prog, shapes = _build_graph(seed, n_ops, n_inputs, shape)
    rng = np.random.default_rng(seed + 1)
    arrays = [rng.standard_normal(s) for s in shapes[:n_inputs]]
    if _near_kink(prog, arrays):
        return
    expected = np.asarray(_run(prog, arrays, "np"), np.float64)
    cot = rng.standard_normal(expected.shape)
    ts = [fg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = _run(prog, ts, "fg")
    assert tuple(out.shape) == expected.shape
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(out.detach().numpy().astype(np.float64), expected, **tol,
                               err_msg=f"forward of {prog}")
    if not out.requires_grad:
        return
    out.backward(fg.tensor(cot.astype(dtype)))
    fd = _fd_grads(prog, arrays, cot)
    gtol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float64 else dict(rtol=2e-3, atol=5e-4)
    for k, (t, g) in enumerate(zip(ts, fd)):
        got = np.zeros(t.shape) if t.grad is None else t.grad.numpy().astype(np.float64)
        np.testing.assert_allclose(got, g, **gtol, err_msg=f"gradient of input {k} of {prog}")


@bounded(80)
@given(seed=st.integers(0, 2 ** 32 - 1), n_ops=st.integers(3, 12), n_inputs=st.integers(1, 3),
       shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
def test_random_graph_matches_torch(seed, n_ops, n_inputs, shape):
    torch = pytest.importorskip("torch")
    prog, shapes = _build_graph(seed, n_ops, n_inputs, shape)
    rng = np.random.default_rng(seed + 1)
    arrays = [rng.standard_normal(s) for s in shapes[:n_inputs]]
    if _near_kink(prog, arrays, gap=1e-9):
        return
    ts = [fg.tensor(a, requires_grad=True) for a in arrays]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = _run(prog, ts, "fg"), _run(prog, tt, "torch", torch)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    if not tout.requires_grad:
        return
    cot = rng.standard_normal(tuple(tout.shape))
    out.backward(fg.tensor(cot))
    tout.backward(torch.tensor(cot))
    for t, u in zip(ts, tt):
        g = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        gt = np.zeros(t.shape) if u.grad is None else u.grad.numpy()
        np.testing.assert_allclose(g, gt, rtol=1e-9, atol=1e-11, err_msg=str(prog))
