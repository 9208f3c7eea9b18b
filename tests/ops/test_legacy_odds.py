"""Issue 15 "odds and ends": legacy constructors, Tensor.type, new_*, is_tensor/numel, 0-d __format__,
tensor() from lists of tensors, in-place ops that make a tensor require grad, inference_mode,
histc/histogram/bincount (torch parity where torch is installed)."""
import numpy as np
import pytest

import fastgrad as fg


# -- legacy constructors and types -------------------------------------------------
def test_tensor_legacy_constructor_forms():
    e = fg.Tensor(2, 3)
    assert e.shape == (2, 3) and e.dtype == fg.float32 and not e.requires_grad
    assert fg.Tensor(fg.Size([4])).shape == (4,)
    d = fg.Tensor([1, 2])
    assert d.dtype == fg.float32 and d.tolist() == [1.0, 2.0]
    assert fg.Tensor((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data, a Size is a shape (as torch)
    assert fg.Tensor().shape == (0,)
    assert fg.Tensor(np.array([1, 2])).dtype == fg.float32
    src = fg.zeros(2, dtype=fg.float64)
    assert fg.Tensor(src).dtype == fg.float64
    with pytest.raises(TypeError, match=r"data must be a sequence \(got float\)"):
        fg.Tensor(2.5)


@pytest.mark.parametrize("name, dtype", [("FloatTensor", "float32"), ("DoubleTensor", "float64"),
                                         ("HalfTensor", "float16"), ("LongTensor", "int64"),
                                         ("IntTensor", "int32"), ("ShortTensor", "int16"),
                                         ("CharTensor", "int8"), ("ByteTensor", "uint8"),
                                         ("BoolTensor", "bool")])
def test_typed_legacy_constructors(name, dtype):
    cls = getattr(fg, name)
    t = cls([1, 0])
    assert t.dtype == getattr(fg, dtype) and t.tolist() == [1, 0]
    assert cls(2, 3).shape == (2, 3) and cls(2, 3).dtype == getattr(fg, dtype)
    assert isinstance(t, cls) and isinstance(t, fg.Tensor)
    assert t.type() == "fastgrad." + name
    assert fg.ones(2).type(cls).dtype == getattr(fg, dtype)
    assert fg.ones(2).type("torch." + name).dtype == getattr(fg, dtype)
    assert fg.ones(2).type("fastgrad." + name).dtype == getattr(fg, dtype)
    assert fg.ones(2).type(getattr(fg, dtype)).dtype == getattr(fg, dtype)


def test_typed_constructor_refuses_other_dtype_tensor_and_bad_type_names():
    with pytest.raises(TypeError, match=r"expected Float \(got Double\)"):
        fg.FloatTensor(fg.zeros(2, dtype=fg.float64))
    assert not isinstance(fg.zeros(2), fg.LongTensor)
    with pytest.raises(ValueError, match="invalid type: 'foo'"):
        fg.ones(2).type("foo")


def test_type_and_legacy_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("FloatTensor", "LongTensor", "BoolTensor", "DoubleTensor"):
        ours, theirs = getattr(fg, name)([[1, 0], [2, 3]]), getattr(torch, name)([[1, 0], [2, 3]])
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.type().split(".")[1] == theirs.type().split(".")[1]


def test_new_factories():
    x = fg.zeros(2, dtype=fg.float64)
    assert x.new_zeros(3).dtype == fg.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(2, 2).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert x.new_empty(4).shape == (4,) and x.new_empty(4, dtype=fg.int32).dtype == fg.int32
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_full((2,), 7).dtype == fg.float64
    nt = x.new_tensor([1, 2])
    assert nt.dtype == fg.float64 and nt.tolist() == [1.0, 2.0]
    assert x.new_ones(2, requires_grad=True).requires_grad


def test_is_tensor_numel_is_floating_point():
    assert fg.is_tensor(fg.zeros(1)) and fg.is_tensor(fg.nn.Parameter(fg.zeros(1)))
    assert not fg.is_tensor(np.zeros(1)) and not fg.is_tensor([1])
    assert fg.numel(fg.zeros(2, 3)) == 6
    assert fg.is_floating_point(fg.zeros(1)) and not fg.is_floating_point(fg.zeros(1, dtype=fg.int64))


def test_format_of_zero_d_and_other_tensors_as_torch():
    torch = pytest.importorskip("torch")
    for v in (2.5, 3, True):
        assert f"{fg.tensor(v)}" == f"{torch.tensor(v)}"
    assert f"{fg.tensor(1.23456):.3f}" == f"{torch.tensor(1.23456):.3f}" == "1.235"
    assert f"{fg.tensor([1.0, 2.0])}" == str(fg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="unsupported format string"):
        format(fg.zeros(2), ".3f")
    assert f"{fg.nn.Parameter(fg.tensor(2.5))}".startswith("Parameter containing")


def test_tensor_from_lists_of_tensors():
    t = fg.tensor([fg.tensor(1.0), fg.tensor(2.0)])
    assert t.tolist() == [1.0, 2.0] and t.dtype == fg.float32
    assert fg.tensor([[fg.tensor(1), 2]]).tolist() == [[1, 2]]
    assert fg.tensor([[fg.tensor(1), 2]]).dtype == fg.int64
    with pytest.raises(ValueError, match="only one element tensors"):
        fg.tensor([fg.tensor([1.0, 2.0]), fg.tensor([3.0, 4.0])])


# -- in-place with an operand that requires grad --------------------------------------
def _check_against_torch(build):
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (fg, torch):
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = build(lib, b)
        assert a.requires_grad and not a.is_leaf
        (a * a).sum().backward()
        grads.append(b.grad.numpy().copy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


@pytest.mark.parametrize("build", [
    lambda lib, b: _iadd(lib.zeros(3), b),
    lambda lib, b: lib.ones(3).add_(b, alpha=2),
    lambda lib, b: lib.full((3,), 2.0).mul_(b),
    lambda lib, b: lib.full((3,), 2.0).div_(b),
    lambda lib, b: lib.full((3,), 2.0).sub_(b),
    lambda lib, b: lib.zeros(2, 3).copy_(b),
    lambda lib, b: _rowadd(lib.ones(2, 3), b),
    lambda lib, b: _setrow(lib.zeros(2, 3), b),
], ids=["iadd", "add_alpha", "mul_", "div_", "sub_", "copy_", "row_iadd", "setitem"])
def test_inplace_makes_non_grad_tensor_require_grad(build):
    _check_against_torch(build)


def _iadd(a, b):
    a += b
    return a


def _rowadd(a, b):
    a[1] += b
    return a


def _setrow(a, b):
    a[0] = b * 2
    return a


def test_inplace_with_grad_operand_writes_into_shared_memory():
    base = np.zeros(3, np.float32)
    a = fg.from_numpy(base)
    a += fg.ones(3, requires_grad=True)
    np.testing.assert_array_equal(base, [1, 1, 1])
    leaf = fg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf += fg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="only floating-point"):
        ints = fg.zeros(3, dtype=fg.int64)
        ints += fg.ones(3, requires_grad=True)


# -- inference_mode -----------------------------------------------------------------
def test_inference_mode_context_and_decorators():
    x = fg.ones(2, requires_grad=True)
    assert not fg.is_inference_mode_enabled()
    with fg.inference_mode():
        assert fg.is_inference_mode_enabled() and not fg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with fg.inference_mode(False):
            assert fg.is_grad_enabled() and not fg.is_inference_mode_enabled()
    assert fg.is_grad_enabled() and not fg.is_inference_mode_enabled()

    @fg.inference_mode
    def bare():
        return fg.is_grad_enabled(), fg.is_inference_mode_enabled()

    @fg.inference_mode()
    def called():
        return (x * 2).requires_grad

    assert bare() == (False, True) and called() is False and bare.__name__ == "bare"
    with fg.no_grad(), fg.inference_mode(False):
        assert fg.is_grad_enabled()  # as torch: inference_mode(False) turns recording on


# -- histograms ---------------------------------------------------------------------
def test_histc_histogram_bincount_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    data = rng.normal(size=50).astype(np.float32)
    for kw in ({"bins": 4, "min": 0, "max": 3}, {"bins": 7}, {"bins": 5, "min": -1, "max": 1}):
        np.testing.assert_array_equal(fg.histc(fg.tensor(data), **kw).numpy(),
                                      torch.histc(torch.tensor(data), **kw).numpy())
    np.testing.assert_array_equal(fg.histc(fg.tensor([1.0, 1, 1]), bins=4).numpy(), [0, 0, 3, 0])
    w = rng.random(50).astype(np.float32)
    for args, kw in (((6,), {}), ((4,), {"range": (0.0, 3.0)}), ((5,), {"density": True}),
                     ((fg.tensor([-1.0, 0, 0.5, 2]),), {"weight": True}),
                     ((fg.tensor([-2.0, 0, 2]),), {"weight": True, "density": True})):
        kw_f = dict(kw, weight=fg.tensor(w)) if kw.get("weight") else kw
        kw_t = dict(kw, weight=torch.tensor(w)) if kw.get("weight") else kw
        args_t = tuple(torch.tensor(a.numpy()) if isinstance(a, fg.Tensor) else a for a in args)
        h, e = fg.histogram(fg.tensor(data), *args, **kw_f)
        ht, et = torch.histogram(torch.tensor(data), *args_t, **kw_t)
        np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-6)
        np.testing.assert_allclose(e.numpy(), et.numpy(), rtol=1e-6)
    idx = np.array([1, 2, 1, 5])
    np.testing.assert_array_equal(fg.bincount(fg.tensor(idx)).numpy(), torch.bincount(torch.tensor(idx)).numpy())
    np.testing.assert_array_equal(fg.bincount(fg.tensor(idx), minlength=8).numpy(),
                                  torch.bincount(torch.tensor(idx), minlength=8).numpy())
    wb = np.array([0.5, 1, 2, 3], np.float32)
    out = fg.bincount(fg.tensor(idx), weights=fg.tensor(wb))
    ref = torch.bincount(torch.tensor(idx), weights=torch.tensor(wb))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert str(out.dtype).split(".")[1] == str(ref.dtype).split(".")[1]
    assert fg.tensor([1, 2]).bincount().tolist() == [0, 1, 1]
    assert fg.tensor([1.0, 2.0]).histc(3).tolist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: fg.bincount(fg.tensor([-1, 2])), RuntimeError, "1-d non-negative integral"),
    (lambda: fg.bincount(fg.tensor([[1, 2]])), RuntimeError, "1-d non-negative integral"),
    (lambda: fg.bincount(fg.tensor([1.0, 2.0])), NotImplementedError, "bincount_cpu"),
    (lambda: fg.histc(fg.tensor([1, 2]), bins=3), NotImplementedError, "histogram_cpu"),
    (lambda: fg.histc(fg.tensor([1.0, 2.0]), bins=0), RuntimeError, "bins must be > 0"),
    (lambda: fg.histc(fg.tensor([1.0, 2.0]), bins=3, min=3, max=1), RuntimeError, "max must be larger than min"),
    (lambda: fg.histogram(fg.tensor([1, 2]), 3), NotImplementedError, "histogramdd"),
])
def test_histogram_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


