/* pool.c — 2-D max, average and adaptive average pooling over (planes, H, W) arrays, forward and
 * backward side by side (torch's CPU window rules).  Bodies in pool.inc, once per dtype.
 *
 * Geometry `g` (FG_POOL_GEOM int64 entries, fastgrad.h): P H W OH OW kh kw sh sw ph pw dh dw, with
 * P = N * C planes.  Planes are independent: every kernel splits them over the pool and each
 * output (or input-gradient) element is written by one thread, so results do not depend on the
 * thread count.  Window sums accumulate in double. */
#include <math.h>
#include <string.h>
#include "internal.h"

enum { P_P, P_H, P_W, P_OH, P_OW, P_KH, P_KW, P_SH, P_SW, P_PH, P_PW, P_DH, P_DW };

#define FG_TEMPLATE "pool.inc"
#include "template.h"
