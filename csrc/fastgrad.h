/* fastgrad.h — THE C API of fastgrad.
 *
 * The region between the cdef markers below is also what fastgrad/_build.py hands to
 * ffi.cdef(): one source of truth, never duplicated.  Inside it: only plain prototypes
 * and integer #defines (cffi's parser), one comment line of maths per declaration.
 *
 * Conventions (docs/ARCHITECTURE.md describes the layers and the dispatch):
 *  - fg_<op>_<fwd|bwd>_<f32|f64> for differentiable kernels, fg_<verb>_<dtype> for utilities.
 *  - sizes are int64_t; read-only inputs are const T *restrict; the upstream gradient dy
 *    comes before the outputs; scalar settings come last.
 *  - arrays are C-contiguous unless a stride argument says otherwise (strides in ELEMENTS).
 *  - a NULL gradient output means "not needed".  Backward kernels OVERWRITE their outputs.
 *  - reductions accumulate in double.
 *  - ISA variants (_ref, _avx2, _avx512) are internal and never declared here.
 */
#ifndef FASTGRAD_H
#define FASTGRAD_H
#include <stdint.h>
#ifdef __cplusplus
#define restrict __restrict
extern "C" {
#endif

/* @cdef-begin */

/* ---- cpu.c : ISA dispatch and threads ------------------------------------ */
#define FG_ISA_REFERENCE 0
#define FG_ISA_AVX2 1
#define FG_ISA_AVX512 2
/* 1 when this CPU can run kernels of ISA level `level`, else 0 */
int fg_cpu_supports(int level);
/* the ISA level the dispatch table currently uses */
int fg_get_isa(void);
/* switch every dispatch table to `level`; returns 0, or -1 (unchanged) if the CPU lacks it */
int fg_set_isa(int level);
/* number of worker threads used by parallel kernels (>= 1) */
int fg_get_num_threads(void);
/* the most threads the pool runs (fg_set_num_threads clamps to it) */
#define FG_MAX_THREADS 256
/* set the number of threads (n < 1 is taken as 1, n > FG_MAX_THREADS as FG_MAX_THREADS); lowering it
 * stops and joins the surplus worker threads (after any region in flight) */
void fg_set_num_threads(int n);
/* worker threads alive now, the caller not counted (<= fg_get_num_threads() - 1; started lazily) */
int fg_get_num_workers(void);
/* the pool's costs, measured at the first call or the first region asked for (and again while
 * they look disturbed: threadpool.c): out[0..5] = time for a worker to join a region with the
 * workers asleep and spinning (ns; 0 if not measurable), the derived threshold for going parallel
 * (n * cost_per_item, rough scalar operations), the
 * multiply-add rate it assumes (operations per microsecond), the caller's own cost of a region
 * nobody joins in time (publishing it, workers asleep; ns), and of a noop region with the workers
 * spinning (ns); out[6..7] = the latest and the least cross-core round trip between the caller and
 * a worker (ns, re-measured every 50 ms while regions are asked for; 0 until then) */
void fg_pool_costs(int64_t *out);
/* data caches of cpu 0 as read at load time: out[0..3] = L1d, L2, L3 bytes, CPUs sharing the L3
 * (from /sys/devices/system/cpu/cpu0/cache, else cpuid; 32 KB, 512 KB, 8 MB, 1 when unknown) */
void fg_cache_sizes(int64_t *out);
/* 1 when the CPU runs AVX-512 as two 256-bit halves (Zen 4): the GEMM then takes the AVX2 tile
 * for shapes where it is faster (gemm.c, "tile by shape") */
int fg_cpu_avx512_halves(void);

/* ---- broadcast.c : binary arithmetic over strided and broadcast operands, sum to shape ---- */
#define FG_ADD 0
#define FG_SUB 1
#define FG_MUL 2
#define FG_DIV 3
#define FG_POW 4
#define FG_MAXIMUM 5
#define FG_MINIMUM 6
/* y[i] = a[i*inc_a] (op) b[i*inc_b]; inc_a, inc_b in {0, 1} (0 = broadcast a scalar) */
void fg_binary_f32(int op, int64_t n, const float *restrict a, int64_t inc_a,
                   const float *restrict b, int64_t inc_b, float *restrict y);
void fg_binary_f64(int op, int64_t n, const double *restrict a, int64_t inc_a,
                   const double *restrict b, int64_t inc_b, double *restrict y);
/* y (contiguous, `shape`, ndim <= 64) = a (op) b with per-dimension element strides sa, sb (any sign; 0 = broadcast) */
void fg_binary_nd_f32(int op, int ndim, const int64_t *shape, const float *a, const int64_t *sa,
                      const float *b, const int64_t *sb, float *restrict y);
void fg_binary_nd_f64(int op, int ndim, const int64_t *shape, const double *a, const int64_t *sa,
                      const double *b, const int64_t *sb, double *restrict y);
/* y = alpha * sum of x over the dims where sy[d] == 0: x has `shape` (ndim <= 64) and element strides sx, y is C-contiguous
 * with element i at sum_d i_d sy[d]; double accumulation, each y element in x's index order (bitwise the same at any thread
 * count and ISA level); empty x gives zeros.  Returns 0, FG_ERR_SIZE (ndim or a size out of range) or FG_ERR_NOMEM */
int fg_sum_to_f32(int ndim, const int64_t *shape, const float *x, const int64_t *sx, float *y, const int64_t *sy,
                  double alpha);
int fg_sum_to_f64(int ndim, const int64_t *shape, const double *x, const int64_t *sx, double *y, const int64_t *sy,
                  double alpha);

/* the same for x (op) w, each element rounded to the dtype before it is added (what fg_binary then fg_sum_to give):
 * w has element strides sw over `shape` (0 = broadcast); one pass, no temporary the size of x */
int fg_binary_sum_to_f32(int op, int ndim, const int64_t *shape, const float *x, const int64_t *sx, const float *w,
                         const int64_t *sw, float *y, const int64_t *sy, double alpha);
int fg_binary_sum_to_f64(int op, int ndim, const int64_t *shape, const double *x, const int64_t *sx, const double *w,
                         const int64_t *sw, double *y, const int64_t *sy, double alpha);

/* ---- elementwise.c : unary arithmetic, pow, accumulation ------------------ */
#define FG_NEG 0
#define FG_EXP 1
#define FG_LOG 2
#define FG_SQRT 3
#define FG_ABS 4
#define FG_SIGN 5
#define FG_RECIPROCAL 6
#define FG_SQUARE 7
#define FG_LOG1P 8
/* y[i] = op(x[i]); sign(0) = 0, sign(NaN) = 0 (torch; numpy gives NaN), log(0) = -inf, sqrt(<0) = nan, log1p accurate near 0 */
void fg_unary_f32(int op, int64_t n, const float *restrict x, float *restrict y);
void fg_unary_f64(int op, int64_t n, const double *restrict x, double *restrict y);

/* y[i] = x[i]^p (scalar exponent); dx[i] = dy[i] * p * x[i]^(p-1)  (0 where p == 0) */
void fg_pow_scalar_fwd_f32(int64_t n, const float *restrict x, float *restrict y, double p);
void fg_pow_scalar_fwd_f64(int64_t n, const double *restrict x, double *restrict y, double p);
void fg_pow_scalar_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy,
                           float *restrict dx, double p);
void fg_pow_scalar_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy,
                           double *restrict dx, double p);
/* tensor exponent y = a^b: da = dy*b*a^(b-1) (0 where b == 0), db = dy*y*log(a) (0 where a == 0 and b >= 0), as torch; NULL = not needed */
void fg_pow_bwd_f32(int64_t n, const float *restrict a, const float *restrict b,
                    const float *restrict y, const float *restrict dy,
                    float *restrict da, float *restrict db);
void fg_pow_bwd_f64(int64_t n, const double *restrict a, const double *restrict b,
                    const double *restrict y, const double *restrict dy,
                    double *restrict da, double *restrict db);

