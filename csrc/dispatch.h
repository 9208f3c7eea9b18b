/* dispatch.h — how every kernel family picks its ISA variant (never parsed by cffi).
 *
 * A family with ISA variants keeps one descriptor table (a struct of function pointers) per
 * ISA level and dtype — fg_gemm_kernel_*, fg_act_kernels_*, fg_optim_kernels_* in tables.inc,
 * fg_math_kernels_* in rowmath.inc — and picks one per call with FG_SELECT (through
 * fg_<family>_active_<dtype>(), or FG_MATH for the per-row maths).  The variants live in per-ISA files (gemm_avx2.c, math_avx2.c,
 * optim_avx512.c, ...), compiled with the baseline flags plus an FG_TARGET_* attribute on each
 * function, and run only through a table of a level cpu.c found (fg_set_isa refuses others).
 *
 * Template convention for the per-dtype .inc bodies: the includer defines T (the element type)
 * and NAME(x), which turns a base name into this instantiation's name (x##_f32 / x##_f64, plus a
 * variant tag where one file includes a template several times per dtype) — template.h does it
 * for the plain two-dtype case; per-ISA bodies also get FG_TARGET (the level's attribute, empty
 * for the reference level). */
#ifndef FASTGRAD_DISPATCH_H
#define FASTGRAD_DISPATCH_H
#include "fastgrad.h"

/* the one x86 test: 1 when the AVX2 / AVX-512 variants are compiled (x86-64, GCC or clang) */
#if defined(__x86_64__) && defined(__GNUC__)
#define FG_X86 1
#else
#define FG_X86 0
#endif

/* the ISA level every dispatching kernel uses (FG_ISA_*): the best the CPU supports, or
 * FASTGRAD_ISA, set once at load time by cpu.c and changed only by fg_set_isa */
extern int fg_active_isa;

/* the variant (usually a descriptor table's address) of the active ISA level; a family without
 * an AVX-512 variant passes its AVX2 one twice.  Off x86 only `ref` is named (the others need
 * not exist). */
#if FG_X86
#define FG_SELECT(ref, avx2, avx512)                                                     \
    (fg_active_isa >= FG_ISA_AVX512 ? (avx512) : fg_active_isa >= FG_ISA_AVX2 ? (avx2) : (ref))
#else
#define FG_SELECT(ref, avx2, avx512) (ref)
#endif

/* function attributes of the variants (the file itself is compiled for the baseline target) */
#define FG_TARGET_AVX2 __attribute__((target("avx2")))
#define FG_TARGET_AVX2_FMA __attribute__((target("avx2,fma")))
#define FG_TARGET_AVX512 __attribute__((target("avx512f")))

#endif
