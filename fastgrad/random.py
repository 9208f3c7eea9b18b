"""Random numbers: one global numpy Generator behind ``manual_seed``, and ``Generator``
objects for explicit streams (DataLoader shuffling).  Streams differ from torch's."""
import json

import numpy as np

from fastgrad import dtypes
from fastgrad.device import CPU, check_device

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "Generator",
           "default_generator", "get_rng", "bernoulli_mask", "sample_like"]


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
        """The stream's state as a uint8 tensor (torch's ByteTensor form; the bytes are fastgrad's)."""
        from fastgrad.tensor import Tensor  # (tensor.py's import chain reaches this module)
        raw = json.dumps([self._seed, self.rng.bit_generator.state]).encode()
        return Tensor._make(np.frombuffer(raw, np.uint8).copy())

    def set_state(self, state) -> "Generator":
        """Restore a state from get_state()."""
        arr = getattr(state, "_data", state)
        try:
            self._seed, st = json.loads(np.asarray(arr, np.uint8).tobytes().decode())
            self.rng.bit_generator.state = st
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            raise RuntimeError(f"set_state: not a state from get_state() ({exc})") from None
        return self


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the global stream: initialisation, dropout, rand*/randn* and shuffling repeat."""
    return default_generator.manual_seed(seed)


def get_rng_state():
    """The global stream's state (a uint8 tensor), for set_rng_state."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


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
