"""Function: the graph node of every differentiable op, and the op registry.

An op is a subclass with ``forward(ctx, *args)`` and ``backward(ctx, dy)``; the instance
created by ``apply`` *is* the context and the graph node (what ``tensor.grad_fn`` shows).

* Built-in ops are registered with ``@register(name)``: they see numpy arrays in forward
  and backward, never Tensors, so backward never builds a graph.  ``backward`` returns one
  gradient per positional input (None where not needed), each either ``dy`` itself, a view,
  or a fresh array the op does not keep (the engine may take fresh ones over as ``.grad``).
* User ops subclass ``fastgrad.autograd.Function`` without registering: as in PyTorch
  they see Tensors (forward runs under no_grad) and return Tensors.

``apply`` is the only place that turns arrays into Tensors and records graph nodes.
Nodes point to their inputs only (never back to their outputs), so graphs hold no
reference cycles and are freed by reference counting alone.
"""
import itertools

from fastgrad.autograd.grad_mode import GRAD
from fastgrad.lowp import apply_lowp
from fastgrad.tensor import Tensor

__all__ = ["Function", "register", "REGISTRY", "FREED_MESSAGE"]

REGISTRY = {}

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def register(name: str):
    """Class decorator: record a built-in (array-level) op under ``name``."""

    def deco(cls):
        if name in REGISTRY:
            raise ValueError(f"op {name!r} registered twice")
        cls.op_name = name
        cls.user_defined = False
        REGISTRY[name] = cls
        return cls

    return deco


_new = object.__new__
_make = Tensor._make
_next_seq = itertools.count().__next__  # creation order of nodes: the engine runs them newest first


def _node(cls, edges):
    """The one place a graph node is built: the context of ``cls`` with one edge per forward
    input (the input's node, a leaf Tensor, or None when no gradient is needed) and its
    creation number."""
    ctx = _new(cls)
    ctx.saved = ()
    ctx.inputs = edges
    ctx.retained = None
    ctx.seq = _next_seq()
    return ctx


