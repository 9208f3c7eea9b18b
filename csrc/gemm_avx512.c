/* gemm_avx512.c — AVX-512F tile kernels (float32 16 lanes, float64 8 lanes).
 * Compiled with baseline flags; only these functions carry target("avx512f"), and the
 * driver calls them only when fg_cpu_supports(FG_ISA_AVX512).
 * Register tile: MR x NR = 12 x 32 (f32), 12 x 16 (f64): 24 accumulators + 2 B vectors
 * + 1 broadcast of the 32 zmm registers; 24 FMAs per 14 loads per k step.  Tiny problems
 * (the unpacked small path) use an 8-row tile: less waste when m is 16 or 64; and an
 * 8 x 16 (8 x 8) one when n is at most one vector wide. */
#include "internal.h"

#if FG_X86
#include <immintrin.h>

#define FG_TARGET FG_TARGET_AVX512
#include "gemm_pack_a.inc"
#define MR 12
#define NV 2

FG_TARGET static void pack_a_f32_avx512(const float *src, int64_t lda, int64_t kc, int trans, float *dst)
{
    pack_a_f32_mr(src, lda, kc, trans, dst, MR);
}

FG_TARGET static void pack_a_f64_avx512(const double *src, int64_t lda, int64_t kc, int trans, double *dst)
{
    pack_a_f64_mr(src, lda, kc, trans, dst, MR);
}

/* transposed-B packing, 16 x 16 (f32) / 8 x 8 (f64) register transposes: the portable
 * loop is bound by one element per load+store, this by the memory system */
FG_TARGET static void pack_bt_f32_avx512(const float *src, int64_t ldb, int64_t kc,
                                                        float *dst)
{
    int64_t p0 = 0;
    for (; p0 + 16 <= kc; p0 += 16)
        for (int half = 0; half < 2; ++half) {
            const float *s = src + half * 16 * ldb + p0;
            __m512 r[16], t[16], u[16];
            for (int i = 0; i < 16; ++i)
                r[i] = _mm512_loadu_ps(s + i * ldb);
            for (int i = 0; i < 16; i += 2) {
                t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
                t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
            }
            for (int g = 0; g < 16; g += 4) { /* u[g + c]: column 4L + c of rows g..g+3 */
                u[g + 0] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
                u[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
                u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
                u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
            }
            float *d = dst + p0 * 32 + half * 16;
            for (int c = 0; c < 4; ++c) {
                __m512 x = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44);
                __m512 y = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44);
                _mm512_storeu_ps(d + (0 + c) * 32, _mm512_shuffle_f32x4(x, y, 0x88));
                _mm512_storeu_ps(d + (4 + c) * 32, _mm512_shuffle_f32x4(x, y, 0xDD));
                x = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
                y = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
                _mm512_storeu_ps(d + (8 + c) * 32, _mm512_shuffle_f32x4(x, y, 0x88));
                _mm512_storeu_ps(d + (12 + c) * 32, _mm512_shuffle_f32x4(x, y, 0xDD));
            }
        }
    for (; p0 < kc; ++p0)
        for (int j = 0; j < 32; ++j)
            dst[p0 * 32 + j] = src[j * ldb + p0];
}

