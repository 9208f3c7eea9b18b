"""biject_to / transform_to and the transforms they return, against torch: forward, inverse, log-det,
shapes and gradients (the pattern: optimise an unconstrained tensor mapped onto the constraint)."""
import numpy as np
import pytest

import fastgrad
import fastgrad.distributions as fd
from fastgrad.autograd import gradcheck

torch = pytest.importorskip("torch")
td = torch.distributions

R = np.random.default_rng(5)
X = R.standard_normal((2, 3))


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("make", [
    lambda C, T: C.real,
    lambda C, T: C.positive,
    lambda C, T: C.nonnegative,
    lambda C, T: C.greater_than(1.5),
    lambda C, T: C.greater_than_eq(T([-1.0, 0.0, 2.0])),
    lambda C, T: C.less_than(0.5),
    lambda C, T: C.interval(-2.0, 3.0),
    lambda C, T: C.half_open_interval(T([0.0, 1.0, 2.0]), T([1.0, 3.0, 2.5])),
    lambda C, T: C.unit_interval,
    lambda C, T: C.simplex,
    lambda C, T: C.real_vector,
    lambda C, T: C.independent(C.positive, 1),
], ids=["real", "positive", "nonnegative", "greater_than", "greater_than_eq_tensor", "less_than", "interval",
        "half_open_interval_tensor", "unit_interval", "simplex", "real_vector", "independent_positive"])
