/* gemm.c — packed, blocked matrix multiply (Goto/BLIS style) and the linear layer.
 *
 * Loop nest for C (m x n) = alpha op(A) op(B) + beta C, row-major:
 *   jc over n in NC   -> pc over k in KC   -> pack B block (KC x NC, L3), NR-column micro-panels
 *   -> ic over m in MC (per thread)        -> pack A block (MC x KC, L2), MR-row micro-panels
 *   -> jr over NR panels (B micro-panel stays in L1) -> ir over MR panels -> tile kernel.
 * MR/NR/MC/KC/NC come from the active ISA's kernel descriptor (tables.inc).  Packed
 * panels are zero-padded, so edge tiles read nothing out of bounds and write only
 * their mr x nr part (masked stores).  Transposed operands are read in place while
 * packing.  Small problems skip packing (tiles read A and B in place).
 *
 * Threads: the (ic, jr) work of each (jc, pc) block is split over MR-row panels with
 * fg_parallel_for.  Products with few row panels (m < 8 MR per thread, a training batch)
 * are instead split into one block of NR-aligned columns per thread, each a serial packed
 * GEMM: one region per call instead of two per k block (measured on 2 threads: 1.8-1.95x
 * the 1-thread rate at 128 x 512 x 512, where the per-block split gave 0.9-1.0x).  Every C
 * element is computed by one tile call with the same operation order whatever the split,
 * so results are bitwise identical for any thread count.
 *
 * Scratch: per-thread packing buffers, 64-byte aligned (2 MB aligned + MADV_HUGEPAGE
 * when large), grown on demand, kept for reuse, freed at thread exit. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

/* problems with m*n*k at or below this (and k <= 4096) skip packing; 64^3 measured: packing
 * 2 x 4096 elements costs about as much as the whole 64x64x64 product */
#define SMALL_MNK ((int64_t)64 * 64 * 64)
/* below this many flops a GEMM runs on one thread */
#define PARALLEL_MIN_FLOPS ((int64_t)1 << 21)

enum { SCRATCH_A, SCRATCH_B, SCRATCH_Z, SCRATCH_SLOTS }; /* Z: the masked gradient of fg_linear_relu_bwd */
typedef struct {
    void *p[SCRATCH_SLOTS];
    size_t cap[SCRATCH_SLOTS];
} scratch_set;
static _Thread_local scratch_set tls_scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *arg)
{
    scratch_set *s = arg;
    for (int i = 0; i < SCRATCH_SLOTS; ++i) {
        free(s->p[i]);
        s->p[i] = NULL;
        s->cap[i] = 0;
    }
}

static void scratch_key_init(void) { pthread_key_create(&scratch_key, scratch_release); }

/* this thread's buffer `slot` with room for `bytes`, or NULL when out of memory */
static void *scratch(int slot, size_t bytes)
{
    scratch_set *s = &tls_scratch;
    if (s->cap[slot] >= bytes)
        return s->p[slot];
    pthread_once(&scratch_once, scratch_key_init);
    pthread_setspecific(scratch_key, s);
    free(s->p[slot]);
    s->p[slot] = NULL;
    s->cap[slot] = 0;
    size_t align = bytes >= ((size_t)1 << 21) ? (size_t)1 << 21 : 64;
    bytes = (bytes + align - 1) / align * align;
    void *p;
    if (posix_memalign(&p, align, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (align > 64)
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    s->p[slot] = p;
    s->cap[slot] = bytes;
    return p;
}

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
