/* math_avx2.c — the AVX2+FMA maths library: float32 kernels for the transcendental activations
 * and the exp, max and dot used by softmax / log_softmax / cross-entropy (declared in
 * math_avx2.h).  Compiled for the baseline target; every function carries FG_TARGET_AVX2_FMA and
 * runs only through the AVX2 tables of rowmath.h and activation.c.  Polynomials: expf_fit.h's exp
 * (1.16 ulp; tanh from its expm1, about 2 ulp); gelu's normal cdf through a fit of erfcx (gelu.h). */
#include <math.h>
#include "math_avx2.h"
#include "gelu.h"
#include "expf_fit.h"
#if FG_X86
#include <immintrin.h>

#define AVX2 FG_TARGET_AVX2_FMA
#define AVX2_INLINE static inline FG_TARGET_AVX2_FMA __attribute__((always_inline))

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

/* the reduction of expf_fit.h: returns r = x - n ln2 (Cody-Waite); *big holds n + 127 in its low
 * bits (shifted left by 23: the float 2^n) and *fn the float n */
AVX2_INLINE __m256 exp_reduce_ps(__m256 x, __m256 *big, __m256 *fn)
{
    const __m256 m = _mm256_set1_ps(FG_EXPF_M);
    *big = _mm256_fmadd_ps(x, _mm256_set1_ps(FG_EXPF_LOG2E), m);
    *fn = _mm256_sub_ps(*big, m);
    __m256 r = _mm256_fnmadd_ps(*fn, _mm256_set1_ps(FG_EXPF_LN2_HI), x);
    return _mm256_fnmadd_ps(*fn, _mm256_set1_ps(FG_EXPF_LN2_LO), r);
}

/* q(r) = e^r - 1 = r + r^2 (C2 + C3 r + ... + C6 r^4), |r| <= ln2/2 (expf_fit.h) */
AVX2_INLINE __m256 expm1_poly_ps(__m256 r)
{
    __m256 p = _mm256_set1_ps(FG_EXPF_C6);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FG_EXPF_C5));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FG_EXPF_C4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FG_EXPF_C3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(FG_EXPF_C2));
    return _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
}

/* the float 2^n from the reduction's big (n in [-126, 127]) */
AVX2_INLINE __m256 pow2_of_big(__m256 big)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(big), 23));
}

/* exp(x) for any x: clamped to [-104, 89], (1 + q) 2^n with 2^n applied in two halves, so
 * results underflow gradually (one rounding: the first half-scaling is exact) and overflow to
 * inf; NaN propagates.  Not inlined: exp_ps calls it for the rare vector with such a lane */
static FG_TARGET_AVX2_FMA __attribute__((noinline)) __m256 exp_edge_ps(__m256 x)
{
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);      /* NaN in the 2nd operand is kept */
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
    __m256 big, fn;
    __m256 p = _mm256_add_ps(expm1_poly_ps(exp_reduce_ps(x, &big, &fn)), _mm256_set1_ps(1.0f));
    __m256i n = _mm256_cvtps_epi32(fn);
    __m256i n1 = _mm256_srai_epi32(n, 1);
    return _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(_mm256_sub_epi32(n, n1)));
}

/* exp(x) = fma(q, 2^n, 2^n): right for x in [FG_EXPF_LO, FG_EXPF_HI] (a normal result, one
 * rounding, as exp_edge_ps) and for NaN; callers send vectors with other lanes to exp_edge_ps */
AVX2_INLINE __m256 exp_fast_ps(__m256 x)
{
    __m256 big, fn;
    __m256 q = expm1_poly_ps(exp_reduce_ps(x, &big, &fn));
    __m256 s = pow2_of_big(big);
    return _mm256_fmadd_ps(q, s, s);
}

/* exp(x): exp_fast_ps when every lane is in [-87.3, 88.3], else exp_edge_ps for the whole vector.
 * 0.23 ns per element on Zen 4 at AVX2 (Cephes' form with the half-scalings on every vector: 0.37) */