def test_registry_transform_matches_torch(registry, make):
    f = getattr(fd, registry)(make(fd.constraints, lambda v: fastgrad.tensor(v, dtype=fastgrad.float64)))
    t = getattr(td, registry)(make(td.constraints, lambda v: torch.tensor(v, dtype=torch.float64)))
    fx, tx = fastgrad.tensor(X), torch.tensor(X)
    fy, ty = f(fx), t(tx)
    np.testing.assert_allclose(fy.numpy(), ty.numpy(), rtol=1e-12, atol=1e-14)
    assert tuple(f.forward_shape((2, 3))) == tuple(t.forward_shape((2, 3)))
    assert bool(f.codomain.check(fy).all())
    if t.bijective:
        np.testing.assert_allclose(f.inv(fy).numpy(), t.inv(ty).numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(f.log_abs_det_jacobian(fx, fy).numpy(),
                                   t.log_abs_det_jacobian(tx, ty).numpy(), rtol=1e-10, atol=1e-12)
        assert gradcheck(lambda x: f.log_abs_det_jacobian(x, f(x)), [fastgrad.tensor(X, requires_grad=True)])
    assert gradcheck(lambda x: f(x), [fastgrad.tensor(X, requires_grad=True)])


def test_lower_cholesky_transform_and_mvn_from_unconstrained():
    a = R.standard_normal((2, 3, 3))
    f = fd.transform_to(fd.constraints.lower_cholesky)
    t = td.transform_to(td.constraints.lower_cholesky)
    fy, ty = f(fastgrad.tensor(a)), t(torch.tensor(a))
    np.testing.assert_allclose(fy.numpy(), ty.numpy(), rtol=1e-12)
    np.testing.assert_allclose(f.inv(fy).numpy(), t.inv(ty).numpy(), rtol=1e-12, atol=1e-14)
    raw = fastgrad.tensor(a, requires_grad=True)
    d = fd.MultivariateNormal(fastgrad.zeros(2, 3, dtype=fastgrad.float64), scale_tril=f(raw))
    d.log_prob(fastgrad.ones(2, 3, dtype=fastgrad.float64)).sum().backward()
    rt = torch.tensor(a, requires_grad=True)
    td.MultivariateNormal(torch.zeros(2, 3, dtype=torch.float64), scale_tril=t(rt)).log_prob(
        torch.ones(2, 3, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(raw.grad.numpy(), rt.grad.numpy(), rtol=1e-10)


def test_stick_breaking_shapes_and_errors():
    f = fd.biject_to(fd.constraints.simplex)
    assert tuple(f.forward_shape((4, 2))) == (4, 3) and tuple(f.inverse_shape((4, 3))) == (4, 2)
    y = f(fastgrad.tensor(X))
    np.testing.assert_allclose(y.sum(-1).numpy(), np.ones(2), rtol=1e-12)
    with pytest.raises(ValueError, match="Too few dimensions on input"):
        f.forward_shape(())
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        fd.biject_to(fd.constraints.boolean)
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
        fd.biject_to.register(int, lambda c: None)


def test_transformed_distribution_through_stick_breaking_matches_torch():
    """A logistic-normal on the simplex: log_prob through the stick-breaking log-det."""
    loc, scale = R.standard_normal(3), np.abs(R.standard_normal(3)) + 0.5
    value = np.array([0.1, 0.2, 0.3, 0.4])
    f = fd.TransformedDistribution(fd.Normal(fastgrad.tensor(loc), fastgrad.tensor(scale)),
                                   fd.transforms.StickBreakingTransform())
    t = td.TransformedDistribution(td.Normal(torch.tensor(loc), torch.tensor(scale)),
                                   td.transforms.StickBreakingTransform())
    assert tuple(f.event_shape) == tuple(t.event_shape) == (4,)
    np.testing.assert_allclose(f.log_prob(fastgrad.tensor(value)).numpy(), t.log_prob(torch.tensor(value)).numpy(),
                               rtol=1e-10)
    assert tuple(f.sample((5,)).shape) == (5, 4)


def test_positive_definite_transform_as_torch():
    a = R.standard_normal((2, 3, 3))
    for f, t in [(fd.transforms.PositiveDefiniteTransform(), td.transforms.PositiveDefiniteTransform())]:
        fy, ty = f(fastgrad.tensor(a)), t(torch.tensor(a))
        np.testing.assert_allclose(fy.numpy(), ty.numpy(), rtol=1e-12)
        np.testing.assert_allclose(f.inv(fy).numpy(), t.inv(ty).numpy(), rtol=1e-9, atol=1e-12)
        assert bool(fd.constraints.positive_definite.check(fy).all())
    assert gradcheck(lambda x: fd.transforms.PositiveDefiniteTransform()(x), [fastgrad.tensor(a, requires_grad=True)])


def test_reshape_and_cdf_transforms_as_torch():
    f = fd.transforms.ReshapeTransform((2, 3), (6,))
    t = td.transforms.ReshapeTransform((2, 3), (6,))
    x = R.standard_normal((4, 2, 3))
    np.testing.assert_array_equal(f(fastgrad.tensor(x)).numpy(), t(torch.tensor(x)).numpy())
    assert tuple(f.forward_shape((4, 2, 3))) == tuple(t.forward_shape((4, 2, 3)))
    assert tuple(f.log_abs_det_jacobian(fastgrad.tensor(x), f(fastgrad.tensor(x))).shape) == (4,)
    for bad in [lambda T: T.ReshapeTransform((2, 3), (5,)), lambda T: T.ReshapeTransform((2, 3), (6,)).forward_shape(
            (4, 3, 2)), lambda T: T.ReshapeTransform((2, 3), (6,)).forward_shape((3,))]:
        with pytest.raises(ValueError) as a:
            bad(fd.transforms)
        with pytest.raises(ValueError) as b:
            bad(td.transforms)
        assert str(a.value).replace("fastgrad.", "") == str(b.value).replace("torch.", "")
    # a base distribution re-shaped into one 6-vector event
    fdist = fd.TransformedDistribution(fd.Independent(fd.Normal(fastgrad.zeros(2, 3), fastgrad.ones(2, 3)), 2), f)
    tdist = td.TransformedDistribution(td.Independent(td.Normal(torch.zeros(2, 3), torch.ones(2, 3)), 2), t)
    assert tuple(fdist.event_shape) == tuple(tdist.event_shape) == (6,)
    v = R.standard_normal(6).astype(np.float32)
    np.testing.assert_allclose(fdist.log_prob(fastgrad.tensor(v)).numpy(), tdist.log_prob(torch.tensor(v)).numpy(),
                               rtol=1e-6)
    c = fd.transforms.CumulativeDistributionTransform(fd.Normal(0.0, 1.0))
    tc = td.transforms.CumulativeDistributionTransform(td.Normal(0.0, 1.0))
    z = np.array([-1.0, 0.3], np.float32)
    np.testing.assert_allclose(c(fastgrad.tensor(z)).numpy(), tc(torch.tensor(z)).numpy(), rtol=1e-6)
    np.testing.assert_allclose(c.log_abs_det_jacobian(fastgrad.tensor(z), c(fastgrad.tensor(z))).numpy(),
                               tc.log_abs_det_jacobian(torch.tensor(z), tc(torch.tensor(z))).numpy(), rtol=1e-6)
    np.testing.assert_allclose(c.inv(c(fastgrad.tensor(z))).numpy(), z, rtol=1e-5)
