/* optim_avx512.c — the optimizer loops of optim_kernels.inc compiled for AVX512: every function
 * carries FG_TARGET_AVX512 and runs only through this file's tables, which optim.c selects when
 * cpu.c found the level.  Floating-point contraction is off, so no multiply-add is fused
 * into an FMA the reference level does not use: results are bit-identical to optim.c's. */
#include "per_isa.h"

#if FG_X86
#define FG_TARGET FG_TARGET_AVX512

#define T float
#define NAME(x) x##_f32
#include "optim_kernels.inc"
const fg_optim_kernels_f32 fg_optim_avx512_f32 = {sgd_seg_f32, adam_seg_f32, rmsprop_seg_f32, adagrad_seg_f32,
    adamax_seg_f32, nadam_seg_f32, radam_seg_f32, adadelta_seg_f32};
#undef T
#undef NAME

#define T double
#define NAME(x) x##_f64
#include "optim_kernels.inc"
const fg_optim_kernels_f64 fg_optim_avx512_f64 = {sgd_seg_f64, adam_seg_f64, rmsprop_seg_f64, adagrad_seg_f64,
    adamax_seg_f64, nadam_seg_f64, radam_seg_f64, adadelta_seg_f64};
#endif
