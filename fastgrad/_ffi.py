"""The only module that imports the compiled extension ``fastgrad._C``.

Pointer helpers check the dtype themselves (cffi's ``from_buffer`` would silently
reinterpret a float64 array as pairs of float32) and let ``from_buffer`` refuse
non-contiguous arrays (and, for ``wptr``, read-only ones).
"""
import os

import numpy as np

from fastgrad import dtypes

try:
    from fastgrad._C import ffi, lib
except ModuleNotFoundError as exc:  # a source tree whose C kernels were never compiled
    if exc.name != "fastgrad._C":
        raise
    _here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    raise ImportError(
        f"fastgrad: the compiled kernels (fastgrad._C) are missing from {_here}{os.sep}fastgrad. "
        "Python imported this source tree, which has no compiled extension, instead of an "
        "installed fastgrad (the current directory comes first on sys.path). Either install the "
        "tree in editable mode so the kernels are built inside it: pip install -e . "
        "(run from the tree's root), or run Python from another directory so the installed "
        "package is imported.",
        name="fastgrad._C") from None

__all__ = ["ffi", "lib", "rptr", "wptr", "iptr", "from_buffer", "kernels", "SUFFIX",
           "ISA_NAMES", "NULL", "CTYPES", "gemm_info"]

NULL = ffi.NULL
SUFFIX = {d: "f%d" % (8 * d.itemsize) for d in dtypes.FLOAT_DTYPES}  # dtype -> kernel name suffix
CTYPES = {dtypes.float32: ffi.typeof("float[]"), dtypes.float64: ffi.typeof("double[]"),
          dtypes.int64: ffi.typeof("int64_t[]"), dtypes.uint8: ffi.typeof("uint8_t[]"),
          dtypes.bool: ffi.typeof("uint8_t[]")}  # dtype -> cffi array type
ISA_NAMES = {"reference": lib.FG_ISA_REFERENCE, "avx2": lib.FG_ISA_AVX2, "avx512": lib.FG_ISA_AVX512}

# The pointer helpers.  ``from_buffer(CTYPES[a.dtype], a)`` is rptr(a) without the call layer, for
# hot paths that already hold the dtype's entry (the dtype check is the CTYPES lookup).
from_buffer = ffi.from_buffer


def rptr(a: np.ndarray):
    """Read-only C pointer to a C-contiguous float32/float64/int64 array."""
    return from_buffer(CTYPES[a.dtype], a)


def wptr(a: np.ndarray):
    """Writable C pointer to a C-contiguous array (refuses read-only arrays)."""
    return from_buffer(CTYPES[a.dtype], a, True)


iptr = rptr  # int64 index arrays go through the same table


class _Table(dict):
    """{dtype: compiled function}; a dtype without a kernel raises TypeError naming the op."""

    __slots__ = ("name",)

    def __missing__(self, dtype):
        try:
            d = np.dtype(dtype)
        except TypeError:
            d = None
        if d is not None and d in self:  # a numpy type (np.float32) rather than a dtype
            return self[d]
        raise TypeError(f"{self.name}: expected a floating-point tensor (float32 or float64), "
                        f"got {d if d is not None else dtype}")


_tables = {}


def kernels(name: str) -> dict:
    """{dtype: compiled ``fg_<name>_<f32|f64>``} for the float dtypes, built once per name:
    the one kernel lookup (modules bind the tables they use at import time)."""
    table = _tables.get(name)
    if table is None:
        table = _Table((d, getattr(lib, "fg_%s_%s" % (name, SUFFIX[d]))) for d in dtypes.FLOAT_DTYPES)
        table.name = name
        _tables[name] = table
    return table


def _apply_environment():
    """Honour FASTGRAD_ISA (refusing a level the CPU lacks) and the thread count: FASTGRAD_NUM_THREADS,
    else OMP_NUM_THREADS, read as OpenMP does (the first element of a comma list; clamped to the pool's
    FG_MAX_THREADS; anything but a positive integer warns), else the CPU count."""
    want = os.environ.get("FASTGRAD_ISA", "").strip().lower()
    if want:
        if want not in ISA_NAMES:
            raise ImportError(f"FASTGRAD_ISA={want!r}: expected one of {sorted(ISA_NAMES)}")
        if lib.fg_set_isa(ISA_NAMES[want]) != 0:
            raise ImportError(f"FASTGRAD_ISA={want!r}: this CPU does not support it")
    threads = 0
    for var in ("FASTGRAD_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                threads = int(value.split(",", 1)[0].strip())
            except ValueError:
                pass
            if threads < 1:
                import warnings
                warnings.warn(f"{var}={value!r} is not a positive integer; using the CPU count",
                              RuntimeWarning, stacklevel=2)
            break
    if threads < 1:
        try:
            threads = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            threads = os.cpu_count() or 1
    lib.fg_set_num_threads(min(threads, lib.FG_MAX_THREADS))


_apply_environment()


def gemm_info() -> dict:
    """The caches the C side read and the GEMM blocks it chose at the active ISA level."""
    c = ffi.new("int64_t[4]")
    lib.fg_cache_sizes(c)
    info = {"cache_bytes": {"L1d": c[0], "L2": c[1], "L3": c[2], "L3_shared_by": c[3]}}
    for name in ("f32", "f64"):
        b = ffi.new("int64_t[8]")
        getattr(lib, "fg_gemm_blocks_" + name)(b)
        info[name] = {"mr": b[0], "nr": b[1], "mc": b[2], "kc": b[3], "nc": b[4]}
    # time for a pool worker to join a region; 0 until a GEMM asked for threads
    info["pool_join_ns"] = {"asleep": b[5], "spinning": b[7]}
    # the tile chosen per call from the shape (gemm.c, "tile by shape"): m x n of C -> MR x NR
    t = ffi.new("int64_t[2]")
    tiles = {}
    for m, n in ((32, 128), (128, 512), (256, 256), (512, 512), (1024, 1024)):
        lib.fg_gemm_tile_for_f32(m, n, 512, t)
        tiles[f"{m}x{n}"] = f"{t[0]}x{t[1]}"
    info["f32_tile_by_shape"] = tiles
    info["cpu_splits_avx512"] = bool(lib.fg_cpu_avx512_halves())
    if lib.fg_get_num_threads() > 1:   # measured at the first call, again while disturbed (threadpool.c)
        p = ffi.new("int64_t[8]")
        lib.fg_pool_costs(p)
        info["parallel_threshold"] = {"join_ns_asleep": p[0], "join_ns_spinning": p[1],
                                      "publish_ns_asleep": p[4], "publish_ns_spinning": p[5],
                                      "min_cost": p[2], "ops_per_us": p[3],
                                      "core_round_trip_ns": {"latest": p[6], "least": p[7]}}
    return info
