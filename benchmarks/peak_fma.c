/* peak_fma.c — this core's float32 AVX2 FMA peak, the ceiling any GEMM-bound row can approach.
 *
 * 12 independent 8-wide FMA chains (more than latency x ports, so the FMA pipes never wait), timed
 * by the thread's CPU time (robust to other work sharing the machine), best of 5:
 *     gcc -O2 -mavx2 -mfma benchmarks/peak_fma.c -o /tmp/peak_fma && /tmp/peak_fma
 * flop rate = iterations x 12 chains x 8 lanes x 2 (multiply and add) / seconds. */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAIN(x) x = _mm256_fmadd_ps(x, b, c);

int main(void)
{
    volatile float seed = 1.0f;   /* distinct start values: the compiler cannot merge the chains */
    __m256 b = _mm256_set1_ps(1.0000001f), c = _mm256_set1_ps(1e-7f);
    __m256 a0 = _mm256_set1_ps(seed), a1 = _mm256_set1_ps(seed + 1), a2 = _mm256_set1_ps(seed + 2),
           a3 = _mm256_set1_ps(seed + 3), a4 = _mm256_set1_ps(seed + 4), a5 = _mm256_set1_ps(seed + 5),
           a6 = _mm256_set1_ps(seed + 6), a7 = _mm256_set1_ps(seed + 7), a8 = _mm256_set1_ps(seed + 8),
           a9 = _mm256_set1_ps(seed + 9), a10 = _mm256_set1_ps(seed + 10), a11 = _mm256_set1_ps(seed + 11);
    const long iters = 100000000;
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        for (long it = 0; it < iters; it++) {
            CHAIN(a0) CHAIN(a1) CHAIN(a2) CHAIN(a3) CHAIN(a4) CHAIN(a5)
            CHAIN(a6) CHAIN(a7) CHAIN(a8) CHAIN(a9) CHAIN(a10) CHAIN(a11)
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        double rate = (double)iters * 12 * 8 * 2 / s / 1e9;
        best = rate > best ? rate : best;
    }
    __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                               _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    sum = _mm256_add_ps(sum, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    printf("float32 AVX2 FMA peak, 1 thread: %.1f GFLOP/s (checksum %g)\n", best, (double)sum[0]);
    return 0;
}
