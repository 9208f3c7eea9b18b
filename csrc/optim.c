/* optim.c — fused in-place optimizer updates with torch's formulas (SGD, Adam/AdamW, RMSprop,
 * Adagrad; Adamax, NAdam, RAdam, Adadelta in optim_more.inc / optim_more_kernels.inc), following the operation order of torch's single-tensor implementations.  Arithmetic
 * is done in the parameter dtype with the hyper-parameters rounded to it, as torch does.
 *
 * The loops (optim_kernels.inc) are compiled three times: here for the baseline target (the
 * reference level), in optim_avx2.c and optim_avx512.c for those levels; the entry points
 * (optim.inc, once per dtype) select the level's table (dispatch.h) and split large updates over the
 * thread pool.  All three levels give bit-identical results (no FMA contraction, exactly
 * rounded sqrt and division), at any thread count. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")   /* the reference too, e.g. under FASTGRAD_NATIVE=1 */
#endif
#include <math.h>
#include <tgmath.h>
#include "internal.h"

/* work per float32 element (a float64 element counts twice) in fg_parallel_for's units: an
 * update is threaded from 2^18 / cost float32 elements on (FG_PARALLEL_MIN_COST = 2^18).
 * Measured on Zen 4, AVX-512, spinning workers: 2 threads beat 1 from about 45k elements for
 * SGD-momentum (32k: 2.4 vs 3.0 us, 64k: 5.7 vs 4.2 us), 24k for Adam (16k: 2.8 vs 3.8 us,
 * 32k: 5.2 vs 4.4 us); RMSprop and Adagrad (a sqrt and a division each) are costed as Adam. */
#ifndef FG_SGD_COST   /* -DFG_SGD_COST=... etc. for measuring */
#define FG_SGD_COST 6
#endif
#ifndef FG_ADAM_COST
#define FG_ADAM_COST 11
#endif
#ifndef FG_RMSPROP_COST
#define FG_RMSPROP_COST 11
#endif
#ifndef FG_ADAGRAD_COST
#define FG_ADAGRAD_COST 11
#endif
/* Adamax, NAdam, RAdam, Adadelta (optim_more.inc): not measured; costed as Adam (Adadelta and
 * NAdam, with two square roots or two divisions, a little more) */
#ifndef FG_ADAMAX_COST
#define FG_ADAMAX_COST 11
#endif
#ifndef FG_NADAM_COST
#define FG_NADAM_COST 13
#endif
#ifndef FG_RADAM_COST
#define FG_RADAM_COST 13
#endif
#ifndef FG_ADADELTA_COST
#define FG_ADADELTA_COST 14
#endif

#define FG_TARGET   /* the reference level: the baseline target */
#define T float
#define NAME(x) x##_f32
#include "optim_kernels.inc"
const fg_optim_kernels_f32 fg_optim_ref_f32 = {sgd_seg_f32, adam_seg_f32, rmsprop_seg_f32, adagrad_seg_f32,
    adamax_seg_f32, nadam_seg_f32, radam_seg_f32, adadelta_seg_f32};
#include "optim.inc"
#include "optim_more.inc"
#undef T
#undef NAME

#define T double
#define NAME(x) x##_f64
#include "optim_kernels.inc"
const fg_optim_kernels_f64 fg_optim_ref_f64 = {sgd_seg_f64, adam_seg_f64, rmsprop_seg_f64, adagrad_seg_f64,
    adamax_seg_f64, nadam_seg_f64, radam_seg_f64, adadelta_seg_f64};
#include "optim.inc"
#include "optim_more.inc"
