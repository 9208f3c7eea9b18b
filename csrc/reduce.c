/* reduce.c — sum, sum/mean along an axis, max/min along an axis, softmax and log_softmax, and
 * the p-norm of many arrays (clip_grad_norm_).  Arrays are seen as (outer, len, inner) and
 * reduced over the middle axis; sums accumulate in double.  Bodies in reduce.inc, once per
 * dtype (T, NAME, and SI: the signed integer of T's width, allowed to alias T). */
#include <math.h>
#include <string.h>
#include <tgmath.h>
#include "internal.h"
#include "rowmath.h"

/* inner positions handled together, with a double accumulator per position on the stack */
#define FG_RBLOCK 256

#define T float
typedef int32_t __attribute__((may_alias)) fg_si32;
#define SI fg_si32
#define NAME(x) x##_f32
#include "reduce.inc"
#undef T
#undef SI
#undef NAME
#define T double
typedef int64_t __attribute__((may_alias)) fg_si64;
#define SI fg_si64
#define NAME(x) x##_f64
#include "reduce.inc"
