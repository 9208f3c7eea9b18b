"""save to a path: a per-call temporary, fsync, atomic rename; kills leave temporaries the next
save removes; symlinks are written through; bytes paths work; objects that cannot be saved raise
a clear error (issue 14, items 5, 13, 14, 17)."""
import gzip
import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.serialization import _atomic, _writer, load, save


def _temps(directory):
    return sorted(n for n in os.listdir(directory) if ".tmp" in n)


def _writing(directory) -> bool:
    """Is a temporary with some bytes in it present (a save under way)?"""
    for n in _temps(directory):
        try:
            if os.path.getsize(os.path.join(directory, n)) > 0:
                return True
        except FileNotFoundError:  # renamed meanwhile
            pass
    return False


# -- kills and stale temporaries ----------------------------------------------------------------
_KILLED_WRITER = textwrap.dedent("""
    import sys, numpy as np, fastgrad as fg
    w = np.ones(25_000_000, np.float32)          # 100 MB: each save takes a while
    while True:
        fg.save({"w": w}, sys.argv[1])
""")


@pytest.mark.skipif(os.name != "posix", reason="stale temporaries are detected with os.kill(pid, 0)")
def test_save_after_sigkill_mid_save_removes_stale_temporary_keeps_last_good_file(tmp_path):
    path = tmp_path / "ckpt.fg"
    save({"good": fg.arange(3)}, path)
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(path)])
    try:
        deadline = time.monotonic() + 60
        while not _writing(tmp_path):
            assert child.poll() is None and time.monotonic() < deadline, "the writer never started a save"
            time.sleep(0.002)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    stale = _temps(tmp_path)
    assert len(stale) == 1 and stale[0].startswith(f"ckpt.fg.tmp{child.pid}."), stale
    back = load(path)  # the target is the last complete file: the good one, or one the child finished
    assert list(back) in (["good"], ["w"])
    save({"next": fg.ones(2)}, path)
    assert _temps(tmp_path) == []
    assert list(load(path)) == ["next"]


def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.mark.skipif(os.name != "posix", reason="stale temporaries are detected with os.kill(pid, 0)")
def test_save_stale_cleanup_spares_live_writers_other_hosts_and_other_files(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    host = _atomic._HOST
    other_host = "%08x" % ((int(host, 16) + 1) % (1 << 32))
    names = {
        f"m.fg.tmp{dead}.{host}0123abcd": False,        # dead writer, this host: removed
        f"m.fg.tmp{live}.{host}0123abcd": True,         # writer still running
        f"m.fg.tmp{os.getpid()}.{host}0123abcd": True,  # this process (another thread's save)
        f"m.fg.tmp{dead}.{other_host}0123abcd": True,   # written on another host (shared disk)
        f"other.fg.tmp{dead}.{host}0123abcd": True,     # another target's temporary
        f"m.fg.tmp{dead}": True,                        # not our name pattern: never touched
        "m.fg.tmp-notes.txt": True,
        f"m.fg.tmp{10 ** 30}.{host}0123abcd": True,     # a pid no process can have
    }
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    save([1], tmp_path / "m.fg")
    left = set(os.listdir(tmp_path))
    assert {n for n, keep in names.items() if keep} | {"m.fg"} == left


def test_save_failure_mid_write_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.fg"
    save({"old": fg.arange(4)}, path)

    class DiskFull:
        @staticmethod
        def crc32(data, value=0):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(_writer, "zlib", DiskFull)
    with pytest.raises(OSError, match="No space left"):
        save({"new": fg.ones(1000)}, path)
    monkeypatch.undo()
    assert list(load(path)) == ["old"] and _temps(tmp_path) == []


def test_save_temporary_names_unique_per_call(tmp_path, monkeypatch):
    seen = []
    real = _atomic._create_temp

    def spy(target, path):
        fd, tmp = real(target, path)
        seen.append(tmp)
        return fd, tmp

    monkeypatch.setattr(_atomic, "_create_temp", spy)
    for _ in range(3):
        save([1], tmp_path / "u.fg")
    assert len(set(seen)) == 3 and all(os.path.basename(t).startswith(f"u.fg.tmp{os.getpid()}.") for t in seen)


# -- paths: symlinks, bytes, permissions, directories ---------------------------------------------
@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_save_through_symlink_replaces_target_keeps_link(tmp_path):
    real_dir = tmp_path / "store"
    real_dir.mkdir()
    target = real_dir / "real.fg"
    save({"v": 1}, target)
    os.chmod(target, 0o640)
    link = tmp_path / "latest.fg"
    os.symlink(os.path.relpath(target, tmp_path), link)
    save({"v": 2}, link)
    assert os.path.islink(link) and load(target) == {"v": 2} and load(link) == {"v": 2}
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o640)  # the replaced file keeps its mode
    dangling = tmp_path / "dangling.fg"
    os.symlink(real_dir / "new.fg", dangling)  # as open(): a link to a missing file creates the file
    save({"v": 3}, dangling)
    assert os.path.islink(dangling) and load(real_dir / "new.fg") == {"v": 3}
    loop = tmp_path / "loop.fg"
    os.symlink(loop, loop)
    with pytest.raises(OSError):
        save({"v": 4}, loop)
    assert os.path.islink(loop) and _temps(tmp_path) == [] and _temps(real_dir) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_save_through_symlink_same_files_as_torch(tmp_path):
    torch = pytest.importorskip("torch")
    layouts = {}
    for name, saver in (("torch", lambda p: torch.save({"v": torch.ones(2)}, p)),
                        ("fastgrad", lambda p: save({"v": fg.ones(2)}, p))):
        d = tmp_path / name
        d.mkdir()
        (d / "real").write_bytes(b"old")
        os.symlink("real", d / "link")
        os.symlink("missing", d / "dangling")
        saver(str(d / "link"))
        saver(str(d / "dangling"))
        layouts[name] = sorted((n, os.path.islink(d / n), (d / n).read_bytes() != b"old") for n in os.listdir(d))
    assert layouts["fastgrad"] == layouts["torch"]


