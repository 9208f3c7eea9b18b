"""torch.backends' availability queries (CPU-only: mps and cuda are never available)."""
from fastgrad.backends import cuda, mps  # noqa: F401

__all__ = ["cuda", "mps"]
