"""The IDX reader and writer: valid files of every kind read back exactly, and every kind of
damaged file gives an IDXFormatError that names the file, never another exception."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.datasets import IDXFormatError, read_idx, write_idx
from glassnet.datasets.idx import IDX_DTYPES, MAX_NDIM
from helpers import error_reading_a_fifo, peak_memory

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
SHAPES = [(5,), (3, 4), (2, 3, 4), (0,), (0, 28, 28)]


def idx_bytes(array: np.ndarray, compress: bool = False) -> bytes:
    buf = io.BytesIO()
    write_idx(buf, array, gzip=compress)
    return buf.getvalue()


def sample(dtype: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Values that use the whole range of the type, including its extremes."""
    n = int(np.prod(shape))
    if np.dtype(dtype).kind == "f":
        values = rng.normal(scale=1e3, size=n)
        if n >= 3:
            values[:3] = [np.finfo(dtype).max, np.finfo(dtype).tiny, -0.0]
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, size=n, endpoint=True)
        if n >= 2:
            values[:2] = [info.min, info.max]
    return values.astype(dtype).reshape(shape)


def header(code: int, dims: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


# -- valid files ------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_type_and_shape(
    tmp_path: Path, dtype: str, shape: tuple[int, ...], compress: bool, rng: np.random.Generator
) -> None:
    array = sample(dtype, shape, rng)
    path = tmp_path / "array.idx"
    write_idx(path, array, gzip=compress)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable and back.flags.c_contiguous


def test_non_finite_floats_survive() -> None:
    array = np.array([np.nan, np.inf, -np.inf, 1.0], dtype=np.float32)
    np.testing.assert_array_equal(read_idx(io.BytesIO(idx_bytes(array))), array)


def test_layout_is_the_idx_standard() -> None:
    data = idx_bytes(np.array([[1, 2, 3], [4, 5, 6]], dtype=">i2"))
    assert data == header(0x0B, (2, 3)) + bytes.fromhex("0001 0002 0003 0004 0005 0006")
    # a little-endian array is written big-endian all the same
    assert idx_bytes(np.array([[1, 2, 3], [4, 5, 6]], dtype="<i2")) == data


def test_every_type_code() -> None:
    for code, dtype in IDX_DTYPES.items():
        data = header(code, (2,)) + np.array([1, 2], dtype=dtype).tobytes()
        assert read_idx(io.BytesIO(data)).tolist() == [1, 2]


def test_gzip_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    zipped, plain = tmp_path / "looks-plain-idx3-ubyte", tmp_path / "looks-zipped.gz"
    write_idx(zipped, array, gzip=True)
    write_idx(plain, array)
    assert zipped.read_bytes()[:2] == b"\x1f\x8b" and plain.read_bytes()[:2] == b"\0\0"
    np.testing.assert_array_equal(read_idx(zipped), array)
    np.testing.assert_array_equal(read_idx(plain), array)


def test_reads_open_files_and_path_strings(tmp_path: Path) -> None:
    array = np.arange(6, dtype=np.int32)
    write_idx(str(tmp_path / "a.idx"), array)
    with open(tmp_path / "a.idx", "rb") as f:
        np.testing.assert_array_equal(read_idx(f), array)
    np.testing.assert_array_equal(read_idx(str(tmp_path / "a.idx")), array)


def test_gzip_output_is_reproducible() -> None:
    array = np.arange(100, dtype=np.uint8)
    assert idx_bytes(array, compress=True) == idx_bytes(array, compress=True)
    assert gzip.decompress(idx_bytes(array, compress=True)) == idx_bytes(array)


def test_multi_member_gzip_reads() -> None:
    raw = idx_bytes(np.arange(10, dtype=np.uint8))
    data = gzip.compress(raw[:7]) + gzip.compress(raw[7:])  # what `cat a.gz b.gz` makes
    assert read_idx(io.BytesIO(data)).tolist() == list(range(10))


# -- what write_idx refuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "array", [np.zeros(3, dtype=np.int64), np.zeros(3, dtype=bool), np.array(["a"])]
)
def test_write_rejects_types_idx_cannot_hold(array: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"cannot hold arrays of dtype .*astype"):
        write_idx(io.BytesIO(), array)


@pytest.mark.parametrize("shape", [(), (1,) * (MAX_NDIM + 1)], ids=["0-d", "too-many-dims"])
def test_write_rejects_bad_number_of_dimensions(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="dimensions"):
        write_idx(io.BytesIO(), np.zeros(shape, dtype=np.uint8))


