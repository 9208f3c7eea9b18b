/* elementwise.c — unary arithmetic, pow, scale/axpy, clamp, maximum/minimum backward, bias add
 * and column sum (binary arithmetic and broadcasting: broadcast.c).  Bodies in elementwise.inc, once per dtype. */
#include <math.h>
#include <tgmath.h>
#include "internal.h"
#include "rowmath.h"

#define FG_TEMPLATE "elementwise.inc"
#include "template.h"
