"""fastgrad.device, device= on factories, .to/.cpu/.cuda, CPU-only queries, dtype objects, finfo/iinfo
(issue 15, "Device and dtype plumbing"), compared with torch 2.13 where it is installed."""
import copy
import pickle

import numpy as np
import pytest

import fastgrad as fg


# -- device -----------------------------------------------------------------------
def test_device_type_index_repr_str():
    d = fg.device("cpu")
    assert (d.type, d.index, repr(d), str(d)) == ("cpu", None, "device(type='cpu')", "cpu")
    d0 = fg.device("cpu", 0)
    assert (d0.index, repr(d0), str(d0)) == (0, "device(type='cpu', index=0)", "cpu:0")
    assert fg.device("cuda:1") == fg.device("cuda", 1)
    assert fg.device(fg.device("cpu")) == fg.device("cpu")
    assert fg.device("cpu") != fg.device("cpu", 0)
    assert len({fg.device("cpu"), fg.device("cpu")}) == 1
    assert pickle.loads(pickle.dumps(d0)) == d0


@pytest.mark.parametrize("bad, exc, msg", [
    ("no-such-device", RuntimeError, "Invalid device string: 'no-such-device'"),
    ("gpu", RuntimeError, "Expected one of cpu, cuda"),
    (0, RuntimeError, "Cannot access accelerator device"),
    (1.5, TypeError, "device"),
])
def test_device_bad_arguments(bad, exc, msg):
    with pytest.raises(exc, match=msg):
        fg.device(bad)


def test_device_matches_torch():
    torch = pytest.importorskip("torch")
    for args in (("cpu",), ("cpu", 0), ("cuda:1",), ("mps",)):
        assert repr(fg.device(*args)) == repr(torch.device(*args))
        assert str(fg.device(*args)) == str(torch.device(*args))
    # torch 2.13: a device never equals a string
    assert (fg.device("cpu") == "cpu") is (torch.device("cpu") == "cpu") is False
    with pytest.raises(RuntimeError, match="Invalid device string"):
        torch.zeros(1).to("no-such-device")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        fg.zeros(1).to("no-such-device")


FACTORIES = [
    ("tensor", lambda dev: fg.tensor([1.0], device=dev)),
    ("as_tensor", lambda dev: fg.as_tensor([1.0], device=dev)),
    ("zeros", lambda dev: fg.zeros(2, device=dev)),
    ("ones", lambda dev: fg.ones(2, device=dev)),
    ("empty", lambda dev: fg.empty(2, device=dev)),
    ("full", lambda dev: fg.full((2,), 1.0, device=dev)),
    ("arange", lambda dev: fg.arange(3, device=dev)),
    ("linspace", lambda dev: fg.linspace(0, 1, 3, device=dev)),
    ("eye", lambda dev: fg.eye(2, device=dev)),
    ("rand", lambda dev: fg.rand(2, device=dev)),
    ("randn", lambda dev: fg.randn(2, device=dev)),
    ("randint", lambda dev: fg.randint(3, (2,), device=dev)),
    ("randperm", lambda dev: fg.randperm(3, device=dev)),
    ("normal", lambda dev: fg.normal(0.0, 1.0, (2,), device=dev)),
    ("zeros_like", lambda dev: fg.zeros_like(fg.ones(2), device=dev)),
    ("ones_like", lambda dev: fg.ones_like(fg.ones(2), device=dev)),
    ("empty_like", lambda dev: fg.empty_like(fg.ones(2), device=dev)),
    ("full_like", lambda dev: fg.full_like(fg.ones(2), 3.0, device=dev)),
    ("rand_like", lambda dev: fg.rand_like(fg.ones(2), device=dev)),
    ("randn_like", lambda dev: fg.randn_like(fg.ones(2), device=dev)),
    ("randint_like", lambda dev: fg.randint_like(fg.ones(2), 4, device=dev)),
    ("new_zeros", lambda dev: fg.ones(2).new_zeros(2, device=dev)),
    ("new_tensor", lambda dev: fg.ones(2).new_tensor([1.0], device=dev)),
    ("Tensor", lambda dev: fg.Tensor(2, device=dev)),
    ("FloatTensor", lambda dev: fg.FloatTensor([1.0], device=dev)),
]


