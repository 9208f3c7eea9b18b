/* loss.c — mse, cross-entropy with class indices (fused log-softmax), bce, bce with logits;
 * forward and backward.  Bodies in loss.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "rowmath.h"

#define FG_TEMPLATE "loss.inc"
#include "template.h"