@pytest.mark.parametrize("values", [[0.4036, 0.4949, -0.5288], [[1.5, -2.25], [3.0, 4.0]], [1e-5, -1.0],
                                    [float("nan"), 1.0], [float("-inf"), 1.5, -100.0], [-0.0, 1.0],
                                    [[-1.0, 0.0], [0.0, 10.0]], [[-1e-6, 3e10], [1.0, 2.0]], -1.0,
                                    [1.0, 2000.0], [0.1, 200.0], [1e-4, 1.0], [1.0, 1.1e8], [True], [True, False],
                                    [[True, True], [False, True]], list(range(3000)), [False] * 2000])
def test_float_repr_pads_like_torch(values):
    torch = pytest.importorskip("torch")
    assert repr(fg.tensor(values)) == repr(torch.tensor(values))
    if not isinstance(values, list) or not isinstance(np.ravel(values)[0], (bool, np.bool_)):
        assert repr(fg.tensor(values, dtype=fg.float64)) == repr(
            torch.tensor(values, dtype=torch.float64)).replace("torch.", "fastgrad.")


@pytest.mark.parametrize("write", [lambda lib, h, b: h.copy_(b * 3), lambda lib, h, b: h.fill_(5.0),
                                   lambda lib, h, b: h.zero_(), lambda lib, h, b: h.copy_(b.double())],
                         ids=["copy_", "fill_", "zero_", "copy_cast"])
