/* threadpool.c — a small persistent pthread pool behind fg_parallel_for and
 * fg_set_num_threads / fg_get_num_threads (no OpenMP runtime to clash with torch's or
 * OpenBLAS's).
 *
 * Design: the calling thread is worker 0; workers 1..nt-1 are started lazily the first
 * time a region needs them and then persist until fg_set_num_threads lowers the count:
 * then the workers with id >= the new count are woken, exit and are joined, so a region
 * only ever involves (and waits for) the workers of the current count.  A region publishes (fn, ctx, n, nt)
 * and bumps a generation counter; workers spin briefly on the counter after each region
 * (regions of one GEMM come back to back; after a few microseconds with sched_yield, so an
 * oversubscribed core is not burnt) and then sleep on a condition variable.  Chunk
 * t of a region is [n*t/nt, n*(t+1)/nt): boundaries depend only on n and nt.  Chunks are
 * claimed, not assigned: the caller runs chunk 0 and then claims whatever chunk no worker has
 * claimed yet, and returns as soon as every chunk is done.  A worker that wakes late finds
 * nothing left and goes back to waiting: the caller never waits for a worker that has no work
 * (it used to wait for every worker's acknowledgement, which cost a whole wake-up when the
 * caller had already done everything).  Only one
 * region runs at a time: a call made inside a region, or while another thread owns the
 * pool, runs inline (serially).  Fork safety: pthread_atfork waits for a running region,
 * and the child forgets the workers (they do not exist there) and restarts them lazily.
 *
 * Claiming: one 64-bit word holds (generation << 32 | chunks << 16 | next unclaimed chunk); a
 * claim is a compare-and-swap that keeps the generation, so a worker still looking at an older
 * region can only claim in the current one (whose fn, ctx, n, nt were written before the word).
 * The chunk count is in the word, not read from pool.nt: the caller writes the next region's nt
 * before it publishes that region, and a worker comparing a finished region's last chunk number
 * with the new, larger nt used to claim a chunk that did not exist, run it with the new region's
 * fn and ctx, and count it done there (the caller then returned while that chunk still ran: a
 * crash in CI's sanitizer stage, a test raising the thread count from 2 to 3 to 4). */
#define _GNU_SOURCE /* sched_getcpu, sched_setaffinity: see move_off_cpu */
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
    atomic_ullong word;              /* generation << 32 | chunks << 16 | next unclaimed chunk */
    atomic_llong done;               /* chunks of the current region finished */
    fg_range_fn fn;
    void *ctx;
    int64_t n;
    int nt;                          /* threads of the current region, caller included */
    int started;                     /* workers running: ids 1..started */
    atomic_int keep;                 /* workers with id > keep exit when next woken */
    int requested;                   /* fg_set_num_threads */
    pthread_t tid[MAX_THREADS];
    uint32_t start_gen[MAX_THREADS]; /* generation before a worker's first region */
    atomic_llong last_end_ns;        /* when the last region ended (0: none yet) */
    atomic_int caller_cpu;           /* the CPU the region's caller published it from (-1: unknown) */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          0, 0, 0, 0, 0, 0, 0, MAX_THREADS, 1, {0}, {0}, 0, -1};

#define GEN(w) ((uint32_t)((w) >> 32))
#define CHUNKS(w) ((int64_t)((w) >> 16 & 0xFFFFu))
#define NEXT(w) ((int64_t)((w) & 0xFFFFu))
_Static_assert(MAX_THREADS < 0xFFFF, "a region's chunk count and next chunk fit 16 bits of the word");

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

/* chunk t of nt of the current region */
static void run_chunk(int64_t t, int64_t nt)
{
    int64_t n = pool.n;
    int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    if (begin < end) {
        in_region = 1;
        pool.fn(pool.ctx, begin, end);
        in_region = 0;
    }
    atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
}

