"""torch.cuda's queries, answered for a CPU-only library: no CUDA device is ever available."""
__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all",
           "synchronize", "current_device", "empty_cache"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed) -> None:
    """A no-op, as torch's when CUDA is not available."""


manual_seed_all = manual_seed


def empty_cache() -> None:
    """A no-op: there is no CUDA memory to free."""


def _unavailable(op):
    raise RuntimeError(f"fastgrad.cuda.{op}: fastgrad is CPU-only (no CUDA device is available)")


def synchronize(device=None) -> None:
    _unavailable("synchronize")


def current_device() -> int:
    _unavailable("current_device")