def test_save_load_bytes_path(tmp_path):
    path = os.fsencode(tmp_path / "b.fg")
    save({"x": fg.ones(2)}, path)
    assert os.listdir(tmp_path) == ["b.fg"]
    np.testing.assert_array_equal(load(path)["x"].numpy(), np.ones(2, np.float32))
    if sys.platform.startswith("linux"):  # a file name that is not valid UTF-8 round-trips exactly
        odd = os.fsencode(tmp_path) + b"/\xff\xfe.fg"
        save([1], odd)
        assert b"\xff\xfe.fg" in os.listdir(os.fsencode(tmp_path)) and load(odd) == [1]
        assert _temps(tmp_path) == []


def test_save_errors_name_the_given_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-dir"):
        save([1], tmp_path / "no-such-dir" / "x.fg")
    with pytest.raises(IsADirectoryError):
        save([1], tmp_path)


# -- objects that cannot be saved -------------------------------------------------------------------
def _nested(n):
    """n + 1 lists, each inside the next."""
    v = []
    for _ in range(n):
        v = [v]
    return v


def test_save_deep_or_cyclic_objects_raise_value_error(tmp_path):
    for obj in (_nested(600), _nested(100)):  # 601 and 101 lists
        with pytest.raises(ValueError, match="nested more than 100 levels"):
            save(obj, tmp_path / "d.fg")
    cyc = [1, 2]
    cyc.append(cyc)
    d = {"a": {}}
    d["a"]["b"] = d
    for obj, kind in ((cyc, "list"), (d, "dict")):
        with pytest.raises(ValueError, match=f"reference cycle \\(a {kind} that contains itself"):
            save(obj, tmp_path / "c.fg")
    assert not (tmp_path / "c.fg").exists() and not (tmp_path / "d.fg").exists()
    save(_nested(99), tmp_path / "ok.fg")  # 100 lists, the limit itself, round-trip
    assert load(tmp_path / "ok.fg") == _nested(99)
    chain = {}
    for _ in range(49):  # 99 dicts and tuples, each dict 3 JSON levels deep
        chain = {"k": (chain,)}
    assert load(_roundtrip(chain)) == chain
    shared = [1]
    assert load(_roundtrip([shared, shared, (shared,)])) == [[1], [1], ([1],)]  # shared, not a cycle


def test_save_exponentially_shared_object_raises_value_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_writer, "_MAX_VALUES", 10_000)
    v = [0]
    for _ in range(40):
        v = [v, v]
    with pytest.raises(ValueError, match="more than 10000 values"):
        save(v, tmp_path / "e.fg")


def _roundtrip(obj):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return buf


# -- file objects --------------------------------------------------------------------------------
class _Pipe(io.RawIOBase):
    """A write-only, non-seekable stream."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, b):
        self.chunks.append(bytes(b))
        return len(b)


def test_save_file_objects_seekable_append_pipe_gzip(tmp_path):
    obj = {"w": fg.arange(100_000.0), "s": "x"}
    pipe = _Pipe()
    save(obj, pipe)
    assert load(io.BytesIO(b"".join(pipe.chunks)))["s"] == "x"
    with open(tmp_path / "a.fg", "ab") as fh:  # append mode: the prefix cannot be patched in place
        save(obj, fh)
        save([2], fh)
    with open(tmp_path / "a.fg", "rb") as fh:  # objects written one after the other load in order
        assert load(fh)["s"] == "x" and load(fh) == [2]
    with gzip.open(tmp_path / "g.gz", "wb") as fh:
        save(obj, fh)
    with gzip.open(tmp_path / "g.gz", "rb") as fh:
        np.testing.assert_array_equal(load(fh)["w"].numpy(), np.arange(100_000.0, dtype=np.float32))
    buf = io.BytesIO(b"junk")
    buf.seek(4)
    save(obj, buf)  # written from the current position
    buf.seek(4)
    assert load(buf)["s"] == "x"
