"""Accumulating scatters, the hot ones (embedding and gather backward): index_add_ and
scatter_add_ with many repeated indices, fastgrad (the C loops of csrc/scatter.c) beside numpy
(np.add.at, what fastgrad would use otherwise) and torch, float32.  Rows: a small table (per-call
overhead) and an embedding-sized one (the loop); plus the embedding lookup forward + backward.

    python -m pytest benchmarks/bench_scatter.py -q
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
from _common import FRAMEWORKS  # noqa: E402

# (rows of the table, columns, number of indices): few rows, many indices -> many duplicates
SIZES = {"small 100x16, 256 idx": (100, 16, 256), "embedding 1000x64, 32768 idx": (1000, 64, 32768)}


def _data(size):
    v, d, n = SIZES[size]
    rng = C.rng(11)
    return rng.standard_normal((v, d), dtype=np.float32), rng.integers(0, v, n), \
        rng.standard_normal((n, d), dtype=np.float32)


def _lib(framework):
    return C.torch if framework == "torch" else C.fastgrad


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("size", list(SIZES))
def test_index_add(benchmark, size, framework):
    C.need(framework)
    w, idx, src = _data(size)
    benchmark.group = f"index_add_ dim 0, {size}"
    C.tag(benchmark, framework, category="scatter")
    out = w.copy()
    if framework == "numpy":
        fn = lambda: np.add.at(out, idx, src)  # noqa: E731
    else:
        lib = _lib(framework)
        t, i, s = lib.from_numpy(out), lib.from_numpy(idx), lib.from_numpy(src)
        fn = lambda: t.index_add_(0, i, s)  # noqa: E731
    calls = C.run_pedantic(benchmark, fn, rounds=50 if idx.size > 1000 else 500, iterations=1)
    ref = w.astype(np.float64)
    np.add.at(ref, idx, calls * src.astype(np.float64))
    np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-2 * calls)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("size", list(SIZES))
def test_scatter_add(benchmark, size, framework):
    C.need(framework)
    w, idx, src = _data(size)
    v, d, n = SIZES[size]
    index = np.ascontiguousarray(np.broadcast_to(idx[:, None], (n, d)))
    benchmark.group = f"scatter_add_ dim 0, {size}"
    C.tag(benchmark, framework, category="scatter")
    out = w.copy()
    if framework == "numpy":
        cols = np.broadcast_to(np.arange(d), (n, d))
        fn = lambda: np.add.at(out, (index, cols), src)  # noqa: E731
    else:
        lib = _lib(framework)
        t, i, s = lib.from_numpy(out), lib.from_numpy(index), lib.from_numpy(src)
        fn = lambda: t.scatter_add_(0, i, s)  # noqa: E731
    calls = C.run_pedantic(benchmark, fn, rounds=50 if n > 1000 else 500, iterations=1)
    ref = w.astype(np.float64)
    np.add.at(ref, idx, calls * src.astype(np.float64))
    np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-2 * calls)


@pytest.mark.parametrize("framework", ("torch", "fastgrad"))
@pytest.mark.parametrize("size", list(SIZES))
def test_index_select_fwd_bwd(benchmark, size, framework):
    C.need(framework)
    w, idx, src = _data(size)
    benchmark.group = f"index_select fwd+bwd, {size}"
    C.tag(benchmark, framework, category="scatter")
    lib = _lib(framework)
    t = lib.from_numpy(w.copy()).requires_grad_()
    i, g = lib.from_numpy(idx), lib.from_numpy(src)

    def fn():
        t.grad = None
        t.index_select(0, i).backward(g)

    C.run_pedantic(benchmark, fn, rounds=50 if idx.size > 1000 else 500, iterations=1)
    ref = np.zeros(w.shape)
    np.add.at(ref, idx, src.astype(np.float64))
    np.testing.assert_allclose(t.grad.numpy(), ref, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("framework", ("torch", "fastgrad"))
@pytest.mark.parametrize("size", list(SIZES))
def test_embedding_fwd_bwd(benchmark, size, framework):
    C.need(framework)
    w, idx, src = _data(size)
    benchmark.group = f"F.embedding fwd+bwd (weight[idx]), {size}"
    C.tag(benchmark, framework, category="scatter")
    lib = _lib(framework)
    import importlib
    nf = importlib.import_module(lib.__name__ + ".nn.functional")
    t = lib.from_numpy(w.copy()).requires_grad_()
    i, g = lib.from_numpy(idx), lib.from_numpy(src)

    def fn():
        t.grad = None
        nf.embedding(i, t).backward(g)

    C.run_pedantic(benchmark, fn, rounds=50 if idx.size > 1000 else 500, iterations=1)
    ref = np.zeros(w.shape)
    np.add.at(ref, idx, src.astype(np.float64))
    np.testing.assert_allclose(t.grad.numpy(), ref, rtol=1e-3, atol=1e-3)
