/* gelu.h — the gelu family's internals (gelu.c, gelu.inc, gelu_avx512.c, the AVX2 kernels in
 * math_avx2.c): the erfcx fit both SIMD levels share, the per-level kernel table and the AVX-512
 * kernels.  Never parsed by cffi.
 *
 * Phi(-|x|) = erfc(a)/2 with a = |x|/sqrt2 is computed as exp(-a^2) t Q(t) / 2, t = 1/(1 + 0.3 a):
 * Q is a degree-8 least-relative-error fit of erfcx(a) / t on a in [0, 10.5] (beyond, exp(-a^2)
 * underflows), max relative error 5e-8 with these float coefficients (the SIMD kernels fold the
 * 1/2 into them).  Unlike 1 + erf(x/sqrt2)
 * (torch's float form), nothing cancels in the left tail. */
#ifndef FASTGRAD_GELU_H
#define FASTGRAD_GELU_H
#include <stdint.h>
#include "dispatch.h"

#define FG_GELU_Q0 1.691874415e-01f
#define FG_GELU_Q1 1.707235426e-01f
#define FG_GELU_Q2 1.482875645e-01f
#define FG_GELU_Q3 2.151042521e-01f
#define FG_GELU_Q4 -9.502530843e-02f
#define FG_GELU_Q5 5.482116938e-01f
#define FG_GELU_Q6 -5.126721859e-01f
#define FG_GELU_Q7 4.857398272e-01f
#define FG_GELU_Q8 -1.295568347e-01f

/* 2^f on [-1/2, 1/2], degree 6 (relative error 1.6e-8 with these coefficients) */
#define FG_EXP2_P1 6.931471825e-01f
#define FG_EXP2_P2 2.402264625e-01f
#define FG_EXP2_P3 5.550328642e-02f
#define FG_EXP2_P4 9.618489072e-03f
#define FG_EXP2_P5 1.339993090e-03f
#define FG_EXP2_P6 1.534580806e-04f
/* exp(-x^2/2) = 2^(x^2 K), K = -log2(e)/2; and 0.3/sqrt2 (t = 1/(1 + 0.3 |x|/sqrt2)) */
#define FG_GELU_K -0.72134752044448170368f
#define FG_GELU_P 0.21213203435596425732f

/* one ISA level's gelu kernels for one dtype (the public entry points in gelu.inc split the
 * work over threads and call these on ranges) */
#define FG_GELU_TABLE(T, sfx)                                                                   \
    typedef struct {                                                                            \
        void (*fwd)(int64_t n, const T *x, T *y, int approximate);                               \
        void (*bwd)(int64_t n, const T *x, const T *dy, T *dx, int approximate);                 \
        void (*bwd_acc)(int64_t m, int64_t n, int64_t ld, const T *x, const T *dy, T *dx,        \
                        double *acc, int approximate);                                           \
    } fg_gelu_kernels_##sfx;
FG_GELU_TABLE(float, f32)
FG_GELU_TABLE(double, f64)
#undef FG_GELU_TABLE

#if FG_X86
/* AVX-512 float32 kernels (gelu_avx512.c), the same contracts as the AVX2 ones (math_avx2.h) */
void fg_gelu_fwd_f32_avx512(int64_t n, const float *x, float *y, int approximate);
void fg_gelu_bwd_f32_avx512(int64_t n, const float *x, const float *dy, float *dx, int approximate);
void fg_gelu_bwd_acc_f32_avx512(int64_t m, int64_t n, int64_t ld, const float *x, const float *dy, float *dx,
                                double *acc, int approximate);
#endif

#endif
