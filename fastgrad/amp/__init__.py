"""fastgrad.amp (torch.amp): ``autocast`` (a documented no-op: fastgrad computes in the tensors'
dtypes) and ``GradScaler`` (dynamic loss scaling, torch's semantics)."""
from fastgrad.amp.autocast_mode import autocast, is_autocast_available
from fastgrad.amp.grad_scaler import GradScaler, OptState

__all__ = ["autocast", "is_autocast_available", "GradScaler", "OptState"]
