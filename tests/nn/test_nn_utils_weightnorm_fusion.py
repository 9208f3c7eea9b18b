"""nn.utils: weight_norm / remove_weight_norm (hook API: keys, values, gradients vs torch), BatchNorm
folding (fuse_*: torch's formulas, parity with the eval-mode modules), skip_init, clip_grad_norm."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
from fastgrad import nn


def _copy_from_torch(mod, tmod):
    mod.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()})
    return mod


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn(*args, **kwargs)


def _pair(torch, kind, dtype):
    tdt = getattr(torch, dtype)
    if kind == "linear":
        t, m, shape = torch.nn.Linear(5, 4), nn.Linear(5, 4), (3, 5)
    elif kind == "conv":
        t, m, shape = torch.nn.Conv2d(3, 4, 3), nn.Conv2d(3, 4, 3), (2, 3, 6, 6)
    else:
        t, m, shape = torch.nn.ConvTranspose2d(3, 4, 3), nn.ConvTranspose2d(3, 4, 3), (2, 3, 5, 5)
    t = t.to(tdt)
    m = _copy_from_torch(m.to(getattr(fg, dtype)), t)
    return t, m, shape


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
@pytest.mark.parametrize("dim", [0, 1, None, -2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_weight_norm_keys_values_and_gradients_match_torch(kind, dim, dtype):
    torch = pytest.importorskip("torch")
    t, m, shape = _pair(torch, kind, dtype)
    _quiet(torch.nn.utils.weight_norm, t, dim=dim)
    out = _quiet(nn.utils.weight_norm, m, dim=dim)
    assert out is m
    assert list(m.state_dict()) == list(t.state_dict()) and list(m.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    for k, v in t.state_dict().items():
        assert tuple(m.state_dict()[k].shape) == tuple(v.shape)
        np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), rtol=1e-6)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    y, ty = m(fg.tensor(x)), t(torch.tensor(x))
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
    w = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    (y * fg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for name in ("weight_g", "weight_v", "bias"):
        np.testing.assert_allclose(getattr(m, name).grad.numpy(), getattr(t, name).grad.numpy(), **tol)
    # a changed g/v shows up at the next call (the pre-hook recomputes the weight)
    with fg.no_grad():
        m.weight_g.mul_(2.0)
    with torch.no_grad():
        t.weight_g.mul_(2.0)
    np.testing.assert_allclose(m(fg.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), **tol)
    nn.utils.remove_weight_norm(m)
    torch.nn.utils.remove_weight_norm(t)
    assert list(m.state_dict()) == list(t.state_dict()) == ["bias", "weight"]
    assert isinstance(m.weight, nn.Parameter) and not m._forward_pre_hooks
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), **tol)


def test_weight_norm_loads_a_torch_checkpoint_and_trains():
    torch = pytest.importorskip("torch")
    t = _quiet(torch.nn.utils.weight_norm, torch.nn.Linear(4, 3))
    m = _quiet(nn.utils.weight_norm, nn.Linear(4, 3))
    _copy_from_torch(m, t)
    opt = fg.optim.SGD(m.parameters(), lr=0.1)
    x = fg.randn(8, 4)
    before = float(m(x).pow(2).mean())
    for _ in range(5):
        opt.zero_grad()
        m(x).pow(2).mean().backward()
        opt.step()
    assert float(m(x).pow(2).mean()) < before


def test_weight_norm_gradcheck_float64():
    from fastgrad.autograd import gradcheck
    from fastgrad.nn.utils.weight_norm import _weight_norm
    rng = np.random.default_rng(0)
    v = fg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    for dim, gshape in [(0, (3, 1)), (1, (1, 4)), (-1, ())]:
        g = fg.tensor(rng.standard_normal(gshape), requires_grad=True)
        assert gradcheck(lambda a, b, d=dim: _weight_norm(a, b, d), [v, g])


def test_weight_norm_warning_and_errors_as_torch():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        m = nn.utils.weight_norm(nn.Linear(2, 2))
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        t = torch.nn.utils.weight_norm(torch.nn.Linear(2, 2))
    assert [(w.category, str(w.message)) for w in got] == [(w.category, str(w.message)) for w in want]
    for fn, tfn, exc in [(lambda: _quiet(nn.utils.weight_norm, m), lambda: _quiet(torch.nn.utils.weight_norm, t),
                          RuntimeError),
                         (lambda: nn.utils.remove_weight_norm(nn.Linear(2, 2)),
                          lambda: torch.nn.utils.remove_weight_norm(torch.nn.Linear(2, 2)), ValueError)]:
        with pytest.raises(exc) as e1:
            fn()
        with pytest.raises(exc) as e2:
            tfn()
        assert str(e1.value).split(" in ")[0] == str(e2.value).split(" in ")[0]
    m2 = _quiet(nn.utils.weight_norm, nn.Linear(2, 3), name="bias", dim=None)
    assert list(m2.state_dict()) == ["weight", "bias_g", "bias_v"]
    m2(fg.ones(1, 2))


# -- BatchNorm folding ---------------------------------------------------------------------
def _bn_pair(torch, cls, n, dtype="float32"):
    t = getattr(torch.nn, cls)(n).to(getattr(torch, dtype))
    rng = np.random.default_rng(n)
    with torch.no_grad():
        t.running_mean.copy_(torch.tensor(rng.standard_normal(n)))
        t.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, n)))
        t.weight.copy_(torch.tensor(rng.standard_normal(n)))
        t.bias.copy_(torch.tensor(rng.standard_normal(n)))
    m = _copy_from_torch(getattr(nn, cls)(n).to(getattr(fg, dtype)), t)
    return t.eval(), m.eval()


@pytest.mark.parametrize("kind,transpose,bias", [("conv", False, True), ("conv", False, False),
                                                 ("convT", True, True), ("conv1d", False, True)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fuse_conv_bn_eval_matches_torch_and_the_unfused_modules(kind, transpose, bias, dtype):
    torch = pytest.importorskip("torch")
    if kind == "conv1d":
        tc, mc, shape, bn = torch.nn.Conv1d(3, 4, 3, bias=bias), nn.Conv1d(3, 4, 3, bias=bias), (2, 3, 7), "BatchNorm1d"
    elif kind == "conv":
        tc, mc, shape, bn = torch.nn.Conv2d(3, 4, 3, bias=bias), nn.Conv2d(3, 4, 3, bias=bias), (2, 3, 6, 6), \
            "BatchNorm2d"
    else:
        tc, mc, shape, bn = torch.nn.ConvTranspose2d(3, 4, 3), nn.ConvTranspose2d(3, 4, 3), (2, 3, 5, 5), "BatchNorm2d"
    tc = tc.to(getattr(torch, dtype)).eval()
    mc = _copy_from_torch(mc.to(getattr(fg, dtype)), tc).eval()
    tb, mb = _bn_pair(torch, bn, 4, dtype)
    tf = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose=transpose)
    mf = nn.utils.fuse_conv_bn_eval(mc, mb, transpose=transpose)
    assert mf is not mc and type(mf) is type(mc)
    assert list(mf.state_dict()) == list(tf.state_dict())
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-13, atol=1e-14)
    for k, v in tf.state_dict().items():
        assert mf.state_dict()[k].dtype == getattr(fg, dtype)
        np.testing.assert_allclose(mf.state_dict()[k].numpy(), v.numpy(), **tol)
    assert isinstance(mf.weight, nn.Parameter) and mf.weight.requires_grad and mf.bias.requires_grad == bias
    x = fg.tensor(np.random.default_rng(2).standard_normal(shape).astype(dtype))
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mf(x).detach().numpy(), mb(mc(x)).detach().numpy(), **tol)


@pytest.mark.parametrize("features", [4, 1])
def test_fuse_linear_bn_eval_matches_torch_and_the_unfused_modules(features):
    torch = pytest.importorskip("torch")
    tl = torch.nn.Linear(5, 4).eval()
    ml = _copy_from_torch(nn.Linear(5, 4), tl).eval()
    tb, mb = _bn_pair(torch, "BatchNorm1d", features)
    tf, mf = torch.nn.utils.fuse_linear_bn_eval(tl, tb), nn.utils.fuse_linear_bn_eval(ml, mb)
    for k, v in tf.state_dict().items():
        np.testing.assert_allclose(mf.state_dict()[k].numpy(), v.numpy(), rtol=1e-6, atol=1e-6)
    x = fg.randn(6, 5)
    unfused = mb(ml(x)) if features == 4 else mb(ml(x).unsqueeze(1)).squeeze(1)   # one feature: bn over (N, 1, 4)
    np.testing.assert_allclose(mf(x).detach().numpy(), unfused.detach().numpy(), rtol=1e-4, atol=1e-5)
    w, b = nn.utils.fuse_linear_bn_weights(ml.weight, None, mb.running_mean, mb.running_var, mb.eps, mb.weight,
                                           mb.bias)
    tw, tb2 = torch.nn.utils.fuse_linear_bn_weights(tl.weight, None, tb.running_mean, tb.running_var, tb.eps,
                                                    tb.weight, tb.bias)
    np.testing.assert_allclose(b.detach().numpy(), tb2.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert b.requires_grad == tb2.requires_grad and w.requires_grad == tw.requires_grad


def test_fuse_conv_bn_weights_without_affine_bn():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w, rm, rv = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4), rng.uniform(0.5, 2, 4)
    ours = nn.utils.fuse_conv_bn_weights(fg.tensor(w), None, fg.tensor(rm), fg.tensor(rv), 1e-5, None, None)
    theirs = torch.nn.utils.fuse_conv_bn_weights(torch.tensor(w), None, torch.tensor(rm), torch.tensor(rv), 1e-5,
                                                 None, None)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-13)


def test_fusion_errors_as_torch():
    torch = pytest.importorskip("torch")
    cases = [(lambda M: M.utils.fuse_conv_bn_eval(M.Conv2d(2, 3, 1), M.BatchNorm2d(3).eval())),
             (lambda M: M.utils.fuse_linear_bn_eval(M.Linear(2, 3).eval(), M.BatchNorm1d(3))),
             (lambda M: M.utils.fuse_linear_bn_eval(M.Linear(2, 3).eval(), M.BatchNorm1d(2).eval())),
             (lambda M: M.utils.fuse_conv_bn_eval(M.Conv2d(2, 3, 1).eval(),
                                                  M.BatchNorm2d(3, track_running_stats=False).eval()))]
    for case in cases:
        with pytest.raises(AssertionError) as want:
            case(torch.nn)
        with pytest.raises(AssertionError) as got:
            case(nn)
        assert str(got.value) == str(want.value)


def test_skip_init_and_errors_as_torch():
    torch = pytest.importorskip("torch")
    m = nn.utils.skip_init(nn.Linear, 3, 4, device="cpu")
    assert isinstance(m, nn.Linear) and m.weight.shape == fg.Size([4, 3])
    assert nn.utils.skip_init(nn.Conv2d, 2, 3, 3).weight.shape == fg.Size([3, 2, 3, 3])

    class NoDevice(nn.Module):
        def __init__(self, n):
            super().__init__()

    class TNoDevice(torch.nn.Module):
        def __init__(self, n):
            super().__init__()
    for mine, theirs in [((NoDevice, 1), (TNoDevice, 1)), ((int,), (int,))]:
        with pytest.raises(RuntimeError) as want:
            torch.nn.utils.skip_init(*theirs)
        with pytest.raises(RuntimeError) as got:
            nn.utils.skip_init(*mine)
        assert str(got.value).split(";")[0] == str(want.value).split(";")[0]


def test_clip_grad_norm_deprecated_alias_warns_as_torch_and_clips():
    torch = pytest.importorskip("torch")
    p = nn.Parameter(fg.zeros(3))
    p.grad = fg.tensor([3.0, 4.0, 0.0])
    tp = torch.nn.Parameter(torch.zeros(3))
    tp.grad = torch.tensor([3.0, 4.0, 0.0])
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        total = nn.utils.clip_grad_norm([p], 1.0)
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        ttotal = torch.nn.utils.clip_grad_norm([tp], 1.0)
    assert [(w.category, str(w.message)) for w in got] == [(w.category, str(w.message)) for w in want]
    assert got[0].filename == __file__
    assert float(total) == pytest.approx(float(ttotal))
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("path,names", [
    ("fastgrad.nn.utils", ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
                           "clip_grads_with_norm_", "parameters_to_vector", "vector_to_parameters", "skip_init",
                           "weight_norm", "remove_weight_norm", "fuse_conv_bn_eval", "fuse_conv_bn_weights",
                           "fuse_linear_bn_eval", "fuse_linear_bn_weights"]),
    ("fastgrad.nn.utils.clip_grad", ["clip_grad_norm_", "clip_grad_value_"]),
    ("fastgrad.nn.utils.convert_parameters", ["parameters_to_vector", "vector_to_parameters"]),
    ("fastgrad.nn.utils.fusion", ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
                                  "fuse_linear_bn_weights"]),
    ("fastgrad.nn.utils.rnn", ["pad_sequence", "unpad_sequence"]),
    ("fastgrad.nn.utils.parametrize", ["register_parametrization", "remove_parametrizations", "is_parametrized",
                                       "cached", "type_before_parametrizations", "ParametrizationList",
                                       "transfer_parametrizations_and_params"]),
    ("fastgrad.nn.utils.parametrizations", ["weight_norm", "orthogonal"]),
    ("fastgrad.nn.utils.stateless", ["functional_call"]),
    ("fastgrad.func", ["functional_call"]),
    ("fastgrad.nn.init", ["orthogonal_", "dirac_", "eye_", "sparse_", "uniform", "sparse"]),
])
def test_torch_submodule_paths(path, names):
    import importlib
    pytest.importorskip("torch")
    mod = importlib.import_module(path)
    tmod = importlib.import_module(path.replace("fastgrad", "torch"))
    for n in names:
        assert hasattr(tmod, n) and hasattr(mod, n), n
