/* pointwise_avx2.c — AVX2+FMA float32 kernels of the pointwise family (pointwise.c selects them
 * through the tables at the bottom, at the AVX2 and AVX-512 levels).  Cephes-style polynomials
 * (sinf/cosf/tanf, logf, expf, atanf, sinhf, asinf: about 1-3 ulp) after Cody-Waite range reduction; erf/erfc
 * as math_avx2.c's (Taylor series below 1, Numerical Recipes' erfc fit above: < 1.2e-7 relative).
 * Lanes a polynomial does not cover (|x| > 8192 for the trigonometric ones, zeros and infinities
 * for atan2) are recomputed with libm, so every element gets the reference value there. */
#include <math.h>
#include "internal.h"
#include "pointwise.h"
#if FG_X86
#include <immintrin.h>

#define AVX2 FG_TARGET_AVX2_FMA
#define AVX2_INLINE static inline FG_TARGET_AVX2_FMA __attribute__((always_inline))
#define SET1 _mm256_set1_ps

/* lane mask selecting the first r (0..8) of 8 lanes */
AVX2_INLINE __m256i tail_mask(int64_t r)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* 2^k for integer lanes k in [-126, 127] */
AVX2_INLINE __m256 pow2i(__m256i k)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

/* e^r for |r| <= ln2/2 (Cephes expf's degree-7 fit) */
AVX2_INLINE __m256 exp_poly(__m256 r)
{
    __m256 p = SET1(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, SET1(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, SET1(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, SET1(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, SET1(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, SET1(5.0000001201e-1f));
    return _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, SET1(1.0f)));
}

/* p 2^n, applied in two halves (gradual underflow, overflow to inf) */
AVX2_INLINE __m256 scale2n(__m256 p, __m256 fn)
{
    __m256i n = _mm256_cvtps_epi32(fn), n1 = _mm256_srai_epi32(n, 1);
    return _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(_mm256_sub_epi32(n, n1)));
}

/* exp(x): n = round(x log2 e), r = x - n ln2 (two-part Cody-Waite); NaN propagates */
AVX2_INLINE __m256 exp_ps(__m256 x)
{
    x = _mm256_max_ps(SET1(-104.0f), _mm256_min_ps(SET1(89.0f), x));   /* NaN (2nd operand) kept */
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, SET1(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(fx, SET1(0.693359375f), x);
    r = _mm256_fnmadd_ps(fx, SET1(-2.12194440e-4f), r);
    return scale2n(exp_poly(r), fx);
}

/* 2^x = 2^n e^((x - n) ln2), n = round(x) (x - n exact) */
AVX2_INLINE __m256 exp2_ps(__m256 x)
{
    x = _mm256_max_ps(SET1(-151.0f), _mm256_min_ps(SET1(129.0f), x));
    __m256 fx = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 f = _mm256_sub_ps(x, fx);
    return scale2n(exp_poly(_mm256_mul_ps(f, SET1(0.69314718055994530942f))), fx);
}

/* e^x - 1: Taylor series to x^9 for |x| < 1/2 (no cancellation), exp(x) - 1 above */
AVX2_INLINE __m256 expm1_ps(__m256 x)
{
    __m256 p = SET1(1.0f / 362880.0f);
    p = _mm256_fmadd_ps(p, x, SET1(1.0f / 40320.0f));
    p = _mm256_fmadd_ps(p, x, SET1(1.0f / 5040.0f));
    p = _mm256_fmadd_ps(p, x, SET1(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, x, SET1(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, x, SET1(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, x, SET1(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, x, SET1(0.5f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, x), x, x);
    small = _mm256_or_ps(small, _mm256_and_ps(x, SET1(-0.0f)));    /* expm1(-0) = -0 */
    __m256 big = _mm256_sub_ps(exp_ps(x), SET1(1.0f));
    __m256 is_small = _mm256_cmp_ps(_mm256_andnot_ps(SET1(-0.0f), x), SET1(0.5f), _CMP_LT_OQ);
    return _mm256_blendv_ps(big, small, is_small);
}

/* log(x) = e ln2 + log(1 + f), x = 2^e (1 + f) with 1 + f in [sqrt(1/2), sqrt 2): returns log(1 + f)
 * (Cephes logf's fit) and e; the caller adds e in its base.  x must be positive and finite. */
AVX2_INLINE __m256 log_core(__m256 x, __m256 *e)
{
    __m256 den = _mm256_cmp_ps(x, SET1(1.17549435e-38f), _CMP_LT_OQ);   /* subnormal: scale by 2^23 */
    x = _mm256_blendv_ps(x, _mm256_mul_ps(x, SET1(8388608.0f)), den);
    __m256i bits = _mm256_castps_si256(x);
    __m256i ei = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(126));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                                   _mm256_set1_epi32(0x3f000000)));   /* [1/2, 1) */
    __m256 fe = _mm256_sub_ps(_mm256_cvtepi32_ps(ei), _mm256_and_ps(den, SET1(23.0f)));
    __m256 lt = _mm256_cmp_ps(m, SET1(0.707106781186547524f), _CMP_LT_OQ);
    fe = _mm256_sub_ps(fe, _mm256_and_ps(lt, SET1(1.0f)));
    __m256 f = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(lt, m)), SET1(1.0f));
    __m256 z = _mm256_mul_ps(f, f);
    __m256 p = SET1(7.0376836292e-2f);
    p = _mm256_fmadd_ps(p, f, SET1(-1.1514610310e-1f));
    p = _mm256_fmadd_ps(p, f, SET1(1.1676998740e-1f));
    p = _mm256_fmadd_ps(p, f, SET1(-1.2420140846e-1f));
    p = _mm256_fmadd_ps(p, f, SET1(1.4249322787e-1f));
    p = _mm256_fmadd_ps(p, f, SET1(-1.6668057665e-1f));
    p = _mm256_fmadd_ps(p, f, SET1(2.0000714765e-1f));
    p = _mm256_fmadd_ps(p, f, SET1(-2.4999993993e-1f));
    p = _mm256_fmadd_ps(p, f, SET1(3.3333331174e-1f));
    __m256 y = _mm256_fmadd_ps(SET1(-0.5f), z, _mm256_mul_ps(_mm256_mul_ps(p, f), z));
    *e = fe;
    return _mm256_add_ps(f, y);
}

/* the values of log at the edges: -inf at 0, NaN below 0 and at NaN, inf at inf */
AVX2_INLINE __m256 log_edges(__m256 x, __m256 r)
{
    r = _mm256_blendv_ps(r, SET1(-INFINITY), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
    r = _mm256_blendv_ps(r, SET1(NAN), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NGE_UQ));
    return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, SET1(INFINITY), _CMP_EQ_OQ));
}

/* log2(x) = e + log(1 + f) log2(e) */
AVX2_INLINE __m256 log2_ps(__m256 x)
{
    __m256 e, l = log_core(x, &e);
    return log_edges(x, _mm256_fmadd_ps(l, SET1(1.44269504088896341f), e));
}