def test_copy_fill_zero_on_a_non_leaf_that_requires_grad_as_torch(write):
    torch = pytest.importorskip("torch")
    out = []
    for lib in (fg, torch):
        x = lib.ones(2, 3, requires_grad=True)
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 2
        write(lib, h, b)
        assert h.requires_grad and not h.is_leaf and h.dtype == lib.float32
        (h * h * x).sum().backward()
        out.append((h.detach().numpy().copy(), x.grad.numpy().copy(),
                    None if b.grad is None else b.grad.numpy().copy()))
    for ours, theirs in zip(*out):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_tensor_from_lists_of_tensors_promotes_as_torch():
    torch = pytest.importorskip("torch")
    builds = [lambda lib: [lib.tensor(1.0, dtype=lib.float64), 2.0], lambda lib: [lib.tensor(1, dtype=lib.int32), 2],
              lambda lib: [lib.tensor(1, dtype=lib.int32)], lambda lib: [lib.tensor([1.0], dtype=lib.float64)],
              lambda lib: [lib.tensor(True)], lambda lib: [lib.tensor(1.0, dtype=lib.float16)],
              lambda lib: [[lib.tensor(1), 2.5]], lambda lib: [[lib.tensor(1), True]],
              lambda lib: [[lib.tensor(2.0), lib.tensor(3.0)], [4.0, lib.tensor(5.0)]]]
    for build in builds:
        ours, theirs = fg.tensor(build(fg)), torch.tensor(build(torch))
        assert repr(ours) == repr(theirs).replace("torch.", "fastgrad.")


def test_legacy_new():
    x = fg.zeros(2, dtype=fg.int32)
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == fg.int32
    assert x.new([1, 2]).tolist() == [1, 2] and x.new([1, 2]).dtype == fg.int32
