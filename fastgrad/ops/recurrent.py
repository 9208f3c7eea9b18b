"""Recurrent layers over a whole sequence (csrc/recurrent.c): one graph node per layer and direction.

    LSTMLayer(gi, h0, c0, W_hh, reverse)   gi = x W_ih^T + b_ih + b_hh (L, N, 4H), gates i, f, g, o
        for t = 0 .. L-1 (L-1 .. 0 when reverse):  a = gi[t] + h W_hh^T                  (fg_gemm)
            c = sigmoid(a_f) c + sigmoid(a_i) tanh(a_g);  h = sigmoid(a_o) tanh(c)   (fg_lstm_cell_fwd)
        returns y (L + 1, N, H): y[t] = h_t for t < L, y[L] = the last step's c
    GRULayer(gi, h0, W_hh, b_hh, reverse)   gi = x W_ih^T + b_ih (L, N, 3H), gates r, z, n (torch's)
        per step gh = h W_hh^T + b_hh (fg_gemm), h = fg_gru_cell_fwd(gi[t], gh, h); returns y (L, N, H)
    RNNLayer(gi, h0, W_hh, reverse, relu)  gi = x W_ih^T + b_ih + b_hh (L, N, H)
        per step h = act(gi[t] + h W_hh^T), act = tanh or relu (fg_rnn_cell_fwd); returns y (L, N, H)

Backward is backpropagation through time: per step (last to first) one ``fg_*_cell_bwd`` call (the
step's gate gradients, written straight into dgi) and one GEMM carrying the hidden-state gradient to
the step before; dW_hh is then one GEMM over all steps' stacked gate gradients and previous hidden
states (plus one for the h0 step), db_hh one column sum.  The time loop runs here (two C calls a step,
pointers advanced by offsets, nothing allocated inside it); what backward needs (activated gates, the
c_t and tanh(c_t) of an LSTM, the gh_t of a GRU) is kept only when the node is recorded.
"""
import sys
from math import prod

import numpy as np

from fastgrad._ffi import CTYPES, NULL, from_buffer, kernels
from fastgrad.autograd.function import Function, register
from fastgrad.ops.common import contiguous

__all__ = ["LSTMLayer", "GRULayer", "RNNLayer"]

_GEMM, _COLSUM = kernels("gemm"), kernels("colsum")
_LSTM_FWD, _LSTM_BWD = kernels("lstm_cell_fwd"), kernels("lstm_cell_bwd")
_GRU_FWD, _GRU_BWD = kernels("gru_cell_fwd"), kernels("gru_cell_bwd")
_RNN_FWD, _RNN_BWD = kernels("rnn_cell_fwd"), kernels("rnn_cell_bwd")


# Large buffers (outputs, saved workspace, dgi) come from a pool of earlier calls' arrays of the same shape
# and dtype that nothing references any more, checked by exact reference count as grad_buffer does: an
# array a graph node, a Tensor, a view or a C pointer still holds is never handed out again.  A training
# step then writes into the previous step's memory instead of faulting fresh pages in (measured: a 2-layer
# LSTM step over 200 steps took ~4000 minor page faults when another library's allocations shared the
# heap, ~700 with the pool).  The cost: up to _POOL_MAX_BYTES stay allocated after the last call.
_POOL = {}  # (shape, dtype) -> [arrays]
_POOL_MIN_BYTES, _POOL_MAX_BYTES = 1 << 16, 1 << 27
_pooled = [0]  # bytes in _POOL
_refcount = sys.getrefcount


def _idle_refcount() -> int:
    """What getrefcount shows, in _empty's loop, for an array only the pool holds: its list, the loop
    variable, the argument (3 on CPython 3.11); measured in the same loop shape, so the check stays exact
    on an interpreter that counts borrowed references differently."""
    for a in [np.empty(1)]:
        return _refcount(a)


_IDLE = _idle_refcount()


def _empty(shape, dt):
    """np.empty(shape, dt); for a large array, an idle pooled one when there is one (see _POOL)."""
    nbytes = prod(shape) * dt.itemsize
    if nbytes < _POOL_MIN_BYTES:
        return np.empty(shape, dt)
    arrays = _POOL.setdefault((shape, dt), [])
    for a in arrays:  # the loop variable is a reference of this thread: another thread sees a in use
        if _refcount(a) == _IDLE:
            return a
    a = np.empty(shape, dt)
    if _pooled[0] + nbytes > _POOL_MAX_BYTES:  # full: forget the idle arrays (other shapes, other lengths)
        for arrays_k in list(_POOL.values()):
            arrays_k[:] = [b for b in arrays_k if _refcount(b) > _IDLE]
        _pooled[0] = sum(b.nbytes for arrays_k in list(_POOL.values()) for b in arrays_k)
    if _pooled[0] + nbytes <= _POOL_MAX_BYTES:
        arrays.append(a)
        _pooled[0] += nbytes
    return a


