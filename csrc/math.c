/* math.c — the row and array maths shared by reduce, loss and elementwise (exp, exp(x - s),
 * exp-and-sum, row max, row dot in double): the reference loops (math.inc, once per dtype) and
 * the descriptor table of each ISA level (types and selection: internal.h). */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "math_avx2.h"

#define FG_TEMPLATE "math.inc"
#include "template.h"

#if FG_X86
const fg_math_kernels_f32 fg_math_avx2_f32 = {fg_vexp_f32_avx2, fg_vexpsub_f32_avx2, fg_vexpsum_f32_avx2,
                                              fg_vmax_f32_avx2, fg_vdot_f32_avx2};
/* float64: only the row max has an AVX2 variant */
const fg_math_kernels_f64 fg_math_avx2_f64 = {exp_ref_f64, expsub_ref_f64, expsum_ref_f64,
                                              fg_vmax_f64_avx2, rowdot_ref_f64};
#endif
