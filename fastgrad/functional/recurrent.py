"""Whole-sequence recurrent layers at the Tensor level (what nn.LSTM and nn.GRU run per layer and
direction): shape and dtype checks, then one fused ``ops.recurrent`` node, whose packed output is split
here with views.

    lstm_layer(gi, h0, c0, w_hh, reverse) -> (out (L, N, H), h_n, c_n)   gi = x W_ih^T + b_ih + b_hh
    gru_layer(gi, h0, w_hh, b_hh, reverse) -> (out (L, N, H), h_n)        gi = x W_ih^T + b_ih
    rnn_layer(gi, h0, w_hh, nonlinearity, reverse) -> (out (L, N, H), h_n) gi = x W_ih^T + b_ih + b_hh

The time steps run in order t = 0 .. L-1, or L-1 .. 0 when ``reverse`` (out[t] is always the hidden
state after step t; h_n the one after the last step run).  Not torch names (torch's ``lstm``/``gru`` take
flat weight lists); the layers are the public API.
"""
from typing import Optional, Tuple

from fastgrad.ops.recurrent import GRULayer, LSTMLayer, RNNLayer
from fastgrad.tensor import Tensor

__all__ = ["lstm_layer", "gru_layer", "rnn_layer"]


def _check(op, gi, gates, states, w_hh, b_hh=None):
    """gi (L, N, gates*H) with L > 0, states (N, H), w_hh (gates*H, H), b_hh (gates*H,), one float dtype."""
    if gi.dim() != 3 or gi.shape[0] == 0 or gi.shape[2] % gates:
        raise ValueError(f"{op}: expected gi of shape (L > 0, N, {gates}*H), got {tuple(gi.shape)}")
    length, n, g = gi.shape
    h = g // gates
    wanted = [(w_hh, (g, h), "w_hh")] + [(s, (n, h), "h0" if i == 0 else "c0") for i, s in enumerate(states)]
    if b_hh is not None:
        wanted.append((b_hh, (g,), "b_hh"))
    for t, shape, name in wanted:
        if tuple(t.shape) != shape:
            raise ValueError(f"{op}: expected {name} of shape {shape} for gi of shape {tuple(gi.shape)}, got "
                             f"{tuple(t.shape)}")
        if t.dtype != gi.dtype:
            raise TypeError(f"{op}: {name} has dtype {t.dtype}, gi has {gi.dtype}")


def lstm_layer(gi: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, reverse: bool = False
               ) -> Tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer over a sequence: per step a = gi[t] + h W_hh^T (gates i, f, g, o),
    c = sigmoid(a_f) c + sigmoid(a_i) tanh(a_g), h = sigmoid(a_o) tanh(c); returns (out, h_n, c_n)."""
    _check("lstm_layer", gi, 4, (h0, c0), w_hh)
    length = gi.shape[0]
    y = LSTMLayer.apply(gi, h0, c0, w_hh, bool(reverse))  # (h_0 .. h_{L-1}, c_n)
    return y[:length], y[0 if reverse else length - 1], y[length]


def gru_layer(gi: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Optional[Tensor], reverse: bool = False
              ) -> Tuple[Tensor, Tensor]:
    """One GRU layer over a sequence: per step gh = h W_hh^T + b_hh, r = sigmoid(gi_r + gh_r),
    z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r gh_n), h = (1 - z) n + z h; returns (out, h_n)."""
    _check("gru_layer", gi, 3, (h0,), w_hh, b_hh)
    out = GRULayer.apply(gi, h0, w_hh, b_hh, bool(reverse))
    return out, out[0 if reverse else gi.shape[0] - 1]


def rnn_layer(gi: Tensor, h0: Tensor, w_hh: Tensor, nonlinearity: str = "tanh", reverse: bool = False
              ) -> Tuple[Tensor, Tensor]:
    """One Elman RNN layer over a sequence: per step h = act(gi[t] + h W_hh^T), act = tanh or relu;
    returns (out, h_n)."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn_layer: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    _check("rnn_layer", gi, 1, (h0,), w_hh)
    out = RNNLayer.apply(gi, h0, w_hh, bool(reverse), int(nonlinearity == "relu"))
    return out, out[0 if reverse else gi.shape[0] - 1]
