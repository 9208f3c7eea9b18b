"""default_collate / default_convert (torch.utils.data's rules, fastgrad Tensors).

collate: a list of samples -> one batch: tensors and arrays stacked on a new leading dim, numbers ->
a 1-D tensor (Python float: float64, int: int64, bool: bool, numpy scalars keep their dtype),
strings kept as a list, dicts / namedtuples / sequences collated field by field (a tuple gives a
list, as torch).  convert: numpy arrays and scalars -> Tensors, recursively, nothing stacked.
"""
import collections.abc
import numbers

import numpy as np

from fastgrad.functional.shape import stack
from fastgrad.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_make = Tensor._make
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_numpy(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic)) and not isinstance(x, (np.str_, np.bytes_))


def _stack(arrays, what):
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise RuntimeError(f"stack expects each {what} to be equal size, but got {list(shape)} at entry 0 "
                               f"and {list(a.shape)} at entry {i}")
    return _make(np.stack(arrays))


def default_collate(batch):
    """Stack a list of samples into one batch (see the module docstring for the rules)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        out = _stack([b._data for b in batch], "tensor")
        if any(b.requires_grad for b in batch):     # keep the graph, as torch.stack
            out = stack(batch)
        return out
    if _is_numpy(elem):
        if elem.dtype.kind in "SUOV":
            raise TypeError(_ERR.format(elem.dtype.str))
        if isinstance(elem, np.ndarray) and elem.ndim:
            return _stack([np.asarray(b) for b in batch], "tensor")
        return _make(np.asarray(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return _make(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return _make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        out = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        out = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple) or type(elem) is list:
            return out
        try:
            return type(elem)(out)
        except TypeError:
            return out
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """numpy arrays and scalars -> Tensors, recursively through dicts, namedtuples and sequences
    (a tuple becomes a list, as torch); everything else is returned as it is."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if data.dtype.kind in "SUOV":
            return data
        return _make(np.array(data))
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        out = [default_convert(d) for d in data]
        if type(data) is list:
            return out
        try:
            return type(data)(out)
        except TypeError:
            return out
    return data
