"""A tensor owns its shape and refuses what torch refuses (issue 14, items 3, 9 and 15):

* the numpy array given to ``from_numpy`` and the one ``numpy()`` returns share the tensor's
  memory but not its shape or strides, so reshaping them between forward and backward changes
  nothing (crash cases run in a subprocess: a signal is a failure);
* in-place ops whose result type cannot be cast back raise; in-place ops and optimizer steps on
  ``from_numpy`` tensors write through to the shared memory or raise, never into a copy;
* ``.data =`` takes only a Tensor; ``.grad =`` refuses the tensor itself, another shape or dtype.

torch 2.13 is the expected result where installed."""
import json
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import fastgrad as fg


def _torch():
    return pytest.importorskip("torch")


# -- item 3: the tensor owns its shape -------------------------------------------------------------
_RESHAPE_PROGRAMS = {
    # a (m, k) input behind a linear layer, re-shaped to (k, m) and to (m*k, 1) before backward
    "from_numpy-linear": """
        a = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
        x = L.from_numpy(a)
        w = L.tensor(np.ones((5, 3), np.float32) / 7, requires_grad=True)
        y = (x @ w.T).sum()
        a.shape = (3, 4)
        a.shape = (12, 1)
        y.backward()
        out = w.grad
    """,
    "numpy()-matmul": """
        x = L.tensor(np.arange(2000, dtype=np.float32).reshape(40, 50) / 1000)
        w = L.tensor(np.ones((50, 30), np.float32) / 7, requires_grad=True)
        y = (x @ w).sum()
        n = x.numpy()
        n.shape = (2000, 1)
        y.backward()
        out = w.grad
    """,
    "numpy()-of-weight-linear": """
        x = L.tensor(np.arange(12, dtype=np.float32).reshape(4, 3) / 10, requires_grad=True)
        w = L.tensor(np.ones((5, 3), np.float32) / 7, requires_grad=True)
        y = (x @ w.T).sum()
        n = w.detach().numpy()
        n.shape = (15,)
        y.backward()
        out = x.grad
    """,
    "from_numpy-strides": """
        a = (np.arange(24, dtype=np.float64) / 10).reshape(4, 6)[:, ::2]   # (4, 3), strided
        x = L.from_numpy(a)
        w = L.tensor(np.ones(3) / 7, requires_grad=True)
        y = (x * w).sum()
        a.strides = (a.strides[0], 0)   # (numpy still allows this on a view)
        y.backward()
        out = w.grad
    """,
}


def _run_child(lib, body):
    code = textwrap.dedent("""
        import json, sys, warnings
        warnings.simplefilter("ignore")
        import numpy as np
        import {lib} as L
    """).format(lib=lib) + textwrap.dedent(body) + "\nprint(json.dumps(out.detach().numpy().tolist()))\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", sorted(_RESHAPE_PROGRAMS))
def test_ownership_reshaping_the_numpy_side_changes_no_gradient(name):
    res = _run_child("fastgrad", _RESHAPE_PROGRAMS[name])
    assert res.returncode == 0, f"exit {res.returncode}\n{res.stderr[-3000:]}"   # < 0: a signal
    got = np.array(json.loads(res.stdout))
    ref = _run_child("fastgrad", _RESHAPE_PROGRAMS[name].replace("a.shape =", "_ = ").replace(
        "n.shape =", "_ = ").replace("a.strides =", "_ = "))   # the same program, nothing reshaped
    assert ref.returncode == 0, ref.stderr[-3000:]
    np.testing.assert_allclose(got, np.array(json.loads(ref.stdout)), rtol=1e-6)
    _torch()
    want = _run_child("torch", _RESHAPE_PROGRAMS[name])
    assert want.returncode == 0, want.stderr[-3000:]
    np.testing.assert_allclose(got, np.array(json.loads(want.stdout)), rtol=1e-5)


