"""torch.utils.data._utils's import paths: collate (default_collate, default_convert) and worker."""
from fastgrad.utils.data._utils import collate, worker

__all__ = ["collate", "worker"]
