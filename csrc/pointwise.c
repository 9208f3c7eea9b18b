/* pointwise.c — the pointwise maths of torch (sin ... rad2deg, atan2 ... heaviside, lerp, addcmul,
 * addcdiv): one table-driven family, an op code per function rather than a file per function.
 * Reference loops (libm, or the double helpers below) in pointwise.inc, once per dtype; the float32
 * kernels with an AVX2 variant (pointwise_avx2.c) run through its tables at the AVX2 and AVX-512
 * levels; float64 always runs the reference loops.  Large arrays are split over the thread pool
 * in chunks of PW_CHUNK elements (each element's arithmetic is the same whatever the split). */
#define _GNU_SOURCE /* lgamma_r: lgamma writes the global signgam */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "pointwise.h"

#define PW_CHUNK 8192
#define PI_D 3.14159265358979323846

/* erfinv(y): Giles' single-precision approximation (2010), then two Newton steps on erf in double */
static double pw_erfinv(double y)
{
    if (!(fabs(y) < 1.0))
        return y == 1.0 ? INFINITY : y == -1.0 ? -INFINITY : NAN;
    double w = -log((1.0 - y) * (1.0 + y)), p;
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    double x = p * y;
    for (int k = 0; k < 2; ++k)    /* Newton: x -= (erf x - y) / erf'(x) */
        x -= (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
    return x;
}

/* digamma(x): torch's calc_digamma — 0 gives -inf (+inf at -0), negative integers NaN, reflection
 * for x < 0, recurrence up to x >= 10, then the asymptotic series */
double fg_pw_digamma(double x)
{
    if (x == 0)
        return copysign(INFINITY, -x);
    if (x < 0) {
        if (x == trunc(x))
            return NAN;
        double q, r = modf(x, &q);   /* pi / tan(pi x) with the argument reduced exactly */
        return fg_pw_digamma(1 - x) - PI_D / tan(PI_D * r);
    }
    double result = 0;
    while (x < 10) {
        result -= 1 / x;
        x += 1;
    }
    if (x == 10)
        return result + 2.25175258906672110764;
    static const double B[] = {8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                               -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                               8.33333333333333333333E-2};
    double y = 0;
    if (x < 1.0e17) {
        double z = 1 / (x * x), s = 0;
        for (int i = 0; i < 7; ++i)
            s = s * z + B[i];
        y = z * s;
    }
    return result + log(x) - 0.5 / x - y;
}

/* trigamma(x) = digamma'(x): torch's calc_trigamma (reflection below 1/2, six recurrence steps, series) */
static double pw_trigamma(double x)
{
    double sign = 1, result = 0;
    if (x < 0.5) {
        sign = -1;
        double s = sin(PI_D * x);
        result -= PI_D * PI_D / (s * s);
        x = 1 - x;
    }
    for (int i = 0; i < 6; ++i) {
        result += 1 / (x * x);
        x += 1;
    }
    double ixx = 1 / (x * x);
    result += (1 + 1 / (2 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x;
    return sign * result;
}

/* log |Gamma(x)| per dtype (lgammaf_r for float32, as torch's std::lgamma(float)) */
static float pw_lgamma_f32(float x)
{
    int s;
    return lgammaf_r(x, &s);
}

static double pw_lgamma_f64(double x)
{
    int s;
    return lgamma_r(x, &s);
}

/* rough scalar operations per element (fg_parallel_for's unit): rounding 2, a libm call 40 */
static int64_t pw_cost(int op)
{
    switch (op) {
    case FG_PW_FLOOR: case FG_PW_CEIL: case FG_PW_ROUND: case FG_PW_TRUNC: case FG_PW_FRAC:
    case FG_PW_DEG2RAD: case FG_PW_RAD2DEG:
        return 2;
    default:
        return 40;
    }
}

#define FG_TEMPLATE "pointwise.inc"
#include "template.h"

/* the SIMD variants (pointwise.h): float32 at the AVX2 level and above, when the op has one and
 * its setting is the default (round with decimals and logit with eps run the reference loops) */
static fg_pw_fwd_fn_f32 pw_fwd_simd_f32(int op, double p)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2 && op >= 0 && op < FG_PW_COUNT && !(op == FG_PW_ROUND && p != 0)
        && !(op == FG_PW_LOGIT && p >= 0))
        return fg_pw_fwd_avx2_f32[op];
#endif
    (void)op, (void)p;
    return NULL;
}

static fg_pw_bwd_fn_f32 pw_bwd_simd_f32(int op, double p)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2 && op >= 0 && op < FG_PW_COUNT && !(op == FG_PW_LOGIT && p >= 0))
        return fg_pw_bwd_avx2_f32[op];
#endif
    (void)op, (void)p;
    return NULL;
}

static fg_pw2_fwd_fn_f32 pw2_fwd_simd_f32(int op)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2 && op >= 0 && op < FG_PW2_COUNT)
        return fg_pw2_fwd_avx2_f32[op];
#endif
    (void)op;
    return NULL;
}

static fg_pw2_bwd_fn_f32 pw2_bwd_simd_f32(int op)
{
#if FG_X86
    if (fg_active_isa >= FG_ISA_AVX2 && op >= 0 && op < FG_PW2_COUNT)
        return fg_pw2_bwd_avx2_f32[op];
#endif
    (void)op;
    return NULL;
}

/* float64 has no SIMD variants */
static fg_pw2_bwd_fn_f64 pw2_bwd_simd_f64(int op) { (void)op; return NULL; }
static fg_pw_fwd_fn_f64 pw_fwd_simd_f64(int op, double p) { (void)op, (void)p; return NULL; }
static fg_pw_bwd_fn_f64 pw_bwd_simd_f64(int op, double p) { (void)op, (void)p; return NULL; }
static fg_pw2_fwd_fn_f64 pw2_fwd_simd_f64(int op) { (void)op; return NULL; }