/* claim and run unclaimed chunks of the region of generation gen until none is left */
static void run_claimed(uint32_t gen)
{
    unsigned long long w = atomic_load_explicit(&pool.word, memory_order_acquire);
    while (GEN(w) == gen && NEXT(w) < CHUNKS(w)) {
        if (atomic_compare_exchange_weak_explicit(&pool.word, &w, w + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            run_chunk(NEXT(w), CHUNKS(w));
            w = atomic_load_explicit(&pool.word, memory_order_acquire);
        }
    }
}

/* A worker woken from its sleep can be put on the CPU of the thread that woke it (the caller)
 * even when another CPU is idle, and then stays there: measured on a 2-vCPU KVM guest, after the
 * pool slept 10 ms, 40 GEMMs of 32x784x128 in a row ran at 77 us each on 2 threads (72 us on 1,
 * 41 us when the worker had its own CPU), the worker on the caller's CPU after the run.  So a
 * worker that wakes on the caller's CPU moves itself: to the (id)-th other CPU it may run on,
 * through an affinity of that one CPU (which migrates it at once), and back to its whole
 * affinity (which lets the scheduler move it later as it likes).  Linux only; elsewhere nothing. */
static void move_off_cpu(int id)
{
#ifdef __linux__
    int caller = atomic_load_explicit(&pool.caller_cpu, memory_order_relaxed);
    if (caller < 0 || sched_getcpu() != caller)
        return;
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    int others = CPU_COUNT(&allowed) - (CPU_ISSET(caller, &allowed) ? 1 : 0);
    if (others <= 0)
        return;
    for (int c = 0, seen = 0; c < CPU_SETSIZE; ++c) {
        if (c == caller || !CPU_ISSET(c, &allowed) || seen++ != (id - 1) % others)
            continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        if (sched_setaffinity(0, sizeof one, &one) == 0)
            sched_setaffinity(0, sizeof allowed, &allowed);
        return;
    }
#else
    (void)id;
#endif
}

static void *worker_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint32_t seen = pool.start_gen[id];
    for (;;) {
        /* wait for the next region: spin, then sleep */
        uint32_t gen;
        int64_t spin_until = now_ns() + SPIN_NS;
        int polls = 0;
        while ((gen = GEN(atomic_load_explicit(&pool.word, memory_order_acquire))) == seen) {
            if (++polls < SPIN_POLLS)
                cpu_relax();
            else
                sched_yield(); /* let a thread that shares this core (ours or not) run */
            if (polls % 64 == 0 && now_ns() > spin_until) {
                pthread_mutex_lock(&pool.mu);
                while ((gen = GEN(atomic_load_explicit(&pool.word, memory_order_acquire))) == seen)
                    pthread_cond_wait(&pool.wake, &pool.mu);
                pthread_mutex_unlock(&pool.mu);
                move_off_cpu(id);
                break;
            }
        }
        seen = gen;
        if (id > atomic_load_explicit(&pool.keep, memory_order_acquire))
            return NULL; /* fg_set_num_threads lowered the count: joined there */
        run_claimed(gen);
    }
}

/* a new region in pool (fn, ctx, n, nt, written by the caller, who owns the pool): chunk 0 is
 * the caller's; wake the workers */
static uint32_t publish(void)
{
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    uint32_t gen = GEN(atomic_load_explicit(&pool.word, memory_order_relaxed)) + 1;
    pthread_mutex_lock(&pool.mu);
    atomic_store_explicit(&pool.word, (unsigned long long)gen << 32 | (unsigned long long)pool.nt << 16 | 1,
                          memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    return gen;
}

/* until every chunk of the region is done (only claimed chunks can be outstanding) */
static void wait_chunks(void)
{
    for (int polls = 0; atomic_load_explicit(&pool.done, memory_order_acquire) < pool.nt;)
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
        pool.start_gen[id] = GEN(atomic_load(&pool.word)); /* stable: we own the pool */
        if (pthread_create(&pool.tid[id], NULL, worker_main, (void *)(intptr_t)id) != 0)
            break;
        pool.started = id;
    }
    return pool.started + 1 < nt ? pool.started + 1 : nt;
}

