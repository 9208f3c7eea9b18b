"""C-level tests of csrc/broadcast.c (fg_binary, fg_binary_nd, fg_sum_to) and csrc/matmul_nd.c
(fg_matmul_nd) at every ISA level: against numpy float64, bitwise across ISA levels and thread
counts, with broadcasting in every position, strided and negative-stride operands, empty and
size-1 dims and odd sizes around the SIMD widths."""
import numpy as np
import pytest

from fastgrad._ffi import ffi, lib, rptr, wptr

DTYPES = [np.float32, np.float64]
SUF = {np.float32: "f32", np.float64: "f64"}
ODD = [1, 7, 15, 17, 33]
OPS = {lib.FG_ADD: np.add, lib.FG_SUB: np.subtract, lib.FG_MUL: np.multiply, lib.FG_DIV: np.divide,
       lib.FG_POW: np.power, lib.FG_MAXIMUM: np.maximum, lib.FG_MINIMUM: np.minimum}
PTR = {np.float32: "float *", np.float64: "double *"}


def fn(name, dtype):
    return getattr(lib, f"fg_{name}_{SUF[dtype]}")


def i64(values):
    return ffi.new("int64_t[]", list(values) or [0])


def ptr(a):
    """Pointer to a's first element, any strides (the array must stay alive)."""
    return ffi.cast(PTR[a.dtype.type], a.ctypes.data)


