"""fastgrad.distributions: torch.distributions' classes, composed from differentiable fastgrad ops
(gradients flow from log_prob / entropy / rsample into the parameters).  Samples come from
fastgrad's stream (``fastgrad.manual_seed``), so they differ from torch's for the same seed."""
from fastgrad.distributions import constraints
from fastgrad.distributions.bernoulli import Bernoulli
from fastgrad.distributions.categorical import Categorical
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.kl import kl_divergence, register_kl
from fastgrad.distributions.normal import Normal
from fastgrad.distributions.uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "Uniform", "constraints", "kl_divergence",
           "register_kl"]