# -- damaged files ----------------------------------------------------------------------------

GOOD = idx_bytes(np.arange(24, dtype=np.int16).reshape(2, 3, 4))

BAD_FILES = {
    "empty": (b"", "has 0 bytes"),
    "short header": (b"\0\0\x08", "has 3 bytes"),
    "bad magic": (b"\x12\x34" + GOOD[2:], "starts with 0x1234, not with the two zero bytes"),
    "text file": (b"hello, world\n", "two zero bytes"),
    "unknown type code": (header(0x0A, (1,)) + b"\0", "unknown data type code 0x0A"),
    "zero dimensions": (b"\0\0\x08\0", "0 dimensions"),
    "too many dimensions": (header(0x08, (1,) * (MAX_NDIM + 1)) + b"\0", "dimensions"),
    "cut in the sizes": (GOOD[:9], "ends inside the header"),
    "truncated data": (GOOD[:-1], "is truncated"),
    "no data at all": (GOOD[:16], "is truncated"),
    "trailing bytes": (GOOD + b"\0", "has trailing bytes"),
    "huge dimensions": (header(0x0E, (1 << 31, 1 << 31)), "more than max_bytes"),
    "huge but empty": (header(0x08, (1 << 31, 1 << 31, 0)), "more than max_bytes"),
    "huge claim, small file": (header(0x08, (1 << 30, 2)) + b"\0" * 10, "is truncated"),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_raise_idx_format_error(tmp_path: Path, case: str, compress: bool) -> None:
    data, message = BAD_FILES[case]
    path = tmp_path / "bad-images-idx3-ubyte"
    path.write_bytes(gzip.compress(data) if compress else data)
    if compress and "trailing" in message:
        message = "goes on after"
    with pytest.raises(IDXFormatError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value) and info.value.path == str(path)
    assert isinstance(info.value, ValueError)


def test_huge_claims_allocate_nothing(tmp_path: Path) -> None:
    """A 2 GB claim in a tiny file is refused after reading a few bytes, zipped or not."""
    claim = header(0x08, (1 << 31,)) + b"\0" * 100  # under max_bytes, so the size check decides
    for name, data in [("raw", claim), ("gz", gzip.compress(claim))]:
        path = tmp_path / name
        path.write_bytes(data)
        tracemalloc.start()
        try:
            with pytest.raises(IDXFormatError, match="truncated"):
                read_idx(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 64 << 20, f"{name}: {peak:,} bytes allocated"


def test_max_bytes_is_adjustable() -> None:
    data = idx_bytes(np.zeros(100, dtype=np.float64))
    assert read_idx(io.BytesIO(data), max_bytes=800).shape == (100,)
    with pytest.raises(IDXFormatError, match="max_bytes=799"):
        read_idx(io.BytesIO(data), max_bytes=799)


def test_damaged_gzip_streams() -> None:
    zipped = idx_bytes(np.arange(5000, dtype=np.int32) % 251, compress=True)
    cases = {
        "cut short": zipped[:-20],
        "bad CRC": zipped[:-8] + bytes(b ^ 0xFF for b in zipped[-8:-4]) + zipped[-4:],
        "bad length": zipped[:-4] + b"\xff\xff\xff\xff",
        "garbled deflate data": zipped[:40] + b"\xff" * 40 + zipped[80:],
        "garbage after the stream": zipped + b"not gzip",
        "only the gzip magic": b"\x1f\x8b",
        "gzip header only": zipped[:10],
    }
    for case, data in cases.items():
        with pytest.raises(IDXFormatError) as info:
            read_idx(io.BytesIO(data))
        assert "<stream>" in str(info.value), case


def test_a_gzip_stream_with_trailing_data_inside() -> None:
    data = gzip.compress(GOOD + b"extra")
    with pytest.raises(IDXFormatError, match="goes on after the 48 bytes"):
        read_idx(io.BytesIO(data))


def test_missing_file_is_not_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nothing-here")


def test_rejects_things_that_are_not_files() -> None:
    with pytest.raises(ValueError, match="path or a binary file object"):
        read_idx(42)  # type: ignore[arg-type]


# -- bounded reading: memory near the data, no waiting on pipes -------------------------------


def gzip_of_zeros(head: bytes, zeros: int) -> bytes:
    """A gzip stream of ``head`` and then ``zeros`` zero bytes, compressed a piece at a time."""
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    piece = bytes(1 << 20)
    parts = [z.compress(head)]
    for start in range(0, zeros, len(piece)):
        parts.append(z.compress(piece[: min(len(piece), zeros - start)]))
    return b"".join([*parts, z.flush()])


def test_a_gzip_bomb_is_refused_without_being_inflated() -> None:
    """A header that promises 16 bytes, then 256 MiB of zeros packed into about a megabyte:
    reading stops one byte after the promised data, so the zeros are never inflated."""
    bomb = gzip_of_zeros(header(0x08, (16,)) + bytes(16), 256 << 20)
    assert len(bomb) < 1_500_000
    with pytest.raises(IDXFormatError, match="goes on after the 16 bytes"):
        read_idx(io.BytesIO(bomb))
    assert peak_memory(lambda: read_idx(io.BytesIO(bomb))) < 1 << 20


def test_a_large_gzip_file_takes_the_memory_of_its_array_and_little_more() -> None:
    """Issue 14: a 1 MB gzip file of 1 GiB of data peaked at 2.1 GiB, the inflated bytes being
    joined and then copied. They now go straight into the array, which grows as they come."""
    n = 64 << 20
    packed = gzip_of_zeros(header(0x08, (n,)), n)
    assert len(packed) < 1_000_000
    arrays: list[np.ndarray] = []
    peak = peak_memory(lambda: arrays.append(read_idx(io.BytesIO(packed))))
    assert arrays[0].shape == (n,) and not arrays[0].any()
    assert peak < 1.05 * n + 2 * len(packed) + (13 << 20)  # the array, the file, 4 MiB chunks


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float64"])
def test_a_plain_file_takes_the_memory_of_its_array(tmp_path: Path, dtype: str) -> None:
    array = np.arange(4 << 20).astype(dtype)
    path = tmp_path / "data.idx"
    write_idx(path, array)
    arrays: list[np.ndarray] = []
    peak = peak_memory(lambda: arrays.append(read_idx(path)))
    np.testing.assert_array_equal(arrays[0], array)
    assert arrays[0].dtype.isnative and arrays[0].flags.writeable
    assert peak < 1.05 * array.nbytes + (1 << 20)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    exc = error_reading_a_fifo(read_idx, tmp_path / "train-images-idx3-ubyte")
    assert isinstance(exc, IDXFormatError)
    assert "it is a FIFO (named pipe), not a regular file" in str(exc)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused() -> None:
    with pytest.raises(IDXFormatError, match="it is a character device, not a regular file"):
        read_idx("/dev/zero")


def test_a_directory_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        read_idx(tmp_path)


# -- property test: any mutation of a valid file gives an array or an IDXFormatError ----------

_edit = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("word"), st.integers(0, 10_000), st.integers(0, (1 << 32) - 1)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.just(0)),
)


