"""Reading and writing IDX files, the format of MNIST, Fashion-MNIST and EMNIST.

An IDX file holds one array: a short header, then the values, big-endian and row-major::

    bytes 0-1     0x00 0x00           magic: always two zero bytes
    byte  2       data type code      0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
                                      0x0D float, 0x0E double
    byte  3       d                   the number of dimensions
    d × 4 bytes   the sizes           each an unsigned 32-bit big-endian integer
    the values    prod(sizes) × item size bytes, and nothing after them

The files are usually distributed gzipped. :func:`read_idx` recognises gzip by its first two
bytes (0x1f 0x8b), not by the file name, so a renamed file still reads.

:func:`read_idx` checks everything it can before it trusts the header: the magic bytes, the type
code, the number of dimensions, that the claimed size is sane, and that the file holds exactly
the promised number of bytes. Whatever is wrong with a file, it raises :class:`IDXFormatError`
(a ``ValueError``) naming the file and the problem.

Reading is bounded whatever the file holds. Only a regular file is opened (a FIFO or a device,
whose reading could wait or go on forever, is refused). The values are read straight into the
array that is returned, with no copy beside it; a plain file's size is checked against the
header before any memory is taken, and a gzip stream is inflated a chunk at a time, never
beyond the size the header declares (one byte more, and the file is refused), so a small file
that claims a large array costs only what it really holds.

>>> import io, numpy as np
>>> buf = io.BytesIO()
>>> write_idx(buf, np.arange(6, dtype=np.uint8).reshape(2, 3), gzip=True)
>>> read_idx(io.BytesIO(buf.getvalue()))
array([[0, 1, 2],
       [3, 4, 5]], dtype=uint8)
"""

from __future__ import annotations

import gzip as _gzip
import io
import math
import os
import struct
import zlib
from typing import IO, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from .._files import NotRegularFileError, open_regular

__all__ = ["IDX_DTYPES", "MAX_BYTES", "MAX_NDIM", "IDXFormatError", "read_idx", "write_idx"]

