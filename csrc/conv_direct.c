/* conv_direct.c — direct convolution for small channel counts, stride 1 or 2 (forward, weight gradient, and for
 * stride 1 the input gradient as the flipped convolution of dy), vectorised over output positions in the flat
 * padded layout of conv_direct.inc (stride 2: four phase planes), at each ISA level (GCC vector extensions: 4 / 8
 * / 16 floats per vector at reference / AVX2 / AVX-512).  It skips im2col's column matrix: with 16-64 channels
 * the im2col + GEMM path is memory-bound (the columns are written, packed and read again), while here one
 * sample's padded planes stay in L1/L2 and every tap is one more vector load.
 *
 * When it is used (fg_conv_direct_ok, asked by conv.c per call and per product):
 *   stride sh = sw in {1, 2}, KH KW <= 64, and the flat positions computed (OH Wq rounded up to a vector) at most
 *   1.5x the useful OH OW (1.25x for the input gradient: small planes with wide padding waste the rest); then
 *   - depthwise (Cg = OCg = 1) always: the im2col path runs one tiny GEMM per channel;
 *   - never 1x1 unpadded (the GEMM reads x in place, or a subsample of it);
 *   - otherwise 4 <= OCg <= 64 (thinner outputs leave the register tile mostly empty; wider is unmeasured) and
 *     Cg KH KW <= 576 (64 channels of 3x3; measured up to there, where AVX2 and the GEMM are level: the forward
 *     tile takes the channels CD_CHUNK_TAPS taps at a time, without which AVX2 lost 20% at 64 channels);
 *   - the input gradient only at stride 1 with ph <= dh (KH - 1), pw <= dw (KW - 1) (the flipped convolution
 *     pads dy by the difference), and the flipped convolution passing the forward test itself;
 *   - the weight gradient at stride 2 only for OCg <= 32 (short phase rows: b32 32->64 16x16 s2 lost 5%).
 * Measured (thread CPU time, 1 thread, Zen 4, f32, 3x3 pad 1, ms forward / dX / dW, im2col+GEMM -> direct):
 *   AVX-512  b32 16->16 32x32  3.41/3.27/4.67 -> 1.78/1.75/1.75    b32 64->64 8x8     2.52/1.96/2.53 -> 1.79/1.84/2.34
 *            b32 16->32 s2     1.50/(1.48)/1.76 -> 1.21/-/1.33     b32 32->64 16x16 s2 fwd 1.25 -> 1.09
 *            b16 64->64 32x32  15.6/14.2/15.7 -> 12.5/12.7/12.8    LeNet 6->16 5x5 12x12 fwd/dW 0.60/0.66 -> 0.35/0.30
 *            depthwise b32 64ch 16x16  2.55/2.03/4.19 -> 0.43/0.41/0.45 (dW: a 1 x 9 tap tile)
 *   AVX2     b32 16->16 32x32  2.77/2.63/3.04 -> 1.71/1.70/1.90    b16 64->64 32x32  13.5/13.4/14.2 -> 13.2/13.4/13.8
 *            b32 64->64 8x8   2.32/1.87/2.34 -> 2.08/(2.09)/2.08
 *
 * Threads: forward over (sample, group, out-channel block), dW over (group, out-channel block, tap block) with
 * every sample summed inside one item in sample order: bitwise the same for any thread count.
 * Scratch: the padded batch (and the packed weights or the flat dy) in the caller's FG_SCRATCH_COL, one block
 * of output rows per thread in FG_SCRATCH_PART; grown to the largest layer, kept for reuse. */
#include <stdatomic.h>
#include <string.h>
#include "internal.h"

enum { G_N, G_C, G_H, G_W, G_OC, G_KH, G_KW, G_OH, G_OW, G_SH, G_SW, G_PH, G_PW, G_DH, G_DW, G_GROUPS };

#define CD_MAX_TAPS 64  /* KH KW at most (8x8, 7x7, ...) */
typedef struct {
    int64_t N, C, H, W, OC, G, Cg, OCg, KH, KW, KK, OH, OW, s, ph, pw, dh, dw;
    int64_t Hq, Wq, Lv, PhS, Ps;  /* phase plane, flat positions computed (whole vectors), phase / channel stride */
    int64_t off[CD_MAX_TAPS];     /* tap (i, j)'s flat offset from a channel's start */
} cd_geo;

/* the flat-layout geometry of g (stride s = sh = sw) with the computed positions rounded up to `vec` */
static void cd_make(const int64_t *g, int64_t vec, cd_geo *d)
{
    d->N = g[G_N], d->C = g[G_C], d->H = g[G_H], d->W = g[G_W], d->OC = g[G_OC], d->G = g[G_GROUPS];
    d->Cg = d->C / d->G, d->OCg = d->OC / d->G, d->KH = g[G_KH], d->KW = g[G_KW], d->OH = g[G_OH], d->OW = g[G_OW];
    d->KK = d->KH * d->KW, d->s = g[G_SH], d->ph = g[G_PH], d->pw = g[G_PW], d->dh = g[G_DH], d->dw = g[G_DW];
    const int64_t s = d->s;
    d->Hq = (d->H + 2 * d->ph + s - 1) / s, d->Wq = (d->W + 2 * d->pw + s - 1) / s;
    const int64_t lt = d->OH > 0 ? (d->OH - 1) * d->Wq + d->OW : 0;
    d->Lv = (lt + vec - 1) / vec * vec;
    d->PhS = FG_MAX(d->Hq * d->Wq, d->Lv + (d->KH - 1) * d->dh / s * d->Wq + (d->KW - 1) * d->dw / s);
    d->Ps = s * s * d->PhS;
    for (int64_t k = 0; k < d->KK && k < CD_MAX_TAPS; ++k) {
        const int64_t i = k / d->KW * d->dh, j = k % d->KW * d->dw;
        d->off[k] = (i % s * s + j % s) * d->PhS + i / s * d->Wq + j / s;
    }
}

