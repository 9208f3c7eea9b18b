"""save / load under threads, kills and crafted files: what is written is what is checked, a save
never leaves a partial or foreign file under the target, and load checks every declared size and
every header value before trusting it (issue 14, items 5, 12, 13, 14, 17)."""
import io
import json
import os
import struct
import threading
import tracemalloc
import zlib

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.serialization import SerializationError, _writer, load, save



def _temps(directory):
    return [n for n in os.listdir(directory) if ".tmp" in n]


# -- threads ------------------------------------------------------------------------------------
def test_save_while_another_thread_trains_files_load_with_values_that_existed(tmp_path, fast_switching):
    # SGD with lr 1 and a gradient of ones: after k steps every element is exactly -k
    params = [nn.Parameter(fg.zeros(n)) for n in (1, 7, 1000, 300_000)]
    for p in params:
        p.grad = fg.ones(p.shape[0])
    opt = optim.SGD(params, lr=1.0)
    steps, stop = [0], threading.Event()

    def train():
        while not stop.is_set():
            opt.step()
            steps[0] += 1

    trainer = threading.Thread(target=train)
    trainer.start()
    path = tmp_path / "ckpt.fg"
    try:
        for _ in range(60):
            before = steps[0]
            save({"params": params, "step": steps[0]}, path)
            after = steps[0]
            back = load(path)  # never a checksum mismatch
            assert before <= back["step"] <= after
            for p in back["params"]:
                v = -p.numpy(force=True)
                assert np.array_equal(v, np.round(v)), "an element that no step ever produced"
                assert before <= v.min() and v.max() <= after + 1, (before, after, v.min(), v.max())
    finally:
        stop.set()
        trainer.join()
    assert steps[0] > 0 and _temps(tmp_path) == []


