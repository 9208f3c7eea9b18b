/* attention.c — fused scaled dot-product attention, forward and backward side by side.  Bodies in
 * attention.inc, once per dtype.
 *
 * Tiled by blocks of query rows: a block's scores against every key it may see (all of them, or
 * the keys up to its last row when causal) are one GEMM into this thread's scratch, then the
 * masked, scaled softmax and the optional dropout run row by row in place, and the output block is
 * a second GEMM.  Only the row log-sum-exps are kept for backward (memory linear in the sequence
 * length), which recomputes each block's probabilities from them.  The causal mask is never
 * materialised; a float mask is added, broadcast over heads or batches by (bh / div) % mod.
 * Dropout draws come from a counter-based hash of (seed, bh, i, j), so backward regenerates
 * them instead of storing a mask.  A row with every key masked gives 0 (and lse = -inf), as
 * torch's CPU kernel does.  Forward splits (head, block) pairs over the pool, backward splits
 * heads (a head's dK and dV sum over its blocks); the GEMMs inside run serially. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <tgmath.h>
#include "internal.h"
#include "rowmath.h"

enum { A_BH, A_L, A_S, A_E, A_EV, A_CAUSAL, A_DIV, A_MOD };  /* the entries of g (FG_ATTN_GEOM) */
#define ATTN_ROWS 32  /* query rows per block */

/* keep (i, j) of head bh: splitmix64 of the element's counter, as a uniform in [0, 1) >= p */
static inline int attn_keep(uint64_t seed, int64_t bh, int64_t i, int64_t j, int64_t L, int64_t S, double p)
{
    uint64_t z = seed + ((uint64_t)((bh * L + i) * S + j) + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0) >= p;
}

#define FG_TEMPLATE "attention.inc"
#include "template.h"
