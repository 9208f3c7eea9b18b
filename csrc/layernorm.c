/* layernorm.c — layer normalisation over the last N elements of each of R rows, forward and
 * backward side by side (one pass over the data each).  Bodies in layernorm.inc, once per dtype.
 *
 * Rows are independent: the forward and dx split rows over the pool.  dw and db are column sums
 * over the rows; they split columns instead, so each sum is one thread's double accumulation in
 * row order and the results do not depend on the thread count.  Statistics are accumulated in
 * double, shifted by the row's first element (an accurate variance when |mean| >> std). */
#include <math.h>
#include "internal.h"

#define FG_TEMPLATE "layernorm.inc"
#include "template.h"
