/* scatter.c — accumulating scatters (index_add, scatter_add: embedding and gather backward), one
 * loop per dtype in scatter.inc.  Indices were validated in Python (every index in [0, m)): the
 * kernels trust them.  Sequential on purpose: duplicate indices make the writes collide, and one
 * thread keeps the summation order (hence the result) independent of the thread count. */
#include "internal.h"

#define FG_TEMPLATE "scatter.inc"
#include "template.h"
