"""Issue 14, items 9, 15 and 17 (inputs): negative Embedding indices, infinite class weights in
cross_entropy, numpy arrays of unsupported dtypes or byte order given to tensor()/as_tensor(),
binary_cross_entropy targets outside [0, 1], max/min-style reductions over empty tensors, float16
losses, empty label-smoothed cross_entropy, and user gradients of the wrong dtype.

Each case states the expected behaviour (torch 2.13's) directly, and again against torch itself
where torch is installed."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F


def _torch():
    return pytest.importorskip("torch")


def _outcome(fn):
    """('ok', shape, dtype kind) or ('raise', exception type name) of fn()."""
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001  -- compared with torch's outcome
        return ("raise", type(e).__name__)
    return ("ok", tuple(r.shape), str(r.dtype).split(".")[-1])


# -- Embedding: indices in [-n, 0) ---------------------------------------------------------------
@pytest.mark.parametrize("idx", [[-1], [0, -5], [5], [2, 7]])
def test_embedding_forward_rejects_out_of_range_and_negative_indices(idx):
    emb = nn.Embedding(5, 3)
    with pytest.raises(IndexError, match=r"embedding: index out of range in self"):
        emb(fg.tensor(idx))
    with pytest.raises(IndexError, match=r"index out of range in self"):
        F.embedding(fg.tensor(idx), emb.weight)


def test_embedding_forward_accepts_the_boundary_indices():
    emb = nn.Embedding(5, 3)
    out = emb(fg.tensor([[0, 4], [4, 0]]))
    np.testing.assert_array_equal(out.detach().numpy()[0, 1], emb.weight.detach().numpy()[4])


@pytest.mark.parametrize("idx", [[-1], [-5], [5]])
def test_embedding_bad_indices_match_torch(idx):
    torch = _torch()
    with pytest.raises(IndexError, match="index out of range in self"):
        torch.nn.Embedding(5, 3)(torch.tensor(idx))
    with pytest.raises(IndexError, match="index out of range in self"):
        nn.Embedding(5, 3)(fg.tensor(idx))


# -- cross_entropy with an infinite (or nan) class weight -------------------------------------
_X = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [0.0, 0.0, 0.0]], np.float32)


def _ce(lib, F_, weight, reduction, ls, ignore_index, x=_X, target=(0, 1, 2)):
    xt = lib.tensor(x, requires_grad=True)
    loss = F_.cross_entropy(xt, lib.tensor(list(target)), weight=lib.tensor(np.asarray(weight, np.float32)),
                            reduction=reduction, label_smoothing=ls, ignore_index=ignore_index)
    loss.sum().backward()
    return loss.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_cross_entropy_infinite_weight_leaves_other_rows_finite(reduction):
    """Only the row whose target class has the infinite weight goes non-finite; the other rows'
    gradients are those of the unweighted loss (the fused kernel used to turn every row nan)."""
    loss, grad = _ce(fg, F, [np.inf, 1, 1], reduction, 0.0, -100)
    _, ref = _ce(fg, F, [1, 1, 1], reduction, 0.0, -100)
    assert not np.isfinite(grad[0]).any()
    np.testing.assert_allclose(grad[1:], ref[1:], rtol=1e-6, atol=1e-7)
    if reduction == "none":
        assert np.isinf(loss[0]) and np.isfinite(loss[1:]).all()


def test_cross_entropy_infinite_weight_on_an_ignored_class_is_harmless():
    loss, grad = _ce(fg, F, [np.inf, 1, 1], "mean", 0.0, 0)
    _, ref = _ce(fg, F, [1, 1, 1], "mean", 0.0, 0)
    np.testing.assert_allclose(loss, _ce(fg, F, [1, 1, 1], "mean", 0.0, 0)[0], rtol=1e-6)
    np.testing.assert_allclose(grad, ref, rtol=1e-6, atol=1e-7)


def test_cross_entropy_mean_with_infinite_weight_gives_zero_gradient_elsewhere():
    """'mean' divides by sum(w[t]) = inf: torch gives nan for the infinite row, 0 elsewhere."""
    loss, grad = _ce(fg, F, [np.inf, 1, 1], "mean", 0.0, -100)
    assert np.isnan(loss)
    assert np.isnan(grad[0]).all()
    np.testing.assert_array_equal(grad[1:], 0.0)


@pytest.mark.parametrize("weight", [[np.inf, 1, 1], [1, np.inf, 1], [np.inf, np.inf, 1], [-np.inf, 1, 1],
                                    [np.nan, 1, 1], [0, 0, 0]])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ls", [0.0, 0.1])
@pytest.mark.parametrize("ignore_index", [-100, 0])
def test_cross_entropy_nonfinite_weight_matches_torch(weight, reduction, ls, ignore_index):
    torch = _torch()
    loss, grad = _ce(fg, F, weight, reduction, ls, ignore_index)
    tloss, tgrad = _ce(torch, torch.nn.functional, weight, reduction, ls, ignore_index)
    np.testing.assert_allclose(loss, tloss, rtol=1e-5, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(grad, tgrad, rtol=1e-5, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("weight", [[np.inf, 1, 1], [1, np.nan, 1]])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ls", [0.0, 0.1])
def test_cross_entropy_probabilities_nonfinite_weight_matches_torch(weight, reduction, ls):
    torch = _torch()
    p = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]], np.float32)
    out = []
    for lib, F_ in ((fg, F), (torch, torch.nn.functional)):
        x = lib.tensor(_X[:2], requires_grad=True)
        loss = F_.cross_entropy(x, lib.tensor(p), weight=lib.tensor(np.asarray(weight, np.float32)),
                                reduction=reduction, label_smoothing=ls)
        loss.sum().backward()
        out.append((loss.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)


def test_cross_entropy_finite_weights_still_use_the_fused_kernel_values():
    """The composed (non-finite) path and the fused kernel agree where both apply."""
    from fastgrad.ops.loss import _ce_grad_composed
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    t = np.array([0, 3, 1, -100, 2, 2])
    w = rng.random(4) + 0.5
    for ls in (0.0, 0.2):
        xt = fg.tensor(x, requires_grad=True)
        F.cross_entropy(xt, fg.tensor(t), weight=fg.tensor(w), reduction="sum", label_smoothing=ls).backward()
        logp = x - x.max(1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(1, keepdims=True))
        ref = _ce_grad_composed(logp, t, w, np.ones(6), -100, ls)
        np.testing.assert_allclose(xt.grad.numpy(), ref, rtol=1e-10, atol=1e-12)


# -- tensor() / as_tensor() of numpy arrays ------------------------------------------------------
_BAD_ARRAYS = {
    "object": (lambda: np.array([1.0, 2.0], dtype=object), "object_"),
    "str": (lambda: np.array(["ab"]), "str_"),
    "bytes": (lambda: np.array([b"ab"]), "bytes_"),
    "structured": (lambda: np.zeros(2, dtype=[("a", "f4"), ("b", "i4")]), "void"),
    "datetime": (lambda: np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64"),
    "timedelta": (lambda: np.array([1], dtype="timedelta64[s]"), "timedelta64"),
    "longdouble": (lambda: np.ones(2, np.longdouble), "longdouble"),
    "complex64": (lambda: np.ones(2, np.complex64), "complex64"),
    "complex128": (lambda: np.ones(2, np.complex128), "complex128"),
}


@pytest.mark.parametrize("kind", sorted(_BAD_ARRAYS))
@pytest.mark.parametrize("factory", ["tensor", "as_tensor"])
def test_tensor_from_unsupported_numpy_dtype_raises_type_error_naming_it(factory, kind):
    make, name = _BAD_ARRAYS[kind]
    a = make()
    if kind == "longdouble" and np.dtype(np.longdouble).itemsize == 8:
        pytest.skip("longdouble is float64 on this platform")
    with pytest.raises(TypeError, match=rf"{factory}: can't convert np\.ndarray of type numpy\.{name}"):
        getattr(fg, factory)(a)
    with pytest.raises(TypeError, match=rf"numpy\.{name}"):
        getattr(fg, factory)(a, dtype=fg.float32)  # an explicit dtype does not launder it


@pytest.mark.parametrize("kind", ["object", "str", "structured", "datetime", "timedelta"])
def test_tensor_from_unsupported_numpy_dtype_matches_torch(kind):
    torch = _torch()
    a = _BAD_ARRAYS[kind][0]()
    for factory in ("tensor", "as_tensor"):
        with pytest.raises(TypeError):
            getattr(torch, factory)(a)
        with pytest.raises(TypeError):
            getattr(fg, factory)(a)


@pytest.mark.parametrize("dt", [">f4", ">f8", ">i8", ">i4"])
@pytest.mark.parametrize("factory", ["tensor", "as_tensor"])
def test_tensor_from_big_endian_array_raises_like_torch(factory, dt):
    a = np.arange(3).astype(dt)
    with pytest.raises(ValueError, match=rf"{factory}:.*byte order.*{dt}"):
        getattr(fg, factory)(a)
    with pytest.raises(ValueError, match="byte order"):
        getattr(fg, factory)(np.array(1.5, dt))  # 0-d too


def test_tensor_from_big_endian_array_matches_torch():
    torch = _torch()
    a = np.arange(3).astype(">f4")
    for factory in ("tensor", "as_tensor"):
        with pytest.raises(ValueError, match="byte order"):
            getattr(torch, factory)(a)
        with pytest.raises(ValueError, match="byte order"):
            getattr(fg, factory)(a)


def test_tensor_from_list_of_big_endian_arrays_converts_like_torch():
    out = fg.tensor([np.array([1.0, 2.0], ">f4")])
    assert out.dtype == fg.float32 and out.numpy().dtype.isnative
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0]])


@pytest.mark.parametrize("value, dtype", [(np.float64(1.5), np.float64), (np.float32(1.5), np.float32),
                                          (np.int32(3), np.int32), (np.int16(3), np.int16),
                                          (np.bool_(True), np.bool_), (np.uint8(7), np.uint8)])
def test_tensor_from_numpy_scalar_keeps_its_dtype(value, dtype):
    t = fg.tensor(value)
    assert t.dtype == np.dtype(dtype) and t.shape == ()
    assert t.item() == value


def test_tensor_from_numpy_scalar_matches_torch():
    torch = _torch()
    for v in (np.float64(1.5), np.float32(1.5), np.int32(3), np.int16(2), np.uint8(7), np.bool_(True)):
        assert str(torch.tensor(v).dtype).split(".")[-1] == fg.tensor(v).dtype.name


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.int8,
                                np.uint8, np.uint16, np.uint32, np.uint64, np.bool_])
def test_tensor_and_as_tensor_accept_every_supported_numpy_dtype(dt):
    a = np.ones(3, dt)
    t = fg.tensor(a)
    assert t.dtype == np.dtype(dt)
    a[0] = 0
    assert t.numpy()[0] == 1  # tensor() copies
    s = fg.as_tensor(a)
    assert s.dtype == np.dtype(dt) and np.shares_memory(s.numpy(), a)  # as_tensor() shares


# -- binary_cross_entropy: input and target in [0, 1] ---------------------------------------------
@pytest.mark.parametrize("p, t, what", [
    ([0.3], [1.5], "target"), ([0.3], [-0.5], "target"), ([0.3], [np.nan], "target"), ([0.3], [np.inf], "target"),
    ([1.5], [1.0], "input"), ([-0.1], [0.5], "input"), ([np.nan], [0.5], "input"),
    ([0.3, 1.5], [2.0, 0.5], "target"),   # element 0's target is checked before element 1's input
    ([1.5, 0.3], [2.0, 0.5], "input"),    # input before target within one element
])
def test_binary_cross_entropy_rejects_values_outside_0_1(p, t, what):
    for dt in (np.float32, np.float64):
        message = rf"binary_cross_entropy: all elements of {what} should be between 0 and 1"
        with pytest.raises(RuntimeError, match=message):
            F.binary_cross_entropy(fg.tensor(np.array(p, dt)), fg.tensor(np.array(t, dt)))
    with pytest.raises(RuntimeError, match=what):
        nn.BCELoss()(fg.tensor(np.array(p, np.float32)), fg.tensor(np.array(t, np.float32)))


@pytest.mark.parametrize("p, t", [([0.3], [1.5]), ([0.3], [np.nan]), ([1.5], [1.0]), ([0.3, 1.5], [2.0, 0.5]),
                                  ([1.5, 0.3], [2.0, 0.5])])
def test_binary_cross_entropy_range_errors_match_torch(p, t):
    torch = _torch()
    with pytest.raises(RuntimeError) as ti:
        torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t))
    with pytest.raises(RuntimeError) as fi:
        F.binary_cross_entropy(fg.tensor(p), fg.tensor(t))
    assert str(ti.value) in str(fi.value)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_target_gradient_is_minus_logit_like_torch(reduction):
    """dL/dt = -logit(p): +inf at p = 0 and -inf at p = 1 (torch does not clamp it)."""
    p = np.array([0.0, 1.0, 0.3, 0.999], np.float32)
    t = np.array([1.0, 0.0, 0.5, 1.0], np.float32)
    pt, tt = fg.tensor(p, requires_grad=True), fg.tensor(t, requires_grad=True)
    F.binary_cross_entropy(pt, tt, reduction=reduction).sum().backward()
    n = 4 if reduction == "mean" else 1
    with np.errstate(divide="ignore"):
        ref = -np.log(p.astype(np.float64) / (1 - p)) / n
    np.testing.assert_allclose(tt.grad.numpy(), ref, rtol=1e-5)
    try:
        torch = __import__("torch")
    except ImportError:
        return
    tp, ttt = torch.tensor(p, requires_grad=True), torch.tensor(t, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(tp, ttt, reduction=reduction).sum().backward()
    np.testing.assert_allclose(tt.grad.numpy(), ttt.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(pt.grad.numpy(), tp.grad.numpy(), rtol=1e-5)


# -- max/min-style reductions over empty tensors -----------------------------------------------
_EMPTY_CASES = [  # (shape, op, dim, expected: result shape or exception type)
    ((0, 5), "amax", -1, (0,)), ((0, 5), "amin", 1, (0,)), ((0, 5), "amax", (-1,), (0,)),
    ((0, 5), "amax", 0, IndexError), ((0, 5), "amin", (0, 1), IndexError), ((0, 5), "amax", None, RuntimeError),
    ((5, 0), "amax", 0, (0,)), ((5, 0), "amin", -1, IndexError), ((2, 0, 3), "amax", (0, 2), (0,)),
    ((0, 5), "max", -1, (0,)), ((0, 5), "min", 0, IndexError), ((0,), "max", None, RuntimeError),
    ((0, 5), "argmax", -1, (0,)), ((0, 5), "argmin", 1, (0,)), ((0, 5), "argmax", 0, IndexError),
    ((5, 0), "argmin", -1, IndexError), ((0, 5), "argmax", None, IndexError), ((0,), "argmin", None, IndexError),
    ((), "amax", (0, 1), IndexError), ((), "amax", (0, -1), RuntimeError), ((), "amax", -1, ()),
]


def _reduce(shape, op, dim, lib=fg, keepdim=False):
    x = lib.zeros(shape)
    fn = getattr(x, op)
    if dim is None:
        return fn()
    out = fn(dim, keepdim=keepdim) if op in ("max", "min", "argmax", "argmin") else fn(dim=dim, keepdim=keepdim)
    return out[0] if op in ("max", "min") else out


@pytest.mark.parametrize("shape, op, dim, expected", _EMPTY_CASES)
def test_reduction_over_empty_input(shape, op, dim, expected):
    if isinstance(expected, type):
        with pytest.raises(expected, match=op):
            _reduce(shape, op, dim)
    else:
        assert tuple(_reduce(shape, op, dim).shape) == expected


@pytest.mark.parametrize("shape, op, dim, keepdim", [(s, o, d, k) for s, o, d, _ in _EMPTY_CASES
                                                      for k in ((False, True) if d is not None else (False,))])
def test_reduction_over_empty_input_matches_torch(shape, op, dim, keepdim):
    torch = _torch()
    assert _outcome(lambda: _reduce(shape, op, dim, fg, keepdim)) == _outcome(
        lambda: _reduce(shape, op, dim, torch, keepdim))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_of_bool_raises_like_torch(op):
    with pytest.raises(RuntimeError, match=rf"{op}\(\): does not support bool input"):
        getattr(fg.tensor([True, False]), op)()


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_over_empty_batch_backward_gives_empty_gradient(op):
    x = fg.zeros(0, 5, requires_grad=True)
    getattr(x, op)(-1).sum().backward()
    assert tuple(x.grad.shape) == (0, 5)


# -- item 17: float16 losses, empty label-smoothed cross_entropy, wrong-dtype gradients -------
_LOSSES = {
    "mse_loss": lambda x: F.mse_loss(x, x.detach()),
    "mse_loss-none": lambda x: F.mse_loss(x, x.detach(), reduction="none"),
    "l1_loss": lambda x: F.l1_loss(x, x.detach()),
    "smooth_l1_loss": lambda x: F.smooth_l1_loss(x, x.detach()),
    "huber_loss": lambda x: F.huber_loss(x, x.detach()),
    "cross_entropy": lambda x: F.cross_entropy(x, fg.tensor([0, 1])),
    "nll_loss": lambda x: F.nll_loss(x, fg.tensor([0, 1])),
    "binary_cross_entropy": lambda x: F.binary_cross_entropy(x, x.detach()),
    "binary_cross_entropy_with_logits": lambda x: F.binary_cross_entropy_with_logits(x, x.detach()),
    "MSELoss": lambda x: nn.MSELoss()(x, x.detach()),
    "CrossEntropyLoss": lambda x: nn.CrossEntropyLoss()(x, fg.tensor([0, 1])),
}


@pytest.mark.parametrize("name", sorted(_LOSSES))
def test_loss_on_float16_computes_in_float32_and_returns_float16(name):
    """As torch's CPU (fastgrad/lowp.py; tests/ops/test_lowp_arith.py compares values with torch)."""
    x = fg.tensor(np.array([[0.2, 0.7], [0.4, 0.1]], np.float16))
    ref = _LOSSES[name](x.float())
    out = _LOSSES[name](x)
    assert out.dtype == fg.float16
    np.testing.assert_allclose(out.float().numpy(), ref.numpy(), rtol=2e-3, atol=2e-3)


