/* simd_avx512.h — AVX-512 inline helpers shared by math_avx512.c and gelu_avx512.c: the target
 * macros, tail masks, a masked map over an array, and the float32 exp (math_avx2.c's Cody-Waite
 * reduction and Cephes polynomial, 2^n by vscalefps: one rounding, so gradual underflow and
 * overflow to inf).
 * Include only inside `#if FG_X86`, after <immintrin.h>. */
#ifndef FASTGRAD_SIMD_AVX512_H
#define FASTGRAD_SIMD_AVX512_H
#include <stdint.h>
#include "dispatch.h"

#define AVX512 FG_TARGET_AVX512
#define AVX512_INLINE static inline FG_TARGET_AVX512 __attribute__((always_inline))

/* lane mask selecting the first r (0..16) of 16 lanes */
AVX512_INLINE __mmask16 tail_mask16(int64_t r)
{
    return (__mmask16)((1u << r) - 1u);
}

/* e^u = 2^n (1 + r + r^2 P(r)): n = round(u log2 e) into *fx, r = u - n ln2 (Cody-Waite) into *r,
 * returns Cephes' P(r) (the degree-5 part; exp16 and tanh16 finish it differently) */
AVX512_INLINE __m512 exp_poly16(__m512 u, __m512 *fx, __m512 *r)
{
    *fx = _mm512_roundscale_ps(_mm512_mul_ps(u, _mm512_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    *r = _mm512_fnmadd_ps(*fx, _mm512_set1_ps(0.693359375f), u);
    *r = _mm512_fnmadd_ps(*fx, _mm512_set1_ps(-2.12194440e-4f), *r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, *r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, *r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, *r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, *r, _mm512_set1_ps(1.6666665459e-1f));
    return _mm512_fmadd_ps(p, *r, _mm512_set1_ps(5.0000001201e-1f));
}

/* exp(x), x clamped to [-104, 89]; NaN propagates (min/max keep a NaN second operand) */
AVX512_INLINE __m512 exp16(__m512 x)
{
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    __m512 fx, r;
    __m512 p = exp_poly16(x, &fx, &r);
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, fx);
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