/* log10(x) = e log10(2) + log(1 + f) log10(e), log10(2) split in two parts */
AVX2_INLINE __m256 log10_ps(__m256 x)
{
    __m256 e, l = log_core(x, &e);
    __m256 r = _mm256_fmadd_ps(e, SET1(2.48745663981195213739e-4f), _mm256_mul_ps(l, SET1(0.434294481903251827651f)));
    return log_edges(x, _mm256_fmadd_ps(e, SET1(0.30078125f), r));
}

/* x = q pi/2 + r, |r| <= pi/4 (three-part Cody-Waite, exact enough for |x| <= 8192) */
AVX2_INLINE __m256 reduce_pi2(__m256 x, __m256i *q)
{
    __m256 fq = _mm256_round_ps(_mm256_mul_ps(x, SET1(0.636619772367581343f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(fq, SET1(1.5703125f), x);
    r = _mm256_fnmadd_ps(fq, SET1(4.837512969970703125e-4f), r);
    r = _mm256_fnmadd_ps(fq, SET1(7.54978995489188216e-8f), r);
    *q = _mm256_cvtps_epi32(fq);
    return r;
}

/* sin and cos of r in [-pi/4, pi/4] (Cephes sinf / cosf fits) */
AVX2_INLINE __m256 sin_poly(__m256 r, __m256 z)
{
    __m256 p = _mm256_fmadd_ps(SET1(-1.9515295891e-4f), z, SET1(8.3321608736e-3f));
    p = _mm256_fmadd_ps(p, z, SET1(-1.6666654611e-1f));
    return _mm256_fmadd_ps(_mm256_mul_ps(p, z), r, r);
}

AVX2_INLINE __m256 cos_poly(__m256 z)
{
    __m256 p = _mm256_fmadd_ps(SET1(2.443315711809948e-5f), z, SET1(-1.388731625493765e-3f));
    p = _mm256_fmadd_ps(p, z, SET1(4.166664568298827e-2f));
    return _mm256_fmadd_ps(_mm256_mul_ps(p, z), z, _mm256_fnmadd_ps(SET1(0.5f), z, SET1(1.0f)));
}

/* sin(x) (shift 0) or cos(x) (shift 1): quadrant q + shift picks the polynomial (odd: cos) and
 * the sign (bit 1) */
AVX2_INLINE __m256 sincos_ps(__m256 x, int shift)
{
    __m256i q;
    __m256 sx = shift == 1 ? _mm256_setzero_ps() : _mm256_and_ps(x, SET1(-0.0f));  /* sin is odd, cos even */
    __m256 r = reduce_pi2(_mm256_andnot_ps(SET1(-0.0f), x), &q), z = _mm256_mul_ps(r, r);
    q = _mm256_add_epi32(q, _mm256_set1_epi32(shift));
    __m256 s = sin_poly(r, z), c = cos_poly(z);
    __m256 odd = _mm256_castsi256_ps(_mm256_slli_epi32(q, 31));
    __m256 v = _mm256_blendv_ps(s, c, odd);
    __m256 neg = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_srli_epi32(q, 1), 31));
    return _mm256_xor_ps(_mm256_xor_ps(v, neg), sx);
}

AVX2_INLINE __m256 sin_ps(__m256 x) { return sincos_ps(x, 0); }
AVX2_INLINE __m256 cos_ps(__m256 x) { return sincos_ps(x, 1); }
AVX2_INLINE __m256 negsin_ps(__m256 x) { return sincos_ps(x, 2); }    /* -sin x = sin(x + pi) */

/* tan(x): Cephes tanf's fit t(r) on [-pi/4, pi/4]; -1/t(r) in odd quadrants */
AVX2_INLINE __m256 tan_ps(__m256 x)
{
    __m256i q;
    __m256 r = reduce_pi2(_mm256_andnot_ps(SET1(-0.0f), x), &q), z = _mm256_mul_ps(r, r);   /* tan is odd */
    __m256 p = _mm256_fmadd_ps(SET1(9.38540185543e-3f), z, SET1(3.11992232697e-3f));
    p = _mm256_fmadd_ps(p, z, SET1(2.44301354525e-2f));
    p = _mm256_fmadd_ps(p, z, SET1(5.34112807005e-2f));
    p = _mm256_fmadd_ps(p, z, SET1(1.33387994085e-1f));
    p = _mm256_fmadd_ps(p, z, SET1(3.33331568548e-1f));
    __m256 t = _mm256_fmadd_ps(_mm256_mul_ps(p, z), r, r);
    __m256 odd = _mm256_castsi256_ps(_mm256_slli_epi32(q, 31));
    return _mm256_xor_ps(_mm256_blendv_ps(t, _mm256_div_ps(SET1(-1.0f), t), odd), _mm256_and_ps(x, SET1(-0.0f)));
}

AVX2_INLINE __m256 tan_grad(__m256 x)    /* 1 + tan^2 x */
{
    __m256 t = tan_ps(x);
    return _mm256_fmadd_ps(t, t, SET1(1.0f));
}

/* lanes the trigonometric reduction does not cover: 8192 < |x| < inf */
AVX2_INLINE __m256 trig_far(__m256 x)
{
    __m256 a = _mm256_andnot_ps(SET1(-0.0f), x);
    return _mm256_and_ps(_mm256_cmp_ps(a, SET1(8192.0f), _CMP_GT_OQ),
                         _mm256_cmp_ps(a, SET1(INFINITY), _CMP_LT_OQ));
}

/* erf(z) for |z| < 1 by its Taylor series (to z^23) and erfc(|z|) for |z| >= 1 by Numerical Recipes'
 * fit t exp(-z^2 + P(t)), t = 1/(1 + |z|/2), -z^2 split exactly with an FMA */
AVX2_INLINE __m256 erf_small(__m256 z)
{
    static const float ec[] = {
        -1.1283791670955126f / (39916800.0f * 23.0f), 1.1283791670955126f / (3628800.0f * 21.0f),
        -1.1283791670955126f / (362880.0f * 19.0f), 1.1283791670955126f / (40320.0f * 17.0f),
        -1.1283791670955126f / (5040.0f * 15.0f), 1.1283791670955126f / (720.0f * 13.0f),
        -1.1283791670955126f / (120.0f * 11.0f), 1.1283791670955126f / (24.0f * 9.0f),
        -1.1283791670955126f / (6.0f * 7.0f), 1.1283791670955126f / (2.0f * 5.0f),
        -1.1283791670955126f / 3.0f, 1.1283791670955126f};
    __m256 z2 = _mm256_mul_ps(z, z), p = SET1(ec[0]);
    for (int i = 1; i < 12; ++i)
        p = _mm256_fmadd_ps(p, z2, SET1(ec[i]));
    return _mm256_mul_ps(p, z);
}

AVX2_INLINE __m256 erfc_big(__m256 a)    /* a = |z| */
{
    const __m256 one = SET1(1.0f);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(SET1(0.5f), a, one));
    static const float c[] = {0.17087277f, -0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f,
                              -0.18628806f, 0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};
    __m256 p = SET1(c[0]);
    for (int i = 1; i < 10; ++i)
        p = _mm256_fmadd_ps(p, t, SET1(c[i]));
    __m256 ac = _mm256_min_ps(SET1(20.0f), a);
    __m256 ac2 = _mm256_mul_ps(ac, ac), lo = _mm256_fmsub_ps(ac, ac, ac2);
    /* t e^(-ac2) e^(P - lo): -ac2 is exact, so no rounding of a sum of size z^2 enters the exp */
    __m256 e = exp_ps(_mm256_xor_ps(ac2, SET1(-0.0f)));
    return _mm256_mul_ps(_mm256_mul_ps(t, e), exp_ps(_mm256_sub_ps(p, lo)));
}

