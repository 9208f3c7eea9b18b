"""Multi-layer recurrent layers (torch's RNNBase, RNN, LSTM, GRU): arguments, parameter names and
shapes, init, input/state shapes and errors as torch; PackedSequence input is not supported.

    for layer k, direction d:  gi = x W_ih^T + b_ih (one matmul over the whole sequence), then per
    step t (reversed for d = 1):  h_t = step(gi_t, h_{t-1})   (steps in ``fastgrad/nn/rnn_cell.py``)
    output = cat over directions of (h_1 .. h_L); the next layer's input is dropout(output) in training

Each layer and direction runs as one fused autograd node (``fastgrad.functional.recurrent``: the time
loop and backpropagation through time over C gate kernels and GEMMs), a few nodes per layer rather than
~15 per step; only an LSTM with proj_size > 0 is composed per step from differentiable fastgrad ops (the
step functions of rnn_cell.py).
"""
import math
import numbers
import warnings
from typing import Optional, Tuple

from fastgrad import dtypes
from fastgrad import functional as F
from fastgrad.creation import empty, zeros
from fastgrad.device import check_device
from fastgrad.functional.recurrent import gru_layer, lstm_layer, rnn_layer
from fastgrad.nn import init
from fastgrad.nn.module import Module
from fastgrad.nn.parameter import Parameter
from fastgrad.nn.rnn_cell import gru_step, lstm_step, rnn_step
from fastgrad.tensor import Tensor

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _time_steps(seq) -> list:
    """The L tensors seq[t] of seq (L, ...).  Unbound directly, backward costs O(L^2) in seq's size (each
    step's gradient is a zero-filled array of seq's shape, summed by the engine); unbinding blocks of
    ~sqrt(L) steps first makes that O(L^1.5) (L = 200: 7x less); the values are the same."""
    block = math.isqrt(seq.shape[0])
    if block < 2:
        return list(F.unbind(seq, 0))
    return [step for part in F.split(seq, block, 0) for step in F.unbind(part, 0)]