def _recorded(ctx) -> bool:
    """True when ``ctx`` is a graph node (Function.apply gives only recorded nodes their inputs)."""
    return getattr(ctx, "inputs", None) is not None


def _order(length, reverse):
    """The forward order of the time steps."""
    return range(length - 1, -1, -1) if reverse else range(length)


def _dw_hh(dt, gemm, dg, p_dg, h0, y, reverse):
    """dW_hh = sum_t dg[t]^T h_prev(t), h_prev the hidden state step t read (h0 for the first step):
    one GEMM for the first step, one over the other L - 1 steps' stacked rows."""
    length, n, g = dg.shape
    h = h0.shape[-1]
    ct = CTYPES[dt]
    dw = np.empty((g, h), dt)
    p_dw = from_buffer(ct, dw, True)
    first = length - 1 if reverse else 0
    gemm(1, 0, g, h, n, 1.0, p_dg + first * n * g, g, from_buffer(ct, h0), h, 0.0, p_dw, h)
    if length > 1:  # forward: steps 1.. read y[0..]; reverse: steps ..L-2 read y[1..]
        a_off, b_off = (0, n * h) if reverse else (n * g, 0)
        gemm(1, 0, g, h, (length - 1) * n, 1.0, p_dg + a_off, g, from_buffer(ct, y) + b_off, h, 1.0, p_dw, h)
    return dw


@register("lstm_layer")
class LSTMLayer(Function):
    """One LSTM layer in one direction over a sequence (module docstring).  Backward, per step from the
    last: d = dy_t + dh, dc' = dc + d o (1 - tanh^2 c_t), dgates (pre-activation) = (dc' g i(1-i),
    dc' c_{t-1} f(1-f), dc' i (1-g^2), d tanh(c_t) o(1-o)), dc = dc' f, dh = dgates W_hh;
    dgi = dgates, dW_hh = sum_t dgates_t^T h_{t-1}, dh0 and dc0 the carried gradients at the end."""

    @staticmethod
    def forward(ctx, gi, h0, c0, w_hh, reverse):
        gi, h0, c0, w_hh = contiguous(gi), contiguous(h0), contiguous(c0), contiguous(w_hh)
        length, n, g = gi.shape
        h = g // 4
        m = n * h
        dt = gi.dtype
        rec = _recorded(ctx)
        y = _empty((length + 1, n, h), dt)
        cs = _empty((length, n, h), dt)
        gates = _empty((length if rec else 1, 4, n, h), dt)
        tc = _empty((length if rec else 1, n, h), dt)
        if m:
            ct = CTYPES[dt]
            gemm, cell = _GEMM[dt], _LSTM_FWD[dt]
            gh, pre = np.empty((n, g), dt), np.empty(4 * m, dt)
            p_gi, p_w = from_buffer(ct, gi), from_buffer(ct, w_hh)
            p_gh, p_pre = from_buffer(ct, gh, True), from_buffer(ct, pre, True)
            p_y, p_cs = from_buffer(ct, y, True), from_buffer(ct, cs, True)
            p_g, p_tc = from_buffer(ct, gates, True), from_buffer(ct, tc, True)
            sg, st = (4 * m, m) if rec else (0, 0)
            ng = n * g
            hp, cp = from_buffer(ct, h0), from_buffer(ct, c0)
            for t in _order(length, reverse):
                gemm(0, 1, n, g, h, 1.0, hp, h, p_w, h, 0.0, p_gh, g)
                ht, c_t = p_y + t * m, p_cs + t * m
                cell(n, h, p_gi + t * ng, p_gh, cp, p_pre, p_g + t * sg, c_t, p_tc + t * st, ht)
                hp, cp = ht, c_t
        y[length] = cs[0 if reverse else length - 1]
        if rec:
            ctx.saved = (h0, c0, w_hh, y, cs, gates, tc, reverse)
        return y

    @staticmethod
    def backward(ctx, dy):
        h0, c0, w_hh, y, cs, gates, tc, reverse = ctx.saved
        need = ctx.needs_input_grad
        dy = contiguous(dy)
        length, n, h = cs.shape
        g, m = 4 * h, n * h
        dt = cs.dtype
        dgi = _empty((length, n, g), dt)
        dc = dy[length].copy()
        dh = np.empty((n, h), dt)
        if m == 0:
            dgi.fill(0)
            dh.fill(0)
            return dgi, dh if need[1] else None, dc if need[2] else None, \
                np.zeros((g, h), dt) if need[3] else None, None
        ct = CTYPES[dt]
        gemm, cell = _GEMM[dt], _LSTM_BWD[dt]
        p_dgi, p_dc, p_dh = from_buffer(ct, dgi, True), from_buffer(ct, dc, True), from_buffer(ct, dh, True)
        p_dy, p_w = from_buffer(ct, dy), from_buffer(ct, w_hh)
        p_g, p_tc, p_cs = from_buffer(ct, gates), from_buffer(ct, tc), from_buffer(ct, cs)
        ng = n * g
        first, back = (length - 1, 1) if reverse else (0, -1)  # the first step; where the previous one is
        carried = NULL
        for t in reversed(_order(length, reverse)):
            dg = p_dgi + t * ng
            cp = from_buffer(ct, c0) if t == first else p_cs + (t + back) * m
            cell(n, h, p_g + t * 4 * m, cp, p_tc + t * m, p_dy + t * m, carried, p_dc, dg)
            if t != first or need[1]:
                gemm(0, 0, n, h, g, 1.0, dg, g, p_w, h, 0.0, p_dh, h)
                carried = p_dh
        dw = _dw_hh(dt, gemm, dgi, p_dgi, h0, y, reverse) if need[3] else None
        return dgi if need[0] else None, dh if need[1] else None, dc if need[2] else None, dw, None