@pytest.mark.parametrize("name, make", FACTORIES, ids=[f[0] for f in FACTORIES])
def test_factories_accept_cpu_and_refuse_other_devices(name, make):
    for dev in (None, "cpu", "cpu:0", fg.device("cpu")):
        assert make(dev).device == fg.device("cpu")
    for dev in ("cuda", "cuda:0", fg.device("mps")):
        with pytest.raises(RuntimeError, match="CPU-only"):
            make(dev)


def test_tensor_device_to_cpu_cuda():
    t = fg.randn(2, 3)
    assert t.device == fg.device("cpu") and t.device.type == "cpu" and t.is_cpu and not t.is_cuda
    assert t.get_device() == -1
    assert t.to("cpu") is t and t.cpu() is t and t.to(fg.device("cpu")) is t
    for bad in (lambda: t.cuda(), lambda: t.to("cuda"), lambda: t.to("mps"), lambda: t.to("cuda", fg.float64),
                lambda: t.to(device="cuda:0"), lambda: t.type("torch.cuda.FloatTensor")):
        with pytest.raises(RuntimeError, match="CPU-only"):
            bad()


def test_to_argument_forms_match_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t, tt = fg.tensor(a), torch.tensor(a)
    forms = [((fg.float64,), (torch.float64,)), (("cpu", fg.int32), ("cpu", torch.int32)),
             ((), ()), ((fg.zeros(1, dtype=fg.int64),), (torch.zeros(1, dtype=torch.int64),))]
    for fa, ta in forms:
        out, ref = t.to(*fa), tt.to(*ta)
        assert str(out.dtype).split(".")[1] == str(ref.dtype).split(".")[1]
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert t.to(fg.float32) is t and tt.to(torch.float32) is tt
    c = t.to(fg.float32, copy=True)
    assert c is not t and not np.shares_memory(c.numpy(), t.numpy())
    assert t.to(dtype=fg.float64, non_blocking=True).dtype == fg.float64
    assert t.to("cpu", fg.float64, copy=True).dtype == fg.float64
    assert t.to(fg.float64, False, True).dtype == fg.float64


def test_to_keeps_the_graph_between_float_dtypes():
    x = fg.ones(3, requires_grad=True)
    y = x.to(fg.float64)
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])
    assert x.grad.dtype == fg.float32


def test_cuda_accelerator_backends_queries():
    assert fg.cuda.is_available() is False and fg.cuda.device_count() == 0
    assert fg.accelerator.is_available() is False and fg.accelerator.current_accelerator() is None
    assert fg.backends.mps.is_available() is False and fg.backends.cuda.is_built() is False
    fg.cuda.manual_seed_all(0)  # a no-op, as torch without CUDA


def test_module_to_cpu_cuda_half():
    m = fg.nn.Linear(2, 2)
    assert m.to("cpu") is m and m.cpu() is m
    assert m.to(fg.device("cpu"), fg.float64).weight.dtype == fg.float64
    assert m.to(fg.zeros(1)).weight.dtype == fg.float32
    assert m.half().weight.dtype == fg.float16
    assert m.to(dtype=fg.float32).bias.dtype == fg.float32
    with pytest.raises(RuntimeError, match="CPU-only"):
        m.to("cuda")
    with pytest.raises(RuntimeError, match="CPU-only"):
        m.cuda()
    with pytest.raises(TypeError, match="only accepts floating point"):
        m.to(fg.int64)


