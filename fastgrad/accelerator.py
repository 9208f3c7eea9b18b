"""torch.accelerator's queries: fastgrad is CPU-only, so there is no accelerator."""
__all__ = ["is_available", "device_count", "current_accelerator"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def current_accelerator(check_available=False):
    """None: no accelerator (torch returns None too when none is present)."""
    return None
