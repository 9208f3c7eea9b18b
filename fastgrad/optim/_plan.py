"""A parameter group's step plan: the C calls of one step, made once and cached.

Every step is a plan: one multi-tensor C call (``fg_<kernel>_step_multi_<dtype>``) per dtype of
the group's parameters; a parameter that appears again in the group gets a one-entry call
(count 1) after them, and so does every parameter when the optimizer's ``_multi_tensor`` is
False.  A call's cffi arrays are made once with ``ffi.new``: element counts, parameter pointers,
state-array pointers (in the kernel's order) and per-parameter first-step flags (SGD) or step
counts (Adam, Adagrad), and, for an optimizer with a ``_tensor_scalar`` (NAdam's "mu_product"),
that per-parameter scalar state of this step (made by its ``_next_tensor_scalar`` as the step is
counted, written back to the state only once the call has run).

A step then costs, per parameter, a few Python operations: read ``p.grad`` (None: the
parameter's count becomes 0 and it is skipped); check that ``p._data`` and the arrays of the
state Tensors now in p's state dict are the cached ones (else refresh that entry: new pointers,
state created by the optimizer's ``_init_state`` and checked against the parameter's shape);
take the gradient's pointer (the one kept with the leaf's reused gradient buffer,
autograd/grad_buffer.py, else a new one); bump ``state["step"]``.  Every call is gathered before
any runs, so a rejected gradient leaves parameters and step counts as they were.  The arrays
whose pointers a call holds are pinned with a weak reference, which makes numpy refuse to
``resize`` them (as it refuses for a torch tensor's array); a resize could otherwise free the
memory under a cached pointer.
"""
import sys
import weakref

import numpy as np

from fastgrad._ffi import CTYPES, NULL, ffi, kernels
from fastgrad.dtypes import LOWP_DTYPES
from fastgrad.optim._lowp import step_lowp
from fastgrad.autograd.version import entry as _version_entry, write_seq as _write_seq

__all__ = ["FIRST", "STEPS", "COUNT", "Plan", "make_plan", "run_plan", "grad_array", "cacheable"]

_from_buffer = ffi.from_buffer
_pin = weakref.ref
_CNAME = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
FIRST, STEPS, COUNT = "first", "steps", "count"   # what a kernel takes per tensor (see Optimizer)
# an entry's fields: the parameter; the array and shape its pointer was taken from; whether it
# is in this step's call; the arrays of its state Tensors (the call's live state names, in
# order; None past them); the weak references pinning its arrays; the version-counter record of
# its memory (autograd/version.py).  (_gather spells them as numbers: a global lookup per use
# would cost on the hot path.)
_P, _ARR, _SHAPE, _LIVE, _S0, _S1, _S2, _PINS, _VER = range(9)


def grad_array(p, g) -> np.ndarray:
    """The gradient as a C-contiguous array of the parameter's dtype (a copy only when needed)."""
    a = g._data
    if a.dtype != p._data.dtype or not a.flags.c_contiguous or a.shape != p._data.shape:
        if a.shape != p._data.shape:
            raise RuntimeError(f"optimizer: gradient of shape {tuple(a.shape)} does not match its "
                               f"parameter of shape {tuple(p._data.shape)}")
        a = np.ascontiguousarray(a, dtype=p._data.dtype)
    return a


class _Call:
    """One C call of a step: parameters of one dtype and the cffi arrays of their call."""

    __slots__ = ("dtype", "ct", "fn", "entries", "count", "sizes", "pp", "gp", "names", "slots", "live",
                 "check", "per_tensor", "stateful", "steps", "counting", "reset", "head", "args", "args_for",
                 "scalars")

    def __init__(self, opt, dtype, params, names):
        cname = _CNAME[dtype]
        count = len(params)
        counter = opt._counter
        self.dtype, self.ct, self.count, self.names = dtype, CTYPES[dtype], count, names
        self.fn = kernels(opt._kernel + "_step_multi")[dtype]
        self.entries = [[p, None, None, False, None, None, None, (), None] for p in params]
        self.live = tuple(n for n in names if n)   # the state names whose arrays it takes
        assert len(self.live) <= 3, "a kernel takes at most three state arrays"
        self.sizes = ffi.new("int64_t[]", count)
        self.pp = ffi.new(cname + " *[]", count)
        self.gp = ffi.new(cname + " *[]", count)
        self.slots = tuple(ffi.new(cname + " *[]", count) if n else NULL for n in names)
        self.per_tensor = (ffi.new("int[]", count) if counter == FIRST else
                           ffi.new("int64_t[]", count) if counter == STEPS else None)
        self.stateful = counter in (STEPS, COUNT) or any(names)
        assert self.live or not self.stateful, "a kernel with state takes a state array"
        k = len(self.live)   # _gather's unrolled state check: three names, "two", "three"
        self.check = self.live + (None,) * (3 - k) + (k > 1, k > 2)
        self.steps = self.per_tensor if counter == STEPS else None   # the step counts the kernel takes
        self.counting = counter in (STEPS, COUNT)
        self.reset = []   # SGD: tensors whose first-step flag goes back to 0 after the call
        # NAdam: the per-tensor scalar state of this step (double[]; None: the kernel takes none)
        self.scalars = ffi.new("double[]", count) if opt._tensor_scalar and self.counting else None
        # the kernel's leading arguments: count, sizes, p, g, state arrays[, flags or steps][, scalars]
        self.head = (count, self.sizes, self.pp, self.gp, *self.slots) + \
            ((self.per_tensor,) if self.per_tensor is not None else ()) + \
            ((self.scalars,) if self.scalars is not None else ())
        self.args = self.args_for = None  # head + settings, and the settings tuple it was made for


