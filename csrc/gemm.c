/* gemm.c — packed, blocked matrix multiply (Goto/BLIS style) and the linear layer.
 *
 * Loop nest for C (m x n) = alpha op(A) op(B) + beta C, row-major:
 *   jc over n in NC   -> pc over k in KC   -> pack B block (KC x NC, L3), NR-column micro-panels
 *   -> ic over m in MC (per thread)        -> pack A block (MC x KC, L2), MR-row micro-panels
 *   -> jr over NR panels (B micro-panel stays in L1) -> ir over MR panels -> tile kernel.
 * MR/NR come from the active ISA's kernel descriptor (tables.inc), MC/KC/NC too, or, for a
 * descriptor that leaves them 0 (AVX2), from the cache sizes by the rule beside cache_blocks
 * (then k is cut into equal KC blocks).  Packed
 * panels are zero-padded, so edge tiles read nothing out of bounds and write only
 * their mr x nr part (masked stores).  Transposed operands are read in place while
 * packing.  Small problems skip packing (tiles read A and B in place).
 *
 * Threads: whether to use them at all is decided from the measured pool cost and tile rate
 * (the rule beside `par`).  A threaded GEMM is one pool region (gemm_par.inc): C is cut into
 * one slab of whole micro-panels per thread and each slab is a serial packed GEMM that packs its
 * own operands; the threads take slabs from a counter.  Every C element is computed by one tile
 * call per k block with the same operands and in the same k order whatever the split, so
 * results are bitwise identical for any thread count.  Tile choice by shape: the rule beside
 * SKINNY_AVX512.
 *
 * Scratch: the per-thread packing buffers of scratch.c (fg_scratch), grown on demand, kept
 * for reuse, freed at thread exit. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

/* ---- cache blocking (descriptors with kc == 0 take their blocks from this rule) ----------
 * From cpu 0's data caches (fg_cache_sizes: sysfs, else cpuid) and the register tile MR x NR of
 * element size s — the BLIS analytical model (Low et al. 2016) in its simplest form:
 *   KC  one packed B micro-panel, KC x NR, fills half the L1d: it stays there while the ir loop
 *       streams A micro-panels and C tiles past it         KC = L1d / (2 NR s),  multiple of 8
 *   MC  the packed A block, MC x KC, fills half the L2; the other half holds the B micro-panels
 *       and C lines passing through                        MC = L2 / (2 KC s),   multiple of MR
 *   NC  the packed B block, KC x NC, fills half of this core's share of the L3
 *                                                          NC = L3 / sharers / (2 KC s), mult. of NR
 * clamped to KC in [64, 1024], MC in [MR, 1024], NC in [16 NR, 8192].  KC fixes the rounding
 * (C is accumulated once per k block), MC and NC never do; none depends on the thread count.
 * Examples, f32 6 x 16: Zen 3 (32 KB, 512 KB, 32 MB / 8)  KC 256, MC 252, NC 2048;
 * Zen 4/5 (32 KB, 1 MB): KC 256, MC 510; Haswell client (32 KB, 256 KB, 8 MB / 8) KC 256, MC 126,
 * NC 1024; Skylake-SP (32 KB, 1 MB, 1.375 MB per core) KC 256, MC 510, NC 672. */
static void cache_blocks(int64_t mr, int64_t nr, int64_t size, int64_t *mc, int64_t *kc, int64_t *nc)
{
    int64_t c[4];
    fg_cache_sizes(c);
    int64_t k = FG_MIN(1024, FG_MAX(64, c[0] / (2 * nr * size) / 8 * 8));
    *kc = k;
    *mc = FG_MIN(1024 / mr * mr, FG_MAX(mr, c[1] / (2 * k * size) / mr * mr));
    *nc = FG_MIN(8192 / nr * nr, FG_MAX(16 * nr, c[2] / FG_MAX(1, c[3]) / (2 * k * size) / nr * nr));
}

