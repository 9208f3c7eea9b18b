"""Recurrent-layer rows: fastgrad beside torch (numpy has no recurrent layer to compare with).

* "R1 <mode> 32->64 2L (20, 16, 32) fwd+bwd": a two-layer RNN/LSTM/GRU over a short sequence, where
  per-step overheads show (fastgrad runs each layer and direction as one fused node, a Python time
  loop of two C calls a step; torch runs one fused kernel per layer).
* "R2 <mode> 32->64 2L (200, 16, 32) fwd+bwd": the same over a ten times longer sequence.

Both frameworks start from the same weights (torch's initialisation loaded into fastgrad) and see
the same input; backward of the output's sum; after the timed calls the input gradients are compared.
Run: python -m pytest benchmarks/bench_rnn.py -q (FASTGRAD_BENCH_THREADS=1 for one thread).
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import QUICK  # noqa: E402

SIZES = {  # row: (seq_len, batch, input_size, hidden_size, layers)
    "R1": (5, 2, 4, 8, 2) if QUICK else (20, 16, 32, 64, 2),
    "R2": (10, 2, 4, 8, 2) if QUICK else (200, 16, 32, 64, 2),
}


@pytest.mark.parametrize("row", ["R1", "R2"])
@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("framework", ["torch", "fastgrad"])
def test_rnn_fwd_bwd(benchmark, framework, mode, row):
    C.need("torch")  # the initial weights come from torch's initialisation
    C.need(framework)
    C.need_fastgrad(f"nn.{mode}")
    length, batch, n_in, hidden, layers = SIZES[row]
    name = f"{row} {mode} {n_in}->{hidden} {layers}L ({length}, {batch}, {n_in}) fwd+bwd"
    benchmark.group = name
    C.tag(benchmark, framework, category="rnn", workload=name)
    C.torch.manual_seed(0)
    ref = getattr(C.torch.nn, mode)(n_in, hidden, layers)
    lib = C.torch if framework == "torch" else C.fastgrad
    model = ref if framework == "torch" else getattr(lib.nn, mode)(n_in, hidden, layers)
    model.load_state_dict({k: lib.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x_np = C.rng(7).standard_normal((length, batch, n_in), dtype=np.float32)
    x = lib.tensor(x_np, requires_grad=True)

    def step():
        x.grad = None
        model(x)[0].sum().backward()

    C.run_pedantic(benchmark, step, rounds=30 if row == "R1" else 5, iterations=1)
    if framework == "fastgrad":
        xt = C.torch.tensor(x_np, requires_grad=True)
        ref(xt)[0].sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
