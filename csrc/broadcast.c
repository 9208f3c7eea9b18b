/* broadcast.c — elementwise binary arithmetic over strided and broadcast operands (fg_binary,
 * fg_binary_nd) and the sum-to-shape reduction of broadcast gradients (fg_sum_to).
 *
 * Every call first collapses its dims (size-1 dims dropped, neighbours that form one run in
 * every operand merged), so (m, n) (op) (1, n) is m rows of one contiguous loop with the row
 * operand at stride 0, and (m, n) (op) (m, 1) is m rows with the column element broadcast.  The
 * outer dims are walked by an odometer, the inner dim by a row loop of the active ISA level's
 * table (broadcast_rows.inc; AVX2 and AVX-512 variants in broadcast_avx2.c / broadcast_avx512.c).
 * Very large problems (FG_BCAST_PAR_MIN) are split over the thread pool: binary ops by rows (or
 * chunks of one long row), the reduction by the first dim that is kept in the output, so every
 * output element sums the same values in the same order whatever the thread count.  Results are bit-identical
 * at every ISA level and thread count.  Drivers in broadcast.inc, once per dtype. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>
#include "internal.h"

#define FG_ND_MAX 64          /* dims of a problem (numpy's limit) */
#define FG_CHUNK 16384        /* elements per piece when one long row is split over threads */
#define FG_ACC_STACK 2048     /* float32 sum_to outputs up to this size accumulate on the stack */
/* problems of at least this many elements are split over the thread pool.  These loops are
 * bound by memory bandwidth; measured on the 2-core Zen 4 VM they were written on (shared with
 * other jobs), 2 threads lost to 1 from 2^18 to 2^22 elements (float32 add 35 -> 42 us at 2^18,
 * 1160 -> 1224 us at 2^22; column sums 28 -> 47 us at 2^18), so only larger ones are split */
#define FG_BCAST_PAR_MIN ((int64_t)1 << 23)

/* drop size-1 dims and merge dim d into d+1 when it continues d+1's run in each of the `nops`
 * stride arrays; returns the collapsed ndim (0: one element) */
static int collapse(int nd, const int64_t *shape, int nops, const int64_t *const *st,
                    int64_t *oshape, int64_t ost[][FG_ND_MAX])
{
    int k = 0;                  /* built innermost first, reversed at the end */
    for (int d = nd - 1; d >= 0; --d) {
        if (shape[d] == 1)
            continue;
        int merge = k > 0;
        for (int o = 0; o < nops && merge; ++o)
            merge = st[o][d] == ost[o][k - 1] * oshape[k - 1];
        if (merge) {
            oshape[k - 1] *= shape[d];
            continue;
        }
        oshape[k] = shape[d];
        for (int o = 0; o < nops; ++o)
            ost[o][k] = st[o][d];
        ++k;
    }
    for (int i = 0, j = k - 1; i < j; ++i, --j) {
        int64_t t = oshape[i]; oshape[i] = oshape[j]; oshape[j] = t;
        for (int o = 0; o < nops; ++o) {
            t = ost[o][i]; ost[o][i] = ost[o][j]; ost[o][j] = t;
        }
    }
    return k;
}

#define FG_TARGET /* the reference level: the baseline target */
#define T float
#define NAME(x) x##_f32
#include "broadcast_rows.inc"
const fg_bcast_kernels_f32 fg_bcast_ref_f32 = FG_BCAST_TABLE;
#undef FG_BCAST_TABLE
#include "broadcast.inc"
#undef T
#undef NAME

#define T double
#define NAME(x) x##_f64
#include "broadcast_rows.inc"
const fg_bcast_kernels_f64 fg_bcast_ref_f64 = FG_BCAST_TABLE;
#undef FG_BCAST_TABLE
#include "broadcast.inc"
#undef T
#undef NAME
