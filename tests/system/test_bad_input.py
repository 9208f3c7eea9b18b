"""Bad input never crashes: a catalogue of misuses, one row each.

Every row names the exception type and a regex its message must match.  The regex asks for
the op's name and the offending shapes or values (the DESIGN.md rule: "errors are ValueError /
TypeError / RuntimeError naming the op and the shapes").  Rows that need a part of the library
that is not there yet (losses, nn, optim, save/load) skip until it lands.  Rows where the
library's present behaviour is wrong are written as it should be and marked
``xfail(strict=True)`` with the reason, so fixing the library turns them into failures that
ask for the mark to be removed.
"""
import importlib
import inspect
import os
import re

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.functional as F

ROWS = []


def S(*dims):
    """Regex for a shape written as (2, 3), [2, 3], Size([2, 3]) or 2x3."""
    if not dims:
        return r"(\(\)|\[\])"
    inner = r",\s*".join(str(d) for d in dims)
    return r"(\(%s,?\)|\[%s\]|%s)" % (inner, inner, "x".join(str(d) for d in dims))


def row(id, fn, exc, match, needs=(), xfail=None):
    """One misuse: fn() must raise ``exc`` with a message matching ``match`` (re.search, re.S)."""
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    ROWS.append(pytest.param(fn, exc, match, tuple(needs) if isinstance(needs, (tuple, list)) else (needs,),
                             id=id, marks=marks))


def _has(path):
    """'functional.cross_entropy', 'nn.Linear', 'optim.SGD', 'save' -> is it importable?"""
    mod, _, attr = path.rpartition(".")
    try:
        m = importlib.import_module("fastgrad." + mod) if mod else fg
    except ImportError:
        return False
    return hasattr(m, attr)


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("fn, exc, match, needs", ROWS)
def test_bad_input_raises_clear_error(fn, exc, match, needs, tmp_path):
    for n in needs:
        if not _has(n):
            pytest.skip(f"fastgrad.{n} not available yet")
    with pytest.raises(exc) as info:
        fn(tmp_path) if "tmp" in inspect.signature(fn).parameters else fn()
    msg = str(info.value)
    assert re.search(match, msg, re.S | re.I), \
        f"{type(info.value).__name__} message does not name the op and the offending values:\n  {msg!r}\n" \
        f"  expected to match: {match!r}"


# ---------------------------------------------------------------------------------------------
# fixtures built once: the rows are lambdas over these
def a23():
    return fg.randn(2, 3)


def b45():
    return fg.randn(4, 5)


def leaf(*shape):
    return fg.randn(*shape, requires_grad=True)


def ints(*vals):
    return fg.tensor(list(vals))


# -- shape mismatches in every binary op ------------------------------------------------------
for _op in ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]:
    row(f"{_op}-shape-mismatch", (lambda op: lambda: getattr(F, op)(a23(), b45()))(_op),
        RuntimeError, rf"\b{_op}\b.*{S(2, 3)}.*{S(4, 5)}")
    row(f"{_op}-shape-mismatch-f64", (lambda op: lambda: getattr(F, op)(a23().double(), fg.randn(3, 2).double()))(_op),
        RuntimeError, rf"\b{_op}\b.*{S(2, 3)}.*{S(3, 2)}")
for _op, _sym in [("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/"), ("pow", "**")]:
    row(f"operator{_sym}-shape-mismatch", (lambda s: lambda: eval(f"x {s} y", {"x": a23(), "y": b45()}))(_sym),
        RuntimeError, rf"\b{_op}\b.*{S(2, 3)}.*{S(4, 5)}")
for _op in ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"]:
    row(f"{_op}-shape-mismatch", (lambda op: lambda: getattr(F, op)(a23(), b45()))(_op),
        RuntimeError, rf"{_op}.*{S(2, 3)}.*{S(4, 5)}")
row("where-shape-mismatch", lambda: F.where(a23() > 0, a23(), b45()), RuntimeError, rf"where.*{S(4, 5)}")
row("where-cond-not-bool", lambda: F.where(a23(), a23(), a23()), TypeError, r"where.*bool.*float32")
row("add_-inplace-shape-mismatch", lambda: a23().add_(b45()), RuntimeError, rf"add.*{S(2, 3)}.*{S(4, 5)}")
row("add_-inplace-would-broadcast-self", lambda: fg.randn(3).add_(a23()), RuntimeError, rf"add.*{S(3)}.*{S(2, 3)}")
row("copy_-shape-mismatch", lambda: a23().copy_(b45()), RuntimeError, rf"copy.*{S(2, 3)}.*{S(4, 5)}")
row("add-unsupported-operand-str", lambda: a23() + "x", TypeError, r"add.*str")
row("add-unsupported-operand-None", lambda: a23() + None, TypeError, r"add.*NoneType")
row("mul-unsupported-operand-object", lambda: F.mul(a23(), object()), TypeError, r"mul.*object")