def estrides(a, shape):
    """a's element strides broadcast to ``shape`` (0 on broadcast dims)."""
    lead = len(shape) - a.ndim
    return [0] * lead + [0 if n == 1 else s // a.itemsize for n, s in zip(a.shape, a.strides)]


def binary_nd(op, a, b):
    shape = np.broadcast_shapes(a.shape, b.shape)
    y = np.full(shape, np.nan, a.dtype)
    fn("binary_nd", a.dtype.type)(op, len(shape), i64(shape), ptr(a), i64(estrides(a, shape)), ptr(b),
                                  i64(estrides(b, shape)), wptr(y))
    return y


def sum_to(x, shape, alpha=1.0):
    """fg_sum_to of x (any strides) to ``shape`` (a broadcast source of x.shape)."""
    y = np.full(shape, np.nan, x.dtype)
    lead = x.ndim - len(shape)
    sy, step = [0] * x.ndim, 1
    for i in range(x.ndim - 1, lead - 1, -1):
        if shape[i - lead] == x.shape[i]:
            sy[i] = step
        step *= max(shape[i - lead], 1)
    rc = fn("sum_to", x.dtype.type)(x.ndim, i64(x.shape), ptr(x), i64([s // x.itemsize for s in x.strides]),
                                    wptr(y), i64(sy), alpha)
    assert rc == 0
    return y


def operands(op, sa, sb, dtype, rng):
    a = np.asarray(rng.standard_normal(sa), dtype)
    b = np.asarray(rng.standard_normal(sb), dtype)
    if op == lib.FG_POW:
        a = np.asarray(np.abs(a) + dtype(0.5), dtype)
    if op == lib.FG_DIV:
        b = np.asarray(np.where(np.abs(b) < 0.1, dtype(0.5), b), dtype)
    return a, b


def close(got, want, dtype, rtol=None):
    np.testing.assert_allclose(got.astype(np.float64), want, equal_nan=True,
                               rtol=rtol or (2e-6 if dtype == np.float32 else 1e-14), atol=0)


# broadcasting in every position: row, column, scalar-tensor, middle dims, both sides, size 1 and 0
BCAST = [((3, 5), (1, 5)), ((3, 5), (5,)), ((3, 5), (3, 1)), ((3, 5), ()), ((1, 5), (3, 5)), ((3, 1), (3, 5)),
         ((), (3, 5)), ((4, 1, 6), (1, 3, 6)), ((4, 3, 1), (1, 1, 6)), ((2, 1, 3, 1), (5, 1, 4)),
         ((1,), (1,)), ((1, 1), (7,)), ((0, 5), (1, 5)), ((3, 0), (3, 1)), ((2, 3, 4), (2, 3, 4))]


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", BCAST, ids=[f"{a}o{b}" for a, b in BCAST])
def test_binary_nd_broadcast_matches_numpy(isa, op, dtype, sa, sb, rng):
    a, b = operands(op, sa, sb, dtype, rng)
    want = OPS[op](a.astype(np.float64), b.astype(np.float64))
    close(binary_nd(op, a, b), want, dtype, rtol=4e-6 if op == lib.FG_POW and dtype == np.float32 else None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", ODD + [64, 1029])
def test_binary_nd_odd_rows_columns_and_scalar(isa, dtype, n, rng):
    """(m, n) with a row, a column and a 0-d operand, n around the SIMD widths."""
    x = rng.standard_normal((5, n)).astype(dtype)
    for other in (rng.standard_normal((1, n)), rng.standard_normal((5, 1)), rng.standard_normal(())):
        other = np.asarray(other, dtype)
        for op in (lib.FG_ADD, lib.FG_SUB, lib.FG_MUL, lib.FG_DIV):
            close(binary_nd(op, x, other), OPS[op](x.astype(np.float64), other.astype(np.float64)), dtype)
            close(binary_nd(op, other, x), OPS[op](other.astype(np.float64), x.astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_nd_strided_operands(isa, dtype, rng):
    """Transposed, sliced and negative-stride operands, read in place."""
    base = rng.standard_normal((9, 34)).astype(dtype)
    views = [base.T[:17], base[::2, 1::3], base[::-1, ::-2], base[:, 5:6]]
    for a in views:
        for b in (views[0][:, :1], base[0, :a.shape[1]], np.asarray(2.5, dtype), a):
            try:
                np.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                continue
            for op in (lib.FG_SUB, lib.FG_DIV, lib.FG_MAXIMUM):
                want = OPS[op](a.astype(np.float64), b.astype(np.float64))
                close(binary_nd(op, a, b), want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("incs", [(1, 1), (0, 1)])
def test_binary_large_is_bitwise_the_same_at_every_level_and_thread_count(dtype, incs, rng):
    n = (1 << 23) + 17  # above the threading threshold (FG_BCAST_PAR_MIN), odd
    a = rng.standard_normal(n).astype(dtype)
    b = rng.standard_normal(n).astype(dtype) + dtype(3)
    aa = a if incs[0] else a[0]
    bb = b if incs[1] else b[0]
    y = np.empty(n, dtype)
    before_isa, before_nt = lib.fg_get_isa(), lib.fg_get_num_threads()
    try:
        for op in (lib.FG_ADD, lib.FG_DIV):
            want = OPS[op](aa, bb)  # + - * / round once, as numpy's
            for level in [lvl for lvl in (0, 1, 2) if lib.fg_cpu_supports(lvl)]:
                lib.fg_set_isa(level)
                for nt in (1, 2):
                    lib.fg_set_num_threads(nt)
                    y.fill(np.nan)
                    fn("binary", dtype)(op, n, rptr(a), incs[0], rptr(b), incs[1], wptr(y))
                    np.testing.assert_array_equal(y, want)
    finally:
        lib.fg_set_isa(before_isa)
        lib.fg_set_num_threads(before_nt)


SUMS = [((4, 6), (1, 6)), ((4, 6), (6,)), ((4, 6), (4, 1)), ((4, 6), ()), ((4, 6), (1, 1)),
        ((3, 5, 7), (3, 1, 7)), ((3, 5, 7), (1, 5, 1)), ((2, 3, 4, 5), (3, 1, 1)), ((2, 3, 4, 5), (2, 1, 4, 1)),
        ((1, 6), (1, 6)), ((0, 6), (1, 6)), ((5, 0), (5, 1)), ((0, 4), (0, 1)), ((2, 1, 3), (1, 1, 3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sx,sy", SUMS, ids=[f"{a}to{b}" for a, b in SUMS])
def test_sum_to_matches_numpy(isa, dtype, sx, sy, rng):
    x = np.asarray(rng.standard_normal(sx), dtype)
    lead = len(sx) - len(sy)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(sy) if s == 1 and sx[i + lead] != 1)
    want = x.astype(np.float64).sum(axis=axes).reshape(sy)
    close(sum_to(x, sy), want, dtype, rtol=1e-6 if dtype == np.float32 else 1e-13)
    close(sum_to(x, sy, -1.0), -want, dtype, rtol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", ODD + [1029])
def test_sum_to_odd_sizes_and_strided_input(isa, dtype, n, rng):
    base = rng.standard_normal((2 * n + 1, 9)).astype(dtype)
    for x in (base[:n], base.T[:, ::2], base[::-2, ::-1], base[1:n + 1, 3:4]):
        x64 = x.astype(np.float64)
        close(sum_to(x, (1, x.shape[1])), x64.sum(0, keepdims=True), dtype, rtol=1e-6 if dtype == np.float32 else 1e-13)
        close(sum_to(x, (x.shape[0], 1)), x64.sum(1, keepdims=True), dtype, rtol=1e-6 if dtype == np.float32 else 1e-13)
        close(sum_to(x, ()), np.asarray(x64.sum()), dtype, rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_sum_to_accumulates_in_double():
    x = np.full((1 << 17, 2), 1.0, np.float32)
    x[0] = 1e8
    got = sum_to(x, (1, 2))
    np.testing.assert_array_equal(got, np.float32(1e8 + (1 << 17) - 1))  # a float32 running sum stalls at 1e8
    got = sum_to(np.ascontiguousarray(x.T), (2, 1))
    np.testing.assert_array_equal(got[:, 0], np.float32(1e8 + (1 << 17) - 1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sx,sy", [((600, 700), (1, 700)), ((30, 200, 70), (30, 1, 70)), ((3, 40000), ()),
                                   ((4100, 2050), (1, 2050)), ((2050, 4100), (2050, 1)),
                                   ((3, 1400, 2000), (3, 1, 2000))])
def test_sum_to_is_bitwise_the_same_at_every_level_and_thread_count(dtype, sx, sy, rng):
    x = rng.standard_normal(sx).astype(dtype)
    before_isa, before_nt = lib.fg_get_isa(), lib.fg_get_num_threads()
    results = []
    try:
        for level in [lvl for lvl in (0, 1, 2) if lib.fg_cpu_supports(lvl)]:
            lib.fg_set_isa(level)
            for nt in (1, 2, 3):
                lib.fg_set_num_threads(nt)
                results.append(sum_to(x, sy))
    finally:
        lib.fg_set_isa(before_isa)
        lib.fg_set_num_threads(before_nt)
    for y in results[1:]:
        np.testing.assert_array_equal(y, results[0])


def test_sum_to_rejects_bad_sizes():
    x = np.zeros(4, np.float32)
    y = np.zeros(4, np.float32)
    assert lib.fg_sum_to_f32(65, i64([1] * 65), rptr(x), i64([0] * 65), wptr(y), i64([0] * 65), 1.0) == -2
    assert lib.fg_sum_to_f32(1, i64([-1]), rptr(x), i64([1]), wptr(y), i64([1]), 1.0) == -2


# ---- fg_matmul_nd ----
def matmul_nd(a, b, cshape=None):
    """fg_matmul_nd for a (..., m, k) @ b (..., k, n) (any strides, unit-stride rows or columns),
    output summed to cshape's batch dims (default: the broadcast batch)."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k = a.shape[-2:]
    n = b.shape[-1]
    cshape = cshape or batch + (m, n)
    c = np.full(cshape, np.nan, a.dtype)

    def desc(x):
        r, s = x.shape[-2:]
        rs, cs = x.strides[-2] // x.itemsize, x.strides[-1] // x.itemsize
        if cs == 1 or s == 1:
            t, ld = 0, max(rs if r > 1 else s, 1)
        else:
            assert rs == 1 or r == 1
            t, ld = 1, max(cs if s > 1 else r, 1)
        return t, ld, estrides(x[..., 0, 0], batch)

    ta, lda, sa = desc(a)
    tb, ldb, sb = desc(b)
    lead = len(batch) - (len(cshape) - 2)
    sc, step = [0] * len(batch), m * n
    for i in range(len(batch) - 1, -1, -1):
        size = cshape[i - lead] if i >= lead else 1
        sc[i] = step if size != 1 else 0
        step *= size
    rc = fn("matmul_nd", a.dtype.type)(len(batch), i64(batch), ta, tb, m, n, k, ptr(a), i64(sa), lda, ptr(b),
                                       i64(sb), ldb, wptr(c), i64(sc), max(n, 1))
    assert rc == 0
    return c


MATMULS = [((3, 4, 5), (5, 6)), ((3, 4, 5), (3, 5, 6)), ((4, 1, 2, 3), (5, 3, 2)), ((2, 3), (4, 3, 7)),
           ((1, 5, 17), (3, 17, 15)), ((2, 1, 7, 33), (1, 3, 33, 1)), ((2, 1, 1), (2, 1, 9))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", MATMULS, ids=[f"{a}@{b}" for a, b in MATMULS])
def test_matmul_nd_matches_numpy(isa, dtype, sa, sb, rng):
    a = rng.standard_normal(sa).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    want = a.astype(np.float64) @ b
    np.testing.assert_allclose(matmul_nd(a, b), want, rtol=tol, atol=tol)
    at = np.swapaxes(np.ascontiguousarray(np.swapaxes(a, -1, -2)), -1, -2)  # transposed storage
    bt = np.swapaxes(np.ascontiguousarray(np.swapaxes(b, -1, -2)), -1, -2)
    np.testing.assert_allclose(matmul_nd(at, bt), want, rtol=tol, atol=tol)
    # summed over the broadcast dims of a (the backward of a broadcast operand)
    keep = sa[:-2]
    np.testing.assert_allclose(matmul_nd(a, b, keep + want.shape[-2:]), _sum_batch(want, keep), rtol=tol * 10,
                               atol=tol * 10)


def _sum_batch(c, keep):
    """c (batch, m, n) summed to the batch dims ``keep`` (numpy)."""
    nb = c.ndim - 2
    lead = nb - len(keep)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(keep) if s == 1 and c.shape[i + lead] != 1)
    return c.sum(axis=axes).reshape(tuple(keep) + c.shape[-2:])


def test_matmul_nd_is_bitwise_the_same_at_any_thread_count(rng):
    a = rng.standard_normal((6, 1, 24, 40)).astype(np.float32)
    b = rng.standard_normal((5, 40, 24)).astype(np.float32)
    before = lib.fg_get_num_threads()
    try:
        out = []
        for nt in (1, 2, 3):
            lib.fg_set_num_threads(nt)
            out.append((matmul_nd(a, b), matmul_nd(a, b, (6, 1, 24, 24)), matmul_nd(a, b, (5, 24, 24))))
    finally:
        lib.fg_set_num_threads(before)
    for got in out[1:]:
        for x, y in zip(got, out[0]):
            np.testing.assert_array_equal(x, y)


def test_matmul_nd_rejects_bad_sizes():
    x = np.zeros(16, np.float32)
    one = i64([1])
    assert lib.fg_matmul_nd_f32(1, one, 0, 0, 2, 2, 2, rptr(x), one, 1, rptr(x), one, 2, wptr(x), one, 2) == -2
    assert lib.fg_matmul_nd_f32(1, i64([-1]), 0, 0, 2, 2, 2, rptr(x), one, 2, rptr(x), one, 2, wptr(x), one, 2) == -2
    assert lib.fg_matmul_nd_f32(65, i64([1] * 65), 0, 0, 2, 2, 2, rptr(x), i64([0] * 65), 2, rptr(x),
                                i64([0] * 65), 2, wptr(x), i64([0] * 65), 2) == -2


def binary_sum_to(op, x, w, shape, alpha=1.0):
    """fg_binary_sum_to: alpha * sum_to(x (op) w, shape), w broadcast to x.shape."""
    y = np.full(shape, np.nan, x.dtype)
    lead = x.ndim - len(shape)
    sy, step = [0] * x.ndim, 1
    for i in range(x.ndim - 1, lead - 1, -1):
        if shape[i - lead] == x.shape[i]:
            sy[i] = step
        step *= max(shape[i - lead], 1)
    rc = fn("binary_sum_to", x.dtype.type)(op, x.ndim, i64(x.shape), ptr(x), i64([s // x.itemsize for s in x.strides]),
                                           ptr(w), i64(estrides(w, x.shape)), wptr(y), i64(sy), alpha)
    assert rc == 0
    return y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sx,sw,sy", [((6, 1029), (1, 1029), (6, 1)), ((6, 1029), (6, 1), (1, 1029)),
                                      ((7, 33), (), (7, 1)),
                                      ((4, 15, 17), (1, 15, 17), (4, 1, 17)), ((4, 15, 17), (4, 1, 1), (1, 15, 1)),
                                      ((3, 5), (3, 5), ()), ((0, 5), (1, 5), (1, 5))])
def test_binary_sum_to_is_binary_then_sum_to(isa, dtype, sx, sw, sy, rng):
    x = np.asarray(rng.standard_normal(sx), dtype)
    w = np.asarray(np.abs(rng.standard_normal(sw)) + 0.5, dtype)
    for op in (lib.FG_MUL, lib.FG_DIV):
        two_step = sum_to(np.ascontiguousarray(binary_nd(op, x, w)), sy, -1.0)
        got = binary_sum_to(op, x, w, sy, -1.0)
        if sy and sy[-1] == sx[-1]:  # inner dim kept: each output adds the same roundings in the same order
            np.testing.assert_array_equal(got, two_step)
        else:
            np.testing.assert_allclose(got, two_step, rtol=1e-6 if dtype == np.float32 else 1e-13)
        got_strided = binary_sum_to(op, np.asfortranarray(x), w, sy, -1.0)
        np.testing.assert_allclose(got_strided, two_step, rtol=1e-6 if dtype == np.float32 else 1e-13)


def test_binary_sum_to_rejects_bad_op():
    x = np.zeros(4, np.float32)
    assert lib.fg_binary_sum_to_f32(99, 1, i64([4]), rptr(x), i64([1]), rptr(x), i64([1]), wptr(x), i64([0]), 1.0) == -2