/* the forward tile runs over at most this many taps (channels x KH KW) at a time: 16 channels of 3x3, whose rows
 * under one tile stay in L1 */
#define CD_CHUNK_TAPS 144

/* the widest vector of any level (AVX-512 f32), for the waste test */
#define CD_TILE_MAX 16

int fg_conv_direct_ok(const int64_t *g, int product)
{
    const int dx = product == 1;
    const int64_t G = g[G_GROUPS], Cg = g[G_C] / G, OCg = g[G_OC] / G, K = Cg * g[G_KH] * g[G_KW];
    if (g[G_SH] != g[G_SW] || g[G_SH] > 2 || g[G_KH] * g[G_KW] > CD_MAX_TAPS || g[G_N] <= 0 || g[G_OH] <= 0 ||
        g[G_OW] <= 0)
        return 0;
    if (dx && (g[G_SH] != 1 || g[G_PH] > g[G_DH] * (g[G_KH] - 1) || g[G_PW] > g[G_DW] * (g[G_KW] - 1)))
        return 0;
    cd_geo d;
    cd_make(g, CD_TILE_MAX, &d);
    if (2 * d.Lv > 3 * d.OH * d.OW)
        return 0;
    if (dx && 4 * d.Lv > 5 * d.OH * d.OW)
        return 0;
    if (Cg == 1 && OCg == 1)
        return 1;  /* depthwise */
    if (product == 2 && g[G_SH] == 2 && OCg > 32)
        return 0;  /* dW of a strided conv: short flat rows, the GEMM's wider tile wins */
    if (g[G_KH] == 1 && g[G_KW] == 1 && g[G_PH] == 0 && g[G_PW] == 0)
        return 0;  /* pointwise: the GEMM reads x in place */
    return OCg >= 4 && OCg <= 64 && K <= 576;
}

/* ---- reference level: 16-byte vectors (SSE2 on x86-64) ---- */
#define FG_TARGET
#define CD_OB 4
#define CD_NV 2
#define CD_NV1 4
#define CD_WO 2
#define CD_WR 3
#define CD_WR1 6
#define CD_WRMAX 6
#define CD_LANES_F32 4
#define CD_LANES_F64 2
#define CD_LEVEL ref
#include "conv_direct_level.inc"

#if FG_X86
/* ---- AVX2 + FMA: 16 ymm registers, tile 4 x 3 (12 accumulators) ---- */
#define FG_TARGET FG_TARGET_AVX2_FMA
#define CD_OB 4
#define CD_NV 3
#define CD_NV1 6
#define CD_WO 3
#define CD_WR 4
#define CD_WR1 9
#define CD_WRMAX 9
#define CD_LANES_F32 8
#define CD_LANES_F64 4
#define CD_LEVEL avx2
#include "conv_direct_level.inc"

/* ---- AVX-512: 32 zmm registers, tile 8 x 3 (24 accumulators) ---- */
#define FG_TARGET FG_TARGET_AVX512
#define CD_OB 8
#define CD_NV 3
#define CD_NV1 6
#define CD_WO 4
#define CD_WR 5
#define CD_WR1 9
#define CD_WRMAX 9
#define CD_LANES_F32 16
#define CD_LANES_F64 8
#define CD_LEVEL avx512
#include "conv_direct_level.inc"
#endif

int fg_conv_direct_fwd_f32(const int64_t *g, const float *x, const float *w, const float *b, float *y, int flip)
{
    return FG_SELECT(cd_fwd_f32_ref, cd_fwd_f32_avx2, cd_fwd_f32_avx512)(g, x, w, b, y, flip);
}
int fg_conv_direct_fwd_f64(const int64_t *g, const double *x, const double *w, const double *b, double *y, int flip)
{
    return FG_SELECT(cd_fwd_f64_ref, cd_fwd_f64_avx2, cd_fwd_f64_avx512)(g, x, w, b, y, flip);
}
int fg_conv_direct_dw_f32(const int64_t *g, const float *x, const float *dy, float *dw)
{
    return FG_SELECT(cd_dw_f32_ref, cd_dw_f32_avx2, cd_dw_f32_avx512)(g, x, dy, dw);
}
int fg_conv_direct_dw_f64(const int64_t *g, const double *x, const double *dy, double *dw)
{
    return FG_SELECT(cd_dw_f64_ref, cd_dw_f64_avx2, cd_dw_f64_avx512)(g, x, dy, dw);
}
