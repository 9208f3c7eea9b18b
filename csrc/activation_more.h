/* activation_more.h — the per-ISA table of activation_more.c's kernels (never parsed by cffi).
 * One table per ISA level and dtype: fg_actm_ref_* (activation_more.c, the baseline target) and
 * fg_actm_avx2_* (activation_more_avx2.c, the same loops compiled for AVX2, exp through
 * math_avx2.c); the AVX-512 level uses the AVX2 table.  Every kernel takes its settings as an
 * array of doubles (elu: alpha, scale, input_scale; hardtanh: min, max; softplus: beta, threshold; others:
 * none). */
#ifndef FASTGRAD_ACTIVATION_MORE_H
#define FASTGRAD_ACTIVATION_MORE_H
#include "internal.h"

/* the ops of the table, in its order */
enum { FG_ACTM_SILU, FG_ACTM_MISH, FG_ACTM_ELU, FG_ACTM_LOGSIGMOID, FG_ACTM_SOFTSIGN, FG_ACTM_HARDTANH,
       FG_ACTM_SOFTPLUS, FG_ACTM_OPS };

#define FG_TEMPLATE "activation_more_table.inc"
#include "template.h"

#endif