/* y[i] = x[i] * alpha */
void fg_scale_f32(int64_t n, const float *restrict x, float *restrict y, double alpha);
void fg_scale_f64(int64_t n, const double *restrict x, double *restrict y, double alpha);
/* y[i] += alpha * x[i]   (gradient accumulation) */
void fg_axpy_f32(int64_t n, const float *restrict x, float *restrict y, double alpha);
void fg_axpy_f64(int64_t n, const double *restrict x, double *restrict y, double alpha);

/* y = min(max(x, lo), hi) (NaN stays NaN); use -inf/+inf for a missing bound */
void fg_clamp_fwd_f32(int64_t n, const float *restrict x, float *restrict y, double lo, double hi);
void fg_clamp_fwd_f64(int64_t n, const double *restrict x, double *restrict y, double lo, double hi);
/* dx = lo <= x <= hi ? dy : 0   (bounds inclusive, as torch) */
void fg_clamp_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy,
                      float *restrict dx, double lo, double hi);
void fg_clamp_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy,
                      double *restrict dx, double lo, double hi);

/* maximum/minimum backward (torch): g = a == b ? dy/2 : dy; da = g unless a loses, db = g unless b loses (NaN: both get dy) */
void fg_maxmin_bwd_f32(int is_max, int64_t n, const float *restrict a, const float *restrict b,
                       const float *restrict dy, float *restrict da, float *restrict db);
void fg_maxmin_bwd_f64(int is_max, int64_t n, const double *restrict a, const double *restrict b,
                       const double *restrict dy, double *restrict da, double *restrict db);

/* y[i, j] = x[i, j] + b[j]   (x, y: m x n) */
void fg_bias_add_f32(int64_t m, int64_t n, const float *x, const float *restrict b, float *y);
void fg_bias_add_f64(int64_t m, int64_t n, const double *x, const double *restrict b, double *y);
/* y[j] = sum_i x[i, j]   (x: m x n; double accumulation) */
void fg_colsum_f32(int64_t m, int64_t n, const float *restrict x, float *restrict y);
void fg_colsum_f64(int64_t m, int64_t n, const double *restrict x, double *restrict y);

/* ---- activation.c : forward and backward side by side ------------------- */
/* y = x < 0 ? 0 : x   (relu(NaN) = NaN, relu(-0) = -0, as torch) */
void fg_relu_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_relu_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = x <= 0 ? 0 : dy   (subgradient at 0 is 0; x = NaN passes dy, as torch's threshold_backward) */
void fg_relu_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_relu_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y = x > 0 ? x : slope * x */
void fg_leaky_relu_fwd_f32(int64_t n, const float *restrict x, float *restrict y, double slope);
void fg_leaky_relu_fwd_f64(int64_t n, const double *restrict x, double *restrict y, double slope);
/* dx = x > 0 ? dy : slope * dy */
void fg_leaky_relu_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx, double slope);
void fg_leaky_relu_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx, double slope);
/* y = x * relu6(x + 3) / 6 = x min(max(x + 3, 0), 6) / 6   (torch's hardswish) */
void fg_hardswish_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_hardswish_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = x <= -3 ? 0 : x >= 3 ? dy : dy * (x/3 + 1/2)   (torch's values at -3 and 3: 0 and dy; x = NaN gives NaN) */
void fg_hardswish_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_hardswish_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y = relu6(x + 3) / 6   (torch's hardsigmoid) */
void fg_hardsigmoid_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_hardsigmoid_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = -3 < x < 3 ? dy * c : 0, c = 1/6 rounded to float32 in both dtypes (torch's); 0 at -3, 3 and NaN */
void fg_hardsigmoid_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_hardsigmoid_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y = 1 / (1 + exp(-x))   (stable for large |x|) */
void fg_sigmoid_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_sigmoid_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = dy * y * (1 - y)   (from the saved output y) */
void fg_sigmoid_bwd_f32(int64_t n, const float *restrict y, const float *restrict dy, float *restrict dx);
void fg_sigmoid_bwd_f64(int64_t n, const double *restrict y, const double *restrict dy, double *restrict dx);
/* y = tanh(x) */
void fg_tanh_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_tanh_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = dy * (1 - y^2)   (from the saved output y) */
void fg_tanh_bwd_f32(int64_t n, const float *restrict y, const float *restrict dy, float *restrict dx);
void fg_tanh_bwd_f64(int64_t n, const double *restrict y, const double *restrict dy, double *restrict dx);
/* one element: y = act(x) and dx = act'(s) dy (s: the saved x for relu, y for sigmoid and tanh),
 * by value, through the array kernels above (bitwise their results) */
float fg_relu_fwd1_f32(float x);
double fg_relu_fwd1_f64(double x);
float fg_relu_bwd1_f32(float x, float dy);
double fg_relu_bwd1_f64(double x, double dy);
float fg_sigmoid_fwd1_f32(float x);
double fg_sigmoid_fwd1_f64(double x);
float fg_sigmoid_bwd1_f32(float y, float dy);
double fg_sigmoid_bwd1_f64(double y, double dy);
float fg_tanh_fwd1_f32(float x);
double fg_tanh_fwd1_f64(double x);
float fg_tanh_bwd1_f32(float y, float dy);
double fg_tanh_bwd1_f64(double y, double dy);
/* gelu.c: approximate == 0: y = x Phi(x) = x/2 erfc(-x/sqrt2) (= x/2 (1 + erf(x/sqrt2)), accurate in the left tail; gelu(-inf) = NaN as torch);
 * approximate == 1: y = x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) */
void fg_gelu_fwd_f32(int64_t n, const float *restrict x, float *restrict y, int approximate);
void fg_gelu_fwd_f64(int64_t n, const double *restrict x, double *restrict y, int approximate);
/* dx = dy * d/dx gelu(x)   (exact: Phi(x) + x phi(x)) */
void fg_gelu_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx, int approximate);
void fg_gelu_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx, int approximate);
/* ---- gelu.c : the gelu backward fused with a Linear's bias gradient (the LinearGELU node) ----
 * for x, dy, dx (m x n): dx = dy * gelu'(x) (bitwise fg_gelu_bwd) and db[j] = sum_i dx[i, j] accumulated in double in
 * row order (bitwise fg_linear_bwd's db from dx); returns 0, FG_ERR_SIZE or FG_ERR_NOMEM */
int fg_gelu_bwd_colsum_f32(int64_t m, int64_t n, const float *x, const float *dy, float *dx, float *db, int approximate);
int fg_gelu_bwd_colsum_f64(int64_t m, int64_t n, const double *x, const double *dy, double *dx, double *db,
                           int approximate);

/* ---- activation_more.c : silu, mish, elu (selu, celu), logsigmoid, softsign, hardtanh (relu6), softplus ----
 * forward and backward side by side; threaded over the pool for large n; the exp-based ones are
 * vectorised per ISA level (float32 exp within 2 ulp at AVX2, libm's otherwise) */
/* y = x / (1 + exp(-x)) */
void fg_silu_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_silu_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = dy s (1 + x (1 - s)), s = sigmoid(x) */
void fg_silu_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_silu_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y = x tanh(softplus(x))   (y = x for x > 20) */
void fg_mish_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_mish_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = dy (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x))   (dx = dy for x > 20) */
void fg_mish_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_mish_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y = x > 0 ? scale x : alpha scale expm1(input_scale x)   (torch's elu; selu, celu are settings) */
void fg_elu_fwd_f32(int64_t n, const float *restrict x, float *restrict y, double alpha, double scale, double input_scale);
void fg_elu_fwd_f64(int64_t n, const double *restrict x, double *restrict y, double alpha, double scale, double input_scale);
/* dx = x > 0 ? dy scale : dy input_scale alpha scale exp(input_scale x)   (the left value at 0, as torch) */
void fg_elu_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx, double alpha, double scale, double input_scale);
void fg_elu_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx, double alpha, double scale, double input_scale);
/* y = log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)) */
void fg_logsigmoid_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_logsigmoid_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = dy (1 - sigmoid(x)) = dy (x < 0 ? 1 - z/(1 + z) : z/(1 + z)), z = exp(-|x|) */
void fg_logsigmoid_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_logsigmoid_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y = x / (|x| + 1) */
void fg_softsign_fwd_f32(int64_t n, const float *restrict x, float *restrict y);
void fg_softsign_fwd_f64(int64_t n, const double *restrict x, double *restrict y);
/* dx = dy / (|x| + 1)^2 */
void fg_softsign_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_softsign_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y = min(max(x, min_val), max_val)   (NaN stays NaN) */
void fg_hardtanh_fwd_f32(int64_t n, const float *restrict x, float *restrict y, double min_val, double max_val);
void fg_hardtanh_fwd_f64(int64_t n, const double *restrict x, double *restrict y, double min_val, double max_val);
/* dx = min_val < x < max_val ? dy : 0   (0 at both ends, as torch) */
void fg_hardtanh_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx, double min_val, double max_val);
void fg_hardtanh_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx, double min_val, double max_val);
/* y = beta*x > threshold ? x : log1p(exp(beta*x)) / beta   (computed without overflow) */
void fg_softplus_fwd_f32(int64_t n, const float *restrict x, float *restrict y, double beta, double threshold);
void fg_softplus_fwd_f64(int64_t n, const double *restrict x, double *restrict y, double beta, double threshold);
/* dx = beta*x > threshold ? dy : dy * sigmoid(beta*x) */
void fg_softplus_bwd_f32(int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx, double beta, double threshold);
void fg_softplus_bwd_f64(int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx, double beta, double threshold);