/* ---- what a region costs, and the threshold derived from it ----------------------------------
 * A region's cost is how long the caller waits for a worker to join: measured the first time a
 * region is asked for (and again if disturbed, below) with a probe whose chunk 0 (the caller)
 * spins until chunk 1 has started on a worker: with the workers spinning (hot: regions back to
 * back) and asleep (cold: past SPIN_NS, a futex wake), the least of several tries (a try that
 * found the core busy measured the machine's load, not the pool).  The elementwise threshold: n
 * items of cost c (rough scalar operations, a float multiply-add = 1) at R operations per ns take
 * n c / R ns; nt threads save (1 - 1/nt) of that and pay the cold cost, so a region is worth it from
 *     n c >= 2 * cold * R / (1 - 1/nt)        (2: chunks never split perfectly evenly)
 * with R measured once too (a multiply-add loop over a 32 KB array, best of 5), clamped to
 * [2^14, 2^22] and rounded down to a power of two so that noise in the measurement rarely moves
 * it (the thread count decides chunk boundaries).  Until it is measured, and if it cannot be
 * (another thread owns the pool), FG_PARALLEL_MIN_COST.
 * Measured again later when disturbed: other threads had the CPUs (numpy's OpenBLAS threads spin
 * after a product), seen as a hot join over half the cold one (27 us for 0.2 us: every GEMM under
 * about 60 us then stayed on one thread for the rest of the process) or as a region published to
 * "sleeping" workers costing at most twice one published to spinning workers (they never got a
 * CPU to notice their spin had ended: 0.17 us for 6.5-9 us undisturbed, with a 3.6 ms cold join).
 * Such a measurement, or one that could not be taken, is retaken 1, 2, 4, ... s later (RECHECKS
 * times at most) at the next region asked for; the set with the least hot + cold join is kept. */
#define RECHECK_NS 1000000000LL
#define RECHECKS 6
typedef struct {
    int64_t cold_ns, hot_ns, min_cost, publish_ns, publish_hot_ns, ops_per_us;
} cost_set;

static struct {
    pthread_once_t once;
    atomic_llong cold_ns, hot_ns, min_cost, publish_ns, publish_hot_ns, ops_per_us;
    atomic_llong recheck_ns;  /* when to measure again (0: not to) */
    atomic_int rechecks;      /* re-measurements so far */
    atomic_int generation;    /* changes whenever the kept costs do */
} costs = {.once = PTHREAD_ONCE_INIT, .min_cost = FG_PARALLEL_MIN_COST};

typedef struct {
    atomic_int joined;
} probe_ctx;

static void probe_range(void *ctx, int64_t begin, int64_t end)
{
    probe_ctx *p = ctx;
    if (begin != 0) {
        atomic_store_explicit(&p->joined, 1, memory_order_release);
        return;
    }
    if (end != 1)
        return; /* ran inline: nothing to wait for */
    int64_t give_up = now_ns() + 5000000; /* 5 ms: a worker that slow measured the load */
    for (int polls = 0; !atomic_load_explicit(&p->joined, memory_order_acquire) && now_ns() < give_up;)
        if (++polls > SPIN_POLLS)
            sched_yield();
}

static void run_region(int64_t n, int nt, fg_range_fn fn, void *ctx);

static void noop_range(void *ctx, int64_t begin, int64_t end) { (void)ctx; (void)begin; (void)end; }

/* least time for a worker to join a region over reps tries; sleep_ns > 0: workers asleep first */
static int64_t probe_ns(int64_t sleep_ns, int reps)
{
    int64_t best = INT64_MAX;
    for (int r = 0; r < reps; ++r) {
        if (sleep_ns) {
            struct timespec ts = {0, sleep_ns};
            nanosleep(&ts, NULL);
        }
        probe_ctx p = {0};
        int64_t t0 = now_ns();
        run_region(2, 2, probe_range, &p);
        if (atomic_load(&p.joined))
            best = FG_MIN(best, now_ns() - t0);
    }
    return best;
}

/* one measurement of the costs into *c; 0 when it cannot be taken (fewer than 2 threads set,
 * inside a region, another thread owns the pool, or no worker joined within 5 ms) */
