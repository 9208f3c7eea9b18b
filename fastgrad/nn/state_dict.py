"""Loading a state_dict into a Module (torch's semantics: strict key matching, shapes checked,
values copied in place unless ``assign``).  Module.load_state_dict and _load_from_state_dict
delegate here; each module's own entries go through its (overridable) _load_from_state_dict."""
from collections import namedtuple

import numpy as np

from fastgrad.lowp import cast as lowp_cast
from fastgrad.autograd.grad_mode import no_grad
from fastgrad.tensor import Tensor
from fastgrad.nn.parameter import is_lazy

__all__ = ["load_state_dict", "load_from_state_dict"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def load_from_state_dict(module, state_dict, prefix, missing, unexpected, errors, assign) -> None:
    """Copy the entries of ``state_dict`` under ``prefix`` into ``module``'s own parameters
    and persistent buffers, recording missing and unexpected keys and shape errors."""
    local = {**{k: v for k, v in module._parameters.items() if v is not None},
             **{k: v for k, v in module._buffers.items()
                if v is not None and k not in module._non_persistent_buffers_set}}
    for name, param in local.items():
        key = prefix + name
        if key not in state_dict:
            missing.append(key)
            continue
        src = state_dict[key]
        if not isinstance(src, Tensor):
            if isinstance(src, np.ndarray):
                src = Tensor._make(src)
            else:
                errors.append(f'While copying the parameter named "{key}", expected Tensor or '
                              f"Tensor-like object from checkpoint but received {type(src)}")
                continue
        if is_lazy(param) or is_lazy(src):  # an uninitialised one on either side (a lazy module's)
            if not (is_lazy(param) and is_lazy(src)):
                errors.append(f"While copying the parameter named \"{key}\": an uninitialized parameter or "
                              f"buffer cannot be loaded into an initialized one (run a forward first)")
            continue
        if src._data.shape != param._data.shape:
            errors.append(f"size mismatch for {key}: copying a param with shape {src.shape} from "
                          f"checkpoint, the shape in current model is {param.shape}.")
            continue
        if assign:
            new = src._data if src._data.dtype == param._data.dtype else lowp_cast(src._data, param._data.dtype)
            param._data = np.ascontiguousarray(new)
        else:
            if not param._data.flags.writeable:
                param._data = param._data.copy()
            if param._data.dtype.kind == "V" or src._data.dtype.kind == "V":  # bfloat16 (fastgrad/lowp.py)
                param._data[...] = lowp_cast(src._data, param._data.dtype)
            else:
                np.copyto(param._data, src._data, casting="unsafe")
    for key in state_dict:
        if key.startswith(prefix):
            parts = key[len(prefix):].split(".", 1)
            if len(parts) > 1:
                if parts[0] not in module._modules:
                    unexpected.append(key)
            elif parts[0] not in local:
                unexpected.append(key)


def load_state_dict(module, state_dict, strict: bool = True, assign: bool = False):
    """Copy tensors into this module's parameters and buffers (in place).

    Returns (missing_keys, unexpected_keys); with ``strict`` either being non-empty raises
    RuntimeError.  A shape mismatch always raises, naming both shapes."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing, unexpected, errors = [], [], []
    with no_grad():
        for name, sub in module.named_modules():
            p = name + "." if name else ""
            sub._load_from_state_dict(state_dict, p, missing, unexpected, errors, assign)
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            type(module).__name__, "\n\t".join(errors)))
    return _IncompatibleKeys(missing, unexpected)
