/* per_isa.h — the preamble of a file whose loops are compiled for one SIMD level: floating-point
 * contraction off, so no multiply-add is fused into an FMA the reference level does not use and
 * the results stay bit-identical to it; then the common headers.  Include it first. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <string.h>
#include <tgmath.h>
#include "internal.h"
