"""Multi-tensor optimizer steps: one C call per parameter group (and dtype) per step.

A group's *plan* holds, per dtype, cffi arrays made once with ``ffi.new``: element counts,
parameter pointers, state-array pointers (in the kernel's order), and per-parameter first-step
flags (SGD) or step counts (Adam, Adagrad).  A step then costs, per parameter, a few Python
operations: read ``p.grad`` (None: the parameter's count becomes 0 and it is skipped), check that
``p._data`` and its state dict are the cached objects (else refresh that entry: new pointers,
state created as the per-parameter path does), take the gradient's pointer (the one kept with
the leaf's reused gradient buffer, autograd/grad_buffer.py, else a new one), bump
``state["step"]``; and one C call for the whole group.

The plan is rebuilt when the group's parameter list, the optimizer's ``state`` object or the
group's structural settings (which state arrays exist) change; ``load_state_dict`` drops every
plan.  Hyper-parameters (lr, betas, ...) are read from the group at every step, so schedulers
work as usual; they are converted to the kernel's arguments again only when they changed
(plain numbers compared with the last step's; anything else, such as a Tensor learning rate,
is converted every step).  Groups with duplicate parameters or dtypes other than float32/float64 take the
per-parameter path.
"""
import numpy as np

from fastgrad._ffi import CTYPES, NULL, SUFFIX, ffi, lib

__all__ = ["Plan", "make_plan", "run_plan", "grad_array", "cacheable"]

_from_buffer = ffi.from_buffer
_CNAME = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
_FIRST, _STEPS, _COUNT = "first", "steps", "count"   # what a kernel takes per tensor


def grad_array(p, g) -> np.ndarray:
    """The gradient as a C-contiguous array of the parameter's dtype (a copy only when needed)."""
    a = g._data
    if a.dtype != p._data.dtype or not a.flags.c_contiguous or a.shape != p._data.shape:
        if a.shape != p._data.shape:
            raise RuntimeError(f"optimizer: gradient of shape {tuple(a.shape)} does not match its "
                               f"parameter of shape {tuple(p._data.shape)}")
        a = np.ascontiguousarray(a, dtype=p._data.dtype)
    return a


class _Batch:
    """The parameters of one dtype in a group, and the C arrays of their call."""

    __slots__ = ("dtype", "ct", "fn", "entries", "count", "sizes", "pp", "gp", "names", "slots",
                 "counter", "per_tensor", "stateful", "steps", "counting", "reset", "head", "args", "args_for")

    def __init__(self, opt, dtype, params, names):
        cname = _CNAME[dtype]
        count = len(params)
        self.dtype, self.ct, self.count, self.names = dtype, CTYPES[dtype], count, names
        self.fn = getattr(lib, "fg_%s_step_multi_%s" % (opt._multi_kernel, SUFFIX[dtype]))
        # entry: [param, its cached array, shape, its cached state dict, in this step's call]
        self.entries = [[p, None, None, None, False] for p in params]
        self.sizes = ffi.new("int64_t[]", count)
        self.pp = ffi.new(cname + " *[]", count)
        self.gp = ffi.new(cname + " *[]", count)
        self.slots = tuple(ffi.new(cname + " *[]", count) if n else NULL for n in names)
        self.counter = opt._multi_counter
        self.per_tensor = (ffi.new("int[]", count) if self.counter == _FIRST else
                           ffi.new("int64_t[]", count) if self.counter == _STEPS else None)
        self.stateful = self.counter in (_STEPS, _COUNT) or any(names)
        self.steps = self.counter == _STEPS
        self.counting = self.counter in (_STEPS, _COUNT)
        self.reset = []   # SGD: tensors whose first-step flag goes back to 0 after the call
        # the kernel's leading arguments: count, sizes, p, g, state arrays[, flags or steps]
        self.head = (count, self.sizes, self.pp, self.gp, *self.slots) + \
            ((self.per_tensor,) if self.per_tensor is not None else ())
        self.args = self.args_for = None  # head + settings, and the settings tuple it was made for


class Plan:
    # options: the group options the settings were converted from (None: convert every step)
    __slots__ = ("group", "params", "nparams", "state", "names", "batches", "options", "settings")


_PLAIN = (float, int, bool)


def cacheable(options):
    """``options`` when it holds plain numbers only (so an equal tuple later means equal settings),
    else None (a Tensor learning rate may change in place)."""
    if options is None:
        return None
    for v in options:
        if type(v) not in _PLAIN and not (type(v) is tuple and all(type(x) in _PLAIN for x in v)):
            return None
    return options