# -- matmul and linear ------------------------------------------------------------------------
_MM = ("functional.matmul",)
row("matmul-inner-mismatch", lambda: a23() @ b45(), RuntimeError, rf"(matmul|mm).*{S(2, 3)}.*{S(4, 5)}", _MM)
row("matmul-1d-mismatch", lambda: fg.randn(3) @ fg.randn(4), RuntimeError, r"(matmul|dot).*3.*4", _MM)
row("matmul-batch-not-broadcastable", lambda: fg.randn(2, 3, 4) @ fg.randn(3, 4, 5), RuntimeError,
    rf"matmul.*{S(2)}.*{S(3)}|matmul.*{S(2, 3, 4)}.*{S(3, 4, 5)}", _MM)
row("matmul-0d", lambda: fg.tensor(1.0) @ a23(), RuntimeError, r"matmul.*0D", _MM)
row("matmul-mixed-dtypes", lambda: a23() @ fg.randn(3, 2, dtype=fg.float64), RuntimeError,
    r"matmul.*(float.*double|float32.*float64)", _MM)
row("mm-not-a-matrix", lambda: fg.mm(fg.randn(3), fg.randn(3, 2)), RuntimeError, r"mm.*matrix", ("functional.mm",))
row("mm-inner-mismatch", lambda: fg.mm(a23(), b45()), RuntimeError, rf"mm.*{S(2, 3)}.*{S(4, 5)}", ("functional.mm",))
row("bmm-not-3d", lambda: fg.bmm(a23(), a23()), RuntimeError, r"bmm.*3D", ("functional.bmm",))
row("bmm-batch-mismatch", lambda: fg.bmm(fg.randn(2, 3, 4), fg.randn(3, 4, 5)), RuntimeError,
    r"bmm.*(2.*3|3.*2)", ("functional.bmm",))
row("linear-in-features-mismatch", lambda: F.linear(a23(), fg.randn(4, 5)), RuntimeError,
    rf"linear.*{S(2, 3)}.*{S(5, 4)}", ("functional.linear",))
row("linear-bias-mismatch", lambda: F.linear(a23(), fg.randn(4, 3), fg.randn(5)), RuntimeError,
    rf"linear.*{S(5)}.*{S(4)}|linear.*{S(2, 4)}.*{S(5)}|linear.*{S(5)}.*{S(2, 4)}", ("functional.linear",))

# -- losses -----------------------------------------------------------------------------------
_CE, _NLL, _MSE = ("functional.cross_entropy",), ("functional.nll_loss",), ("functional.mse_loss",)
_BCE, _BCEL = ("functional.binary_cross_entropy",), ("functional.binary_cross_entropy_with_logits",)
row("mse-shape-mismatch", lambda: F.mse_loss(a23(), b45()), RuntimeError, rf"mse.*{S(2, 3)}.*{S(4, 5)}", _MSE)
row("l1-shape-mismatch", lambda: F.l1_loss(a23(), b45()), RuntimeError, rf"l1.*{S(2, 3)}.*{S(4, 5)}",
    ("functional.l1_loss",))
row("mse-bad-reduction", lambda: F.mse_loss(a23(), a23(), reduction="avg"), ValueError, r"avg", _MSE)
row("cross_entropy-batch-mismatch", lambda: F.cross_entropy(a23(), ints(0, 1, 2)), ValueError,
    r"(batch_size|batch size).*2.*3", _CE)
row("cross_entropy-class-index-out-of-range", lambda: F.cross_entropy(a23(), ints(0, 3)), IndexError,
    r"(cross_entropy|nll_loss|Target).*3.*(out of bounds|range)", _CE)
row("cross_entropy-negative-class-index", lambda: F.cross_entropy(a23(), ints(0, -5)), IndexError,
    r"(cross_entropy|nll_loss|Target).*-5.*(out of bounds|range)", _CE)
row("cross_entropy-float-class-indices", lambda: F.cross_entropy(a23(), fg.tensor([0.0, 1.0])),
    (RuntimeError, TypeError),
    r"cross_entropy.*(float|Float|int64|Long)", _CE)
row("cross_entropy-integer-logits", lambda: F.cross_entropy(ints(1, 2, 3).reshape(1, 3), ints(0)),
    (RuntimeError, TypeError),
    r"cross_entropy.*(int64|Long)", _CE)
row("cross_entropy-0d-logits", lambda: F.cross_entropy(fg.tensor(1.0), ints(0)), (RuntimeError, ValueError, IndexError),
    r"cross_entropy|dimension|dim", _CE)
row("cross_entropy-probabilities-shape-mismatch", lambda: F.cross_entropy(a23(), fg.rand(2, 4)),
    (RuntimeError, ValueError), rf"cross_entropy.*{S(2, 3)}.*{S(2, 4)}|cross_entropy.*{S(2, 4)}.*{S(2, 3)}", _CE)
