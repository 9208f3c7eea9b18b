"""F.pad at the Tensor level: torch's argument rules and messages, then ``ops.pad.Pad``.

    pad = (left_last, right_last, left_second_last, right_second_last, ...); negative values crop
"""
from fastgrad.functional._promote import float_input
from fastgrad.ops.pad import Pad
from fastgrad.tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """y = input padded over its last len(pad) // 2 dims: a constant ``value`` (default 0), or the
    input reflected (edge not repeated), replicated (edge repeated) or wrapped (circular)."""
    x = float_input(input, "pad")
    pad = tuple(int(p) for p in pad)
    shape = tuple(x.shape)
    nd = len(shape)
    if mode not in _MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("pad: Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > nd:
        raise RuntimeError(f"pad: Padding length should be less than or equal to two times the input dimension but "
                           f"got padding length {len(pad)} and input of dimension {nd}")
    pairs = tuple((pad[2 * (k - 1 - i)], pad[2 * (k - 1 - i) + 1]) for i in range(k))  # first padded dim first
    if mode == "constant":
        for n, (lo, hi) in zip(shape[nd - k:], pairs):
            if n + lo + hi < 0:
                raise RuntimeError("pad: narrow(): length must be non-negative.")
        return Pad.apply1(x, pairs, mode, 0.0 if value is None else float(value))
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: Padding size {len(pad)} is not supported for {nd}D input tensor.")
    for i, (n, (lo, hi)) in enumerate(zip(shape[nd - k:], pairs)):
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: Argument #4: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {nd - k + i} of input "
                               f"[{', '.join(map(str, shape))}]")
        if mode == "circular" and (lo > n or hi > n or max(lo, 0) > n + min(lo, 0) + min(hi, 0)
                                   or max(hi, 0) > n + min(lo, 0) + min(hi, 0)):
            raise RuntimeError("pad: Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0:
            raise RuntimeError(f"pad: input dimension {nd - k + i} of size 0 cannot be replicate-padded")
        if n + lo + hi < 0:
            raise RuntimeError("pad: narrow(): length must be non-negative.")
    return Pad.apply1(x, pairs, mode, None)
