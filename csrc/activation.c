/* activation.c — relu, leaky_relu, hardswish, hardsigmoid, sigmoid, tanh: forward and
 * backward side by side.  Bodies in activation.inc, once per dtype.  (softplus and the other
 * exp-based activations are in activation_more.c, gelu in gelu.c.) */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "math_avx2.h"

#define FG_TEMPLATE "activation.inc"
#include "template.h"

#if FG_X86
const fg_act_kernels_f32 fg_act_avx2_f32 = {fg_sigmoid_fwd_f32_avx2, fg_tanh_fwd_f32_avx2};
/* float64 has no SIMD variant: its AVX2 level runs the reference loops */
const fg_act_kernels_f64 fg_act_avx2_f64 = {fg_sigmoid_fwd_ref_f64, fg_tanh_fwd_ref_f64};
/* AVX-512: sigmoid and tanh on 16 lanes (math_avx512.c); gelu has its own family (gelu.c) */
const fg_act_kernels_f32 fg_act_avx512_f32 = {fg_sigmoid_fwd_f32_avx512, fg_tanh_fwd_f32_avx512};
const fg_act_kernels_f64 fg_act_avx512_f64 = {fg_sigmoid_fwd_ref_f64, fg_tanh_fwd_ref_f64};
#endif

/* one-element entry points (a value in, a value out: Python calls them without any buffer):
 * the array kernel run on one element, so each result is bitwise the kernel's at the active ISA */
#define ONE_ELEMENT(name, T, sfx)                                                              \
    T fg_##name##_fwd1_##sfx(T x) { T y; fg_##name##_fwd_##sfx(1, &x, &y); return y; }          \
    T fg_##name##_bwd1_##sfx(T s, T dy) { T dx; fg_##name##_bwd_##sfx(1, &s, &dy, &dx); return dx; }
ONE_ELEMENT(relu, float, f32)
ONE_ELEMENT(relu, double, f64)
ONE_ELEMENT(sigmoid, float, f32)
ONE_ELEMENT(sigmoid, double, f64)
ONE_ELEMENT(tanh, float, f32)
ONE_ELEMENT(tanh, double, f64)
