/* activation_more_avx2.c — the loops of activation_more_kernels.inc compiled for AVX2 (each function
 * carries FG_TARGET_AVX2 and runs only through this file's tables, which activation_more.c selects
 * when cpu.c found the level).  float32 takes its exps from math_avx2.c (<= 2 ulp); float64 from
 * libm, as the reference level.  Contraction is off (per_isa.h): the arithmetic around the exps is
 * the reference level's, 8 (4) lanes wide. */
#include "per_isa.h"
#include "activation_more.h"
#include "math_avx2.h"

#if FG_X86
#define FG_TARGET FG_TARGET_AVX2

static FG_TARGET void vexp_f32(int64_t n, const float *x, float *y) { fg_vexp_f32_avx2(n, x, y); }

static FG_TARGET void vexp_f64(int64_t n, const double *x, double *y)
{
    for (int64_t i = 0; i < n; ++i)
        y[i] = exp(x[i]);
}

#define T float
#define NAME(x) x##_f32
#include "activation_more_kernels.inc"
#include "activation_more_tables.inc"
const fg_actm_kernels_f32 fg_actm_avx2_f32 = ACTM_TABLE;
#undef ACTM_TABLE
#undef T
#undef NAME

#define T double
#define NAME(x) x##_f64
#include "activation_more_kernels.inc"
#include "activation_more_tables.inc"
const fg_actm_kernels_f64 fg_actm_avx2_f64 = ACTM_TABLE;
#undef ACTM_TABLE
#undef T
#undef NAME
#endif