AVX2_INLINE __m256 exp_ps(__m256 x)
{
    __m256 d = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(x, _mm256_set1_ps(FG_EXPF_MID)));
    __m256 fast = _mm256_cmp_ps(d, _mm256_set1_ps(FG_EXPF_HALF), _CMP_LE_OQ);   /* NaN: not fast */
    if (__builtin_expect(_mm256_movemask_ps(fast) != 0xff, 0))
        return exp_edge_ps(x);
    return exp_fast_ps(x);
}

/* e[k] = exp_ps(d[k]), k < 4: a block of expsum_ps with a lane off the fast path (out of line, so
 * that the hot loop holds no call: around one, its constants and sums went through the stack) */
static FG_TARGET_AVX2_FMA __attribute__((noinline)) void exp4_edge_ps(const __m256 *d, __m256 *e)
{
    for (int k = 0; k < 4; ++k)
        e[k] = exp_ps(d[k]);
}

/* 1 / (1 + exp(-x)) */
AVX2_INLINE __m256 sigmoid_ps(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = exp_ps(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

/* tanh(x) = sign(x) em / (em + 2), em = expm1(2|x|): 2|x| (clamped to 20, where tanh is 1 in
 * float) reduced as in exp_ps, em = 2^n q(r) + (2^n - 1), n in [0, 29] (q = e^r - 1: no 1 + r to
 * cancel).  About 2 ulp */
AVX2_INLINE __m256 tanh_ps(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 u = _mm256_min_ps(_mm256_set1_ps(20.0f), _mm256_add_ps(a, a));   /* NaN is kept */
    __m256 big, fn;
    __m256 q = expm1_poly_ps(exp_reduce_ps(u, &big, &fn));
    __m256 s = pow2_of_big(big);
    __m256 em = _mm256_fmadd_ps(s, q, _mm256_sub_ps(s, one));
    __m256 t = _mm256_div_ps(em, _mm256_add_ps(em, _mm256_set1_ps(2.0f)));
    return _mm256_or_ps(t, _mm256_and_ps(x, sign));
}

/* 2^u, u <= 0 (below -200: 0; NaN propagates).  n = round(u) by adding M = 1.5 2^23 + 227, whose
 * float then holds n + 227 in its low bits: shifted into the exponent field that is 2^(n + 100),
 * a normal number for n in [-200, 0].  2^(u - n) 2^-100 by gelu.h's degree-6 fit with its
 * coefficients scaled by 2^-100 (exact: every value stays normal), times 2^(n + 100): one rounding,
 * so gradual underflow as vscalefps */
AVX2_INLINE __m256 exp2_neg_ps(__m256 u)
{
    const __m256 magic = _mm256_set1_ps(12583139.0f);                  /* 1.5 2^23 + 227 */
#define P(c) _mm256_set1_ps((c) * 7.88860905e-31f)                      /* c 2^-100 */
    u = _mm256_max_ps(_mm256_set1_ps(-200.0f), u);
    __m256 big = _mm256_add_ps(u, magic);
    __m256 f = _mm256_sub_ps(u, _mm256_sub_ps(big, magic));
    __m256 p = P(FG_EXP2_P6);
    p = _mm256_fmadd_ps(p, f, P(FG_EXP2_P5));
    p = _mm256_fmadd_ps(p, f, P(FG_EXP2_P4));
    p = _mm256_fmadd_ps(p, f, P(FG_EXP2_P3));
    p = _mm256_fmadd_ps(p, f, P(FG_EXP2_P2));
    p = _mm256_fmadd_ps(p, f, P(FG_EXP2_P1));
    p = _mm256_fmadd_ps(p, f, P(1.0f));
#undef P
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(big), 23)));
}

/* the lower tail of the normal, h = Phi(-|x|) = e t Q(t) / 2 with e = exp(-x^2/2) = 2^(K x^2),
 * t = 1/(1 + 0.3 |x|/sqrt2) and Q gelu.h's fit of erfcx; e is returned too (the backward's pdf).
 * No cancellation anywhere: Phi(x) = h for x < 0 and 1 - h (h <= 1/2) for x >= 0. */
