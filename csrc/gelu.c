/* gelu.c — gelu (exact and tanh forms), forward and backward, and the backward fused with the
 * bias gradient of a Linear before it (fg_gelu_bwd_colsum: dz and db = colsum(dz) in one pass, for
 * the LinearGELU node).  Reference loops in gelu.inc (once per dtype); float32 SIMD kernels in
 * math_avx2.c (AVX2) and gelu_avx512.c; the entry points split the work over the thread pool
 * (elementwise results do not depend on the split; column sums run in row order per column). */
#include <math.h>
#include <stdlib.h>
#include <tgmath.h>
#include "internal.h"
#include "gelu.h"
#include "math_avx2.h"

#define GELU_BLOCK 64 /* elements (or columns) per fg_parallel_for item */
#define GELU_COST 16  /* rough scalar operations per element */

#define FG_TEMPLATE "gelu.inc"
#include "template.h"

#if FG_X86
static const fg_gelu_kernels_f32 gelu_avx2_f32 = {fg_gelu_fwd_f32_avx2, fg_gelu_bwd_f32_avx2,
                                                  fg_gelu_bwd_acc_f32_avx2};
static const fg_gelu_kernels_f32 gelu_avx512_f32 = {fg_gelu_fwd_f32_avx512, fg_gelu_bwd_f32_avx512,
                                                    fg_gelu_bwd_acc_f32_avx512};
#endif

/* float64 has no SIMD variant: every level runs the reference loops */
static const fg_gelu_kernels_f32 *gelu_active_f32(void)
{
    return FG_SELECT(&gelu_ref_f32, &gelu_avx2_f32, &gelu_avx512_f32);
}

static const fg_gelu_kernels_f64 *gelu_active_f64(void) { return &gelu_ref_f64; }
