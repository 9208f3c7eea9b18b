"""weight_norm / remove_weight_norm (torch.nn.utils's hook-based API, deprecated in torch in favour of
``parametrizations.weight_norm`` but still common):

    w = g * v / ||v||   (the norm over every dim but ``dim``; over all of v when dim is None)

``weight`` is replaced by the parameters ``weight_g`` (the norms, shaped to broadcast) and
``weight_v`` (the direction), and recomputed by a forward pre-hook before every call.
"""
import warnings

from fastgrad.autograd.grad_mode import no_grad
from fastgrad.functional.norms import vector_norm
from fastgrad.nn.parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]


def norm_except_dim(v, pow: float = 2, dim: int = 0):
    """||v||_pow over every dim but ``dim`` (kept as size-1 dims); dim == -1: over all of v (0-d)."""
    if dim == -1:
        return vector_norm(v, pow)
    dim = dim + v.dim() if dim < 0 else dim
    return vector_norm(v, pow, dim=tuple(d for d in range(v.dim()) if d != dim), keepdim=True)


def _weight_norm(v, g, dim: int):
    """w = v * (g / norm_except_dim(v, 2, dim))."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module, name: str, dim):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if not isinstance(weight, Parameter):
            raise TypeError(f"weight_norm: '{name}' of {type(module).__name__} is not a Parameter")
        del module._parameters[name]
        with no_grad():
            g = norm_except_dim(weight, 2, fn.dim)
        module.register_parameter(name + "_g", Parameter(g.detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module) -> None:
        with no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name: str = "weight", dim=0):
    """Reparametrise ``module.<name>`` as g * v / ||v|| (see the module docstring); returns the module."""
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo weight_norm: ``<name>`` becomes a Parameter again with the current g * v / ||v||."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