class Function:
    """Base of every differentiable operation (see the module docstring)."""

    __slots__ = ("saved", "inputs", "retained", "seq", "__dict__", "__weakref__")
    user_defined = True  # sees and returns Tensors (a user's subclass); @register turns this off
    op_name = None

    # -- what subclasses write ------------------------------------------------
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("Function subclasses must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Function subclasses must implement backward(ctx, grad)")

    # -- ctx API ------------------------------------------------------------------
    def save_for_backward(self, *values):
        """Keep values (arrays for built-in ops, Tensors for user ops) for backward; writing one
        of them in place later makes backward raise (autograd/version.py)."""
        self.saved = values
        if self.user_defined:
            self.saved_seq = _next_seq()  # its forward may have written them in place before

    @property
    def saved_tensors(self):
        if self.saved is None:
            raise RuntimeError(FREED_MESSAGE)
        return self.saved

    def name(self) -> str:
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return "<%s object>" % self.name()

    @property
    def next_functions(self):
        """((node or leaf tensor or None, 0), ...) for each input, as torch shows it."""
        return tuple((e, 0) for e in (self.inputs or ()))

    # -- recording: run forward; when recording and an input requires grad, add a node ----------
    @classmethod
    def apply(cls, *args):
        """Any inputs: Tensors and settings (arrays, numbers, ...) in any order."""
        if cls.user_defined:
            return _apply_user(cls, args)
        try:
            if GRAD.enabled:
                edges = []
                arrays = []
                record = False
                for a in args:
                    if isinstance(a, Tensor):
                        arrays.append(a._data)
                        if a.requires_grad:
                            record = True
                            edges.append(a.grad_fn or a)
                            continue
                    else:
                        arrays.append(a)
                    edges.append(None)
                if record:
                    ctx = _node(cls, tuple(edges))
                    return _make(cls.forward(ctx, *arrays), ctx)
            else:
                arrays = [a._data if isinstance(a, Tensor) else a for a in args]
            ctx = _new(cls)
            ctx.saved = ()
            return _make(cls.forward(ctx, *arrays), None)
        except (TypeError, KeyError, ValueError):  # float16/bfloat16 (fastgrad/lowp.py): rerun in float32
            return _lowp(cls, args)

    @classmethod
    def apply1(cls, x, *settings):
        """apply() for a built-in op whose first input is the only Tensor (the rest are settings)."""
        try:
            if GRAD.enabled and x.requires_grad:
                if settings:
                    ctx = _node(cls, (x.grad_fn or x,) + (None,) * len(settings))
                    return _make(cls.forward(ctx, x._data, *settings), ctx)
                ctx = _node(cls, (x.grad_fn or x,))
                return _make(cls.forward(ctx, x._data), ctx)
            ctx = _new(cls)
            ctx.saved = ()
            return _make(cls.forward(ctx, x._data, *settings), None)
        except (TypeError, KeyError, ValueError):  # float16/bfloat16 (fastgrad/lowp.py)
            return _lowp(cls, (x,) + settings)

    @classmethod
    def apply2(cls, a, b, *settings):
        """apply() for a built-in op whose first two inputs are the only Tensors (binary
        arithmetic, losses; the rest are settings)."""
        try:
            if GRAD.enabled and (a.requires_grad or b.requires_grad):
                edges = ((a.grad_fn or a) if a.requires_grad else None, (b.grad_fn or b) if b.requires_grad else None)
                if settings:
                    ctx = _node(cls, edges + (None,) * len(settings))
                    return _make(cls.forward(ctx, a._data, b._data, *settings), ctx)
                ctx = _node(cls, edges)
                return _make(cls.forward(ctx, a._data, b._data), ctx)
            ctx = _new(cls)
            ctx.saved = ()
            return _make(cls.forward(ctx, a._data, b._data, *settings), None)
        except (TypeError, KeyError, ValueError):  # float16/bfloat16 (fastgrad/lowp.py)
            return _lowp(cls, (a, b) + settings)

    @classmethod
    def apply3(cls, a, b, c):
        """apply() for a built-in op of exactly three Tensors (the linear layer's fast path)."""
        try:
            if GRAD.enabled and (a.requires_grad or b.requires_grad or c.requires_grad):
                ctx = _node(cls, ((a.grad_fn or a) if a.requires_grad else None,
                                  (b.grad_fn or b) if b.requires_grad else None,
                                  (c.grad_fn or c) if c.requires_grad else None))
                return _make(cls.forward(ctx, a._data, b._data, c._data), ctx)
            ctx = _new(cls)
            ctx.saved = ()
            return _make(cls.forward(ctx, a._data, b._data, c._data), None)
        except (TypeError, KeyError, ValueError):  # float16/bfloat16 (fastgrad/lowp.py)
            return _lowp(cls, (a, b, c))

    @property
    def needs_input_grad(self):
        """One bool per forward input: whether backward must return its gradient."""
        return tuple([e is not None for e in self.inputs])

    def run_backward(self, dy):
        """Gradients of the inputs, as arrays, from the output gradient array ``dy`` (a
        user-defined backward's are returned as it gave them: the engine validates them)."""
        if self.saved is None:
            raise RuntimeError(FREED_MESSAGE)
        if self.user_defined:
            return _backward_user(self, dy)
        grads = type(self).backward(self, dy)
        return grads if type(grads) is tuple else (grads,)


def _lowp(cls, args):
    """An op's forward refused its float16/bfloat16 input (a kernel table's LowPrecision, or numpy
    refusing bfloat16): rerun in float32 and round back; any other TypeError is re-raised."""
    out = apply_lowp(cls, args, _node, _new, _make, GRAD.enabled, Tensor)
    if out is None:
        raise
    return out


def _apply_user(cls, args):
    """apply() for user-defined Functions: forward on Tensors under no_grad, output wrapped.
    The node keeps each input's (shape, dtype), which the engine checks gradients against."""
    edges = []
    metas = []
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            edges.append(a if a.grad_fn is None else a.grad_fn)
            metas.append((a._data.shape, a._data.dtype))
        else:
            edges.append(None)
            metas.append(None)
    ctx = _node(cls, tuple(edges))
    ctx.input_metas = tuple(metas)
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        out = cls.forward(ctx, *args)
    finally:
        GRAD.enabled = prev
    if not isinstance(out, Tensor):
        raise TypeError(f"{cls.__name__}.forward must return a single Tensor, got {type(out).__name__}")
    return _make(out._data, ctx if prev and any(ctx.needs_input_grad) else None)


def _backward_user(ctx, dy):
    """A user-defined backward on Tensors under no_grad: its gradients as arrays (or None)."""
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        grads = type(ctx).backward(ctx, _make(dy, None))
    finally:
        GRAD.enabled = prev
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(ctx.inputs):
        raise RuntimeError(f"function {ctx.name()} returned an incorrect number of gradients "
                           f"(expected {len(ctx.inputs)}, got {len(grads)})")
    out = []
    for g in grads:
        if g is None:
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g._data)
        else:
            raise TypeError(f"function {type(ctx).__name__}.backward must return Tensors or None, "
                            f"got {type(g).__name__}")
    return tuple(out)
