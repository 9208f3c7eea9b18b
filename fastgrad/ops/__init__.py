"""Array-level ops, one module per family mirroring csrc/: ``Function`` subclasses whose
forward/backward see numpy arrays only, and the kernel calls (through ``fastgrad._ffi``).
Nothing here imports ``fastgrad.tensor`` or ``fastgrad.functional`` (tests/test_layering.py):
Tensor-level checks, promotion and the public functions live in ``fastgrad.functional``.

    common        dims, broadcasting, sum_to, contiguity      one_element  exact scalar path
    elementwise   binary arithmetic, where                    unary        unary maths, casts
    activation    relu … softplus                             reduce       sums, max/min, var, softmax
    shape         views, expand, repeat, cat, stack           indexing     x[i], index_put, gather
    linalg        GEMM, matmul, linear (+relu)                loss         the losses
    scan          cumsum, cumprod, logcumsumexp, cummax/min   sort         sort/topk indices, selections
    special       xlogy, i0, igamma/igammac, polygamma (numpy, float64)

Which arithmetic runs where:
* C kernels (csrc/): elementwise arithmetic and broadcasting, unary maths, activations,
  reductions along an axis, softmax/log_softmax, matmul/linear, losses, optimizer steps.
* numpy: views and index bookkeeping (reshape, permute, expand, slicing, gather/scatter of
  gradients with np.add.at), concatenation, dtype casts, comparisons and logical ops on
  bool/int tensors — memory movement numpy already does at memcpy speed, or work with no
  arithmetic worth a kernel; and the rare special functions of ops/special.py (float64, rounded once).
"""
