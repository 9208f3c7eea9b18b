"""float16/bfloat16 modules and optimizers (fastgrad/lowp.py, optim/_lowp.py): Module.half(),
.bfloat16(), .to(dtype), a training step close to torch's, optimizer state in the parameter's dtype."""
import numpy as np
import pytest

import fastgrad as fg
from fastgrad import nn

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(3)


def _twins(dt, cast):
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    t = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for (_, p), (_, q) in zip(m.named_parameters(), t.named_parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    cast(m, fg, dt)
    cast(t, torch, dt)
    return m, t


_CASTS = {"half/bfloat16()": lambda mod, lib, dt: getattr(mod, "half" if dt == "float16" else "bfloat16")(),
          "to(dtype)": lambda mod, lib, dt: mod.to(getattr(lib, dt)),
          "type(dtype)": lambda mod, lib, dt: mod.type(getattr(lib, dt))}


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
@pytest.mark.parametrize("how", sorted(_CASTS))
def test_module_casts_parameters_exactly(dt, how):
    m, t = _twins(dt, _CASTS[how])
    for (name, p), (_, q) in zip(m.named_parameters(), t.named_parameters()):
        assert p.dtype == getattr(fg, dt) and p.requires_grad, name
        np.testing.assert_array_equal(p.detach().float().numpy(), q.detach().float().numpy())
    x = _RNG.standard_normal((5, 4)).astype(np.float32)
    out = m(fg.tensor(x).to(getattr(fg, dt)))
    ref = t(torch.from_numpy(x).to(getattr(torch, dt)))
    assert out.dtype == getattr(fg, dt)
    np.testing.assert_allclose(out.detach().float().numpy(), ref.detach().float().numpy(), rtol=2e-2, atol=2e-2)
    assert m.float()[0].weight.dtype == fg.float32


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
@pytest.mark.parametrize("opt,kw", [("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}),
                                    ("Adam", {"lr": 0.01, "eps": 1e-4}), ("AdamW", {"lr": 0.01, "eps": 1e-4})])
def test_training_steps_close_to_torch(dt, opt, kw):
    """(Adam's float16 state underflows in torch's step, which runs in float16: 1e-3 g^2 is 0 for
    small gradients, so its update is m / eps.  fastgrad's step runs in float32 and keeps the state in
    float16 between steps; its float16 Adam is compared with torch's float32 one.)"""
    m, t = _twins(dt, _CASTS["to(dtype)"])
    ref_dt = "float32" if dt == "float16" and opt != "SGD" else dt
    t.to(getattr(torch, ref_dt))
    om, ot = getattr(fg.optim, opt)(m.parameters(), **kw), getattr(torch.optim, opt)(t.parameters(), **kw)
    x = _RNG.standard_normal((16, 4)).astype(np.float32)
    y = _RNG.integers(0, 3, 16)
    losses = []
    for _ in range(3):
        for mod, o, lib, d in ((m, om, fg, dt), (t, ot, torch, ref_dt)):
            o.zero_grad()
            loss = lib.nn.functional.cross_entropy(mod(lib.tensor(x).to(getattr(lib, d))), lib.tensor(y))
            loss.backward()
            assert loss.dtype == getattr(lib, d)
            o.step()
            losses.append(loss.detach().float().item())
    np.testing.assert_allclose(losses[0::2], losses[1::2], rtol=3e-2, atol=3e-2)
    for (name, p), (_, q) in zip(m.named_parameters(), t.named_parameters()):
        assert p.dtype == getattr(fg, dt) and p.grad.dtype == getattr(fg, dt)
        # (against float32 Adam: a tiny gradient may change sign, and Adam moves it by lr per step)
        tol = 7 * kw["lr"] if ref_dt != dt else 5e-2
        np.testing.assert_allclose(p.detach().float().numpy(), q.detach().float().numpy(), rtol=5e-2, atol=tol,
                                   err_msg=name)
        for key, v in om.state[p].items():
            if isinstance(v, fg.Tensor) and v.shape == p.shape:
                assert v.dtype == p.dtype, key  # torch keeps the state in the parameter's dtype


def test_mixed_precision_parameters_in_one_optimizer():
    a = nn.Parameter(fg.ones(3))
    h = nn.Parameter(fg.ones(3, dtype=fg.float16))
    b = nn.Parameter(fg.ones(3, dtype=fg.bfloat16))
    opt = fg.optim.SGD([a, h, b], lr=0.5, momentum=0.5)
    for _ in range(2):
        opt.zero_grad()
        (a.sum() + h.float().sum() + b.float().sum()).backward()
        opt.step()
    for p in (a, h, b):
        np.testing.assert_array_equal(p.detach().float().numpy(), [-0.25] * 3)  # 1 - 0.5 - 0.5 * 1.5
    assert h.dtype == fg.float16 and b.dtype == fg.bfloat16


def test_save_load_and_load_state_dict_across_dtypes(tmp_path):
    m = nn.Linear(3, 2)
    b = nn.Linear(3, 2).bfloat16()
    b.load_state_dict(m.state_dict())  # float32 -> bfloat16: rounded, as torch's copy_
    ref = torch.nn.Linear(3, 2).bfloat16()
    ref.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in m.state_dict().items()})
    np.testing.assert_array_equal(b.weight.detach().float().numpy(), ref.weight.detach().float().numpy())
    back = nn.Linear(3, 2)
    back.load_state_dict(b.state_dict())
    np.testing.assert_array_equal(back.weight.detach().numpy(), ref.weight.detach().float().numpy())
    fg.save({"sd": b.state_dict(), "h": m.weight.detach().half()}, tmp_path / "m.fg")
    loaded = fg.load(tmp_path / "m.fg")
    assert loaded["sd"]["weight"].dtype == fg.bfloat16 and loaded["h"].dtype == fg.float16
    np.testing.assert_array_equal(loaded["sd"]["weight"].float().numpy(), ref.weight.detach().float().numpy())


def test_bfloat16_attention_masks_and_sampling():
    q = fg.randn(1, 3, 4).bfloat16()
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=fg.bfloat16)
    ref = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.bfloat16)
    np.testing.assert_array_equal(mask.float().numpy(), ref.float().numpy())
    mha = nn.MultiheadAttention(4, 2, batch_first=True).bfloat16()
    a, _ = mha(q, q, q, attn_mask=mask)
    b, _ = mha(q, q, q, attn_mask=fg.ones(3, 3, dtype=fg.bool).triu(1))
    assert a.dtype == fg.bfloat16
    np.testing.assert_array_equal(a.detach().float().numpy(), b.detach().float().numpy())
    x = fg.tensor([[0.2, 0.7], [0.4, 1.0]]).bfloat16()
    for out in (fg.bernoulli(x), fg.poisson(x), fg.normal(x, 1.0), fg.normal(0.0, 1.0, (2,), dtype=fg.bfloat16),
                fg.randn_like(x), fg.rand_like(x)):
        assert out.dtype == fg.bfloat16 and bool(out.float().isfinite().all())
    assert set(fg.bernoulli(x).float().numpy().ravel()) <= {0.0, 1.0}
    w = fg.tensor([1.0, 2.0]).bfloat16()
    got = fg.nn.functional.cross_entropy(x, fg.tensor([0, 1]), weight=w)
    want = torch.nn.functional.cross_entropy(torch.tensor([[0.2, 0.7], [0.4, 1.0]]).bfloat16(), torch.tensor([0, 1]),
                                             weight=torch.tensor([1.0, 2.0]).bfloat16())
    assert got.dtype == fg.bfloat16 and abs(got.float().item() - want.float().item()) <= 2 ** -7  # (an ulp)
