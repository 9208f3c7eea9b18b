/* gelu_avx512.c — gelu forward and backward (exact and tanh forms) in 16 float lanes: the same
 * formulas as the AVX2 kernels of math_avx2.c (gelu.h's erfcx fit for the exact form), with exp
 * scaled by vscalefps (gradual underflow, overflow to inf, no integer pow2 tricks). */
#include "gelu.h"
#if FG_X86
#include <immintrin.h>

#include "simd_avx512.h"

#define SET1 _mm512_set1_ps

/* 2^u, u <= 0 (below -200: 0; NaN propagates): n = round(u), 2^(u - n) by gelu.h's degree-6 fit,
 * times 2^n by vscalefps (gradual underflow) */
AVX512_INLINE __m512 exp2_neg16(__m512 u)
{
    u = _mm512_max_ps(SET1(-200.0f), u);
    __m512 n = _mm512_roundscale_ps(u, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_sub_ps(u, n);
    __m512 p = SET1(FG_EXP2_P6);
    p = _mm512_fmadd_ps(p, f, SET1(FG_EXP2_P5));
    p = _mm512_fmadd_ps(p, f, SET1(FG_EXP2_P4));
    p = _mm512_fmadd_ps(p, f, SET1(FG_EXP2_P3));
    p = _mm512_fmadd_ps(p, f, SET1(FG_EXP2_P2));
    p = _mm512_fmadd_ps(p, f, SET1(FG_EXP2_P1));
    p = _mm512_fmadd_ps(p, f, SET1(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* h = Phi(-|x|) = exp(-x^2/2) t Q(t) / 2, t = 1/(1 + 0.3 |x|/sqrt2) (gelu.h); *e = exp(-x^2/2) */
AVX512_INLINE __m512 normal_tail16(__m512 x, __m512 *e)
{
    __m512 d = _mm512_fmadd_ps(SET1(FG_GELU_P), _mm512_abs_ps(x), SET1(1.0f));
    __m512 t = _mm512_div_ps(SET1(1.0f), d);
    __m512 q = SET1(0.5f * FG_GELU_Q8);
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q7));
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q6));
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q5));
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q4));
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q3));
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q2));
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q1));
    q = _mm512_fmadd_ps(q, t, SET1(0.5f * FG_GELU_Q0));
    *e = exp2_neg16(_mm512_mul_ps(_mm512_mul_ps(x, x), SET1(FG_GELU_K)));
    return _mm512_mul_ps(*e, _mm512_mul_ps(t, q));
}

/* Phi(x): h for x < 0, 1 - h otherwise */
AVX512_INLINE __m512 normal_cdf16(__m512 x, __m512 h)
{
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_blend_ps(neg, _mm512_sub_ps(SET1(1.0f), h), h);
}

/* y = x Phi(x) */
AVX512_INLINE __m512 gelu_exact16(__m512 x)
{
    __m512 e;
    return _mm512_mul_ps(x, normal_cdf16(x, normal_tail16(x, &e)));
}

/* Phi(x) + x phi(x), phi = exp(-x^2/2) / sqrt(2 pi) */
AVX512_INLINE __m512 gelu_exact_grad16(__m512 x)
{
    __m512 e;
    __m512 cdf = normal_cdf16(x, normal_tail16(x, &e));
    return _mm512_fmadd_ps(x, _mm512_mul_ps(SET1(0.39894228040143267794f), e), cdf);
}

/* x / (1 + exp(-2u)), u = sqrt(2/pi)(x + 0.044715 x^3) */
AVX512_INLINE __m512 gelu_tanh16(__m512 x)
{
    __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    __m512 u = _mm512_mul_ps(SET1(0.79788456080286535588f), _mm512_fmadd_ps(SET1(0.044715f), x3, x));
    __m512 e = exp16(_mm512_mul_ps(SET1(-2.0f), u));
    return _mm512_div_ps(x, _mm512_add_ps(SET1(1.0f), e));
}

