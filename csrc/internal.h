/* internal.h — private helpers and the dispatch table types shared by the csrc C files (never
 * parsed by cffi).  How a table is chosen: dispatch.h. */
#ifndef FASTGRAD_INTERNAL_H
#define FASTGRAD_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "dispatch.h"
#include "fastgrad.h"

/* This thread's scratch buffer `slot` with room for `bytes`, kept for the next call (scratch.c),
 * or NULL when out of memory.  The slots: GEMM's packed A and B panels, fg_linear_relu_bwd's masked
 * gradient, convolution's im2col columns and its dW partial sums, attention's score blocks. */
enum { FG_SCRATCH_A, FG_SCRATCH_B, FG_SCRATCH_Z, FG_SCRATCH_COL, FG_SCRATCH_PART, FG_SCRATCH_ATTN,
       FG_SCRATCH_SLOTS };
void *fg_scratch(int slot, size_t bytes);

/* Run fn(ctx, begin, end) over [0, n) split into contiguous chunks, on the worker threads
 * when n * cost_per_item is above the parallel threshold, inline otherwise.  Chunk
 * boundaries depend only on n and the thread count, never on timing.
 * threadpool.c: cost_per_item is in rough scalar operations (a float add or multiply-add
 * = 1); the pool is used when n >= 2 and n * cost_per_item reaches the threshold derived from
 * the pool's measured wake cost and multiply-add rate (threadpool.c, "what a region costs";
 * FG_PARALLEL_MIN_COST until measured, and where it cannot be).
 * Calls made from inside a parallel region (or while another thread owns the pool) run
 * inline, so kernels may nest fg_parallel_for freely. */
typedef void (*fg_range_fn)(void *ctx, int64_t begin, int64_t end);
void fg_parallel_for(int64_t n, int64_t cost_per_item, fg_range_fn fn, void *ctx);
#define FG_PARALLEL_MIN_COST ((int64_t)1 << 18)
/* number of threads a fg_parallel_for over n items of this cost would use (1 = inline) */
int fg_parallel_threads(int64_t n, int64_t cost_per_item);
/* the pool's costs (fg_pool_costs) measured, or measured again when due (threadpool.c); returns a
 * number that changes whenever they change */
int fg_pool_costs_generation(void);
/* ns since the pool's last region ended (INT64_MAX before the first); how long idle workers keep
 * polling is fg_pool_spin_ns (fastgrad.h) */
int64_t fg_pool_idle_ns(void);
/* wake the workers with an empty region (they then poll for the next one for fg_pool_spin_ns);
 * nothing with fewer than 2 threads set, inside a region, or while another thread owns the pool */
void fg_pool_wake(void);
/* 1 when a cache-line round trip between the caller and a worker, last measured, took far longer
 * than between near cores (the VM's vCPUs on far-apart cores; threadpool.c), else 0 */
int fg_pool_far(void);

/* ---- the descriptor tables of the kernel families with ISA variants (types, tables, and the
 * selection of the active level's table: tables.inc, once per dtype) ---- */
#define FG_TEMPLATE "tables.inc"
#include "template.h"

#define FG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define FG_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