def test_ownership_numpy_shares_memory_not_metadata():
    t = fg.zeros(2, 3)
    n = t.numpy()
    n[0, 1] = 5.0
    assert t[0, 1].item() == 5.0
    n.shape = (3, 2)
    assert t.shape == (2, 3) and t.numpy().shape == (2, 3)
    a = np.zeros((2, 3), np.float32)
    u = fg.from_numpy(a)
    a[1, 2] = 7.0
    a.shape = (6,)
    assert u.shape == (2, 3) and u[1, 2].item() == 7.0
    u.add_(1.0)
    assert a[5] == 8.0   # still the same memory
    np.asarray(u).shape = (6,)
    assert u.shape == (2, 3)


# -- item 9: in-place result types ----------------------------------------------------------------
_CASTS = ["mul_(1.5)", "add_(1.5)", "add_(1)", "sub_(1)", "div_(2)", "clamp_(0.5)", "clamp_(0)",
          "clamp_(None, 1.5)", "fill_(1.5)", "__imul__(1.5)", "__iadd__(1)", "__itruediv__(2)",
          "__imul__(L.tensor([1.5, 1.5]))", "add_(L.tensor([1, 1]))", "add_(L.tensor([True, True]))",
          "mul_(L.tensor([2.0, 2.0], dtype=L.float64))", "copy_(L.tensor([1.5, 2.5]))"]


def _cast_outcome(L, dtype, op):
    t = L.tensor([1, 2], dtype=getattr(L, dtype))
    try:
        eval("t." + op, {"t": t, "L": L})
    except RuntimeError as e:
        return "RuntimeError", str(e).split(" type ")[1] if "can't be cast" in str(e) else str(e)[:40], [1, 2]
    return "ok", None, [int(v) for v in t.tolist()]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("op", _CASTS)
def test_inplace_result_type_cast_matches_torch(dtype, op):
    got = _cast_outcome(fg, dtype, op)
    torch = _torch()
    want = _cast_outcome(torch, dtype, op)
    assert got[0] == want[0] and got[2] == want[2], (got, want)
    if got[1] is not None and "can't be cast" in "".join(map(str, got)):
        assert got[1] == want[1]


def test_inplace_float_into_integer_tensor_raises():
    for dtype in (fg.int64, fg.int32, fg.bool):
        t = fg.tensor([1, 0], dtype=dtype)
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type"):
            t *= 1.5
        assert t.tolist() == ([1, 0] if dtype != fg.bool else [True, False])
    b = fg.tensor([True, False])
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
        b += 1


# -- item 9: from_numpy on read-only, zero-stride, strided and negative-stride arrays ----------------
def test_from_numpy_negative_strides_raise_as_torch():
    a = np.arange(6.0)[::-1]
    with pytest.raises(ValueError, match="At least one stride in the given numpy array is negative"):
        fg.from_numpy(a)
    torch = _torch()
    with pytest.raises(ValueError, match="At least one stride in the given numpy array is negative"):
        torch.from_numpy(a)


def _readonly():
    a = np.arange(6.0)
    a.flags.writeable = False
    return a


def test_from_numpy_read_only_warns_as_torch_and_refuses_writes():
    a = _readonly()
    with pytest.warns(UserWarning, match="not writable"):
        t = fg.from_numpy(a)
    for write in (lambda: t.add_(1.0), lambda: t.__iadd__(1.0), lambda: t.copy_(fg.ones(6, dtype=fg.float64)),
                  lambda: t.__setitem__(0, 9.0), lambda: t.zero_(), lambda: t.clamp_(0.0, 1.0)):
        with pytest.raises(RuntimeError, match="read-only"):
            write()
    np.testing.assert_array_equal(a, np.arange(6.0))
    np.testing.assert_array_equal(t.numpy(), np.arange(6.0))   # the tensor still shows the array
    torch = _torch()
    with pytest.warns(UserWarning, match="not writable"):
        torch.from_numpy(_readonly())