@register("gru_layer")
class GRULayer(Function):
    """One GRU layer in one direction over a sequence (module docstring).  Backward, per step from the
    last: d = dy_t + dh, dn = d (1-z)(1-n^2), dz = d (h_{t-1} - n) z(1-z), dr = dn gh_n r(1-r);
    dgi_t = (dr, dz, dn), dgh_t = (dr, dz, dn r), dh = d z + dgh_t W_hh; dW_hh = sum_t dgh_t^T h_{t-1},
    db_hh = sum_t colsum(dgh_t), dh0 the carried gradient at the end."""

    @staticmethod
    def forward(ctx, gi, h0, w_hh, b_hh, reverse):
        gi, h0, w_hh = contiguous(gi), contiguous(h0), contiguous(w_hh)
        length, n, g = gi.shape
        h = g // 3
        m = n * h
        dt = gi.dtype
        rec = _recorded(ctx)
        y = _empty((length, n, h), dt)
        gates = _empty((length if rec else 1, 3, n, h), dt)
        biased = b_hh is not None
        gh = _empty((length if rec or biased else 1, n, g), dt)
        if m:
            if biased:  # each step's GEMM adds h W_hh^T to its copy of b_hh
                np.copyto(gh, b_hh)
            ct = CTYPES[dt]
            gemm, cell = _GEMM[dt], _GRU_FWD[dt]
            pre = np.empty(2 * m, dt)
            p_gi, p_w, p_pre = from_buffer(ct, gi), from_buffer(ct, w_hh), from_buffer(ct, pre, True)
            p_y, p_g, p_gh = from_buffer(ct, y, True), from_buffer(ct, gates, True), from_buffer(ct, gh, True)
            ng = n * g
            sg, sh = 3 * m if rec else 0, ng if rec or biased else 0
            beta = 1.0 if biased else 0.0
            hp = from_buffer(ct, h0)
            for t in _order(length, reverse):
                ght, ht = p_gh + t * sh, p_y + t * m
                gemm(0, 1, n, g, h, 1.0, hp, h, p_w, h, beta, ght, g)
                cell(n, h, p_gi + t * ng, ght, hp, p_pre, p_g + t * sg, ht)
                hp = ht
        if rec:
            ctx.saved = (h0, w_hh, y, gates, gh, biased, reverse)
        return y

    @staticmethod
    def backward(ctx, dy):
        h0, w_hh, y, gates, gh, biased, reverse = ctx.saved
        need = ctx.needs_input_grad
        dy = contiguous(dy)
        length, n, h = y.shape
        g, m = 3 * h, n * h
        dt = y.dtype
        dgi = _empty((length, n, g), dt)
        dgh = _empty((length, n, g), dt)
        bufs = np.empty((2, n, h), dt)
        if m == 0:
            z = np.zeros
            return z((length, n, g), dt) if need[0] else None, z((n, h), dt) if need[1] else None, \
                z((g, h), dt) if need[2] else None, z(g, dt) if need[3] else None, None
        ct = CTYPES[dt]
        gemm, cell = _GEMM[dt], _GRU_BWD[dt]
        p_dgi, p_dgh, p_bufs = from_buffer(ct, dgi, True), from_buffer(ct, dgh, True), from_buffer(ct, bufs, True)
        p_dy, p_w, p_y = from_buffer(ct, dy), from_buffer(ct, w_hh), from_buffer(ct, y)
        p_g, p_gh, p_h0 = from_buffer(ct, gates), from_buffer(ct, gh), from_buffer(ct, h0)
        ng = n * g
        first, back = (length - 1, 1) if reverse else (0, -1)
        carried, k = NULL, 0
        for t in reversed(_order(length, reverse)):
            dgt = p_dgh + t * ng
            out = p_bufs + k * m
            hp = p_h0 if t == first else p_y + (t + back) * m
            cell(n, h, p_g + t * 3 * m, p_gh + t * ng, hp, p_dy + t * m, carried, p_dgi + t * ng, dgt, out)
            if t != first or need[1]:
                gemm(0, 0, n, h, g, 1.0, dgt, g, p_w, h, 1.0, out, h)
            carried, k = out, 1 - k
        dh0 = bufs[1 - k].copy() if need[1] else None
        dw = _dw_hh(dt, gemm, dgh, p_dgh, h0, y, reverse) if need[2] else None
        db = None
        if need[3]:
            db = np.empty(g, dt)
            _COLSUM[dt](length * n, g, p_dgh, from_buffer(ct, db, True))
        return dgi if need[0] else None, dh0, dw, db, None


