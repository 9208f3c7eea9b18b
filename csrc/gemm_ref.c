/* gemm_ref.c — the portable reference tile kernel: plain C, auto-vectorised with the
 * baseline flags, always available (FASTGRAD_ISA=reference) and the oracle the SIMD
 * kernels are tested against.  One function serves packed and in-place operands. */
#include "internal.h"

#define MR 4
#define NR 8

#define T float
#define NAME(x) x##_f32
#include "gemm_ref.inc"
const fg_gemm_kernel_f32 fg_gemm_ref_f32 = {MR, NR, 128, 256, 2048, ref_tile_f32, ref_tile_f32, NULL,
                                         MR, ref_tile_f32, 0, NULL, NULL, NULL};
#undef T
#undef NAME

#define T double
#define NAME(x) x##_f64
#include "gemm_ref.inc"
const fg_gemm_kernel_f64 fg_gemm_ref_f64 = {MR, NR, 128, 256, 2048, ref_tile_f64, ref_tile_f64, NULL,
                                         MR, ref_tile_f64, 0, NULL, NULL, NULL};
