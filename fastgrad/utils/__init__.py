"""fastgrad.utils: data loading."""
from fastgrad.utils import data

__all__ = ["data"]
