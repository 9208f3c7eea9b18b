/* loss.c — mse, cross-entropy with class indices (fused log-softmax), bce, bce with logits;
 * forward and backward.  Bodies in loss.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "simd.h"

#define T float
#define SUFFIX(name) name##_f32
#include "loss.inc"
#undef T
#undef SUFFIX
#define T double
#define SUFFIX(name) name##_f64
#include "loss.inc"
