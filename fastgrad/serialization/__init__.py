"""save / load: a safe, self-describing file format (no pickle, no code execution on load).

Layout (all integers little-endian)::

    b"FASTGRAD"  u32 version  u32 reserved  u64 header_len  u64 blob_len  u32 header_crc  u32 blob_crc
    header: UTF-8 JSON {"format": "fastgrad", "root": <value>, "arrays": [{dtype, shape, offset, nbytes,
            kind, requires_grad}, ...]}
    zero padding to a multiple of 64 bytes, then the blob: raw C-order array bytes, each at a
    64-byte aligned offset, one right after the other (zero padding between them).

A value in the header is a JSON null/bool/number/string, or a tagged object: {"T": i} (array i
as a Tensor), {"P": i} (as an nn.Parameter), {"A": i} (as a numpy array), {"L": [...]} (list),
{"U": [...]} (tuple), {"D": [[key, value], ...]} (dict, any supported key type, order kept),
{"F": "inf" | "-inf" | "nan"}. A tensor referenced twice in the saved object is stored once and
loaded as one object. Limits: 64 MiB of header, 100 levels of nested containers.

``load`` raises ``SerializationError`` for a truncated, corrupt (CRC32 mismatch), foreign or
malformed file, whatever its checksums say: every declared size is checked against the file
before anything is allocated. ``save`` to a path never leaves a partial file under the target
name (see ``_atomic``); it raises TypeError for an unsupported object and ValueError for a
reference cycle or nesting deeper than the limit.
"""
from fastgrad.serialization._format import SerializationError
from fastgrad.serialization._reader import load
from fastgrad.serialization._writer import save

__all__ = ["save", "load", "SerializationError"]
