"""nn.Sequential runs a plain Linear followed by a plain ReLU as one fused node (LinearReLU).

The fused pair must give the same values and gradients as the two modules run one by one, and
must step aside whenever the user could observe the difference (hooks, subclasses, an
instance-level forward)."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn


def _model(seed=0, bias=True, dtype=fg.float32, inplace=False):
    fg.manual_seed(seed)
    return nn.Sequential(nn.Linear(7, 16, bias=bias, dtype=dtype), nn.ReLU(inplace=inplace),
                         nn.Linear(16, 9, bias=bias, dtype=dtype), nn.ReLU(),
                         nn.Linear(9, 3, bias=bias, dtype=dtype))


def _unfused(model, x):
    for module in model:
        x = module(x)
    return x


def _grads(model, out):
    for p in model.parameters():
        p.grad = None
    (out * out).sum().backward()
    return [p.grad.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("dtype", [fg.float32, fg.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("rows", [0, 1, 5, 33])
def test_sequential_linear_relu_forward_backward_match_unfused(dtype, bias, rows):
    model = _model(bias=bias, dtype=dtype)
    x = fg.tensor(np.random.default_rng(1).standard_normal((rows, 7)), dtype=dtype, requires_grad=True)
    fused = model(x)
    gf = _grads(model, fused)
    gx_fused = x.grad.detach().numpy().copy() if rows else None
    x.grad = None
    plain = _unfused(model, x)
    gp = _grads(model, plain)
    np.testing.assert_array_equal(fused.detach().numpy(), plain.detach().numpy())
    for a, b in zip(gf, gp):
        np.testing.assert_array_equal(a, b)
    if rows:
        np.testing.assert_array_equal(gx_fused, x.grad.detach().numpy())


def test_sequential_linear_relu_records_one_node():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    y = model(fg.randn(2, 4))
    assert type(y.grad_fn).__name__ == "LinearReLU"
    assert len(y.grad_fn.next_functions) == 3  # input, weight, bias


def test_sequential_linear_relu_matches_torch():
    torch = pytest.importorskip("torch")
    model = _model(seed=3)
    tmodel = torch.nn.Sequential(torch.nn.Linear(7, 16), torch.nn.ReLU(), torch.nn.Linear(16, 9),
                                 torch.nn.ReLU(), torch.nn.Linear(9, 3))
    tmodel.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in model.state_dict().items()})
    xs = np.random.default_rng(2).standard_normal((6, 7)).astype(np.float32)
    out = model(fg.tensor(xs))
    tout = tmodel(torch.from_numpy(xs))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().detach().numpy(), rtol=1e-5, atol=1e-6)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for (name, p), tp in zip(model.named_parameters(), tmodel.parameters()):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_sequential_linear_relu_not_fused_with_hooks():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    seen = []
    model[0].register_forward_hook(lambda m, args, out: seen.append(out))
    y = model(fg.randn(2, 4))
    assert len(seen) == 1 and type(y.grad_fn).__name__ == "ReLU"
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    model[1].register_forward_pre_hook(lambda m, args: seen.append(args))
    model(fg.randn(2, 4))
    assert len(seen) == 2


def test_sequential_linear_relu_not_fused_for_subclasses_or_instance_forward():
    class MyReLU(nn.ReLU):
        def forward(self, input):
            return super().forward(input) * 2

    model = nn.Sequential(nn.Linear(4, 3), MyReLU())
    x = fg.randn(2, 4)
    np.testing.assert_allclose(model(x).detach().numpy(), 2 * np.maximum(model[0](x).detach().numpy(), 0))
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    model[1].forward = lambda input: input * 0
    assert not model(x).detach().numpy().any()


def test_sequential_linear_relu_no_grad_and_1d_input():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    with fg.no_grad():
        y = model(fg.randn(5, 4))
    assert y.grad_fn is None and not y.requires_grad
    x = fg.randn(4)  # 1-d input: not the fused form, still correct
    np.testing.assert_allclose(model(x).detach().numpy(), np.maximum(model[0](x).detach().numpy(), 0))


def test_sequential_linear_relu_bad_input_names_linear():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    with pytest.raises(RuntimeError, match="linear"):
        model(fg.randn(2, 5))
