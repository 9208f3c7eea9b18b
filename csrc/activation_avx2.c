/* activation_avx2.c — AVX2+FMA float32 kernels for the transcendental activations and the exp
 * used by softmax / log_softmax / cross-entropy.  Compiled for the baseline target; every
 * function carries __attribute__((target("avx2,fma"))) and runs only when cpu.c found AVX2+FMA
 * (callers dispatch on fg_active_isa).  Polynomials: Cephes expf / tanhf (about 1 ulp), erfc by
 * the Numerical Recipes Chebyshev fit (fractional error < 1.2e-7) evaluated in double lanes. */
#include "internal.h"
#include "simd.h"
#if FG_X86
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

/* lane mask selecting the first r (0..8) of 8 lanes */
AVX2_INLINE __m256i tail_mask(int64_t r)
{
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), lanes);
}

/* 2^k for integer lanes k in [-126, 127] */
AVX2_INLINE __m256 pow2i(__m256i k)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

/* exp(x): n = round(x log2 e), r = x - n ln2 (Cody-Waite), e^r by Cephes' degree-7 fit, times
 * 2^n applied in two halves so results underflow gradually and overflow to inf; NaN propagates */
AVX2_INLINE __m256 exp_ps(__m256 x)
{
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);      /* NaN in the 2nd operand is kept */
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i n = _mm256_cvtps_epi32(fx);
    __m256i n1 = _mm256_srai_epi32(n, 1);
    return _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(_mm256_sub_epi32(n, n1)));
}

/* 1 / (1 + exp(-x)) */
AVX2_INLINE __m256 sigmoid_ps(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = exp_ps(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

/* tanh(x) as Cephes tanhf: x + x^3 P(x^2) for |x| < 0.625, else sign(x) (1 - 2/(e^{2|x|} + 1)) */
AVX2_INLINE __m256 tanh_ps(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 e = exp_ps(_mm256_add_ps(a, a));
    __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    big = _mm256_or_ps(big, _mm256_and_ps(x, sign));
    __m256 is_small = _mm256_cmp_ps(a, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
    return _mm256_blendv_ps(big, small, is_small);
}

/* exp(x) in double lanes, for arguments in [-708, 0] (erfc below): degree-11 Taylor on
 * |r| <= ln2/2 (relative error < 1e-14, far below float resolution) */
AVX2_INLINE __m256d exp_pd_neg(__m256d x)
{
    x = _mm256_max_pd(_mm256_set1_pd(-708.0), x);
    __m256d fx = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634)),
                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(fx, _mm256_set1_pd(6.93145751953125e-1), x);
    r = _mm256_fnmadd_pd(fx, _mm256_set1_pd(1.42860682030941723212e-6), r);
    static const double c[] = {1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
                               1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0};
    __m256d p = _mm256_set1_pd(c[0]);
    for (int i = 1; i < 12; ++i)
        p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c[i]));
    /* 2^fx: fx + 1.5 * 2^52 holds fx as an integer in its low mantissa bits */
    __m256i bits = _mm256_castpd_si256(_mm256_add_pd(fx, _mm256_set1_pd(6755399441055744.0)));
    __m256i e = _mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(e));
}

/* 0.5 x erfc(-x/sqrt2) in double lanes: erfc(|z|) = t exp(-z^2 + P(t)), t = 1/(1 + |z|/2) */
AVX2_INLINE __m256d gelu_exact_pd(__m256d x)
{
    const __m256d one = _mm256_set1_pd(1.0), sign = _mm256_set1_pd(-0.0);
    __m256d z = _mm256_mul_pd(x, _mm256_set1_pd(-0.70710678118654752440));
    __m256d a = _mm256_andnot_pd(sign, z);
    __m256d t = _mm256_div_pd(one, _mm256_fmadd_pd(_mm256_set1_pd(0.5), a, one));
    static const double c[] = {0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807,
                               -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223};
    __m256d p = _mm256_set1_pd(c[0]);
    for (int i = 1; i < 10; ++i)
        p = _mm256_fmadd_pd(p, t, _mm256_set1_pd(c[i]));
    __m256d ans = _mm256_mul_pd(t, exp_pd_neg(_mm256_fnmadd_pd(a, a, p)));
    __m256d neg = _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_LT_OQ);
    ans = _mm256_blendv_pd(ans, _mm256_sub_pd(_mm256_set1_pd(2.0), ans), neg);   /* erfc(z) */
    return _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), x), ans);
}

AVX2_INLINE __m256 gelu_exact_ps(__m256 x)
{
    __m256d lo = gelu_exact_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)));
    __m256d hi = gelu_exact_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)));
    return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
}

/* x / (1 + exp(-2u)), u = sqrt(2/pi)(x + 0.044715 x^3): the tanh form without 1 + tanh cancelling */
AVX2_INLINE __m256 gelu_tanh_ps(__m256 x)
{
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.79788456080286535588f),
                             _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
    __m256 e = exp_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), u));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* the elementwise driver: y[i] = f(x[i]), 8 lanes at a time, the tail masked (inlined with f) */
AVX2_INLINE void map_ps(int64_t n, const float *x, float *y, __m256 (*f)(__m256))
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, f(_mm256_maskload_ps(x + i, m)));
    }
}

AVX2 void fg_vexp_f32_avx2(int64_t n, const float *x, float *y) { map_ps(n, x, y, exp_ps); }
AVX2 void fg_sigmoid_fwd_f32_avx2(int64_t n, const float *x, float *y) { map_ps(n, x, y, sigmoid_ps); }
AVX2 void fg_tanh_fwd_f32_avx2(int64_t n, const float *x, float *y) { map_ps(n, x, y, tanh_ps); }

AVX2 void fg_gelu_fwd_f32_avx2(int64_t n, const float *x, float *y, int approximate)
{
    if (approximate)
        map_ps(n, x, y, gelu_tanh_ps);
    else
        map_ps(n, x, y, gelu_exact_ps);
}

AVX2 void fg_vexpsub_f32_avx2(int64_t n, const float *x, const float *s, float *y)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(s + i))));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 v = _mm256_sub_ps(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(s + i, m));
        _mm256_maskstore_ps(y + i, m, exp_ps(v));
    }
}

/* sum of exp(x - shift) with double accumulators (two lanes of 4 doubles) */
AVX2 double fg_vexpsum_f32_avx2(int64_t n, const float *x, float shift, float *y)
{
    const __m256 sh = _mm256_set1_ps(shift);
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), sh));
        if (y)
            _mm256_storeu_ps(y + i, e);
        acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 e = exp_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), sh));
        e = _mm256_and_ps(e, _mm256_castsi256_ps(m));                   /* 0 in unused lanes */
        if (y)
            _mm256_maskstore_ps(y + i, m, e);
        acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(acc0, acc1));
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}
#endif /* FG_X86 */
