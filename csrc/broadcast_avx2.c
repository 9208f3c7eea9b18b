/* broadcast_avx2.c — the row loops of broadcast_rows.inc compiled for AVX2: every function carries
 * FG_TARGET_AVX2 and runs only through this file's tables, which broadcast.c selects when cpu.c
 * found the level.  Contraction is off: results are bit-identical to the reference level's. */
#include "per_isa.h"

#if FG_X86
#define FG_TARGET FG_TARGET_AVX2

#define T float
#define NAME(x) x##_f32_avx2
#include "broadcast_rows.inc"
const fg_bcast_kernels_f32 fg_bcast_avx2_f32 = FG_BCAST_TABLE;
#undef FG_BCAST_TABLE
#undef T
#undef NAME

#define T double
#define NAME(x) x##_f64_avx2
#include "broadcast_rows.inc"
const fg_bcast_kernels_f64 fg_bcast_avx2_f64 = FG_BCAST_TABLE;
#endif
