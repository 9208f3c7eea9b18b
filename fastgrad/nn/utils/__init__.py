"""fastgrad.nn.utils (torch.nn.utils): gradient clipping, parameters as one vector, padded sequences,
BatchNorm folding, weight norm, parametrizations, functional calls."""
from fastgrad.nn.utils.clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                                         get_total_norm)
from fastgrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from fastgrad.nn.utils.fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,
                                      fuse_linear_bn_weights)
from fastgrad.nn.utils.init import skip_init
from fastgrad.nn.utils.weight_norm import remove_weight_norm, weight_norm
from fastgrad.nn.utils import rnn  # noqa: F401  (torch.nn.utils.rnn's path)

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters", "fuse_conv_bn_eval", "fuse_conv_bn_weights",
           "fuse_linear_bn_eval", "fuse_linear_bn_weights", "skip_init", "weight_norm", "remove_weight_norm"]
from fastgrad.nn.utils import parametrize, parametrizations, prune, stateless  # noqa: E402,F401  (torch's submodule paths)
