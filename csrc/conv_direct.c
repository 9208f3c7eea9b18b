/* conv_direct.c — direct stride-1 convolution for small channel counts (forward, input gradient as the flipped
 * convolution of dy, weight gradient), vectorised over output positions in the flat padded layout of
 * conv_direct.inc, at each ISA level (GCC vector extensions: 4/8/16 floats per vector at ref/AVX2/AVX-512).
 * It skips im2col's column matrix: with 16-64 channels the im2col + GEMM path is memory-bound (the columns are
 * written, packed and read again), while here the padded input planes of one sample stay in L1/L2.
 *
 * When it is used (fg_conv_direct_ok, called by conv.c per call and per product), measured 1 thread on Zen 4:
 *   depthwise (Cg = OCg = 1: the im2col path runs one tiny GEMM per channel there; b32 64ch 16x16 3x3 fwd/dX/dW
 *   2.55/2.03/4.19 -> 0.43/0.41/0.66 ms) whenever stride and waste allow; otherwise not 1x1 unpadded (the GEMM
 *   reads x in place), 4 <= OCg <= 64 (thinner outputs leave the register tile mostly empty; wider is unmeasured),
 *   Cg KH KW <= 576 at AVX-512 (64 channels of 3x3), <= 288 at AVX2 and below (16 registers: at 64 channels the
 *   GEMM's tile wins, b16 64->64 32x32 fwd 13.7 vs 16.5 ms at AVX2), and the
 *   flat positions computed (OH Wp rounded up to the widest tile) are at most 1.5x the useful OH OW (small planes
 *   with wide padding waste the rest).  The input gradient in addition needs ph <= dh (KH - 1) and
 *   pw <= dw (KW - 1) (the flipped convolution pads dy by the difference), waste <= 1.25x and the flipped
 *   convolution passing the same test.  Measured, f32, 3x3 pad 1, ms fwd / dX / dW, im2col+GEMM -> direct:
 *     b32 16->16 32x32  3.27/3.13/4.57 -> 1.68/1.67/1.67     b32 32->32 16x16  2.60/2.22/2.56 -> 1.62/1.63/1.67
 *     b16 64->64 32x32  15.6/14.2/15.7 -> 12.5/12.7/12.8     b32 64->64 8x8    2.45/1.88/2.48 -> 2.08/(2.10)/2.27
 *   (the bracketed one is why dX wants less waste); LeNet's 6->16 5x5 on 12x12 fwd/dW 0.62/0.69 -> 0.30/0.30.
 *
 * Threads: forward over (sample, group, out-channel block), dW over (group, out-channel block, tap block) with
 * every sample summed inside one item in sample order: bitwise the same for any thread count.
 * Scratch: the padded batch (and packed weights / flat dy) in the caller's FG_SCRATCH_COL, one output tile row
 * block per thread in FG_SCRATCH_PART; grown to the largest layer, reused. */
#include <stdatomic.h>
#include <string.h>
#include "internal.h"

enum { G_N, G_C, G_H, G_W, G_OC, G_KH, G_KW, G_OH, G_OW, G_SH, G_SW, G_PH, G_PW, G_DH, G_DW, G_GROUPS };

typedef struct {
    int64_t N, C, H, W, OC, G, Cg, OCg, KH, KW, OH, OW, ph, pw, dh, dw;
    int64_t Hp, Wp, Lv, Ps;  /* padded plane, flat positions computed (multiple of the tile), plane stride */
} cd_geo;

/* the flat-layout geometry of g with the computed positions rounded up to a multiple of `tile` */
static void cd_make(const int64_t *g, int64_t tile, cd_geo *d)
{
    d->N = g[G_N], d->C = g[G_C], d->H = g[G_H], d->W = g[G_W], d->OC = g[G_OC], d->G = g[G_GROUPS];
    d->Cg = d->C / d->G, d->OCg = d->OC / d->G, d->KH = g[G_KH], d->KW = g[G_KW], d->OH = g[G_OH], d->OW = g[G_OW];
    d->ph = g[G_PH], d->pw = g[G_PW], d->dh = g[G_DH], d->dw = g[G_DW];
    d->Hp = d->H + 2 * d->ph, d->Wp = d->W + 2 * d->pw;
    const int64_t lt = d->OH > 0 ? (d->OH - 1) * d->Wp + d->OW : 0;
    d->Lv = (lt + tile - 1) / tile * tile;
    d->Ps = d->Lv + (d->KH - 1) * d->dh * d->Wp + (d->KW - 1) * d->dw;
}

