"""torch.backends.cuda: fastgrad is not built with CUDA."""
__all__ = ["is_built"]


def is_built() -> bool:
    return False
