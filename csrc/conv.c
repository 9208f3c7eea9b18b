/* conv.c — 2-D convolution (conv1d is the H = 1 case) by im2col + the packed GEMM (fg_gemm_*),
 * forward and backward side by side.  Bodies in conv.inc, once per dtype.  Each product (forward, dx,
 * dW) first asks conv_direct.c whether its direct small-channel kernel takes the shape (the rule is
 * there); what it does not take runs below.
 *
 * The geometry travels as one int64_t array `g` of FG_CONV_GEOM entries (fastgrad.h):
 *   N C H W OC KH KW OH OW sh sw ph pw dh dw groups.
 * Per block of samples and group the input patches are unrolled into col (C/groups*KH*KW rows x
 * OH*OW columns per sample, the block's samples side by side, zero where the window leaves the
 * input), then  y_g = W_g col + b,   dcol = W_g^T dy_g -> col2im -> dx,   dW_g = sum dy_g col^T.
 * A block holds one sample when its feature map has >= CONV_MIN_COLS positions, else enough
 * samples for that many columns.  A 1x1 kernel with stride 1, no padding and no dilation uses the
 * input itself as col when the block is one sample.
 *
 * Threads: samples are split over the pool (fg_parallel_for; the GEMMs then run inline).  dW
 * is summed per block of samples — CONV_BLOCKS blocks whatever the thread count — and the
 * block partials are added in block order, so results are bitwise identical for any thread
 * count.  db accumulates in double.
 *
 * Scratch: one col buffer per thread (with room for the block's output or dy rows) and one
 * buffer of dW partials on the calling thread,
 * 64-byte aligned, grown on demand to the largest layer seen, kept for reuse (bounded: no
 * per-step growth), freed at thread exit. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

enum { G_N, G_C, G_H, G_W, G_OC, G_KH, G_KW, G_OH, G_OW, G_SH, G_SW, G_PH, G_PW, G_DH, G_DW, G_GROUPS };
/* dW partial sums: this many sample blocks at most (fixed, so the summation order is too) */
#define CONV_BLOCKS 16

/* 1 when the kernel is 1x1 with stride 1, no padding and no dilation: col is the input itself */
static int conv_pointwise(const int64_t *g)
{
    return g[G_KH] == 1 && g[G_KW] == 1 && g[G_SH] == 1 && g[G_SW] == 1 && g[G_PH] == 0 && g[G_PW] == 0;
}

/* samples whose im2col columns go side by side into one GEMM: enough for CONV_MIN_COLS columns (small
 * feature maps would otherwise give GEMMs too narrow to run at speed), at most N */
#define CONV_MIN_COLS 512
static int64_t conv_block_samples(const int64_t *g)
{
    const int64_t L = g[G_OH] * g[G_OW];
    int64_t nb = L > 0 ? (CONV_MIN_COLS + L - 1) / L : 1;
    nb = nb > g[G_N] ? g[G_N] : nb;
    return nb < 1 ? 1 : nb;
}

/* the direct path for small channel counts (conv_direct.c): whether geometry g takes it for `product` (0 forward,
 * 1 input gradient, 2 weight gradient), and its forward (flip: w is read as the flipped transpose, for an input gradient) and dW */
int fg_conv_direct_ok(const int64_t *g, int product);
int fg_conv_direct_fwd_f32(const int64_t *g, const float *x, const float *w, const float *b, float *y, int flip);
int fg_conv_direct_fwd_f64(const int64_t *g, const double *x, const double *w, const double *b, double *y, int flip);
int fg_conv_direct_dw_f32(const int64_t *g, const float *x, const float *dy, float *dw);
int fg_conv_direct_dw_f64(const int64_t *g, const double *x, const double *dy, double *dw);

#define FG_TEMPLATE "conv.inc"
#include "template.h"