def test_mse_loss_mixed_float16_float32_promotes_like_torch():
    a = fg.tensor(np.array([1.0, 2.0], np.float16))
    out = F.mse_loss(a, fg.tensor([0.0, 0.0]))
    assert out.dtype == fg.float32 and out.item() == pytest.approx(2.5)


@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0, 0), (0,)])
@pytest.mark.parametrize("reduction, expected", [("mean", np.nan), ("sum", 0.0), ("none", None)])
def test_cross_entropy_empty_with_label_smoothing(shape, reduction, expected):
    """Empty input (or no classes) with label smoothing: no ZeroDivisionError; 'mean' is nan as torch."""
    for target in (fg.zeros(shape), fg.zeros(shape[:1] if len(shape) > 1 else (), dtype=fg.int64) - 100):
        x = fg.zeros(shape, requires_grad=True)
        loss = F.cross_entropy(x, target, label_smoothing=0.1, reduction=reduction)
        loss.sum().backward()
        assert tuple(x.grad.shape) == shape
        if expected is None:
            assert tuple(loss.shape) == ((shape[0],) if len(shape) > 1 else ())
        elif np.isnan(expected):
            assert np.isnan(loss.item())
        elif shape[-1] or target.dtype.kind == "f":
            assert loss.item() == expected