row("nll_loss-class-index-out-of-range", lambda: F.nll_loss(a23(), ints(0, 7)), IndexError,
    r"(nll_loss|Target).*7.*(out of bounds|range)", _NLL)
row("bce-input-outside-0-1", lambda: F.binary_cross_entropy(fg.tensor([1.5, 0.5]), fg.tensor([1.0, 0.0])),
    (RuntimeError, ValueError), r"(binary_cross_entropy|input).*between 0 and 1", _BCE)
row("bce-shape-mismatch", lambda: F.binary_cross_entropy(fg.rand(2, 3), fg.rand(3)), ValueError,
    rf"{S(3)}.*{S(2, 3)}", _BCE)
row("bce_with_logits-shape-mismatch", lambda: F.binary_cross_entropy_with_logits(a23(), fg.rand(3)), ValueError,
    rf"{S(3)}.*{S(2, 3)}", _BCEL)

# -- wrong dtypes ----------------------------------------------------------------------------
for _op in ["relu", "gelu", "softplus"]:  # (sigmoid and tanh of integers give floats, as torch)
    row(f"{_op}-integer-input", (lambda op: lambda: getattr(F, op)(ints(1, 2)))(_op), TypeError, rf"\b{_op}\b.*int64")
row("softmax-integer-input", lambda: F.softmax(ints(1, 2), 0), TypeError, r"softmax.*int64")
row("log_softmax-integer-input", lambda: F.log_softmax(ints(1, 2), 0), TypeError, r"log_softmax.*int64")
row("mean-bool-input", lambda: fg.tensor([True, False]).mean(), RuntimeError, r"mean.*bool")
row("mean-integer-input", lambda: ints(1, 2).mean(), RuntimeError, r"mean.*int64")
row("requires_grad-on-integer-tensor", lambda: fg.tensor([1, 2], requires_grad=True), RuntimeError,
    r"floating point.*int64")
row("requires_grad_-on-integer-tensor", lambda: ints(1, 2).requires_grad_(), RuntimeError, r"floating point.*int64")
row("from_numpy-big-endian-float32", lambda: fg.from_numpy(np.ones(3, ">f4")), ValueError,
    r"from_numpy.*>f4.*byte order")
row("from_numpy-big-endian-float64", lambda: fg.from_numpy(np.ones(3, ">f8")), ValueError,
    r"from_numpy.*>f8.*byte order")

# -- autograd misuse --------------------------------------------------------------------------
row("backward-non-scalar-without-gradient", lambda: (leaf(3) * 2).backward(), RuntimeError,
    rf"scalar outputs.*{S(3)}")
row("backward-gradient-shape-mismatch", lambda: (leaf(3) * 2).backward(fg.ones(4)), RuntimeError,
    rf"backward.*{S(4)}.*{S(3)}")
row("backward-on-tensor-without-grad", lambda: fg.ones(2).sum().backward(), RuntimeError, r"does not require grad")


def _backward_twice():
    y = (leaf(3) * leaf(3)).sum()
    y.backward()
    y.backward()


row("backward-twice-without-retain_graph", _backward_twice, RuntimeError,
    r"backward through the graph a second time.*retain_graph=True")


def _backward_twice_partial():
    x = leaf(3)
    h = x.exp()
    h.sum().backward()
    (h * 2).sum().backward()  # reuses the freed exp node


row("backward-through-freed-subgraph", _backward_twice_partial, RuntimeError, r"second time")
row("create_graph-unsupported", lambda: (leaf(2) * 2).sum().backward(create_graph=True), NotImplementedError,
    r"create_graph")


def _grad_unused():
    x, y = leaf(2), leaf(2)
    fg.autograd.grad((x * 2).sum(), [x, y])


row("autograd.grad-unused-input", _grad_unused, RuntimeError, r"not have been used.*allow_unused")


def _inplace(kind):
    def run():
        w = leaf(3)
        if kind == "+=":
            w += 1
        elif kind == "setitem":
            w[0] = 1.0
        else:
            getattr(w, kind)(*({"add_": (1.0,), "mul_": (2.0,), "sub_": (1.0,), "div_": (2.0,), "zero_": (),
                                "fill_": (1.0,), "copy_": (fg.ones(3),), "clamp_": (0.0,),
                                "uniform_": (), "normal_": ()}[kind]))
    return run


