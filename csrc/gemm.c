/* gemm.c — matrix multiply.  PLACEHOLDER: a plain triple loop, correct but slow; the
 * packed, blocked, SIMD version replaces it (issue 4). */
#include <string.h>
#include "internal.h"

#define T float
#define SUFFIX(name) name##_f32
#include "gemm_naive.inc"
#undef T
#undef SUFFIX
#define T double
#define SUFFIX(name) name##_f64
#include "gemm_naive.inc"