/* ---- reduce.c : reductions over the middle axis of an (outer, len, inner) array ---- */
/* total = sum_i x[i]   (double accumulation) */
double fg_sum_f32(int64_t n, const float *restrict x);
double fg_sum_f64(int64_t n, const double *restrict x);
/* y[o, i] = scale * sum_k x[o, k, i]   (double accumulation; scale = 1/len gives the mean) */
void fg_sum_axis_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y, double scale);
void fg_sum_axis_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y, double scale);
/* y[o, i] = max_k (is_max) or min_k x[o, k, i], idx = first arg of it (idx may be NULL); the first NaN wins (value and index, as torch); len >= 1 */
void fg_maxmin_axis_f32(int is_max, int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y, int64_t *restrict idx);
void fg_maxmin_axis_f64(int is_max, int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y, int64_t *restrict idx);
/* y = exp(x - max) / sum exp(x - max) along the axis */
void fg_softmax_fwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y);
void fg_softmax_fwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y);
/* dx = y * (dy - sum_k dy*y) */
void fg_softmax_bwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict y, const float *restrict dy, float *restrict dx);
void fg_softmax_bwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict y, const double *restrict dy, double *restrict dx);
/* y = (x - max) - log sum exp(x - max) along the axis */
void fg_log_softmax_fwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y);
void fg_log_softmax_fwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y);
/* dx = dy - exp(y) * sum_k dy */
void fg_log_softmax_bwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict y, const float *restrict dy, float *restrict dx);
void fg_log_softmax_bwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict y, const double *restrict dy, double *restrict dx);

/* the p-norm piece of `count` arrays taken together (x[i] has sizes[i] elements; a size <= 0 adds nothing):
 * sum |x|^p (p = 2: sum x^2, p = 1: sum |x|, p = 0: count of x != 0), max |x| (p = inf, 0 without elements),
 * min |x| (p = -inf, inf without elements); NaN propagates.  Double accumulation over blocks fixed by the
 * total size, threaded above the work threshold: bitwise the same at any thread count.  norm = piece^(1/p) */
double fg_norm_multi_f32(int64_t count, const int64_t *sizes, const float **x, double p);
double fg_norm_multi_f64(int64_t count, const int64_t *sizes, const double **x, double p);

/* ---- reduce.c (more) : prod and logsumexp over the middle axis of an (outer, len, inner) array ---- */
/* y[o, i] = prod_k x[o, k, i]   (double accumulation) */
void fg_prod_fwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y);
void fg_prod_fwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y);
/* dx[o, k, i] = dy[o, i] prod_{j != k} x[o, j, i]   (prefix times suffix products, no division: exact with zeros) */
void fg_prod_bwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, const float *restrict dy, float *restrict dx);
void fg_prod_bwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, const double *restrict dy, double *restrict dx);
/* y[o, i] = m + log sum_k exp(x[o, k, i] - m), m = max_k x (0 when +-inf, as torch); double accumulation */
void fg_logsumexp_fwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y);
void fg_logsumexp_fwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y);
/* dx[o, k, i] = dy[o, i] exp(x[o, k, i] - y[o, i]) */
void fg_logsumexp_bwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, const float *restrict y, const float *restrict dy, float *restrict dx);
void fg_logsumexp_bwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, const double *restrict y, const double *restrict dy, double *restrict dx);
/* ---- scan.c : cumulative sum, product, log-sum-exp along the middle axis of (outer, len, inner), double accumulation ---- */
/* y[k] = sum_{j <= k} x[j] */
void fg_cumsum_fwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y);
void fg_cumsum_fwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y);
/* dx[k] = sum_{j >= k} dy[j] */
void fg_cumsum_bwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict dy, float *restrict dx);
void fg_cumsum_bwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict dy, double *restrict dx);
/* y[k] = prod_{j <= k} x[j] */
void fg_cumprod_fwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y);
void fg_cumprod_fwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y);
/* dx[k] = sum_{j >= k} dy[j] prod_{i <= j, i != k} x[i]   (exact with zeros: division only before the first zero) */
void fg_cumprod_bwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, const float *restrict y, const float *restrict dy, float *restrict dx);
void fg_cumprod_bwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, const double *restrict y, const double *restrict dy, double *restrict dx);
/* y[k] = log sum_{j <= k} exp(x[j])   (running logaddexp) */
void fg_logcumsumexp_fwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, float *restrict y);
void fg_logcumsumexp_fwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, double *restrict y);
/* dx[k] = sum_{j >= k} dy[j] exp(x[k] - y[j])   (a reversed recurrence whose exponents are all <= 0) */
void fg_logcumsumexp_bwd_f32(int64_t outer, int64_t len, int64_t inner, const float *restrict x, const float *restrict y, const float *restrict dy, float *restrict dx);
void fg_logcumsumexp_bwd_f64(int64_t outer, int64_t len, int64_t inner, const double *restrict x, const double *restrict y, const double *restrict dy, double *restrict dx);

/* ---- sort.c : the k best along the middle axis of (outer, len, inner) ---- */
/* vals/idx (outer, k, inner) = the k largest (largest = 1; NaN above all) or smallest (NaN below all) of each
 * column, best first, equal values by lower index; work: k int64 of scratch; 0 <= k <= len */
void fg_topk_f32(int64_t outer, int64_t len, int64_t inner, int64_t k, int largest, const float *restrict x, float *restrict vals, int64_t *restrict idx, int64_t *restrict work);
void fg_topk_f64(int64_t outer, int64_t len, int64_t inner, int64_t k, int largest, const double *restrict x, double *restrict vals, int64_t *restrict idx, int64_t *restrict work);

