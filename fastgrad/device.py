"""torch.device: where a tensor lives.  fastgrad is CPU-only: device objects of any type torch
knows can be built and compared (scripts write ``device("cuda" if cuda.is_available() else
"cpu")``), but only "cpu" can hold a tensor; asking for another raises a RuntimeError."""
import re

__all__ = ["device", "check_device", "CPU", "get_default_device", "set_default_device"]

_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_SPEC = re.compile(r"^([a-z_]+)(?::(\d+))?$")


class device:
    """A device type and optional index: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``."""

    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):  # noqa: A002  (torch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): a device object cannot be given an index")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):  # device(0): an accelerator index
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        m = _SPEC.match(type)
        if m is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        if m.group(1) not in _TYPES:
            raise RuntimeError("Expected one of " + ", ".join(_TYPES) + " device type at start of "
                               f"device string: {type}")
        if m.group(2) is not None:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed "
                                   f"explicitly: {type}")
            index = int(m.group(2))
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): index must be an int, got {index!r}")
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
        self._type, self._index = m.group(1), index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self):
        return self._index

    def __eq__(self, other):  # (torch 2.13: device("cpu") == "cpu" is False, so here too)
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash((self._type, self._index))

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __reduce__(self):
        return (device, (self._type, self._index))

    def __enter__(self):  # torch: `with torch.device(...)` sets the default device
        check_device(self, "device")
        return self

    def __exit__(self, *exc):
        return False


CPU = device("cpu")


def check_device(d, op="to"):
    """None, "cpu", "cpu:0" or device("cpu") pass; any other device raises a clear RuntimeError."""
    if d is None or d is CPU or d == "cpu" or d == CPU:
        return CPU
    if not isinstance(d, (str, device)):
        raise TypeError(f"{op}: expected a device (a str or fastgrad.device), got {type(d).__name__}")
    dv = device(d)
    if dv.type == "cpu":
        return CPU
    raise RuntimeError(f"{op}: device '{dv}' is not available: fastgrad is CPU-only (use device='cpu'; "
                       f"fastgrad.cuda.is_available() is False)")


def get_default_device() -> device:
    """Where factories put tensors: always the CPU."""
    return CPU


def set_default_device(d) -> None:
    """Accepts only the CPU (None, "cpu", device("cpu")); another device raises (CPU-only)."""
    check_device(d, "set_default_device")
