"""What every op-case table (tests/opcases_*.py) builds its cases with.

A case: name (registered op), fn (fastgrad tensors -> tensor), ref (float64 arrays -> float64
array), inputs (float64 arrays, or rng -> arrays), grad (gradcheck the inputs), id, and optionally
torch (torch tensors -> tensor) for parity when torch is installed."""
import numpy as np


def case(name, fn, ref, inputs, id, grad=True, torch=None):
    return {"name": name, "fn": fn, "ref": ref, "inputs": inputs, "grad": grad, "id": id, "torch": torch}


def _torch():
    import torch
    return torch


def _away_from(x, points=(0.0,), gap=0.05):
    """Move values within gap of a kink so finite differences stay on one side."""
    x = x.copy()
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, gap, -gap) * 2
    return x


def _n(*shapes, away=None):
    """rng -> standard-normal arrays of these shapes (moved away from the kinks ``away``)."""
    def make(rng):
        arrs = [rng.standard_normal(s) for s in shapes]
        return [_away_from(a, away) if away is not None else a for a in arrs]
    return make


def _inputs(c):
    """The case's input arrays in float64 (drawn with a fixed seed when they are a function)."""
    inp = c["inputs"]
    return [np.asarray(a, dtype=np.float64) for a in (inp(np.random.default_rng(7)) if callable(inp) else inp)]


def _tensors(arrays, dtype, requires_grad):
    import fastgrad as fg
    return [fg.tensor(a.astype(dtype), requires_grad=requires_grad) for a in arrays]