/* ---- loss.c : losses, forward and backward ------------------------------ */
/* returns sum_i (x[i] - t[i])^2   (double accumulation) */
double fg_mse_fwd_f32(int64_t n, const float *restrict x, const float *restrict t);
double fg_mse_fwd_f64(int64_t n, const double *restrict x, const double *restrict t);
/* dx = scale * 2 * (x - t)   (scale = dy / n for 'mean', dy for 'sum') */
void fg_mse_bwd_f32(int64_t n, const float *restrict x, const float *restrict t, float *restrict dx, double scale);
void fg_mse_bwd_f64(int64_t n, const double *restrict x, const double *restrict t, double *restrict dx, double scale);
/* cross-entropy with class indices, fused log-softmax, for logits x (n x c):
 *   logp = log_softmax(x) (saved for backward), loss[i] = -w_t * ((1-ls) logp[i,t] + ls/c sum_j w_j/w_t... see loss.c)
 *   precisely, as torch: loss[i] = -(1-ls) w[t_i] logp[i,t_i] - (ls/c) sum_j w[j] logp[i,j];  0 where t_i == ignore_index.
 *   w == NULL means all ones.  wsum[i] = w[t_i] (0 when ignored): the 'mean' denominator is sum_i wsum[i].
 *   returns -1 on success, else the index i of the first target out of [0, c) (and not ignore_index). */
int64_t fg_cross_entropy_fwd_f32(int64_t n, int64_t c, const float *restrict x, const int64_t *restrict target,
                                 const float *restrict w, float *restrict logp, float *restrict loss,
                                 float *restrict wsum, int64_t ignore_index, double label_smoothing);
int64_t fg_cross_entropy_fwd_f64(int64_t n, int64_t c, const double *restrict x, const int64_t *restrict target,
                                 const double *restrict w, double *restrict logp, double *restrict loss,
                                 double *restrict wsum, int64_t ignore_index, double label_smoothing);
/* dx[i, j] = dloss[i*inc] * d loss[i] / d x[i, j] = dloss_i * (sum_k coef_k * softmax_ij - coef_j), coef as in fwd; 0 rows where ignored */
void fg_cross_entropy_bwd_f32(int64_t n, int64_t c, const float *restrict logp, const int64_t *restrict target,
                              const float *restrict w, const float *restrict dloss, int64_t inc,
                              float *restrict dx, int64_t ignore_index, double label_smoothing);
void fg_cross_entropy_bwd_f64(int64_t n, int64_t c, const double *restrict logp, const int64_t *restrict target,
                              const double *restrict w, const double *restrict dloss, int64_t inc,
                              double *restrict dx, int64_t ignore_index, double label_smoothing);
/* loss[i] = -(t log p + (1 - t) log(1 - p)), each log clamped to >= -100 (as torch) */
void fg_bce_fwd_f32(int64_t n, const float *restrict p, const float *restrict t, float *restrict loss);
void fg_bce_fwd_f64(int64_t n, const double *restrict p, const double *restrict t, double *restrict loss);
/* dp = dy[i*inc] * (p - t) / max(p (1 - p), 1e-12f)   (torch's EPSILON is the float 1e-12) */
void fg_bce_bwd_f32(int64_t n, const float *restrict p, const float *restrict t, const float *restrict dy, int64_t inc, float *restrict dp);
void fg_bce_bwd_f64(int64_t n, const double *restrict p, const double *restrict t, const double *restrict dy, int64_t inc, double *restrict dp);
/* loss[i] = (1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0)); pw = pos_weight[i*inc_pw] (inc_pw in {0, 1}) or 1 if NULL */
void fg_bce_logits_fwd_f32(int64_t n, const float *restrict x, const float *restrict t, const float *restrict pw, int64_t inc_pw, float *restrict loss);
void fg_bce_logits_fwd_f64(int64_t n, const double *restrict x, const double *restrict t, const double *restrict pw, int64_t inc_pw, double *restrict loss);
/* dx = dy[i*inc] * ((1 + (pw - 1) t) sigmoid(x) - pw t) ... = dy * (sigmoid(x) - t) when pw == 1; dt not computed */
void fg_bce_logits_bwd_f32(int64_t n, const float *restrict x, const float *restrict t, const float *restrict pw, int64_t inc_pw, const float *restrict dy, int64_t inc, float *restrict dx);
void fg_bce_logits_bwd_f64(int64_t n, const double *restrict x, const double *restrict t, const double *restrict pw, int64_t inc_pw, const double *restrict dy, int64_t inc, double *restrict dx);

/* ---- optim.c : fused in-place optimizer updates (torch's formulas) -------- */
/* SGD: g' = (maximize ? -g : g) + wd p; buf = first ? g' : momentum buf + (1 - dampening) g';
 *      d = nesterov ? g' + momentum buf : buf (d = g' when momentum == 0, buf may be NULL); p -= lr d */
void fg_sgd_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict buf,
                     double lr, double momentum, double dampening, double weight_decay,
                     int nesterov, int maximize, int first);
void fg_sgd_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict buf,
                     double lr, double momentum, double dampening, double weight_decay,
                     int nesterov, int maximize, int first);
/* Adam/AdamW (decoupled != 0: p *= 1 - lr wd, else g += wd p); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * vmax = max(vmax, v) when amsgrad (vmax != NULL); p -= lr/(1-b1^t) * m / (sqrt(v or vmax)/sqrt(1-b2^t) + eps) */
void fg_adam_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                      float *restrict vmax, double lr, double beta1, double beta2, double eps,
                      double weight_decay, int decoupled, int maximize, int64_t step);
void fg_adam_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict m, double *restrict v,
                      double *restrict vmax, double lr, double beta1, double beta2, double eps,
                      double weight_decay, int decoupled, int maximize, int64_t step);
/* RMSprop (torch): g' = g (+wd p); sq = alpha sq + (1-alpha) g'^2; avg = sqrt(sq - ga^2 if centered (ga = alpha ga + (1-alpha) g')) + eps;
 * momentum > 0: buf = momentum buf + g'/avg, p -= lr buf; else p -= lr g'/avg.  ga / buf may be NULL when unused */
void fg_rmsprop_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict sq, float *restrict ga,
                         float *restrict buf, double lr, double alpha, double eps, double weight_decay,
                         double momentum, int maximize);
void fg_rmsprop_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict sq, double *restrict ga,
                         double *restrict buf, double lr, double alpha, double eps, double weight_decay,
                         double momentum, int maximize);
/* Adagrad (torch): g' = g (+wd p); clr = lr / (1 + (step-1) lr_decay); s += g'^2; p -= clr g' / (sqrt(s) + eps) */
void fg_adagrad_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict s,
                         double lr, double lr_decay, double weight_decay, double eps, int maximize, int64_t step);
void fg_adagrad_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict s,
                         double lr, double lr_decay, double weight_decay, double eps, int maximize, int64_t step);
/* Adamax (torch): g' = g (+wd p); m = b1 m + (1-b1) g'; u = max(b2 u, |g'| + eps) (NaN propagates); p -= lr/(1-b1^t) m / u */
void fg_adamax_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict m, float *restrict u,
                        double lr, double beta1, double beta2, double eps, double weight_decay, int maximize, int64_t step);
void fg_adamax_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict m, double *restrict u,
                        double lr, double beta1, double beta2, double eps, double weight_decay, int maximize, int64_t step);
/* NAdam (torch; decoupled: p *= 1 - lr wd, else g += wd p): mu_t = b1 (1 - 0.96^(t md)/2); mu_product = prod mu_1..mu_t
 * (the caller's, this step's mu_t included); m, v as Adam; d = sqrt(v/(1-b2^t)) + eps;
 * p -= lr (1-mu_t)/(1-mu_product) g'/d;  p -= lr mu_{t+1}/(1-mu_product mu_{t+1}) m/d */
void fg_nadam_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                       double lr, double beta1, double beta2, double eps, double weight_decay, double momentum_decay,
                       int decoupled, int maximize, int64_t step, double mu_product);
void fg_nadam_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict m, double *restrict v,
                       double lr, double beta1, double beta2, double eps, double weight_decay, double momentum_decay,
                       int decoupled, int maximize, int64_t step, double mu_product);
