"""functional_call (``fastgrad.func.functional_call``; this module's ``functional_call`` is torch's
deprecated ``torch.nn.utils.stateless`` spelling, which warns first): call a
module with some of its parameters and buffers replaced by given tensors, for one call.

    functional_call(m, {"weight": W}, (x,))  ==  m(x) with m.weight = W, then m is restored

Gradients flow to the given tensors (not to the module's own).  Tied tensors (one tensor under two
names) follow the value given for either name unless ``tie_weights=False``.
"""
import warnings
from collections.abc import Mapping

from fastgrad.tensor import Tensor

__all__ = ["functional_call"]

def _merge(dicts) -> dict:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    merged, seen = {}, set()
    dup = set()
    for d in dicts:
        dup |= seen & set(d)
        seen |= set(d)
        merged.update(d)
    if dup:
        raise ValueError(f"{sorted(dup)} appeared in multiple dictionaries; behavior of functional call is ambiguous")
    return merged


def _owner(module, dotted: str):
    prefix, _, leaf = dotted.rpartition(".")
    mod = module
    for part in prefix.split(".") if prefix else ():
        child = mod.__dict__.get("_modules", {}).get(part)
        if child is None:
            raise AttributeError(f"{type(mod).__name__} has no attribute `{part}`")
        mod = child
    return mod, leaf


def _untie(module, values: dict, tie_weights: bool) -> dict:
    if not tie_weights:
        return values
    groups = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        groups.setdefault(id(t), []).append(name)
    out = dict(values)
    for names in groups.values():
        given = [n for n in names if n in values]
        if len(names) < 2 or not given:
            continue
        if any(values[n] is not values[given[0]] for n in given[1:]):
            raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which are tied. "
                             "Consider using tie_weights=False")
        for n in names:
            out[n] = values[given[0]]
    return out


def _check_strict(module, values: dict) -> None:
    expected = [n for n, _ in module.named_parameters(remove_duplicate=False)] + \
               [n for n, _ in module.named_buffers(remove_duplicate=False)]
    unexpected = [k for k in values if k not in set(expected)]
    missing = [k for k in expected if k not in values]
    if unexpected or missing:
        msg = f"Error(s) in reparametrizing for {module._get_name()}:"
        if unexpected:
            msg += "\n\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + "."
        if missing:
            msg += "\n\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + "."
        raise RuntimeError(msg)


def _swap(mod, leaf: str, value):
    """Put value under mod.<leaf>; returns a function that restores the previous state.  A name that is
    neither a parameter nor a buffer is set as an attribute (a parametrized name goes through its
    right_inverse, as torch)."""
    for store in (mod._parameters, mod._buffers):
        if leaf in store:
            old = store[leaf]
            store[leaf] = value
            return lambda: store.__setitem__(leaf, old)
    if hasattr(mod, leaf):
        old = getattr(mod, leaf)
        if not isinstance(old, Tensor):
            raise TypeError(f"attribute `{leaf}`: {old} is not an instance of fastgrad.Tensor")
        setattr(mod, leaf, value)
        return lambda: setattr(mod, leaf, old)
    setattr(mod, leaf, value)
    return lambda: delattr(mod, leaf)


def _functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                     strict: bool = False):
    """``module(*args, **kwargs)`` with the named parameters / buffers replaced for this call only."""
    values = _merge(parameter_and_buffer_dicts)
    for v in values.values():
        if not isinstance(v, Tensor):
            raise TypeError(f"{v} is not an instance of fastgrad.Tensor")
    values = _untie(module, values, tie_weights)
    if strict:
        _check_strict(module, values)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    undo = []
    try:
        for name, value in values.items():
            mod, leaf = _owner(module, name)
            undo.append(_swap(mod, leaf, value))
        return module(*args, **(kwargs or {}))
    finally:
        for restore in reversed(undo):
            restore()


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """torch.nn.utils.stateless.functional_call: warns (deprecated in torch 2.0), then functional_call."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
                  "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
                  "drop-in replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
