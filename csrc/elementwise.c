/* elementwise.c — binary/unary arithmetic, N-d broadcasting, pow, scale/axpy, clamp,
 * maximum/minimum backward, bias add and column sum.  Bodies in elementwise.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "simd.h"

#define T float
#define SUFFIX(name) name##_f32
#include "elementwise.inc"
#undef T
#undef SUFFIX
#define T double
#define SUFFIX(name) name##_f64
#include "elementwise.inc"
