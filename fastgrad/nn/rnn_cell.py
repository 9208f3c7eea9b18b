"""Recurrent cells (torch's RNNCellBase, RNNCell, LSTMCell, GRUCell) and the one-step maths shared
with the sequence layers in ``fastgrad/nn/rnn.py``.

    RNN:  h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)                       act = tanh | relu
    LSTM: i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh)            (gate order i, f, g, o)
          c' = sigmoid(f) c + sigmoid(i) tanh(g);  h' = sigmoid(o) tanh(c')
    GRU:  r, z = sigmoid(split(x W_ih^T + b_ih + h W_hh^T + b_hh)[:2])     (gate order r, z, n)
          n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn));  h' = (1 - z) n + z h

Every step is composed from differentiable fastgrad ops, so backward comes from autograd.  The step
functions take ``gi``, the input projection x W_ih^T + b_ih already computed (the layers project a
whole sequence in one matmul before the time loop).
"""
import math
from typing import Optional, Tuple

from fastgrad import dtypes
from fastgrad import functional as F
from fastgrad.creation import empty, zeros
from fastgrad.device import check_device
from fastgrad.nn import init
from fastgrad.nn.module import Module
from fastgrad.nn.parameter import Parameter
from fastgrad.tensor import Tensor

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "rnn_step", "lstm_step", "gru_step"]


def rnn_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Optional[Tensor], act) -> Tensor:
    """h' = act(gi + h W_hh^T + b_hh)."""
    return act(gi + F.linear(h, w_hh, b_hh))


def lstm_step(gi: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Optional[Tensor],
              w_hr: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """(h', c') of one LSTM step; h' = (sigmoid(o) tanh(c')) W_hr^T when a projection is given."""
    i, f, g, o = F.chunk(gi + F.linear(h, w_hh, b_hh), 4, -1)
    c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
    h = F.sigmoid(o) * F.tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr)), c


def gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Optional[Tensor]) -> Tensor:
    """h' = (1 - z) n + z h, written n + z (h - n); b_hh stays inside r (h W_hn^T + b_hn) as torch."""
    i_r, i_z, i_n = F.chunk(gi, 3, -1)
    h_r, h_z, h_n = F.chunk(F.linear(h, w_hh, b_hh), 3, -1)
    r = F.sigmoid(i_r + h_r)
    z = F.sigmoid(i_z + h_z)
    n = F.tanh(i_n + r * h_n)
    return n + z * (h - n)


def _activation(nonlinearity: str, name: str):
    if nonlinearity == "tanh":
        return F.tanh
    if nonlinearity == "relu":
        return F.relu
    raise RuntimeError(f"{name}: Unknown nonlinearity: {nonlinearity}")


class RNNCellBase(Module):
    """The parameters of one recurrent cell: weight_ih (chunks*H, H_in), weight_hh (chunks*H, H),
    bias_ih, bias_hh (chunks*H,), all ~ U(-1/sqrt(H), 1/sqrt(H)) as torch."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        if device is not None:
            check_device(device, type(self).__name__)
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    # -- shared forward plumbing --------------------------------------------------------------
    def _check(self, input, states):
        """Validate input (N, H_in) or (H_in,) and the states; return (batched input, batched states,
        is_batched).  Missing states are zeros."""
        name = type(self).__name__
        nd = input.dim()
        if nd not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {nd}D instead")
        for idx, s in enumerate(states):
            if s is not None and s.dim() not in (1, 2):
                what = "hidden" if len(states) == 1 else f"hx[{idx}]"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.dim()}D instead")
        if input.dtype != self.weight_ih.dtype:
            raise ValueError(f"{name}: input dtype ({input.dtype}) does not match weight dtype "
                             f"({self.weight_ih.dtype})")
        batched = nd == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[1]} expected "
                               f"{self.input_size} (input shape {tuple(input.shape)})")
        n = input.shape[0]
        out = []
        for idx, s in enumerate(states):
            if s is None:
                s = zeros(n, self.hidden_size, dtype=input.dtype)
            else:
                if s.dim() != nd:
                    raise RuntimeError(f"{name}: hidden state {idx} must be {nd}-D like the input, got "
                                       f"{s.dim()}-D (shape {tuple(s.shape)})")
                if not batched:
                    s = s.unsqueeze(0)
                if tuple(s.shape) != (n, self.hidden_size):
                    raise RuntimeError(f"{name}: hidden state {idx} has shape {tuple(s.shape)}, expected "
                                       f"{(n, self.hidden_size)} for input of shape {tuple(input.shape)}")
            out.append(s)
        return input, out, batched


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        act = _activation(self.nonlinearity, "RNNCell")
        x, (h,), batched = self._check(input, [hx])
        p = self._parameters
        h = rnn_step(F.linear(x, p["weight_ih"], p["bias_ih"]), h, p["weight_hh"], p["bias_hh"], act)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """(h', c') with c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c'); gates i, f, g, o."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[Tensor, Tensor]:
        x, (h, c), batched = self._check(input, [None, None] if hx is None else list(hx))
        p = self._parameters
        h, c = lstm_step(F.linear(x, p["weight_ih"], p["bias_ih"]), h, c, p["weight_hh"], p["bias_hh"])
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """h' = (1 - z) n + z h with n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)); gates r, z, n."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        x, (h,), batched = self._check(input, [hx])
        p = self._parameters
        h = gru_step(F.linear(x, p["weight_ih"], p["bias_ih"]), h, p["weight_hh"], p["bias_hh"])
        return h if batched else h.squeeze(0)
