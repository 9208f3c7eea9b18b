/* gemm_avx2.c — AVX2+FMA tile kernels (float32 8 lanes, float64 4 lanes).
 * Compiled with baseline flags; only these functions carry target("avx2,fma"), and the
 * driver calls them only when fg_cpu_supports(FG_ISA_AVX2).
 * Register tile: MR x NR = 6 x 16 (f32), 6 x 8 (f64): 12 accumulators + 2 B vectors
 * + 1 broadcast of the 16 ymm registers. */
#include "internal.h"

#if FG_X86
#include <immintrin.h>

#define FG_TARGET FG_TARGET_AVX2_FMA
#define MR 6
#define NV 2

/* lane mask with the first clamp(n, 0, lanes) lanes set (sign bit of each 32/64-bit lane) */
FG_TARGET static inline __m256i lane_mask32(int64_t n)
{
    n = n < 0 ? 0 : n > 8 ? 8 : n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
FG_TARGET static inline __m256i lane_mask64(int64_t n)
{
    n = n < 0 ? 0 : n > 4 ? 4 : n;
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

/* ---- float32 ---- */
#define T float
#define VEC __m256
#define MASK __m256i
#define W 8
#define NAME(x) x##_f32_avx2
#define VLOAD(p) _mm256_loadu_ps(p)
#define VLOADM(p, m) _mm256_maskload_ps(p, m)
#define VBCAST(p) _mm256_broadcast_ss(p)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VSET1(x) _mm256_set1_ps(x)
#define VZERO _mm256_setzero_ps()
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VSTOREM(p, m, v) _mm256_maskstore_ps(p, m, v)
#define MAKEMASK(n) lane_mask32(n)
#include "gemm_kernel_avx2.inc"
/* mc, kc, nc = 0: from the caches (the rule in gemm.c) */
const fg_gemm_kernel_f32 fg_gemm_avx2_f32 = {MR, W * NV, 0, 0, 0,
                                             packed_f32_avx2, strided_f32_avx2, NULL,
                                             MR, strided_f32_avx2, 0, NULL};
#undef T
#undef VEC
#undef MASK
#undef W
#undef NAME
#undef VLOAD
#undef VLOADM
#undef VBCAST
#undef VFMA
#undef VMUL
#undef VSET1
#undef VZERO
#undef VSTORE
#undef VSTOREM
#undef MAKEMASK

/* ---- float64 ---- */
#define T double
#define VEC __m256d
#define MASK __m256i
#define W 4
#define NAME(x) x##_f64_avx2
#define VLOAD(p) _mm256_loadu_pd(p)
#define VLOADM(p, m) _mm256_maskload_pd(p, m)
#define VBCAST(p) _mm256_broadcast_sd(p)
#define VFMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm256_mul_pd(a, b)
#define VSET1(x) _mm256_set1_pd(x)
#define VZERO _mm256_setzero_pd()
#define VSTORE(p, v) _mm256_storeu_pd(p, v)
#define VSTOREM(p, m, v) _mm256_maskstore_pd(p, m, v)
#define MAKEMASK(n) lane_mask64(n)
#include "gemm_kernel_avx2.inc"
const fg_gemm_kernel_f64 fg_gemm_avx2_f64 = {MR, W * NV, 0, 0, 0,
                                             packed_f64_avx2, strided_f64_avx2, NULL,
                                             MR, strided_f64_avx2, 0, NULL};

#endif
