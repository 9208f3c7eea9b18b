"""nn.RNN / LSTM / GRU and their cells: with torch's weights loaded through state_dict, outputs, final
states, input, state and parameter gradients equal torch's (layers, directions, batch_first, unbatched,
h0, bias, proj_size; float32 and float64); gradcheck in float64; keys, shapes, init, repr, dropout,
errors (torch's exception types, messages naming the layer and shapes) and a short training run."""
import itertools
import math

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
from fastgrad.autograd import gradcheck
from fastgrad.functional.recurrent import gru_layer, lstm_layer, rnn_layer

MODES = [("RNN", dict(nonlinearity="tanh")), ("RNN", dict(nonlinearity="relu")), ("LSTM", {}), ("GRU", {})]
MODE_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
# gradients sum many O(1) terms through the time steps: where they cancel, float32 rounding leaves ~1e-6
GRAD_TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: TOL[np.float64]}
L, N, H_IN, H = 4, 3, 5, 6


def _pair(torch, kind, kwargs, dtype):
    torch.manual_seed(0)  # the same weights in every run (torch seeds each process differently)
    theirs = getattr(torch.nn, kind)(**kwargs)
    if dtype == np.float64:
        theirs = theirs.double()
    ours = getattr(nn, kind)(**kwargs, dtype=fg.float64 if dtype == np.float64 else fg.float32)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _check_parity(torch, ours, theirs, x, states, rng, dtype):
    """Run both on x (and the states, None for zeros), backprop random cotangents through the output
    and every final state, and compare values and all gradients."""
    tol = TOL[dtype]
    tx, fx = torch.tensor(x, requires_grad=True), fg.tensor(x, requires_grad=True)
    ts = [torch.tensor(s, requires_grad=True) for s in states] if states is not None else None
    fs = [fg.tensor(s, requires_grad=True) for s in states] if states is not None else None
    lstm = isinstance(ours, (nn.LSTM, nn.LSTMCell))
    pack = (lambda s: tuple(s)) if lstm else (lambda s: s[0])
    ref = theirs(tx, None if ts is None else pack(ts))
    out = ours(fx, None if fs is None else pack(fs))
    flat = lambda r: list(r) if isinstance(r, tuple) and not isinstance(r[1], tuple) else \
        ([r[0], *r[1]] if isinstance(r, tuple) else [r])  # noqa: E731
    rs, os_ = flat(ref), flat(out)
    assert len(rs) == len(os_)
    t_loss, f_loss = 0, 0
    for r, o in zip(rs, os_):
        assert tuple(o.shape) == tuple(r.shape)
        np.testing.assert_allclose(o.detach().numpy(), r.detach().numpy(), **tol)
        g = rng.standard_normal(tuple(r.shape)).astype(dtype)
        t_loss = t_loss + (r * torch.tensor(g)).sum()
        f_loss = f_loss + (o * fg.tensor(g)).sum()
    t_loss.backward()
    f_loss.backward()
    tol = GRAD_TOL[dtype]
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), err_msg="input", **tol)
    for i, (a, b) in enumerate(zip(fs or [], ts or [])):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), err_msg=f"state {i}", **tol)
    theirs_p = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_p[name].grad.numpy(), err_msg=name, **tol)


def _inputs(rng, form, num_layers, bidirectional, kind, with_h0, dtype, proj_size=0):
    shape = {"seq": (L, N, H_IN), "batch_first": (N, L, H_IN), "unbatched": (L, H_IN)}[form]
    x = rng.standard_normal(shape).astype(dtype)
    if not with_h0:
        return x, None
    lead = (num_layers * (2 if bidirectional else 1),) + (() if form == "unbatched" else (N,))
    sizes = [proj_size or H] + ([H] if kind == "LSTM" else [])
    return x, [(0.5 * rng.standard_normal(lead + (s,))).astype(dtype) for s in sizes]


LAYER_CASES = list(itertools.product([1, 2], [False, True], ["seq", "batch_first", "unbatched"], [False, True]))


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
@pytest.mark.parametrize("num_layers,bidirectional,form,with_h0", LAYER_CASES)
def test_layer_forward_backward_matches_torch_float32(mode, num_layers, bidirectional, form, with_h0, rng):
    torch = pytest.importorskip("torch")
    kind, extra = mode
    kwargs = dict(input_size=H_IN, hidden_size=H, num_layers=num_layers, bidirectional=bidirectional,
                  batch_first=form == "batch_first", **extra)
    ours, theirs = _pair(torch, kind, kwargs, np.float32)
    x, states = _inputs(rng, form, num_layers, bidirectional, kind, with_h0, np.float32)
    _check_parity(torch, ours, theirs, x, states, rng, np.float32)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
