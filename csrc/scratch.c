/* scratch.c — per-thread scratch buffers that outlive a call: GEMM's packed panels, the linear
 * layer's masked gradient, convolution's im2col columns and dW partial sums.  Each thread keeps
 * one buffer per slot, grown to the largest request seen and reused, and freed when the thread
 * exits.  Buffers of 2 MiB or more are 2 MiB-aligned and advised as huge pages. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "internal.h"

typedef struct {
    void *p[FG_SCRATCH_SLOTS];
    size_t cap[FG_SCRATCH_SLOTS];
} scratch_set;
static _Thread_local scratch_set tls_scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *arg)
{
    scratch_set *s = arg;
    for (int i = 0; i < FG_SCRATCH_SLOTS; ++i) {
        free(s->p[i]);
        s->p[i] = NULL;
        s->cap[i] = 0;
    }
}

static void scratch_key_init(void) { pthread_key_create(&scratch_key, scratch_release); }

void *fg_scratch(int slot, size_t bytes)
{
    scratch_set *s = &tls_scratch;
    if (s->cap[slot] >= bytes && s->p[slot])
        return s->p[slot];
    pthread_once(&scratch_once, scratch_key_init);
    pthread_setspecific(scratch_key, s);
    free(s->p[slot]);
    s->p[slot] = NULL;
    s->cap[slot] = 0;
    size_t align = bytes >= ((size_t)1 << 21) ? (size_t)1 << 21 : 64;
    bytes = bytes ? (bytes + align - 1) / align * align : 64;
    void *p;
    if (posix_memalign(&p, align, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (align > 64)
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    s->p[slot] = p;
    s->cap[slot] = bytes;
    return p;
}