@pytest.mark.parametrize("make", ["broadcast_to", "as_strided_writable"])
def test_from_numpy_zero_stride_writes_raise_as_torch(make):
    def array():
        if make == "broadcast_to":
            return np.broadcast_to(np.arange(3.0), (2, 3))
        base = np.arange(3.0)
        return np.lib.stride_tricks.as_strided(base, (2, 3), (0, 8), writeable=True)

    outcomes = []
    libs = [fg]
    try:
        import torch
        libs.append(torch)
    except ImportError:
        pass
    for L in libs:
        a = array()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = L.from_numpy(a)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a "
                                               "single memory location"):
            t.add_(1.0)
        np.testing.assert_array_equal(a, np.broadcast_to(np.arange(3.0), (2, 3)))
        outcomes.append(L.__name__)
    _torch()
    assert outcomes == ["fastgrad", "torch"]


_STRIDED_WRITES = {"add_": lambda L, t: t.add_(1.0), "mul_": lambda L, t: t.mul_(3.0),
                   "iadd": lambda L, t: t.__iadd__(2.0), "copy_": lambda L, t: t.copy_(L.ones(3, 2, dtype=L.float64)),
                   "fill_": lambda L, t: t.fill_(4.0), "setitem": lambda L, t: t.__setitem__((1, 1), 9.0),
                   "clamp_": lambda L, t: t.clamp_(2.0, 6.0), "zero_": lambda L, t: t.zero_()}


@pytest.mark.parametrize("write", sorted(_STRIDED_WRITES))
def test_from_numpy_non_contiguous_writes_go_through_as_torch(write):
    results = []
    libs = [fg]
    try:
        import torch
        libs.append(torch)
    except ImportError:
        pass
    for L in libs:
        big = np.arange(12.0).reshape(3, 4)
        a = big[:, ::2]
        t = L.from_numpy(a)
        _STRIDED_WRITES[write](L, t)
        np.testing.assert_array_equal(big[:, ::2], t.numpy())   # written into the shared memory
        results.append(big.copy())
    if write != "zero_":
        assert not np.array_equal(results[0], np.arange(12.0).reshape(3, 4))
    _torch()
    np.testing.assert_array_equal(results[0], results[1])