static int measure_cost_set(cost_set *c)
{
    if (pool.requested < 2 || in_region || pthread_mutex_trylock(&pool.owner) != 0)
        return 0;
    int nt = ensure_workers(2);
    pthread_mutex_unlock(&pool.owner);
    if (nt < 2)
        return 0;
    probe_ns(0, 3);                                       /* workers started and spinning */
    int64_t hot = probe_ns(0, 9), cold = probe_ns(3 * SPIN_NS / 2, 5);
    if (hot == INT64_MAX || cold == INT64_MAX)
        return 0;
    int64_t publish = INT64_MAX;  /* the caller's own cost of a region nobody joins in time */
    for (int r = 0; r < 5; ++r) {
        struct timespec ts = {0, 3 * SPIN_NS / 2};
        nanosleep(&ts, NULL);
        int64_t t0 = now_ns();
        run_region(2, 2, noop_range, NULL);
        publish = FG_MIN(publish, now_ns() - t0);
    }
    c->publish_ns = publish;
    int64_t publish_hot = INT64_MAX; /* the same with the workers spinning: no futex wake */
    for (int r = 0; r < 9; ++r) {
        int64_t t0 = now_ns();
        run_region(2, 2, noop_range, NULL);
        publish_hot = FG_MIN(publish_hot, now_ns() - t0);
    }
    c->publish_hot_ns = FG_MIN(publish, publish_hot);
    static float x[8192], y[8192];
    double best = 0;
    for (int r = 0; r < 5; ++r) {
        int64_t t0 = now_ns();
        for (int rep = 0; rep < 8; ++rep) {
            for (int i = 0; i < 8192; ++i)
                y[i] = y[i] * 0.5f + x[i];
            __asm__ volatile("" ::: "memory");
        }
        double rate = 8.0 * 8192 / (double)FG_MAX(1, now_ns() - t0);
        best = rate > best ? rate : best;
    }
    c->hot_ns = hot;
    c->cold_ns = FG_MAX(cold, hot);
    c->ops_per_us = (int64_t)(best * 1000);
    int64_t want = (int64_t)(2.0 * (double)c->cold_ns * best * 2.0); /* 1 / (1 - 1/2) = 2 */
    int64_t t = (int64_t)1 << 14;
    while (t * 2 <= want && t < ((int64_t)1 << 22))
        t *= 2;
    c->min_cost = t;
    return 1;
}

#define LOAD(field) atomic_load_explicit(&costs.field, memory_order_relaxed)
#define STORE(field, v) atomic_store_explicit(&costs.field, (v), memory_order_relaxed)

static void keep_costs(const cost_set *c)
{
    STORE(cold_ns, c->cold_ns);
    STORE(hot_ns, c->hot_ns);
    STORE(min_cost, c->min_cost);
    STORE(publish_ns, c->publish_ns);
    STORE(publish_hot_ns, c->publish_hot_ns);
    STORE(ops_per_us, c->ops_per_us);
    atomic_fetch_add_explicit(&costs.generation, 1, memory_order_release);
}

/* after a measurement (measured: it could be taken): when the kept costs are missing or look
 * disturbed, measure again 1, 2, 4, ... s from now, RECHECKS times at most */
static void schedule_recheck(int measured)
{
    int r = atomic_load_explicit(&costs.rechecks, memory_order_relaxed);
    int disturbed = !measured || LOAD(hot_ns) == 0 || 2 * LOAD(hot_ns) > LOAD(cold_ns) ||
                    LOAD(publish_ns) <= 2 * LOAD(publish_hot_ns);
    if (disturbed && r < RECHECKS)
        STORE(recheck_ns, now_ns() + (RECHECK_NS << r));
}

static void measure_costs(void)
{
    cost_set c;
    int measured = measure_cost_set(&c);
    if (measured)
        keep_costs(&c);
    schedule_recheck(measured);
}

/* the re-measurement, when one is due (one caller takes it; the others go on with the kept costs) */
static void recheck_costs(void)
{
    long long due = LOAD(recheck_ns);
    if (!due || pool.requested < 2 || now_ns() < due ||
        !atomic_compare_exchange_strong(&costs.recheck_ns, &due, 0))
        return;
    atomic_fetch_add_explicit(&costs.rechecks, 1, memory_order_relaxed);
    cost_set c;
    int measured = measure_cost_set(&c);
    if (measured && (LOAD(hot_ns) == 0 || c.hot_ns + c.cold_ns < LOAD(hot_ns) + LOAD(cold_ns)))
        keep_costs(&c);
    schedule_recheck(measured);
}