AVX2_INLINE __m256 erf_ps(__m256 z)
{
    const __m256 sign = SET1(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, z);
    __m256 big = _mm256_or_ps(_mm256_sub_ps(SET1(1.0f), erfc_big(a)), _mm256_and_ps(z, sign));
    return _mm256_blendv_ps(big, erf_small(z), _mm256_cmp_ps(a, SET1(1.0f), _CMP_LT_OQ));
}

AVX2_INLINE __m256 erfc_ps(__m256 z)
{
    __m256 a = _mm256_andnot_ps(SET1(-0.0f), z);
    __m256 big = erfc_big(a);
    big = _mm256_blendv_ps(big, _mm256_sub_ps(SET1(2.0f), big), _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ));
    __m256 small = _mm256_sub_ps(SET1(1.0f), erf_small(z));    /* 1 - erf: no cancellation below 1/2 */
    return _mm256_blendv_ps(big, small, _mm256_cmp_ps(a, SET1(0.5f), _CMP_LT_OQ));
}

AVX2_INLINE __m256 erf_grad(__m256 x)    /* 2/sqrt(pi) exp(-x^2), x^2 = x2 + lo exactly: e^-x2 (1 - lo) */
{
    __m256 x2 = _mm256_mul_ps(x, x), lo = _mm256_fmsub_ps(x, x, x2);
    __m256 e = exp_ps(_mm256_xor_ps(x2, SET1(-0.0f)));
    return _mm256_mul_ps(SET1(1.12837916709551257390f), _mm256_fnmadd_ps(e, lo, e));
}

AVX2_INLINE __m256 erfc_grad(__m256 x) { return _mm256_xor_ps(erf_grad(x), SET1(-0.0f)); }
AVX2_INLINE __m256 exp2_grad(__m256 x) { return _mm256_mul_ps(exp2_ps(x), SET1(0.69314718055994530942f)); }
AVX2_INLINE __m256 expm1_grad(__m256 x) { return exp_ps(x); }    /* e^x (not expm1 + 1: no cancellation) */

/* atan(x) for x in [0, 1] (Cephes atanf: reduction at tan(pi/8), then its odd fit) */
AVX2_INLINE __m256 atan01(__m256 x)
{
    __m256 mid = _mm256_cmp_ps(x, SET1(0.4142135623730950f), _CMP_GT_OQ);
    __m256 xr = _mm256_blendv_ps(x, _mm256_div_ps(_mm256_sub_ps(x, SET1(1.0f)), _mm256_add_ps(x, SET1(1.0f))), mid);
    __m256 y0 = _mm256_and_ps(mid, SET1(0.78539816339744830962f));
    __m256 z = _mm256_mul_ps(xr, xr);
    __m256 p = _mm256_fmadd_ps(SET1(8.05374449538e-2f), z, SET1(-1.38776856032e-1f));
    p = _mm256_fmadd_ps(p, z, SET1(1.99777106478e-1f));
    p = _mm256_fmadd_ps(p, z, SET1(-3.33329491539e-1f));
    return _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, z), xr, xr), y0);
}

