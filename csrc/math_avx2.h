/* math_avx2.h — the AVX2+FMA maths library (math_avx2.c): vectorised exp, sigmoid, tanh, gelu,
 * max and dot kernels and the one-pass row kernels of softmax, log_softmax, cross-entropy and
 * mse; and its AVX-512 level for the exp-based ones (math_avx512.c).  They enter the row-math
 * tables (rowmath.h) and the activation tables
 * (activation.c) at the AVX2 level; nobody calls them directly.  Every function handles any n
 * (the tail goes through masked loads/stores, so each element gets the same arithmetic wherever
 * it sits).  Declared only where compiled (FG_X86).  Never parsed by cffi. */
#ifndef FASTGRAD_MATH_AVX2_H
#define FASTGRAD_MATH_AVX2_H
#include <stdint.h>
#include "dispatch.h"
#if FG_X86

/* y = exp(x)   (<= 1.16 ulp, expf_fit.h; exp(NaN) = NaN, overflow to inf, gradual underflow to 0) */
void fg_vexp_f32_avx2(int64_t n, const float *x, float *y);
/* y = exp(x - s[i]) elementwise (s an array) */
void fg_vexpsub_f32_avx2(int64_t n, const float *x, const float *s, float *y);
/* y = exp(x - shift) (y may be NULL: not stored); returns sum_i exp(x[i] - shift) in double */
double fg_vexpsum_f32_avx2(int64_t n, const float *x, float shift, float *y);
/* y = x - shift; returns sum_i exp(x[i] - shift) in double (log_softmax's pass: y is then written
 * while the exps are computed, and its second pass y - l runs in L1) */
double fg_vexpsumd_f32_avx2(int64_t n, const float *x, float shift, float *y);
/* y = 1 / (1 + exp(-x)) */
void fg_sigmoid_fwd_f32_avx2(int64_t n, const float *x, float *y);
/* y = tanh(x) = sign(x) em / (em + 2), em = expm1(2|x|)   (about 2 ulp) */
void fg_tanh_fwd_f32_avx2(int64_t n, const float *x, float *y);
/* exact: y = x Phi(x);  approximate: y = x / (1 + exp(-2u)) = x/2 (1 + tanh u) */
void fg_gelu_fwd_f32_avx2(int64_t n, const float *x, float *y, int approximate);
/* exact: dx = dy (Phi(x) + x phi(x));  approximate: dx = dy s (1 + 2x (1 - s) u'), s = (1 + tanh u)/2 */
void fg_gelu_bwd_f32_avx2(int64_t n, const float *x, const float *dy, float *dx, int approximate);
/* rows i < m of an (m, ld) block, columns j < n: dx = dy gelu'(x) as fg_gelu_bwd_f32_avx2, and
 * acc[j] += dx[i, j] in double, row after row (gelu.c's fused bias gradient) */
void fg_gelu_bwd_acc_f32_avx2(int64_t m, int64_t n, int64_t ld, const float *x, const float *dy, float *dx,
                              double *acc, int approximate);
/* max of x[0..n), n >= 1; NaN when any element is NaN */
float fg_vmax_f32_avx2(int64_t n, const float *x);
double fg_vmax_f64_avx2(int64_t n, const double *x);
/* sum_i a[i] b[i], or sum_i a[i] when b == NULL, accumulated in double (16 partial sums) */
double fg_vdot_f32_avx2(int64_t n, const float *a, const float *b);
/* sum_i (a[i] - b[i])^2 in double */
double fg_vsqdist_f32_avx2(int64_t n, const float *a, const float *b);
/* y = y r (the product in double, rounded to float) */
void fg_vscale_f32_avx2(int64_t n, float *y, double r);
/* y = (x - m) - l */
void fg_vshift2_f32_avx2(int64_t n, const float *x, float m, float l, float *y);
/* y = a exp(x) */
void fg_vexpmul_f32_avx2(int64_t n, const float *x, float a, float *y);
/* dx = dy - exp(y) s */
void fg_vdyexp_f32_avx2(int64_t n, const float *y, const float *dy, float s, float *dx);

/* the AVX-512 level (math_avx512.c): the exp-based kernels above and the row max, scaling and
 * shift, same contracts */
void fg_vexp_f32_avx512(int64_t n, const float *x, float *y);
void fg_vexpsub_f32_avx512(int64_t n, const float *x, const float *s, float *y);
double fg_vexpsum_f32_avx512(int64_t n, const float *x, float shift, float *y);
double fg_vexpsumd_f32_avx512(int64_t n, const float *x, float shift, float *y);
float fg_vmax_f32_avx512(int64_t n, const float *x);
void fg_vscale_f32_avx512(int64_t n, float *y, double r);
void fg_vshift2_f32_avx512(int64_t n, const float *x, float m, float l, float *y);
void fg_sigmoid_fwd_f32_avx512(int64_t n, const float *x, float *y);
void fg_tanh_fwd_f32_avx512(int64_t n, const float *x, float *y);
void fg_vexpmul_f32_avx512(int64_t n, const float *x, float a, float *y);
void fg_vdyexp_f32_avx512(int64_t n, const float *y, const float *dy, float s, float *dx);
#endif

#endif
