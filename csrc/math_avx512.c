/* math_avx512.c — the AVX-512 level of the maths library: float32 exp, sigmoid and tanh and the
 * exp-based row passes of softmax / log_softmax / cross-entropy, with the row max, scaling and
 * shift those rows use (16 lanes and masked tails; declared in math_avx2.h).
 * Compiled for the baseline target; every function carries FG_TARGET_AVX512 and runs only
 * through the AVX-512 tables of rowmath.h and activation.c.  The polynomials and the operation
 * order are math_avx2.c's (expf_fit.h); 2^n is applied by vscalefps (one rounding, so gradual
 * underflow and overflow to inf as the AVX2 exp): exp gives bitwise the AVX2 results.  On Zen 4
 * this exp costs 0.18 ns per element against 0.23 for the AVX2 one (1 thread, in L2). */
#include <math.h>
#include "math_avx2.h"
#if FG_X86
#include <immintrin.h>

#include "simd_avx512.h"

/* bitwise helpers (AVX-512F has them on integers only) */
AVX512_INLINE __m512 neg_ps(__m512 x)
{
    return _mm512_castsi512_ps(_mm512_xor_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN)));
}

AVX512_INLINE __m512 abs_ps(__m512 x)
{
    return _mm512_castsi512_ps(_mm512_and_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MAX)));
}

/* 1 / (1 + exp(-x)) */
AVX512_INLINE __m512 sigmoid16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp16(neg_ps(x))));
}

/* tanh(x) as math_avx2.c's tanh_ps: sign(x) em / (em + 2), em = expm1(2|x|) = 2^n q(r) + (2^n - 1)
 * from expf_fit.h's reduction and polynomial, n in [0, 29] */
AVX512_INLINE __m512 tanh16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 a = abs_ps(x);
    __m512 u = _mm512_min_ps(_mm512_set1_ps(20.0f), _mm512_add_ps(a, a));   /* NaN is kept */
    __m512 big, fn;
    __m512 q = expm1_poly16(exp_reduce16(u, &big, &fn));
    __m512 s = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(big), 23));   /* 2^n */
    __m512 em = _mm512_fmadd_ps(s, q, _mm512_sub_ps(s, one));
    __m512 t = _mm512_div_ps(em, _mm512_add_ps(em, _mm512_set1_ps(2.0f)));
    __m512i sign = _mm512_and_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN));
    return _mm512_castsi512_ps(_mm512_or_epi32(_mm512_castps_si512(t), sign));
}

AVX512 void fg_vexp_f32_avx512(int64_t n, const float *x, float *y) { map16(n, x, y, exp16); }
AVX512 void fg_sigmoid_fwd_f32_avx512(int64_t n, const float *x, float *y) { map16(n, x, y, sigmoid16); }
AVX512 void fg_tanh_fwd_f32_avx512(int64_t n, const float *x, float *y) { map16(n, x, y, tanh16); }

/* y = exp(x - s[i]) elementwise */
AVX512 void fg_vexpsub_f32_avx512(int64_t n, const float *x, const float *s, float *y)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(s + i))));
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        __m512 v = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, s + i));
        _mm512_mask_storeu_ps(y + i, m, exp16(v));
    }
}