AVX2_INLINE __m256 normal_tail_ps(__m256 x, __m256 *e)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(FG_GELU_P), a, one));
    __m256 q = _mm256_set1_ps(0.5f * FG_GELU_Q8);
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q7));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q6));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q5));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q4));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q3));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q2));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q1));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.5f * FG_GELU_Q0));
    *e = exp2_neg_ps(_mm256_mul_ps(_mm256_mul_ps(x, x), _mm256_set1_ps(FG_GELU_K)));
    return _mm256_mul_ps(*e, _mm256_mul_ps(t, q));
}

/* Phi(x) from the tail h: h where x's sign bit is set (x < 0; at -0 both are 1/2), else 1 - h
 * (NaN stays NaN: h is NaN) */
AVX2_INLINE __m256 normal_cdf_ps(__m256 x, __m256 h)
{
    return _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), h), h, x);
}

/* gelu exact, y = x Phi(x) */
AVX2_INLINE __m256 gelu_exact_ps(__m256 x)
{
    __m256 e;
    return _mm256_mul_ps(x, normal_cdf_ps(x, normal_tail_ps(x, &e)));
}

/* gelu exact derivative: Phi(x) + x phi(x), phi(x) = e / sqrt(2 pi)
 * (gelu'(inf) = inf * 0 = NaN, as the reference loop) */
AVX2_INLINE __m256 gelu_exact_grad_ps(__m256 x)
{
    __m256 e;
    __m256 cdf = normal_cdf_ps(x, normal_tail_ps(x, &e));
    return _mm256_fmadd_ps(x, _mm256_mul_ps(_mm256_set1_ps(0.39894228040143267794f), e), cdf);
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

/* d/dx of the tanh form without cancellation: with e = exp(-2u), s = 1/(1 + e) = (1 + tanh u)/2,
 * 1 - tanh^2 u = 4 e s^2, so  d/dx = s (1 + 2 x (e s) u'),  u' = sqrt(2/pi)(1 + 3 0.044715 x^2);
 * e s = e/(1 + e) is taken as min(e s, 1) so e = inf (x << 0) gives s = 0, not inf * 0 */
AVX2_INLINE __m256 gelu_tanh_grad_ps(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f), k = _mm256_set1_ps(0.79788456080286535588f);
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 u = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(0.044715f), x2), x, x));
    __m256 e = exp_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), u));
    __m256 s = _mm256_div_ps(one, _mm256_add_ps(one, e));
    __m256 es = _mm256_min_ps(_mm256_mul_ps(e, s), one);          /* NaN (inf * 0) -> 1 */
    __m256 du = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_set1_ps(3.0f * 0.044715f), x2, one));
    __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_add_ps(x, x), es), du);
    return _mm256_fmadd_ps(s, t, s);
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

/* the backward driver: dx[i] = dy[i] * f'(x[i]), 8 lanes at a time, the tail masked */
AVX2_INLINE void map_grad_ps(int64_t n, const float *x, const float *dy, float *dx,
                             __m256 (*df)(__m256))
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), df(_mm256_loadu_ps(x + i))));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 g = _mm256_mul_ps(_mm256_maskload_ps(dy + i, m), df(_mm256_maskload_ps(x + i, m)));
        _mm256_maskstore_ps(dx + i, m, g);
    }
}

AVX2 void fg_gelu_bwd_f32_avx2(int64_t n, const float *x, const float *dy, float *dx, int approximate)
{
    if (approximate)
        map_grad_ps(n, x, dy, dx, gelu_tanh_grad_ps);
    else
        map_grad_ps(n, x, dy, dx, gelu_exact_grad_ps);
}

/* one row of the fused backward: dx[j] = dy[j] f'(x[j]) (as map_grad_ps) and acc[j] += dx[j] in
 * double, 8 lanes at a time, the tail masked */
