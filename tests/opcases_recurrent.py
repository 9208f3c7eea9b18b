"""Op cases for lstm_layer and gru_layer (the fused whole-sequence recurrent nodes, see test_ops.py),
with float64 numpy references that run the time loop step by step.  torch parity of the layers built
on them is in tests/nn/test_rnn.py."""
import numpy as np

import fastgrad.functional as F
from fastgrad.functional.recurrent import gru_layer, lstm_layer, rnn_layer
from opcases.common import _n, case


def _sig(x):
    return 1 / (1 + np.exp(-x))


def lstm_ref(gi, h, c, w, reverse=False):
    """(out, c_n) stacked as (L + 1, N, H)."""
    out = np.empty(gi.shape[:2] + (h.shape[-1],))
    for t in (range(len(gi) - 1, -1, -1) if reverse else range(len(gi))):
        i, f, g, o = np.split(gi[t] + h @ w.T, 4, -1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        h = out[t] = _sig(o) * np.tanh(c)
    return np.concatenate([out, c[None]])


def gru_ref(gi, h, w, b=None, reverse=False):
    out = np.empty(gi.shape[:2] + (h.shape[-1],))
    for t in (range(len(gi) - 1, -1, -1) if reverse else range(len(gi))):
        i_r, i_z, i_n = np.split(gi[t], 3, -1)
        h_r, h_z, h_n = np.split(h @ w.T + (0 if b is None else b), 3, -1)
        r, z = _sig(i_r + h_r), _sig(i_z + h_z)
        n = np.tanh(i_n + r * h_n)
        h = out[t] = (1 - z) * n + z * h
    return out


def rnn_ref(gi, h, w, act=np.tanh, reverse=False):
    out = np.empty(gi.shape[:2] + (h.shape[-1],))
    for t in (range(len(gi) - 1, -1, -1) if reverse else range(len(gi))):
        h = out[t] = act(gi[t] + h @ w.T)
    return out


def _relu(x):
    return np.maximum(x, 0)


def _lstm(reverse):
    def fn(gi, h, c, w):
        out, _, c_n = lstm_layer(gi, h, c, w, reverse)
        return F.cat([out, c_n.unsqueeze(0)], 0)
    return fn


CASES = [
    case("lstm_layer", _lstm(False), lstm_ref, _n((4, 3, 20), (3, 5), (3, 5), (20, 5)), "forward-L4-H5"),
    case("lstm_layer", _lstm(True), lambda *a: lstm_ref(*a, reverse=True), _n((3, 2, 8), (2, 2), (2, 2), (8, 2)),
         "reverse-L3-H2"),
    case("gru_layer", lambda gi, h, w, b: gru_layer(gi, h, w, b)[0], gru_ref, _n((4, 3, 15), (3, 5), (15, 5), (15,)),
         "forward-bias-L4-H5"),
    case("gru_layer", lambda gi, h, w: gru_layer(gi, h, w, None, True)[0], lambda *a: gru_ref(*a, reverse=True),
         _n((3, 2, 6), (2, 2), (6, 2)), "reverse-no-bias-L3-H2"),
    case("rnn_layer", lambda gi, h, w: rnn_layer(gi, h, w)[0], rnn_ref, _n((4, 3, 5), (3, 5), (5, 5)),
         "tanh-forward-L4-H5"),
    # relu: inputs away from the kink (gi shifted up so that pre-activations stay clear of 0 in this draw)
    case("rnn_layer", lambda gi, h, w: rnn_layer(gi, h, w, "relu", True)[0],
         lambda gi, h, w: rnn_ref(gi, h, w, _relu, True), lambda rng: [rng.standard_normal((3, 2, 4)) + 2.0,
                                                                       rng.standard_normal((2, 4)),
                                                                       0.1 * rng.standard_normal((4, 4))],
         "relu-reverse-L3-H4"),
]
