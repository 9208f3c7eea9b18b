"""Differentiable ops, one module per family mirroring csrc/: forward/backward on arrays.

Which arithmetic runs where:
* C kernels (csrc/): elementwise arithmetic and broadcasting, unary maths, activations,
  reductions along an axis, softmax/log_softmax, matmul/linear, losses, optimizer steps.
* numpy: views and index bookkeeping (reshape, permute, expand, slicing, gather/scatter of
  gradients with np.add.at), concatenation, dtype casts, comparisons and logical ops on
  bool/int tensors — memory movement numpy already does at memcpy speed, or work with no
  arithmetic worth a kernel.
"""