/* s (1 + 2 x min(e s, 1) u'), s = 1/(1 + e), e = exp(-2u) (math_avx2.c's gelu_tanh_grad_ps) */
AVX512_INLINE __m512 gelu_tanh_grad16(__m512 x)
{
    const __m512 one = SET1(1.0f), k = SET1(0.79788456080286535588f);
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 u = _mm512_mul_ps(k, _mm512_fmadd_ps(_mm512_mul_ps(SET1(0.044715f), x2), x, x));
    __m512 e = exp16(_mm512_mul_ps(SET1(-2.0f), u));
    __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, e));
    __m512 es = _mm512_min_ps(_mm512_mul_ps(e, s), one);
    __m512 du = _mm512_mul_ps(k, _mm512_fmadd_ps(SET1(3.0f * 0.044715f), x2, one));
    __m512 t = _mm512_mul_ps(_mm512_mul_ps(_mm512_add_ps(x, x), es), du);
    return _mm512_fmadd_ps(s, t, s);
}

AVX512_INLINE void map_grad16(int64_t n, const float *x, const float *dy, float *dx, __m512 (*df)(__m512))
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dx + i, _mm512_mul_ps(_mm512_loadu_ps(dy + i), df(_mm512_loadu_ps(x + i))));
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dy + i), df(_mm512_maskz_loadu_ps(m, x + i)));
        _mm512_mask_storeu_ps(dx + i, m, g);
    }
}

/* dx = dy f'(x) and acc[j] += dx[j] in double, one row */
AVX512_INLINE void grad_acc_row16(int64_t n, const float *x, const float *dy, float *dx, double *acc,
                                  __m512 (*df)(__m512))
{
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 g = _mm512_mul_ps(_mm512_loadu_ps(dy + j), df(_mm512_loadu_ps(x + j)));
        _mm512_storeu_ps(dx + j, g);
        __m256 lo = _mm512_castps512_ps256(g);
        __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(g), 1));
        _mm512_storeu_pd(acc + j, _mm512_add_pd(_mm512_loadu_pd(acc + j), _mm512_cvtps_pd(lo)));
        _mm512_storeu_pd(acc + j + 8, _mm512_add_pd(_mm512_loadu_pd(acc + j + 8), _mm512_cvtps_pd(hi)));
    }
    if (j < n) {
        __mmask16 m = tail_mask16(n - j);
        __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dy + j), df(_mm512_maskz_loadu_ps(m, x + j)));
        _mm512_mask_storeu_ps(dx + j, m, g);
        float lanes[16];
        _mm512_storeu_ps(lanes, g);
        for (int64_t r = 0; r < n - j; ++r)
            acc[j + r] += lanes[r];
    }
}

AVX512 void fg_gelu_fwd_f32_avx512(int64_t n, const float *x, float *y, int approximate)
{
    if (approximate)
        map16(n, x, y, gelu_tanh16);
    else
        map16(n, x, y, gelu_exact16);
}

AVX512 void fg_gelu_bwd_f32_avx512(int64_t n, const float *x, const float *dy, float *dx, int approximate)
{
    if (approximate)
        map_grad16(n, x, dy, dx, gelu_tanh_grad16);
    else
        map_grad16(n, x, dy, dx, gelu_exact_grad16);
}

AVX512 void fg_gelu_bwd_acc_f32_avx512(int64_t m, int64_t n, int64_t ld, const float *x, const float *dy,
                                       float *dx, double *acc, int approximate)
{
    for (int64_t i = 0; i < m; ++i) {
        if (approximate)
            grad_acc_row16(n, x + i * ld, dy + i * ld, dx + i * ld, acc, gelu_tanh_grad16);
        else
            grad_acc_row16(n, x + i * ld, dy + i * ld, dx + i * ld, acc, gelu_exact_grad16);
    }
}
#endif /* FG_X86 */
