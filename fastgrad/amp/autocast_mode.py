"""fastgrad.autocast / fastgrad.amp.autocast: accepted so torch code runs unchanged.  fastgrad computes
in the tensors' own dtypes, so the context is a documented no-op (torch's CPU autocast would run
matmuls in bfloat16); it still checks its arguments as torch does."""
import functools

__all__ = ["autocast", "is_autocast_available"]

_DEVICES = ("cpu", "cuda", "xpu", "mps", "hpu", "xla", "ipu", "mtia", "meta")


def is_autocast_available(device_type: str) -> bool:
    return device_type == "cpu"


class autocast:  # noqa: N801  (torch's name)
    """Context manager and decorator: ``with fastgrad.autocast(device_type="cpu", dtype=fastgrad.bfloat16):``."""

    def __init__(self, device_type: str = "cpu", dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICES:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device_type, self.fast_dtype, self._enabled = device_type, dtype, bool(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper
