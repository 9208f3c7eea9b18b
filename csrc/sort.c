/* sort.c — selection of the k best elements along an axis (topk), seen as (outer, len, inner).
 * Sorting itself runs in numpy (see fastgrad/ops/sort.py).  Bodies in sort.inc, once per dtype. */
#include <stdint.h>
#include "internal.h"

#define FG_TEMPLATE "sort.inc"
#include "template.h"
