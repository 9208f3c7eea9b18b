"""save / load: a safe, self-describing file format (no pickle, no code execution on load).

Layout (all integers little-endian)::

    b"FASTGRAD"  u32 version  u32 reserved  u64 header_len  u64 blob_len  u32 header_crc  u32 blob_crc
    header: UTF-8 JSON {"format": "fastgrad", "root": <value>, "arrays": [{dtype, shape, offset, nbytes,
            kind, requires_grad}, ...]}
    zero padding to a multiple of 64 bytes, then the blob: raw C-order array bytes, each at a
    64-byte aligned offset.

A value in the header is a JSON null/bool/number/string, or a tagged object: {"T": i} (array i
as a Tensor), {"P": i} (as an nn.Parameter), {"A": i} (as a numpy array), {"L": [...]} (list),
{"U": [...]} (tuple), {"D": [[key, value], ...]} (dict, any supported key type, order kept).
A tensor referenced twice in the saved object is stored once and loaded as one object.
Truncated, corrupted (CRC32 mismatch) or foreign files raise ``SerializationError``.
"""
import json
import math
import os
import struct
import zlib

import numpy as np

from fastgrad.tensor import Tensor

__all__ = ["save", "load", "SerializationError"]

MAGIC = b"FASTGRAD"
VERSION = 1
_PREFIX = struct.Struct("<8sIIQQII")
_ALIGN = 64
_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64"}


class SerializationError(RuntimeError):
    """The file is not a fastgrad file, is truncated, or is corrupt."""


def _raw(a: np.ndarray) -> np.ndarray:
    """The bytes of a C-contiguous array as a flat uint8 view (also for 0-d and empty arrays)."""
    return a.reshape(-1).view(np.uint8)


def _pad(n: int) -> int:
    return -n % _ALIGN


class _Encoder:
    def __init__(self):
        self.arrays = []  # (meta dict, contiguous little-endian array)
        self.seen = {}  # id(obj) -> array index
        self.keep = []  # keep encoded objects alive so ids stay unique
        self.offset = 0

    def add_array(self, obj, a: np.ndarray, kind: str, requires_grad: bool) -> int:
        key = id(obj)
        if key in self.seen:
            return self.seen[key]
        if a.dtype.name not in _DTYPES:
            raise TypeError(f"fastgrad.save: unsupported dtype {a.dtype}")
        a = np.asarray(a, dtype=a.dtype.newbyteorder("<"))  # (ascontiguousarray would make 0-d 1-d)
        if not a.flags.c_contiguous:
            a = a.copy(order="C")
        meta = {"dtype": a.dtype.name, "shape": list(a.shape), "offset": self.offset, "nbytes": a.nbytes,
                "kind": kind, "requires_grad": bool(requires_grad)}
        self.offset += a.nbytes + _pad(a.nbytes)
        self.arrays.append((meta, a))
        self.keep.append(obj)
        self.seen[key] = len(self.arrays) - 1
        return self.seen[key]

    def encode(self, obj, depth=0):
        if depth > 500:
            raise ValueError("fastgrad.save: object nesting is too deep (a reference cycle?)")
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
        if isinstance(obj, dict):
            return {"D": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in obj.items()]}
        if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
            return {"U": [self.encode(v, depth + 1) for v in obj]}
        if isinstance(obj, (list, tuple)):
            return {"L": [self.encode(v, depth + 1) for v in obj]}
        raise TypeError(f"fastgrad.save: cannot save an object of type {type(obj).__name__} (supported: "
                        "Tensor, numpy array, dict, list, tuple, str, int, float, bool, None)")