/* RAdam (torch; decoupled: p *= 1 - lr wd, else g += wd p): m, v as Adam; rho_inf = 2/(1-b2) - 1,
 * rho_t = rho_inf - 2t b2^t/(1-b2^t); rho_t > 5: p -= lr m/(1-b1^t) sqrt(1-b2^t)/(sqrt(v) + eps) r_t
 * (r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))), else p -= lr m/(1-b1^t) */
void fg_radam_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                       double lr, double beta1, double beta2, double eps, double weight_decay, int decoupled,
                       int maximize, int64_t step);
void fg_radam_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict m, double *restrict v,
                       double lr, double beta1, double beta2, double eps, double weight_decay, int decoupled,
                       int maximize, int64_t step);
/* Adadelta (torch): g' = g (+wd p); sq = rho sq + (1-rho) g'^2; d = sqrt(acc + eps)/sqrt(sq + eps) g';
 * acc = rho acc + (1-rho) d^2; p -= lr d */
void fg_adadelta_step_f32(int64_t n, float *restrict p, const float *restrict g, float *restrict sq, float *restrict acc,
                          double lr, double rho, double eps, double weight_decay, int maximize);
void fg_adadelta_step_f64(int64_t n, double *restrict p, const double *restrict g, double *restrict sq,
                          double *restrict acc, double lr, double rho, double eps, double weight_decay, int maximize);
/* Multi-tensor steps: the update above for tensors i < count (sizes[i] elements at p[i], g[i] and
 * the state arrays' [i]) in one call, split over the thread pool above a work threshold.  Bit-identical
 * to one single-tensor call per tensor, at any ISA level and thread count; size 0 skips a tensor. */
/* SGD as fg_sgd_step per tensor; buf may be NULL when momentum == 0; first[i] (NULL: all 0) marks buf[i]'s first step */
void fg_sgd_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **buf,
                           const int *first, double lr, double momentum, double dampening, double weight_decay,
                           int nesterov, int maximize);
void fg_sgd_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **buf,
                           const int *first, double lr, double momentum, double dampening, double weight_decay,
                           int nesterov, int maximize);
/* Adam/AdamW as fg_adam_step per tensor, tensor i at step steps[i] >= 1; vmax NULL unless amsgrad */
void fg_adam_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **m, float **v,
                            float **vmax, const int64_t *steps, double lr, double beta1, double beta2, double eps,
                            double weight_decay, int decoupled, int maximize);
void fg_adam_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **m, double **v,
                            double **vmax, const int64_t *steps, double lr, double beta1, double beta2, double eps,
                            double weight_decay, int decoupled, int maximize);
/* RMSprop as fg_rmsprop_step per tensor; ga NULL unless centered, buf NULL unless momentum > 0 */
void fg_rmsprop_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **sq, float **ga,
                               float **buf, double lr, double alpha, double eps, double weight_decay,
                               double momentum, int maximize);
void fg_rmsprop_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **sq,
                               double **ga, double **buf, double lr, double alpha, double eps, double weight_decay,
                               double momentum, int maximize);
/* Adagrad as fg_adagrad_step per tensor, tensor i at step steps[i] >= 1 */
void fg_adagrad_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **s,
                               const int64_t *steps, double lr, double lr_decay, double weight_decay, double eps,
                               int maximize);
void fg_adagrad_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **s,
                               const int64_t *steps, double lr, double lr_decay, double weight_decay, double eps,
                               int maximize);
/* Adamax as fg_adamax_step per tensor, tensor i at step steps[i] >= 1 */
void fg_adamax_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **m, float **u,
                              const int64_t *steps, double lr, double beta1, double beta2, double eps,
                              double weight_decay, int maximize);
void fg_adamax_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **m,
                              double **u, const int64_t *steps, double lr, double beta1, double beta2, double eps,
                              double weight_decay, int maximize);
/* NAdam as fg_nadam_step per tensor, tensor i at step steps[i] >= 1 with mu product mu_products[i] */
void fg_nadam_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **m, float **v,
                             const int64_t *steps, const double *mu_products, double lr, double beta1, double beta2,
                             double eps, double weight_decay, double momentum_decay, int decoupled, int maximize);
void fg_nadam_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **m,
                             double **v, const int64_t *steps, const double *mu_products, double lr, double beta1,
                             double beta2, double eps, double weight_decay, double momentum_decay, int decoupled,
                             int maximize);
/* RAdam as fg_radam_step per tensor, tensor i at step steps[i] >= 1 */
void fg_radam_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **m, float **v,
                             const int64_t *steps, double lr, double beta1, double beta2, double eps,
                             double weight_decay, int decoupled, int maximize);
void fg_radam_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **m,
                             double **v, const int64_t *steps, double lr, double beta1, double beta2, double eps,
                             double weight_decay, int decoupled, int maximize);
/* Adadelta as fg_adadelta_step per tensor */
void fg_adadelta_step_multi_f32(int64_t count, const int64_t *sizes, float **p, const float **g, float **sq,
                                float **acc, double lr, double rho, double eps, double weight_decay, int maximize);
void fg_adadelta_step_multi_f64(int64_t count, const int64_t *sizes, double **p, const double **g, double **sq,
                                double **acc, double lr, double rho, double eps, double weight_decay, int maximize);

/* ---- gemm.c : packed, blocked matrix multiply (row-major) ------------------ */
/* what the active ISA's GEMM uses: out[0..7] = MR, NR, MC, KC, NC (elements), the time for a pool
 * worker to join with the workers asleep (ns), the flop count from which an evenly split GEMM goes
 * parallel from there, and the join time with the workers still spinning (ns); the last three
 * are 0 until a GEMM first asks for threads */
void fg_gemm_blocks_f32(int64_t *out);
void fg_gemm_blocks_f64(int64_t *out);
/* the tile a GEMM of m x n (x k) at the active ISA level would use: out[0..1] = MR, NR */
void fg_gemm_tile_for_f32(int64_t m, int64_t n, int64_t k, int64_t *out);
void fg_gemm_tile_for_f64(int64_t m, int64_t n, int64_t k, int64_t *out);
/* diagnostics of the threaded GEMM: copies the statistics of the last threaded GEMM since the
 * previous call into out (5 per thread that took part, at most 8 threads: slabs taken, tile flops,
 * thread CPU ns, ns in the region, ns from the region's start to this thread's entry), returns that
 * thread count (0: none) and switches recording on (on = 1) or off (0; the default) */
int fg_gemm_thread_stats(int on, int64_t *out);
/* tests: on = 1 makes every GEMM the pool can split (above the size floor, more than one thread
 * set) take the threaded path whatever the measured-cost rule says; 0 (the default) restores the
 * rule */
void fg_gemm_always_threaded(int on);
/* tests: take last and least (ns) as the measured cross-core round trips (fg_pool_costs out[6..7])
 * and do not measure again for an hour; 0, 0 forgets them and measures at the next region */
void fg_pool_set_round_trip(int64_t last, int64_t least);
/* benchmarks: the cross-core round trip between the caller and a worker, measured now (ns, and
 * kept as the latest: fg_pool_costs out[6]); 0 when it cannot be (fewer than 2 threads set, called
 * inside a region, the pool busy, or no worker answering within 5 ms) */
int64_t fg_pool_measure_round_trip(void);
/* tests: how long idle workers keep polling for the next region before they sleep (ns) */
int64_t fg_pool_spin_ns(void);
/* tests: take these as the measured joins and publishes (fg_pool_costs out[0], [1], [4], [5]; the
 * elementwise threshold is kept); recheck = 1 measures again at the next region asked for (or
 * fg_pool_costs call), as after a measurement disturbed by other threads, keeping the set with the
 * least hot + cold join; 0 cancels any re-measurement */
void fg_pool_set_costs(int64_t cold_ns, int64_t hot_ns, int64_t publish_ns, int64_t publish_hot_ns, int recheck);
/* tests: rounds x (regions of 2, 3, ..., min(the thread count, 8) chunks back to back, the count
 * lowered to 2 and raised again every 64 rounds); returns how many chunks ran twice, never, or after
 * their region had returned: 0 when the pool hands out each chunk once (one caller at a time) */