/* atan(x) = sign(x) (|x| <= 1 ? atan01(|x|) : pi/2 - atan01(1/|x|)) */
AVX2_INLINE __m256 atan_ps(__m256 x)
{
    const __m256 sign = SET1(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 big = _mm256_cmp_ps(a, SET1(1.0f), _CMP_GT_OQ);
    __m256 r = atan01(_mm256_blendv_ps(a, _mm256_div_ps(SET1(1.0f), a), big));
    r = _mm256_blendv_ps(r, _mm256_sub_ps(SET1(1.57079632679489661923f), r), big);
    return _mm256_or_ps(r, _mm256_and_ps(x, sign));
}

/* atan2(y, x) for finite non-zero y, x: atan of min/max of |y|, |x|, then the quadrant */
AVX2_INLINE __m256 atan2_ps(__m256 y, __m256 x)
{
    const __m256 sign = SET1(-0.0f);
    __m256 ay = _mm256_andnot_ps(sign, y), ax = _mm256_andnot_ps(sign, x);
    __m256 swap = _mm256_cmp_ps(ay, ax, _CMP_GT_OQ);
    __m256 r = atan01(_mm256_div_ps(_mm256_min_ps(ay, ax), _mm256_max_ps(ay, ax)));
    r = _mm256_blendv_ps(r, _mm256_sub_ps(SET1(1.57079632679489661923f), r), swap);
    r = _mm256_blendv_ps(r, _mm256_sub_ps(SET1(3.14159265358979323846f), r), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    return _mm256_or_ps(r, _mm256_and_ps(y, sign));
}

/* lanes atan2_ps does not cover: a zero, an infinity or a NaN in either operand */
AVX2_INLINE __m256 atan2_edge(__m256 y, __m256 x)
{
    const __m256 sign = SET1(-0.0f), zero = _mm256_setzero_ps(), inf = SET1(INFINITY);
    __m256 ay = _mm256_andnot_ps(sign, y), ax = _mm256_andnot_ps(sign, x);
    __m256 ok = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(ay, zero, _CMP_GT_OQ), _mm256_cmp_ps(ay, inf, _CMP_LT_OQ)),
                              _mm256_and_ps(_mm256_cmp_ps(ax, zero, _CMP_GT_OQ), _mm256_cmp_ps(ax, inf, _CMP_LT_OQ)));
    return _mm256_xor_ps(ok, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
}

/* sinh and cosh from h = e^(|x|/2) (|x|/2 exact): e^|x| = h h overflows only where sinh does;
 * sinh for |x| < 1 by Cephes sinhf's odd fit (no cancellation) */
AVX2_INLINE __m256 sinh_ps(__m256 x)
{
    const __m256 sign = SET1(-0.0f), half = SET1(0.5f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 h = exp_ps(_mm256_mul_ps(half, a));
    __m256 big = _mm256_sub_ps(_mm256_mul_ps(h, _mm256_mul_ps(h, half)), _mm256_div_ps(half, _mm256_mul_ps(h, h)));
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(SET1(2.03721912945e-4f), z, SET1(8.33028376239e-3f));
    p = _mm256_fmadd_ps(p, z, SET1(1.66667160211e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    big = _mm256_or_ps(big, _mm256_and_ps(x, sign));
    return _mm256_blendv_ps(big, small, _mm256_cmp_ps(a, SET1(1.0f), _CMP_LE_OQ));
}

AVX2_INLINE __m256 cosh_ps(__m256 x)
{
    const __m256 half = SET1(0.5f);
    __m256 h = exp_ps(_mm256_mul_ps(half, _mm256_andnot_ps(SET1(-0.0f), x)));
    return _mm256_add_ps(_mm256_mul_ps(h, _mm256_mul_ps(h, half)), _mm256_div_ps(half, _mm256_mul_ps(h, h)));
}

/* asin(a) for |a| <= 1/2 (Cephes asinf's odd fit) */
AVX2_INLINE __m256 asin_core(__m256 a)
{
    __m256 z = _mm256_mul_ps(a, a);
    __m256 p = _mm256_fmadd_ps(SET1(4.2163199048e-2f), z, SET1(2.4181311049e-2f));
    p = _mm256_fmadd_ps(p, z, SET1(4.5470025998e-2f));
    p = _mm256_fmadd_ps(p, z, SET1(7.4953002686e-2f));
    p = _mm256_fmadd_ps(p, z, SET1(1.6666752422e-1f));
    return _mm256_fmadd_ps(_mm256_mul_ps(p, z), a, a);
}

/* asin x = sign(x) (|x| <= 1/2 ? asin_core |x| : pi/2 - 2 asin_core(sqrt((1 - |x|)/2))); NaN beyond 1 */
AVX2_INLINE __m256 asin_ps(__m256 x)
{
    const __m256 sign = SET1(-0.0f), half = SET1(0.5f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 far = _mm256_cmp_ps(a, half, _CMP_GT_OQ);
    __m256 s = _mm256_sqrt_ps(_mm256_mul_ps(half, _mm256_sub_ps(SET1(1.0f), a)));
    __m256 r = asin_core(_mm256_blendv_ps(a, s, far));
    r = _mm256_blendv_ps(r, _mm256_fnmadd_ps(SET1(2.0f), r, SET1(1.57079632679489661923f)), far);
    return _mm256_or_ps(r, _mm256_and_ps(x, sign));
}

/* acos x = 2 asin_core(sqrt((1 - x)/2)) above 1/2, pi - that of -x below -1/2, pi/2 - asin_core x between */
AVX2_INLINE __m256 acos_ps(__m256 x)
{
    const __m256 half = SET1(0.5f), one = SET1(1.0f);
    __m256 hi = _mm256_cmp_ps(x, half, _CMP_GT_OQ), lo = _mm256_cmp_ps(x, SET1(-0.5f), _CMP_LT_OQ);
    __m256 s = _mm256_sqrt_ps(_mm256_mul_ps(half, _mm256_sub_ps(one, _mm256_andnot_ps(SET1(-0.0f), x))));
    __m256 far = _mm256_or_ps(hi, lo);
    __m256 r = asin_core(_mm256_blendv_ps(x, s, far));
    __m256 mid = _mm256_sub_ps(SET1(1.57079632679489661923f), r);
    __m256 twice = _mm256_add_ps(r, r);
    r = _mm256_blendv_ps(mid, twice, hi);
    return _mm256_blendv_ps(r, _mm256_sub_ps(SET1(3.14159265358979323846f), twice), lo);
}

/* log(x), all x (edges as libm) */
AVX2_INLINE __m256 log_ps(__m256 x)
{
    __m256 e, l = log_core(x, &e);
    __m256 r = _mm256_fmadd_ps(e, SET1(-2.12194440e-4f), l);
    return log_edges(x, _mm256_fmadd_ps(e, SET1(0.693359375f), r));
}

/* log(1 + u): log w, w = 1 + u, corrected by (u - (w - 1)) / w for the rounding of w */
AVX2_INLINE __m256 log1p_ps(__m256 u)
{
    const __m256 one = SET1(1.0f);
    __m256 w = _mm256_add_ps(one, u);
    __m256 c = _mm256_div_ps(_mm256_sub_ps(u, _mm256_sub_ps(w, one)), w);
    __m256 r = _mm256_add_ps(log_ps(w), c);
    __m256 tiny = _mm256_cmp_ps(_mm256_andnot_ps(SET1(-0.0f), u), SET1(5.9604645e-8f), _CMP_LT_OQ);
    r = _mm256_blendv_ps(r, u, tiny);                           /* w == 1: log1p(u) = u (keeps -0) */
    return _mm256_blendv_ps(r, u, _mm256_cmp_ps(u, SET1(INFINITY), _CMP_EQ_OQ));
}

/* atanh x = sign(x) log1p(2|x| / (1 - |x|)) / 2 */
AVX2_INLINE __m256 atanh_ps(__m256 x)
{
    const __m256 sign = SET1(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 r = _mm256_mul_ps(SET1(0.5f), log1p_ps(_mm256_div_ps(_mm256_add_ps(a, a), _mm256_sub_ps(SET1(1.0f), a))));
    return _mm256_or_ps(r, _mm256_and_ps(x, sign));
}

/* asinh x = sign(x) log1p(a + a^2 / (1 + sqrt(1 + a^2))), a = |x|; log(a) + ln 2 above 2^12 */
AVX2_INLINE __m256 asinh_ps(__m256 x)
{
    const __m256 sign = SET1(-0.0f), one = SET1(1.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 a2 = _mm256_mul_ps(a, a);
    __m256 r = log1p_ps(_mm256_add_ps(a, _mm256_div_ps(a2, _mm256_add_ps(one, _mm256_sqrt_ps(_mm256_add_ps(one, a2))))));
    __m256 big = _mm256_add_ps(log_ps(a), SET1(0.693147180559945309f));
    r = _mm256_blendv_ps(r, big, _mm256_cmp_ps(a, SET1(4096.0f), _CMP_GT_OQ));
    return _mm256_or_ps(r, _mm256_and_ps(x, sign));
}

/* acosh x = log1p(t + sqrt(2t + t^2)), t = x - 1 (exact near 1); log(x) + ln 2 above 2^12; NaN below 1 */
AVX2_INLINE __m256 acosh_ps(__m256 x)
{
    __m256 t = _mm256_sub_ps(x, SET1(1.0f));
    __m256 r = log1p_ps(_mm256_add_ps(t, _mm256_sqrt_ps(_mm256_fmadd_ps(t, t, _mm256_add_ps(t, t)))));
    __m256 big = _mm256_add_ps(log_ps(x), SET1(0.693147180559945309f));
    return _mm256_blendv_ps(r, big, _mm256_cmp_ps(x, SET1(4096.0f), _CMP_GT_OQ));
}

/* logit without eps: log(x / (1 - x)) */
AVX2_INLINE __m256 logit_ps(__m256 x)
{
    return log_ps(_mm256_div_ps(x, _mm256_sub_ps(SET1(1.0f), x)));
}

/* erfinv y: Giles' single-precision approximation (2010), w = -log((1 - y)(1 + y)); +-inf at +-1 */
AVX2_INLINE __m256 erfinv_ps(__m256 y)
{
    const __m256 one = SET1(1.0f);
    __m256 w = _mm256_xor_ps(log_ps(_mm256_mul_ps(_mm256_sub_ps(one, y), _mm256_add_ps(one, y))), SET1(-0.0f));
    __m256 wl = _mm256_sub_ps(w, SET1(2.5f));
    __m256 p = SET1(2.81022636e-08f);
    p = _mm256_fmadd_ps(p, wl, SET1(3.43273939e-07f));
    p = _mm256_fmadd_ps(p, wl, SET1(-3.5233877e-06f));
    p = _mm256_fmadd_ps(p, wl, SET1(-4.39150654e-06f));
    p = _mm256_fmadd_ps(p, wl, SET1(0.00021858087f));
    p = _mm256_fmadd_ps(p, wl, SET1(-0.00125372503f));
    p = _mm256_fmadd_ps(p, wl, SET1(-0.00417768164f));
    p = _mm256_fmadd_ps(p, wl, SET1(0.246640727f));
    p = _mm256_fmadd_ps(p, wl, SET1(1.50140941f));
    __m256 wh = _mm256_sub_ps(_mm256_sqrt_ps(w), SET1(3.0f));
    __m256 q = SET1(-0.000200214257f);
    q = _mm256_fmadd_ps(q, wh, SET1(0.000100950558f));
    q = _mm256_fmadd_ps(q, wh, SET1(0.00134934322f));
    q = _mm256_fmadd_ps(q, wh, SET1(-0.00367342844f));
    q = _mm256_fmadd_ps(q, wh, SET1(0.00573950773f));
    q = _mm256_fmadd_ps(q, wh, SET1(-0.0076224613f));
    q = _mm256_fmadd_ps(q, wh, SET1(0.00943887047f));
    q = _mm256_fmadd_ps(q, wh, SET1(1.00167406f));
    q = _mm256_fmadd_ps(q, wh, SET1(2.83297682f));
    __m256 r = _mm256_mul_ps(_mm256_blendv_ps(q, p, _mm256_cmp_ps(w, SET1(5.0f), _CMP_LT_OQ)), y);
    __m256 a = _mm256_andnot_ps(SET1(-0.0f), y);
    __m256 inf = _mm256_or_ps(SET1(INFINITY), _mm256_and_ps(y, SET1(-0.0f)));
    r = _mm256_blendv_ps(r, inf, _mm256_cmp_ps(a, one, _CMP_EQ_OQ));
    return _mm256_blendv_ps(r, SET1(NAN), _mm256_cmp_ps(a, one, _CMP_GT_OQ));
}

AVX2_INLINE __m256 erfinv_grad(__m256 y)    /* sqrt(pi)/2 e^(erfinv(y)^2) */
{
    __m256 x = erfinv_ps(y);
    return _mm256_mul_ps(SET1(0.88622692545275801365f), exp_ps(_mm256_mul_ps(x, x)));
}

/* fmod in double lanes: q = trunc(a / b), r = a - q b exact (q < 2^29, b of 24 bits), one step back
 * when a / b rounded up to the next integer; r takes the sign of a.  Lanes with |a / b| >= 2^29, b = 0
 * or a non-finite operand are left to libm (fmod_edge). */
AVX2_INLINE __m256d fmod_pd(__m256d a, __m256d b)
{
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d q = _mm256_round_pd(_mm256_div_pd(a, b), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(q, b, a);
    __m256d sa = _mm256_and_pd(a, sign);
    const __m256d zero = _mm256_setzero_pd();
    __m256d wrong = _mm256_and_pd(_mm256_cmp_pd(r, zero, _CMP_NEQ_OQ),
                                  _mm256_xor_pd(_mm256_cmp_pd(r, zero, _CMP_LT_OQ), _mm256_cmp_pd(a, zero, _CMP_LT_OQ)));
    __m256d back = _mm256_or_pd(_mm256_andnot_pd(sign, b), sa);                    /* |b| with a's sign */
    r = _mm256_blendv_pd(r, _mm256_add_pd(r, back), wrong);
    return _mm256_or_pd(r, sa);
}

AVX2_INLINE __m256 fmod_edge(__m256 a, __m256 b)
{
    const __m256 sign = SET1(-0.0f);
    __m256 aa = _mm256_andnot_ps(sign, a), ab = _mm256_andnot_ps(sign, b);
    __m256 ok = _mm256_and_ps(_mm256_cmp_ps(ab, _mm256_setzero_ps(), _CMP_GT_OQ),
                              _mm256_cmp_ps(ab, SET1(INFINITY), _CMP_LT_OQ));
    ok = _mm256_and_ps(ok, _mm256_cmp_ps(aa, _mm256_mul_ps(ab, SET1(536870912.0f)), _CMP_LT_OQ));
    return _mm256_xor_ps(ok, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
}

/* fmod (rem = 0) or torch's remainder (rem = 1: r + b when r != 0 and its sign differs from b's) */
AVX2_INLINE __m256 fmod_ps(__m256 a, __m256 b, int rem)
{
    __m256d lo_a = _mm256_cvtps_pd(_mm256_castps256_ps128(a)), hi_a = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    __m256d lo_b = _mm256_cvtps_pd(_mm256_castps256_ps128(b)), hi_b = _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1));
    __m256 r = _mm256_set_m128(_mm256_cvtpd_ps(fmod_pd(hi_a, hi_b)), _mm256_cvtpd_ps(fmod_pd(lo_a, lo_b)));
    if (rem) {
        const __m256 zero = _mm256_setzero_ps();
        __m256 fix = _mm256_and_ps(_mm256_cmp_ps(r, zero, _CMP_NEQ_OQ),
                                   _mm256_xor_ps(_mm256_cmp_ps(r, zero, _CMP_LT_OQ), _mm256_cmp_ps(b, zero, _CMP_LT_OQ)));
        r = _mm256_blendv_ps(r, _mm256_add_ps(r, b), fix);
    }
    return r;
}

AVX2_INLINE __m256 fmod0_ps(__m256 a, __m256 b) { return fmod_ps(a, b, 0); }
AVX2_INLINE __m256 remainder_ps(__m256 a, __m256 b) { return fmod_ps(a, b, 1); }

/* torch's remainder in scalar form (the edge lanes) */
static float remainderf_torch(float a, float b)
{
    float r = fmodf(a, b);
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

/* hypot in double lanes: sqrt(a^2 + b^2) cannot overflow or lose bits there; rounded once to float */
AVX2_INLINE __m256 hypot_ps(__m256 a, __m256 b)
{
    __m256d la = _mm256_cvtps_pd(_mm256_castps256_ps128(a)), ha = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    __m256d lb = _mm256_cvtps_pd(_mm256_castps256_ps128(b)), hb = _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1));
    __m256d l = _mm256_sqrt_pd(_mm256_fmadd_pd(la, la, _mm256_mul_pd(lb, lb)));
    __m256d h = _mm256_sqrt_pd(_mm256_fmadd_pd(ha, ha, _mm256_mul_pd(hb, hb)));
    return _mm256_set_m128(_mm256_cvtpd_ps(h), _mm256_cvtpd_ps(l));
}

/* lanes hypot_ps does not cover: an infinity (hypot(inf, NaN) = inf) */
AVX2_INLINE __m256 hypot_edge(__m256 a, __m256 b)
{
    const __m256 inf = SET1(INFINITY), sign = SET1(-0.0f);
    return _mm256_or_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, a), inf, _CMP_EQ_OQ),
                        _mm256_cmp_ps(_mm256_andnot_ps(sign, b), inf, _CMP_EQ_OQ));
}

/* logaddexp: max + log1p(e^-|a - b|); equal infinities give themselves (lanes left to the scalar form) */
AVX2_INLINE __m256 logaddexp_ps(__m256 a, __m256 b)
{
    __m256 m = _mm256_max_ps(a, b);
    __m256 d = _mm256_andnot_ps(SET1(-0.0f), _mm256_sub_ps(a, b));
    return _mm256_add_ps(m, log1p_ps(exp_ps(_mm256_xor_ps(d, SET1(-0.0f)))));
}

AVX2_INLINE __m256 logaddexp_edge(__m256 a, __m256 b)
{
    return _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(_mm256_andnot_ps(SET1(-0.0f), a), SET1(INFINITY), _CMP_EQ_OQ),
                                     _mm256_cmp_ps(_mm256_andnot_ps(SET1(-0.0f), b), SET1(INFINITY), _CMP_EQ_OQ)),
                        _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}

static float logaddexpf_torch(float a, float b)
{
    float m = a > b ? a : b;
    return isinf(a) && a == b ? a : m + log1pf(expf(-fabsf(a - b)));
}

/* sinc x = sin(pi x) / (pi x), 1 at 0; its derivative (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at 0 */
AVX2_INLINE __m256 sinc_ps(__m256 x)
{
    __m256 px = _mm256_mul_ps(SET1(3.14159265358979323846f), x);
    __m256 r = _mm256_div_ps(sin_ps(px), px);
    return _mm256_blendv_ps(r, SET1(1.0f), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
}

AVX2_INLINE __m256 sinc_grad(__m256 x)
{
    const __m256 pi = SET1(3.14159265358979323846f);
    __m256 px = _mm256_mul_ps(pi, x), sq = _mm256_mul_ps(_mm256_mul_ps(x, x), pi);
    __m256 r = _mm256_div_ps(_mm256_fmsub_ps(px, cos_ps(px), sin_ps(px)), sq);
    return _mm256_andnot_ps(_mm256_cmp_ps(sq, _mm256_setzero_ps(), _CMP_EQ_OQ), r);
}

/* pi x beyond the trigonometric reduction */
AVX2_INLINE __m256 sinc_far(__m256 x) { return trig_far(_mm256_mul_ps(SET1(3.14159265358979323846f), x)); }

/* digamma x for 0 < x < inf: six recurrence steps (psi(x) = psi(x + 1) - 1/x), then the asymptotic
 * series at x + 6 >= 6; other lanes go to the scalar fg_pw_digamma (digamma_edge) */
AVX2_INLINE __m256 digamma_ps(__m256 x)
{
    const __m256 one = SET1(1.0f);
    __m256 r = _mm256_setzero_ps();
    for (int k = 0; k < 6; ++k) {
        r = _mm256_sub_ps(r, _mm256_div_ps(one, x));
        x = _mm256_add_ps(x, one);
    }
    __m256 z = _mm256_div_ps(one, _mm256_mul_ps(x, x));
    __m256 p = _mm256_fnmadd_ps(z, SET1(1.0f / 132), SET1(1.0f / 240));
    p = _mm256_fnmadd_ps(z, p, SET1(1.0f / 252));
    p = _mm256_fnmadd_ps(z, p, SET1(1.0f / 120));
    p = _mm256_fnmadd_ps(z, p, SET1(1.0f / 12));
    __m256 y = _mm256_sub_ps(log_ps(x), _mm256_div_ps(SET1(0.5f), x));
    return _mm256_add_ps(r, _mm256_fnmadd_ps(z, p, y));
}

AVX2_INLINE __m256 digamma_edge(__m256 x)
{
    __m256 ok = _mm256_and_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ),
                              _mm256_cmp_ps(x, SET1(INFINITY), _CMP_LT_OQ));
    return _mm256_xor_ps(ok, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
}

static float digammaf_ref(float x) { return (float)fg_pw_digamma(x); }

/* logit' without eps: 1 / (x (1 - x)) (inf at 0 and 1), NaN outside [0, 1] */
AVX2_INLINE __m256 logit_grad(__m256 x)
{
    __m256 r = _mm256_div_ps(SET1(1.0f), _mm256_mul_ps(x, _mm256_sub_ps(SET1(1.0f), x)));
    __m256 out = _mm256_or_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ), _mm256_cmp_ps(x, SET1(1.0f), _CMP_GT_OQ));
    return _mm256_blendv_ps(r, SET1(NAN), out);
}