@pytest.mark.parametrize("bias,form,with_h0", [(False, "seq", True), (False, "unbatched", False),
                                               (True, "batch_first", True)])
def test_layer_matches_torch_float64_and_without_bias(mode, bias, form, with_h0, rng):
    torch = pytest.importorskip("torch")
    kind, extra = mode
    kwargs = dict(input_size=H_IN, hidden_size=H, num_layers=2, bidirectional=True, bias=bias,
                  batch_first=form == "batch_first", **extra)
    for dtype in (np.float64, np.float32):
        ours, theirs = _pair(torch, kind, kwargs, dtype)
        x, states = _inputs(rng, form, 2, True, kind, with_h0, dtype)
        _check_parity(torch, ours, theirs, x, states, rng, dtype)


@pytest.mark.parametrize("bidirectional,form,with_h0", [(False, "seq", True), (True, "batch_first", False),
                                                        (True, "unbatched", True)])
def test_lstm_proj_size_matches_torch(bidirectional, form, with_h0, rng):
    torch = pytest.importorskip("torch")
    kwargs = dict(input_size=H_IN, hidden_size=H, num_layers=2, bidirectional=bidirectional, proj_size=3,
                  batch_first=form == "batch_first")
    ours, theirs = _pair(torch, "LSTM", kwargs, np.float64)
    x, states = _inputs(rng, form, 2, bidirectional, "LSTM", with_h0, np.float64, proj_size=3)
    _check_parity(torch, ours, theirs, x, states, rng, np.float64)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_longer_sequence_split_into_blocks_matches_torch(kind, rng):
    """L = 11: the time steps are unbound in blocks of 3 (the last one of 2) before the loop."""
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, kind, dict(input_size=H_IN, hidden_size=H, bidirectional=True), np.float64)
    x = rng.standard_normal((11, N, H_IN))
    _check_parity(torch, ours, theirs, x, None, rng, np.float64)


CELLS = [("RNNCell", dict(nonlinearity="tanh")), ("RNNCell", dict(nonlinearity="relu")), ("LSTMCell", {}),
         ("GRUCell", {})]
CELL_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("dtype,bias,batched,with_h0", [(np.float32, True, True, True), (np.float32, True, False, True),
                                                        (np.float32, False, True, False),
                                                        (np.float64, True, False, False),
                                                        (np.float64, False, True, True)])
def test_cell_matches_torch(cell, dtype, bias, batched, with_h0, rng):
    torch = pytest.importorskip("torch")
    kind, extra = cell
    ours, theirs = _pair(torch, kind, dict(input_size=H_IN, hidden_size=H, bias=bias, **extra), dtype)
    lead = (N,) if batched else ()
    x = rng.standard_normal(lead + (H_IN,)).astype(dtype)
    states = [rng.standard_normal(lead + (H,)).astype(dtype) for _ in range(2 if kind == "LSTMCell" else 1)] \
        if with_h0 else None
    _check_parity(torch, ours, theirs, x, states, rng, dtype)


# -- gradcheck (no torch needed) ------------------------------------------------------------------
def _f64(shape, rng, grad=True):
    return fg.tensor(rng.standard_normal(shape), dtype=fg.float64, requires_grad=grad)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_backward_gradcheck(kind, rng):
    cell = getattr(nn, kind)(3, 2, dtype=fg.float64)
    x, h = _f64((2, 3), rng), _f64((2, 2), rng)
    params = list(cell.parameters())
    if kind == "LSTMCell":
        c = _f64((2, 2), rng)
        assert gradcheck(lambda a, b, d, *ps: cell(a, (b, d)), [x, h, c, *params])
    else:
        assert gradcheck(lambda a, b, *ps: cell(a, b), [x, h, *params])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_two_layer_bidirectional_backward_gradcheck(kind, rng):
    layer = getattr(nn, kind)(2, 2, num_layers=2, bidirectional=True, dtype=fg.float64)
    x, h = _f64((3, 2, 2), rng), _f64((4, 2, 2), rng)
    params = list(layer.parameters())
    if kind == "LSTM":
        c = _f64((4, 2, 2), rng)
        assert gradcheck(lambda a, b, d, *ps: (lambda o: (o[0], *o[1]))(layer(a, (b, d))), [x, h, c, *params])
    else:
        assert gradcheck(lambda a, b, *ps: layer(a, b), [x, h, *params])


