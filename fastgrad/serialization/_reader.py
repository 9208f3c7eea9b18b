"""load: check every declared size against the file before allocating, read in bounded chunks,
validate the decoded header strictly, and only then build tensors."""
import json
import math
import os
import stat
import zlib

import numpy as np

from fastgrad.dtypes import bfloat16 as BFLOAT16
from fastgrad.serialization._format import (CHUNK, DTYPES, MAGIC, MAX_DEPTH, MAX_HEADER_BYTES, MAX_NDIM,
                                            PREFIX, VERSION, SerializationError, pad)
from fastgrad.tensor import Tensor

_META_KEYS = {"dtype", "shape", "offset", "nbytes", "kind", "requires_grad"}


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


class _Source:
    """Reads exact byte counts from ``fh`` in chunks; ``left`` is the size still unread, when known."""

    def __init__(self, fh, left, name):
        self.fh, self.left, self.name = fh, left, name

    def fail(self, why):
        raise SerializationError(f"fastgrad.load: {self.name}: {why}")

    def need(self, n: int, what: str) -> None:
        if self.left is not None and n > self.left:
            self.fail(f"truncated file ({what} needs {n} bytes, {self.left} remain)")

    def upto(self, n: int) -> bytes:
        """At most ``n`` bytes: fewer only at the end of the file."""
        parts, got = [], 0
        while got < n:
            b = self.fh.read(n - got)
            if not b:
                break
            parts.append(b)
            got += len(b)
        if self.left is not None:
            self.left -= got
        return b"".join(parts)

    def into(self, buf: memoryview, what: str) -> None:
        """Fill ``buf`` (a writable byte view) exactly."""
        self.need(len(buf), what)
        pos = 0
        while pos < len(buf):
            part = buf[pos:pos + CHUNK]
            if hasattr(self.fh, "readinto"):
                k = self.fh.readinto(part)
            else:
                b = self.fh.read(len(part))
                part[:len(b)] = b
                k = len(b)
            if not k:
                self.fail(f"truncated file (end of file inside {what})")
            pos += k
        if self.left is not None:
            self.left -= len(buf)

    def array(self, dtype: np.dtype, shape: tuple, nbytes: int, what: str) -> np.ndarray:
        if self.left is None and nbytes > CHUNK:  # a stream of unknown length: allocate as data comes
            buf = bytearray()
            while len(buf) < nbytes:
                part = bytearray(min(CHUNK, nbytes - len(buf)))
                self.into(memoryview(part), what)
                buf += part
            return np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
        a = np.empty(shape, dtype=dtype)
        self.into(memoryview(a.reshape(-1).view(np.uint8)), what)
        return a


def _remaining(f):
    """Bytes left in a file object, or None for a stream whose length is unknown."""
    try:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None
    except (AttributeError, OSError, ValueError):
        pass
    try:
        if f.seekable():
            pos = f.tell()
            end = f.seek(0, os.SEEK_END)
            f.seek(pos)
            return max(end - pos, 0)
    except (AttributeError, OSError, ValueError):
        pass
    return None


def load(f, map_location=None, weights_only=None, mmap=None, **kwargs):
    """Read an object written by ``save`` (``map_location``/``weights_only`` accepted for torch
    compatibility: everything loads on the CPU and loading never runs code)."""
    if hasattr(f, "read"):
        name = getattr(f, "name", "<file object>")
        return _load(_Source(f, _remaining(f), os.fsdecode(name) if isinstance(name, bytes) else str(name)))
    with open(os.fspath(f), "rb") as fh:
        st = os.fstat(fh.fileno())
        left = st.st_size if stat.S_ISREG(st.st_mode) else None  # a device or pipe: read as a stream
        return _load(_Source(fh, left, os.fsdecode(os.fspath(f))))