class Plan:
    # options: the group options the settings were converted from (None: convert every step);
    # others: parameters of a dtype no kernel takes (stepped only if they get a gradient)
    __slots__ = ("group", "params", "nparams", "state", "names", "calls", "others", "options", "settings")


_PLAIN = (float, int, bool)


def cacheable(options):
    """``options`` when it holds plain numbers only (so an equal tuple later means equal settings),
    else None (a Tensor learning rate may change in place)."""
    for v in options:
        if type(v) not in _PLAIN and not (type(v) is tuple and all(type(x) in _PLAIN for x in v)):
            return None
    return options


def make_plan(opt, group: dict, names: tuple) -> Plan:
    """The group's calls: one per dtype (one per parameter unless ``opt._multi_tensor``), then a
    one-entry call for each repeated occurrence of a parameter."""
    by_dtype, repeated, others, seen = {}, [], [], set()
    for p in group["params"]:
        dt = p._data.dtype
        if dt not in _CNAME:
            others.append(p)
        elif id(p) in seen or not opt._multi_tensor:
            repeated.append((dt, [p]))
        else:
            by_dtype.setdefault(dt, []).append(p)
        seen.add(id(p))
    plan = Plan()
    plan.group, plan.params, plan.nparams, plan.state, plan.names = (
        group, group["params"], len(group["params"]), opt.state, names)
    plan.calls = [_Call(opt, dt, ps, names) for dt, ps in [*by_dtype.items(), *repeated]]
    plan.others = others
    return plan


def _state_array(opt, name, t, a, dtype):
    """The array of state Tensor ``t`` for a parameter array ``a``: checked, made C-contiguous,
    writable and of the parameter's dtype (a copy put back into ``t`` only when needed)."""
    what = f"{type(opt).__name__}: state {name!r}"
    s = getattr(t, "_data", None)
    if not isinstance(s, np.ndarray):
        raise RuntimeError(f"{what} must be a Tensor, got {type(t).__name__}")
    if s.shape != a.shape:
        raise RuntimeError(f"{what} of shape {tuple(s.shape)} does not match its parameter of shape "
                           f"{tuple(a.shape)}")
    if s.dtype.kind not in "fV":
        raise RuntimeError(f"{what} has dtype {s.dtype}, expected a floating-point dtype like its parameter")
    if s.dtype != dtype or not (s.flags.c_contiguous and s.flags.writeable):
        s = t._data = np.array(s, dtype=dtype, order="C", copy=True)
    return s


def _refresh(opt, group, c, i, e) -> bool:
    """(Re)point entry i of call c at its parameter's array and state; False if its dtype changed."""
    p = e[_P]
    a = p._data
    if a.dtype != c.dtype:
        return False
    if not (a.flags.c_contiguous and a.flags.writeable):
        # a private copy only when nothing else can see this memory (p._data, `a`, the argument):
        # else the step would silently stop sharing it (a view, from_numpy, Parameter(t.T), ...)
        if a.base is not None or sys.getrefcount(a) > 3:
            raise RuntimeError(f"{type(opt).__name__}.step: a parameter of shape {tuple(a.shape)} is "
                               + ("read-only" if not a.flags.writeable else "not contiguous")
                               + " and shares its memory (a view, or from_numpy of a strided or non-writable "
                               "array): the step can neither write it in place nor replace it without "
                               "breaking the sharing; give the optimizer contiguous, writable parameters "
                               "(e.g. p.data = p.data.clone())")
        p._data = a = np.array(a, order="C", copy=True)
    pins = [_pin(a)]
    if c.stateful:
        st = opt.state[p]
        if opt._init_state(group, p, st):
            c.per_tensor[i] = 1
            c.reset.append(i)
        k = _S0
        for name, arrs in zip(c.names, c.slots):
            if name:
                s = _state_array(opt, name, st[name], a, c.dtype)
                arrs[i] = _from_buffer(c.ct, s, True)
                e[k] = s
                k += 1
                pins.append(_pin(s))
    c.pp[i] = _from_buffer(c.ct, a, True)
    c.sizes[i] = a.size
    e[_ARR], e[_SHAPE], e[_LIVE], e[_PINS], e[_VER] = a, a.shape, True, pins, _version_entry(a)
    return True


