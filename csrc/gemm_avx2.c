/* gemm_avx2.c — AVX2+FMA tile kernels (float32 8 lanes, float64 4 lanes).
 * Compiled with baseline flags; only these functions carry target("avx2,fma"), and the
 * driver calls them only when fg_cpu_supports(FG_ISA_AVX2).
 * Register tile: MR x NR = 6 x 16 (f32), 6 x 8 (f64): 12 accumulators + 2 B vectors
 * + 1 broadcast of the 16 ymm registers (the kernels: gemm_kernel_avx2.inc).  MC/KC/NC are
 * left 0: the driver takes them from the cache sizes (gemm.c, cache_blocks).  B packing has
 * AVX2 copiers for both layouts. */
#include "internal.h"

#if FG_X86
#include <immintrin.h>

#define FG_TARGET FG_TARGET_AVX2_FMA
#include "gemm_pack_a.inc"
#define MR 6
#define NV 2

FG_TARGET static void pack_a_f32_avx2(const float *src, int64_t lda, int64_t kc, int trans, float *dst)
{
    pack_a_f32_mr(src, lda, kc, trans, dst, MR);
}

FG_TARGET static void pack_a_f64_avx2(const double *src, int64_t lda, int64_t kc, int trans, double *dst)
{
    pack_a_f64_mr(src, lda, kc, trans, dst, MR);
}

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

/* transposed-B packing, one full micro-panel: dst[p*NR + j] = src[j*ldb + p] for p < kc, j < NR.
 * The portable loop moves one element per load and store; here 8 x 8 (f32) / 4 x 4 (f64) blocks
 * go through registers: row loads, an in-register transpose, contiguous stores. */
FG_TARGET static void pack_bt_f32_avx2(const float *src, int64_t ldb, int64_t kc, float *dst)
{
    int64_t p0 = 0;
    for (; p0 + 8 <= kc; p0 += 8)
        for (int jb = 0; jb < 16; jb += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; ++i)
                r[i] = _mm256_loadu_ps(src + (jb + i) * ldb + p0);
            transpose8_f32(r);
            for (int p = 0; p < 8; ++p)
                _mm256_storeu_ps(dst + (p0 + p) * 16 + jb, r[p]);
        }
    for (; p0 < kc; ++p0)
        for (int j = 0; j < 16; ++j)
            dst[p0 * 16 + j] = src[j * ldb + p0];
}

FG_TARGET static void pack_bt_f64_avx2(const double *src, int64_t ldb, int64_t kc, double *dst)
{
    int64_t p0 = 0;
    for (; p0 + 4 <= kc; p0 += 4)
        for (int jb = 0; jb < 8; jb += 4) {
            __m256d r[4];
            for (int i = 0; i < 4; ++i)
                r[i] = _mm256_loadu_pd(src + (jb + i) * ldb + p0);
            transpose4_f64(r);
            for (int p = 0; p < 4; ++p)
                _mm256_storeu_pd(dst + (p0 + p) * 8 + jb, r[p]);
        }
    for (; p0 < kc; ++p0)
        for (int j = 0; j < 8; ++j)
            dst[p0 * 8 + j] = src[j * ldb + p0];
}

/* non-transposed B packing, `panels` full micro-panels, 8 source rows at a time across all the
 * panels: dst[q*NR*kc + p*NR + j] = src[p*ldb + q*NR + j], in 32-byte vectors */
FG_TARGET static void pack_bn_f32_avx2(const float *src, int64_t ldb, int64_t kc, int64_t panels,
                                       float *dst)
{
    for (int64_t p0 = 0; p0 < kc; p0 += 8) /* 8 rows at a time: each panel gets 512 contiguous
                                            * bytes (row by row, the panels' stores, 64 KB apart,
                                            * all fell in one 4 KB alias set) */
        for (int64_t q = 0; q < panels; ++q)
            for (int64_t p = p0; p < FG_MIN(kc, p0 + 8); ++p) {
                float *d = dst + q * 16 * kc + p * 16;
                const float *s = src + p * ldb + q * 16;
                _mm256_storeu_ps(d, _mm256_loadu_ps(s));
                _mm256_storeu_ps(d + 8, _mm256_loadu_ps(s + 8));
            }
}

FG_TARGET static void pack_bn_f64_avx2(const double *src, int64_t ldb, int64_t kc, int64_t panels,
                                       double *dst)
{
    for (int64_t p0 = 0; p0 < kc; p0 += 8)
        for (int64_t q = 0; q < panels; ++q)
            for (int64_t p = p0; p < FG_MIN(kc, p0 + 8); ++p) {
                double *d = dst + q * 8 * kc + p * 8;
                const double *s = src + p * ldb + q * 8;
                _mm256_storeu_pd(d, _mm256_loadu_pd(s));
                _mm256_storeu_pd(d + 4, _mm256_loadu_pd(s + 4));
            }
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
                                             packed_f32_avx2, strided_f32_avx2, pack_bt_f32_avx2,
                                             MR, strided_f32_avx2, 0, NULL, pack_bn_f32_avx2,
                                             pack_a_f32_avx2};
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
                                             packed_f64_avx2, strided_f64_avx2, pack_bt_f64_avx2,
                                             MR, strided_f64_avx2, 0, NULL, pack_bn_f64_avx2,
                                             pack_a_f64_avx2};

#endif
