"""nn.utils.prune against torch.nn.utils.prune: masks, pruned forwards and gradients, state_dict keys,
iterative pruning through PruningContainer, global pruning, remove, errors."""
import numpy as np
import pytest

import fastgrad
import fastgrad.nn as nn
from fastgrad.nn.utils import prune

torch = pytest.importorskip("torch")
tprune = pytest.importorskip("torch.nn.utils.prune")


def _pair(kind="linear"):
    fastgrad.manual_seed(0)
    if kind == "linear":
        fm, tm = nn.Linear(6, 4), torch.nn.Linear(6, 4)
    else:
        fm, tm = nn.Conv2d(3, 4, 3), torch.nn.Conv2d(3, 4, 3)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fm.state_dict().items()})
    return fm, tm


def _same_state(fm, tm):
    fsd, tsd = fm.state_dict(), tm.state_dict()
    assert list(fsd) == list(tsd)
    for k in fsd:
        np.testing.assert_allclose(fsd[k].numpy(), tsd[k].numpy(), rtol=1e-6, atol=1e-7, err_msg=k)


def _same_forward_and_grad(fm, tm, x_shape):
    x = np.random.default_rng(0).standard_normal(x_shape).astype(np.float32)
    fy, ty = fm(fastgrad.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    (fy ** 2).sum().backward()
    (ty ** 2).sum().backward()
    for (fn, fp), (tn, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert fn == tn
        np.testing.assert_allclose(fp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=fn)


STEPS = {
    "l1_frac": lambda p, m: p.l1_unstructured(m, "weight", amount=0.3),
    "l1_int": lambda p, m: p.l1_unstructured(m, "weight", amount=5),
    "l1_bias": lambda p, m: p.l1_unstructured(m, "bias", amount=2),
    "ln2_dim0": lambda p, m: p.ln_structured(m, "weight", amount=0.5, n=2, dim=0),
    "ln1_dim1": lambda p, m: p.ln_structured(m, "weight", amount=1, n=1, dim=1),
    "lninf_dimneg": lambda p, m: p.ln_structured(m, "weight", amount=1, n=float("inf"), dim=-1),
    "identity": lambda p, m: p.identity(m, "weight"),
    "custom": lambda p, m: p.custom_from_mask(m, "weight", mask=(m.weight.detach() > 0).float()),
}


@pytest.mark.parametrize("kind,shape", [("linear", (5, 6)), ("conv", (2, 3, 6, 6))])
@pytest.mark.parametrize("steps", [["l1_frac"], ["l1_int", "l1_bias"], ["ln2_dim0"], ["lninf_dimneg"],
                                   ["identity"], ["custom"], ["l1_frac", "l1_int"], ["l1_frac", "ln2_dim0"],
                                   ["ln2_dim0", "l1_frac", "ln1_dim1"], ["custom", "identity", "l1_frac"]])
def test_prune_deterministic_methods_match_torch(kind, shape, steps):
    fm, tm = _pair(kind)
    for step in steps:
        STEPS[step](prune, fm)
        STEPS[step](tprune, tm)
    _same_state(fm, tm)
    assert prune.is_pruned(fm) and tprune.is_pruned(tm)
    assert type(fm._forward_pre_hooks[next(iter(fm._forward_pre_hooks))]).__name__ == \
        type(next(iter(tm._forward_pre_hooks.values()))).__name__
    _same_forward_and_grad(fm, tm, shape)
    np.testing.assert_allclose(fm.weight.detach().numpy(), (fm.weight_mask * fm.weight_orig).detach().numpy())
    for name in ("weight", "bias"):
        if hasattr(fm, name + "_orig"):
            prune.remove(fm, name)
            tprune.remove(tm, name)
    assert not prune.is_pruned(fm) and isinstance(fm.weight, nn.Parameter)
    _same_state(fm, tm)
    fm.zero_grad()
    tm.zero_grad()
    _same_forward_and_grad(fm, tm, shape)


def test_prune_container_structure_and_state_dict_load():
    fm, tm = _pair()
    prune.l1_unstructured(fm, "weight", 0.25)
    prune.ln_structured(fm, "weight", 1, n=2, dim=0)
    mask2 = fm.weight_mask.numpy().copy()
    assert (mask2.sum(1) == 0).sum() == 1            # one whole row gone on top of the L1 zeros
    prune.random_unstructured(fm, "weight", 2)
    hook = next(iter(fm._forward_pre_hooks.values()))
    assert isinstance(hook, prune.PruningContainer) and len(hook) == 3
    assert [type(h).__name__ for h in hook] == ["L1Unstructured", "LnStructured", "RandomUnstructured"]
    assert list(fm.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    assert [n for n, _ in fm.named_parameters()] == ["bias", "weight_orig"]
    mask = fm.weight_mask.numpy()                    # the random step prunes 2 of the entries still kept
    assert (mask <= mask2).all() and (mask == 0).sum() == (mask2 == 0).sum() + 2
    tprune.identity(tm, "weight")
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fm.state_dict().items()})
    _same_forward_and_grad(fm, tm, (3, 6))


@pytest.mark.parametrize("amount", [0, 3, 0.5, 1.0])
def test_prune_random_methods_counts(amount):
    fm, _ = _pair("conv")
    prune.random_unstructured(fm, "weight", amount)
    n = fm.weight.numel()
    expect = amount if isinstance(amount, int) else round(amount * n)
    assert int((fm.weight_mask.numpy() == 0).sum()) == expect
    fm2, _ = _pair("conv")
    prune.random_structured(fm2, "weight", amount if isinstance(amount, float) else min(amount, 3), dim=1)
    mask = fm2.weight_mask.numpy()
    per_channel = mask.sum(axis=(0, 2, 3))
    assert set(np.unique(per_channel)) <= {0.0, mask[:, 0].size}
    k = amount if isinstance(amount, int) else round(amount * 3)
    assert int((per_channel == 0).sum()) == min(k, 3)
    out = fm2(fastgrad.ones(1, 3, 5, 5))
    assert tuple(out.shape) == (1, 4, 3, 3)


def test_prune_global_unstructured_matches_torch():
    fa, ta = _pair()
    fb, tb = _pair("conv")
    prune.l1_unstructured(fa, "weight", 3)
    tprune.l1_unstructured(ta, "weight", 3)
    fscores = {(fb, "weight"): fb.weight.detach() * 2}
    tscores = {(tb, "weight"): tb.weight.detach() * 2}
    prune.global_unstructured([(fa, "weight"), (fb, "weight"), (fa, "bias")], prune.L1Unstructured,
                              importance_scores=fscores, amount=40)
    tprune.global_unstructured([(ta, "weight"), (tb, "weight"), (ta, "bias")], tprune.L1Unstructured,
                               importance_scores=tscores, amount=40)
    _same_state(fa, ta)
    _same_state(fb, tb)
    with pytest.raises(TypeError, match="parameters is not an Iterable"):
        prune.global_unstructured(5, prune.L1Unstructured, amount=1)
    with pytest.raises(TypeError, match="importance_scores must be of type dict"):
        prune.global_unstructured([(fa, "weight")], prune.L1Unstructured, importance_scores=[], amount=1)
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
        prune.global_unstructured([(fa, "weight")], prune.LnStructured, amount=1, n=2, dim=0)


def test_prune_sequential_fused_path_uses_masked_weight():
    fastgrad.manual_seed(0)
    seq = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2), nn.GELU())
    x = fastgrad.randn(3, 4)
    before = seq(x).detach().numpy()
    prune.l1_unstructured(seq[0], "weight", amount=0.5)
    prune.l1_unstructured(seq[2], "weight", amount=0.5)
    w0 = (seq[0].weight_orig * seq[0].weight_mask).detach()
    w2 = (seq[2].weight_orig * seq[2].weight_mask).detach()
    h = fastgrad.nn.functional.relu(x @ w0.T + seq[0].bias.detach())
    want = fastgrad.nn.functional.gelu(h @ w2.T + seq[2].bias.detach()).numpy()
    got = seq(x).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got, before)
    prune.remove(seq[0], "weight")
    prune.remove(seq[2], "weight")
    np.testing.assert_allclose(seq(x).detach().numpy(), want, rtol=1e-5, atol=1e-6)  # fused path again