def mutate(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, where, value in edits:
        i = where % (len(buf) + 1)
        if kind == "flip" and i < len(buf):
            buf[i] ^= value
        elif kind == "word":  # e.g. a dimension size replaced by any 32-bit number
            buf[i : i + 4] = value.to_bytes(4, "big")
        elif kind == "cut":
            del buf[i:]
        elif kind == "insert":
            buf.insert(i, value)
        elif kind == "delete" and i < len(buf):
            del buf[i]
    return bytes(buf)


@settings(
    max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    dtype=st.sampled_from(DTYPES),
    shape=st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple),
    plain_edits=st.lists(_edit, max_size=3),
    compress=st.booleans(),
    gzip_edits=st.lists(_edit, max_size=2),
)
def test_mutated_files_give_an_array_or_idx_format_error(
    dtype: str,
    shape: tuple[int, ...],
    plain_edits: list[tuple[str, int, int]],
    compress: bool,
    gzip_edits: list[tuple[str, int, int]],
) -> None:
    """Damage a valid file (before and/or after compressing it): reading it either works or
    raises IDXFormatError, nothing else."""
    plain = mutate(idx_bytes(np.ones(shape, dtype=dtype)), plain_edits)
    damaged = mutate(gzip.compress(plain, mtime=0), gzip_edits) if compress else plain
    try:
        array = read_idx(io.BytesIO(damaged), max_bytes=1 << 20)
    except IDXFormatError:
        return
    assert isinstance(array, np.ndarray) and array.dtype.isnative
    # what was read is exactly what the (possibly changed) header describes, no more, no less
    content = gzip.decompress(damaged) if damaged[:2] == b"\x1f\x8b" else damaged
    assert content[:2] == b"\0\0" and array.ndim == content[3]
    assert 4 + 4 * array.ndim + array.nbytes == len(content)
