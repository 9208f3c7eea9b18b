"""fastgrad.compile: accepted so torch code runs unchanged.  fastgrad runs eagerly (its per-op cost is
already the C kernel plus a thin Python layer), so compile returns the model or function itself;
used as a decorator (``@fastgrad.compile`` or ``@fastgrad.compile(mode=...)``) it does the same."""

__all__ = ["compile"]


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None, options=None,  # noqa: A001
            disable: bool = False):
    """The model (or function) unchanged; with no model, a decorator that returns its argument."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"compile: expected a callable, got {type(model).__name__}")
    return model