for _k in ["+=", "add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "clamp_", "uniform_", "normal_", "setitem"]:
    row(f"inplace-{_k}-on-leaf-requiring-grad", _inplace(_k), RuntimeError, r"leaf.*requires grad.*in-place")
row("numpy-on-tensor-requiring-grad", lambda: leaf(2).numpy(), RuntimeError, r"numpy\(\).*requires grad.*detach")
row("requires_grad_-False-on-non-leaf", lambda: (leaf(2) * 2).requires_grad_(False), RuntimeError, r"leaf")
row("item-on-multi-element", lambda: a23().item(), RuntimeError, r"6 elements")
row("bool-of-multi-element", lambda: bool(a23()), RuntimeError, r"6 values.*ambiguous")

# -- sizes: negative, absurd, wrong type ------------------------------------------------------
for _f in ["zeros", "ones", "empty", "rand", "randn"]:
    row(f"{_f}-negative-size", (lambda f: lambda: getattr(fg, f)(-1, 3))(_f), RuntimeError, rf"{_f}.*negative.*-1")
    row(f"{_f}-size-product-overflows-int64", (lambda f: lambda: getattr(fg, f)(10 ** 12, 10 ** 12))(_f),
        (MemoryError, ValueError), rf"{_f}.*{S(10 ** 12, 10 ** 12)}",
)
    row(f"{_f}-larger-than-address-space", (lambda f: lambda: getattr(fg, f)(2 ** 45))(_f),
        (MemoryError, ValueError), rf"{_f}.*{2 ** 45}",
)
    row(f"{_f}-float-size", (lambda f: lambda: getattr(fg, f)(2.5))(_f), TypeError, rf"{_f}.*2\.5",
    )
row("full-negative-size", lambda: fg.full((-1,), 1.0), RuntimeError, r"full.*negative.*-1")
row("eye-negative-size", lambda: fg.eye(-3), RuntimeError, r"eye.*-3")
row("randperm-negative", lambda: fg.randperm(-2), RuntimeError, r"randperm.*-2")
row("linspace-negative-steps", lambda: fg.linspace(0, 1, -1), RuntimeError, r"linspace.*(negative|-1)")
row("arange-zero-step", lambda: fg.arange(0, 5, 0), RuntimeError, r"arange.*step")
row("arange-absurd-length", lambda: fg.arange(0, 1e18), (MemoryError, ValueError), r"arange.*1e\+?18|arange.*10{18}")
row("randint-empty-range", lambda: fg.randint(5, 5, (2,)), RuntimeError, r"randint.*5.*5")
row("reshape-wrong-numel", lambda: a23().reshape(4, 4), RuntimeError, rf"reshape.*{S(4, 4)}.*6")
row("reshape-negative-dim", lambda: a23().reshape(-2, 3), RuntimeError, r"reshape.*-2")
row("reshape-two-inferred-dims", lambda: a23().reshape(-1, -1), RuntimeError, r"reshape.*(only one|-1)")
row("view-wrong-numel", lambda: a23().view(7), RuntimeError, rf"view.*{S(7)}.*6")
row("view-of-non-contiguous", lambda: fg.randn(4, 6).t().view(24), RuntimeError, r"view.*(stride|contiguous)")
row("expand-incompatible", lambda: a23().expand(3, 3), RuntimeError, rf"expand.*{S(3, 3)}.*{S(2, 3)}")
row("permute-wrong-count", lambda: a23().permute(0, 1, 2), RuntimeError, r"permute.*2.*3")
row("permute-duplicate", lambda: a23().permute(0, 0), RuntimeError, r"permute.*duplicate")
row("repeat-too-few-dims", lambda: a23().repeat(2), RuntimeError, r"repeat.*dimensions")
row("cat-shape-mismatch", lambda: fg.cat([a23(), b45()]), RuntimeError, r"cat.*3.*5")
row("cat-empty-list", lambda: fg.cat([]), (RuntimeError, ValueError), r"cat.*(empty|non-empty|at least one)")
row("stack-shape-mismatch", lambda: fg.stack([a23(), b45()]), RuntimeError, rf"stack.*{S(2, 3)}.*{S(4, 5)}")
row("split-size-zero", lambda: a23().split(0), RuntimeError, r"split.*0")
row("chunk-zero", lambda: a23().chunk(0), RuntimeError, r"chunk.*0")
row("getitem-out-of-bounds", lambda: a23()[5], IndexError, r"index 5.*size 2")
row("getitem-float-index", lambda: a23()[1.5], IndexError, r"float")
row("gather-index-out-of-bounds", lambda: F.gather(a23(), 1, fg.tensor([[7]])), RuntimeError, r"gather.*7.*3")
row("gather-float-index", lambda: F.gather(a23(), 1, fg.tensor([[0.0]])), RuntimeError, r"gather.*int64.*float32")
row("masked_fill-mask-shape", lambda: a23().masked_fill(fg.tensor([True, False]), 0.0), RuntimeError,
    rf"masked_fill.*{S(2)}.*{S(2, 3)}")
row("masked_fill-float-mask", lambda: a23().masked_fill(fg.ones(2, 3), 0.0), RuntimeError,
    r"masked_fill.*bool.*float32")

# -- dims ------------------------------------------------------------------------------------
for _name, _fn in [("sum", lambda x: x.sum(5)), ("mean", lambda x: x.mean(5)), ("softmax", lambda x: F.softmax(x, 3)),
                   ("log_softmax", lambda x: F.log_softmax(x, -3)), ("transpose", lambda x: x.transpose(0, 5)),
                   ("squeeze", lambda x: x.squeeze(5)), ("unsqueeze", lambda x: x.unsqueeze(5)),
                   ("var", lambda x: x.var(2)), ("argmax", lambda x: x.argmax(4)), ("max", lambda x: x.max(7))]:
    row(f"{_name}-dim-out-of-range", (lambda f: lambda: f(a23()))(_fn), IndexError,
        rf"\b{_name}\b.*dimension out of range.*-?\d")
for _name in ("any", "all"):
    row(f"{_name}-dim-out-of-range", (lambda n: lambda: getattr(a23(), n)(5))(_name), IndexError,
        rf"\b{_name}\b.*dimension out of range")
row("sum-duplicate-dims", lambda: a23().sum((0, 0)), RuntimeError, r"sum.*appears multiple times")
row("sum-float-dim", lambda: a23().sum(0.5), TypeError, r"sum.*dim.*float")
row("max-of-empty", lambda: fg.zeros(0).max(), RuntimeError, r"max.*numel\(\) == 0")
row("max-along-empty-dim", lambda: fg.zeros(0, 3).max(0), IndexError, r"max.*dim 0.*non-zero size")
row("amax-along-empty-dim", lambda: fg.zeros(0, 3).amax(0), IndexError, r"amax.*dim 0.*non-zero size")
row("amax-of-empty-without-dim", lambda: fg.zeros(0, 3).amax(), RuntimeError, r"amax.*numel\(\) == 0")
row("argmax-of-empty", lambda: fg.zeros(0, 3).argmax(), IndexError, r"argmax.*numel\(\) == 0")
row("argmin-along-empty-dim", lambda: fg.zeros(3, 0).argmin(1), IndexError, r"argmin.*dim 1.*non-zero size")
row("argmax-of-bool", lambda: fg.tensor([True, False]).argmax(), RuntimeError, r"argmax.*bool")
row("amax-0d-dim-out-of-range", lambda: fg.tensor(1.0).amax((0, 1)), IndexError, r"amax.*out of range.*1")

# -- values and hyper-parameters ---------------------------------------------------------------
row("clamp-without-bounds", lambda: a23().clamp(), RuntimeError, r"clamp.*min.*max")
row("clamp-str-bound", lambda: a23().clamp("a"), TypeError, r"clamp.*'min'.*str")
row("dropout-p-above-1", lambda: F.dropout(a23(), 2.0), ValueError, r"dropout.*2\.0")
row("dropout-p-nan", lambda: F.dropout(a23(), float("nan")), ValueError, r"dropout.*nan")
row("gelu-bad-approximate", lambda: F.gelu(a23(), "x"), ValueError, r"gelu.*'x'")
row("leaky_relu-nan-slope", lambda: F.leaky_relu(a23(), float("nan")), ValueError, r"leaky_relu.*nan")
row("softplus-zero-beta", lambda: F.softplus(a23(), beta=0.0), ValueError, r"softplus.*beta.*0")
row("set_num_threads-zero", lambda: fg.set_num_threads(0), ValueError, r"set_num_threads.*0")
row("set_num_threads-float", lambda: fg.set_num_threads(2.5), ValueError, r"set_num_threads.*2\.5")
row("tensor-from-str", lambda: fg.tensor("abc"), TypeError, r"tensor.*str")
row("tensor-ragged", lambda: fg.tensor([[1, 2], [3]]), ValueError, r"tensor.*inhomogeneous")
row("tensor-complex", lambda: fg.tensor([1j]), TypeError, r"tensor.*complex")
row("from_numpy-list", lambda: fg.from_numpy([1, 2]), TypeError, r"from_numpy.*list")
row("from_numpy-object-array", lambda: fg.from_numpy(np.array([object()])), TypeError, r"from_numpy.*object")
row("len-of-0d", lambda: len(fg.tensor(1.0)), TypeError, r"0-d")
row("set_default_dtype-int", lambda: fg.set_default_dtype(fg.int64), TypeError, r"set_default_dtype.*int64")
row("to-unknown-dtype", lambda: a23().to("no-such-dtype"), RuntimeError, r"Invalid device string.*no-such-dtype")

# -- nn (skipped until fastgrad.nn lands) -------------------------------------------------------
_LIN = ("nn.Linear",)


def _nn():
    import fastgrad.nn as nn
    return nn


row("Linear-input-features-mismatch", lambda: _nn().Linear(4, 2)(a23()), RuntimeError,
    rf"{S(2, 3)}.*{S(4, 2)}|{S(2, 3)}.*{S(2, 4)}", _LIN)
row("Linear-negative-features", lambda: _nn().Linear(-1, 3), (RuntimeError, ValueError), r"-1", _LIN)
row("Sequential-index-out-of-range", lambda: _nn().Sequential(_nn().Linear(2, 2))[3], IndexError, r"3",
    ("nn.Sequential",))
row("Dropout-p-out-of-range", lambda: _nn().Dropout(1.5), ValueError, r"1\.5", ("nn.Dropout",))
row("Embedding-index-out-of-range", lambda: _nn().Embedding(4, 2)(ints(1, 4)), IndexError, r"4",
    ("nn.Embedding",))
row("Embedding-float-indices", lambda: _nn().Embedding(4, 2)(fg.tensor([1.0])), (TypeError, RuntimeError),
    r"(Long|Int|int64|integer).*float32|float32.*(Long|Int|int64|integer)", ("nn.Embedding",))
row("CrossEntropyLoss-bad-reduction", lambda: _nn().CrossEntropyLoss(reduction="avg"), ValueError, r"avg",
    ("nn.CrossEntropyLoss",))


def _load_state(kind):
    def run():
        nn = _nn()
        m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
        sd = dict(m.state_dict())
        if kind == "missing":
            del sd["2.bias"]
        elif kind == "unexpected":
            sd["5.weight"] = fg.zeros(1)
        elif kind == "shape":
            sd["0.weight"] = fg.zeros(2, 4)
        elif kind == "not-a-tensor":
            sd["0.bias"] = "hello"
        m.load_state_dict(sd)
    return run


_SD = ("nn.Sequential", "nn.ReLU")
row("load_state_dict-missing-key", _load_state("missing"), RuntimeError, r"Missing key.*2\.bias", _SD)
row("load_state_dict-unexpected-key", _load_state("unexpected"), RuntimeError, r"Unexpected key.*5\.weight", _SD)
row("load_state_dict-mis-shaped", _load_state("shape"), RuntimeError,
    rf"size mismatch.*0\.weight.*{S(2, 4)}.*{S(3, 4)}", _SD)
row("load_state_dict-not-a-tensor", _load_state("not-a-tensor"), (TypeError, RuntimeError), r"0\.bias", _SD)

# -- optim (skipped until fastgrad.optim lands) --------------------------------------------------


def _opt(name, *args, **kw):
    import fastgrad.optim as optim
    return lambda: getattr(optim, name)(*args, **kw)


def _params():
    return [leaf(3)]


row("SGD-empty-parameter-list", lambda: _opt("SGD", [], lr=0.1)(), ValueError, r"empty parameter list", ("optim.SGD",))
row("Adam-empty-parameter-list", lambda: _opt("Adam", [])(), ValueError, r"empty parameter list", ("optim.Adam",))
row("SGD-non-leaf-parameter", lambda: _opt("SGD", [leaf(3) * 2], lr=0.1)(), ValueError, r"non-leaf", ("optim.SGD",))
row("SGD-tensor-instead-of-iterable", lambda: _opt("SGD", leaf(3), lr=0.1)(), TypeError, r"iterable", ("optim.SGD",))
row("SGD-negative-lr", lambda: _opt("SGD", _params(), lr=-0.1)(), ValueError, r"learning rate.*-0\.1", ("optim.SGD",))
row("SGD-nesterov-without-momentum", lambda: _opt("SGD", _params(), lr=0.1, nesterov=True)(), ValueError,
    r"[Nn]esterov", ("optim.SGD",))
row("Adam-beta-above-1", lambda: _opt("Adam", _params(), betas=(1.5, 0.999))(), ValueError, r"beta.*1\.5",
    ("optim.Adam",))
row("Adam-negative-eps", lambda: _opt("Adam", _params(), eps=-1.0)(), ValueError, r"epsilon.*-1", ("optim.Adam",))
for _opt_name, _kw in [("SGD", {"lr": float("nan")}), ("SGD", {"lr": float("inf")}),
                       ("SGD", {"lr": 0.1, "momentum": float("nan")}),
                       ("SGD", {"lr": 0.1, "weight_decay": float("inf")}),
                       ("Adam", {"lr": float("nan")}), ("Adam", {"lr": float("inf")}),
                       ("Adam", {"weight_decay": float("nan")}),
                       ("Adam", {"eps": float("nan")}), ("AdamW", {"lr": float("nan")}),
                       ("RMSprop", {"lr": float("nan")}), ("Adagrad", {"lr": float("inf")})]:
    _k, _v = [(k, v) for k, v in _kw.items() if not np.isfinite(v)][0]
    _name = {"lr": "learning rate", "eps": "epsilon"}.get(_k, _k.replace("_", " ").rstrip())
    _label = {"lr": r"(learning rate|lr)", "eps": r"(epsilon|eps)"}.get(_k, _k.replace("_", "[ _]"))
    row(f"{_opt_name}-{_k}-{_v}", (lambda n, kw: lambda: _opt(n, _params(), **kw)())(_opt_name, _kw), ValueError,
        rf"{_label}.*{_v}", ("optim." + _opt_name,))


# -- save / load (skipped until fastgrad.serialization lands) ---------------------------------------
def _io(name):
    """fastgrad.save / fastgrad.load, or the serialization module's until they are exported."""
    return getattr(fg, name, None) or getattr(importlib.import_module("fastgrad.serialization"), name)


def _ckpt(kind):
    def run(tmp):
        path = os.path.join(tmp, "ckpt.bin")
        _io("save")({"w": fg.randn(8, 8), "b": fg.zeros(8)}, path)
        data = open(path, "rb").read()
        if kind == "truncated":
            data = data[: len(data) // 2]
        elif kind == "corrupt":
            data = data[:16] + bytes(b ^ 0x5A for b in data[16:])
        elif kind == "not-ours":
            data = b"hello, this is a text file\n" * 10
        elif kind == "empty":
            data = b""
        if kind == "missing":
            path = os.path.join(tmp, "does-not-exist.bin")
        else:
            open(path, "wb").write(data)
        _io("load")(path)
    return run


_LOAD_ERRORS = (ValueError, RuntimeError, OSError)
for _kind in ["truncated", "corrupt", "not-ours", "empty"]:
    row(f"load-{_kind}-checkpoint", _ckpt(_kind), _LOAD_ERRORS,
        r"load.*(checkpoint|corrupt|truncated|not a fastgrad|invalid|format)", ("serialization.load",))
row("load-missing-file", _ckpt("missing"), FileNotFoundError, r"does-not-exist", ("serialization.load",))
row("save-arbitrary-object", lambda tmp: _io("save")({"f": object()}, os.path.join(tmp, "x.bin")), TypeError,
    r"save.*object", ("serialization.save",))
row("save-unsupported-dtype", lambda tmp: _io("save")({"c": np.zeros(2, np.complex64)}, os.path.join(tmp, "x.bin")),
    TypeError, r"save.*complex64", ("serialization.save",))


# -- custom autograd.Functions whose backward returns a bad gradient (issue 14, item 1) -------------
def _custom_backward(kind, layer="relu", n=(3, 4), dtype=fg.float32):
    """x -> layer -> a user Function whose backward returns ``kind`` of gradient -> backward."""
    class Bad(fg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return {"shape": lambda: fg.ones(2), "count": lambda: (g, g), "ndarray": lambda: np.ones(g.shape),
                    "str": lambda: "grad", "too-small": lambda: fg.ones(g.shape[0] // 2, dtype=g.dtype),
                    "0d-for-vector": lambda: fg.ones((2, 2))}[kind]()

    def run():
        x = fg.randn(*n, dtype=dtype, requires_grad=True)
        Bad.apply(getattr(F, layer)(x)).sum().backward()
    return run


row("custom-backward-wrong-shape-into-relu", _custom_backward("shape"), RuntimeError,
    r"BadBackward returned an invalid gradient at index 0 - got \[2\] but expected shape compatible with \[3, 4\]")
row("custom-backward-too-small-into-sigmoid-f64", _custom_backward("too-small", "sigmoid", (1000,), fg.float64),
    RuntimeError, r"invalid gradient at index 0 - got \[500\].*\[1000\]")
row("custom-backward-wrong-shape-into-tanh", _custom_backward("0d-for-vector", "tanh", (5,)), RuntimeError,
    r"invalid gradient.*\[2, 2\].*\[5\]")
row("custom-backward-too-many-gradients", _custom_backward("count", "gelu"), RuntimeError,
    r"BadBackward returned an incorrect number of gradients \(expected 1, got 2\)")
row("custom-backward-returns-ndarray", _custom_backward("ndarray", "softplus"), TypeError,
    r"Bad\.backward must return Tensors or None, got ndarray")
row("custom-backward-returns-str", _custom_backward("str", "leaky_relu"), TypeError,
    r"Bad\.backward must return Tensors or None, got str")


# -- crafted checkpoint files whose checksums are right (issue 14, item 14) ---------------------------
def _crafted(root, arrays, blob=bytes(64)):
    """A fastgrad file with valid header and data CRCs declaring whatever it is given."""
    import json
    import struct
    import zlib
    h = json.dumps({"format": "fastgrad", "root": root, "arrays": arrays}, separators=(",", ":")).encode()
    return struct.pack("<8sIIQQII", b"FASTGRAD", 1, 0, len(h), len(blob), zlib.crc32(h), zlib.crc32(blob)) \
        + h + bytes(-(40 + len(h)) % 64) + blob


def _arr(shape=(4,), dtype="float32", kind="T", rg=False, nbytes=16, offset=0):
    return {"dtype": dtype, "shape": list(shape), "offset": offset, "nbytes": nbytes, "kind": kind, "requires_grad": rg}


def _deep_list(n):
    v = 1
    for _ in range(n):
        v = {"L": [v]}
    return v


_CRAFTED = {
    "negative-shape": ({"T": 0}, [_arr((-4,))]),
    "string-shape": ({"T": 0}, [_arr(("4",))]),
    "float-offset": ({"T": 0}, [_arr(offset=0.0)]),
    "overflowing-shape": ({"T": 0}, [_arr((2 ** 62, 2 ** 62))]),
    "integer-parameter": ({"P": 0}, [_arr(dtype="int32", kind="P", rg=True)]),
    "unhashable-key": ({"D": [[{"L": [1]}, 2]]}, [_arr()]),
    "deep-nesting": (_deep_list(150), []),
    "dangling-reference": ({"T": 3}, [_arr()]),
}


def _load_crafted(case, via):
    def run(tmp):
        root, arrays = _CRAFTED[case]
        data = _crafted(root, arrays, bytes(64) if arrays else b"")
        if via == "bytesio":
            import io
            return _io("load")(io.BytesIO(data))
        path = os.path.join(tmp, "crafted.fg")
        with open(path, "wb") as f:
            f.write(data)
        return _io("load")(path)
    return run


def _serialization_error():
    from fastgrad.serialization import SerializationError
    return SerializationError


for _case in sorted(_CRAFTED):
    for _via in ("path", "bytesio"):
        row(f"load-crafted-{_case}-{_via}", _load_crafted(_case, _via), _serialization_error(),
            r"fastgrad\.load: .*corrupt", ("serialization.load",))


# -- numpy-side metadata changes to the array behind a tensor (issue 14, items 3 and 4) ---------------
_MUTATION_CHILD = r"""
import sys
import numpy as np
import fastgrad as fg
import fastgrad.nn.functional as F
OPS = {"linear": lambda x, w: F.linear(x, w), "matmul": lambda x, w: x @ w.t(), "relu": lambda x, w: F.relu(x),
       "sigmoid": lambda x, w: F.sigmoid(x), "softmax": lambda x, w: F.softmax(x, -1),
       "mse": lambda x, w: F.mse_loss(F.linear(x, w), fg.zeros(4, 5))}
MUTATIONS = {"reshape": lambda a: setattr(a, "shape", (6, 4)), "flatten": lambda a: setattr(a, "shape", (24,)),
             "strides": lambda a: setattr(a, "strides", (4, 16)),
             # resize with the default refcheck: numpy refuses, the memory is shared with the tensor
             # (refcheck=False frees memory a live view uses: numpy documents it as unsafe, and torch
             # crashes the same way; docs/RELIABILITY.md)
             "resize-up": lambda a: a.resize((64, 64)),
             "resize-down": lambda a: a.resize((2, 2)),
             "dtype-f64": lambda a: setattr(a, "dtype", np.float64),
             "dtype-i32": lambda a: setattr(a, "dtype", np.int32),
             "readonly": lambda a: setattr(a.flags, "writeable", False)}
for op in OPS:
    for mut in MUTATIONS:
        for side in ("from_numpy", "t.numpy"):
            a = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
            x = fg.from_numpy(a)
            w = fg.randn(5, 6, requires_grad=True)
            if op not in ("linear", "matmul", "mse"):
                x.requires_grad_(True)
            y = OPS[op](x, w)
            target = a if side == "from_numpy" else x.numpy(force=True)
            try:
                MUTATIONS[mut](target)
                y.sum().backward()
                out = "ok"
            except Exception as e:  # noqa: BLE001
                out = type(e).__name__
            print(op, mut, side, out, flush=True)
print("done", flush=True)
"""


def test_numpy_metadata_mutation_behind_a_tensor_never_crashes():
    """Re-shaping, re-striding, resizing or re-typing (in numpy) the array given to from_numpy or
    returned by .numpy(), between forward and backward, must end in a Python exception or a
    result: never a signal.  (Which of the two, and which exception, is the tensor-ownership fix's
    to decide: this test holds the no-crash line while that lands.)"""
    import subprocess
    import sys
    env = dict(os.environ, PYTHONFAULTHANDLER="1", PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(fg.__file__))] + [p for p in os.environ.get("PYTHONPATH", "").split(
            os.pathsep) if p]))
    proc = subprocess.run([sys.executable, "-c", _MUTATION_CHILD], env=env, capture_output=True, text=True,
                          timeout=300)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, f"child died (rc {proc.returncode}) after:\n{lines[-3:]}\n{proc.stderr[-3000:]}"
    assert lines[-1] == "done" and len(lines) == 6 * 8 * 2 + 1
    assert all(line.split()[-1] == "ok" or line.split()[-1].endswith(("Error", "Exception")) for line in lines[:-1])