def test_optimizer_step_writes_through_a_contiguous_from_numpy_parameter_as_torch():
    torch = _torch()
    out = []
    for L in (fg, torch):
        a = np.ones(3, np.float32)
        p = L.nn.Parameter(L.from_numpy(a))
        p.grad = L.ones(3)
        L.optim.SGD([p], lr=0.5).step()
        out.append(a.copy())
    np.testing.assert_array_equal(out[0], [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(out[0], out[1])


@pytest.mark.parametrize("kind", ["strided", "read-only", "transposed-parameter"])
def test_optimizer_step_on_shared_non_contiguous_or_read_only_parameter_refuses(kind):
    """torch writes through a strided parameter; fastgrad's step kernels take contiguous memory, so
    it refuses (it used to update a private copy and silently stop sharing)."""
    if kind == "strided":
        big = np.ones((3, 4), np.float32)
        p = fg.nn.Parameter(fg.from_numpy(big[:, ::2]))
    elif kind == "read-only":
        big = np.ones(6, np.float32)
        big.flags.writeable = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = fg.nn.Parameter(fg.from_numpy(big))
    else:
        w = fg.ones(2, 3)
        big = w.numpy()
        p = fg.nn.Parameter(w.t())
    p.grad = fg.ones(*p.shape)
    with pytest.raises(RuntimeError, match="shares its memory"):
        fg.optim.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(big, np.ones_like(big))
    assert p.numpy(force=True).base is not None   # still the shared memory


def test_optimizer_step_on_unshared_non_contiguous_parameter_still_works():
    p = fg.nn.Parameter(fg.tensor(np.ones((3, 2), np.float32).T))   # a copy nobody else sees
    p.grad = fg.ones(2, 3)
    fg.optim.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(p.numpy(force=True), np.full((2, 3), 0.5, np.float32))


# -- in-place ops on a non-leaf that requires grad ---------------------------------------------------
@pytest.mark.parametrize("op", ["add_(1.0)", "sub_(1.0)", "mul_(3.0)", "div_(2.0)", "__iadd__(1.0)", "__imul__(3.0)"])
def test_inplace_on_nonleaf_changes_the_tensor_itself_as_torch(op):
    """``h.add_(1)`` as a statement used to leave h unchanged (the result went to a new tensor)."""
    out = []
    libs = [fg]
    try:
        import torch
        libs.append(torch)
    except ImportError:
        pass
    for L in libs:
        w = L.tensor([1.0, 2.0], requires_grad=True)
        h = w * 2
        alias = h
        eval("h." + op, {"h": h})
        (alias * alias).sum().backward()
        out.append((alias.detach().numpy().copy(), w.grad.numpy().copy()))
    assert not np.array_equal(out[0][0], [2.0, 4.0])
    _torch()
    np.testing.assert_allclose(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1])


# -- item 15: .data = and .grad = ------------------------------------------------------------------
def _error(fn):
    try:
        fn()
    except (TypeError, RuntimeError) as e:
        return type(e).__name__, str(e)
    return None


_ASSIGNMENTS = {
    "data=list": lambda L, p: setattr(p, "data", [1.0, 2.0, 3.0]),
    "data=ndarray": lambda L, p: setattr(p, "data", np.zeros(3, np.float32)),
    "data=float": lambda L, p: setattr(p, "data", 1.0),
    "grad=self": lambda L, p: setattr(p, "grad", p),
    "grad=shape": lambda L, p: setattr(p, "grad", L.zeros(2)),
    "grad=dtype": lambda L, p: setattr(p, "grad", L.zeros(3, dtype=L.float64)),
    "grad=int-dtype": lambda L, p: setattr(p, "grad", L.zeros(3, dtype=L.int64)),
    "grad=list": lambda L, p: setattr(p, "grad", [0.0, 0.0, 0.0]),
}
_PREFIX = {"data=list": "Variable data has to be a tensor, but got list",
           "data=ndarray": "Variable data has to be a tensor, but got numpy.ndarray",
           "data=float": "Variable data has to be a tensor, but got float",
           "grad=self": "can't assign Variable as its own grad",
           "grad=shape": "attempting to assign a gradient of size '[2]' to a tensor of size '[3]'",
           "grad=dtype": "attempting to assign a gradient with dtype",
           "grad=int-dtype": "attempting to assign a gradient with dtype",
           "grad=list": "assigned grad expected to be a Tensor or None but got grad of type list"}


@pytest.mark.parametrize("case", sorted(_ASSIGNMENTS))
def test_assignment_refused_as_torch(case):
    p = fg.nn.Parameter(fg.zeros(3))
    got = _error(lambda: _ASSIGNMENTS[case](fg, p))
    assert got is not None and got[1].startswith(_PREFIX[case]), got
    assert p._grad is None and p.shape == (3,) and p.dtype == fg.float32
    torch = _torch()
    tp = torch.nn.Parameter(torch.zeros(3))
    want = _error(lambda: _ASSIGNMENTS[case](torch, tp))
    assert want is not None and got[0] == want[0], (got, want)
    assert want[1].startswith(_PREFIX[case]), want


def test_assignment_accepted_as_torch():
    p = fg.nn.Parameter(fg.zeros(3))
    p.grad = fg.ones(3)
    p.grad = None
    p.data = fg.ones(2, dtype=fg.float64)   # torch lets .data change shape and dtype
    assert p.shape == (2,) and p.dtype == fg.float64
    p.grad = fg.ones(2, dtype=fg.float64)
    assert p.grad.tolist() == [1.0, 1.0]