@register("rnn_layer")
class RNNLayer(Function):
    """One Elman RNN layer (tanh, or relu when ``relu``) in one direction over a sequence (module
    docstring).  Backward, per step from the last: d = dy_t + dh, da = d (1 - h_t^2) (tanh) or
    h_t > 0 ? d : 0 (relu), dh = da W_hh; dgi = da, dW_hh = sum_t da_t^T h_{t-1}, dh0 the carried dh."""

    @staticmethod
    def forward(ctx, gi, h0, w_hh, reverse, relu):
        gi, h0, w_hh = contiguous(gi), contiguous(h0), contiguous(w_hh)
        length, n, h = gi.shape
        m = n * h
        dt = gi.dtype
        y = _empty((length, n, h), dt)
        if m:
            ct = CTYPES[dt]
            gemm, cell = _GEMM[dt], _RNN_FWD[dt]
            gh, pre = np.empty((n, h), dt), np.empty(m, dt)
            p_gi, p_w, p_y = from_buffer(ct, gi), from_buffer(ct, w_hh), from_buffer(ct, y, True)
            p_gh, p_pre = from_buffer(ct, gh, True), from_buffer(ct, pre, True)
            hp = from_buffer(ct, h0)
            for t in _order(length, reverse):
                ht = p_y + t * m
                gemm(0, 1, n, h, h, 1.0, hp, h, p_w, h, 0.0, p_gh, h)
                cell(n, h, p_gi + t * m, p_gh, p_pre, ht, relu)
                hp = ht
        if _recorded(ctx):
            ctx.saved = (h0, w_hh, y, reverse, relu)
        return y

    @staticmethod
    def backward(ctx, dy):
        h0, w_hh, y, reverse, relu = ctx.saved
        need = ctx.needs_input_grad
        dy = contiguous(dy)
        length, n, h = y.shape
        m = n * h
        dt = y.dtype
        dgi = _empty((length, n, h), dt)
        dh = np.empty((n, h), dt)
        if m == 0:
            dgi.fill(0)
            dh.fill(0)
            return dgi if need[0] else None, dh if need[1] else None, \
                np.zeros((h, h), dt) if need[2] else None, None, None
        ct = CTYPES[dt]
        gemm, cell = _GEMM[dt], _RNN_BWD[dt]
        p_dgi, p_dh, p_dy = from_buffer(ct, dgi, True), from_buffer(ct, dh, True), from_buffer(ct, dy)
        p_w, p_y = from_buffer(ct, w_hh), from_buffer(ct, y)
        first = length - 1 if reverse else 0
        carried = NULL
        for t in reversed(_order(length, reverse)):
            da = p_dgi + t * m
            cell(n, h, p_y + t * m, p_dy + t * m, carried, da, relu)
            if t != first or need[1]:
                gemm(0, 0, n, h, h, 1.0, da, h, p_w, h, 0.0, p_dh, h)
                carried = p_dh
        dw = _dw_hh(dt, gemm, dgi, p_dgi, h0, y, reverse) if need[2] else None
        return dgi if need[0] else None, dh if need[1] else None, dw, None, None
