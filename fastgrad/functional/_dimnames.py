"""torch's numpy-compatible argument names: every op whose torch signature has ``dim`` also takes
``axis=``, ``keepdim`` also takes ``keepdims=`` (torch's argument parser does the renaming)."""
import functools

__all__ = ["numpy_names"]

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_names(fn):
    """fn taking ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=`` as well (both at once:
    TypeError, as torch)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if "axis" in kwargs or "keepdims" in kwargs:
            for alias, name in _ALIASES.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() received an invalid combination of arguments: "
                                        f"both {name}= and its alias {alias}=")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return wrapper