def test_cross_entropy_empty_with_label_smoothing_matches_torch():
    torch = _torch()
    for shape in [(0, 3), (2, 0), (0, 0), (0,)]:
        for reduction in ("mean", "sum", "none"):
            got = [F_.cross_entropy(lib.zeros(shape), lib.zeros(shape), label_smoothing=0.1,
                                    reduction=reduction).numpy()
                   for lib, F_ in ((fg, F), (torch, torch.nn.functional))]
            np.testing.assert_array_equal(got[0], got[1])


class _Cast(fg.autograd.Function):
    """Identity whose backward returns the gradient in another dtype (as a user Function may)."""
    to = None

    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, g):
        return g.to(_Cast.to)


@pytest.mark.parametrize("layer", ["linear", "softmax", "log_softmax", "relu", "sigmoid"])
@pytest.mark.parametrize("dtype", ["float64", "int64", "float16", "bool"])
@pytest.mark.parametrize("via", ["backward-gradient", "custom-function"])
def test_wrong_dtype_gradient_into_builtin_backward_is_cast_not_reinterpreted(layer, dtype, via):
    """torch casts a user gradient to the output's dtype; so does fastgrad (no cffi pointer-type
    error, no reinterpreted bytes): the result equals that of the float32 gradient."""
    rng = np.random.default_rng(1)
    x0, w0 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    f = {"linear": lambda x: F.linear(x, fg.tensor(w0)), "softmax": lambda x: F.softmax(x, -1),
         "log_softmax": lambda x: F.log_softmax(x, -1), "relu": F.relu, "sigmoid": F.sigmoid}[layer]
    g0 = (rng.integers(0, 2, (3, 5 if layer == "linear" else 4))).astype(np.float32)

    def run(gdtype):
        x = fg.tensor(x0, requires_grad=True)
        y = f(x)
        if via == "backward-gradient":
            y.backward(fg.tensor(g0).to(getattr(fg, gdtype)))
        else:
            _Cast.to = getattr(fg, gdtype)
            (_Cast.apply(y) * fg.tensor(g0)).sum().backward()
        return x.grad

    got, ref = run(dtype), run("float32")
    assert got.dtype == fg.float32
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)
