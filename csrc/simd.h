/* simd.h — private declarations of the vectorised (AVX2+FMA) float32 kernels in
 * activation_avx2.c.  Callers dispatch on fg_active_isa >= FG_ISA_AVX2 and keep their portable
 * reference loop; every function here handles any n (the tail goes through masked loads/stores,
 * so each element gets the same arithmetic wherever it sits).  Never parsed by cffi. */
#ifndef FASTGRAD_SIMD_H
#define FASTGRAD_SIMD_H
#include <math.h>
#include <stdint.h>

/* the AVX2 file is compiled (and dispatched to) only on x86 */
#if defined(__x86_64__) || defined(__i386__)
#define FG_X86 1
#else
#define FG_X86 0
#endif

/* y = exp(x)   (<= 2 ulp; exp(NaN) = NaN, overflow to inf, gradual underflow to 0) */
void fg_vexp_f32_avx2(int64_t n, const float *x, float *y);
/* y = exp(x - s[i]) elementwise (s an array) */
void fg_vexpsub_f32_avx2(int64_t n, const float *x, const float *s, float *y);
/* y = exp(x - shift) (y may be NULL: not stored); returns sum_i exp(x[i] - shift) in double */
double fg_vexpsum_f32_avx2(int64_t n, const float *x, float shift, float *y);
/* y = 1 / (1 + exp(-x)) */
void fg_sigmoid_fwd_f32_avx2(int64_t n, const float *x, float *y);
/* y = tanh(x)   (odd polynomial for |x| < 0.625, 1 - 2/(exp(2|x|) + 1) above) */
void fg_tanh_fwd_f32_avx2(int64_t n, const float *x, float *y);
/* exact: y = x/2 erfc(-x/sqrt2);  approximate: y = x / (1 + exp(-2u)) = x/2 (1 + tanh u) */
void fg_gelu_fwd_f32_avx2(int64_t n, const float *x, float *y, int approximate);
/* exact: dx = dy (Phi(x) + x phi(x));  approximate: dx = dy s (1 + 2x (1 - s) u'), s = (1 + tanh u)/2 */
void fg_gelu_bwd_f32_avx2(int64_t n, const float *x, const float *dy, float *dx, int approximate);
/* max of x[0..n), n >= 1; NaN when any element is NaN */
float fg_vmax_f32_avx2(int64_t n, const float *x);
double fg_vmax_f64_avx2(int64_t n, const double *x);
/* sum_i a[i] b[i], or sum_i a[i] when b == NULL, accumulated in double (16 partial sums) */
double fg_vdot_f32_avx2(int64_t n, const float *a, const float *b);

/* row helpers shared by reduce.c and loss.c (need internal.h before this header): the AVX2
 * kernel when the active ISA level has it, a portable loop otherwise. */
/* max of x[0..n), n >= 1, NaN propagating (the first NaN in the reference loop) */
static inline float fg_rowmax_f32(int64_t n, const float *x)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2)
        return fg_vmax_f32_avx2(n, x);
#endif
    float m = x[0];
    for (int64_t k = 1; k < n; ++k)
        m = (x[k] > m || x[k] != x[k]) ? x[k] : m;
    return m;
}

static inline double fg_rowmax_f64(int64_t n, const double *x)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2)
        return fg_vmax_f64_avx2(n, x);
#endif
    double m = x[0];
    for (int64_t k = 1; k < n; ++k)
        m = (x[k] > m || x[k] != x[k]) ? x[k] : m;
    return m;
}

/* sum_i a[i] b[i] (b == NULL: sum_i a[i]) in double, four partial sums in the portable loop */
static inline double fg_rowdot_f32(int64_t n, const float *a, const float *b)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2)
        return fg_vdot_f32_avx2(n, a, b);
#endif
    double s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int l = 0; l < 4; ++l)
            s[l] += b ? (double)a[i + l] * b[i + l] : (double)a[i + l];
    for (; i < n; ++i)
        s[0] += b ? (double)a[i] * b[i] : (double)a[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static inline double fg_rowdot_f64(int64_t n, const double *a, const double *b)
{
    double s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int l = 0; l < 4; ++l)
            s[l] += b ? a[i + l] * b[i + l] : a[i + l];
    for (; i < n; ++i)
        s[0] += b ? a[i] * b[i] : a[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* exp helpers shared by reduce.c and loss.c: the AVX2 kernel for float32 when the active ISA
 * level has it, a plain libm loop otherwise (needs internal.h before this header). */
/* y = exp(x - shift) (y may be NULL); returns sum_i exp(x[i] - shift) in double */
static inline double fg_expsum_f32(int64_t n, const float *x, float shift, float *y)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2)
        return fg_vexpsum_f32_avx2(n, x, shift, y);
#endif
    double s = 0;
    for (int64_t i = 0; i < n; ++i) {
        float e = expf(x[i] - shift);
        if (y) y[i] = e;
        s += e;
    }
    return s;
}

static inline double fg_expsum_f64(int64_t n, const double *x, double shift, double *y)
{
    double s = 0;
    for (int64_t i = 0; i < n; ++i) {
        double e = exp(x[i] - shift);
        if (y) y[i] = e;
        s += e;
    }
    return s;
}

/* y = exp(x - s[i]) elementwise */
static inline void fg_expsub_f32(int64_t n, const float *x, const float *s, float *y)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2) {
        fg_vexpsub_f32_avx2(n, x, s, y);
        return;
    }
#endif
    for (int64_t i = 0; i < n; ++i) y[i] = expf(x[i] - s[i]);
}

static inline void fg_expsub_f64(int64_t n, const double *x, const double *s, double *y)
{
    for (int64_t i = 0; i < n; ++i) y[i] = exp(x[i] - s[i]);
}

/* y = exp(x) */
static inline void fg_exp_f32(int64_t n, const float *x, float *y)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2) {
        fg_vexp_f32_avx2(n, x, y);
        return;
    }
#endif
    for (int64_t i = 0; i < n; ++i) y[i] = expf(x[i]);
}

static inline void fg_exp_f64(int64_t n, const double *x, double *y)
{
    for (int64_t i = 0; i < n; ++i) y[i] = exp(x[i]);
}

#endif
