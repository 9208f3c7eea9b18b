/* reduce.c — sum, sum/mean along an axis, max/min along an axis, softmax and log_softmax.
 * Arrays are seen as (outer, len, inner) and reduced over the middle axis; sums accumulate in
 * double.  Bodies in reduce.inc, once per dtype. */
#include <math.h>
#include <string.h>
#include <tgmath.h>
#include "internal.h"
#include "simd.h"

/* inner positions handled together, with a double accumulator per position on the stack */
#define FG_RBLOCK 256

#define T float
#define UT uint32_t   /* the integers of T's width; SI may alias T */
typedef int32_t __attribute__((may_alias)) fg_si32;
#define SI fg_si32
#define SUFFIX(name) name##_f32
#include "reduce.inc"
#undef T
#undef UT
#undef SI
#undef SUFFIX
#define T double
#define UT uint64_t
typedef int64_t __attribute__((may_alias)) fg_si64;
#define SI fg_si64
#define SUFFIX(name) name##_f64
#include "reduce.inc"
