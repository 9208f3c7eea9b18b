"""fastgrad.nn.utils: gradient clipping, parameters as one vector."""
from fastgrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]
from fastgrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: E402

__all__ += ["parameters_to_vector", "vector_to_parameters"]
from fastgrad.nn.utils import rnn  # noqa: E402,F401  (torch.nn.utils.rnn's path)
