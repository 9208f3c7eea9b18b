/* scan.c — cumulative sum, product and log-sum-exp along an axis, forward and backward.  Arrays
 * are seen as (outer, len, inner) and scanned along the middle axis; accumulation in double (as
 * torch's CPU scans).  Bodies in scan.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"

/* inner positions scanned together, with a double accumulator per position on the stack */
#define FG_RBLOCK 256

#define FG_TEMPLATE "scan.inc"
#include "template.h"
