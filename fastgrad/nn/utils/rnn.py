"""Variable-length sequences (torch.nn.utils.rnn): pad_sequence and unpad_sequence.

    pad_sequence([s_1 .. s_B], s_i: (L_i, *)) -> (L_max, B, *) (or (B, L_max, *) with batch_first),
    s_i at positions [0, L_i) (right padding) or [L_max - L_i, L_max) (left), padding_value elsewhere.

Differentiable through fastgrad's pad and stack.  PackedSequence and the packing functions are not
provided: fastgrad's recurrent layers take padded batches (see the README).
"""
import numpy as np

from fastgrad.functional.pad import pad
from fastgrad.functional.shape import stack
from fastgrad.tensor import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


def _check(sequences):
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0)) if sequences.dim() else [sequences]
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a sequence of Tensors, got {type(s).__name__} at index {i}")
        if s.dim() == 0:
            raise RuntimeError(f"pad_sequence: sequence {i} is a 0-d tensor; each sequence needs a length "
                               "dimension")
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: the trailing dimensions of every sequence must match, got "
                               f"{list(sequences[0].shape)} at index 0 and {list(s.shape)} at index {i}")
    return sequences


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths into one padded tensor (see the module docstring)."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = _check(sequences)
    dtype = sequences[0].dtype
    max_len = max(s.shape[0] for s in sequences)
    if not any(s.requires_grad for s in sequences):
        first = sequences[0]._data
        out = np.full((len(sequences), max_len) + first.shape[1:], padding_value, dtype=first.dtype)
        for i, s in enumerate(sequences):
            n = s.shape[0]
            if n:
                target = out[i, max_len - n:] if padding_side == "left" else out[i, :n]
                target[...] = s._data
        out = Tensor._make(out)
        return out if batch_first else out.transpose(0, 1).contiguous()
    padded = []
    for s in sequences:
        s = s if s.dtype == dtype else s.to(dtype)
        extra = max_len - s.shape[0]
        widths = (0, 0) * (s.dim() - 1) + ((extra, 0) if padding_side == "left" else (0, extra))
        padded.append(pad(s, widths, value=padding_value) if extra else s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The inverse of right-padded pad_sequence: [padded[i, :lengths[i]] for each i] (copies)."""
    if not isinstance(padded_sequences, Tensor) or padded_sequences.dim() < 2:
        raise RuntimeError("unpad_sequence: expected a padded tensor with at least 2 dimensions, got "
                           f"{getattr(padded_sequences, 'shape', type(padded_sequences).__name__)}")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lens = np.asarray(getattr(lengths, "_data", lengths)).reshape(-1)
    if lens.size != x.shape[0]:
        raise RuntimeError(f"unpad_sequence: {lens.size} lengths for a batch of {x.shape[0]} sequences "
                           f"(padded shape {list(padded_sequences.shape)}, batch_first={batch_first})")
    if lens.size and (lens.min() < 0 or lens.max() > x.shape[1]):
        raise RuntimeError(f"unpad_sequence: lengths must be in [0, {x.shape[1]}], got {lens.tolist()}")
    return [x[i, :int(n)].clone() for i, n in enumerate(lens)]
