/* pointwise_avx2.c — AVX2+FMA float32 kernels of the pointwise family (pointwise.c selects them
 * through the tables at the bottom, at the AVX2 and AVX-512 levels).  The lanes: exp/log ones in
 * pointwise_avx2_explog.inc, trigonometric, hyperbolic and erf ones in pointwise_avx2_trig.inc
 * (Cephes-style fits, 1-3 ulp), the binary ones (fmod, remainder, hypot in double lanes; logaddexp),
 * digamma, sinc and rounding here, then the drivers, the kernels and the tables.  Lanes a polynomial
 * does not cover (|x| > 8192 for the trigonometric ones, zeros and infinities for atan2, ...) are
 * recomputed by the scalar formula, so every element gets the reference value there. */
#include <math.h>
#include "internal.h"
#include "pointwise.h"
#if FG_X86
#include <immintrin.h>

#define AVX2 FG_TARGET_AVX2_FMA
#define AVX2_INLINE static inline FG_TARGET_AVX2_FMA __attribute__((always_inline))
#define SET1 _mm256_set1_ps

#include "pointwise_avx2_explog.inc"
#include "pointwise_avx2_trig.inc"

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
