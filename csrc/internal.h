/* internal.h — private helpers shared by the C sources (never parsed by cffi). */
#ifndef FASTGRAD_INTERNAL_H
#define FASTGRAD_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "fastgrad.h"

/* The ISA level every dispatching kernel uses (FG_ISA_*); set once at load time by cpu.c
 * (best level the CPU supports, or FASTGRAD_ISA), changed only by fg_set_isa. */
extern int fg_active_isa;

/* Run fn(ctx, begin, end) over [0, n) split into contiguous chunks, on the worker threads
 * when n * cost_per_item is above the parallel threshold, inline otherwise.  Chunk
 * boundaries depend only on n and the thread count, never on timing. */
typedef void (*fg_range_fn)(void *ctx, int64_t begin, int64_t end);
void fg_parallel_for(int64_t n, int64_t cost_per_item, fg_range_fn fn, void *ctx);

#define FG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define FG_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
