"""ExponentialFamily: distributions with density h(x) exp(<θ, T(x)> - F(θ)); subclasses give the
natural parameters θ (``_natural_params``) and the log-normaliser F (``_log_normalizer``), and get a
generic entropy F(θ) - <θ, ∇F(θ)> - E[log h] (torch.distributions.exp_family)."""
import fastgrad
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.utils import _sum_rightmost

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base class; the KL between two members of one family is the Bregman divergence of F."""

    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def entropy(self):
        """F(θ) - <θ, ∇F(θ)> - E[log h(x)], with ∇F by autograd (no gradient to the parameters, as torch)."""
        result = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        with fastgrad.enable_grad():
            lg_normal = self._log_normalizer(*nparams)
            gradients = fastgrad.autograd.grad(lg_normal.sum(), nparams)
        result = result + lg_normal.detach()
        for p, g in zip(nparams, gradients):
            result = result - (p.detach() * g).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result


def _kl_expfamily_expfamily(p, q):
    """Bregman divergence F(θ_q) - F(θ_p) - <θ_q - θ_p, ∇F(θ_p)>."""
    if type(p) is not type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot be "
                                  "computed using Bregman divergences")
    p_nparams = [np_.detach().requires_grad_() for np_ in p._natural_params]
    q_nparams = q._natural_params
    with fastgrad.enable_grad():
        lg_normal = p._log_normalizer(*p_nparams)
        gradients = fastgrad.autograd.grad(lg_normal.sum(), p_nparams)
    result = q._log_normalizer(*q_nparams) - lg_normal.detach()
    for pnp, qnp, g in zip(p_nparams, q_nparams, gradients):
        result = result - _sum_rightmost((qnp - pnp.detach()) * g, len(q.event_shape))
    return result
