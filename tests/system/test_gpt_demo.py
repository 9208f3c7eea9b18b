"""The character GPT of fastgrad/demo_gpt.py: the same file under torch (FASTGRAD_DEMO_BACKEND=torch)
and under fastgrad, from identical initial weights and batches, gives the same loss curve; weight
tying, parameter groups and the command-line demo work."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.demo_gpt as G


def _torch_version_of_the_demo():
    pytest.importorskip("torch")
    return G.under_torch()


def test_gpt_loss_curve_matches_torch_from_the_same_weights():
    T = _torch_version_of_the_demo()
    import torch
    torch.manual_seed(0)
    train_data, _, chars = G.load_text()
    cfg = G.Config(n_layer=2, n_head=2, n_embd=32, block_size=16, vocab_size=len(chars))
    theirs = T.GPT(cfg)
    ours = G.GPT(cfg)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: fg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert ours.lm_head.weight is ours.transformer.wte.weight          # still tied after loading
    steps = 50
    lt = T.train(theirs, train_data, cfg, steps, batch_size=4, lr=3e-3, warmup=5, seed=0)
    lf = G.train(ours, train_data, cfg, steps, batch_size=4, lr=3e-3, warmup=5, seed=0)
    np.testing.assert_allclose(lf, lt, rtol=1e-4)
    assert lf[-1] < lf[0] - 0.5                                          # and it learns


def test_gpt_weight_tying_and_parameter_groups():
    fg.manual_seed(0)
    cfg = G.Config(n_layer=1, n_head=2, n_embd=16, block_size=8, vocab_size=11)
    model = G.GPT(cfg)
    params = list(model.parameters())
    assert sum(p is model.lm_head.weight for p in params) == 1          # one parameter, two uses
    opt = model.configure_optimizer(1e-3)
    assert [g["weight_decay"] for g in opt.param_groups] == [0.1, 0.0]
    assert all(p.dim() >= 2 for p in opt.param_groups[0]["params"])
    assert sum(len(g["params"]) for g in opt.param_groups) == len(params)
    x = fg.randint(0, 11, (2, 8))
    _, loss = model(x, x)
    loss.backward()
    tied = model.lm_head.weight.grad.numpy().copy()
    # untie: the output layer gets its own copy of the weight; the tied gradient is the sum of both uses
    model.zero_grad()
    model.lm_head.weight = fg.nn.Parameter(model.transformer.wte.weight.detach().clone())
    _, loss = model(x, x)
    loss.backward()
    both = model.lm_head.weight.grad.numpy() + model.transformer.wte.weight.grad.numpy()
    np.testing.assert_allclose(tied, both, rtol=1e-5, atol=1e-7)
    assert np.abs(model.transformer.wte.weight.grad.numpy()).sum() > 0


def test_gpt_demo_command_trains_and_samples(capsys):
    result = G.main(["--steps", "30", "--layers", "1", "--width", "32", "--context", "16", "--heads", "2",
                     "--sample", "40"])
    out = capsys.readouterr().out
    assert "validation loss" in out and "tokens/s" in out and "sample:" in out
    assert np.isfinite(result["val_loss"]) and result["val_loss"] < 4.2   # below a uniform guess, log(65)
    assert len(result["sample"]) == 41
