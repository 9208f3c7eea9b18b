"""Transformer rows: fastgrad beside torch (numpy has no attention to compare with).

* "T1 gpt 4L 4H 128w ctx64 b12 adamw step": the character GPT of fastgrad/demo_gpt.py (the same
  file run under both frameworks), one full AdamW train step with gradient clipping.
* "T2 gpt 6L 8H 256w ctx256 b8 adamw step": the same model, larger.
* "T3 sdpa causal B8 H8 T256 D64 fwd+bwd": F.scaled_dot_product_attention(is_causal=True), then
  backward of the sum of its output.
* "T4 mlp gelu(c_fc(x)) ...": the first half of T1's MLP (B*T = 768 rows, 128 -> 512, gelu, both
  forms) forward and backward, written as nanoGPT writes it (a custom forward, no Sequential).

Both frameworks start from the same weights (torch's initialisation loaded into fastgrad) and see
the same batches; the T1/T2 rows check that fastgrad's loss after the timed steps agrees with a
torch run of as many steps.
Run: python -m pytest benchmarks/bench_transformer.py -q (FASTGRAD_BENCH_THREADS=1 for one thread).
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import QUICK  # noqa: E402

import fastgrad.demo_gpt as G  # noqa: E402

GPT_SIZES = {  # name: (layers, heads, width, context, batch)
    "T1": (1, 2, 32, 16, 2) if QUICK else (4, 4, 128, 64, 12),
    "T2": (1, 2, 32, 32, 2) if QUICK else (6, 8, 256, 256, 8),
}
SDPA = (1, 2, 32, 16) if QUICK else (8, 8, 256, 64)  # B, H, T, D
MLP = (24, 16, 64) if QUICK else (768, 128, 512)  # rows, in, hidden


def _demo_module(framework):
    """fastgrad/demo_gpt.py imported with the framework as its backend."""
    return G if framework == "fastgrad" else G.under_torch()


class GPTStep:
    """One AdamW step of the demo GPT on the next batch of a fixed numpy stream."""

    def __init__(self, framework, size, torch_weights=True):
        layers, heads, width, context, self.batch = size
        self.module = _demo_module(framework)
        data, _, chars = G.load_text()
        self.data = data
        self.cfg = G.Config(layers, heads, width, context, len(chars))
        self.model = self.module.GPT(self.cfg)
        lib = C.torch if framework == "torch" else C.fastgrad
        if torch_weights:  # the same initial weights in both frameworks (memory.py's rows skip this)
            T = _demo_module("torch")
            C.torch.manual_seed(0)
            weights = T.GPT(self.cfg).state_dict()
            self.model.load_state_dict({k: lib.tensor(v.detach().numpy()) for k, v in weights.items()})
        self.opt = self.model.configure_optimizer(1e-3)
        self.rng = np.random.default_rng(0)
        self.lib = lib

    def step(self):
        x, y = self.module.get_batch(self.data, self.cfg.block_size, self.batch, self.rng)
        _, loss = self.model(x, y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.lib.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        return loss

    def loss(self):
        x, y = self.module.get_batch(self.data, self.cfg.block_size, self.batch, np.random.default_rng(99))
        with self.lib.no_grad():
            return float(self.model(x, y)[1].item())


@pytest.mark.parametrize("row", ["T1", "T2"])
@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_gpt_train_step(benchmark, framework, row):
    C.need("torch")  # the initial weights come from torch's initialisation
    C.need(framework)
    layers, heads, width, context, batch = GPT_SIZES[row]
    name = f"{row} gpt {layers}L {heads}H {width}w ctx{context} b{batch} adamw step"
    benchmark.group = name
    C.tag(benchmark, framework, category="transformer", workload=name)
    model = GPTStep(framework, GPT_SIZES[row])
    initial = model.loss()
    steps = C.run_pedantic(benchmark, model.step, rounds=20 if row == "T1" else 5, iterations=1)
    final = model.loss()
    benchmark.extra_info.update(steps=steps, initial_loss=initial, final_loss=final)
    assert np.isfinite(final)
    if framework == "fastgrad":
        ref = GPTStep("torch", GPT_SIZES[row])
        for _ in range(steps):
            ref.step()
        C.assert_close_loss(f"{name} [fastgrad]", final, ref.loss(), initial, rtol=2e-3)


@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_sdpa_causal_fwd_bwd(benchmark, framework):
    C.need(framework)
    b, h, t, d = SDPA
    name = f"T3 sdpa causal B{b} H{h} T{t} D{d} fwd+bwd"
    benchmark.group = name
    C.tag(benchmark, framework, category="transformer", workload=name, flops=3 * 2 * b * h * t * t * d)
    rng = C.rng(3)
    arrays = [rng.standard_normal((b, h, t, d), dtype=np.float32) for _ in range(3)]
    lib = C.torch if framework == "torch" else C.fastgrad
    q, k, v = (lib.tensor(a, requires_grad=True) for a in arrays)

    def step():
        for p in (q, k, v):
            p.grad = None
        lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).sum().backward()

    C.run_pedantic(benchmark, step, rounds=20, iterations=1)
    assert np.isfinite(float(q.grad.sum()))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_mlp_gelu_fwd_bwd(benchmark, framework, approximate):
    C.need(framework)
    m, k, n = MLP
    name = f"T4 mlp gelu(c_fc(x)) {m}x{k}->{n} approximate={approximate} fwd+bwd"
    benchmark.group = name
    C.tag(benchmark, framework, category="transformer", workload=name, flops=3 * 2 * m * k * n)
    lib = C.torch if framework == "torch" else C.fastgrad
    lib.manual_seed(0)
    c_fc, gelu = lib.nn.Linear(k, n), lib.nn.GELU(approximate)
    x = lib.tensor(C.rng(4).standard_normal((m, k), dtype=np.float32), requires_grad=True)
    g = lib.tensor(C.rng(5).standard_normal((m, n), dtype=np.float32))

    def step():
        for p in (x, c_fc.weight, c_fc.bias):
            p.grad = None
        gelu(c_fc(x)).backward(g)

    C.run_pedantic(benchmark, step, rounds=50, iterations=1)
    assert np.isfinite(float(c_fc.bias.grad.sum()))