/* double lanes of the 16 floats of e added to a0 (low 8) and a1 (high 8) */
AVX512_INLINE void acc16(__m512 e, __m512d *a0, __m512d *a1)
{
    *a0 = _mm512_add_pd(*a0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    *a1 = _mm512_add_pd(*a1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
}

/* sum of exp(x - shift) in double (two lanes of 8 doubles), storing at y per `mode` (a constant
 * once inlined): 0 nothing, 1 exp(x - shift), 2 x - shift.  64 elements at a time the four exp
 * vectors are added in float ((e0 + e1) + (e2 + e3): positive terms, relative error < 2^-23),
 * then widened once */
AVX512_INLINE double expsum16(int64_t n, const float *x, float shift, float *y, const int mode)
{
    const __m512 sh = _mm512_set1_ps(shift);
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 d[4], e[4];
        for (int k = 0; k < 4; ++k) {
            d[k] = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16 * k), sh);
            e[k] = exp16(d[k]);
            if (mode)
                _mm512_storeu_ps(y + i + 16 * k, mode == 1 ? e[k] : d[k]);
        }
        acc16(_mm512_add_ps(_mm512_add_ps(e[0], e[1]), _mm512_add_ps(e[2], e[3])), &a0, &a1);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), sh), e = exp16(d);
        if (mode)
            _mm512_storeu_ps(y + i, mode == 1 ? e : d);
        acc16(e, &a0, &a1);
    }
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), sh);
        __m512 e = _mm512_maskz_mov_ps(m, exp16(d));                  /* 0 in unused lanes */
        if (mode)
            _mm512_mask_storeu_ps(y + i, m, mode == 1 ? e : d);
        acc16(e, &a0, &a1);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
}

/* y = exp(x - shift) (y may be NULL); returns the sum in double */
AVX512 double fg_vexpsum_f32_avx512(int64_t n, const float *x, float shift, float *y)
{
    return y ? expsum16(n, x, shift, y, 1) : expsum16(n, x, shift, NULL, 0);
}

/* y = x - shift; returns sum_i exp(x[i] - shift) in double */
AVX512 double fg_vexpsumd_f32_avx512(int64_t n, const float *x, float shift, float *y)
{
    return expsum16(n, x, shift, y, 2);
}

/* y = a exp(x) */
AVX512 void fg_vexpmul_f32_avx512(int64_t n, const float *x, float a, float *y)
{
    const __m512 aa = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_mul_ps(aa, exp16(_mm512_loadu_ps(x + i))));
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(aa, exp16(_mm512_maskz_loadu_ps(m, x + i))));
    }
}

/* dx = dy - exp(y) s */
AVX512 void fg_vdyexp_f32_avx512(int64_t n, const float *y, const float *dy, float s, float *dx)
{
    const __m512 ss = _mm512_set1_ps(s);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp16(_mm512_loadu_ps(y + i));
        _mm512_storeu_ps(dx + i, _mm512_sub_ps(_mm512_loadu_ps(dy + i), _mm512_mul_ps(e, ss)));
    }
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        __m512 e = exp16(_mm512_maskz_loadu_ps(m, y + i));
        _mm512_mask_storeu_ps(dx + i, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dy + i), _mm512_mul_ps(e, ss)));
    }
}

/* max of x[0..n) (n >= 1), NaN if any element is NaN (lanes past the end repeat x[0]) */
AVX512 float fg_vmax_f32_avx512(int64_t n, const float *x)
{
    const __m512 first = _mm512_set1_ps(x[0]);
    __m512 m = first;
    __mmask16 nan = 0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        m = _mm512_max_ps(v, m);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    }
    if (i < n) {
        __m512 v = _mm512_mask_loadu_ps(first, tail_mask16(n - i), x + i);
        m = _mm512_max_ps(v, m);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    }
    return nan ? NAN : _mm512_reduce_max_ps(m);
}

/* y = y r in float, r rounded to float first (as fg_vscale_f32_avx2) */
AVX512 void fg_vscale_f32_avx512(int64_t n, float *y, double r)
{
    const __m512 rr = _mm512_set1_ps((float)r);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), rr));
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), rr));
    }
}

/* y = (x - m) - l */
AVX512 void fg_vshift2_f32_avx512(int64_t n, const float *x, float m, float l, float *y)
{
    const __m512 mm = _mm512_set1_ps(m), ll = _mm512_set1_ps(l);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_sub_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), mm), ll));
    if (i < n) {
        __mmask16 k = tail_mask16(n - i);
        __m512 v = _mm512_sub_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mm), ll);
        _mm512_mask_storeu_ps(y + i, k, v);
    }
}
#endif /* FG_X86 */
