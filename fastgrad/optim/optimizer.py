"""Optimizer: parameter groups, per-parameter state, state_dict — torch.optim.Optimizer's contract.

A subclass declares its update once, as torch's ``_init_group`` + functional ``adam(...)`` split:
the C kernel (``_kernel``: fg_<kernel>_step_multi_<dtype>), what the kernel takes per tensor
(``_counter``), its hyper-parameter tuple (``_hyper``: group option names in the order of the
kernel's trailing arguments), the state arrays it takes (``_state_names(group)``) and how a
parameter's missing state is made (``_init_state``, by default "step" 0 and zero arrays).
``step()`` runs each group's cached plan (fastgrad/optim/_plan.py): one multi-tensor C call per
dtype; it records nothing (C calls on arrays), so it leaves grad mode alone.
"""
import math
import copy
import warnings
from collections import defaultdict
from itertools import chain
from operator import itemgetter

import numpy as np

from fastgrad._ffi import ffi, kernels
from fastgrad.autograd.grad_mode import enable_grad
from fastgrad.optim._plan import FIRST, cacheable, make_plan, run_plan
from fastgrad.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton marking a default every parameter group must supply (e.g. SGD's lr in old torch)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_make = Tensor._make


class Optimizer:
    """Base class: ``params`` is an iterable of Tensors, of (name, Tensor) pairs, or of dicts
    (parameter groups with their own options); ``defaults`` fills options a group omits."""

    # state entries that are Python scalars internally but tensors in torch's state_dict
    _scalar_state = ("step",)
    # the update, declared once by each subclass: the kernel fg_<_kernel>_step_multi_<dtype>;
    # what it takes per tensor ("first": SGD's first-step flags, "steps": state["step"] values,
    # "count": state["step"] is counted but not passed); the group options that are its trailing
    # arguments, in order (a tuple option such as betas gives one argument per element, converted
    # to the C parameter's type); the other options _state_names reads
    _kernel = None
    _counter = None
    _hyper = ()
    _structure = ()
    _eager_state = False   # True: state is made for every parameter when its group is added (Adagrad)
    # a scalar state entry the kernel takes per tensor after the step counts (NAdam's "mu_product"):
    # _next_tensor_scalar(group, state, step) gives this step's value, stored once the call has run
    _tensor_scalar = None
    _multi_tensor = True   # False: a one-entry call per parameter (same results; for tests)

    def __init__(self, params, defaults: dict):
        _check_finite(defaults)
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            "dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        self._plans = {}   # id(group) -> its step plan
        self._options = _options_getter(self)   # the group options a plan's settings follow
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(dict(group))

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._plans = {}
        self._options = _options_getter(self)

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}"
            for key in sorted(group):
                if key != "params":
                    out += f"\n    {key}: {group[key]}"
        return out + "\n)"

    # -- groups -----------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Append a parameter group (a dict with "params" and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for p in param_group["params"]:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information", stacklevel=3)
        existing = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not existing.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        if self._eager_state:
            for p in tensors:
                self._init_state(param_group, p, self.state[p])

    # -- stepping ---------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is not None:   # (the slot behind the checking .grad property)
                    if set_to_none:
                        p._grad = None
                    else:
                        g = p._grad
                        g.grad_fn = None
                        g.requires_grad = False
                        g._data.fill(0)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: dict) -> None:
        """Run the group's plan, made again when the group's parameter list, the ``state`` object
        or the state names changed; the settings are converted again when the options changed."""
        plan = self._plans.get(id(group))
        params = group["params"]
        options = self._options(group)
        if plan is not None and plan.group is group and plan.params is params and plan.nparams == len(params) \
                and plan.state is self.state:
            if options == plan.options:
                run_plan(self, group, plan, plan.settings)
                return
            if self._state_names(group) == plan.names:
                plan.settings, plan.options = self._settings(group), cacheable(options)
                run_plan(self, group, plan, plan.settings)
                return
        if self._kernel is None:
            raise NotImplementedError(f"{type(self).__name__} declares no _kernel: override step()")
        plan = self._plans[id(group)] = make_plan(self, group, self._state_names(group))
        plan.settings, plan.options = self._settings(group), cacheable(options)
        run_plan(self, group, plan, plan.settings)

    def _settings(self, group: dict) -> tuple:
        """The group's ``_hyper`` options as the kernel's trailing C arguments."""
        values = []
        for name in self._hyper:
            v = group[name]
            values.extend(v) if isinstance(v, (tuple, list)) else values.append(v)
        return tuple(conv(v) for conv, v in zip(_converters(self._kernel, len(values)), values))

    def _state_names(self, group: dict) -> tuple:
        """Names of the state arrays the kernel takes, in its order (None: NULL)."""
        return ()

    def _init_state(self, group: dict, p: Tensor, state: dict) -> bool:
        """Make p's missing state, as torch's ``_init_group``: "step" 0 (if counted) and a zero
        array per state name.  Returns the kernel's first-step flag (only SGD's is ever set)."""
        if self._counter != FIRST and "step" not in state:
            state["step"] = 0
        for name in self._state_names(group):
            if name and name not in state:
                state[name] = _make(np.zeros_like(p._data))
        return False

    # -- state_dict -------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{"state": {index: {...}}, "param_groups": [{options..., "params": [indices]}]}, indices
        numbering the parameters across groups in order, as torch."""
        mapping = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {}
        for p, s in self.state.items():
            key = mapping[id(p)] if isinstance(p, Tensor) else p
            state[key] = {k: (_make(np.asarray(float(v), np.float32)) if k in self._scalar_state else v)
                          for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore state and group options saved by ``state_dict`` (parameters matched by order)."""
        state_dict = dict(state_dict)
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if isinstance(k, str) and k.lstrip("-").isdigit():
                k = int(k)  # formats whose dict keys are strings
            if k in id_map:
                p = id_map[k]
                state[p] = {name: self._cast_state(p, name, value) for name, value in v.items()}
            else:
                state[k] = v
        self.state = state
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            if isinstance(saved.get("betas"), list):
                saved["betas"] = tuple(saved["betas"])
            new_groups.append(saved)
        self.param_groups = new_groups
        self._plans = {}   # new groups and state arrays: every cached pointer is stale

    def _cast_state(self, p: Tensor, name: str, value):
        if name in self._scalar_state:
            v = value.item() if isinstance(value, Tensor) else value
            return int(v) if float(v).is_integer() else float(v)
        arr = value._data if isinstance(value, Tensor) else np.asarray(value) if isinstance(value, np.ndarray) else None
        if arr is None:
            return value
        if arr.shape != p._data.shape:
            raise RuntimeError(f"{type(self).__name__}.load_state_dict: state {name!r} of shape {tuple(arr.shape)} "
                               f"does not match its parameter of shape {tuple(p._data.shape)}")
        if arr.dtype.kind in "fV":
            arr = np.array(arr, dtype=p._data.dtype, order="C", copy=True)
        else:
            arr = np.array(arr, copy=True)
        return _make(arr)