FG_TARGET static void pack_bt_f64_avx512(const double *src, int64_t ldb, int64_t kc,
                                                        double *dst)
{
    int64_t p0 = 0;
    for (; p0 + 8 <= kc; p0 += 8)
        for (int half = 0; half < 2; ++half) {
            const double *s = src + half * 8 * ldb + p0;
            __m512d r[8], t[8];
            for (int i = 0; i < 8; ++i)
                r[i] = _mm512_loadu_pd(s + i * ldb);
            for (int i = 0; i < 8; i += 2) { /* t[i + c]: column 2L + c of rows i, i+1 */
                t[i] = _mm512_unpacklo_pd(r[i], r[i + 1]);
                t[i + 1] = _mm512_unpackhi_pd(r[i], r[i + 1]);
            }
            double *d = dst + p0 * 16 + half * 8;
            for (int c = 0; c < 2; ++c) {
                __m512d x = _mm512_shuffle_f64x2(t[c], t[2 + c], 0x44);
                __m512d y = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0x44);
                _mm512_storeu_pd(d + (0 + c) * 16, _mm512_shuffle_f64x2(x, y, 0x88));
                _mm512_storeu_pd(d + (2 + c) * 16, _mm512_shuffle_f64x2(x, y, 0xDD));
                x = _mm512_shuffle_f64x2(t[c], t[2 + c], 0xEE);
                y = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0xEE);
                _mm512_storeu_pd(d + (4 + c) * 16, _mm512_shuffle_f64x2(x, y, 0x88));
                _mm512_storeu_pd(d + (6 + c) * 16, _mm512_shuffle_f64x2(x, y, 0xDD));
            }
        }
    for (; p0 < kc; ++p0)
        for (int j = 0; j < 16; ++j)
            dst[p0 * 16 + j] = src[j * ldb + p0];
}

/* ---- float32 ---- */
#define T float
#define VEC __m512
#define MASK __mmask16
#define W 16
#define NAME(x) x##_f32_avx512
#define VLOAD(p) _mm512_loadu_ps(p)
#define VLOADM(p, m) _mm512_maskz_loadu_ps(m, p)
#define VBCAST(p) _mm512_set1_ps(*(p))
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VSET1(x) _mm512_set1_ps(x)
#define VZERO _mm512_setzero_ps()
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define VSTOREM(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define MAKEMASK(n) ((MASK)((n) >= W ? 0xFFFFu : (n) <= 0 ? 0u : (1u << (n)) - 1u))
#include "gemm_tile.inc"
#undef NAME
#undef MR
#define MR 8
#define NAME(x) x##_f32_avx512_small
#include "gemm_tile.inc"
#undef NAME
#undef NV
#define NV 1
#define NAME(x) x##_f32_avx512_narrow
#include "gemm_tile.inc"
#undef NV
#define NV 2
#undef MR
#define MR 12
const fg_gemm_kernel_f32 fg_gemm_avx512_f32 = {MR, W * NV, 96, 384, 4096,
                                               packed_f32_avx512, strided_f32_avx512, pack_bt_f32_avx512,
                                               8, strided_f32_avx512_small, W, strided_f32_avx512_narrow, NULL,
                                               pack_a_f32_avx512};
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
#define VEC __m512d
#define MASK __mmask8
#define W 8
#define NAME(x) x##_f64_avx512
#define VLOAD(p) _mm512_loadu_pd(p)
#define VLOADM(p, m) _mm512_maskz_loadu_pd(m, p)
#define VBCAST(p) _mm512_set1_pd(*(p))
#define VFMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm512_mul_pd(a, b)
#define VSET1(x) _mm512_set1_pd(x)
#define VZERO _mm512_setzero_pd()
#define VSTORE(p, v) _mm512_storeu_pd(p, v)
#define VSTOREM(p, m, v) _mm512_mask_storeu_pd(p, m, v)
#define MAKEMASK(n) ((MASK)((n) >= W ? 0xFFu : (n) <= 0 ? 0u : (1u << (n)) - 1u))
#include "gemm_tile.inc"
#undef NAME
#undef MR
#define MR 8
#define NAME(x) x##_f64_avx512_small
#include "gemm_tile.inc"
#undef NAME
#undef NV
#define NV 1
#define NAME(x) x##_f64_avx512_narrow
#include "gemm_tile.inc"
#undef NV
#define NV 2
#undef MR
#define MR 12
const fg_gemm_kernel_f64 fg_gemm_avx512_f64 = {MR, W * NV, 96, 384, 2048,
                                               packed_f64_avx512, strided_f64_avx512, pack_bt_f64_avx512,
                                               8, strided_f64_avx512_small, W, strided_f64_avx512_narrow, NULL,
                                               pack_a_f64_avx512};

#endif
