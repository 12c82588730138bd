"""Reading and writing files safely: regular files only, and saves that never lose a file.

``open(path, "rb")`` on a FIFO (named pipe) waits for a writer that may never come, and a
character device such as ``/dev/zero`` or ``/dev/urandom`` never ends. :func:`open_regular`
opens without waiting (``O_NONBLOCK``), asks the opened file what it is, and refuses anything
but a regular file, so a reader can trust the size :func:`os.fstat` gives.

:func:`write_atomically` writes a temporary file beside the target, syncs it and renames it over
the target, so the target is always the old file or the new one, whole. A process killed
mid-write leaves its temporary file behind; the next write to the same target removes it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO

__all__ = ["NotRegularFileError", "open_regular", "write_atomically"]

_KINDS = [
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
]


class NotRegularFileError(Exception):
    """``path`` is not a regular file; ``kind`` says what it is (``"a FIFO (named pipe)"``)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def open_regular(path: str | os.PathLike[str], buffering: int = -1) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file (symbolic links are followed).

    Raises:
        NotRegularFileError: it is a FIFO, a device or a socket (the caller names the file).
        IsADirectoryError: it is a directory.
        OSError: it cannot be opened (``FileNotFoundError`` when it does not exist).

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with open(os.path.join(folder, "a"), "wb") as f:
        ...         _ = f.write(b"hello")
        ...     with open_regular(os.path.join(folder, "a")) as f:
        ...         f.read()
        b'hello'
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode  # the opened file itself: no gap between a check and the open
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "it is a directory, not a file", os.fspath(path))
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotRegularFileError(kind)
        if hasattr(os, "set_blocking") and hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)  # no effect on a regular file's reads; restored all the same
        return os.fdopen(fd, "rb", buffering=buffering)
    except BaseException:
        os.close(fd)
        raise


def write_atomically(path: Path, write: Callable[[IO[bytes]], None], suffix: str) -> None:
    """Call ``write`` on a temporary file beside ``path``, sync it, then rename it over ``path``.

    The temporary file is named ``<path's name>.<pid>.<8 hex digits><suffix>``; any left by
    earlier writes to ``path`` whose processes were killed are removed first. If anything fails
    (``write`` included, or an interrupt), the temporary file is removed and ``path`` is as it
    was.

    Example:
        >>> import os, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     target = Path(folder) / "a.txt"
        ...     write_atomically(target, lambda f: f.write(b"new"), ".tmp")
        ...     target.read_bytes(), os.listdir(folder)
        (b'new', ['a.txt'])
    """
    _remove_stale_temps(path, suffix)
    fd, temp = _create_temp(path, suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_directory(path.parent)


def _create_temp(path: Path, suffix: str) -> tuple[int, Path]:
    """A new, empty file beside ``path``, created exclusively so no other file is overwritten,
    named after this process and locked while the save runs (see :func:`_remove_stale_temps`)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")
        try:
            fd = os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
        _try_lock(fd)
        return fd, temp
    raise FileExistsError(f"could not create a temporary file beside {path}")


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting: False if another process holds one.

    True also where the system or the file system has no such locks: then the process id in the
    temporary file's name alone says whether its save may still be running.
    """
    try:
        import fcntl
    except ImportError:  # Windows: an open file cannot be deleted there anyway
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True


def _remove_stale_temps(path: Path, suffix: str) -> None:
    """Delete the temporary files that killed saves to ``path`` left behind.

    Such a file is named ``<path's name>.<pid>.<8 hex digits><suffix>``. It is deleted when its
    process ``pid`` is no longer running and no other process holds it locked (a running save
    keeps its temporary file locked where the system allows it). Nothing else is touched, and a
    file that cannot be examined or deleted is left as it is: saving goes on regardless.
    """
    prefix = path.name
    tail = re.compile(r"\.([0-9]{1,10})\.[0-9a-f]{8}" + re.escape(suffix))
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        match = tail.fullmatch(name, len(prefix)) if name.startswith(prefix) else None
        if match is None:
            continue
        pid = int(match.group(1))
        if os.name == "nt":  # no signal 0 there (os.kill would end the process); an open
            with contextlib.suppress(OSError):  # file cannot be deleted, so just try
                os.unlink(entry.path)
            continue
        if pid == os.getpid() or _running(pid):
            continue
        _remove_if_unlocked(entry.path)


def _running(pid: int) -> bool:
    """Whether a process ``pid`` exists (POSIX); when unsure, True, so nothing is deleted."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists but belongs to another user
        return True
    return True


def _remove_if_unlocked(name: str) -> None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags)
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode) and _try_lock(fd):
            with contextlib.suppress(OSError):
                os.unlink(name)
    finally:
        os.close(fd)


def _sync_directory(folder: Path) -> None:
    """Flush the rename to disk where the system allows it (POSIX); the save has already worked."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
