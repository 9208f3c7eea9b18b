/* optim_avx2.c — the optimizer loops of optim_kernels.inc compiled for AVX2: every function
 * carries __attribute__((target("avx2"))) and runs only when cpu.c found that level (optim.c
 * dispatches on fg_active_isa).  Floating-point contraction is off, so no multiply-add is fused
 * into an FMA the reference level does not use: results are bit-identical to optim.c's. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <tgmath.h>
#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#define OPTIM_TARGET __attribute__((target("avx2")))

#define T float
#define SUFFIX(name) name##_f32
#define ISA(name) name##_f32_avx2
#include "optim_kernels.inc"
#undef T
#undef SUFFIX
#undef ISA

#define T double
#define SUFFIX(name) name##_f64
#define ISA(name) name##_f64_avx2
#include "optim_kernels.inc"
#endif