/* the widest tile of any level (AVX-512 f32: 2 x 3 x 16), for the waste test */
#define CD_TILE_MAX 96

int fg_conv_direct_ok(const int64_t *g, int dx)
{
    const int64_t G = g[G_GROUPS], Cg = g[G_C] / G, OCg = g[G_OC] / G, K = Cg * g[G_KH] * g[G_KW];
    if (g[G_SH] != 1 || g[G_SW] != 1 || g[G_N] <= 0 || g[G_OH] <= 0 || g[G_OW] <= 0)
        return 0;
    if (dx && (g[G_PH] > g[G_DH] * (g[G_KH] - 1) || g[G_PW] > g[G_DW] * (g[G_KW] - 1)))
        return 0;
    cd_geo d;
    cd_make(g, CD_TILE_MAX, &d);
    if (2 * d.Lv > 3 * d.OH * d.OW)
        return 0;
    if (dx && 4 * d.Lv > 5 * d.OH * d.OW)
        return 0;
    if (Cg == 1 && OCg == 1)
        return 1;  /* depthwise */
    if (g[G_KH] == 1 && g[G_KW] == 1 && g[G_PH] == 0 && g[G_PW] == 0)
        return 0;  /* pointwise: the GEMM reads x in place */
    return OCg >= 4 && OCg <= 64 && K <= (fg_active_isa >= FG_ISA_AVX512 ? 576 : 288);
}

/* ---- reference level: 16-byte vectors (SSE2 on x86-64) ---- */
#define FG_TARGET
#define CD_OB 4
#define CD_NV 2
#define CD_NV1 4
#define CD_WO 2
#define CD_WR 3
#define T float
#define V 4
#define NAME(x) x##_f32_ref
#include "conv_direct.inc"
#undef T
#undef V
#undef NAME
#define T double
#define V 2
#define NAME(x) x##_f64_ref
#include "conv_direct.inc"
#undef T
#undef V
#undef NAME
#undef FG_TARGET
#undef CD_OB
#undef CD_NV
#undef CD_NV1
#undef CD_WO
#undef CD_WR

#if FG_X86
/* ---- AVX2 + FMA: 16 ymm registers, tile 4 x 3 (12 accumulators) ---- */
#define FG_TARGET FG_TARGET_AVX2_FMA
#define CD_OB 4
#define CD_NV 3
#define CD_NV1 6
#define CD_WO 3
#define CD_WR 4
#define T float
#define V 8
#define NAME(x) x##_f32_avx2
#include "conv_direct.inc"
#undef T
#undef V
#undef NAME
#define T double
#define V 4
#define NAME(x) x##_f64_avx2
#include "conv_direct.inc"
#undef T
#undef V
#undef NAME
#undef FG_TARGET
#undef CD_OB
#undef CD_NV
#undef CD_NV1
#undef CD_WO
#undef CD_WR

/* ---- AVX-512: 32 zmm registers, tile 8 x 3 (24 accumulators) ---- */
#define FG_TARGET FG_TARGET_AVX512
#define CD_OB 8
#define CD_NV 3
#define CD_NV1 6
#define CD_WO 4
#define CD_WR 5
#define T float
#define V 16
#define NAME(x) x##_f32_avx512
#include "conv_direct.inc"
#undef T
#undef V
#undef NAME
#define T double
#define V 8
#define NAME(x) x##_f64_avx512
#include "conv_direct.inc"
#undef T
#undef V
#undef NAME
#undef FG_TARGET
#undef CD_OB
#undef CD_NV
#undef CD_NV1
#undef CD_WO
#undef CD_WR
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