AVX2_INLINE void grad_acc_row_ps(int64_t n, const float *x, const float *dy, float *dx, double *acc,
                                 __m256 (*df)(__m256))
{
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dy + j), df(_mm256_loadu_ps(x + j)));
        _mm256_storeu_ps(dx + j, g);
        _mm256_storeu_pd(acc + j, _mm256_add_pd(_mm256_loadu_pd(acc + j), _mm256_cvtps_pd(_mm256_castps256_ps128(g))));
        _mm256_storeu_pd(acc + j + 4,
                         _mm256_add_pd(_mm256_loadu_pd(acc + j + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(g, 1))));
    }
    if (j < n) {
        __m256i m = tail_mask(n - j);
        __m256 g = _mm256_mul_ps(_mm256_maskload_ps(dy + j, m), df(_mm256_maskload_ps(x + j, m)));
        _mm256_maskstore_ps(dx + j, m, g);
        float lanes[8];
        _mm256_storeu_ps(lanes, g);
        for (int64_t r = 0; r < n - j; ++r)
            acc[j + r] += lanes[r];
    }
}

AVX2 void fg_gelu_bwd_acc_f32_avx2(int64_t m, int64_t n, int64_t ld, const float *x, const float *dy, float *dx,
                                   double *acc, int approximate)
{
    for (int64_t i = 0; i < m; ++i) {
        if (approximate)
            grad_acc_row_ps(n, x + i * ld, dy + i * ld, dx + i * ld, acc, gelu_tanh_grad_ps);
        else
            grad_acc_row_ps(n, x + i * ld, dy + i * ld, dx + i * ld, acc, gelu_exact_grad_ps);
    }
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

/* sum of exp(x - shift) with double accumulators (two lanes of 4 doubles), storing at y per
 * `mode` (a constant once inlined): 0 nothing, 1 exp(x - shift), 2 x - shift.  32 elements at a
 * time the four exp vectors are first added in float ((e0 + e1) + (e2 + e3): positive terms,
 * relative error < 2^-23), then widened: the widening cost 0.17 of the 0.55 ns per element of
 * this loop on Zen 4 when done per vector.  The 4 vectors' range is checked once (exp_ps checks
 * each: 0.37 ns per element for this loop, 0.27 so) */
AVX2_INLINE double expsum_ps(int64_t n, const float *x, float shift, float *y, const int mode)
{
    const __m256 sh = _mm256_set1_ps(shift);
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d[4], e[4];
        for (int k = 0; k < 4; ++k) {
            d[k] = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8 * k), sh);
            e[k] = exp_fast_ps(d[k]);
        }
        /* one range check for the 4 vectors (a NaN lost by min/max is NaN on the fast path too) */
        __m256 lo = _mm256_min_ps(_mm256_min_ps(d[0], d[1]), _mm256_min_ps(d[2], d[3]));
        __m256 hi = _mm256_max_ps(_mm256_max_ps(d[0], d[1]), _mm256_max_ps(d[2], d[3]));
        __m256 fast = _mm256_and_ps(_mm256_cmp_ps(lo, _mm256_set1_ps(FG_EXPF_LO), _CMP_GE_OQ),
                                    _mm256_cmp_ps(hi, _mm256_set1_ps(FG_EXPF_HI), _CMP_LE_OQ));
        if (__builtin_expect(_mm256_movemask_ps(fast) != 0xff, 0))
            exp4_edge_ps(d, e);
        if (mode)
            for (int k = 0; k < 4; ++k)
                _mm256_storeu_ps(y + i + 8 * k, mode == 1 ? e[k] : d[k]);
        __m256 s = _mm256_add_ps(_mm256_add_ps(e[0], e[1]), _mm256_add_ps(e[2], e[3]));
        acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(s)));
        acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(s, 1)));
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), sh), e = exp_ps(d);
        if (mode)
            _mm256_storeu_ps(y + i, mode == 1 ? e : d);
        acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(x + i, m), sh);
        __m256 e = _mm256_and_ps(exp_ps(d), _mm256_castsi256_ps(m));    /* 0 in unused lanes */
        if (mode)
            _mm256_maskstore_ps(y + i, m, mode == 1 ? e : d);
        acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(acc0, acc1));
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

AVX2 double fg_vexpsum_f32_avx2(int64_t n, const float *x, float shift, float *y)
{
    return y ? expsum_ps(n, x, shift, y, 1) : expsum_ps(n, x, shift, NULL, 0);
}