int fg_pool_costs_generation(void)
{
    pthread_once(&costs.once, measure_costs);
    recheck_costs();
    return atomic_load_explicit(&costs.generation, memory_order_acquire);
}

void fg_pool_set_costs(int64_t cold_ns, int64_t hot_ns, int64_t publish_ns, int64_t publish_hot_ns, int recheck)
{
    pthread_once(&costs.once, measure_costs);
    STORE(cold_ns, cold_ns);
    STORE(hot_ns, hot_ns);
    STORE(publish_ns, publish_ns);
    STORE(publish_hot_ns, publish_hot_ns);
    atomic_fetch_add_explicit(&costs.generation, 1, memory_order_release);
    atomic_store_explicit(&costs.rechecks, 0, memory_order_relaxed);
    STORE(recheck_ns, recheck ? 1 : 0); /* 1: due now */
}

/* the cross-core round trip ("how far apart the cores are", below) */
static struct {
    atomic_llong next_ns;     /* when to measure again */
    atomic_llong last, least; /* ns per round trip (0: not measured) */
} lat;

/* the pool's measured costs: out[0..5] = time for a worker to join, asleep and spinning (ns),
 * the derived threshold, the multiply-add rate (operations per microsecond), the caller's cost of
 * a region with the workers asleep that nobody joins in time, and of a noop region with the
 * workers spinning (ns), measured at the first call (and again while they look disturbed, as
 * above); out[6..7] = the latest and the least cross-core round trip (ns, 0 until measured: "how
 * far apart the cores are") */
void fg_pool_costs(int64_t *out)
{
    fg_pool_costs_generation();
    out[0] = LOAD(cold_ns);
    out[1] = LOAD(hot_ns);
    out[2] = LOAD(min_cost);
    out[3] = LOAD(ops_per_us);
    out[4] = LOAD(publish_ns);
    out[5] = LOAD(publish_hot_ns);
    out[6] = atomic_load_explicit(&lat.last, memory_order_relaxed);
    out[7] = atomic_load_explicit(&lat.least, memory_order_relaxed);
}

/* ---- how far apart the cores are --------------------------------------------------------------
 * A virtual machine's vCPUs can be moved by the host between cores near each other and cores far
 * apart.  On the 2-vCPU KVM guest this was written on, a cache-line round trip between the two
 * threads took 55-72 ns for minutes and then 280-390 ns for minutes (other dies), both vCPUs
 * still computing at full rate.  In the far phases a 784-128-128-10 training step took 437 us on
 * 2 threads (near: 172 us; 1 thread: 237 us; 2 threads with every kernel inline: 239 us): each
 * region's worker reads, line by line, what the caller wrote last.  So the round trip is
 * measured (a ping-pong of LATENCY_TRIPS trips with a worker, about 1-6 us) at most every
 * LATENCY_EVERY_NS while regions are asked for, against near = the least round trip seen, or
 * NEAR_NS if that is more (a process that starts far, or whose workers sit on another socket,
 * counts as far).  Far = at least twice near and FAR_EXTRA_NS more (fg_pool_far).  Then a GEMM
 * is threaded only when it is long on its own (gemm.c, FAR_GEMM_MIN_NS): the small products of a
 * small model stay on one thread, the large ones keep their gain.  Near, nothing changes. */
#define LATENCY_EVERY_NS 50000000
#define LATENCY_TRIPS 16
#define NEAR_NS 100 /* a round trip between cores that share a cache: 40-80 ns on current x86 */
#define FAR_EXTRA_NS 100

typedef struct {
    _Alignas(64) atomic_long ball;
    _Alignas(64) atomic_int joined, caller_done;
    int64_t give_up, result;
} pingpong_ctx;