class RNNBase(Module):
    """Parameters of a stack of recurrent layers: per layer k and direction (suffix "" or "_reverse")
    weight_ih_l{k} (G*H, H_in or D*H_out), weight_hh_l{k} (G*H, H_out), bias_ih_l{k}, bias_hh_l{k} (G*H,)
    and for an LSTM with proj_size > 0 weight_hr_l{k} (proj_size, H); all ~ U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        for arg, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                 ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(value, kind):
                raise TypeError(f"{arg} should be of type {kind.__name__}, got: {type(value).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if device is not None:
            check_device(device, type(self).__name__)
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op: torch compacts weights for cuDNN here; fastgrad's weights are already separate arrays."""

    @property
    def all_weights(self) -> list:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward ----------------------------------------------------------------------------------
    def _state_shape(self, batch: int, size: int) -> tuple:
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    def _prepare(self, input, states):
        """Check the input and states as torch; return (input as (L, N, H_in), states as (L*D, N, .) with
        zeros for missing ones, is_batched)."""
        name = type(self).__name__
        nd = input.dim()
        if nd not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {nd}D tensor instead "
                             f"(input shape {tuple(input.shape)})")
        w = self._parameters["weight_ih_l0"]
        if input.dtype != w.dtype:
            raise ValueError(f"{name}: input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). "
                             f"Convert input: input.to({w.dtype}), or convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]} (input shape {tuple(input.shape)})")
        batched = nd == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN (input shape "
                               f"{tuple(input.shape)} as (L, N, H_in))")
        batch = input.shape[1]
        sizes = [self.proj_size or self.hidden_size, self.hidden_size][:len(states)]
        present = [s for s in states if s is not None]
        if present and any(s.dim() != nd for s in present):
            dims = ", ".join(f"{s.dim()}-D" for s in present)
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise RuntimeError(f"{name}: For {kind} input, hx should also be {nd}-D but got ({dims}) tensors")
        out = []
        for idx, (s, size) in enumerate(zip(states, sizes)):
            expected = self._state_shape(batch, size)
            if s is None:
                out.append(zeros(*expected, dtype=input.dtype))
                continue
            if not batched:
                s = s.unsqueeze(1)
            if tuple(s.shape) != expected:
                which = "hidden size" if len(states) == 1 else f"hidden[{idx}] size"
                raise RuntimeError(f"{name}: Expected {which} {expected}, got {list(s.shape)} "
                                   f"(input shape {tuple(input.shape)} as (L, N, H_in))")
            out.append(s)
        return input, out, batched

    def _run(self, x, states):
        """The stack of layers over x (L, N, H_in) from states [(L*D, N, .)]; returns (output, [finals])."""
        p = self._parameters
        mode, num_directions = self.mode, 2 if self.bidirectional else 1
        act = F.relu if mode == "RNN_RELU" else F.tanh
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_directions):
                sfx = f"_l{layer}{'_reverse' if direction else ''}"
                w_ih, w_hh = p["weight_ih" + sfx], p["weight_hh" + sfx]
                b_ih, b_hh = p.get("bias_ih" + sfx), p.get("bias_hh" + sfx)
                w_hr = p.get("weight_hr" + sfx)
                if b_ih is not None and mode != "GRU":  # b_hh folds into the input projection
                    b_ih, b_hh = b_ih + b_hh, None
                k = layer * num_directions + direction
                cur = [s[k] for s in states]
                if w_hr is None:  # one fused node for the whole loop
                    gi = F.linear(x, w_ih, b_ih)
                    if mode == "LSTM":
                        out, *cur = lstm_layer(gi, cur[0], cur[1], w_hh, direction == 1)
                    elif mode == "GRU":
                        out, *cur = gru_layer(gi, cur[0], w_hh, b_hh, direction == 1)
                    else:
                        out, *cur = rnn_layer(gi, cur[0], w_hh, "relu" if mode == "RNN_RELU" else "tanh",
                                              direction == 1)
                    for acc, s in zip(finals, cur):
                        acc.append(s)
                    outs.append(out)
                    continue
                gi = _time_steps(F.linear(x, w_ih, b_ih))
                steps = range(len(gi) - 1, -1, -1) if direction else range(len(gi))
                hs = [None] * len(gi)
                for t in steps:
                    if mode == "LSTM":
                        cur = lstm_step(gi[t], cur[0], cur[1], w_hh, b_hh, w_hr)
                    elif mode == "GRU":
                        cur = (gru_step(gi[t], cur[0], w_hh, b_hh),)
                    else:
                        cur = (rnn_step(gi[t], cur[0], w_hh, b_hh, act),)
                    hs[t] = cur[0]
                for acc, s in zip(finals, cur):
                    acc.append(s)
                outs.append(F.stack(hs, 0))
            x = outs[0] if num_directions == 1 else F.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, [F.stack(acc, 0) for acc in finals]

    def _forward(self, input, states):
        x, states, batched = self._prepare(input, states)
        out, finals = self._run(x, states)
        if not batched:
            return out.squeeze(1), [s.squeeze(1) for s in finals]
        return (out.transpose(0, 1) if self.batch_first else out), finals


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.
    forward(input, hx=None) -> (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"RNN.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        out, (h,) = self._forward(input, [hx])
        return out, h


class LSTM(RNNBase):
    """c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g), h_t = sigmoid(o) tanh(c_t) (times W_hr^T with
    proj_size > 0); gates i, f, g, o.  forward(input, (h0, c0)=None) -> (output, (h_n, c_n))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def forward(self, input: Tensor, hx: Optional[Tuple[Tensor, Tensor]] = None
                ) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:
        out, (h, c) = self._forward(input, [None, None] if hx is None else list(hx))
        return out, (h, c)


class GRU(RNNBase):
    """h_t = (1 - z) n + z h_{t-1}, n = tanh(x W_in^T + b_in + r (h_{t-1} W_hn^T + b_hn)); gates r, z, n.
    forward(input, hx=None) -> (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"GRU.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        out, (h,) = self._forward(input, [hx])
        return out, h