def run_plan(opt, group: dict, plan: Plan, settings: tuple) -> None:
    """One step of every parameter of the group that has a gradient."""
    leftover = _unplanned(opt, group, plan, settings) if plan.others else []   # then one-entry calls for these
    calls = plan.calls
    if len(calls) == 1:
        keep = _gather(opt, group, calls[0], leftover)   # converted gradients live until the call returns
    else:
        keep, done = [], []   # every call is gathered before any runs
        try:
            for c in calls:
                keep.append(_gather(opt, group, c, leftover))
                done.append(c)
        except BaseException:
            for c in done:   # put back the step counts of the calls gathered before the rejection
                _uncount(opt, c, c.entries)
            raise
    for c in calls:
        if c.args_for is not settings:
            c.args, c.args_for = c.head + settings, settings
        c.fn(*c.args)
        if c.scalars is not None:
            _commit_scalars(opt, c)
        s = _write_seq()   # one in-place write of every stepped parameter (its version counter)
        for e in c.entries:
            if e[3]:   # _LIVE
                v = e[8]   # _VER
                v[0] += 1
                v[2] = v[1]
                v[1] = s
        if c.reset:
            for i in c.reset:
                c.per_tensor[i] = 0
            c.reset.clear()
    del keep
    if leftover:   # one-entry calls; a new plan next step
        opt._plans.pop(id(group), None)
        for p in leftover:
            run_plan(opt, group, make_plan(opt, {"params": [p]}, plan.names), settings)


def _commit_scalars(opt, c) -> None:
    """Store the per-tensor scalar state the call took (NAdam's mu_product) for the stepped tensors."""
    name, state, scalars = opt._tensor_scalar, opt.state, c.scalars
    for i, e in enumerate(c.entries):
        if e[_LIVE]:
            state[e[_P]][name] = scalars[i]


def _unplanned(opt, group, plan, settings) -> list:
    """The parameters of other dtypes that got a gradient (TypeError unless float32/float64 now);
    float16/bfloat16 ones are stepped here, in float32 (optim/_lowp.py)."""
    out = [p for p in plan.others if p.grad is not None]
    low = [p for p in out if p._data.dtype in LOWP_DTYPES]
    if low:
        step_lowp(opt, group, low, plan.names, settings, make_plan, run_plan)
        out = [p for p in out if p._data.dtype not in LOWP_DTYPES]
    for p in out:
        kernels(opt._kernel + "_step_multi")[p._data.dtype]
    return out


def _uncount(opt, c, entries) -> None:
    """Put back state["step"] of the entries counted in this step (a later gradient was rejected)."""
    if c.counting:
        for e in entries:
            if e[_LIVE] and e[_P].grad is not None:
                opt.state[e[_P]]["step"] -= 1


def _gather(opt, group, c, leftover):
    """Fill c's gradient pointers (and counts) for this step; bump state["step"] of the tensors
    in the call; return the gradients converted for the call (None: none was).  If a gradient
    is rejected, the counters bumped so far are put back."""
    state = opt.state
    gp, ct, dtype, sizes = c.gp, c.ct, c.dtype, c.sizes
    stateful, counting, steps, scalars = c.stateful, c.counting, c.steps, c.scalars
    n0, n1, n2, two, three = c.check
    keep = None
    i = -1
    try:
        for i, e in enumerate(c.entries):
            p = e[0]
            g = p._grad   # (the slot behind the .grad property)
            if g is None:
                if e[3]:
                    sizes[i] = 0
                    e[1], e[3] = None, False   # refreshed when it has a gradient again
                continue
            try:   # the cached array, and the arrays of the state Tensors now in p's state dict
                #    (torch uses a replaced state Tensor from the next step on); unrolled: a hot path
                stale = p._data is not e[1] or stateful and (
                    (st := state[p])[n0]._data is not e[4] or two and (
                        st[n1]._data is not e[5] or three and st[n2]._data is not e[6]))
            except (KeyError, AttributeError):   # a state entry deleted or set to None
                stale = True
            if stale:
                if not _refresh(opt, group, c, i, e):
                    sizes[i] = 0
                    e[1], e[3] = None, False
                    leftover.append(p)
                    continue
                st = state[p] if stateful else None
            ga = g._data
            if ga.dtype is dtype and ga.shape == e[2]:
                try:
                    buf = p._grad_buffer
                except AttributeError:   # never set (cheaper than getattr with a default)
                    buf = None
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
            if counting:
                st["step"] = s = st["step"] + 1
                if steps is not None:
                    steps[i] = s
                if scalars is not None:
                    scalars[i] = opt._next_tensor_scalar(group, st, s)
    except BaseException:
        _uncount(opt, c, c.entries[:max(i, 0)])   # the entries before i were counted in this step
        raise
    return keep
