"""The file layout's constants and limits, shared by the writer and the reader."""
import struct

MAGIC = b"FASTGRAD"
VERSION = 1
# magic, version, reserved (0), header_len, blob_len, header_crc, blob_crc
PREFIX = struct.Struct("<8sIIQQII")
ALIGN = 64
DTYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                    "float16", "float32", "float64", "bfloat16"})  # (bfloat16: fastgrad.dtypes.bfloat16's raw V2)
MAX_HEADER_BYTES = 64 << 20  # the JSON header; numbers in bulk belong in arrays
MAX_DEPTH = 100  # nested lists / tuples / dicts in the saved object
MAX_NDIM = 64  # numpy's own limit
CHUNK = 1 << 20  # bytes copied, checksummed and written (or read) at a time


class SerializationError(RuntimeError):
    """The file is not a fastgrad file, is truncated, or is corrupt."""


def pad(n: int) -> int:
    """Zero bytes that follow ``n`` bytes to reach the next ALIGN boundary."""
    return -n % ALIGN