AVX2_INLINE __m256 floor_ps(__m256 x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
AVX2_INLINE __m256 ceil_ps(__m256 x) { return _mm256_round_ps(x, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
AVX2_INLINE __m256 round_ps(__m256 x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
AVX2_INLINE __m256 trunc_ps(__m256 x) { return _mm256_round_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
AVX2_INLINE __m256 frac_ps(__m256 x) { return _mm256_sub_ps(x, trunc_ps(x)); }

/* the drivers: 8 lanes at a time, the tail masked (each element gets the same arithmetic); `far`
 * (may be NULL) flags lanes recomputed by the scalar `ref` (inlined with f) */
AVX2_INLINE void map_ps(int64_t n, const float *x, float *y, __m256 (*f)(__m256), __m256 (*far)(__m256),
                        float (*ref)(float))
{
    int64_t i = 0;
    for (; i < n; i += 8) {
        __m256i m = tail_mask(n - i);
        __m256 v = i + 8 <= n ? _mm256_loadu_ps(x + i) : _mm256_maskload_ps(x + i, m);
        __m256 r = f(v);
        if (i + 8 <= n)
            _mm256_storeu_ps(y + i, r);
        else
            _mm256_maskstore_ps(y + i, m, r);
        if (far) {
            int bits = _mm256_movemask_ps(_mm256_and_ps(far(v), _mm256_castsi256_ps(m)));
            for (; bits; bits &= bits - 1)
                y[i + __builtin_ctz(bits)] = ref(x[i + __builtin_ctz(bits)]);
        }
    }
}

/* dx = dy f'(x), the same way; `ref` is the scalar f' */
AVX2_INLINE void grad_ps(int64_t n, const float *x, const float *dy, float *dx, __m256 (*df)(__m256),
                         __m256 (*far)(__m256), float (*ref)(float))
{
    int64_t i = 0;
    for (; i < n; i += 8) {
        __m256i m = tail_mask(n - i);
        int full = i + 8 <= n;
        __m256 v = full ? _mm256_loadu_ps(x + i) : _mm256_maskload_ps(x + i, m);
        __m256 d = full ? _mm256_loadu_ps(dy + i) : _mm256_maskload_ps(dy + i, m);
        __m256 r = _mm256_mul_ps(d, df(v));
        if (full)
            _mm256_storeu_ps(dx + i, r);
        else
            _mm256_maskstore_ps(dx + i, m, r);
        if (far) {
            int bits = _mm256_movemask_ps(_mm256_and_ps(far(v), _mm256_castsi256_ps(m)));
            for (; bits; bits &= bits - 1)
                dx[i + __builtin_ctz(bits)] = dy[i + __builtin_ctz(bits)] * ref(x[i + __builtin_ctz(bits)]);
        }
    }
}

static float negsinf(float x) { return -sinf(x); }
static float tan_gradf(float x) { float t = tanf(x); return 1.0f + t * t; }

AVX2 static void sin_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, sin_ps, trig_far, sinf); }
AVX2 static void cos_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, cos_ps, trig_far, cosf); }
AVX2 static void tan_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, tan_ps, trig_far, tanf); }
AVX2 static void atan_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, atan_ps, NULL, NULL); }
AVX2 static void exp2_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, exp2_ps, NULL, NULL); }
AVX2 static void expm1_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, expm1_ps, NULL, NULL); }
AVX2 static void log2_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, log2_ps, NULL, NULL); }
AVX2 static void log10_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, log10_ps, NULL, NULL); }
AVX2 static void erf_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, erf_ps, NULL, NULL); }
AVX2 static void erfc_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, erfc_ps, NULL, NULL); }
AVX2 static void sinh_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, sinh_ps, NULL, NULL); }
AVX2 static void cosh_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, cosh_ps, NULL, NULL); }
AVX2 static void asin_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, asin_ps, NULL, NULL); }
AVX2 static void acos_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, acos_ps, NULL, NULL); }
AVX2 static void atanh_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, atanh_ps, NULL, NULL); }
AVX2 static void asinh_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, asinh_ps, NULL, NULL); }
AVX2 static void acosh_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, acosh_ps, NULL, NULL); }
AVX2 static void logit_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, logit_ps, NULL, NULL); }
AVX2 static void erfinv_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, erfinv_ps, NULL, NULL); }
AVX2 static void digamma_fwd(int64_t n, const float *x, float *y)
{
    map_ps(n, x, y, digamma_ps, digamma_edge, digammaf_ref);
}
AVX2 static void floor_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, floor_ps, NULL, NULL); }
AVX2 static void ceil_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, ceil_ps, NULL, NULL); }
AVX2 static void round_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, round_ps, NULL, NULL); }
AVX2 static void trunc_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, trunc_ps, NULL, NULL); }
AVX2 static void frac_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, frac_ps, NULL, NULL); }