def make_plan(opt, group: dict, names: tuple):
    """A group's plan, or None when the group needs the per-parameter path."""
    params = group["params"]
    if len({id(p) for p in params}) != len(params):
        return None
    by_dtype = {}
    for p in params:
        dt = p._data.dtype
        if dt not in _CNAME:
            return None
        by_dtype.setdefault(dt, []).append(p)
    plan = Plan()
    plan.group, plan.params, plan.nparams, plan.state, plan.names = group, params, len(params), opt.state, names
    plan.batches = [_Batch(opt, dt, ps, names) for dt, ps in by_dtype.items()]
    return plan


def _refresh(opt, group, b, i, e) -> bool:
    """(Re)point entry i at its parameter's array and state; False if its dtype changed."""
    p = e[0]
    a = p._data
    if a.dtype != b.dtype:
        return False
    if not (a.flags.c_contiguous and a.flags.writeable):
        p._data = a = np.array(a, order="C", copy=True)
    b.pp[i] = _from_buffer(b.ct, a, True)
    e[1], e[2], e[4] = a, a.shape, True
    b.sizes[i] = a.size
    if b.stateful:
        st, first = opt._multi_state(group, p, a)
        for name, arrs in zip(b.names, b.slots):
            if name:
                s = st[name]._data
                if s.shape != a.shape:
                    raise RuntimeError(f"optimizer: state {name!r} of shape {tuple(s.shape)} does not match "
                                       f"its parameter of shape {tuple(a.shape)}")
                if s.dtype != b.dtype or not (s.flags.c_contiguous and s.flags.writeable):
                    s = st[name]._data = np.array(s, dtype=b.dtype, order="C", copy=True)
                arrs[i] = _from_buffer(b.ct, s, True)
        e[3] = st
        if first:
            b.per_tensor[i] = 1
            b.reset.append(i)
    return True


def run_plan(opt, group: dict, plan: Plan, settings: tuple) -> None:
    """One step of every parameter of the group that has a gradient: one C call per dtype."""
    leftover = []   # parameters whose dtype changed since the plan was made
    for b in plan.batches:
        keep = _gather(opt, group, b, leftover)   # converted gradients live until the call returns
        if b.args_for is not settings:
            b.args, b.args_for = b.head + settings, settings
        b.fn(*b.args)
        del keep
        if b.reset:
            for i in b.reset:
                b.per_tensor[i] = 0
            b.reset.clear()
    if leftover:
        opt._plans.pop(id(group), None)
        opt._prepare_group(group)
        for p in leftover:
            opt._update(group, p, grad_array(p, p.grad))


def _gather(opt, group, b, leftover):
    """Fill b's gradient pointers (and counts) for this step; bump state["step"] of the tensors
    in the call; return the gradients converted for the call (None: none was).  If a gradient
    is rejected, the counters bumped so far are put back."""
    state = opt.state
    gp, ct, dtype, stateful = b.gp, b.ct, b.dtype, b.stateful
    keep = None
    i = -1
    try:
        for i, e in enumerate(b.entries):
            p = e[0]
            g = p.grad
            if g is None:
                if e[4]:
                    b.sizes[i] = 0
                    e[4] = False
                continue
            if p._data is not e[1] or not e[4] or (stateful and state[p] is not e[3]):
                if not _refresh(opt, group, b, i, e):
                    b.sizes[i] = 0
                    e[4] = False
                    leftover.append(p)
                    continue
            ga = g._data
            if ga.dtype is dtype and ga.shape == e[2]:
                buf = getattr(p, "_grad_buffer", None)
                if buf is not None and buf[0] is ga:  # the leaf's reused gradient buffer: pointer kept
                    gp[i] = buf[1]
                else:
                    try:
                        gp[i] = _from_buffer(ct, ga)
                    except (TypeError, ValueError, BufferError):   # not C-contiguous
                        ga = grad_array(p, g)
                        keep = (keep or []) + [ga]
                        gp[i] = _from_buffer(ct, ga)
            else:
                ga = grad_array(p, g)
                keep = (keep or []) + [ga]
                gp[i] = _from_buffer(ct, ga)
            if b.counting:
                st = e[3]
                st["step"] = s = st["step"] + 1
                if b.steps:
                    b.per_tensor[i] = s
    except BaseException:
        if b.counting:   # entries before i were counted in this step when they are in the call
            for e in b.entries[:max(i, 0)]:
                if e[4] and e[0].grad is not None:
                    e[3]["step"] -= 1
        raise
    return keep
