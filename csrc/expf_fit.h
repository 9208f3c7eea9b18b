/* expf_fit.h — the float32 exp shared by the AVX2 (math_avx2.c) and AVX-512 (simd_avx512.h)
 * levels, so both give bitwise the same results.  Never parsed by cffi.
 *
 * e^x = 2^n (1 + q(r)):  big = x log2e + M rounds x log2e to the integer n (M = 1.5 2^23 + 127: its
 * float has ulp 1 and n + 127 in its low bits, so big shifted left by 23 is the float 2^n for n in
 * [-126, 127]); n = big - M exactly; r = x - n ln2 in two parts (Cody-Waite, |r| <= ln2/2);
 * q(r) = e^r - 1 = r + r^2 (C2 + C3 r + ... + C6 r^4), a degree-6 least-relative-error fit on
 * |r| <= ln2/2 (relative error 1.7e-8 with these float coefficients).  Checked over every float
 * in [-110, 95]: at most 1.16 ulp against exp in double (Cephes' expf, used before: 1.26). */
#ifndef FASTGRAD_EXPF_FIT_H
#define FASTGRAD_EXPF_FIT_H

#define FG_EXPF_M 12583039.0f                     /* 1.5 2^23 + 127 */
#define FG_EXPF_LOG2E 1.44269504088896341f
#define FG_EXPF_LN2_HI 0.693359375f
#define FG_EXPF_LN2_LO -2.12194440e-4f
#define FG_EXPF_C2 0x1.fffffcp-2f
#define FG_EXPF_C3 0x1.55541ap-3f
#define FG_EXPF_C4 0x1.555822p-5f
#define FG_EXPF_C5 0x1.126782p-7f
#define FG_EXPF_C6 0x1.6ae730p-10f
/* inputs whose e^x the fast path computes as fma(q, 2^n, 2^n): n in [-126, 127] and a normal
 * result (x in [LO, HI]; the fast path also gives NaN for NaN); others (overflow, gradual
 * underflow, inf) take the clamped path with 2^n applied in two halves.  One vector is checked as
 * |x - MID| <= HALF */
#define FG_EXPF_LO -87.3f
#define FG_EXPF_HI 88.3f
#define FG_EXPF_MID (0.5f * (FG_EXPF_LO + FG_EXPF_HI))
#define FG_EXPF_HALF (0.5f * (FG_EXPF_HI - FG_EXPF_LO))

#endif
