"""skip_init (torch.nn.utils.init): build a module without caring for its initial values."""
import inspect

from fastgrad.nn.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameter values are unspecified (the caller fills them).

    torch builds on the meta device and allocates empty storage; fastgrad has no meta device, so the
    constructor's own initialisation runs (its values are as good as any)."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.pop("device", None)
    return module_cls(*args, **kwargs)
