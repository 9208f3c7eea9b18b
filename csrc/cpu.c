/* cpu.c — CPU feature detection and the ISA level every descriptor table is selected by
 * (dispatch.h; threads: threadpool.c). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int fg_active_isa = FG_ISA_REFERENCE;

/* 1 when the CPU (and OS) can run kernels of ISA level `level` */
int fg_cpu_supports(int level)
{
    switch (level) {
    case FG_ISA_REFERENCE:
        return 1;
#if FG_X86
    case FG_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case FG_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
    default:
        return 0;
    }
}

int fg_get_isa(void) { return fg_active_isa; }

int fg_set_isa(int level)
{
    if (level < FG_ISA_REFERENCE || level > FG_ISA_AVX512 || !fg_cpu_supports(level))
        return -1;
    fg_active_isa = level;
    return 0;
}

/* pick the best level once at load time */
__attribute__((constructor)) static void fg_cpu_init(void)
{
    for (int level = FG_ISA_AVX512; level > FG_ISA_REFERENCE; --level)
        if (fg_cpu_supports(level)) {
            fg_active_isa = level;
            break;
        }
}