/* ---- when to go parallel ------------------------------------------------------------------
 * From the pool's measured costs (threadpool.c, fg_pool_costs: the time for a worker to join a
 * region when the workers are asleep, cold, and when they still spin after a region, hot) and the
 * tile kernel's rate, measured once per tile kernel.  A GEMM of f flops on nt threads (one
 * region, gemm_par.inc) saves f/rate (1 - s), s the largest share of C one thread computes, and
 * pays the cold or hot cost; it goes parallel when the saving is at least twice the cost.
 * Workers count as hot when any region of the pool ended less than half their spin ago
 * (fg_pool_idle_ns).  While the cores are far apart (fg_pool_far, threadpool.c) a GEMM is
 * threaded only when it takes FAR_GEMM_MIN_NS on one thread: there a W3 layer product (32x784x128,
 * 65 us) ran slower on 2 threads than on 1, a W4 one (128x784x512, 1 ms) still faster.  The thread
 * count never changes a GEMM's result, so this timing-based choice cannot either. */
#define FAR_GEMM_MIN_NS 200000
#define TILE_RATES 16 /* tile kernels measured: a few per ISA level and dtype */
static struct {
    atomic_int gen;                 /* the pool's cost generation copied below (-1: none yet) */
    atomic_llong cold_ns, hot_ns;   /* time for a worker to join (asleep, spinning) */
    atomic_llong publish_ns, publish_hot_ns; /* the caller's cost of a region (asleep, spinning) */
    struct {
        uintptr_t tile;             /* a tile kernel (a descriptor's packed function) */
        double flops_per_ns;        /* its rate over a KC block */
    } rates[TILE_RATES];
    atomic_int n_rates;             /* entries of rates published */
    pthread_mutex_t mu;             /* guards the rate measurement */
} par = {.gen = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* statistics of the last threaded GEMM, when switched on (fg_gemm_thread_stats): per thread that
 * entered the region, slabs taken, tile flops computed (padded tiles), thread CPU time, time
 * inside the region and how long after the region was asked for it entered (ns).  Off by
 * default (the thread CPU clock is a system call). */
#define GEMM_STATS_THREADS 8
static struct {
    atomic_int on;
    int threads;
    int64_t row[GEMM_STATS_THREADS][5];
} gemm_stats;

static atomic_int always_threaded; /* fg_gemm_always_threaded */

void fg_gemm_always_threaded(int on) { atomic_store(&always_threaded, on); }

int fg_gemm_thread_stats(int on, int64_t *out)
{
    int n = gemm_stats.threads;
    if (out)
        for (int t = 0; t < n; ++t)
            memcpy(out + 5 * t, gemm_stats.row[t], sizeof gemm_stats.row[t]);
    atomic_store(&gemm_stats.on, on);
    gemm_stats.threads = 0;
    return n;
}

/* Kept on one thread only because the workers slept: after a pause, every GEMM of a stream
 * that the rule would thread hot but not cold (32x784x128, 58 us, against a 27 us wake here)
 * found the pool cold again, since a serial GEMM never wakes it, and the whole stream stayed on
 * one thread (measured: 89 GFLOP/s against 160 once the workers were up).  So when two GEMMs
 * whose hot saving would pay for a wake ((work - hot join) x share >= 2 x the cold publish) are
 * kept on one thread within the workers' spin, the second wakes them (an empty region: the caller
 * pays the publish once) and the next ones find them hot.  A lone one after a pause wakes nobody,
 * nor do small ones (a W3 step's 32x128x128 products: waking for them cost the step 2 %). */
static atomic_llong last_declined_ns;

static void declined_cold(void)
{
    int64_t now = mono_ns(), before = atomic_exchange(&last_declined_ns, now);
    if (now - before < fg_pool_spin_ns())
        fg_pool_wake();
}

#define PAR(field) ((double)atomic_load_explicit(&par.field, memory_order_relaxed))

/* the pool's costs with floors (they are 0 when they could not be measured), copied again
 * whenever the pool measured them again (fg_pool_costs_generation) */
static void refresh_pool_costs(void)
{
    int gen = fg_pool_costs_generation();
    if (gen == atomic_load_explicit(&par.gen, memory_order_relaxed))
        return;
    int64_t c[8];
    fg_pool_costs(c);
    int64_t hot = FG_MAX(200, c[1]), publish = FG_MAX(500, c[4]);
    atomic_store_explicit(&par.hot_ns, hot, memory_order_relaxed);
    atomic_store_explicit(&par.cold_ns, FG_MAX(2000, FG_MAX(hot, c[0])), memory_order_relaxed);
    atomic_store_explicit(&par.publish_ns, publish, memory_order_relaxed);
    atomic_store_explicit(&par.publish_hot_ns, FG_MAX(200, FG_MIN(publish, c[5])), memory_order_relaxed);
    atomic_store_explicit(&par.gen, gen, memory_order_relaxed);
}

/* ---- tile by shape ------------------------------------------------------------------------
 * At the AVX-512 level, on a CPU that executes 512-bit instructions as two 256-bit halves
 * (fg_cpu_avx512_halves: Zen 4, from cpuid), the 12 x 32 AVX-512 tile has no more flops per
 * cycle than the 6 x 16 AVX2 one, and loses on skinny products: its 12 rows and 32 columns pad
 * more, its blocks (MC 96, KC 384) are fixed, the AVX2 ones come from the caches.  Measured on
 * a Zen 4 (EPYC, KVM), f32, 1 thread, thread CPU time, time at AVX-512 / time with the AVX2 tile:
 *     m x k x n     16x144x4096 1.33   16x4096x144 1.69   8x512x512 1.36   32x288x1024 1.10
 *                   64x576x256  1.12   32x784x128  1.06   128x512x512 1.04 256x1024x256 1.07
 *                   256x512x512 1.04   512x512x128 0.99   512x512x512 1.02 2048^3 1.02
 * (a ResNet training step: 122 ms at AVX-512, 106 ms at AVX2).  So there a product whose smaller
 * side (rows or columns of C) is at most SKINNY_AVX512 takes the AVX2 tile; larger ones keep
 * the AVX-512 tile (within +-3 % there).  CPUs with full-width AVX-512 units (Intel, Zen 5
 * server) always take the AVX-512 tile.  The choice depends on the shape and the CPU only,
 * never on the thread count: results stay identical for any thread count. */
#define SKINNY_AVX512 256
static int avx512_halves(void)
{
    static int cached = -1;
    if (cached < 0)
        cached = fg_cpu_avx512_halves();
    return cached;
}

/* problems with m*n*k at or below this (and k <= 4096) skip packing; 64^3 measured: packing
 * 2 x 4096 elements costs about as much as the whole 64x64x64 product */
#define SMALL_MNK ((int64_t)64 * 64 * 64)
/* below this many flops a GEMM never asks for threads (the rule above decides from here up:
 * 2^18 flops take about 3 us at 100 GFLOP/s, less than any pool wake) */
#define PARALLEL_MIN_FLOPS ((int64_t)1 << 18)

/* a rows x cols operand with row stride ld is addressable: sizes >= 0, ld >= cols, rows * ld
 * representable */
static int operand_ok(int64_t rows, int64_t cols, int64_t ld)
{
    int64_t span;
    return rows >= 0 && cols >= 0 && ld >= cols && !__builtin_mul_overflow(rows, ld, &span);
}

/* op(A) m x k, op(B) k x n and C m x n fit their leading dimensions */
static int gemm_sizes_ok(int transa, int transb, int64_t m, int64_t n, int64_t k, int64_t lda,
                         int64_t ldb, int64_t ldc)
{
    return operand_ok(transa ? k : m, transa ? m : k, lda) &&
           operand_ok(transb ? n : k, transb ? k : n, ldb) && operand_ok(m, n, ldc);
}

/* x m x k, W n x k, y m x n: non-negative and every product of two sizes representable */
static int linear_sizes_ok(int64_t m, int64_t n, int64_t k)
{
    int64_t p;
    return m >= 0 && n >= 0 && k >= 0 && !__builtin_mul_overflow(m, k, &p) &&
           !__builtin_mul_overflow(n, k, &p) && !__builtin_mul_overflow(m, n, &p);
}

#define FG_TEMPLATE "gemm.inc"
#include "template.h"