static void pingpong_range(void *ctx, int64_t begin, int64_t end)
{
    pingpong_ctx *p = ctx;
    if (end - begin != 1)
        return; /* ran inline: one thread, nothing to measure */
    if (begin == 1) { /* the worker: answer each serve */
        if (atomic_load_explicit(&p->caller_done, memory_order_acquire))
            return;
        atomic_store_explicit(&p->joined, 1, memory_order_release);
        for (long i = 1; i < 2 * LATENCY_TRIPS; i += 2) {
            while (atomic_load_explicit(&p->ball, memory_order_acquire) != i)
                if (now_ns() > p->give_up)
                    return;
            atomic_store_explicit(&p->ball, i + 1, memory_order_release);
        }
        return;
    }
    while (!atomic_load_explicit(&p->joined, memory_order_acquire) && now_ns() < p->give_up)
        cpu_relax();
    if (atomic_load_explicit(&p->joined, memory_order_acquire)) {
        int64_t t0 = now_ns();
        long i = 0;
        for (; i < LATENCY_TRIPS; ++i) {
            atomic_store_explicit(&p->ball, 2 * i + 1, memory_order_release);
            while (atomic_load_explicit(&p->ball, memory_order_acquire) != 2 * i + 2 && now_ns() < p->give_up)
                cpu_relax();
            if (atomic_load_explicit(&p->ball, memory_order_acquire) != 2 * i + 2)
                break;
        }
        if (i == LATENCY_TRIPS)
            p->result = (now_ns() - t0) / LATENCY_TRIPS;
    }
    atomic_store_explicit(&p->caller_done, 1, memory_order_release);
}

/* the round trip now, when it is due (the caller owns no region: fg_parallel_threads checked),
 * waiting at most wait_ns for a worker; returns it (ns), or 0 when not due or not measured */
static int64_t measure_latency(int64_t now, int64_t wait_ns)
{
    long long due = atomic_load_explicit(&lat.next_ns, memory_order_relaxed);
    if (now < due || !atomic_compare_exchange_strong(&lat.next_ns, &due, now + LATENCY_EVERY_NS))
        return 0;
    pingpong_ctx p = {0};
    p.give_up = now + wait_ns;
    run_region(2, 2, pingpong_range, &p);
    if (p.result <= 0)
        return 0;
    atomic_store_explicit(&lat.last, p.result, memory_order_relaxed);
    long long least = atomic_load_explicit(&lat.least, memory_order_relaxed);
    if (least == 0 || p.result < least)
        atomic_store_explicit(&lat.least, p.result, memory_order_relaxed);
    return p.result;
}

int64_t fg_pool_measure_round_trip(void)
{
    if (pool.requested < 2 || in_region)
        return 0;
    atomic_store_explicit(&lat.next_ns, 0, memory_order_relaxed);
    return measure_latency(now_ns(), 5000000); /* 5 ms: time to start or wake a worker */
}

void fg_pool_set_round_trip(int64_t last, int64_t least)
{
    atomic_store_explicit(&lat.last, last, memory_order_relaxed);
    atomic_store_explicit(&lat.least, least, memory_order_relaxed);
    /* set: kept for an hour; 0, 0: measured again at the next region */
    atomic_store_explicit(&lat.next_ns, last || least ? now_ns() + 3600 * (int64_t)1000000000 : 0,
                          memory_order_relaxed);
}

/* ---- the self-check (fg_pool_selfcheck) ------------------------------------------------------ */
#define CHECK_CHUNKS 8

typedef struct {
    atomic_int open;                /* 1 while its region runs */
    atomic_int runs[CHECK_CHUNKS];  /* times each chunk ran */
    atomic_llong faults;            /* chunks run twice or after the region returned */
} check_ctx;

static void check_range(void *ctx, int64_t begin, int64_t end)
{
    check_ctx *c = ctx;
    for (int64_t t = begin; t < end; ++t)
        if (atomic_fetch_add(&c->runs[t], 1) != 0 || !atomic_load(&c->open))
            atomic_fetch_add(&c->faults, 1);
    for (volatile int s = 0; s < 100; ++s) /* a little work: chunks overlap */
        ;
    if (!atomic_load(&c->open))
        atomic_fetch_add(&c->faults, 1);
}

