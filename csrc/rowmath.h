/* rowmath.h — the row and array maths shared by reduce, loss and elementwise: exp, exp(x - s),
 * exp-and-sum, row max, row dot and squared distance in double, and the one-pass row kernels of
 * softmax / log_softmax / cross-entropy, with an AVX2 variant (math_avx2.c) for float32 (and the
 * float64 row max) and an AVX-512 one (math_avx512.c) for the exp-based float32 kernels.  These
 * run once per row of a softmax or a cross-entropy, so their
 * descriptor tables are static const here, in every file that calls them, and FG_MATH selects
 * between direct calls into them (a reference-level log_softmax of 256 rows of 10 measured
 * 14.3 us with an indirect call per row helper, 11.3 us with direct calls).  Reference loops and types: rowmath.inc. */
#ifndef FASTGRAD_ROWMATH_H
#define FASTGRAD_ROWMATH_H
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "math_avx2.h"

#define FG_TEMPLATE "rowmath.inc"
#include "template.h"

#if FG_X86
static const fg_math_kernels_f32 fg_math_avx2_f32 = {fg_vexp_f32_avx2, fg_vexpsub_f32_avx2,
                                                     fg_vexpsum_f32_avx2, fg_vmax_f32_avx2,
                                                     fg_vdot_f32_avx2, fg_vsqdist_f32_avx2,
                                                     fg_vscale_f32_avx2, fg_vshift2_f32_avx2,
                                                     fg_vexpmul_f32_avx2, fg_vdyexp_f32_avx2,
                                                     fg_vexpsumd_f32_avx2};
/* float64: only the row max has an AVX2 variant */
static const fg_math_kernels_f64 fg_math_avx2_f64 = {exp_ref_f64, expsub_ref_f64, expsum_ref_f64,
                                                     fg_vmax_f64_avx2, rowdot_ref_f64, sqdist_ref_f64,
                                                     scale_ref_f64, shift2_ref_f64, expmul_ref_f64,
                                                     dyexp_ref_f64, expsumd_ref_f64};

/* AVX-512: the exp-based float32 kernels and the row max, scaling and shift of the softmax rows
 * (math_avx512.c); the double-accumulating dot and squared distance are AVX2's */
static const fg_math_kernels_f32 fg_math_avx512_f32 = {
    fg_vexp_f32_avx512, fg_vexpsub_f32_avx512, fg_vexpsum_f32_avx512, fg_vmax_f32_avx512,
    fg_vdot_f32_avx2, fg_vsqdist_f32_avx2, fg_vscale_f32_avx512, fg_vshift2_f32_avx512,
    fg_vexpmul_f32_avx512, fg_vdyexp_f32_avx512, fg_vexpsumd_f32_avx512};
#define fg_math_avx512_f64 fg_math_avx2_f64
#endif

/* FG_MATH(fn, args...): the math table's `fn` of the active ISA level called on args, for the
 * dtype of the enclosing template (NAME) */
#define FG_MATH(fn, ...)                                                                  \
    FG_SELECT(NAME(fg_math_ref).fn(__VA_ARGS__), NAME(fg_math_avx2).fn(__VA_ARGS__),       \
              NAME(fg_math_avx512).fn(__VA_ARGS__))

#endif
