/* activation.c — relu, leaky_relu, sigmoid, tanh, gelu, softplus: forward and backward side by
 * side.  Bodies in activation.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"

#define T float
#define SUFFIX(name) name##_f32
#include "activation.inc"
#undef T
#undef SUFFIX
#define T double
#define SUFFIX(name) name##_f64
#include "activation.inc"
