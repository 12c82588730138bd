"""Opening the files glassnet reads: regular files only, and never a wait.

``open(path, "rb")`` on a FIFO (named pipe) waits for a writer that may never come, and a
character device such as ``/dev/zero`` or ``/dev/urandom`` never ends. :func:`open_regular`
opens without waiting (``O_NONBLOCK``), asks the opened file what it is, and refuses anything
but a regular file, so a reader can trust the size :func:`os.fstat` gives.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

__all__ = ["NotRegularFileError", "open_regular"]

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