# -- the fused whole-sequence nodes (fastgrad/functional/recurrent.py, fastgrad/ops/recurrent.py) --------------------
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("length", [1, 3])
def test_lstm_layer_node_backward_gradcheck(length, reverse, rng):
    args = [_f64((length, 2, 8), rng), _f64((2, 2), rng), _f64((2, 2), rng), _f64((8, 2), rng)]
    assert gradcheck(lambda *a: lstm_layer(*a, reverse), args)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_gru_layer_node_backward_gradcheck(bias, reverse, rng):
    args = [_f64((3, 2, 9), rng), _f64((2, 3), rng), _f64((9, 3), rng)] + ([_f64((9,), rng)] if bias else [])
    assert gradcheck(lambda gi, h, w, *b: gru_layer(gi, h, w, b[0] if b else None, reverse), args)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_layer_node_backward_gradcheck(nonlinearity, reverse, rng):
    gi = fg.tensor(rng.standard_normal((3, 2, 3)) + (2.0 if nonlinearity == "relu" else 0.0), dtype=fg.float64,
                   requires_grad=True)  # relu: pre-activations clear of the kink at 0
    args = [gi, _f64((2, 3), rng), fg.tensor(0.2 * rng.standard_normal((3, 3)), requires_grad=True)]
    assert gradcheck(lambda *a: rnn_layer(*a, nonlinearity, reverse), args)


def _fused(kind, arrays, wants, reverse):
    """Outputs and gradients of lstm_layer / gru_layer with only the inputs flagged in ``wants`` requiring grad."""
    ts = [fg.tensor(a, requires_grad=w) for a, w in zip(arrays, wants)]
    outs = {"lstm": lstm_layer, "gru": gru_layer, "rnn": rnn_layer}[kind](*ts, **{"reverse": reverse})
    loss = sum((o * fg.tensor(np.linspace(-1, 1, o.numel()).reshape(tuple(o.shape)))).sum() for o in outs)
    if any(wants):
        loss.backward()
    return [o.detach().numpy() for o in outs], [t.grad.numpy() if w else None for t, w in zip(ts, wants)]


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_fused_layer_any_subset_of_gradients_and_no_grad_give_the_same_values(kind, reverse, rng):
    shapes = {"lstm": [(5, 3, 16), (3, 4), (3, 4), (16, 4)], "gru": [(5, 3, 12), (3, 4), (12, 4), (12,)],
              "rnn": [(5, 3, 4), (3, 4), (4, 4)]}[kind]
    arrays = [rng.standard_normal(s) for s in shapes]
    k_in = len(shapes)
    outs, grads = _fused(kind, arrays, [True] * k_in, reverse)
    for k in range(k_in):
        wants = [j == k for j in range(k_in)]
        o, g = _fused(kind, arrays, wants, reverse)
        for a, b in zip(o, outs):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(g[k], grads[k])
    with fg.no_grad():
        o, _ = _fused(kind, arrays, [False] * k_in, reverse)
    for a, b in zip(o, outs):
        np.testing.assert_array_equal(a, b)
    o, _ = _fused(kind, arrays, [False] * k_in, reverse)  # recorded nowhere: no input requires grad
    assert all(np.array_equal(a, b) for a, b in zip(o, outs))


def test_fused_layer_backward_twice_with_retain_graph_gives_the_same_gradients(rng):
    ts = [fg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(4, 2, 12), (2, 4), (12, 4), (12,)]]
    out, h_n = gru_layer(*ts)
    loss = (out * out).sum() + h_n.sum()
    loss.backward(retain_graph=True)
    first = [t.grad.numpy().copy() for t in ts]
    for t in ts:
        t.grad = None
    loss.backward()
    for a, t in zip(first, ts):
        np.testing.assert_array_equal(t.grad.numpy(), a)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_buffers_reused_across_calls_never_overwrite_what_is_still_held(kind, rng):
    """The fused nodes reuse large buffers of earlier calls once nothing references them
    (fastgrad/ops/recurrent.py, _POOL): outputs kept, graphs kept alive and gradients kept stay intact."""
    m = getattr(nn, kind)(8, 64, num_layers=2, dtype=fg.float64)  # buffers above the pool's size floor
    xs = [fg.tensor(rng.standard_normal((40, 16, 8)), requires_grad=True) for _ in range(3)]
    want = []
    for x in xs:  # reference values, each from a fresh model run with nothing else alive
        out = m(x)[0]
        out.sum().backward()
        want.append((out.detach().numpy().copy(), x.grad.numpy().copy()))
        x.grad = None
    outs = [m(x)[0] for x in xs]  # three graphs alive at once, then backward in another order
    for i in (2, 0, 1):
        outs[i].sum().backward()
    for (o_want, g_want), out, x in zip(want, outs, xs):
        np.testing.assert_array_equal(out.detach().numpy(), o_want)
        np.testing.assert_array_equal(x.grad.numpy(), g_want)
    kept = [m(x)[0].detach().numpy() for x in xs]  # outputs held while later calls run
    for k, (o_want, _) in zip(kept, want):
        np.testing.assert_array_equal(k, o_want)


