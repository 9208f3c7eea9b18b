"""fastgrad.func (torch.func's name for it): functional_call only — a module called with some of its
parameters and buffers swapped for given tensors.  torch.func's transforms (grad, vmap, jacrev, ...)
are not provided."""
from fastgrad.nn.utils.stateless import _functional_call as functional_call

__all__ = ["functional_call"]
