/* reduce.c — sum, sum/mean along an axis, max/min along an axis, softmax and log_softmax.
 * Arrays are seen as (outer, len, inner) and reduced over the middle axis; sums accumulate in
 * double.  Bodies in reduce.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "simd.h"

/* inner positions handled together, with a double accumulator per position on the stack */
#define FG_RBLOCK 256

#define T float
#define SUFFIX(name) name##_f32
#include "reduce.inc"
#undef T
#undef SUFFIX
#define T double
#define SUFFIX(name) name##_f64
#include "reduce.inc"
