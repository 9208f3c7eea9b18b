/* optim.c — fused in-place optimizer updates with torch's formulas (SGD, Adam/AdamW, RMSprop,
 * Adagrad), following the operation order of torch's single-tensor implementations.  Arithmetic
 * is done in the parameter dtype with the hyper-parameters rounded to it, as torch does.
 * Bodies in optim.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"

#define T float
#define SUFFIX(name) name##_f32
#include "optim.inc"
#undef T
#undef SUFFIX
#define T double
#define SUFFIX(name) name##_f64
#include "optim.inc"
