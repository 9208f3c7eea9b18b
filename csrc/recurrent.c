/* recurrent.c — the pointwise part of one LSTM, GRU or Elman RNN time step, forward and backward side by
 * side (the recurrent matrix products are fg_gemm calls made by the caller, fastgrad/ops/recurrent.py).
 * Bodies in recurrent.inc, once per dtype.
 *
 * The gate pre-activations are first gathered gate by gate into a scratch block (gate-major,
 * k x n x h), so that sigmoid and tanh run as a few calls of the active ISA's vectorised kernels
 * (the activation table, activation.c) on long contiguous stretches: each activated gate is bitwise
 * what fg_sigmoid_fwd / fg_tanh_fwd give for its pre-activation.  The saved gates stay gate-major;
 * the gate gradients are written row-major (n x k*h), the layout of the GEMMs that consume them. */
#include "internal.h"

#define FG_TEMPLATE "recurrent.inc"
#include "template.h"
