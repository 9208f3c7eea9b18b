"""save: encode the object into a JSON header plus an array table, then stream the array bytes.

Each array is copied a chunk at a time and the checksum is taken over that copy, the bytes that
are then written: another thread that keeps training while ``save`` runs can change what is
saved, never make the file disagree with its checksum.
"""
import io
import json
import math
import shutil
import tempfile
import zlib

import numpy as np

from fastgrad.dtypes import bfloat16 as BFLOAT16
from fastgrad.serialization._atomic import write_atomic
from fastgrad.serialization._format import (CHUNK, DTYPES, MAGIC, MAX_DEPTH, MAX_HEADER_BYTES, PREFIX,
                                            VERSION, pad)
from fastgrad.tensor import Tensor

_MAX_VALUES = MAX_HEADER_BYTES // 2  # every value takes at least two bytes of JSON


class _Encoder:
    """Turns the object into the header's tagged JSON value; arrays go to ``self.arrays``."""

    def __init__(self):
        self.arrays = []  # (meta dict, C-contiguous little-endian array)
        self.seen = {}  # id(tensor or array) -> array index: stored once, loaded as one object
        self.keep = []  # keep encoded objects alive so ids stay unique
        self.offset = 0
        self.open = set()  # ids of the containers being encoded (the current path): a cycle check
        self.values = 0

    def add_array(self, obj, a: np.ndarray, kind: str, requires_grad: bool) -> int:
        key = id(obj)
        if key in self.seen:
            return self.seen[key]
        name = "bfloat16" if a.dtype == BFLOAT16 else a.dtype.name
        if name not in DTYPES:
            raise TypeError(f"fastgrad.save: unsupported dtype {a.dtype}")
        a = np.asarray(a, dtype=a.dtype.newbyteorder("<"))  # (ascontiguousarray would make 0-d 1-d)
        if not a.flags.c_contiguous:
            a = a.copy(order="C")
        meta = {"dtype": name, "shape": list(a.shape), "offset": self.offset, "nbytes": a.nbytes,
                "kind": kind, "requires_grad": bool(requires_grad)}
        self.offset += a.nbytes + pad(a.nbytes)
        self.arrays.append((meta, a))
        self.keep.append(obj)
        self.seen[key] = len(self.arrays) - 1
        return self.seen[key]

    def encode(self, obj, depth=0):
        self.values += 1
        if self.values > _MAX_VALUES:
            raise ValueError(f"fastgrad.save: the object holds more than {_MAX_VALUES} values outside "
                             "arrays (or shares one container many times over); store bulk numbers "
                             "in a Tensor or numpy array")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.bool_):
            return int(obj)
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, (float, np.floating)):
            v = float(obj)
            return v if math.isfinite(v) else {"F": repr(v)}
        if isinstance(obj, Tensor):
            from fastgrad.nn.parameter import Parameter
            kind = "P" if isinstance(obj, Parameter) else "T"
            return {kind: self.add_array(obj, obj._data, kind, obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"A": self.add_array(obj, obj, "A", False)}
        if not isinstance(obj, (dict, list, tuple)):
            raise TypeError(f"fastgrad.save: cannot save an object of type {type(obj).__name__} (supported: "
                            "Tensor, numpy array, dict, list, tuple, str, int, float, bool, None)")
        if id(obj) in self.open:
            raise ValueError(f"fastgrad.save: the object contains a reference cycle (a {type(obj).__name__} "
                             "that contains itself); a cycle cannot be saved")
        if depth >= MAX_DEPTH:
            raise ValueError(f"fastgrad.save: the object is nested more than {MAX_DEPTH} levels deep "
                             "(lists, tuples and dicts inside each other)")
        self.open.add(id(obj))
        try:
            return self._container(obj, depth + 1)
        finally:
            self.open.discard(id(obj))

    def _container(self, obj, depth):
        # list(...) copies the items at once (under the GIL), so a dict another thread changes
        # meanwhile does not fail the iteration
        if isinstance(obj, dict):
            return {"D": [[self.encode(k, depth), self.encode(v, depth)] for k, v in list(obj.items())]}
        tag = "U" if isinstance(obj, tuple) and not hasattr(obj, "_fields") else "L"
        return {tag: [self.encode(v, depth) for v in list(obj)]}


def _write(fh, header: bytes, arrays, blob_len: int) -> None:
    """Write the file to the seekable ``fh``; the prefix (with the data checksum) is written last."""
    start = fh.tell()
    fh.write(bytes(PREFIX.size))
    fh.write(header)
    fh.write(bytes(pad(PREFIX.size + len(header))))
    crc = 0
    for a in arrays:
        raw = a.reshape(-1).view(np.uint8)
        for i in range(0, raw.size, CHUNK):
            chunk = raw[i:i + CHUNK].tobytes()  # a copy: the checksum covers exactly the bytes written
            crc = zlib.crc32(chunk, crc)
            fh.write(chunk)
        zeros = bytes(pad(raw.size))
        crc = zlib.crc32(zeros, crc)
        fh.write(zeros)
    end = fh.tell()
    fh.seek(start)
    fh.write(PREFIX.pack(MAGIC, VERSION, 0, len(header), blob_len, zlib.crc32(header), crc))
    fh.seek(end)


def _patchable(f) -> bool:
    """Can ``_write`` seek back in ``f`` to fill in the prefix?"""
    mode = getattr(f, "mode", "")
    if isinstance(mode, str) and "a" in mode:
        return False
    return isinstance(f, (io.BytesIO, io.BufferedWriter, io.BufferedRandom, io.FileIO)) and f.seekable()


def save(obj, f, *args, **kwargs) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of tensors, arrays, numbers, strings) to ``f``: a path
    (str, bytes or os.PathLike; written to a temporary beside it, fsynced, renamed over it) or a
    binary file object."""
    enc = _Encoder()
    root = enc.encode(obj)
    header = _header(root, [m for m, _ in enc.arrays])
    arrays = [a for _, a in enc.arrays]
    if not hasattr(f, "write"):
        write_atomic(f, lambda fh: _write(fh, header, arrays, enc.offset))
    elif _patchable(f):
        _write(f, header, arrays, enc.offset)
    else:  # a pipe, socket, append-mode or compressed stream: spool, then copy
        with tempfile.SpooledTemporaryFile(max_size=64 << 20) as tmp:
            _write(tmp, header, arrays, enc.offset)
            tmp.seek(0)
            shutil.copyfileobj(tmp, f, CHUNK)


def _header(root, metas) -> bytes:
    header = json.dumps({"format": "fastgrad", "root": root, "arrays": metas},
                        separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(header) > MAX_HEADER_BYTES:
        raise ValueError(f"fastgrad.save: the header would take {len(header)} bytes, more than the "
                         f"{MAX_HEADER_BYTES} that load accepts; store bulk numbers in a Tensor or numpy array")
    return header