#: The IDX data type codes and the (big-endian) NumPy types they stand for.
IDX_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"),  # unsigned byte: MNIST's pixels and labels
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}
_TYPE_NAMES = {
    0x08: "ubyte",
    0x09: "byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}

#: The most dimensions a file may declare; real data sets use 1 (labels) to 3 (images).
MAX_NDIM = 8
#: The default limit on the size of the array a file may claim (4 GiB): larger claims are
#: rejected before anything is allocated. EMNIST's biggest file is about 0.6 GB.
MAX_BYTES = 1 << 32

_GZIP_MAGIC = b"\x1f\x8b"
# A gzip stream is inflated into the array at most 4 MiB at a time (the gzip module holds about
# that much again while it works), starting at 64 KiB and doubling, and the array grows with
# it: memory grows only with the data really there (a 30-byte gzip file that claims a gigabyte
# costs 64 KiB, not a gigabyte).
_FIRST_CHUNK = 1 << 16
_CHUNK = 1 << 22

Source = str | os.PathLike[str] | IO[bytes]


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class IDXFormatError(ValueError):
    """A file is not a valid IDX file; ``path`` names it and ``reason`` says what is wrong.

    >>> str(IDXFormatError("digits.idx", "it is empty"))
    'digits.idx is not a valid IDX file: it is empty'
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} is not a valid IDX file: {reason}")
        self.path = path
        self.reason = reason


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, (str, bytes, os.PathLike)) else "<stream>"


def _type_list() -> str:
    return ", ".join(f"0x{code:02X} ({name})" for code, name in _TYPE_NAMES.items())


def read_idx(source: Source, *, max_bytes: int = MAX_BYTES) -> NDArray[Any]:
    """Read the array in an IDX file, gzipped or not.

    Args:
        source: a path, or a binary file object that can seek (``open(p, "rb")``, ``io.BytesIO``).
        max_bytes: the largest array (in bytes) a file may claim to hold; a header that claims
            more is rejected before any memory is allocated for it.

    Returns:
        The array, with the shape the header gives and the NumPy type of its code (uint8, int8,
        int16, int32, float32 or float64) in the machine's byte order.

    Raises:
        IDXFormatError: whatever is wrong with the contents (bad magic bytes, unknown type,
            too many dimensions, a truncated file, bytes after the data, a damaged gzip
            stream), or the path is not a regular file (a FIFO, a device).
        FileNotFoundError, PermissionError, IsADirectoryError: the path cannot be opened.

    Example:
        >>> import io, numpy as np
        >>> buf = io.BytesIO()
        >>> write_idx(buf, np.array([1.5, -2.0]))
        >>> read_idx(io.BytesIO(buf.getvalue()))
        array([ 1.5, -2. ])
    """
    name = _describe(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            f = open_regular(source)  # a missing file is not a format problem: let it raise
        except NotRegularFileError as exc:
            raise IDXFormatError(
                name,
                f"it is {exc.kind}, not a regular file; glassnet reads IDX files only from "
                "regular files (reading a pipe or a device may wait, or go on, forever)",
            ) from None
        with f:
            return _read_checked(f, name, max_bytes)
    if not (hasattr(source, "read") and hasattr(source, "seek")):
        raise ValueError(
            f"read_idx needs a path or a binary file object, got {type(source).__name__}; "
            "pass the file's path, or open(path, 'rb')"
        )
    return _read_checked(source, name, max_bytes)


def _read_checked(f: IO[bytes], name: str, max_bytes: int) -> NDArray[Any]:
    try:
        return _read(f, name, max_bytes)
    except IDXFormatError:
        raise
    # A damaged gzip stream shows up as any of these, depending on where the damage is:
    # gzip.BadGzipFile (an OSError) for a bad header or CRC, zlib.error for bad deflate data,
    # EOFError for a stream that ends early.
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXFormatError(name, f"it could not be read ({type(exc).__name__}: {exc})") from exc


def _read_exact(stream: _Readable, n: int) -> bytes:
    """Up to ``n`` bytes (a header's few): fewer only at the end of the stream."""
    parts = []
    while n > 0:
        part = stream.read(n)
        if not part:
            break
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def _read_into(stream: _Readable, into: NDArray[np.uint8]) -> int:
    """Fill ``into`` from ``stream``; the number of bytes read, fewer only at its end."""
    readinto = getattr(stream, "readinto", None)
    done = 0
    while done < len(into):
        if readinto is not None:
            got = readinto(into[done:].data) or 0
        else:  # a file object with read() alone
            part = stream.read(len(into) - done)
            got = len(part)
            into[done : done + got] = np.frombuffer(part, dtype=np.uint8)
        if not got:
            break
        done += got
    return done


def _read_data(stream: _Readable, nbytes: int, size: int | None) -> NDArray[np.uint8]:
    """The next ``nbytes`` bytes of ``stream`` (fewer at its end) in an array of their own.

    A plain file's ``size`` is known and checked, so the array is made at its full size at once;
    a gzip stream's is not, so the array grows with what the stream really yields, a chunk at
    a time, and never beyond ``nbytes``.
    """
    if size is not None:
        data = np.empty(nbytes, dtype=np.uint8)
        return data[: _read_into(stream, data)]
    data = np.empty(0, dtype=np.uint8)
    done, chunk = 0, _FIRST_CHUNK
    while done < nbytes:
        want = min(chunk, nbytes - done)
        # in place, exactly to size: no copy beside it (no view of data is alive here)
        data.resize(done + want, refcheck=False)
        got = _read_into(stream, data[done:])
        done += got
        if got < want:
            data.resize(done, refcheck=False)
            break
        chunk = min(2 * chunk, _CHUNK)
    return data


def _read(f: IO[bytes], name: str, max_bytes: int) -> NDArray[Any]:
    """Detect gzip by its magic bytes, then parse the (decompressed) IDX stream."""
    start = f.tell()
    compressed = f.read(2) == _GZIP_MAGIC
    f.seek(start)
    if not compressed:
        size = f.seek(0, io.SEEK_END) - start
        f.seek(start)
        return _parse(f, name, max_bytes, size)
    with _gzip.GzipFile(fileobj=f, mode="rb") as stream:  # leaves f itself open
        return _parse(stream, name, max_bytes, None)


def _parse(stream: _Readable, name: str, max_bytes: int, size: int | None) -> NDArray[Any]:
    """The array in an IDX stream of ``size`` bytes (``None``: unknown, as for gzip)."""
    what = "the file" if size is not None else "the gzip-compressed data"
    header = _read_exact(stream, 4)
    if len(header) < 4:
        raise IDXFormatError(name, f"{what} has {len(header)} bytes; an IDX header alone needs 4")
    if header[:2] != b"\x00\x00":
        raise IDXFormatError(
            name, f"{what} starts with 0x{header[:2].hex()}, not with the two zero bytes of IDX"
        )
    code, ndim = header[2], header[3]
    if code not in IDX_DTYPES:
        raise IDXFormatError(name, f"unknown data type code 0x{code:02X}; IDX has {_type_list()}")
    if not 1 <= ndim <= MAX_NDIM:
        raise IDXFormatError(
            name, f"the header declares {ndim} dimensions; glassnet reads 1 to {MAX_NDIM}"
        )

    raw_dims = _read_exact(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise IDXFormatError(
            name, f"{what} ends inside the header: {ndim} dimension sizes need {4 * ndim} bytes"
        )
    shape = struct.unpack(f">{ndim}I", raw_dims)
    dtype = IDX_DTYPES[code]
    nbytes = math.prod(shape) * dtype.itemsize  # Python integers: no overflow
    # Zero sizes are skipped in the bound, so that (0, 4000000000, 4000000000), which holds no
    # data but which no NumPy array can have, is refused as well.
    bound = math.prod(max(n, 1) for n in shape) * dtype.itemsize
    if bound > max_bytes:
        raise IDXFormatError(
            name,
            f"the header claims an array of shape {shape} ({_TYPE_NAMES[code]}), {bound:,} bytes, "
            f"more than max_bytes={max_bytes:,}; if the file really is that big, pass a larger "
            "max_bytes",
        )

    if size is not None and size - len(header) - len(raw_dims) != nbytes:
        # The size of a plain file is known: compare it with the claim before reading any data.
        present = size - len(header) - len(raw_dims)
        raise IDXFormatError(name, _size_mismatch(shape, code, nbytes, present))

    data = _read_data(stream, nbytes, size)
    if len(data) < nbytes:
        raise IDXFormatError(name, _size_mismatch(shape, code, nbytes, len(data)))
    if stream.read(1):  # for gzip this also checks the CRC and length at the end of the stream
        raise IDXFormatError(
            name,
            f"{what} goes on after the {nbytes:,} bytes of data the header promises "
            f"(shape {shape}); the file is damaged or not what it seems",
        )
    native = dtype.newbyteorder("=")
    array = data.view(dtype).reshape(shape)
    if native != dtype:
        array.byteswap(inplace=True)  # big-endian values, turned around where they lie
    return array.view(native)  # writable, in the machine's byte order


def _size_mismatch(shape: tuple[int, ...], code: int, expected: int, present: int) -> str:
    which = "is truncated" if present < expected else "has trailing bytes"
    return (
        f"it {which}: the header promises shape {shape} of {_TYPE_NAMES[code]} = "
        f"{expected:,} bytes of data, but {present:,} bytes follow the header"
    )


def write_idx(destination: Source, array: Any, *, gzip: bool = False) -> None:
    """Write ``array`` as an IDX file (gzip-compressed if ``gzip``).

    The array's type must be one IDX can hold: uint8, int8, int16, int32, float32 or float64;
    convert others first, e.g. ``labels.astype(np.uint8)``. It needs 1 to ``MAX_NDIM`` dimensions.
    The output is byte-for-byte reproducible (the gzip header carries no time stamp).

    Example:
        >>> import io, numpy as np
        >>> buf = io.BytesIO()
        >>> write_idx(buf, np.array([7, 2, 1], dtype=np.uint8))
        >>> buf.getvalue().hex(" ")
        '00 00 08 01 00 00 00 03 07 02 01'
    """
    arr = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
    code = codes.get(arr.dtype.newbyteorder("="))
    if code is None:
        allowed = ", ".join(str(dt) for dt in codes)
        raise ValueError(
            f"IDX files cannot hold arrays of dtype {arr.dtype}; they hold {allowed}. "
            "Convert the array first, e.g. array.astype(np.uint8) for pixels or labels"
        )
    if not 1 <= arr.ndim <= MAX_NDIM:
        raise ValueError(
            f"write_idx writes arrays with 1 to {MAX_NDIM} dimensions, got shape {arr.shape}; "
            "reshape it, e.g. np.atleast_1d(array)"
        )
    if max(arr.shape) >= 1 << 32:
        raise ValueError(f"IDX stores each dimension in 32 bits; shape {arr.shape} is too large")
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()
    data = header + payload
    if gzip:
        data = _gzip.compress(data, mtime=0)
    if isinstance(destination, (str, os.PathLike)):
        with open(destination, "wb") as f:
            f.write(data)
    else:
        destination.write(data)