def _load(src: _Source):
    data = src.upto(PREFIX.size)
    if data[:len(MAGIC)] != MAGIC:
        if data[:2] == b"PK" or data[:1] == b"\x80":
            src.fail("not a fastgrad file (looks like a torch/pickle checkpoint; fastgrad never unpickles)")
        src.fail("not a fastgrad file (bad magic bytes)")
    if len(data) < PREFIX.size:
        src.fail("truncated file (incomplete header)")
    _, version, reserved, hlen, blen, hcrc, bcrc = PREFIX.unpack(data)
    if version != VERSION:
        src.fail(f"unsupported format version {version} (this fastgrad reads version {VERSION})")
    if reserved != 0 or hlen > MAX_HEADER_BYTES:
        src.fail(f"corrupt file (header of {hlen} bytes, limit {MAX_HEADER_BYTES}; reserved field {reserved})")
    gap = pad(PREFIX.size + hlen)
    src.need(hlen + gap + blen, "the header and data")
    header = bytearray(hlen)
    src.into(memoryview(header), "the header")
    if zlib.crc32(header) != hcrc:
        src.fail("corrupt file (header checksum mismatch)")
    if any(src.upto(gap)):
        src.fail("corrupt file (header padding)")
    try:
        meta = json.loads(header.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # (UnicodeDecodeError is a ValueError)
        src.fail(f"corrupt header ({type(exc).__name__}: {str(exc)[:100]})")
    if not isinstance(meta, dict) or set(meta) != {"format", "root", "arrays"} or meta["format"] != "fastgrad":
        src.fail("corrupt header (not the fastgrad header object)")
    table = _array_table(src, meta["arrays"], blen)
    arrays, crc = [], 0
    for i, (dtype, shape, nbytes, _, _) in enumerate(table):
        a = src.array(dtype, shape, nbytes, f"array {i}")
        crc = zlib.crc32(a.reshape(-1).view(np.uint8), crc)
        zeros = src.upto(pad(nbytes))
        crc = zlib.crc32(zeros, crc)
        if len(zeros) < pad(nbytes):
            src.fail(f"truncated file (end of file after array {i})")
        arrays.append(a)
    if crc != bcrc:
        src.fail("corrupt file (data checksum mismatch)")
    return _Decoder(src, table, arrays).value(meta["root"], 0)


def _array_table(src: _Source, arrays, blen: int):
    """[(dtype, shape, nbytes, kind, requires_grad)]: each array right after the previous one."""
    if not isinstance(arrays, list):
        src.fail("corrupt array table (not a list)")
    table, offset = [], 0
    for i, m in enumerate(arrays):
        if not isinstance(m, dict) or set(m) != _META_KEYS:
            src.fail(f"corrupt array table (entry {i} is not an array description)")
        dtype, shape, kind, rg = m["dtype"], m["shape"], m["kind"], m["requires_grad"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            src.fail(f"corrupt array table (array {i}: dtype {str(dtype)[:40]!r})")
        if (not isinstance(shape, list) or len(shape) > MAX_NDIM
                or not all(type(s) is int and 0 <= s < 1 << 63 for s in shape)):
            src.fail(f"corrupt array table (array {i}: shape {str(shape)[:60]})")
        dt = (BFLOAT16 if dtype == "bfloat16" else np.dtype(dtype)).newbyteorder("<")
        if math.prod(max(s, 1) for s in shape) * dt.itemsize >= 1 << 63:
            src.fail(f"corrupt array table (array {i}: shape {shape} overflows)")
        nbytes = math.prod(shape) * dt.itemsize
        if type(m["nbytes"]) is not int or m["nbytes"] != nbytes:
            src.fail(f"corrupt array table (array {i}: nbytes {str(m['nbytes'])[:40]}, shape needs {nbytes})")
        if type(m["offset"]) is not int or m["offset"] != offset:
            src.fail(f"corrupt array table (array {i}: offset {str(m['offset'])[:40]}, expected {offset})")
        if not isinstance(kind, str) or kind not in ("T", "P", "A"):
            src.fail(f"corrupt array table (array {i}: kind {str(kind)[:40]!r})")
        if type(rg) is not bool or rg and (kind == "A" or dt.kind != "f"):
            src.fail(f"corrupt array table (array {i}: requires_grad {str(rg)[:20]} for a {dtype} {kind})")
        offset += nbytes + pad(nbytes)
        if offset > blen:
            src.fail(f"corrupt array table (array {i} ends past the {blen} data bytes)")
        table.append((dt, tuple(shape), nbytes, kind, rg))
    if offset != blen:
        src.fail(f"corrupt array table (arrays take {offset} bytes, the file declares {blen})")
    return table


class _Decoder:
    """Builds the saved object from the validated array list and the header's tagged values."""

    def __init__(self, src, table, arrays):
        self.src, self.table, self.arrays = src, table, arrays
        self.objects = {}  # array index -> the one object it loads as

    def fail(self, why, v):
        self.src.fail(f"corrupt header ({why}: {str(v)[:60]!r})")

    def array(self, i, tag):
        if type(i) is not int or not 0 <= i < len(self.arrays) or self.table[i][3] != tag:
            self.fail(f"bad array reference {tag}", i)
        if i not in self.objects:
            a, rg = self.arrays[i], self.table[i][4]
            if not a.dtype.isnative:
                a = a.astype(a.dtype.newbyteorder("="))
            if a.dtype == np.bool_ and a.view(np.uint8).max(initial=0) > 1:
                self.fail("bool array with values other than 0 and 1", i)
            if tag == "A":
                out = a
            elif tag == "P":
                from fastgrad.nn.parameter import Parameter
                out = Parameter(Tensor._make(a), requires_grad=rg)
            else:
                out = Tensor._make(a).requires_grad_(rg)
            self.objects[i] = out
        return self.objects[i]

    def value(self, v, depth):
        if v is None or type(v) in (bool, int, float, str):
            return v
        if not isinstance(v, dict) or len(v) != 1:
            self.fail("unknown value", v)
        (tag, x), = v.items()
        if tag in ("T", "P", "A"):
            return self.array(x, tag)
        if tag == "F":
            if x not in ("inf", "-inf", "nan"):
                self.fail("bad float", x)
            return float(x)
        if tag not in ("L", "U", "D") or not isinstance(x, list):
            self.fail("unknown value", v)
        if depth >= MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep", v)
        if tag == "L":
            return [self.value(e, depth + 1) for e in x]
        if tag == "U":
            return tuple(self.value(e, depth + 1) for e in x)
        out = {}
        for pair in x:
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail("bad dict entry", pair)
            key = self.value(pair[0], depth + 1)
            try:
                if key in out:
                    self.fail("duplicate dict key", pair[0])
            except TypeError:
                self.fail("unhashable dict key", pair[0])
            out[key] = self.value(pair[1], depth + 1)
        return out