int64_t fg_pool_selfcheck(int64_t rounds)
{
    static check_ctx ring[16]; /* static: a chunk run late writes memory that stays valid */
    int want = pool.requested, top = FG_MIN(want, CHECK_CHUNKS), at = 0;
    int64_t faults = 0;
    for (int64_t r = 0; r < rounds; ++r) {
        for (int nt = 2; nt <= top; ++nt, at = (at + 1) % 16) {
            check_ctx *c = &ring[at];
            faults += atomic_exchange(&c->faults, 0); /* late runs since its last use */
            for (int t = 0; t < CHECK_CHUNKS; ++t)
                atomic_store(&c->runs[t], 0);
            atomic_store(&c->open, 1);
            run_region(nt, nt, check_range, c);
            atomic_store(&c->open, 0);
            for (int t = 0; t < nt; ++t)
                faults += atomic_load(&c->runs[t]) != 1;
        }
        if (r % 64 == 63 && top > 2) { /* the empty region that retires workers, and new ones */
            fg_set_num_threads(2);
            fg_set_num_threads(want);
        }
    }
    for (int i = 0; i < 16; ++i)
        faults += atomic_exchange(&ring[i].faults, 0);
    return faults;
}

/* 1 when the latest round trip between the caller and a worker was far (above), else 0 */
int fg_pool_far(void)
{
    long long last = atomic_load_explicit(&lat.last, memory_order_relaxed);
    long long near = FG_MIN(atomic_load_explicit(&lat.least, memory_order_relaxed), NEAR_NS);
    return near > 0 && last >= 2 * near && last - near >= FAR_EXTRA_NS;
}

int fg_parallel_threads(int64_t n, int64_t cost_per_item)
{
    int nt = pool.requested;
    if (nt <= 1 || n < 2 || in_region)
        return 1;
    int64_t work = n > INT64_MAX / FG_MAX(1, cost_per_item) ? INT64_MAX : n * cost_per_item;
    if (work < ((int64_t)1 << 14))
        return 1;
    fg_pool_costs_generation();
    if (work < LOAD(min_cost))
        return 1;
    measure_latency(now_ns(), 100000); /* 100 us: a worker that slow measured the load, not the cores */
    return n < nt ? (int)n : nt;
}

void fg_parallel_for(int64_t n, int64_t cost_per_item, fg_range_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    run_region(n, fg_parallel_threads(n, cost_per_item), fn, ctx);
}

/* fn over [0, n) in nt chunks on the pool (inline when nt <= 1, nested or the pool is busy) */
static void run_region(int64_t n, int nt, fg_range_fn fn, void *ctx)
{
    if (nt <= 1 || in_region || pthread_mutex_trylock(&pool.owner) != 0) {
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
#ifdef __linux__
    atomic_store_explicit(&pool.caller_cpu, sched_getcpu(), memory_order_relaxed);
#endif
    uint32_t gen = publish();
    run_chunk(0, nt);
    run_claimed(gen); /* the chunks of workers not awake yet */
    wait_chunks();
    atomic_store_explicit(&pool.last_end_ns, now_ns(), memory_order_relaxed);
    pthread_mutex_unlock(&pool.owner);
}

/* ns since the last region ended (INT64_MAX before the first): below fg_pool_spin_ns the workers
 * still poll for the next region and join it within the hot cost */
int64_t fg_pool_idle_ns(void)
{
    int64_t end = atomic_load_explicit(&pool.last_end_ns, memory_order_relaxed);
    return end ? now_ns() - end : INT64_MAX;
}

int64_t fg_pool_spin_ns(void) { return SPIN_NS; }

void fg_pool_wake(void)
{
    if (pool.requested >= 2 && !in_region)
        run_region(2, 2, noop_range, NULL); /* noop chunks: returns as soon as they are claimed */
}

int fg_get_num_threads(void) { return pool.requested; }

int fg_get_num_workers(void) { return pool.started; }

/* the surplus workers (ids >= nt) are woken by an empty region, exit and are joined; called
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
        atomic_store_explicit(&pool.keep, n - 1, memory_order_release);
        pool.nt = 0;                     /* no chunks: workers wake, ids >= n exit */
        publish();
        for (int id = n; id <= old; ++id)
            pthread_join(pool.tid[id], NULL);
        pool.started = n - 1;
        atomic_store_explicit(&pool.keep, MAX_THREADS, memory_order_release);
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
    pool.started = 0; /* the workers were not copied into the child */
}

__attribute__((constructor)) static void threadpool_init(void)
{
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}
