"""nn.utils.parametrize / parametrizations (weight_norm, orthogonal) and functional_call: torch's
state_dict keys, values and gradients (float64), class swapping, caching, right_inverse, errors."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import fastgrad as fg
from fastgrad import nn
from fastgrad.nn.utils import parametrizations as PZ
from fastgrad.nn.utils import parametrize as P


def _from_torch(mod, tmod):
    mod.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()})
    return mod


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric


class Double(nn.Module):
    def forward(self, x):
        return 2 * x


def test_register_parametrization_keys_class_values_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    t = torch.nn.Linear(3, 3).double()
    m = _from_torch(nn.Linear(3, 3).double(), t)
    torch.nn.utils.parametrize.register_parametrization(t, "weight", _symmetric(torch)())
    out = P.register_parametrization(m, "weight", _symmetric(fg)())
    assert out is m and type(m).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert isinstance(m, nn.Linear) and P.type_before_parametrizations(m) is nn.Linear
    assert list(m.state_dict()) == list(t.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    np.testing.assert_array_equal(m.parametrizations.weight.original.detach().numpy(),
                                  t.parametrizations.weight.original.detach().numpy())   # right_inverse ran
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-15)
    x = np.random.default_rng(0).standard_normal((4, 3))
    m(fg.tensor(x)).pow(2).sum().backward()
    t(torch.tensor(x)).pow(2).sum().backward()
    np.testing.assert_allclose(m.parametrizations.weight.original.grad.numpy(),
                               t.parametrizations.weight.original.grad.numpy(), rtol=1e-12)
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight") and not P.is_parametrized(m, "bias")
    assert not P.is_parametrized(nn.Linear(2, 2))
    assert repr(m) == repr(t)


def test_chained_parametrizations_assignment_and_removal():
    m = nn.Linear(3, 3)
    P.register_parametrization(m, "weight", _symmetric(fg)())
    P.register_parametrization(m, "weight", Double())
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    orig = m.parametrizations.weight.original
    assert len(m.parametrizations.weight) == 2
    with pytest.raises(RuntimeError, match="Double does not implement right_inverse"):
        m.weight = fg.eye(3)
    P.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and not hasattr(m, "parametrizations")
    assert list(m.state_dict()) == ["bias", "weight"] and m.weight is orig       # same Parameter object
    np.testing.assert_allclose(m.weight.detach().numpy(), w)


def test_assignment_goes_through_right_inverse_and_keeps_the_parameter_object():
    m = nn.Linear(3, 3)
    P.register_parametrization(m, "weight", _symmetric(fg)())
    orig = m.parametrizations.weight.original
    a = fg.tensor(np.arange(9.0).reshape(3, 3), dtype=fg.float32)
    m.weight = a
    assert m.parametrizations.weight.original is orig
    np.testing.assert_array_equal(orig.detach().numpy(), np.triu(np.arange(9.0).reshape(3, 3)))
    P.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.triu(np.arange(9.0).reshape(3, 3)))


def test_transfer_parametrizations_and_params():
    src = PZ.weight_norm(nn.Linear(3, 2))
    dst = P.transfer_parametrizations_and_params(src, nn.Linear(3, 2))
    assert type(dst).__name__ == "ParametrizedLinear" and list(dst.state_dict()) == list(src.state_dict())
    np.testing.assert_array_equal(dst.weight.detach().numpy(), src.weight.detach().numpy())
    x = fg.randn(4, 3)
    with fg.no_grad():
        dst.bias.copy_(src.bias)
    np.testing.assert_array_equal(dst(x).detach().numpy(), src(x).detach().numpy())


def test_parametrizing_a_buffer_and_cached():
    calls = []

    class Counting(nn.Module):
        def forward(self, x):
            calls.append(1)
            return x + 1

    bn = nn.BatchNorm1d(2)
    P.register_parametrization(bn, "running_var", Counting())
    assert "parametrizations.running_var.original" in bn.state_dict()
    calls.clear()
    with P.cached():
        a, b = bn.running_var, bn.running_var
        assert a is b and len(calls) == 1
    bn.running_var
    assert len(calls) == 2


def test_parametrize_errors_as_torch():
    torch = pytest.importorskip("torch")

    class Shape(torch.nn.Module):
        def forward(self, x):
            return x[:1]

    class FShape(nn.Module):
        def forward(self, x):
            return x[:1]

    class Dt(torch.nn.Module):
        def forward(self, x):
            return x.double()

    class FDt(nn.Module):
        def forward(self, x):
            return x.double()
    TP = torch.nn.utils.parametrize
    for mine, theirs, exc in [(lambda: P.register_parametrization(nn.Linear(2, 2), "nope", FShape()),
                               lambda: TP.register_parametrization(torch.nn.Linear(2, 2), "nope", Shape()), ValueError),
                              (lambda: P.register_parametrization(nn.Linear(2, 2), "weight", FShape()),
                               lambda: TP.register_parametrization(torch.nn.Linear(2, 2), "weight", Shape()),
                               ValueError),
                              (lambda: P.register_parametrization(nn.Linear(2, 2), "weight", FDt()),
                               lambda: TP.register_parametrization(torch.nn.Linear(2, 2), "weight", Dt()),
                               ValueError),
                              (lambda: P.remove_parametrizations(nn.Linear(2, 2), "weight"),
                               lambda: TP.remove_parametrizations(torch.nn.Linear(2, 2), "weight"), ValueError)]:
        with pytest.raises(exc) as want:
            theirs()
        with pytest.raises(exc) as got:
            mine()
        assert str(got.value).split(":")[0].split("Linear")[0] == str(want.value).split(":")[0].split("Linear")[0]
    m = P.register_parametrization(nn.Linear(2, 2), "weight", FShape(), unsafe=True)
    assert m.weight.shape == fg.Size([1, 2])
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)
    c = copy.deepcopy(PZ.weight_norm(nn.Linear(3, 2)))           # deepcopy works, as torch
    assert type(c).__name__ == "ParametrizedLinear" and c(fg.ones(1, 3)).shape == fg.Size([1, 2])
    c.parametrizations.weight.original0.data.mul_(0.0)
    assert c.weight.abs().sum().item() == 0


# -- parametrizations.weight_norm ----------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrizations_weight_norm_keys_values_gradients_as_torch(dim):
    torch = pytest.importorskip("torch")
    t = torch.nn.Conv2d(3, 4, 3).double()
    m = _from_torch(nn.Conv2d(3, 4, 3).double(), t)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    PZ.weight_norm(m, dim=dim)
    assert list(m.state_dict()) == list(t.state_dict()) == ["bias", "parametrizations.weight.original0",
                                                            "parametrizations.weight.original1"]
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), rtol=1e-14)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))
    m(fg.tensor(x)).pow(2).sum().backward()
    t(torch.tensor(x)).pow(2).sum().backward()
    for i in (0, 1):
        np.testing.assert_allclose(getattr(m.parametrizations.weight, f"original{i}").grad.numpy(),
                                   getattr(t.parametrizations.weight, f"original{i}").grad.numpy(), rtol=1e-10)
    # a torch checkpoint loads, and removal leaves the parametrized weight as a parameter
    m2 = PZ.weight_norm(nn.Conv2d(3, 4, 3).double(), dim=dim)
    _from_torch(m2, t)
    P.remove_parametrizations(m2, "weight")
    np.testing.assert_allclose(m2.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-13)
    assert list(m2.state_dict()) == ["bias", "weight"] and isinstance(m2.weight, nn.Parameter)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(PZ.weight_norm(nn.Linear(2, 2)), "weight", leave_parametrized=False)


# -- parametrizations.orthogonal -----------------------------------------------------------
CASES = [((4, 4), {}), ((5, 3), {}), ((3, 5), {}), ((5, 3), {"use_trivialization": False}),
         ((3, 5), {"use_trivialization": False}), ((4, 4), {"orthogonal_map": "householder"}),
         ((4, 4), {"orthogonal_map": "householder", "use_trivialization": False}),
         ((5, 3), {"orthogonal_map": "matrix_exp"})]


@pytest.mark.parametrize("shape,kw", CASES)
def test_orthogonal_keys_initial_weight_and_gradients_match_torch(shape, kw):
    torch = pytest.importorskip("torch")
    t = torch.nn.Linear(shape[1], shape[0]).double()
    m = _from_torch(nn.Linear(shape[1], shape[0]).double(), t)
    torch.nn.utils.parametrizations.orthogonal(t, **kw)
    PZ.orthogonal(m, **kw)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), atol=1e-12)
    # from here on use torch's full state (the random completion of a non-square base differs)
    rng = np.random.default_rng(1)
    noise = 0.3 * rng.standard_normal(shape) * (1 - np.eye(*shape))   # householder's diagonal never trains
    with torch.no_grad():
        t.parametrizations.weight.original.add_(torch.tensor(noise))
    _from_torch(m, t)
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), atol=1e-12)
    w = m.weight.detach().numpy()
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    x = rng.standard_normal((2, shape[1]))
    m(fg.tensor(x)).pow(2).sum().backward()
    t(torch.tensor(x)).pow(2).sum().backward()
    np.testing.assert_allclose(m.parametrizations.weight.original.grad.numpy(),
                               t.parametrizations.weight.original.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("shape,kw", [((2, 4, 4), {}), ((2, 5, 3), {}), ((2, 3, 5), {}),
                                      ((2, 5, 3), {"use_trivialization": False})])
def test_orthogonal_batches_of_matrices_match_torch(shape, kw):
    torch = pytest.importorskip("torch")

    def holder(lib):
        class Holder(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.zeros(*shape, dtype=lib.float64))
        return Holder()
    m, t = holder(fg), holder(torch)
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(shape)
    with torch.no_grad():
        t.w.copy_(torch.tensor(w0))
    _from_torch(m, t)
    torch.nn.utils.parametrizations.orthogonal(t, "w", **kw)
    PZ.orthogonal(m, "w", **kw)
    np.testing.assert_allclose(m.w.detach().numpy(), t.w.detach().numpy(), atol=1e-12)
    with torch.no_grad():
        t.parametrizations.w.original.add_(torch.tensor(0.3 * rng.standard_normal(shape) * (1 - np.eye(*shape[1:]))))
    _from_torch(m, t)
    m.w.pow(3).sum().backward()
    t.w.pow(3).sum().backward()
    np.testing.assert_allclose(m.w.detach().numpy(), t.w.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(m.parametrizations.w.original.grad.numpy(), t.parametrizations.w.original.grad.numpy(),
                               atol=1e-10)


def test_orthogonal_stays_orthogonal_under_training_float32_and_assignment():
    m = PZ.orthogonal(nn.Linear(6, 6))
    opt = fg.optim.SGD(m.parameters(), lr=0.5)
    x = fg.randn(8, 6)
    for _ in range(5):
        opt.zero_grad()
        (m(x) - 1).pow(2).mean().backward()
        opt.step()
    w = m.weight.detach().numpy()
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.T @ w, np.eye(6), atol=1e-5)
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((6, 6)))[0].astype(np.float32)
    m.weight = fg.tensor(q)
    np.testing.assert_allclose(m.weight.detach().numpy(), q, atol=1e-5)


def test_orthogonal_errors_as_torch():
    torch = pytest.importorskip("torch")
    for mine, theirs in [(lambda: PZ.orthogonal(nn.Linear(2, 2), "nope"),
                          lambda: torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(2, 2), "nope")),
                         (lambda: PZ.orthogonal(nn.Linear(2, 2), "bias"),
                          lambda: torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(2, 2), "bias")),
                         (lambda: PZ.orthogonal(nn.Linear(2, 2), orthogonal_map="qr"),
                          lambda: torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(2, 2),
                                                                              orthogonal_map="qr"))]:
        with pytest.raises(ValueError) as want:
            theirs()
        with pytest.raises(ValueError) as got:
            mine()
        assert str(got.value).split("'")[0] == str(want.value).split("'")[0]
    with pytest.raises(NotImplementedError, match="cayley"):
        PZ.orthogonal(nn.Linear(2, 2), orthogonal_map="cayley")
    m = PZ.orthogonal(nn.Linear(3, 3), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        m.weight = fg.eye(3)


# -- functional_call -----------------------------------------------------------------------
def test_functional_call_swaps_for_one_call_and_gradients_reach_the_given_tensors():
    torch = pytest.importorskip("torch")
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    m = _from_torch(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double(), t)
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((4, 3))
    x = rng.standard_normal((5, 3))
    fw = fg.tensor(w0, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    y = fg.func.functional_call(m, {"0.weight": fw}, (fg.tensor(x),))
    ty = torch.func.functional_call(t, {"0.weight": tw}, (torch.tensor(x),))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(fw.grad.numpy(), tw.grad.numpy(), rtol=1e-12)
    assert m[0].weight.grad is None and isinstance(m[0].weight, nn.Parameter)
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), t[0].weight.detach().numpy())   # restored
    # a single non-tuple argument, kwargs, several dicts, buffers updated in place
    dicts = ({"0.bias": fg.zeros(4, dtype=fg.float64)}, {"2.bias": fg.ones(2, dtype=fg.float64)})
    out = fg.func.functional_call(m, dicts, fg.tensor(x))
    assert out.shape == fg.Size([5, 2])
    assert fg.func.functional_call(nn.Linear(2, 2), {}, kwargs={"input": fg.ones(1, 2)}).shape == fg.Size([1, 2])
    bn = nn.BatchNorm1d(2)
    rm = fg.zeros(2)
    fg.func.functional_call(bn, {"running_mean": rm}, fg.randn(8, 2) + 3)
    assert rm.abs().sum().item() > 0 and bn.running_mean.abs().sum().item() == 0


def test_functional_call_restores_after_an_exception_and_sets_unknown_names():
    class Boom(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            if getattr(self, "extra", None) is not None:
                return self.extra
            raise KeyError("boom")
    b = Boom()
    w = b.lin.weight
    with pytest.raises(KeyError):
        fg.func.functional_call(b, {"lin.weight": fg.zeros(2, 2)}, fg.ones(1, 2))
    assert b.lin.weight is w
    assert fg.func.functional_call(b, {"extra": fg.ones(1)}, fg.ones(1, 2)).tolist() == [1.0]
    assert "extra" not in b.__dict__


def test_functional_call_tied_weights_strict_and_errors_as_torch():
    torch = pytest.importorskip("torch")

    def tied(lib):
        class T(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = lib.nn.Linear(2, 2, bias=False)
                self.b = lib.nn.Linear(2, 2, bias=False)
                self.b.weight = self.a.weight

            def forward(self, x):
                return self.b(self.a(x))
        return T()
    m, t = tied(fg), tied(torch)
    assert fg.func.functional_call(m, {"a.weight": fg.eye(2)}, fg.ones(1, 2)).tolist() == [[1.0, 1.0]]
    assert torch.func.functional_call(t, {"a.weight": torch.eye(2)}, torch.ones(1, 2)).tolist() == [[1.0, 1.0]]
    untied = fg.func.functional_call(m, {"a.weight": fg.eye(2)}, fg.ones(1, 2), tie_weights=False)
    np.testing.assert_allclose(untied.detach().numpy(), m.b(fg.ones(1, 2)).detach().numpy())
    cases = [(lambda M, F, lib: F(M, {"a.weight": lib.eye(2), "b.weight": lib.zeros(2, 2)}, lib.ones(1, 2)),
              ValueError),
             (lambda M, F, lib: F(M, ({"a.weight": lib.eye(2)}, {"a.weight": lib.eye(2)}), lib.ones(1, 2)),
              ValueError),
             (lambda M, F, lib: F(M, {"a.weight": lib.eye(2), "foo": lib.ones(1)}, lib.ones(1, 2), strict=True),
              RuntimeError),
             (lambda M, F, lib: F(M, {}, lib.ones(1, 2), strict=True), RuntimeError),
             (lambda M, F, lib: F(M, {"nope.weight": lib.eye(2)}, lib.ones(1, 2)), AttributeError)]
    for case, exc in cases:
        with pytest.raises(exc) as want:
            case(t, torch.func.functional_call, torch)
        with pytest.raises(exc) as got:
            case(m, fg.func.functional_call, fg)
        assert str(got.value) == str(want.value)
    with pytest.raises(TypeError, match="is not an instance of fastgrad.Tensor"):
        fg.func.functional_call(m, {"a.weight": 3}, fg.ones(1, 2))


def test_stateless_functional_call_is_the_deprecated_spelling():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        nn.utils.stateless.functional_call(nn.Linear(2, 2), {}, fg.ones(1, 2))
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        torch.nn.utils.stateless.functional_call(torch.nn.Linear(2, 2), {}, torch.ones(1, 2))
    assert [(w.category, str(w.message)) for w in got] == [(w.category, str(w.message)) for w in want]
    assert got[0].filename == __file__


def test_functional_call_on_a_parametrized_module():
    m = PZ.weight_norm(nn.Linear(3, 2))
    g = fg.ones(2, 1, requires_grad=True)
    y = fg.func.functional_call(m, {"parametrizations.weight.original0": g}, fg.ones(1, 3))
    y.sum().backward()
    assert g.grad is not None and g.grad.shape == fg.Size([2, 1])


def test_functional_call_with_a_parametrized_name_goes_through_right_inverse_as_torch():
    torch = pytest.importorskip("torch")
    m = PZ.weight_norm(nn.Linear(2, 2, bias=False))
    before = m.weight.detach().numpy().copy()
    assert fg.func.functional_call(m, {"weight": fg.eye(2)}, fg.ones(1, 2)).tolist() == [[1.0, 1.0]]
    np.testing.assert_allclose(m.weight.detach().numpy(), before, rtol=1e-6)
    m2 = P.register_parametrization(nn.Linear(2, 2, bias=False), "weight", Double())
    t2 = torch.nn.utils.parametrize.register_parametrization(torch.nn.Linear(2, 2, bias=False), "weight",
                                                             type("Double", (torch.nn.Module,),
                                                                  {"forward": lambda self, x: 2 * x})())
    with pytest.raises(RuntimeError) as want:
        torch.func.functional_call(t2, {"weight": torch.eye(2)}, torch.ones(1, 2))
    with pytest.raises(RuntimeError) as got:
        fg.func.functional_call(m2, {"weight": fg.eye(2)}, fg.ones(1, 2))
    assert str(got.value) == str(want.value)