def save(obj, f, *args, **kwargs) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of tensors, arrays, numbers, strings) to ``f``
    (a path, written atomically, or a binary file object)."""
    enc = _Encoder()
    root = enc.encode(obj)
    header = json.dumps({"format": "fastgrad", "root": root, "arrays": [m for m, _ in enc.arrays]},
                        separators=(",", ":"), allow_nan=False).encode("utf-8")
    blob_crc = 0
    for meta, a in enc.arrays:
        blob_crc = zlib.crc32(_raw(a), blob_crc)
        if _pad(a.nbytes):
            blob_crc = zlib.crc32(bytes(_pad(a.nbytes)), blob_crc)
    prefix = _PREFIX.pack(MAGIC, VERSION, 0, len(header), enc.offset, zlib.crc32(header), blob_crc)

    def write(fh):
        fh.write(prefix)
        fh.write(header)
        fh.write(bytes(_pad(_PREFIX.size + len(header))))
        for meta, a in enc.arrays:
            fh.write(_raw(a))
            fh.write(bytes(_pad(a.nbytes)))

    if hasattr(f, "write"):
        write(f)
        return
    path = os.fspath(f)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _fail(name, why):
    raise SerializationError(f"fastgrad.load: {name}: {why}")


def load(f, map_location=None, weights_only=None, mmap=None, **kwargs):
    """Read an object written by ``save`` (``map_location``/``weights_only`` accepted for torch
    compatibility: everything loads on the CPU and loading never runs code)."""
    if hasattr(f, "read"):
        data = f.read()
        name = getattr(f, "name", "<file object>")
    else:
        name = os.fspath(f)
        with open(name, "rb") as fh:
            data = fh.read()
    if len(data) < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
        if data[:2] == b"PK" or data[:1] == b"\x80":
            _fail(name, "not a fastgrad file (looks like a torch/pickle checkpoint; fastgrad never unpickles)")
        _fail(name, "not a fastgrad file (bad magic bytes)")
    if len(data) < _PREFIX.size:
        _fail(name, "truncated file (incomplete header)")
    _, version, _, hlen, blen, hcrc, bcrc = _PREFIX.unpack_from(data)
    if version != VERSION:
        _fail(name, f"unsupported format version {version} (this fastgrad reads version {VERSION})")
    start = _PREFIX.size + hlen + _pad(_PREFIX.size + hlen)
    if len(data) < start + blen:
        _fail(name, f"truncated file ({len(data)} bytes, expected {start + blen})")
    header = data[_PREFIX.size:_PREFIX.size + hlen]
    if zlib.crc32(header) != hcrc:
        _fail(name, "corrupt file (header checksum mismatch)")
    blob = memoryview(data)[start:start + blen]
    if zlib.crc32(blob) != bcrc:
        _fail(name, "corrupt file (data checksum mismatch)")
    try:
        meta = json.loads(header.decode("utf-8"))
        arrays = meta["arrays"]
        root = meta["root"]
        if meta.get("format") != "fastgrad":
            raise ValueError("format tag")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        _fail(name, f"corrupt header ({exc})")
    return _Decoder(name, arrays, blob).decode(root)


class _Decoder:
    def __init__(self, name, arrays, blob):
        self.name = name
        self.meta = arrays
        self.blob = blob
        self.cache = {}

    def array(self, i, kind):
        if (i, kind) in self.cache:
            return self.cache[(i, kind)]
        try:
            m = self.meta[i]
            dtype = np.dtype(m["dtype"]).newbyteorder("<")
            if m["dtype"] not in _DTYPES:
                raise ValueError(f"dtype {m['dtype']}")
            shape = tuple(int(s) for s in m["shape"])
            count = int(np.prod(shape, dtype=np.int64))
            off, nbytes = int(m["offset"]), int(m["nbytes"])
            if nbytes != count * dtype.itemsize or off < 0 or off + nbytes > len(self.blob):
                raise ValueError("array extent")
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            _fail(self.name, f"corrupt array table ({exc})")
        a = np.frombuffer(self.blob, dtype=dtype, count=count, offset=off).reshape(shape)
        a = a.astype(dtype.newbyteorder("="), copy=True)
        if kind == "A":
            out = a
        elif kind == "P":
            from fastgrad.nn.parameter import Parameter
            out = Parameter(Tensor._make(a), requires_grad=bool(m.get("requires_grad", True)))
        else:
            out = Tensor._make(a)
            if m.get("requires_grad") and a.dtype.kind == "f":
                out.requires_grad_(True)
        self.cache[(i, kind)] = out
        return out

    def decode(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, dict) and len(v) == 1:
            (tag, x), = v.items()
            if tag in ("T", "P", "A") and isinstance(x, int):
                return self.array(x, tag)
            if tag == "L" and isinstance(x, list):
                return [self.decode(e) for e in x]
            if tag == "U" and isinstance(x, list):
                return tuple(self.decode(e) for e in x)
            if tag == "D" and isinstance(x, list):
                out = {}
                for pair in x:
                    if not isinstance(pair, list) or len(pair) != 2:
                        break
                    out[self.decode(pair[0])] = self.decode(pair[1])
                else:
                    return out
            if tag == "F" and x in ("inf", "-inf", "nan"):
                return float(x)
        _fail(self.name, f"corrupt header (unknown value {str(v)[:60]!r})")


