"""Gradient recording switch: no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
inference_mode, is_inference_mode_enabled.

The flag is one attribute of one thread-local object (``GRAD.enabled``), so the hot path reads
it with a single attribute load and each thread has its own mode, as in PyTorch (an optimizer
step under no_grad in one thread does not stop another thread from recording).
"""
import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled", "GRAD"]


class _GradMode(threading.local):
    def __init__(self):
        self.enabled = True  # every new thread starts with recording on
        self.inference = False  # inside inference_mode()


GRAD = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return GRAD.enabled


def _decorate(switch, func):
    """func run under the switch: a plain function, so a decorated method still binds ``self``."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with switch():
            return func(*args, **kwargs)
    return wrapper


class _GradSwitch:
    """Context manager and decorator (``@no_grad()`` or bare ``@no_grad``) that sets the recording
    flag to ``self._mode``."""

    _mode = True

    def __new__(cls, func=None):
        if func is not None:  # bare @no_grad: the decorated function itself
            return _decorate(cls, func)
        return super().__new__(cls)

    def __init__(self, func=None):
        self._prev = []

    def __enter__(self):
        self._prev.append(GRAD.enabled)
        GRAD.enabled = self._mode
        return None

    def __exit__(self, *exc):
        GRAD.enabled = self._prev.pop()
        return False

    def __call__(self, func):
        """@no_grad(): wrap the function given now."""
        return _decorate(type(self), func)


class no_grad(_GradSwitch):
    """Disable gradient recording inside a ``with`` block or a decorated function."""

    _mode = False


class enable_grad(_GradSwitch):
    """Enable gradient recording inside a ``with`` block or a decorated function."""

    _mode = True


class set_grad_enabled:
    """Set recording on or off: as a call, or as a context manager restoring the old mode."""

    def __init__(self, mode: bool):
        self._prev = GRAD.enabled
        GRAD.enabled = bool(mode)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        GRAD.enabled = self._prev
        return False


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (and not inside a nested ``inference_mode(False)``)."""
    return GRAD.inference


class inference_mode:
    """torch.inference_mode: no recording inside a ``with`` block or a decorated function
    (``@inference_mode``, ``@inference_mode()``); ``inference_mode(False)`` turns recording back
    on, as torch's does.  fastgrad has no separate inference tensors: this is no_grad that
    is_inference_mode_enabled() reports."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # bare @inference_mode on a function
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self._mode = bool(mode)
        self._prev = []

    def __enter__(self):
        self._prev.append((GRAD.enabled, GRAD.inference))
        GRAD.enabled, GRAD.inference = not self._mode, self._mode
        return None

    def __exit__(self, *exc):
        GRAD.enabled, GRAD.inference = self._prev.pop()
        return False

    def __call__(self, func):
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return func(*args, **kwargs)
        return wrapper

    def clone(self) -> "inference_mode":
        return inference_mode(self._mode)