int64_t fg_pool_selfcheck(int64_t rounds);
/* every entry below returns 0, or one of these with nothing written: */
#define FG_ERR_NOMEM -1 /* a scratch buffer could not be allocated */
#define FG_ERR_SIZE -2  /* a size or stride is negative, a leading dimension is shorter than its row, or a span overflows */
/* C = alpha op(A) op(B) + beta C;  op(A) is m x k (A is k x m, read in place, when transa), op(B) is k x n;
 * lda/ldb/ldc are row strides in elements (>= the row length); beta == 0 means C is not read (NaN-safe) */
int fg_gemm_f32(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha,
                const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
int fg_gemm_f64(int transa, int transb, int64_t m, int64_t n, int64_t k, double alpha,
                const double *a, int64_t lda, const double *b, int64_t ldb, double beta, double *c, int64_t ldc);
/* for p in [0, batch): C_p = alpha op(A_p) op(B_p) + beta C_p, X_p = X + p * stride_x (stride 0 = broadcast, strides >= 0) */
int fg_gemm_batched_f32(int transa, int transb, int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                        const float *a, int64_t stride_a, int64_t lda, const float *b, int64_t stride_b, int64_t ldb,
                        float beta, float *c, int64_t stride_c, int64_t ldc);
int fg_gemm_batched_f64(int transa, int transb, int64_t batch, int64_t m, int64_t n, int64_t k, double alpha,
                        const double *a, int64_t stride_a, int64_t lda, const double *b, int64_t stride_b, int64_t ldb,
                        double beta, double *c, int64_t stride_c, int64_t ldc);
/* matmul_nd.c: for every batch index p of `shape` (nb <= 64 dims), C_c(p) = op(A_a(p)) op(B_b(p)), summed over the
 * batch dims where sc[d] == 0 (the first product into each C matrix overwrites it, the others add, in index order),
 * with X_x(p) = X + sum_d p_d sx[d] (element strides, 0 = broadcast) and each product through fg_gemm; nothing is
 * written when the batch is empty.  Bitwise the same at any thread count.  Returns 0 or FG_ERR_SIZE */
int fg_matmul_nd_f32(int nb, const int64_t *shape, int transa, int transb, int64_t m, int64_t n, int64_t k,
                     const float *a, const int64_t *sa, int64_t lda, const float *b, const int64_t *sb, int64_t ldb,
                     float *c, const int64_t *sc, int64_t ldc);
int fg_matmul_nd_f64(int nb, const int64_t *shape, int transa, int transb, int64_t m, int64_t n, int64_t k,
                     const double *a, const int64_t *sa, int64_t lda, const double *b, const int64_t *sb, int64_t ldb,
                     double *c, const int64_t *sc, int64_t ldc);
/* linear layer: y (m x n) = x (m x k) W^T (W: n x k) + b (b may be NULL) */
int fg_linear_fwd_f32(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *b, float *y);
int fg_linear_fwd_f64(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *b, double *y);
/* dx = dy W (m x k), dW = dy^T x (n x k), db = colsum(dy) (n); any output may be NULL */
int fg_linear_bwd_f32(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *dy,
                      float *dx, float *dw, float *db);
int fg_linear_bwd_f64(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *dy,
                      double *dx, double *dw, double *db);
/* fused linear + relu: y = relu(x W^T + b) (relu keeps NaN, as torch); b may be NULL */
int fg_linear_relu_fwd_f32(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *b, float *y);
int fg_linear_relu_fwd_f64(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *b, double *y);
/* its backward: dz = y > 0 ? dy : 0 (per-thread scratch kept for reuse), then dx, dW, db as fg_linear_bwd
 * from dz (FG_ERR_NOMEM when the scratch cannot be allocated) */
int fg_linear_relu_bwd_f32(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *y,
                           const float *dy, float *dx, float *dw, float *db);
int fg_linear_relu_bwd_f64(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *y,
                           const double *dy, double *dx, double *dw, double *db);

/* ---- conv.c : 2-D convolution (conv1d is H = 1): direct (conv_direct.c) or im2col + fg_gemm, per shape -- */
/* g: the geometry, FG_CONV_GEOM int64 entries  N C H W OC KH KW OH OW sh sw ph pw dh dw groups */
#define FG_CONV_GEOM 16
/* col[(c KH + i) KW + j, p OW + q] = x[c, p sh - ph + i dh, q sw - pw + j dw] (0 outside x); x (channels, H, W) */
void fg_im2col_f32(const int64_t *g, int64_t channels, const float *restrict x, float *restrict col);
void fg_im2col_f64(const int64_t *g, int64_t channels, const double *restrict x, double *restrict col);
/* x = the adjoint of fg_im2col applied to col (x overwritten: sums of the col entries each x element went to) */
void fg_col2im_f32(const int64_t *g, int64_t channels, const float *restrict col, float *restrict x);
void fg_col2im_f64(const int64_t *g, int64_t channels, const double *restrict col, double *restrict x);
/* y[n,o] = b[o] + sum_{c in group(o)} w[o,c] (*) x[n,c] (strided, padded, dilated cross-correlation; b may be NULL);
 * returns 0 or FG_ERR_NOMEM / FG_ERR_SIZE.  Per-thread col scratch kept for reuse */
int fg_conv2d_fwd_f32(const int64_t *g, const float *x, const float *w, const float *b, float *y);
int fg_conv2d_fwd_f64(const int64_t *g, const double *x, const double *w, const double *b, double *y);
/* dx = col2im(W^T dy), dW = sum_n dy col(x)^T, db = sum_{n,p,q} dy (double); NULL outputs are skipped;
 * bitwise the same for any thread count */
int fg_conv2d_bwd_f32(const int64_t *g, const float *x, const float *w, const float *dy, float *dx, float *dw,
                      float *db);
int fg_conv2d_bwd_f64(const int64_t *g, const double *x, const double *w, const double *dy, double *dx,
                      double *dw, double *db);

/* ---- pool.c : 2-D pooling over planes (N * C) of H x W -------------------------------------------- */
/* g: the geometry, FG_POOL_GEOM int64 entries  P H W OH OW kh kw sh sw ph pw dh dw  (P planes) */
#define FG_POOL_GEOM 13
/* y = max over each dilated window (NaN wins), idx = its flat index h W + w within the plane (torch's) */
void fg_max_pool2d_fwd_f32(const int64_t *g, const float *x, float *y, int64_t *idx);
void fg_max_pool2d_fwd_f64(const int64_t *g, const double *x, double *y, int64_t *idx);
/* dx = 0, then dx[p, idx[p, o]] += dy[p, o] */
void fg_max_pool2d_bwd_f32(const int64_t *g, const int64_t *idx, const float *dy, float *dx);
void fg_max_pool2d_bwd_f64(const int64_t *g, const int64_t *idx, const double *dy, double *dx);
/* y = window sum (double) / (divisor_override > 0 ? it : count_include_pad ? padded window size : clipped size) */
void fg_avg_pool2d_fwd_f32(const int64_t *g, const float *x, float *y, int count_include_pad, int64_t divisor_override);
void fg_avg_pool2d_fwd_f64(const int64_t *g, const double *x, double *y, int count_include_pad,
                           int64_t divisor_override);
/* dx[h, w] = sum over the windows holding (h, w) of dy / divisor  (dx overwritten) */
void fg_avg_pool2d_bwd_f32(const int64_t *g, const float *dy, float *dx, int count_include_pad,
                           int64_t divisor_override);
void fg_avg_pool2d_bwd_f64(const int64_t *g, const double *dy, double *dx, int count_include_pad,
                           int64_t divisor_override);
/* y[oh, ow] = mean of x over rows [oh H / OH, ceil((oh + 1) H / OH)) x the same for columns (g: P H W OH OW used) */
void fg_adaptive_avg_pool2d_fwd_f32(const int64_t *g, const float *x, float *y);
void fg_adaptive_avg_pool2d_fwd_f64(const int64_t *g, const double *x, double *y);
/* dx = sum over the adaptive windows holding each element of dy / window size  (dx overwritten) */
void fg_adaptive_avg_pool2d_bwd_f32(const int64_t *g, const float *dy, float *dx);
void fg_adaptive_avg_pool2d_bwd_f64(const int64_t *g, const double *dy, double *dx);

/* ---- batchnorm.c : batch normalisation over (N, C, HW) --------------------------------------------- */
/* training: mean/var = per-channel mean and biased variance of x (one shifted pass, double), else read;
 * y = (x - mean) / sqrt(var + eps) w + b   (w, b may be NULL) */
void fg_batch_norm_fwd_f32(int64_t N, int64_t C, int64_t HW, const float *x, const float *w, const float *b,
                           double *mean, double *var, float *y, int training, double eps);
void fg_batch_norm_fwd_f64(int64_t N, int64_t C, int64_t HW, const double *x, const double *w, const double *b,
                           double *mean, double *var, double *y, int training, double eps);
/* dw = sum dy xhat, db = sum dy (double); dx = w invstd (dy - mean(dy) - xhat mean(dy xhat)) when training,
 * w invstd dy otherwise; xhat = (x - mean) invstd, invstd = 1 / sqrt(var + eps); NULL outputs skipped */
void fg_batch_norm_bwd_f32(int64_t N, int64_t C, int64_t HW, const float *x, const float *w, const double *mean,
                           const double *var, const float *dy, float *dx, float *dw, float *db, int training,
                           double eps);
void fg_batch_norm_bwd_f64(int64_t N, int64_t C, int64_t HW, const double *x, const double *w, const double *mean,
                           const double *var, const double *dy, double *dx, double *dw, double *db, int training,
                           double eps);

/* ---- attention.c : fused scaled dot-product attention ---------------------------------------------- */
/* g: the geometry, FG_ATTN_GEOM int64 entries  BH L S E EV causal mask_div mask_mod; the mask of head bh is
 * mask[(bh / mask_div) % mask_mod] (L x S, added to the scores), none when mask_mod == 0 */
#define FG_ATTN_GEOM 8
/* o = softmax(scale q k^T + mask, with k_j hidden from row i when causal and j > i) v, dropout p on the
 * probabilities (a hash of seed and the position: backward draws the same), lse = the rows' log-sum-exp
 * (-inf for a row that sees no key; its output is 0).  q (BH, L, E), k (BH, S, E), v (BH, S, EV), o (BH, L, EV),
 * lse (BH, L).  Returns 0 or FG_ERR_NOMEM */
int fg_attention_fwd_f32(const int64_t *g, double scale, double p, uint64_t seed, const float *q, const float *k,
                         const float *v, const float *mask, float *o, float *lse);
int fg_attention_fwd_f64(const int64_t *g, double scale, double p, uint64_t seed, const double *q, const double *k,
                         const double *v, const double *mask, double *o, double *lse);
/* dq, dk, dv for dout, from the forward's lse (the same g, scale, p, seed and mask); returns 0 or FG_ERR_NOMEM */
int fg_attention_bwd_f32(const int64_t *g, double scale, double p, uint64_t seed, const float *q, const float *k,
                         const float *v, const float *mask, const float *lse, const float *dout, float *dq,
                         float *dk, float *dv);
int fg_attention_bwd_f64(const int64_t *g, double scale, double p, uint64_t seed, const double *q, const double *k,
                         const double *v, const double *mask, const double *lse, const double *dout, double *dq,
                         double *dk, double *dv);

/* ---- layernorm.c : layer normalisation over the last N elements of R rows ------------------------- */
/* mean[r], rstd[r] = the row's mean and 1/sqrt(biased variance + eps) (double sums); y = (x - mean) rstd w + b
 * (w, b may be NULL) */
void fg_layer_norm_fwd_f32(int64_t R, int64_t N, const float *x, const float *w, const float *b, double eps, float *y,
                           float *mean, float *rstd);
void fg_layer_norm_fwd_f64(int64_t R, int64_t N, const double *x, const double *w, const double *b, double eps,
                           double *y, double *mean, double *rstd);
/* dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy w, xhat = (x - mean) rstd; dw = sum over rows of dy xhat,
 * db = sum of dy (column sums in double, the same at any thread count); NULL outputs are skipped */
void fg_layer_norm_bwd_f32(int64_t R, int64_t N, const float *x, const float *w, const float *mean, const float *rstd,
                           const float *dy, float *dx, float *dw, float *db);
void fg_layer_norm_bwd_f64(int64_t R, int64_t N, const double *x, const double *w, const double *mean,
                           const double *rstd, const double *dy, double *dx, double *dw, double *db);
/* ---- recurrent.c : the pointwise part of one LSTM / GRU / RNN time step (the matrix products are fg_gemm calls) -----
 * m = n h; row-major gate blocks x (n x k*h): gate q of row r at x[r*k*h + q*h + j]; gate-major `gates` (k x n x h):
 * gate q at gates[q*m + r*h + j]; each activated gate is bitwise fg_sigmoid_fwd / fg_tanh_fwd of its pre-activation;
 * `pre` is scratch (overwritten); dh may be NULL (no carried gradient: zero) */
/* LSTM (gates i, f, g, o): a = gi + gh (n x 4h), gates = sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o);
 * c = f c_prev + i g; tc = tanh(c); hout = o tc   (pre: 4m elements) */
void fg_lstm_cell_fwd_f32(int64_t n, int64_t h, const float *restrict gi, const float *restrict gh,
                          const float *restrict c_prev, float *restrict pre, float *restrict gates, float *restrict c,
                          float *restrict tc, float *restrict hout);
void fg_lstm_cell_fwd_f64(int64_t n, int64_t h, const double *restrict gi, const double *restrict gh,
                          const double *restrict c_prev, double *restrict pre, double *restrict gates, double *restrict c,
                          double *restrict tc, double *restrict hout);
/* d = dy + dh; dc (in: carried, out: dc_prev) = f (dc + d o (1 - tc^2)); dgates (n x 4h, pre-activation):
 * di = dc' g i(1-i), df = dc' c_prev f(1-f), dg = dc' i (1-g^2), do = d tc o(1-o), dc' = dc + d o (1 - tc^2) */
void fg_lstm_cell_bwd_f32(int64_t n, int64_t h, const float *restrict gates, const float *restrict c_prev,
                          const float *restrict tc, const float *restrict dy, const float *restrict dh,
                          float *restrict dc, float *restrict dgates);
void fg_lstm_cell_bwd_f64(int64_t n, int64_t h, const double *restrict gates, const double *restrict c_prev,
                          const double *restrict tc, const double *restrict dy, const double *restrict dh,
                          double *restrict dc, double *restrict dgates);
/* GRU (gates r, z, n; torch's): gh = h_prev W_hh^T + b_hh (n x 3h); r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z),
 * nn = tanh(gi_n + r gh_n); hout = nn + z (h_prev - nn)   (pre: 2m elements) */
void fg_gru_cell_fwd_f32(int64_t n, int64_t h, const float *restrict gi, const float *restrict gh,
                         const float *restrict h_prev, float *restrict pre, float *restrict gates, float *restrict hout);
void fg_gru_cell_fwd_f64(int64_t n, int64_t h, const double *restrict gi, const double *restrict gh,
                         const double *restrict h_prev, double *restrict pre, double *restrict gates,
                         double *restrict hout);
/* d = dy + dh; dn = d (1-z)(1-nn^2), dz = d (h_prev - nn) z(1-z), dr = dn gh_n r(1-r);
 * dgi = (dr, dz, dn), dgh = (dr, dz, dn r) (n x 3h each); dh_prev = d z (the direct part; + dgh W_hh by the caller) */
void fg_gru_cell_bwd_f32(int64_t n, int64_t h, const float *restrict gates, const float *restrict gh,
                         const float *restrict h_prev, const float *restrict dy, const float *restrict dh,
                         float *restrict dgi, float *restrict dgh, float *restrict dh_prev);
void fg_gru_cell_bwd_f64(int64_t n, int64_t h, const double *restrict gates, const double *restrict gh,
                         const double *restrict h_prev, const double *restrict dy, const double *restrict dh,
                         double *restrict dgi, double *restrict dgh, double *restrict dh_prev);
/* Elman RNN: a = gi + gh (n x h); hout = tanh(a) (relu == 0) or a < 0 ? 0 : a (relu == 1; bitwise fg_tanh_fwd /
 * fg_relu_fwd of a)   (pre: m elements, used for tanh) */
void fg_rnn_cell_fwd_f32(int64_t n, int64_t h, const float *restrict gi, const float *restrict gh, float *restrict pre,
                         float *restrict hout, int relu);
void fg_rnn_cell_fwd_f64(int64_t n, int64_t h, const double *restrict gi, const double *restrict gh,
                         double *restrict pre, double *restrict hout, int relu);
/* d = dy + dh; dgates (pre-activation, n x h) = d (1 - hout^2) (tanh) or hout <= 0 ? 0 : d (relu) */
void fg_rnn_cell_bwd_f32(int64_t n, int64_t h, const float *restrict hout, const float *restrict dy,
                         const float *restrict dh, float *restrict dgates, int relu);
void fg_rnn_cell_bwd_f64(int64_t n, int64_t h, const double *restrict hout, const double *restrict dy,
                         const double *restrict dh, double *restrict dgates, int relu);
/* ---- scatter.c : accumulating scatters (index_add, scatter_add); indices validated by the caller -- */
/* out[o, idx[j], i] += alpha src[o, j, i]  (out: outer x m x inner, src: outer x n x inner; sequential,
 * so duplicate indices add in index order whatever the thread count) */
void fg_index_add_f32(int64_t outer, int64_t n, int64_t inner, int64_t m, const int64_t *restrict idx, const float *restrict src,
                      float *restrict out, double alpha);
void fg_index_add_f64(int64_t outer, int64_t n, int64_t inner, int64_t m, const int64_t *restrict idx, const double *restrict src,
                      double *restrict out, double alpha);
/* out[o, idx[o, j, i], i] += src[o, j, i]  (idx, src: outer x n x inner; out: outer x m x inner) */
void fg_scatter_add_f32(int64_t outer, int64_t n, int64_t inner, int64_t m, const int64_t *restrict idx, const float *restrict src,
                        float *restrict out);
void fg_scatter_add_f64(int64_t outer, int64_t n, int64_t inner, int64_t m, const int64_t *restrict idx, const double *restrict src,
                        double *restrict out);
/* ---- pointwise.c : pointwise maths (torch names), one table-driven family ------------------- */
/* unary ops (fg_pw_fwd / fg_pw_bwd `op`); p: ROUND decimals, LOGIT eps (< 0: none), else unused */
#define FG_PW_SIN 0
#define FG_PW_COS 1
#define FG_PW_TAN 2
#define FG_PW_ASIN 3
#define FG_PW_ACOS 4
#define FG_PW_ATAN 5
#define FG_PW_SINH 6
#define FG_PW_COSH 7
#define FG_PW_ASINH 8
#define FG_PW_ACOSH 9
#define FG_PW_ATANH 10
#define FG_PW_EXP2 11
#define FG_PW_EXPM1 12
#define FG_PW_LOG2 13
#define FG_PW_LOG10 14
#define FG_PW_ERF 15
#define FG_PW_ERFC 16
#define FG_PW_ERFINV 17
#define FG_PW_LGAMMA 18
#define FG_PW_DIGAMMA 19
#define FG_PW_TRIGAMMA 20
#define FG_PW_SINC 21
#define FG_PW_FLOOR 22
#define FG_PW_CEIL 23
#define FG_PW_ROUND 24
#define FG_PW_TRUNC 25
#define FG_PW_FRAC 26
#define FG_PW_LOGIT 27
#define FG_PW_DEG2RAD 28
#define FG_PW_RAD2DEG 29
#define FG_PW_COUNT 30
/* y[i] = op(x[i])   (torch's values: round half to even, round(x, d) = nearbyint(x 10^d) / 10^d
 * (d < 0: nearbyint(x / 10^-d) 10^-d); sinc(0) = 1; logit clamps x to [eps, 1 - eps] when eps >= 0;
 * digamma(0) = -inf (+inf at -0), NaN at negative integers; float32 SIMD (AVX2) for the hot ones) */
void fg_pw_fwd_f32(int op, int64_t n, const float *restrict x, float *restrict y, double p);
void fg_pw_fwd_f64(int op, int64_t n, const double *restrict x, double *restrict y, double p);
/* dx[i] = dy[i] op'(x[i])   (torch's formulas: acos'(+-1) = -inf, sinc'(0) = 0, floor/ceil/round/trunc' = 0,
 * frac' = 1, logit' = 0 outside [eps, 1 - eps] (NaN outside [0, 1] without eps); TRIGAMMA has none) */
void fg_pw_bwd_f32(int op, int64_t n, const float *restrict x, const float *restrict dy, float *restrict dx,
                   double p);
void fg_pw_bwd_f64(int op, int64_t n, const double *restrict x, const double *restrict dy, double *restrict dx,
                   double p);
/* binary ops on same-length arrays (the caller broadcasts) */
#define FG_PW2_ATAN2 0
#define FG_PW2_LOGADDEXP 1
#define FG_PW2_LOGADDEXP2 2
#define FG_PW2_HYPOT 3
#define FG_PW2_FMOD 4
#define FG_PW2_REMAINDER 5
#define FG_PW2_COPYSIGN 6
#define FG_PW2_HEAVISIDE 7
#define FG_PW2_COUNT 8
/* y[i] = op(a[i], b[i])   (remainder takes the sign of b, as Python; heaviside(0, b) = b) */
void fg_pw2_fwd_f32(int op, int64_t n, const float *restrict a, const float *restrict b, float *restrict y);
void fg_pw2_fwd_f64(int op, int64_t n, const double *restrict a, const double *restrict b, double *restrict y);
/* da = dy d op/da, db = dy d op/db (torch's formulas: atan2 (b, -a)/(a^2 + b^2); logaddexp 1/(1 + e^(b - a));
 * hypot a/y; fmod/remainder (1, -trunc/floor(a/b)); copysign y/a (0 at a = 0), 0); NULL = not needed */
void fg_pw2_bwd_f32(int op, int64_t n, const float *restrict a, const float *restrict b, const float *restrict dy,
                    float *restrict da, float *restrict db);
void fg_pw2_bwd_f64(int op, int64_t n, const double *restrict a, const double *restrict b,
                    const double *restrict dy, double *restrict da, double *restrict db);
/* y = a + w (b - a) for w < 0.5, b - (b - a)(1 - w) otherwise (torch's lerp); w has n elements, or one when ws == 0 */
void fg_lerp_fwd_f32(int64_t n, const float *restrict a, const float *restrict b, const float *restrict w,
                     int64_t ws, float *restrict y);
void fg_lerp_fwd_f64(int64_t n, const double *restrict a, const double *restrict b, const double *restrict w,
                     int64_t ws, double *restrict y);
/* y = a + value b c (addcmul, div = 0) or a + value b / c (addcdiv, div = 1) */
void fg_addc_fwd_f32(int64_t n, const float *restrict a, const float *restrict b, const float *restrict c,
                     float *restrict y, double value, int div);
void fg_addc_fwd_f64(int64_t n, const double *restrict a, const double *restrict b, const double *restrict c,
                     double *restrict y, double value, int div);

/* @cdef-end */

#ifdef __cplusplus
}
#endif
#endif /* FASTGRAD_H */