def _op_names(t):
    """Names of the op nodes in t's graph."""
    seen, stack, names = set(), [t.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "inputs"):
            continue
        seen.add(id(node))
        names.append(type(node).__name__)
        stack.extend(node.inputs or ())
    return names


@pytest.mark.parametrize("kind,proj_size,nodes", [("LSTM", 0, 4), ("GRU", 0, 4), ("RNN", 0, 4), ("LSTM", 2, 0)])
def test_layers_record_one_fused_node_per_layer_and_direction(kind, proj_size, nodes):
    m = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, **({"proj_size": proj_size} if proj_size else {}))
    out = m(fg.randn(6, 2, 3))[0]
    names = _op_names(out)
    assert names.count(f"{kind}Layer") == nodes
    assert len(names) < 60 if nodes else len(names) > 100  # the projected LSTM keeps the per-step graph


# -- parameters, repr, modes ------------------------------------------------------------------------
def test_state_dict_keys_and_shapes_match_torch():
    torch = pytest.importorskip("torch")
    cases = [("RNN", dict(num_layers=2, bidirectional=True, nonlinearity="relu")), ("GRU", dict(bias=False)),
             ("LSTM", dict(num_layers=3, bidirectional=True, proj_size=2)), ("LSTMCell", {}), ("GRUCell", {}),
             ("RNNCell", dict(bias=False))]
    for kind, kwargs in cases:
        theirs = getattr(torch.nn, kind)(4, 5, **kwargs)
        ours = getattr(nn, kind)(4, 5, **kwargs)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()], kind
        assert repr(ours) == repr(theirs)


def test_repr_matches_torch_format():
    assert repr(nn.LSTM(3, 4, 2, batch_first=True, dropout=0.5, bidirectional=True, proj_size=2)) == \
        "LSTM(3, 4, proj_size=2, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)"
    assert repr(nn.RNN(3, 4, bias=False)) == "RNN(3, 4, bias=False)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_init_is_uniform_within_one_over_sqrt_hidden(kind):
    m = getattr(nn, kind)(20, 64)
    bound = 1 / math.sqrt(64)
    for name, p in m.named_parameters():
        a = p.detach().numpy()
        assert a.dtype == np.float32
        assert np.all(np.abs(a) <= bound), name
        assert a.std() == pytest.approx(bound / math.sqrt(3), rel=0.15), name  # U(-b, b) has std b/sqrt(3)


def test_flatten_parameters_is_a_no_op_and_all_weights_lists_parameters():
    m = nn.GRU(3, 4, num_layers=2)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    assert m.flatten_parameters() is None
    assert all(np.array_equal(before[k], v.numpy()) for k, v in m.state_dict().items())
    assert [len(w) for w in m.all_weights] == [4, 4]
    assert m.all_weights[1][0] is m.weight_ih_l1


def test_empty_batch_gives_empty_outputs():
    out, h = nn.GRU(3, 4, bidirectional=True)(fg.zeros(5, 0, 3))
    assert tuple(out.shape) == (5, 0, 8) and tuple(h.shape) == (2, 0, 4)
    assert tuple(nn.LSTMCell(3, 4)(fg.zeros(0, 3))[1].shape) == (0, 4)


def test_double_casts_and_runs_in_float64():
    m = nn.LSTM(3, 4).double()
    out, (h, c) = m(fg.randn(2, 1, 3, dtype=fg.float64))
    assert out.dtype == h.dtype == c.dtype == fg.float64


