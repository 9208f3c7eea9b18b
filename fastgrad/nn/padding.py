"""Padding layers (torch's ConstantPad/ZeroPad/ReflectionPad/ReplicationPad/CircularPad 1d/2d/3d) and the
distance modules CosineSimilarity / PairwiseDistance, over F.pad and the functional distances."""
from fastgrad import functional as F
from fastgrad.nn.module import Module

__all__ = []


class _Pad(Module):
    """F.pad(input, padding, mode, value) with padding given as one int or 2 * dims ints."""

    _dims, _mode = 1, "constant"

    def __init__(self, padding, value: float = 0.0):
        super().__init__()
        n = 2 * self._dims
        self.padding = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of {n} ints, got "
                             f"{padding!r}")
        self.value = float(value)

    def forward(self, input):
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPad(_Pad):
    def __init__(self, padding):
        super().__init__(padding, 0.0)


def _family(base, mode, prefix):
    """The 1d/2d/3d classes of one padding mode."""
    out = {}
    for d in (1, 2, 3):
        name = f"{prefix}{d}d"
        out[name] = type(name, (base,), {"_dims": d, "_mode": mode, "__doc__": f"{mode} padding of the last {d} "
                                         f"dim{'s' if d > 1 else ''} (torch.nn.{name})", "__module__": __name__})
    return out


for _base, _mode, _prefix in ((_ConstantPad, "constant", "ConstantPad"), (_ZeroPad, "constant", "ZeroPad"),
                              (_Pad, "reflect", "ReflectionPad"), (_Pad, "replicate", "ReplicationPad"),
                              (_Pad, "circular", "CircularPad")):
    _classes = _family(_base, _mode, _prefix)
    globals().update(_classes)
    __all__ += list(_classes)


class CosineSimilarity(Module):
    """F.cosine_similarity(x1, x2, dim, eps)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """F.pairwise_distance(x1, x2, p, eps, keepdim)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


__all__ += ["CosineSimilarity", "PairwiseDistance"]
