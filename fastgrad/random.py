"""Random numbers: one global numpy Generator behind ``manual_seed``, and ``Generator``
objects for explicit streams (DataLoader shuffling).  Streams differ from torch's."""
import numpy as np

from fastgrad import dtypes
from fastgrad.device import CPU, check_device

__all__ = ["manual_seed", "seed", "initial_seed", "Generator", "default_generator", "get_rng",
           "bernoulli_mask", "sample_like"]


class Generator:
    """torch.Generator-like: an independent, seedable stream of random numbers."""

    def __init__(self, device="cpu"):
        check_device(device, "Generator")
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed) -> "Generator":
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    @property
    def device(self):
        return CPU

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state) -> None:
        self.rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the global stream: initialisation, dropout, rand*/randn* and shuffling repeat."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng(generator=None) -> np.random.Generator:
    return (generator or default_generator).rng


def bernoulli_mask(shape, keep_prob) -> np.ndarray:
    """A bool array, True with probability keep_prob."""
    return default_generator.rng.random(shape, dtype=np.float32) < keep_prob


def sample_like(array, kind, a, b) -> np.ndarray:
    """uniform(a, b) or normal(mean=a, std=b) samples shaped and typed like ``array``."""
    rng = default_generator.rng
    dt = array.dtype if array.dtype.kind == "f" else dtypes.get_default_dtype()
    if kind == "uniform":
        out = rng.random(array.shape, dtype=np.float64) * (b - a) + a
    elif kind == "normal":
        out = rng.standard_normal(array.shape, dtype=np.float64) * b + a
    else:
        raise ValueError(f"unknown distribution {kind!r}")
    return out.astype(dt)
