/* batchnorm.c — batch normalisation over (N, C, HW) arrays, forward and backward side by side.
 * Bodies in batchnorm.inc, once per dtype.
 *
 * Channels are independent: each kernel splits them over the pool, and every per-channel sum is
 * one thread's double accumulation in a fixed order, so results do not depend on the thread
 * count.  Training statistics take one pass over x (sums shifted by the channel's first element,
 * which keeps the variance accurate when |mean| >> std); the output is a second pass. */
#include <math.h>
#include "internal.h"

#define FG_TEMPLATE "batchnorm.inc"
#include "template.h"