def test_dropout_between_layers_only_in_training(rng):
    m = nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = fg.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32))
    a, b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    assert not np.array_equal(a, b)  # a fresh mask per call
    m.eval()
    e1, e2 = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    np.testing.assert_array_equal(e1, e2)
    no_drop = nn.LSTM(3, 8, num_layers=2)
    no_drop.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(e1, no_drop(x)[0].detach().numpy())


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)


# -- errors -----------------------------------------------------------------------------------------
ERRORS = [
    ("input feature size", lambda m: m.LSTM(4, 5), lambda t: (t.zeros(3, 2, 6),), RuntimeError,
     r"LSTM.*Expected 4, got 6.*\(3, 2, 6\)"),
    ("input ndim", lambda m: m.GRU(4, 5), lambda t: (t.zeros(1, 3, 2, 4),), ValueError, r"GRU.*4D"),
    ("h0 shape", lambda m: m.RNN(4, 5, num_layers=2), lambda t: (t.zeros(3, 2, 4), t.zeros(1, 2, 5)),
     RuntimeError, r"RNN.*\(2, 2, 5\).*\[1, 2, 5\]"),
    ("h0 ndim", lambda m: m.RNN(4, 5), lambda t: (t.zeros(3, 2, 4), t.zeros(2, 5)), RuntimeError, r"RNN.*3-D"),
    ("c0 shape", lambda m: m.LSTM(4, 5), lambda t: (t.zeros(3, 2, 4), (t.zeros(1, 2, 5), t.zeros(1, 2, 4))),
     RuntimeError, r"LSTM.*hidden\[1\].*\(1, 2, 5\).*\[1, 2, 4\]"),
    ("empty sequence", lambda m: m.LSTM(4, 5), lambda t: (t.zeros(0, 2, 4),), RuntimeError, r"LSTM.*larger than 0"),
    ("cell input ndim", lambda m: m.LSTMCell(4, 5), lambda t: (t.zeros(1, 2, 4),), ValueError, r"LSTMCell.*3D"),
    ("cell input size", lambda m: m.GRUCell(4, 5), lambda t: (t.zeros(2, 3),), RuntimeError,
     r"GRUCell.*got 3 expected 4"),
    ("cell h shape", lambda m: m.RNNCell(4, 5), lambda t: (t.zeros(2, 4), t.zeros(3, 5)), RuntimeError,
     r"RNNCell.*\(3, 5\).*\(2, 5\)"),
]


@pytest.mark.parametrize("what,build,args,exc,match", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input_raises_torchs_exception_type_naming_layer_and_shapes(what, build, args, exc, match):
    with pytest.raises(exc, match=match):
        build(nn)(*args(fg))
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(exc):
        build(torch.nn)(*args(torch))


@pytest.mark.parametrize("build,exc", [
    (lambda m: m.RNN(3, 4, nonlinearity="sigmoid"), ValueError),
    (lambda m: m.LSTM(3, 4, dropout=1.5), ValueError),
    (lambda m: m.GRU(3, 4, dropout=-0.1), ValueError),
    (lambda m: m.GRU(3, 4, proj_size=2), ValueError),
    (lambda m: m.LSTM(3, 4, proj_size=4), ValueError),
    (lambda m: m.LSTM(3, 4, bias=1), TypeError),
    (lambda m: m.RNN(3, 0), ValueError),
])
def test_bad_constructor_arguments_raise_torchs_exception_type(build, exc):
    with pytest.raises(exc):
        build(nn)
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(exc):
        build(torch.nn)


def test_dtype_mismatch_raises_value_error():
    with pytest.raises(ValueError, match="LSTM: input dtype"):
        nn.LSTM(3, 4)(fg.zeros(2, 1, 3, dtype=fg.float64))


def test_rnn_cell_unknown_nonlinearity_raises_at_forward():
    cell = nn.RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError, match="RNNCell: Unknown nonlinearity: sigmoid"):
        cell(fg.zeros(2, 3))


# -- training -----------------------------------------------------------------------------------------
def test_lstm_learns_a_running_sum(rng):
    """A one-layer LSTM with a linear read-out learns y_t = sum_{s<=t} x_s on short random sequences."""
    lstm, head = nn.LSTM(1, 12, batch_first=True), nn.Linear(12, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = fg.optim.Adam(params, lr=0.03)
    x = rng.uniform(-1, 1, (32, 6, 1)).astype(np.float32)
    y = fg.tensor(np.cumsum(x, axis=1))
    x = fg.tensor(x)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = fg.nn.functional.mse_loss(head(lstm(x)[0]), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
