/* cpu.c — CPU feature detection and the ISA level every descriptor table is selected by
 * (dispatch.h; threads: threadpool.c). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#if FG_X86
#include <cpuid.h>
#endif

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

/* 1 when the CPU executes 512-bit vector instructions as two 256-bit halves, so that an AVX-512
 * tile has no more flops per cycle than an AVX2 one: AMD family 0x19 (Zen 4; Zen 3, the same
 * family, has no AVX-512 and never asks).  cpuid leaf 0 (vendor) and leaf 1 (family). */
int fg_cpu_avx512_halves(void)
{
#if FG_X86
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx) || ebx != 0x68747541u) /* "Auth"enticAMD */
        return 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    unsigned family = (eax >> 8) & 0xF;
    if (family == 0xF)
        family += (eax >> 20) & 0xFF;
    return family == 0x19;
#else
    return 0;
#endif
}

/* ---- data cache sizes (the GEMM's blocking rule, gemm.c, is built on them) ---- */
static int64_t cache_info[4]; /* L1d, L2, L3 bytes, CPUs sharing the L3 */

/* number of CPUs in a sysfs list such as "0-3,8-11" */
static int64_t cpu_list_count(const char *s)
{
    int64_t count = 0;
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        count += b >= a ? b - a + 1 : 1;
        s = *end == ',' ? end + 1 : end;
        if (*s == '\n')
            break;
    }
    return count;
}

static int read_line(const char *dir, const char *name, char *buf, size_t len)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    return ok ? 0 : -1;
}

/* Linux: /sys/devices/system/cpu/cpu0/cache/index<i>/{level,type,size,shared_cpu_list} */
static void caches_from_sysfs(void)
{
    for (int i = 0; i < 16; ++i) {
        char dir[96], level[16], type[32], size[32], shared[256];
        snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu0/cache/index%d", i);
        if (read_line(dir, "level", level, sizeof level) || read_line(dir, "type", type, sizeof type) ||
            read_line(dir, "size", size, sizeof size))
            break;
        int lv = atoi(level);
        char *unit;
        int64_t bytes = strtoll(size, &unit, 10);
        bytes *= *unit == 'K' ? 1024 : *unit == 'M' ? 1024 * 1024 : 1;
        if (lv < 1 || lv > 3 || bytes <= 0 || (lv == 1 && strncmp(type, "Data", 4) != 0) ||
            (lv > 1 && strncmp(type, "Unified", 7) != 0))
            continue;
        cache_info[lv - 1] = bytes;
        if (lv == 3 && read_line(dir, "shared_cpu_list", shared, sizeof shared) == 0)
            cache_info[3] = cpu_list_count(shared);
    }
}

/* x86 without sysfs: deterministic cache parameters, cpuid leaf 4 (Intel) or 0x8000001D (AMD) */
static void caches_from_cpuid(void)
{
#if FG_X86
    unsigned eax, ebx, ecx, edx, leaf = 4, max_ext = __get_cpuid_max(0x80000000, NULL);
    if (max_ext >= 0x8000001D && __get_cpuid_count(0x8000001D, 0, &eax, &ebx, &ecx, &edx) && (eax & 31))
        leaf = 0x8000001D;
    for (unsigned i = 0; i < 16; ++i) {
        if (!__get_cpuid_count(leaf, i, &eax, &ebx, &ecx, &edx) || (eax & 31) == 0)
            break;
        unsigned type = eax & 31, lv = (eax >> 5) & 7;
        int64_t bytes = (int64_t)(((ebx >> 22) & 1023) + 1) * (((ebx >> 12) & 1023) + 1) *
                        ((ebx & 4095) + 1) * ((int64_t)ecx + 1);
        if (lv >= 1 && lv <= 3 && (type == 1 || type == 3) && !cache_info[lv - 1]) {
            cache_info[lv - 1] = bytes;
            if (lv == 3)
                cache_info[3] = ((eax >> 14) & 4095) + 1;
        }
    }
#endif
}

static void fg_cache_init(void)
{
    caches_from_sysfs();
    if (!cache_info[0] || !cache_info[1])
        caches_from_cpuid();
    static const int64_t fallback[4] = {32 << 10, 512 << 10, 8 << 20, 1};
    for (int i = 0; i < 4; ++i)
        if (cache_info[i] <= 0)
            cache_info[i] = fallback[i];
}

void fg_cache_sizes(int64_t *out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fg_cache_init);
    for (int i = 0; i < 4; ++i)
        out[i] = cache_info[i];
}