AVX2 static void sin_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, cos_ps, trig_far, cosf);
}
AVX2 static void cos_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, negsin_ps, trig_far, negsinf);
}
AVX2 static void tan_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, tan_grad, trig_far, tan_gradf);
}
AVX2 static void sinh_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, cosh_ps, NULL, NULL);
}
AVX2 static void cosh_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, sinh_ps, NULL, NULL);
}
AVX2 static void erfinv_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, erfinv_grad, NULL, NULL);
}
AVX2 static void lgamma_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, digamma_ps, digamma_edge, digammaf_ref);
}
AVX2 static void logit_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, logit_grad, NULL, NULL);
}
AVX2 static void exp2_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, exp2_grad, NULL, NULL);
}
AVX2 static void expm1_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, expm1_grad, NULL, NULL);
}
AVX2 static void erf_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, erf_grad, NULL, NULL);
}
AVX2 static void erfc_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, erfc_grad, NULL, NULL);
}

/* the binary driver: y = f(a, b), lanes flagged by `edge` recomputed by the scalar `ref` */
AVX2_INLINE void map2_ps(int64_t n, const float *a, const float *b, float *y, __m256 (*f)(__m256, __m256),
                         __m256 (*edge)(__m256, __m256), float (*ref)(float, float))
{
    for (int64_t i = 0; i < n; i += 8) {
        __m256i m = tail_mask(n - i);
        int full = i + 8 <= n;
        __m256 u = full ? _mm256_loadu_ps(a + i) : _mm256_maskload_ps(a + i, m);
        __m256 v = full ? _mm256_loadu_ps(b + i) : _mm256_maskload_ps(b + i, m);
        __m256 r = f(u, v);
        if (full)
            _mm256_storeu_ps(y + i, r);
        else
            _mm256_maskstore_ps(y + i, m, r);
        int bits = _mm256_movemask_ps(_mm256_and_ps(edge(u, v), _mm256_castsi256_ps(m)));
        for (; bits; bits &= bits - 1)
            y[i + __builtin_ctz(bits)] = ref(a[i + __builtin_ctz(bits)], b[i + __builtin_ctz(bits)]);
    }
}

