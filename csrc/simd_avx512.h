/* simd_avx512.h — AVX-512 inline helpers shared by math_avx512.c and gelu_avx512.c: the target
 * macros, tail masks, a masked map over an array, and the float32 exp (expf_fit.h's reduction
 * and polynomial, as math_avx2.c; 2^n by vscalefps: one rounding, so gradual underflow and
 * overflow to inf).
 * Include only inside `#if FG_X86`, after <immintrin.h>. */
#ifndef FASTGRAD_SIMD_AVX512_H
#define FASTGRAD_SIMD_AVX512_H
#include <stdint.h>
#include "dispatch.h"
#include "expf_fit.h"

#define AVX512 FG_TARGET_AVX512
#define AVX512_INLINE static inline FG_TARGET_AVX512 __attribute__((always_inline))

/* lane mask selecting the first r (0..16) of 16 lanes */
AVX512_INLINE __mmask16 tail_mask16(int64_t r)
{
    return (__mmask16)((1u << r) - 1u);
}

/* the reduction of expf_fit.h: returns r = x - n ln2; *big holds n + 127 in its low bits (shifted
 * left by 23: the float 2^n) and *fn the float n */
AVX512_INLINE __m512 exp_reduce16(__m512 x, __m512 *big, __m512 *fn)
{
    const __m512 m = _mm512_set1_ps(FG_EXPF_M);
    *big = _mm512_fmadd_ps(x, _mm512_set1_ps(FG_EXPF_LOG2E), m);
    *fn = _mm512_sub_ps(*big, m);
    __m512 r = _mm512_fnmadd_ps(*fn, _mm512_set1_ps(FG_EXPF_LN2_HI), x);
    return _mm512_fnmadd_ps(*fn, _mm512_set1_ps(FG_EXPF_LN2_LO), r);
}

/* q(r) = e^r - 1 = r + r^2 (C2 + C3 r + ... + C6 r^4), |r| <= ln2/2 (expf_fit.h) */
AVX512_INLINE __m512 expm1_poly16(__m512 r)
{
    __m512 p = _mm512_set1_ps(FG_EXPF_C6);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FG_EXPF_C5));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FG_EXPF_C4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FG_EXPF_C3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(FG_EXPF_C2));
    return _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
}

/* exp(x), x clamped to [-104, 89]: (1 + q) 2^n by vscalefps (one rounding), bitwise math_avx2.c's
 * exp_ps; NaN propagates (min/max keep a NaN second operand) */
AVX512_INLINE __m512 exp16(__m512 x)
{
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    __m512 big, fn;
    __m512 q = expm1_poly16(exp_reduce16(x, &big, &fn));
    return _mm512_scalef_ps(_mm512_add_ps(q, _mm512_set1_ps(1.0f)), fn);
}

/* y[i] = f(x[i]), 16 lanes at a time, the tail masked (inlined with f) */
AVX512_INLINE void map16(int64_t n, const float *x, float *y, __m512 (*f)(__m512))
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

#endif
