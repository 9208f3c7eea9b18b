/* pointwise.h — the pointwise maths family's private declarations (never parsed by cffi): the
 * scalar helpers in double shared by the reference loops, and the AVX2 descriptor tables of
 * float32 kernels (pointwise_avx2.c), indexed by FG_PW_* / FG_PW2_* (an entry NULL: no SIMD
 * variant, the reference loop runs). */
#ifndef FASTGRAD_POINTWISE_H
#define FASTGRAD_POINTWISE_H
#include <stdint.h>
#include "dispatch.h"

/* digamma(x) in double (pointwise.c: torch's calc_digamma), for the SIMD kernels' edge lanes */
double fg_pw_digamma(double x);

/* y = f(x) over n elements; dx = dy f'(x) */
typedef void (*fg_pw_fwd_fn_f32)(int64_t n, const float *x, float *y);
typedef void (*fg_pw_bwd_fn_f32)(int64_t n, const float *x, const float *dy, float *dx);
/* y = f(a, b) */
typedef void (*fg_pw2_fwd_fn_f32)(int64_t n, const float *a, const float *b, float *y);
/* (da, db) = dy (d f/da, d f/db); da or db may be NULL */
typedef void (*fg_pw2_bwd_fn_f32)(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db);
typedef void (*fg_pw2_bwd_fn_f64)(int64_t n, const double *a, const double *b, const double *dy, double *da,
                                  double *db);
typedef void (*fg_pw_fwd_fn_f64)(int64_t n, const double *x, double *y);
typedef void (*fg_pw_bwd_fn_f64)(int64_t n, const double *x, const double *dy, double *dx);
typedef void (*fg_pw2_fwd_fn_f64)(int64_t n, const double *a, const double *b, double *y);

#if FG_X86
extern const fg_pw_fwd_fn_f32 fg_pw_fwd_avx2_f32[FG_PW_COUNT];
extern const fg_pw_bwd_fn_f32 fg_pw_bwd_avx2_f32[FG_PW_COUNT];
extern const fg_pw2_fwd_fn_f32 fg_pw2_fwd_avx2_f32[FG_PW2_COUNT];
extern const fg_pw2_bwd_fn_f32 fg_pw2_bwd_avx2_f32[FG_PW2_COUNT];
#endif

#endif