def _options_getter(opt):
    """group -> the tuple of its _hyper and _structure options (empty for a subclass without them)."""
    keys = (*opt._hyper, *opt._structure)
    return itemgetter(*keys) if len(keys) > 1 else (lambda group: tuple(group[k] for k in keys))


_CONVERT = {"double": float, "int": lambda v: int(bool(v))}
_converters_made = {}


def _converters(name: str, n: int) -> tuple:
    """Python -> C converters of the last n arguments of fg_<name>_step_multi (the settings)."""
    key = (name, n)
    conv = _converters_made.get(key)
    if conv is None:
        args = ffi.typeof(kernels(name + "_step_multi")[np.dtype(np.float32)]).args
        conv = _converters_made[key] = tuple(_CONVERT[a.cname] for a in args[len(args) - n:])
    return conv


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return "fastgrad.Tensor"
    t = type(obj)
    return t.__qualname__ if t.__module__ in ("builtins", "__builtin__", None) else t.__module__ + "." + t.__qualname__


def _check_finite(options: dict) -> None:
    """Non-finite hyper-parameters raise (torch's `lr < 0` style checks let NaN and inf through)."""
    for key, value in options.items():
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                label = {"lr": "learning rate", "eps": "epsilon"}.get(key, key)
                raise ValueError(f"Invalid {label} value: {v}")