def test_save_concurrent_to_one_path_no_errors_and_readers_see_whole_files(tmp_path, fast_switching):
    path = tmp_path / "shared.fg"
    save({"who": -1, "round": 99, "w": fg.full((2000,), -1.0)}, path)
    errors, stop = [], threading.Event()

    def writer(who):
        try:
            for r in range(25):
                save({"who": who, "round": r, "w": fg.full((2000,), float(who * 100 + r))}, path)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def reader():
        try:
            while not stop.is_set():
                d = load(path)
                assert np.all(d["w"].numpy() == d["who"] * 100 + d["round"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    readers = [threading.Thread(target=reader)]
    for t in threads + readers:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    readers[0].join()
    assert errors == []
    d = load(path)
    assert d["round"] == 24 and np.all(d["w"].numpy() == d["who"] * 100 + 24)
    assert _temps(tmp_path) == []


# -- crafted files with valid checksums ---------------------------------------------------------
def _meta(dtype="float32", shape=(4,), offset=0, nbytes=None, kind="T", requires_grad=False):
    n = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize if nbytes is None else nbytes
    return {"dtype": dtype, "shape": list(shape), "offset": offset, "nbytes": n, "kind": kind,
            "requires_grad": requires_grad}


def _craft(root=None, arrays=None, blob=None, *, raw_header=None, top=None, hlen=None, blen=None,
           reserved=0, pad_byte=0):
    """A file whose header and data checksums are both right, whatever it declares."""
    if arrays is None:
        arrays = [_meta()]
    if blob is None:
        blob = bytes(range(16)) + bytes(48)
    header = {"format": "fastgrad", "root": {"D": [["w", {"T": 0}]]} if root is None else root,
              "arrays": arrays}
    header.update(top or {})
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    gap = -(40 + len(h)) % 64
    prefix = struct.pack("<8sIIQQII", b"FASTGRAD", 1, reserved, len(h) if hlen is None else hlen,
                         len(blob) if blen is None else blen, zlib.crc32(h), zlib.crc32(blob))
    assert gap or not pad_byte
    return prefix + h + bytes([pad_byte]) * gap + blob


def _deep(n):
    v = 1
    for _ in range(n):
        v = {"L": [v]}
    return v


_F4 = bytes(16) + bytes(48)
CRAFTED = {
    "negative-shape": dict(arrays=[_meta(shape=(-4,), nbytes=16)]),
    "negative-shape-product": dict(arrays=[_meta(shape=(-2, -2), nbytes=16)]),
    "string-shape": dict(arrays=[{**_meta(), "shape": ["4"]}]),
    "float-shape": dict(arrays=[{**_meta(), "shape": [4.0]}]),
    "bool-shape": dict(arrays=[{**_meta(shape=(1,)), "shape": [True], "nbytes": 4}], blob=bytes(64)),
    "shape-not-a-list": dict(arrays=[{**_meta(), "shape": 4}]),
    "too-many-dims": dict(arrays=[_meta(shape=(1,) * 65, nbytes=4)], blob=bytes(64)),
    "float-offset": dict(arrays=[{**_meta(), "offset": 0.0}]),
    "string-offset": dict(arrays=[{**_meta(), "offset": "0"}]),
    "offset-gap": dict(arrays=[_meta(offset=64)], blob=bytes(128)),
    "overlapping-arrays": dict(root={"L": [{"T": 0}, {"T": 1}]}, arrays=[_meta(), _meta()], blob=bytes(128)),
    "float-nbytes": dict(arrays=[{**_meta(), "nbytes": 16.0}]),
    "overflowing-shape": dict(arrays=[_meta(shape=(2 ** 62, 2 ** 62))]),
    "overflowing-shape-with-zero": dict(arrays=[_meta(shape=(0, 2 ** 62, 2 ** 62), nbytes=0)], blob=b""),
    "huge-shape-small-file": dict(arrays=[_meta(shape=(400_000_000,))]),
    "huge-blob-length": dict(arrays=[_meta(shape=(400_000_000,))], blen=1_600_000_000),
    "huge-header-length": dict(hlen=1 << 40),
    "reserved-field": dict(reserved=7),
    "header-padding-not-zero": dict(pad_byte=1),
    "unknown-dtype": dict(arrays=[{**_meta(), "dtype": "object"}]),
    "numpy-dtype-string": dict(arrays=[{**_meta(), "dtype": "<f4"}]),
    "unknown-kind": dict(arrays=[{**_meta(), "kind": "X"}]),
    "extra-array-key": dict(arrays=[{**_meta(), "strides": [4]}]),
    "integer-parameter": dict(root={"P": 0}, arrays=[_meta("int32", kind="P", requires_grad=True)]),
    "integer-tensor-requires-grad": dict(root={"T": 0}, arrays=[_meta("int64", (2,), requires_grad=True)]),
    "array-requires-grad": dict(root={"A": 0}, arrays=[_meta(kind="A", requires_grad=True)]),
    "string-requires-grad": dict(arrays=[{**_meta(), "requires_grad": "yes"}]),
    "kind-mismatch": dict(root={"P": 0}),
    "reference-out-of-range": dict(root={"T": 1}),
    "reference-negative": dict(root={"T": -1}),
    "reference-bool": dict(root={"T": True}),
    "reference-string": dict(root={"T": "0"}),
    "unhashable-key-list": dict(root={"D": [[{"L": [1]}, 2]]}),
    "unhashable-key-dict": dict(root={"D": [[{"D": []}, 2]]}),
    "unhashable-key-array": dict(root={"D": [[{"A": 0}, 2]]}, arrays=[_meta(kind="A")]),
    "duplicate-key": dict(root={"D": [["a", 1], ["a", 2]]}),
    "dict-entry-not-a-pair": dict(root={"D": [["a", 1, 2]]}),
    "deep-nesting": dict(root=_deep(150)),
    "very-deep-json": dict(raw_header=b"[" * 100_000 + b"]" * 100_000),
    "unknown-tag": dict(root={"X": 1}),
    "two-tags": dict(root={"L": [], "U": []}),
    "bad-float-tag": dict(root={"F": "1e400"}),
    "nan-literal": dict(raw_header=b'{"format":"fastgrad","root":NaN,"arrays":[]}', blob=b""),
    "not-utf8": dict(raw_header=b'{"format":"\xff","root":1,"arrays":[]}', blob=b""),
    "header-a-list": dict(raw_header=b"[1,2]"),
    "missing-key": dict(raw_header=b'{"format":"fastgrad","root":1}', blob=b""),
    "extra-top-key": dict(top={"code": "import os"}),
    "wrong-format-tag": dict(top={"format": "pickle"}),
    "arrays-not-a-list": dict(top={"arrays": {"0": _meta()}}),
    "bool-bytes-not-0-or-1": dict(root={"T": 0}, arrays=[_meta("bool", (4,))], blob=b"\x00\x01\x02\x01" + bytes(60)),
    "blob-longer-than-arrays": dict(blob=_F4 + bytes(64)),
}


def test_load_crafted_control_file_loads(tmp_path):
    p = tmp_path / "ok.fg"
    p.write_bytes(_craft())
    np.testing.assert_array_equal(load(p)["w"].numpy(), np.frombuffer(bytes(range(16)), np.float32))


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_load_crafted_valid_checksums_raises_serialization_error(tmp_path, case):
    p = tmp_path / "crafted.fg"
    p.write_bytes(_craft(**CRAFTED[case]))
    with pytest.raises(SerializationError, match=r"fastgrad\.load: .*(corrupt|truncated)"):
        load(p)
    with pytest.raises(SerializationError):
        load(io.BytesIO(p.read_bytes()))


def test_load_huge_declared_sizes_allocate_nothing(tmp_path):
    # the file: 1.14 MiB declaring 1.5 GiB; now refused before any array is allocated
    shape = (400_000_000,)
    p = tmp_path / "big.fg"
    p.write_bytes(_craft(root={"T": 0}, arrays=[_meta(shape=shape)], blob=bytes(1_200_000), blen=1_600_000_000))
    tracemalloc.start()
    try:
        with pytest.raises(SerializationError, match="truncated"):
            load(p)
        with pytest.raises(SerializationError, match="truncated"):
            load(_Stream(p.read_bytes()))  # a stream's length is unknown: memory grows with the data only
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, peak


class _Stream(io.RawIOBase):
    """A non-seekable byte stream (a pipe's behaviour) that returns short reads."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), 5000, len(self.data) - self.pos)
        b[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def test_load_truncated_every_length_raises_serialization_error(tmp_path):
    buf = io.BytesIO()
    save({"a": fg.arange(50.0), "b": [fg.ones(3, dtype=fg.float64), "s"], "c": np.zeros(0)}, buf)
    data = buf.getvalue()
    p = tmp_path / "t.fg"
    for cut in range(0, len(data), 13):
        p.write_bytes(data[:cut])
        for src in (p, io.BytesIO(data[:cut]), _Stream(data[:cut])):
            with pytest.raises(SerializationError, match="truncated|not a fastgrad"):
                load(src)
    back = load(_Stream(data))
    np.testing.assert_array_equal(back["a"].numpy(), np.arange(50.0, dtype=np.float32))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_load_dev_zero_refused_without_reading_it():
    with pytest.raises(SerializationError, match="not a fastgrad file"):
        load("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_load_named_pipe_reads_a_stream_with_its_declared_bound(tmp_path):
    fifo = str(tmp_path / "pipe")
    os.mkfifo(fifo)

    def feed(data):
        with open(fifo, "wb") as fh:
            fh.write(data)

    for data, expect in ((_craft(root={"T": 0}, arrays=[_meta(shape=(1 << 38,))], blen=1 << 40), "truncated"),
                         (None, None)):
        if data is None:
            buf = io.BytesIO()
            save({"w": fg.arange(300_000.0)}, buf)
            data = buf.getvalue()
        t = threading.Thread(target=feed, args=(data,))
        t.start()
        try:
            if expect:
                with pytest.raises(SerializationError, match=expect):
                    load(fifo)
            else:
                np.testing.assert_array_equal(load(fifo)["w"].numpy(), np.arange(300_000.0, dtype=np.float32))
        finally:
            t.join()


def test_load_header_larger_than_limit_refused(tmp_path, monkeypatch):
    from fastgrad.serialization import _reader
    monkeypatch.setattr(_reader, "MAX_HEADER_BYTES", 100)
    monkeypatch.setattr(_writer, "MAX_HEADER_BYTES", 100)
    with pytest.raises(ValueError, match="header would take .* more than the 100"):
        save(list(range(100)), tmp_path / "h.fg")
    p = tmp_path / "h.fg"
    p.write_bytes(_craft(root=list(range(100))))
    with pytest.raises(SerializationError, match="limit 100"):
        load(p)