@pytest.mark.parametrize("call", [
    lambda p, m: p.l1_unstructured(m, "weight", amount=1.5),
    lambda p, m: p.l1_unstructured(m, "weight", amount=-1),
    lambda p, m: p.l1_unstructured(m, "weight", amount="a"),
    lambda p, m: p.l1_unstructured(m, "weight", amount=100),
    lambda p, m: p.random_unstructured(m, "weight", amount=100),
    lambda p, m: p.ln_structured(m, "bias", amount=1, n=2, dim=0),
    lambda p, m: p.ln_structured(m, "weight", amount=1, n=2, dim=2),
    lambda p, m: p.random_structured(m, "weight", amount=10, dim=0),
    lambda p, m: p.remove(m, "weight"),
    lambda p, m: p.l1_unstructured(m, "weight", amount=1, importance_scores=m.bias),
    lambda p, m: p.custom_from_mask(m, "weight", mask=m.bias),
])
def test_prune_errors_as_torch(call):
    fm, tm = _pair()
    with pytest.raises(Exception) as t_err:
        call(tprune, tm)
    with pytest.raises(type(t_err.value)) as f_err:
        call(prune, fm)
    assert str(f_err.value).replace("fastgrad.", "torch.") == str(t_err.value)
    # a failed pruning leaves the module as it was
    assert "weight" in fm._parameters and "weight_orig" not in fm._parameters and not prune.is_pruned(fm)


def test_prune_prune_method_and_container_errors():
    t = fastgrad.tensor([[1.0, -3.0], [2.0, 0.5]])
    out = prune.L1Unstructured(amount=2).prune(t)
    np.testing.assert_array_equal(out.numpy(), [[0.0, -3.0], [2.0, 0.0]])
    scores = fastgrad.tensor([[9.0, 0.0], [9.0, 9.0]])
    np.testing.assert_array_equal(prune.L1Unstructured(amount=1).prune(t, importance_scores=scores).numpy(),
                                  [[1.0, 0.0], [2.0, 0.5]])
    a, b = prune.Identity(), prune.Identity()
    a._tensor_name, b._tensor_name = "weight", "bias"
    c = prune.PruningContainer(a)
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter named 'weight'"):
        c.add_pruning_method(b)
    with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
        c.add_pruning_method(3)
    with pytest.raises(TypeError):
        prune.BasePruningMethod()