AVX2 static void atan2_fwd(int64_t n, const float *a, const float *b, float *y)
{
    map2_ps(n, a, b, y, atan2_ps, atan2_edge, atan2f);
}
AVX2 static void fmod_fwd(int64_t n, const float *a, const float *b, float *y)
{
    map2_ps(n, a, b, y, fmod0_ps, fmod_edge, fmodf);
}
AVX2 static void remainder_fwd(int64_t n, const float *a, const float *b, float *y)
{
    map2_ps(n, a, b, y, remainder_ps, fmod_edge, remainderf_torch);
}
AVX2 static void hypot_fwd(int64_t n, const float *a, const float *b, float *y)
{
    map2_ps(n, a, b, y, hypot_ps, hypot_edge, hypotf);
}
AVX2 static void logaddexp_fwd(int64_t n, const float *a, const float *b, float *y)
{
    map2_ps(n, a, b, y, logaddexp_ps, logaddexp_edge, logaddexpf_torch);
}

/* logaddexp2: max + log1p(2^-|a - b|) / ln 2 */
AVX2_INLINE __m256 logaddexp2_ps(__m256 a, __m256 b)
{
    __m256 m = _mm256_max_ps(a, b);
    __m256 d = _mm256_andnot_ps(SET1(-0.0f), _mm256_sub_ps(a, b));
    __m256 l = log1p_ps(exp2_ps(_mm256_xor_ps(d, SET1(-0.0f))));
    return _mm256_add_ps(m, _mm256_div_ps(l, SET1(0.69314718055994530942f)));
}

static float logaddexp2f_torch(float a, float b)
{
    float m = a > b ? a : b;
    return isinf(a) && a == b ? a : m + log1pf(exp2f(-fabsf(a - b))) / 0.69314718055994530942f;
}

AVX2 static void logaddexp2_fwd(int64_t n, const float *a, const float *b, float *y)
{
    map2_ps(n, a, b, y, logaddexp2_ps, logaddexp_edge, logaddexp2f_torch);
}

/* the binary backward driver: (da, db) = dy (fa, fb)(a, b), f computing both factors; NULL outputs skipped */
AVX2_INLINE void grad2_ps(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db,
                          void (*f)(__m256, __m256, __m256 *, __m256 *))
{
    for (int64_t i = 0; i < n; i += 8) {
        __m256i m = tail_mask(n - i);
        int full = i + 8 <= n;
        __m256 u = full ? _mm256_loadu_ps(a + i) : _mm256_maskload_ps(a + i, m);
        __m256 v = full ? _mm256_loadu_ps(b + i) : _mm256_maskload_ps(b + i, m);
        __m256 g = full ? _mm256_loadu_ps(dy + i) : _mm256_maskload_ps(dy + i, m);
        __m256 fa, fb;
        f(u, v, &fa, &fb);
        fa = _mm256_mul_ps(g, fa);
        fb = _mm256_mul_ps(g, fb);
        if (da) {
            if (full)
                _mm256_storeu_ps(da + i, fa);
            else
                _mm256_maskstore_ps(da + i, m, fa);
        }
        if (db) {
            if (full)
                _mm256_storeu_ps(db + i, fb);
            else
                _mm256_maskstore_ps(db + i, m, fb);
        }
    }
}