/* y = x - shift; returns sum_i exp(x[i] - shift) in double */
AVX2 double fg_vexpsumd_f32_avx2(int64_t n, const float *x, float shift, float *y)
{
    return expsum_ps(n, x, shift, y, 2);
}

/* max of x[0..n) (n >= 1), NaN if any element is NaN (lanes: max_ps plus an unordered flag) */
AVX2 float fg_vmax_f32_avx2(int64_t n, const float *x)
{
    __m256 m = _mm256_set1_ps(x[0]), nan = _mm256_setzero_ps();
    int64_t i = 0;
    if (n >= 32) {      /* four running maxima: one max_ps after another took 2 cycles per vector */
        __m256 m1 = m, m2 = m, m3 = m;
        for (; i + 32 <= n; i += 32) {
            __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
            __m256 v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);
            m = _mm256_max_ps(v0, m);
            m1 = _mm256_max_ps(v1, m1);
            m2 = _mm256_max_ps(v2, m2);
            m3 = _mm256_max_ps(v3, m3);
            __m256 u = _mm256_or_ps(_mm256_cmp_ps(v0, v1, _CMP_UNORD_Q), _mm256_cmp_ps(v2, v3, _CMP_UNORD_Q));
            nan = _mm256_or_ps(nan, u);
        }
        m = _mm256_max_ps(_mm256_max_ps(m, m1), _mm256_max_ps(m2, m3));
    }
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        m = _mm256_max_ps(v, m);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    if (i < n) {    /* lanes past the end repeat x[0] (already in m) */
        __m256i k = tail_mask(n - i);
        __m256 v = _mm256_blendv_ps(_mm256_set1_ps(x[0]), _mm256_maskload_ps(x + i, k),
                                    _mm256_castsi256_ps(k));
        m = _mm256_max_ps(v, m);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    if (!_mm256_testz_ps(nan, nan))
        return NAN;
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
}

AVX2 double fg_vmax_f64_avx2(int64_t n, const double *x)
{
    __m256d m = _mm256_set1_pd(x[0]), nan = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d v = _mm256_loadu_pd(x + i);
        m = _mm256_max_pd(v, m);
        nan = _mm256_or_pd(nan, _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
    }
    for (; i < n; ++i) {
        __m256d v = _mm256_set1_pd(x[i]);
        m = _mm256_max_pd(v, m);
        nan = _mm256_or_pd(nan, _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
    }
    if (!_mm256_testz_pd(nan, nan))
        return NAN;
    __m128d h = _mm_max_pd(_mm256_castpd256_pd128(m), _mm256_extractf128_pd(m, 1));
    return _mm_cvtsd_f64(_mm_max_sd(h, _mm_unpackhi_pd(h, h)));
}

/* sum_i a[i] b[i] (b == NULL: sum_i a[i]) in double: products of floats are exact in double,
 * four lanes of 4 doubles */
AVX2 double fg_vdot_f32_avx2(int64_t n, const float *a, const float *b)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 u = _mm256_loadu_ps(a + i), w = _mm256_loadu_ps(a + i + 8);
        if (b) {
            __m256 bu = _mm256_loadu_ps(b + i), bw = _mm256_loadu_ps(b + i + 8);
            s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(u)),
                                 _mm256_cvtps_pd(_mm256_castps256_ps128(bu)), s0);
            s1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(u, 1)),
                                 _mm256_cvtps_pd(_mm256_extractf128_ps(bu, 1)), s1);
            s2 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w)),
                                 _mm256_cvtps_pd(_mm256_castps256_ps128(bw)), s2);
            s3 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w, 1)),
                                 _mm256_cvtps_pd(_mm256_extractf128_ps(bw, 1)), s3);
        } else {
            s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(u)));
            s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(u, 1)));
            s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm256_castps256_ps128(w)));
            s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm256_extractf128_ps(w, 1)));
        }
    }
    double lanes[4], tail = 0;
    for (; i < n; ++i)
        tail += b ? (double)a[i] * b[i] : (double)a[i];
    _mm256_storeu_pd(lanes, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail;
}