# -- dtype objects ------------------------------------------------------------------
def test_dtype_repr_and_equality():
    t = fg.zeros(2)
    assert str(t.dtype) == repr(t.dtype) == "fastgrad.float32"
    assert t.dtype == fg.float32 and t.dtype is fg.float32 and t.dtype != fg.float64
    assert t.dtype == np.float32 and t.dtype == np.dtype("float32") and np.dtype("float32") == t.dtype
    assert t.dtype != "float32" and t.dtype is not None and t.dtype != None  # noqa: E711 (torch: False)
    assert {np.dtype(np.float32): "x"}[fg.float32] == "x" and {fg.float32: "y"}[np.dtype(np.float32)] == "y"
    assert fg.float is fg.float32 and fg.double is fg.float64 and fg.long is fg.int64 and fg.half is fg.float16
    assert isinstance(fg.float32, fg.dtype)
    assert repr(fg.tensor([1, 2], dtype=fg.int8)) == "tensor([1, 2], dtype=fastgrad.int8)"
    assert copy.deepcopy(fg.float64) is fg.float64 and pickle.loads(pickle.dumps(fg.int32)) is fg.int32


def test_dtype_attributes_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        ours, theirs = getattr(fg, name), getattr(torch, name)
        assert repr(ours).split(".")[1] == repr(theirs).split(".")[1]
        assert ours.is_floating_point == theirs.is_floating_point
        assert ours.is_signed == theirs.is_signed and ours.is_complex == theirs.is_complex
        assert ours.itemsize == theirs.itemsize


def test_numpy_takes_dtype_objects():
    assert np.zeros(2, dtype=fg.float16).dtype == np.float16
    assert np.arange(3).astype(fg.float64).dtype == np.float64
    assert fg.zeros(2, dtype=fg.float16).dtype == fg.float16
    assert fg.ones(2).sum(dtype=fg.float64).dtype == fg.float64


def test_default_dtype():
    assert fg.get_default_dtype() is fg.float32
    fg.set_default_dtype(fg.float64)
    try:
        assert fg.get_default_dtype() is fg.float64 and fg.tensor([1.5]).dtype == fg.float64
        assert fg.rand(2).dtype == fg.float64
    finally:
        fg.set_default_dtype(fg.float32)
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        fg.set_default_dtype(fg.int64)


def test_float16_storage_and_casts():
    x = fg.tensor([1.0, 2.5, 65504.0]).half()
    assert x.dtype == fg.float16 and x.element_size() == 2
    np.testing.assert_array_equal(x.float().numpy(), [1.0, 2.5, 65504.0])
    assert x.to(fg.float32).dtype == fg.float32
    assert repr(fg.tensor([1.5]).half()) == "tensor([1.5000], dtype=fastgrad.float16)"


def test_finfo_iinfo_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("float32", "float64", "float16"):
        a, b = fg.finfo(getattr(fg, name)), torch.finfo(getattr(torch, name))
        for f in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(a, f) == getattr(b, f), (name, f)
    assert fg.finfo().eps == torch.finfo().eps
    for name in ("int64", "int32", "int16", "int8", "uint8"):
        a, b = fg.iinfo(getattr(fg, name)), torch.iinfo(getattr(torch, name))
        assert (a.bits, a.min, a.max, a.dtype) == (b.bits, b.min, b.max, b.dtype)
    with pytest.raises(TypeError, match="floating point input type"):
        fg.finfo(fg.int32)
    with pytest.raises(TypeError, match="integer input type"):
        fg.iinfo(fg.float32)
    with pytest.raises(TypeError, match="bool is not supported"):
        fg.iinfo(fg.bool)


def test_default_device_is_the_cpu():
    assert fg.get_default_device() == fg.device("cpu")
    fg.set_default_device("cpu")
    fg.set_default_device(None)
    with pytest.raises(RuntimeError, match="CPU-only"):
        fg.set_default_device("cuda")
    with fg.device("cpu"):
        assert fg.zeros(1).device == fg.device("cpu")


def test_module_type_accepts_names_classes_and_dtypes():
    m = fg.nn.Linear(2, 2)
    assert m.type("torch.DoubleTensor").weight.dtype == fg.float64
    assert m.type(fg.FloatTensor).weight.dtype == fg.float32
    assert m.type(fg.float16).bias.dtype == fg.float16
    with pytest.raises(RuntimeError, match="CPU-only"):
        m.type("torch.cuda.FloatTensor")