/* the factors, in the reference loop's order of operations */
AVX2_INLINE void atan2_grad(__m256 a, __m256 b, __m256 *fa, __m256 *fb)
{
    __m256 r = _mm256_div_ps(SET1(1.0f), _mm256_add_ps(_mm256_mul_ps(a, a), _mm256_mul_ps(b, b)));
    *fa = _mm256_mul_ps(b, r);
    *fb = _mm256_mul_ps(_mm256_xor_ps(a, SET1(-0.0f)), r);
}

AVX2_INLINE void logaddexp_grad(__m256 a, __m256 b, __m256 *fa, __m256 *fb)
{
    const __m256 one = SET1(1.0f);
    *fa = _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(b, a))));
    *fb = _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(a, b))));
}

AVX2_INLINE void logaddexp2_grad(__m256 a, __m256 b, __m256 *fa, __m256 *fb)
{
    const __m256 one = SET1(1.0f);
    *fa = _mm256_div_ps(one, _mm256_add_ps(one, exp2_ps(_mm256_sub_ps(b, a))));
    *fb = _mm256_div_ps(one, _mm256_add_ps(one, exp2_ps(_mm256_sub_ps(a, b))));
}

AVX2_INLINE void hypot_grad(__m256 a, __m256 b, __m256 *fa, __m256 *fb)
{
    __m256 h = hypot_ps(a, b);
    *fa = _mm256_div_ps(a, h);
    *fb = _mm256_div_ps(b, h);
}

AVX2_INLINE void fmod_grad(__m256 a, __m256 b, __m256 *fa, __m256 *fb)
{
    *fa = SET1(1.0f);
    *fb = _mm256_xor_ps(trunc_ps(_mm256_div_ps(a, b)), SET1(-0.0f));
}

AVX2_INLINE void remainder_grad(__m256 a, __m256 b, __m256 *fa, __m256 *fb)
{
    *fa = SET1(1.0f);
    *fb = _mm256_xor_ps(floor_ps(_mm256_div_ps(a, b)), SET1(-0.0f));
}

AVX2 static void atan2_bwd(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db)
{
    grad2_ps(n, a, b, dy, da, db, atan2_grad);
}
AVX2 static void logaddexp_bwd(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db)
{
    grad2_ps(n, a, b, dy, da, db, logaddexp_grad);
}
AVX2 static void logaddexp2_bwd(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db)
{
    grad2_ps(n, a, b, dy, da, db, logaddexp2_grad);
}
AVX2 static void hypot_bwd(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db)
{
    grad2_ps(n, a, b, dy, da, db, hypot_grad);
}
AVX2 static void fmod_bwd(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db)
{
    grad2_ps(n, a, b, dy, da, db, fmod_grad);
}
AVX2 static void remainder_bwd(int64_t n, const float *a, const float *b, const float *dy, float *da, float *db)
{
    grad2_ps(n, a, b, dy, da, db, remainder_grad);
}

/* the scalar sinc and its derivative for the far lanes (the reference loop's formulas) */
static float sincf_ref(float x)
{
    float px = 3.14159265358979323846f * x;
    return x == 0 ? 1.0f : sinf(px) / px;
}

static float sinc_gradf(float x)
{
    float px = 3.14159265358979323846f * x, sq = x * x * 3.14159265358979323846f;
    return sq == 0 ? 0.0f : (px * cosf(px) - sinf(px)) / sq;
}

AVX2 static void sinc_fwd(int64_t n, const float *x, float *y) { map_ps(n, x, y, sinc_ps, sinc_far, sincf_ref); }
AVX2 static void sinc_bwd(int64_t n, const float *x, const float *dy, float *dx)
{
    grad_ps(n, x, dy, dx, sinc_grad, sinc_far, sinc_gradf);
}

const fg_pw_fwd_fn_f32 fg_pw_fwd_avx2_f32[FG_PW_COUNT] = {
    [FG_PW_SIN] = sin_fwd, [FG_PW_COS] = cos_fwd, [FG_PW_TAN] = tan_fwd, [FG_PW_ATAN] = atan_fwd,
    [FG_PW_EXP2] = exp2_fwd, [FG_PW_EXPM1] = expm1_fwd, [FG_PW_LOG2] = log2_fwd, [FG_PW_LOG10] = log10_fwd,
    [FG_PW_ERF] = erf_fwd, [FG_PW_ERFC] = erfc_fwd, [FG_PW_FLOOR] = floor_fwd, [FG_PW_CEIL] = ceil_fwd,
    [FG_PW_ROUND] = round_fwd, [FG_PW_TRUNC] = trunc_fwd, [FG_PW_FRAC] = frac_fwd, [FG_PW_SINH] = sinh_fwd,
    [FG_PW_COSH] = cosh_fwd, [FG_PW_ASIN] = asin_fwd, [FG_PW_ACOS] = acos_fwd, [FG_PW_ATANH] = atanh_fwd,
    [FG_PW_ASINH] = asinh_fwd, [FG_PW_ACOSH] = acosh_fwd, [FG_PW_LOGIT] = logit_fwd, [FG_PW_ERFINV] = erfinv_fwd,
    [FG_PW_SINC] = sinc_fwd, [FG_PW_DIGAMMA] = digamma_fwd,
};
const fg_pw_bwd_fn_f32 fg_pw_bwd_avx2_f32[FG_PW_COUNT] = {
    [FG_PW_SIN] = sin_bwd, [FG_PW_COS] = cos_bwd, [FG_PW_TAN] = tan_bwd, [FG_PW_EXP2] = exp2_bwd,
    [FG_PW_EXPM1] = expm1_bwd, [FG_PW_ERF] = erf_bwd, [FG_PW_ERFC] = erfc_bwd, [FG_PW_SINH] = sinh_bwd,
    [FG_PW_COSH] = cosh_bwd, [FG_PW_ERFINV] = erfinv_bwd, [FG_PW_SINC] = sinc_bwd,
    [FG_PW_LGAMMA] = lgamma_bwd, [FG_PW_LOGIT] = logit_bwd,
};
const fg_pw2_fwd_fn_f32 fg_pw2_fwd_avx2_f32[FG_PW2_COUNT] = {
    [FG_PW2_ATAN2] = atan2_fwd, [FG_PW2_FMOD] = fmod_fwd, [FG_PW2_REMAINDER] = remainder_fwd,
    [FG_PW2_HYPOT] = hypot_fwd, [FG_PW2_LOGADDEXP] = logaddexp_fwd, [FG_PW2_LOGADDEXP2] = logaddexp2_fwd,
};
const fg_pw2_bwd_fn_f32 fg_pw2_bwd_avx2_f32[FG_PW2_COUNT] = {
    [FG_PW2_ATAN2] = atan2_bwd, [FG_PW2_FMOD] = fmod_bwd, [FG_PW2_REMAINDER] = remainder_bwd,
    [FG_PW2_HYPOT] = hypot_bwd, [FG_PW2_LOGADDEXP] = logaddexp_bwd, [FG_PW2_LOGADDEXP2] = logaddexp2_bwd,
};
#endif /* FG_X86 */