/* ---- the row passes of softmax, log_softmax, cross-entropy and mse (one pass each) ---- */

/* sum_i (a[i] - b[i])^2 in double (floats widen exactly; four lanes of 4 doubles; the masked
 * tail loads zeros, which add nothing) */
AVX2 double fg_vsqdist_f32_avx2(int64_t n, const float *a, const float *b)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 u = _mm256_loadu_ps(a + i), w = _mm256_loadu_ps(a + i + 8);
        __m256 bu = _mm256_loadu_ps(b + i), bw = _mm256_loadu_ps(b + i + 8);
        __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(u)),
                                   _mm256_cvtps_pd(_mm256_castps256_ps128(bu)));
        __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(u, 1)),
                                   _mm256_cvtps_pd(_mm256_extractf128_ps(bu, 1)));
        __m256d d2 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w)),
                                   _mm256_cvtps_pd(_mm256_castps256_ps128(bw)));
        __m256d d3 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w, 1)),
                                   _mm256_cvtps_pd(_mm256_extractf128_ps(bw, 1)));
        s0 = _mm256_fmadd_pd(d0, d0, s0);
        s1 = _mm256_fmadd_pd(d1, d1, s1);
        s2 = _mm256_fmadd_pd(d2, d2, s2);
        s3 = _mm256_fmadd_pd(d3, d3, s3);
    }
    for (; i < n; i += 8) {
        __m256i m = tail_mask(n - i);
        __m256 u = _mm256_maskload_ps(a + i, m), bu = _mm256_maskload_ps(b + i, m);
        __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(u)),
                                   _mm256_cvtps_pd(_mm256_castps256_ps128(bu)));
        __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(u, 1)),
                                   _mm256_cvtps_pd(_mm256_extractf128_ps(bu, 1)));
        s0 = _mm256_fmadd_pd(d0, d0, s0);
        s1 = _mm256_fmadd_pd(d1, d1, s1);
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

/* y = y r in float, r rounded to float first (within an ulp of the reference's product in
 * double; widening to double and back took 40 % of the time of the exp pass on Zen 4) */
AVX2 void fg_vscale_f32_avx2(int64_t n, float *y, double r)
{
    const __m256 rr = _mm256_set1_ps((float)r);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), rr));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, _mm256_mul_ps(_mm256_maskload_ps(y + i, m), rr));
    }
}

/* y = (x - m) - l */
AVX2 void fg_vshift2_f32_avx2(int64_t n, const float *x, float m, float l, float *y)
{
    const __m256 mm = _mm256_set1_ps(m), ll = _mm256_set1_ps(l);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mm), ll));
    if (i < n) {
        __m256i k = tail_mask(n - i);
        __m256 v = _mm256_sub_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, k), mm), ll);
        _mm256_maskstore_ps(y + i, k, v);
    }
}

/* y = a exp(x): one pass (the reference stores exp(x), then scales it) */
AVX2 void fg_vexpmul_f32_avx2(int64_t n, const float *x, float a, float *y)
{
    const __m256 aa = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(aa, exp_ps(_mm256_loadu_ps(x + i))));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, _mm256_mul_ps(aa, exp_ps(_mm256_maskload_ps(x + i, m))));
    }
}

/* dx = dy - exp(y) s: one pass (the reference stores exp(y) in dx, then reads it back) */
AVX2 void fg_vdyexp_f32_avx2(int64_t n, const float *y, const float *dy, float s, float *dx)
{
    const __m256 ss = _mm256_set1_ps(s);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp_ps(_mm256_loadu_ps(y + i));
        _mm256_storeu_ps(dx + i, _mm256_sub_ps(_mm256_loadu_ps(dy + i), _mm256_mul_ps(e, ss)));
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 e = exp_ps(_mm256_maskload_ps(y + i, m));
        _mm256_maskstore_ps(dx + i, m, _mm256_sub_ps(_mm256_maskload_ps(dy + i, m), _mm256_mul_ps(e, ss)));
    }
}
#endif /* FG_X86 */
