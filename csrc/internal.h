/* internal.h — private helpers shared by the csrc C files (never parsed by cffi). */
#ifndef FASTGRAD_INTERNAL_H
#define FASTGRAD_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "fastgrad.h"

/* The ISA level every dispatching kernel uses (FG_ISA_*); set once at load time by cpu.c
 * (best level the CPU supports, or FASTGRAD_ISA), changed only by fg_set_isa. */
extern int fg_active_isa;

/* Run fn(ctx, begin, end) over [0, n) split into contiguous chunks, on the worker threads
 * when n * cost_per_item is above the parallel threshold, inline otherwise.  Chunk
 * boundaries depend only on n and the thread count, never on timing.
 * threadpool.c: cost_per_item is in rough scalar operations (a float add or multiply-add
 * = 1); the pool is used when n * cost_per_item >= FG_PARALLEL_MIN_COST and n >= 2.
 * Calls made from inside a parallel region (or while another thread owns the pool) run
 * inline, so kernels may nest fg_parallel_for freely. */
typedef void (*fg_range_fn)(void *ctx, int64_t begin, int64_t end);
void fg_parallel_for(int64_t n, int64_t cost_per_item, fg_range_fn fn, void *ctx);
#define FG_PARALLEL_MIN_COST ((int64_t)1 << 18)
/* number of threads a fg_parallel_for over n items of this cost would use (1 = inline) */
int fg_parallel_threads(int64_t n, int64_t cost_per_item);

/* ---- GEMM micro-kernels (gemm_ref.c, gemm_avx2.c, gemm_avx512.c; driver in gemm.c) ----
 * A tile kernel computes one mr x nr block (mr <= MR, nr <= NR) of
 *     C = alpha * sum_p a(i, p) b(p, j) + beta * C      (beta == 0: C is not read)
 * with a(i, p) = a[i*rsa + p*csa] and b(p, j) = b[p*rsb + j].  Every b row must have NR
 * readable columns (the driver packs a zero-padded copy of a narrower edge panel); only
 * C rows < mr and columns < nr are touched.  The `packed` variant reads full MR-row
 * packed micro-panels a[p*MR + i] (rsa = 1, csa = MR, zero-padded) and b[p*NR + j]
 * (rsb = NR); the `strided` variants read only rows < mr of a, which may be in place. */
typedef void (*fg_tile_f32)(int64_t k, const float *a, int64_t rsa, int64_t csa,
                            const float *b, int64_t rsb, float *c, int64_t ldc,
                            float alpha, float beta, int64_t mr, int64_t nr);
typedef void (*fg_tile_f64)(int64_t k, const double *a, int64_t rsa, int64_t csa,
                            const double *b, int64_t rsb, double *c, int64_t ldc,
                            double alpha, double beta, int64_t mr, int64_t nr);
/* optional SIMD packer for one full NR-column micro-panel of a transposed B:
 * dst[p*NR + j] = src[j*ldb + p] for p < kc, j < NR */
typedef void (*fg_pack_bt_f32)(const float *src, int64_t ldb, int64_t kc, float *dst);
typedef void (*fg_pack_bt_f64)(const double *src, int64_t ldb, int64_t kc, double *dst);
typedef struct {
    int mr, nr;               /* register tile */
    int64_t mc, kc, nc;       /* cache blocking: A block mc x kc (L2), B panel kc x nc (L3) */
    fg_tile_f32 packed, strided;
    fg_pack_bt_f32 pack_bt;   /* NULL: the driver's portable loop */
    int small_mr;             /* rows of `small`, a strided tile (same NR) for tiny problems */
    fg_tile_f32 small;
    int narrow_nr;            /* columns of `narrow` (small_mr rows), used when n <= narrow_nr; */
    fg_tile_f32 narrow;       /* NULL: none */
} fg_gemm_kernel_f32;
typedef struct {
    int mr, nr;
    int64_t mc, kc, nc;
    fg_tile_f64 packed, strided;
    fg_pack_bt_f64 pack_bt;
    int small_mr;
    fg_tile_f64 small;
    int narrow_nr;
    fg_tile_f64 narrow;
} fg_gemm_kernel_f64;
/* one descriptor per ISA level; gemm.c picks by fg_active_isa on every call */
extern const fg_gemm_kernel_f32 fg_gemm_ref_f32, fg_gemm_avx2_f32, fg_gemm_avx512_f32;
extern const fg_gemm_kernel_f64 fg_gemm_ref_f64, fg_gemm_avx2_f64, fg_gemm_avx512_f64;

#define FG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define FG_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
