/* matmul_nd.c — a batch of matrix products with broadcast batch dims in one call, each product
 * through gemm.c's fg_gemm, optionally summed over batch dims (the backward of a broadcast
 * operand).  Small products are split over the thread pool by the first batch dim the output
 * keeps, so every output matrix adds its products in the same order at any thread count;
 * large products run one after another, each threaded inside fg_gemm.  Bit-identical results
 * at any thread count.  Body in matmul_nd.inc, once per dtype. */
#include <string.h>
#include "internal.h"

#define FG_ND_MAX 64
/* a product with at least this many flops is threaded by fg_gemm itself (gemm.c's threshold) */
#define FG_BATCH_SERIAL_FLOPS ((int64_t)1 << 21)

/* op(X) rows x cols stored with leading dim ld (transposed: cols x rows) is addressable */
static int mat_ok(int trans, int64_t rows, int64_t cols, int64_t ld)
{
    int64_t r = trans ? cols : rows, c = trans ? rows : cols;
    return r >= 0 && c >= 0 && ld >= c && ld >= 1;
}

#define FG_TEMPLATE "matmul_nd.inc"
#include "template.h"
