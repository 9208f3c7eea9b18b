"""Atomic replacement of a file: write a temporary beside it, fsync, rename over it, fsync the directory.

The temporary is ``<target>.tmp<pid>.<host tag><random>``: unique per call (threads of one process
never share it), created with O_EXCL, and removed on any error. A process killed while writing
leaves its temporary behind; the next save of the same target removes the temporaries written on
this host by processes that no longer exist (POSIX only).
"""
import errno
import os
import platform
import re
import secrets
import stat
import zlib

_HOST = f"{zlib.crc32(platform.node().encode('utf-8', 'surrogateescape')):08x}"
_TEMP = re.compile(r"\.tmp(\d+)\.([0-9a-f]{8})[0-9a-f]{8}")


def _target(path) -> str:
    """The file a save to ``path`` replaces: symlinks are followed (as open() would), the link kept."""
    target = os.path.realpath(os.fsdecode(os.fspath(path)))
    if os.path.islink(target):
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), os.fsdecode(path))
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fsdecode(path))
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; a pid no process can have
        return True
    return True


def remove_stale(target: str) -> None:
    """Remove temporaries of ``target`` left on this host by writers that no longer exist."""
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return
    directory, base = os.path.split(target)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        m = _TEMP.fullmatch(name[len(base):]) if name.startswith(base + ".tmp") else None
        if m is None:
            continue
        pid, host = int(m.group(1)), m.group(2)
        if pid == os.getpid() or host != _HOST or _alive(pid):
            continue
        try:
            os.remove(os.path.join(directory, name))
        except OSError:  # removed by a concurrent save, or not ours to remove
            pass


def _create_temp(target: str, path):
    """Open a new temporary beside ``target``, with the target's permission bits if it exists."""
    while True:
        tmp = f"{target}.tmp{os.getpid()}.{_HOST}{secrets.token_hex(4)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:  # name the user's path, not the temporary
            raise type(exc)(exc.errno, exc.strerror, os.fsdecode(path)) from None
    try:
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
    except FileNotFoundError:
        pass
    except BaseException:
        os.close(fd)
        os.remove(tmp)
        raise
    return fd, tmp


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # not supported here (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path, write) -> None:
    """Call ``write(fh)`` on a fresh temporary, make it durable, and rename it over ``path``'s target."""
    target = _target(path)
    remove_stale(target)
    fd, tmp = _create_temp(target, path)
    try:
        with open(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(os.path.dirname(target))
