"""autograd.functional.jacobian / vjp against torch.autograd.functional (values, output structure,
strict mode, errors) and against float64 central differences; the second-order ones raise."""
import numpy as np
import pytest

import fastgrad
from fastgrad.autograd import functional as AF

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4,))


def _t(m, a, dtype="float64"):
    return m.tensor(np.asarray(a, dtype=dtype))


# func builders: (module) -> (func, inputs)
FUNCS = {
    "matvec_tanh": lambda m: (lambda x: (_t(m, A) @ x).tanh(), _t(m, B)),
    "two_in_one_out": lambda m: (lambda x, y: (x * y).sum(0), (_t(m, A), _t(m, A[::-1].copy()))),
    "one_in_two_out": lambda m: (lambda x: (x.exp(), x.sum()), _t(m, B)),
    "two_in_two_out": lambda m: (lambda x, y: (x @ y, y.sigmoid()), (_t(m, A), _t(m, B))),
    "scalar": lambda m: (lambda x: (x ** 2).sum(), _t(m, A)),
    "zero_dim_input": lambda m: (lambda x: x * _t(m, B), _t(m, 1.5)),
    "unused_input": lambda m: (lambda x, y: x * 2, (_t(m, B), _t(m, A))),
    "constant_output": lambda m: (lambda x: _t(m, B), _t(m, B)),
    "float32": lambda m: (lambda x: x.relu() * 3, _t(m, B, "float32")),
    "noncontiguous": lambda m: (lambda x: x.t() * 2, _t(m, A)[:, ::2]),
}


def _np(res):
    if isinstance(res, tuple):
        return tuple(_np(r) for r in res)
    return res.detach().numpy()


def _close(f, t):
    if isinstance(t, tuple):
        assert isinstance(f, tuple) and len(f) == len(t)
        for a, b in zip(f, t):
            _close(a, b)
    else:
        assert f.shape == t.shape and f.dtype == t.dtype, (f.shape, t.shape)
        np.testing.assert_allclose(f, t, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_torch(name, vectorize):
    ff, fx = FUNCS[name](fastgrad)
    tf, tx = FUNCS[name](torch)
    _close(_np(AF.jacobian(ff, fx, vectorize=vectorize)), _np(TF.jacobian(tf, tx, vectorize=vectorize)))


def test_jacobian_matches_finite_differences():
    x0 = RNG.standard_normal(4)

    def f(x):
        return (fastgrad.tensor(A) @ x).sin() * x.sum()
    jac = AF.jacobian(f, fastgrad.tensor(x0)).numpy()
    eps, num = 1e-6, np.zeros((3, 4))
    for j in range(4):
        d = np.zeros(4)
        d[j] = eps
        num[:, j] = (f(fastgrad.tensor(x0 + d)).numpy() - f(fastgrad.tensor(x0 - d)).numpy()) / (2 * eps)
    np.testing.assert_allclose(jac, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(FUNCS))
def test_vjp_matches_torch(name):
    ff, fx = FUNCS[name](fastgrad)
    tf, tx = FUNCS[name](torch)
    touts = tf(*(tx if isinstance(tx, tuple) else (tx,)))
    vs = tuple(RNG.standard_normal(tuple(o.shape)) for o in (touts if isinstance(touts, tuple) else (touts,)))
    tv = tuple(torch.tensor(v, dtype=o.dtype) for v, o in zip(vs, touts if isinstance(touts, tuple) else (touts,)))
    fv = tuple(fastgrad.tensor(v.numpy()) for v in tv)
    if not isinstance(touts, tuple):
        tv, fv = tv[0], fv[0]
    _close(_np(AF.vjp(ff, fx, fv)), _np(TF.vjp(tf, tx, tv)))


def test_vjp_default_v_and_grad_mode():
    x = fastgrad.tensor([1.0, 2.0, 3.0])
    with fastgrad.no_grad():
        out, g = AF.vjp(lambda a: (a ** 2).sum(), x)
    assert out.item() == 14.0 and not out.requires_grad and not g.requires_grad
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0, 6.0])
    assert not x.requires_grad                         # the inputs are not modified


CASES = {
    "v_none_not_scalar": lambda m, F: F.vjp(lambda x: x * 2, m.ones(3)),
    "v_wrong_length": lambda m, F: F.vjp(lambda x: (x, x), m.ones(3), (m.ones(3),)),
    "v_single_wrong_length": lambda m, F: F.vjp(lambda x: x, m.ones(3), (m.ones(3), m.ones(3))),
    "v_wrong_shape": lambda m, F: F.vjp(lambda x: x, m.ones(3), m.ones(2)),
    "v_wrong_shape_tuple": lambda m, F: F.vjp(lambda x: (x, x), m.ones(3), (m.ones(3), m.ones(2))),
    "inputs_not_tensor": lambda m, F: F.jacobian(lambda x: x, 3.0),
    "inputs_tuple_not_tensor": lambda m, F: F.vjp(lambda x, y: x, (m.ones(1), 2)),
    "outputs_not_tensor": lambda m, F: F.jacobian(lambda x: 3.0, m.ones(2)),
    "strict_output": lambda m, F: F.jacobian(lambda x: m.ones(2), m.ones(2), strict=True),
    "strict_unused": lambda m, F: F.jacobian(lambda x, y: x * 2, (m.ones(2), m.ones(2)), strict=True),
    "strict_vjp_unused": lambda m, F: F.vjp(lambda x, y: (x * 2).sum(), (m.ones(2), m.ones(2)), strict=True),
    "strict_vectorize": lambda m, F: F.jacobian(lambda x: x * 2, m.ones(2), strict=True, vectorize=True),
    "bad_strategy": lambda m, F: F.jacobian(lambda x: x, m.ones(2), strategy="sideways"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_functional_errors_as_torch(case):
    with pytest.raises(Exception) as t_err:
        CASES[case](torch, TF)
    with pytest.raises(type(t_err.value)) as f_err:
        CASES[case](fastgrad, AF)
    text = str(f_err.value).replace("fastgrad.tensor.Tensor", "torch.Tensor").replace("fastgrad.", "torch.")
    assert text == str(t_err.value)


def test_functional_not_supported_raise_not_implemented():
    x = fastgrad.ones(2)
    for call in (lambda: AF.jacobian(lambda a: a, x, create_graph=True),
                 lambda: AF.vjp(lambda a: a.sum(), x, create_graph=True),
                 lambda: AF.jacobian(lambda a: a, x, strategy="forward-mode", vectorize=True),
                 lambda: AF.jvp(lambda a: a, x, x), lambda: AF.hvp(lambda a: a.sum(), x, x),
                 lambda: AF.vhp(lambda a: a.sum(), x, x), lambda: AF.hessian(lambda a: a.sum(), x)):
        with pytest.raises(NotImplementedError, match="higher-order|forward-mode"):
            call()
    assert fastgrad.autograd.functional is AF
