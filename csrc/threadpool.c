/* threadpool.c — a small persistent pthread pool behind fg_parallel_for and
 * fg_set_num_threads / fg_get_num_threads (no OpenMP runtime to clash with torch's or
 * OpenBLAS's).
 *
 * Design: the calling thread is worker 0; workers 1..nt-1 are started lazily the first
 * time a region needs them and then persist until fg_set_num_threads lowers the count:
 * then the workers with id >= the new count are woken, exit and are joined, so a region
 * only ever involves (and waits for) the workers of the current count.  A region publishes (fn, ctx, n, nt) and
 * bumps a generation counter; workers spin briefly on the counter after each region
 * (regions of one GEMM come back to back; after a few microseconds with sched_yield, so an
 * oversubscribed core is not burnt) and then sleep on a condition variable.  Chunk
 * t of a region is [n*t/nt, n*(t+1)/nt): boundaries depend only on n and nt.  Only one
 * region runs at a time: a call made inside a region, or while another thread owns the
 * pool, runs inline (serially).  Fork safety: pthread_atfork waits for a running region,
 * and the child forgets the workers (they do not exist there) and restarts them lazily. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include "internal.h"

#define MAX_THREADS FG_MAX_THREADS
#define SPIN_NS 200000   /* how long an idle worker polls before sleeping */
#define SPIN_POLLS 1000 /* plain polls (about a microsecond) before polling with sched_yield */

static struct {
    pthread_mutex_t owner;           /* held by the thread running a region (and by fork) */
    pthread_mutex_t mu;              /* protects sleeping workers' wait */
    pthread_cond_t wake;
    atomic_ulong generation;         /* bumped once per region */
    atomic_int pending;              /* workers still inside the current region */
    fg_range_fn fn;
    void *ctx;
    int64_t n;
    int nt;                          /* threads of the current region, caller included */
    int started;                     /* workers running: ids 1..started */
    int keep;                        /* workers with id > keep exit after the current region */
    int requested;                   /* fg_set_num_threads */
    pthread_t tid[MAX_THREADS];
    unsigned long start_gen[MAX_THREADS]; /* generation before a worker's first region */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          0, 0, 0, 0, 0, 0, 0, MAX_THREADS, 1, {0}, {0}};

static _Thread_local int in_region; /* this thread is executing a chunk */

/* one poll of a spin loop: a compiler barrier only.  Not the x86 `pause` instruction: under
 * KVM a vCPU executing pause in a loop triggers pause-loop exiting and is descheduled, so the
 * worker misses the next region by tens of microseconds (measured on these VMs: a 32x784 by
 * 784x128 GEMM took 146 us on 2 threads with pause, 39 us without, 38 us on 1 thread). */
static inline void cpu_relax(void)
{
    __asm__ volatile("" ::: "memory");
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void run_chunk(int t)
{
    int64_t n = pool.n, nt = pool.nt;
    int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    if (begin < end) {
        in_region = 1;
        pool.fn(pool.ctx, begin, end);
        in_region = 0;
    }
}

static void *worker_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    unsigned long seen = pool.start_gen[id];
    for (;;) {
        /* wait for the next region: spin, then sleep */
        unsigned long gen;
        int64_t spin_until = now_ns() + SPIN_NS;
        int polls = 0;
        while ((gen = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
            if (++polls < SPIN_POLLS)
                cpu_relax();
            else
                sched_yield(); /* let a thread that shares this core (ours or not) run */
            if (polls % 64 == 0 && now_ns() > spin_until) {
                pthread_mutex_lock(&pool.mu);
                while ((gen = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen)
                    pthread_cond_wait(&pool.wake, &pool.mu);
                pthread_mutex_unlock(&pool.mu);
                break;
            }
        }
        seen = gen;
        if (id < pool.nt)
            run_chunk(id);
        int quit = id > pool.keep;  /* read before pending reaches 0 and the owner moves on */
        atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_acq_rel); /* done or idle */
        if (quit)
            return NULL;
    }
}

/* wake every started worker for the region in pool (fn, ctx, n, nt); each one decrements
 * pending when done (workers with id >= nt just acknowledge).  Caller owns the pool. */
static void publish(void)
{
    atomic_store_explicit(&pool.pending, pool.started, memory_order_relaxed);
    pthread_mutex_lock(&pool.mu);
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
}

/* until every worker woken by publish() has acknowledged */
static void wait_workers(void)
{
    for (int polls = 0; atomic_load_explicit(&pool.pending, memory_order_acquire) != 0;)
        if (++polls < SPIN_POLLS)
            cpu_relax();
        else
            sched_yield();
}

/* start workers up to id nt-1; returns the number of threads available (caller included) */
static int ensure_workers(int nt)
{
    while (pool.started + 1 < nt) {
        int id = pool.started + 1;
        pool.start_gen[id] = atomic_load(&pool.generation); /* stable: we own the pool */
        if (pthread_create(&pool.tid[id], NULL, worker_main, (void *)(intptr_t)id) != 0)
            break;
        pool.started = id;
    }
    return pool.started + 1 < nt ? pool.started + 1 : nt;
}

int fg_parallel_threads(int64_t n, int64_t cost_per_item)
{
    int nt = pool.requested;
    if (nt <= 1 || n < 2 || in_region || n * cost_per_item < FG_PARALLEL_MIN_COST)
        return 1;
    return n < nt ? (int)n : nt;
}

void fg_parallel_for(int64_t n, int64_t cost_per_item, fg_range_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    int nt = fg_parallel_threads(n, cost_per_item);
    if (nt <= 1 || pthread_mutex_trylock(&pool.owner) != 0) {
        fn(ctx, 0, n); /* serial: small, nested, or the pool is busy with another thread */
        return;
    }
    nt = ensure_workers(nt);
    if (nt <= 1) {
        pthread_mutex_unlock(&pool.owner);
        fn(ctx, 0, n);
        return;
    }
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.nt = nt;
    publish();
    run_chunk(0);
    wait_workers();
    pthread_mutex_unlock(&pool.owner);
}

int fg_get_num_threads(void) { return pool.requested; }

int fg_get_num_workers(void) { return pool.started; }

/* the surplus workers (ids >= nt) are told to exit by an empty region and joined; called
 * from inside a region (a kernel, never in practice) it only records the count */
void fg_set_num_threads(int n)
{
    n = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
    pool.requested = n;
    if (in_region)
        return;
    pthread_mutex_lock(&pool.owner);   /* waits for a region another thread is running */
    if (pool.started >= n) {
        int old = pool.started;
        pool.keep = n - 1;
        pool.nt = 0;                     /* no chunks: every worker acknowledges, ids >= n exit */
        publish();
        wait_workers();
        for (int id = n; id <= old; ++id)
            pthread_join(pool.tid[id], NULL);
        pool.started = n - 1;
        pool.keep = MAX_THREADS;
    }
    pthread_mutex_unlock(&pool.owner);
}

/* fork: hold the pool so no region is half-done, then give the child a fresh pool */
static void atfork_prepare(void) { pthread_mutex_lock(&pool.owner); }
static void atfork_parent(void) { pthread_mutex_unlock(&pool.owner); }
static void atfork_child(void)
{
    pthread_mutex_init(&pool.owner, NULL);
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.wake, NULL);
    atomic_store(&pool.pending, 0);
    pool.started = 0; /* the workers were not copied into the child */
}

__attribute__((constructor)) static void threadpool_init(void)
{
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}
