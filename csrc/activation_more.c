/* activation_more.c — silu, mish, elu (selu and celu are its settings), logsigmoid, softsign,
 * hardtanh (relu6) and softplus: forward and backward side by side.  The loops are in
 * activation_more_kernels.inc, compiled here for the baseline target (the reference level: exp from
 * libm) and in activation_more_avx2.c for AVX2 (float32 exp from math_avx2.c); the public entry
 * points (activation_more_api.inc) run the active level's table over the thread pool. */
#include <math.h>
#include <tgmath.h>
#include "activation_more.h"

#define FG_TARGET /* the reference level: the baseline target */

/* y = exp(x) elementwise (libm) */
static void vexp_f32(int64_t n, const float *x, float *y)
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = expf(x[i]);
}

static void vexp_f64(int64_t n, const double *x, double *y)
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = exp(x[i]);
}

#define T float
#define NAME(x) x##_f32
#include "activation_more_kernels.inc"
#include "activation_more_tables.inc"
const fg_actm_kernels_f32 fg_actm_ref_f32 = ACTM_TABLE;
#undef ACTM_TABLE
#undef T
#undef NAME

#define T double
#define NAME(x) x##_f64
#include "activation_more_kernels.inc"
#include "activation_more_tables.inc"
const fg_actm_kernels_f64 fg_actm_ref_f64 = ACTM_TABLE;
#undef ACTM_TABLE
#undef T
#undef NAME

#define FG_TEMPLATE "activation_more_api.inc"
#include "template.h"
