/* activation.c — relu, leaky_relu, sigmoid, tanh, gelu, softplus: forward and backward side by
 * side.  Bodies in activation.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "simd.h"

#define T float
#define SUFFIX(name) name##_f32
#include "activation.inc"
#undef T
#undef SUFFIX
#define T double
#define SUFFIX(name) name##_f64
#include "activation.inc"

/* public entry points of the transcendental forwards: the AVX2 variant (float32) when the active
 * ISA level has it, the reference loop otherwise */
void fg_sigmoid_fwd_f32(int64_t n, const float *restrict x, float *restrict y)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2) {
        fg_sigmoid_fwd_f32_avx2(n, x, y);
        return;
    }
#endif
    fg_sigmoid_fwd_ref_f32(n, x, y);
}

void fg_sigmoid_fwd_f64(int64_t n, const double *restrict x, double *restrict y)
{
    fg_sigmoid_fwd_ref_f64(n, x, y);
}

void fg_tanh_fwd_f32(int64_t n, const float *restrict x, float *restrict y)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2) {
        fg_tanh_fwd_f32_avx2(n, x, y);
        return;
    }
#endif
    fg_tanh_fwd_ref_f32(n, x, y);
}

void fg_tanh_fwd_f64(int64_t n, const double *restrict x, double *restrict y)
{
    fg_tanh_fwd_ref_f64(n, x, y);
}

void fg_gelu_fwd_f32(int64_t n, const float *restrict x, float *restrict y, int approximate)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2) {
        fg_gelu_fwd_f32_avx2(n, x, y, approximate);
        return;
    }
#endif
    fg_gelu_fwd_ref_f32(n, x, y, approximate);
}

void fg_gelu_fwd_f64(int64_t n, const double *restrict x, double *restrict y, int approximate)
{
    fg_gelu_fwd_ref_f64(n, x, y, approximate);
}

void fg_gelu_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy,
                     float *restrict dx, int approximate)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2) {
        fg_gelu_bwd_f32_avx2(n, x, dy, dx, approximate);
        return;
    }
#endif
    fg_gelu_bwd_ref_f32(n, x, dy, dx, approximate);
}

void fg_gelu_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy,
                     double *restrict dx, int approximate)
{
    fg_gelu_bwd_ref_f64(n, x, dy, dx, approximate);
}

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
