"""Saving and loading networks: one model file holding the weights, biases and configuration.

A glassnet model file is a safetensors file (https://github.com/huggingface/safetensors), written
and read here with NumPy, :mod:`json` and :mod:`struct` alone: any safetensors reader can open
it, and glassnet can open one written by any safetensors writer.

The layout
----------
::

    bytes 0 .. 7          N: the length of the header, an unsigned 64-bit little-endian integer
    bytes 8 .. 8+N−1      the header: UTF-8 JSON, padded at the end with spaces so that N % 8 == 0
    bytes 8+N .. end      the data section: every tensor's raw little-endian bytes, back to back

The header is one JSON object. ``"__metadata__"`` maps strings to strings; every other key names
a tensor::

    {"__metadata__": {"glassnet": "<the configuration, itself a JSON text>", <your str: str>, …},
     "W.1": {"dtype": "F32", "shape": [n_1, n_0], "data_offsets": [0, 4·n_1·n_0]},
     "b.1": {"dtype": "F32", "shape": [n_1], "data_offsets": [4·n_1·n_0, 4·n_1·n_0 + 4·n_1]},
     "W.2": …, "b.2": …, …, "W.L": …, "b.L": …}

- **Tensor names** use the tutorial's layer numbers: ``W.l`` is ``net.W[l]``, of shape
  (n_l, n_{l−1}) with row j holding the weights *to* neuron j, and ``b.l`` is ``net.b[l]``, of
  shape (n_l,), for l = 1..L. A model file has no other tensors; a checkpoint (format version
  2, see below) adds its training state as tensors named ``checkpoint.…``.
- **dtype** is ``"F32"`` (float32) or ``"F64"`` (float64), the same for every ``W.l`` and
  ``b.l`` and equal to the configuration's ``dtype`` (a ``checkpoint.…`` tensor may be either).
- **data_offsets** ``[begin, end]`` count bytes from the start of the data section. The
  tensors tile the data section exactly: no gaps, no overlaps, nothing after the last one.
  glassnet writes them in the order W.1, b.1, W.2, …, b.L; it reads them in any order.

The configuration, ``__metadata__["glassnet"]``, is a JSON object (safetensors metadata values
must be strings, so it is stored as JSON text)::

    {"format_version": 1,
     "glassnet_version": "0.1.0",
     "sizes": [2, 3, 1],
     "dtype": "float32",
     "cost": "quadratic",
     "layers": [{"n_in": 2, "n_out": 3, "activation": {"name": "leaky_relu", "slope": 0.2},
                 "init": "he"},
                {"n_in": 3, "n_out": 1, "activation": {"name": "sigmoid"}, "init": "xavier"}]}

``layers[l-1]`` is :meth:`Dense.config() <glassnet.Dense.config>` of layer l: the activation by
name plus its parameters (:meth:`Activation.config`), and the init scheme's name (``null`` for
a custom init function). ``glassnet_version`` is informative and optional; ``init`` may be
left out (meaning ``null``). Every other key is required and no other keys are allowed.

Every other ``__metadata__`` entry is yours: pass ``metadata={...}`` to :func:`save` and read it
back with :func:`read_metadata`. The key ``"glassnet"`` is reserved.

Format version 2 is version 1 plus tensors whose names start with ``"checkpoint."``: the
optimizer's buffers and other arrays of a :mod:`glassnet.checkpoint`, stored like the weights.
:func:`save` writes version 1 for a network alone, so a plain model file is byte for byte what
earlier glassnets wrote, and version 2 only when there are such tensors; :func:`load` reads
both, and skips the ``checkpoint.…`` tensors.

Loading is safe
---------------
A model file is data, never code. :func:`load` uses no pickle, no eval and no imports; the
names in a file are looked up only in glassnet's own registries,
:data:`glassnet.activations.ACTIVATIONS` and :data:`glassnet.costs.COSTS`. An activation of your
own is found only if this process registered it with :func:`glassnet.activations.register`
before loading. Every length, offset, dtype and shape is checked against the configuration
and the size of the file before any tensor is read, and the weights must be finite. Any problem
with the file's contents raises :class:`ModelFormatError` (a ``ValueError``) naming the file and
the problem; a file that cannot be opened raises the usual ``OSError`` (``FileNotFoundError``
when it does not exist, ``IsADirectoryError`` for a directory).

Reading is bounded, in time and in memory, whatever the file holds:

- Only a regular file is read. A FIFO, a device or a socket is refused before anything is read
  from it, since reading one can wait forever (:class:`ModelFormatError`).
- The header may be at most :data:`MAX_HEADER_BYTES` long; each JSON text in it (the header,
  the configuration, a checkpoint's entry) may hold at most :data:`MAX_JSON_VALUES` values,
  counted before it is parsed, and nest at most :data:`MAX_JSON_DEPTH` deep; ``__metadata__``
  may have at most :data:`MAX_METADATA_ENTRIES` entries, and the network at most
  :data:`MAX_LAYERS` layers. :func:`save` refuses to write what :func:`load` would refuse.
- The tensors are read straight into the network's arrays, a block of at most 1 MiB at a time,
  so loading needs the network's own memory and little more (not a copy of the file), and
  the time it takes grows in proportion to the file.

Saving is atomic
----------------
:func:`save` writes to a temporary file next to the target, named ``<target>.<pid>.<random>``
and ending in ``.gntmp``, flushes it to disk, and only then renames it over the target with
:func:`os.replace`. A save that fails, or is interrupted, leaves the previous file untouched.
A process killed mid-save cannot delete its temporary file; the next save to the same target
does: it removes every ``<target>.<pid>.<random>.gntmp`` whose process ``pid`` is no longer
running (and, where the system has file locks, that no running save holds locked). Other
files, temporary files of other targets included, are left alone.
"""

from __future__ import annotations

import io
import json
import math
import operator
import os
import struct
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeGuard

import numpy as np
from numpy.typing import NDArray

from . import _jsonparse
from . import activations as activation_registry
from . import costs as cost_registry
from . import init as initializers
from ._files import NotRegularFileError, open_regular, write_atomically
from ._inputs import as_rng
from .activations import Activation
from .layers import Dense
from .network import Network

Array = NDArray[np.floating[Any]]

__all__ = [
    "CONFIG_KEY",
    "EXTRA_TENSOR_PREFIX",
    "FORMAT_VERSION",
    "MAX_HEADER_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_VALUES",
    "MAX_LAYERS",
    "MAX_METADATA_ENTRIES",
    "TEMP_SUFFIX",
    "ModelFormatError",
    "load",
    "load_with_metadata",
    "read_config",
    "read_metadata",
    "save",
]

#: The newest model format version; :func:`load` reads versions 1 up to it. :func:`save` writes
#: version 1 for a network alone and version 2 when the file also holds ``checkpoint.…`` tensors.
FORMAT_VERSION = 2
#: The largest header :func:`load` accepts, in bytes (the limit the safetensors library uses).
MAX_HEADER_BYTES = 100_000_000
#: The most values (numbers, strings, arrays, objects) one JSON text of a header may hold. It
#: bounds the memory a header takes once parsed (some 60 bytes a value, so about 250 MB), and a
#: checkpoint of a network of :data:`MAX_LAYERS` layers trained with Adam stays well below it.
MAX_JSON_VALUES = 4_000_000
#: How deeply arrays and objects may nest in one JSON text of a header (glassnet writes 5 deep).
MAX_JSON_DEPTH = 64
#: The most layers a model file may describe: ten times the deepest networks people train, and
#: few enough that a file at the limit loads in about half a second (loading is linear in L).
MAX_LAYERS = 10_000
#: The most entries ``__metadata__`` may have (yours, plus glassnet's own).
MAX_METADATA_ENTRIES = 10_000
#: The ``__metadata__`` key that holds the network's configuration.
CONFIG_KEY = "glassnet"
#: How the names of the tensors that are not the network's begin (format version 2).
EXTRA_TENSOR_PREFIX = "checkpoint."
#: How the name of a save's temporary file ends.
TEMP_SUFFIX = ".gntmp"

_PLAIN_VERSION = 1  # the version of a file that holds the network's tensors only
# network dtype -> (safetensors dtype, little-endian NumPy dtype)
_DTYPES: dict[str, tuple[str, np.dtype[Any]]] = {
    "float32": ("F32", np.dtype("<f4")),
    "float64": ("F64", np.dtype("<f8")),
}
_TENSOR_DTYPES = {code: le for code, le in _DTYPES.values()}
_CONFIG_KEYS = {
    "format_version",
    "glassnet_version",
    "sizes",
    "dtype",
    "cost",
    "layers",
    "l2",
    "l1",
}
_CONFIG_OPTIONAL = {"glassnet_version", "l2", "l1"}
_LAYER_KEYS = {"n_in", "n_out", "activation", "init", "dropout"}
_LAYER_OPTIONAL = {"init", "dropout"}
_TENSOR_KEYS = {"dtype", "shape", "data_offsets"}
_MAX_NDIM = 8  # the most dimensions a tensor may have (NumPy's own limit is 32)
# Tensors are read and written a block of at most this many bytes at a time, through one buffer.
_BLOCK_BYTES = 1 << 20


class ModelFormatError(ValueError):
    """A file that is not a valid glassnet model file; the message names the file and the problem.

    Attributes:
        path: the file, as given to :func:`load`.
        problem: what is wrong with it, and where it helps, what to do.

    Example:
        >>> err = ModelFormatError("net.safetensors", "the header is not valid JSON")
        >>> isinstance(err, ValueError)
        True
        >>> print(err)
        'net.safetensors' is not a valid glassnet model file: the header is not valid JSON
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path!r} is not a valid glassnet model file: {problem}")

    def __reduce__(self) -> tuple[type[ModelFormatError], tuple[str, str]]:
        return type(self), (self.path, self.problem)


class _BadFileError(Exception):
    """A problem found in a file's contents; the public functions add the file's name."""


class _Tensor(NamedTuple):
    name: str
    dtype: str  # "F32" or "F64"
    shape: tuple[int, ...]
    begin: int  # byte offsets in the data section
    end: int
    symbol: str  # "W" or "b" for the network's tensors, "" for a checkpoint.… tensor
    layer: int  # l of W.l and b.l; 0 for a checkpoint.… tensor


@dataclass(frozen=True)
class _Header:
    config: dict[str, Any]  # checked for structure; names not yet looked up
    metadata: dict[str, str]  # the user's entries of __metadata__
    tensors: list[_Tensor]  # in file order: sorted by offset, tiling the data section
    data_start: int  # file offset of the data section
    data_len: int


# -- saving ---------------------------------------------------------------------------------------


def save(
    net: Network, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None
) -> None:
    """Write ``net`` to ``path`` as a glassnet model file (see :mod:`glassnet.io` for the layout).

    The file is a safetensors file: the tensors ``W.1``, ``b.1``, …, ``W.L``, ``b.L`` and the
    network's configuration (sizes, activations, cost, dtype, init schemes). The random
    generator's state is not saved. The write is atomic: a temporary file in the same directory
    is written, flushed to disk and renamed over ``path``, so a failed save leaves any previous
    file as it was.

    Args:
        net: the network to save.
        path: where to write it; ``.safetensors`` is a good extension. An existing file is
            replaced.
        metadata: your own ``str -> str`` entries for the file's ``__metadata__`` (read them
            back with :func:`read_metadata`); the key ``"glassnet"`` is reserved.

    Raises:
        ValueError: the network cannot be stored: a weight is NaN or infinite, an activation is
            not the one registered under its name, or the cost is not a built-in one; or
            ``metadata`` is not a mapping of strings to strings. Nothing is written.
        OSError: the file system refused the write.

    Example:
        >>> import os, tempfile, glassnet as gn
        >>> from glassnet.io import load, read_metadata, save
        >>> net = gn.Network.from_sizes([2, 3, 1], activation="tanh", seed=0)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "xor.safetensors")
        ...     save(net, path, metadata={"task": "xor"})
        ...     again = load(path)
        ...     read_metadata(path)
        {'task': 'xor'}
        >>> again
        Network([2, 3, 1], activations=[tanh, tanh], cost=quadratic, dtype=float32)
        >>> bool((again.W[1] == net.W[1]).all())
        True
    """
    _save_file(net, path, metadata, extras={})


def _save_file(
    net: Network,
    path: str | os.PathLike[str],
    metadata: Mapping[str, str] | None,
    extras: Mapping[str, Array],
) -> None:
    """:func:`save`, plus ``extras``: ``checkpoint.…`` tensors for a checkpoint (version 2)."""
    header, tensors = _encode(net, metadata, extras)
    _write_atomically(Path(path), header, tensors)


def _encode(
    net: Network, metadata: Mapping[str, str] | None, extras: Mapping[str, Array]
) -> tuple[bytes, list[Array]]:
    """The padded header and the tensors in file order (not yet copied); checks everything."""
    if not isinstance(net, Network):
        raise ValueError(f"save() takes a glassnet Network, got {type(net).__name__}")
    if net.L > MAX_LAYERS:
        raise ValueError(
            f"cannot save a network of {net.L:,} layers: a model file may describe at most "
            f"{MAX_LAYERS:,} (glassnet.io.MAX_LAYERS), so it could not be loaded back"
        )
    user = _check_user_metadata(metadata)
    config = _config_of(net, FORMAT_VERSION if extras else _PLAIN_VERSION)
    code, _ = _DTYPES[net.dtype.name]

    tensors: list[Array] = []
    entries: dict[str, Any] = {}
    offset = 0

    def add(name: str, arr: Array, code: str) -> None:
        nonlocal offset
        nbytes = arr.size * arr.itemsize
        entries[name] = {
            "dtype": code,
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
        tensors.append(arr)

    for l, layer in enumerate(net.layers, start=1):
        for symbol, arr, shape in (
            ("W", layer.W, (layer.n_out, layer.n_in)),
            ("b", layer.b, (layer.n_out,)),
        ):
            if arr.dtype != net.dtype or arr.shape != shape:
                raise ValueError(
                    f"cannot save: net.{symbol}[{l}] is {arr.dtype} of shape {arr.shape}, but the "
                    f"network's dtype is {net.dtype} and layer {l} needs shape {shape}; assign "
                    f"through net.{symbol}[{l}] = ... so that the array keeps its dtype and shape"
                )
            if not _all_finite(arr):
                raise ValueError(
                    f"cannot save: net.{symbol}[{l}] holds NaN or infinite values (did training "
                    "diverge? try a smaller learning rate); a model file stores finite numbers "
                    "only, so nothing was written"
                )
            add(f"{symbol}.{l}", arr, code)
    for name, arr in extras.items():
        if not (isinstance(name, str) and name.startswith(EXTRA_TENSOR_PREFIX)):
            raise ValueError(f"an extra tensor's name must start with {EXTRA_TENSOR_PREFIX!r}")
        dtype = arr.dtype.newbyteorder("<") if isinstance(arr, np.ndarray) else None
        extra_code = next((c for c, le in _TENSOR_DTYPES.items() if le == dtype), None)
        if extra_code is None:
            raise ValueError(
                f"cannot save the tensor {name!r}: a model file holds float32 and float64 "
                f"arrays only, got {type(arr).__name__} {getattr(arr, 'dtype', '')}"
            )
        if not _all_finite(arr):
            raise ValueError(
                f"cannot save: the tensor {name!r} holds NaN or infinite values; a model file "
                "stores finite numbers only, so nothing was written"
            )
        add(name, arr, extra_code)

    header_obj = {"__metadata__": {CONFIG_KEY: json.dumps(config), **user}, **entries}
    text = json.dumps(header_obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    header = text.encode("utf-8")
    header += b" " * (-len(header) % 8)  # pad with spaces, as safetensors does, to align the data
    if len(header) > MAX_HEADER_BYTES:
        raise ValueError(
            f"cannot save: the header would be {len(header):,} bytes, more than the "
            f"{MAX_HEADER_BYTES:,} a model file may have; store less metadata"
        )
    if not _jsonparse.values_at_most(text, MAX_JSON_VALUES):
        raise ValueError(
            f"cannot save: the header would hold more than {MAX_JSON_VALUES:,} JSON values "
            "(glassnet.io.MAX_JSON_VALUES), so it could not be loaded back; store fewer "
            "metadata entries or tensors"
        )
    return header, tensors


def _all_finite(arr: Array) -> bool:
    """Whether every value is finite, checked a block at a time (no array of arr's size)."""
    flat = arr.ravel(order="K")  # a view of any contiguous array, in memory order
    step = max(1, _BLOCK_BYTES // max(arr.itemsize, 1))
    return all(np.isfinite(flat[i : i + step]).all() for i in range(0, flat.size, step))


def _check_user_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise ValueError(
            f"metadata must be a dict of str -> str, got {type(metadata).__name__}; "
            "for example metadata={'trained_on': 'digits'}"
        )
    if len(metadata) >= MAX_METADATA_ENTRIES:
        raise ValueError(
            f"metadata has {len(metadata):,} entries, but a model file may have at most "
            f"{MAX_METADATA_ENTRIES - 1:,} of yours (glassnet.io.MAX_METADATA_ENTRIES, less "
            "the configuration's); put related values together, e.g. as one json.dumps(...)"
        )
    user: dict[str, str] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(
                f"metadata must map strings to strings (a model file stores text only), but "
                f"{key!r}: {value!r} maps {type(key).__name__} to {type(value).__name__}; "
                "convert the value with str() or json.dumps()"
            )
        if key == CONFIG_KEY:
            raise ValueError(
                f"the metadata key {CONFIG_KEY!r} is reserved for the network's configuration; "
                "choose another key"
            )
        try:
            key.encode("utf-8")
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"metadata {key!r} cannot be written as UTF-8 (it holds a lone surrogate); "
                "pass ordinary text"
            ) from None
        user[key] = value
    return user


def _config_of(net: Network, version: int) -> dict[str, Any]:
    """The configuration stored in ``__metadata__["glassnet"]``, checked to load back the same."""
    from . import __version__  # at call time: glassnet/__init__.py may import this module

    cost = net.cost_function
    if cost_registry.COSTS.get(cost.name) is not type(cost):
        raise ValueError(
            f"cannot save: the cost {cost!r} is not one of glassnet's built-in costs, and a model "
            f"file stores the cost by name; use one of: {', '.join(sorted(cost_registry.COSTS))}"
        )
    layers = []
    for l, layer in enumerate(net.layers, start=1):
        spec = layer.config()
        act = layer.activation
        try:
            text = json.dumps(spec, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"cannot save layer {l}: its configuration {spec!r} cannot be stored as JSON "
                f"({exc}); an activation's config() must hold plain numbers and strings"
            ) from None
        spec = json.loads(text)
        # The file keeps only the activation's name and parameters, so they must lead back to
        # this very activation when the file is loaded.
        try:
            again: Activation | None = _resolve_activation(spec["activation"], l)
        except _BadFileError:
            again = None
        if again != act:
            raise ValueError(
                f"cannot save layer {l}: its activation {act!r} is not the one glassnet finds "
                f"under the name {act.name!r}, and a model file stores activations by name. "
                "Register it first with glassnet.activations.register(activation) (giving it "
                "a name of its own if that one is taken), and register it again before loading"
            )
        layers.append(spec)
    config: dict[str, Any] = {
        "format_version": version,
        "glassnet_version": __version__,
        "sizes": net.sizes,
        "dtype": net.dtype.name,
        "cost": cost.name,
        "layers": layers,
    }
    for name in ("l2", "l1"):  # only when set, so that older readers still load the file
        if getattr(net, name):
            config[name] = getattr(net, name)
    return config


def _write_atomically(path: Path, header: bytes, tensors: list[Array]) -> None:
    """Write the file through a temporary one beside ``path`` (see :mod:`glassnet._files`)."""
    write_atomically(path, lambda f: _write_contents(f, header, tensors), TEMP_SUFFIX)


def _write_contents(f: IO[bytes], header: bytes, tensors: list[Array]) -> None:
    f.write(struct.pack("<Q", len(header)))
    f.write(header)
    buffer = np.empty(0, dtype=np.uint8)
    for arr in tensors:
        little_endian = arr.dtype.newbyteorder("<")
        if arr.flags.c_contiguous and arr.dtype == little_endian:
            f.write(arr.reshape(-1).view(np.uint8).data)  # already the bytes in file order
            continue
        # W is kept column by column (see glassnet.layers); the file holds it row by row
        grid = _grid(arr)
        if len(buffer) < min(arr.nbytes, _BLOCK_BYTES):
            buffer = np.empty(min(arr.nbytes, _BLOCK_BYTES), dtype=np.uint8)
        for rows, cols in _blocks(grid.shape, _BLOCK_BYTES // arr.itemsize):
            part = grid[rows, cols]
            block = buffer[: part.size * arr.itemsize].view(little_endian).reshape(part.shape)
            block[...] = part
            f.write(block.reshape(-1).view(np.uint8).data)


def _grid(arr: NDArray[Any]) -> NDArray[Any]:
    """``arr`` seen as a matrix (rows, last axis): a view, for a 2-D or C-contiguous array."""
    cols = arr.shape[-1] if arr.ndim else 1
    return arr.reshape(math.prod(arr.shape[:-1]) if arr.ndim else 1, cols)


def _blocks(shape: tuple[int, ...], most: int) -> Iterator[tuple[slice, slice]]:
    """Blocks of a (rows, cols) matrix of at most ``most`` values each, in row-major order: whole
    rows while a row fits, else pieces of one row. Their values, one after the other, are the
    matrix's values in row-major order, which is the order of a tensor in the file."""
    rows, cols = shape
    if rows == 0 or cols == 0:
        return
    if cols <= most:
        step = most // cols
        for r in range(0, rows, step):
            yield slice(r, min(r + step, rows)), slice(0, cols)
    else:
        for r in range(rows):
            for c in range(0, cols, most):
                yield slice(r, r + 1), slice(c, min(c + most, cols))


# -- loading --------------------------------------------------------------------------------------


def load(path: str | os.PathLike[str], *, seed: int | np.random.Generator | None = None) -> Network:
    """Read a network saved with :func:`save` (or any safetensors file in the same layout).

    The loaded network computes exactly what the saved one did: its weights and biases are
    bit-for-bit the saved ones, in the saved dtype. An activation of your own (saved after
    :func:`glassnet.activations.register`) must be registered in this process before loading.

    Args:
        path: the model file.
        seed: seeds the loaded network's random generator (used by ``fit`` for shuffling when
            it gets no seed of its own); the saved network's random state is not in the file.

    Raises:
        ModelFormatError: the file is not a valid glassnet model file; the message says why.
        OSError: the file cannot be read (``FileNotFoundError`` if it does not exist).

    Example:
        >>> import os, tempfile, numpy as np, glassnet as gn
        >>> from glassnet.io import load, save
        >>> net = gn.Network.from_sizes([3, 4, 2], activation="relu", output_activation="softmax",
        ...                             cost="cross_entropy", seed=1, dtype="float64")
        >>> X = np.arange(6.0).reshape(2, 3)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     save(net, os.path.join(folder, "net.safetensors"))
        ...     again = load(os.path.join(folder, "net.safetensors"))
        >>> np.array_equal(again.forward(X), net.forward(X)), again.dtype
        (True, dtype('float64'))
    """
    rng = as_rng(seed)  # a bad seed is the caller's error, not the file's
    net, _, _ = _load_file(path, rng, extras=False)
    return net


def load_with_metadata(
    path: str | os.PathLike[str], *, seed: int | np.random.Generator | None = None
) -> tuple[Network, dict[str, str]]:
    """:func:`load` and :func:`read_metadata` from one reading of the file.

    Example:
        >>> import os, tempfile, glassnet as gn
        >>> from glassnet.io import load_with_metadata, save
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "net.safetensors")
        ...     save(gn.Network.from_sizes([2, 1], seed=0), path, {"epochs": "30"})
        ...     net, metadata = load_with_metadata(path)
        >>> net.sizes, metadata
        ([2, 1], {'epochs': '30'})
    """
    rng = as_rng(seed)
    net, metadata, _ = _load_file(path, rng, extras=False)
    return net, dict(metadata)


def read_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``metadata`` given to :func:`save`: the file's ``__metadata__`` less ``"glassnet"``.

    Only the header is read; it is checked as :func:`load` checks it (the tensors' values are
    not read, and activation and cost names are not looked up).

    Raises:
        ModelFormatError: the file is not a valid glassnet model file.
        OSError: the file cannot be read.

    Example:
        >>> import os, tempfile, glassnet as gn
        >>> from glassnet.io import read_metadata, save
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "net.safetensors")
        ...     save(gn.Network.from_sizes([2, 1], seed=0), path, {"epochs": "30"})
        ...     read_metadata(path)
        {'epochs': '30'}
    """
    return dict(_read_file(path).metadata)


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The network's configuration stored in the file (sizes, layers, cost, dtype, …).

    The structure is checked as :func:`load` checks it, but names are not looked up, so this
    also works for a file whose activation is not registered in this process: it shows which
    one to register.

    Example:
        >>> import os, tempfile, glassnet as gn
        >>> from glassnet.io import read_config, save
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "net.safetensors")
        ...     save(gn.Network.from_sizes([2, 3, 1], activation="elu", seed=0), path)
        ...     config = read_config(path)
        >>> config["sizes"], config["layers"][0]["activation"], config["cost"]
        ([2, 3, 1], {'name': 'elu', 'alpha': 1.0}, 'quadratic')
    """
    return _read_file(path).config  # parsed afresh for each call: the caller's to change


def _load_file(
    path: str | os.PathLike[str], rng: np.random.Generator, extras: bool
) -> tuple[Network, dict[str, str], dict[str, Array]]:
    """The network, the user's metadata and (if ``extras``) the ``checkpoint.…`` tensors, from
    one opening of the file."""
    with _open(path) as f:
        try:
            header = _read_header(f)
            net = _build(header.config, rng)
            arrays = _read_tensors(f, header, net, extras)
        except _BadFileError as exc:
            raise ModelFormatError(path, str(exc)) from None
    return net, header.metadata, arrays


def _read_file(path: str | os.PathLike[str]) -> _Header:
    """The checked header alone (no tensor is read, no name looked up)."""
    with _open(path) as f:
        try:
            return _read_header(f)
        except _BadFileError as exc:
            raise ModelFormatError(path, str(exc)) from None


def _open(path: str | os.PathLike[str]) -> IO[bytes]:
    try:
        return open_regular(path, buffering=1 << 16)
    except NotRegularFileError as exc:
        raise ModelFormatError(
            path,
            f"it is {exc.kind}, not a regular file; glassnet reads model files only from "
            "regular files (reading a pipe or a device may wait, or go on, forever)",
        ) from None


def _read_header(f: IO[bytes]) -> _Header:
    """Read and check the length field and the header; every offset is checked, no data read."""
    size = os.fstat(f.fileno()).st_size  # a regular file (see _open): its size is its length
    head = f.read(8)
    if len(head) < 8:
        raise _BadFileError(
            f"it is {len(head)} bytes long, too short even for the 8-byte header length that "
            "starts every model file"
        )
    (n,) = struct.unpack("<Q", head)
    if n > MAX_HEADER_BYTES:
        raise _BadFileError(
            f"its first 8 bytes give a header length of {n:,} bytes, more than the "
            f"{MAX_HEADER_BYTES:,} allowed; it is not a safetensors file, or its start is damaged"
        )
    if 8 + n > size:
        raise _BadFileError(
            f"its header should be {n:,} bytes long, but only {size - 8:,} bytes follow the "
            "length field; the file is truncated, or it is not a model file"
        )
    raw = f.read(n)
    if len(raw) != n:
        raise _BadFileError(f"the file ended while reading its {n:,}-byte header (truncated?)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadFileError(
            f"its header is not UTF-8 text (bad byte at header position {exc.start})"
        ) from None
    if not text.startswith("{"):
        raise _BadFileError(
            "its header does not start with '{': a safetensors header is one JSON object"
        )
    obj = _parse_json_object(text, "its header")

    if "__metadata__" not in obj:
        raise _BadFileError(
            "its header has no '__metadata__', so it holds no glassnet configuration; glassnet "
            "reads files written by glassnet.io.save, or safetensors files whose "
            "__metadata__['glassnet'] describes the network (see glassnet.io)"
        )
    metadata = obj.pop("__metadata__")
    if not isinstance(metadata, dict):
        raise _BadFileError(
            f"'__metadata__' must be a JSON object of strings, got a JSON {_kind(metadata)}"
        )
    if len(metadata) > MAX_METADATA_ENTRIES:
        raise _BadFileError(
            f"its __metadata__ has {len(metadata):,} entries, more than the "
            f"{MAX_METADATA_ENTRIES:,} a model file may have (glassnet.io.MAX_METADATA_ENTRIES)"
        )
    for key, value in metadata.items():
        if not isinstance(value, str):
            raise _BadFileError(
                f"__metadata__[{key!r}] is a JSON {_kind(value)}, but safetensors metadata "
                "values must be strings"
            )
    if CONFIG_KEY not in metadata:
        raise _BadFileError(
            f"its __metadata__ has no {CONFIG_KEY!r} entry, so the network's configuration is "
            "missing; was it written by glassnet.io.save? (see glassnet.io for the layout)"
        )
    config = _check_config(
        _parse_json_object(metadata.pop(CONFIG_KEY), f"__metadata__[{CONFIG_KEY!r}]")
    )
    tensors = _check_tensors(obj, config, data_len=size - 8 - n)
    return _Header(config, metadata, tensors, data_start=8 + n, data_len=size - 8 - n)


def _parse_json_object(text: str, what: str) -> dict[str, Any]:
    """:func:`_parse_json` of a text that must hold one JSON object."""
    value = _parse_json(text, what)
    if not isinstance(value, dict):
        raise _BadFileError(
            f"{what} must be a JSON object {{...}}, but it is a JSON {_kind(value)}"
        )
    return value


def _parse_json(text: str, what: str, *, constants: bool = False) -> Any:
    """``json.loads``, bounded (see :mod:`glassnet._jsonparse`): at most :data:`MAX_JSON_VALUES`
    values, counted before parsing, and :data:`MAX_JSON_DEPTH` levels of nesting; refuses
    repeated keys, and NaN and Infinity unless ``constants``. Any problem raises
    ``_BadFileError`` naming ``what``."""
    try:
        return _jsonparse.loads(
            text, max_values=MAX_JSON_VALUES, max_depth=MAX_JSON_DEPTH, constants=constants
        )
    except _jsonparse.LimitError as exc:
        raise _BadFileError(
            f"{what} {exc} (glassnet.io.MAX_JSON_VALUES and MAX_JSON_DEPTH); it is damaged, or "
            "not a glassnet file"
        ) from None
    except ValueError as exc:  # JSONDecodeError, a repeated key, NaN
        raise _BadFileError(f"{what} is not valid JSON: {exc}") from None


def _kind(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    kinds = {dict: "object", list: "array", str: "string", int: "number", float: "number"}
    return kinds.get(type(value), type(value).__name__)


def _is_int(value: object) -> TypeGuard[int]:
    return type(value) is int  # JSON true/false arrive as bool, which is not an int here


def _check_keys(obj: dict[str, Any], allowed: set[str], optional: set[str], what: str) -> None:
    missing = sorted(allowed - optional - obj.keys())
    if missing:
        raise _BadFileError(f"{what} lacks {', '.join(map(repr, missing))}")
    unknown = sorted(obj.keys() - allowed)
    if unknown:
        raise _BadFileError(
            f"{what} has unknown {', '.join(map(repr, unknown))}; "
            f"the keys allowed are {', '.join(sorted(allowed))}"
        )


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Check the configuration's structure (types, sizes, layer chain); no names looked up."""
    where = f"the configuration (__metadata__[{CONFIG_KEY!r}])"
    version = config.get("format_version")
    if not _is_int(version) or version < 1:
        raise _BadFileError(f"{where} needs 'format_version', a positive integer; got {version!r}")
    if version > FORMAT_VERSION:
        raise _BadFileError(
            f"it uses model format version {version}, but this glassnet reads versions up to "
            f"{FORMAT_VERSION}; upgrade glassnet to load it"
        )
    _check_keys(config, _CONFIG_KEYS, _CONFIG_OPTIONAL, where)
    if "glassnet_version" in config and not isinstance(config["glassnet_version"], str):
        raise _BadFileError(f"{where}: 'glassnet_version' must be a string")

    sizes = config["sizes"]
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(_is_int(n) and n >= 1 for n in sizes)
    ):
        raise _BadFileError(
            f"{where}: 'sizes' must list at least two positive integers [n_0, …, n_L]; "
            f"got {_short(sizes)}"
        )
    if len(sizes) - 1 > MAX_LAYERS:
        raise _BadFileError(
            f"{where}: 'sizes' describes a network of {len(sizes) - 1:,} layers, more than the "
            f"{MAX_LAYERS:,} a model file may have (glassnet.io.MAX_LAYERS)"
        )
    dtype = config["dtype"]
    if not isinstance(dtype, str) or dtype not in _DTYPES:
        raise _BadFileError(f"{where}: 'dtype' must be 'float32' or 'float64', got {_short(dtype)}")
    if not isinstance(config["cost"], str):
        raise _BadFileError(f"{where}: 'cost' must be a cost's name, got {_short(config['cost'])}")

    layers = config["layers"]
    if not isinstance(layers, list) or len(layers) != len(sizes) - 1:
        raise _BadFileError(
            f"{where}: 'layers' must be a list of {len(sizes) - 1} layers, one for each of "
            f"layers 1..L of sizes {sizes}; got {_short(layers)}"
        )
    for l, layer in enumerate(layers, start=1):
        what = f"layer {l} of {where}"
        if not isinstance(layer, dict):
            raise _BadFileError(f"{what} must be a JSON object, got a JSON {_kind(layer)}")
        _check_keys(layer, _LAYER_KEYS, _LAYER_OPTIONAL, what)
        if (
            layer["n_in"] != sizes[l - 1]
            or layer["n_out"] != sizes[l]
            or not (_is_int(layer["n_in"]) and _is_int(layer["n_out"]))
        ):
            raise _BadFileError(
                f"{what} has n_in = {_short(layer['n_in'])}, n_out = {_short(layer['n_out'])}, "
                f"but sizes {sizes} need n_in = {sizes[l - 1]}, n_out = {sizes[l]}"
            )
        act = layer["activation"]
        if not isinstance(act, dict) or not isinstance(act.get("name"), str):
            raise _BadFileError(
                f"{what}: 'activation' must be an object with a 'name' string and the "
                f'activation\'s parameters, e.g. {{"name": "leaky_relu", "slope": 0.01}}; '
                f"got {_short(act)}"
            )
        init = layer.get("init")
        if init is not None and not isinstance(init, str):
            raise _BadFileError(
                f"{what}: 'init' must be a scheme's name or null, got {_short(init)}"
            )
    return config


def _short(value: object, limit: int = 80) -> str:
    """``repr`` cut to ``limit`` characters, for messages about values read from a file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expected_shapes(sizes: list[int]) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for l in range(1, len(sizes)):
        shapes[f"W.{l}"] = (sizes[l], sizes[l - 1])
        shapes[f"b.{l}"] = (sizes[l],)
    return shapes


def _tensor_label(name: str) -> str:
    """``'W.2' (net.W[2])``: the file's name and the network's."""
    if name.startswith(EXTRA_TENSOR_PREFIX):
        return repr(name)
    symbol, l = name.split(".")
    return f"{name!r} (net.{symbol}[{l}])"


def _sizes(values: list[Any]) -> bool:
    """Whether every value is an integer ≥ 0 (not a bool, not a float)."""
    return not values or (set(map(type, values)) == {int} and min(values) >= 0)


def _label(name: str) -> str:
    return f"tensor {_tensor_label(name)}"


def _names(names: list[str], most: int = 8) -> str:
    """``'W.1', 'b.1', …`` — the first few names of a list that may be very long."""
    shown = ", ".join(map(repr, names[:most]))
    return shown if len(names) <= most else f"{shown}, … ({len(names):,} in all)"


def _check_tensors(obj: dict[str, Any], config: dict[str, Any], data_len: int) -> list[_Tensor]:
    """Check each tensor entry against the configuration and the data section's length; the
    tensors in file order."""
    sizes = config["sizes"]
    expected = _expected_shapes(sizes)
    missing = [name for name in expected if name not in obj]
    if missing:
        raise _BadFileError(
            f"it has no tensor {_names(missing)}; sizes {_short(sizes)} need the tensors "
            f"{_names(list(expected))}"
        )
    others = [name for name in obj if name not in expected]
    unknown = sorted(
        name
        for name in others
        if not (name.startswith(EXTRA_TENSOR_PREFIX) and config["format_version"] >= 2)
    )
    if unknown:
        extra = (
            f" (a version-2 file may also hold tensors named {EXTRA_TENSOR_PREFIX!r}…)"
            if config["format_version"] >= 2
            else ""
        )
        raise _BadFileError(
            f"its header has entries {_short(unknown)} that are not among the tensors "
            f"{_names(list(expected))} that sizes {_short(sizes)} need{extra}"
        )

    code = _DTYPES[config["dtype"]][0]
    tensors: list[_Tensor] = []
    for name in [*expected, *others]:
        shape = expected.get(name)
        entry = obj[name]
        if not isinstance(entry, dict):
            raise _BadFileError(
                f"the header entry of {_label(name)} must be an object, got a JSON {_kind(entry)}"
            )
        if entry.keys() != _TENSOR_KEYS:
            _check_keys(entry, _TENSOR_KEYS, set(), f"the header entry of {_label(name)}")
        dtype = entry["dtype"]
        if not isinstance(dtype, str) or dtype not in _TENSOR_DTYPES:
            raise _BadFileError(
                f"{_label(name)} has dtype {_short(dtype)}; glassnet model files hold 'F32' "
                "(float32) or 'F64' (float64) tensors only"
            )
        if shape is not None and dtype != code:
            raise _BadFileError(
                f"{_label(name)} has dtype {dtype}, but the configuration says the network is "
                f"{config['dtype']}, whose tensors are {code}"
            )
        got = entry["shape"]
        if not (isinstance(got, list) and len(got) <= _MAX_NDIM and _sizes(got)):
            raise _BadFileError(
                f"{_label(name)} has shape {_short(got)}, which is not a list of sizes "
                f"(at most {_MAX_NDIM} of them)"
            )
        if shape is not None and tuple(got) != shape:
            raise _BadFileError(
                f"{_label(name)} has shape {got}, but sizes {_short(sizes)} need {list(shape)} "
                "(W.l is (n_l, n_{l−1}) and b.l is (n_l,))"
            )
        offsets = entry["data_offsets"]
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and _is_int(offsets[0])
            and _is_int(offsets[1])
            and 0 <= offsets[0] <= offsets[1]
        ):
            raise _BadFileError(
                f"{_label(name)} has data_offsets {_short(offsets)}; they must be [begin, end], "
                "two integers with 0 ≤ begin ≤ end"
            )
        begin, end = offsets
        nbytes = math.prod(got) * _TENSOR_DTYPES[dtype].itemsize
        if end - begin != nbytes:
            raise _BadFileError(
                f"{_label(name)} has data_offsets [{begin}, {end}], {end - begin:,} bytes, but a "
                f"{dtype} tensor of shape {_short(got)} takes {nbytes:,} bytes"
            )
        if end > data_len:
            raise _BadFileError(
                f"{_label(name)} needs bytes {begin:,}..{end:,} of the data section, but the "
                f"file has only {data_len:,} bytes of data; the file is truncated"
            )
        symbol, _, l = name.partition(".") if shape is not None else ("", "", "0")
        tensors.append(_Tensor(name, dtype, tuple(got), begin, end, symbol, int(l)))

    # The tensors must tile the data section: each begins where the one before it ends.
    tensors.sort(key=operator.itemgetter(3, 4))  # (begin, end): an empty tensor first
    position = 0
    for t in tensors:
        if t.begin > position:
            raise _BadFileError(
                f"bytes {position:,}..{t.begin:,} of the data section, before tensor "
                f"{_tensor_label(t.name)}, belong to no tensor; tensors must be packed back to back"
            )
        if t.begin < position:
            raise _BadFileError(
                f"tensor {_tensor_label(t.name)} (bytes {t.begin:,}..{t.end:,}) overlaps the "
                f"tensor before it, which ends at byte {position:,}"
            )
        position = t.end
    if position != data_len:
        raise _BadFileError(
            f"its tensors fill {position:,} bytes, but the data section holds {data_len:,}: "
            f"{data_len - position:,} bytes after the last tensor belong to no tensor"
        )
    return tensors


def _read_tensors(f: IO[bytes], header: _Header, net: Network, extras: bool) -> dict[str, Array]:
    """Read every tensor into ``net``'s arrays, checking that the values are finite; returns the
    ``checkpoint.…`` tensors as new arrays if ``extras``, else skips their bytes."""
    data = _DataReader(f, header.data_start, header.data_len)
    found: dict[str, Array] = {}
    for t in header.tensors:  # in file order, so the reads go straight through the file
        if t.symbol:
            layer = net.layers[t.layer - 1]
            dest = layer.W if t.symbol == "W" else layer.b
        elif extras:
            dest = np.empty(t.shape, dtype=_TENSOR_DTYPES[t.dtype].newbyteorder("="))
            found[t.name] = dest
        else:
            data.skip(t.end - t.begin)
            continue
        _fill(data, t, dest)
    return found


class _DataReader:
    """The data section, read in file order through one buffer of ``_BLOCK_BYTES``: many small
    tensors come from one read, and a large one passes a block at a time."""

    def __init__(self, f: IO[bytes], start: int, length: int) -> None:
        f.seek(start)
        self.f = f
        self.buffer = np.empty(min(length, _BLOCK_BYTES), dtype=np.uint8)
        self.begin = self.end = 0  # buffer[begin:end] holds the file's next bytes

    def take(self, n: int) -> NDArray[np.uint8]:
        """The next ``n`` (≤ ``_BLOCK_BYTES``) bytes: a view of the buffer, valid until the next
        call."""
        if self.end - self.begin < n:
            rest = self.end - self.begin
            self.buffer[:rest] = self.buffer[self.begin : self.end]
            self.begin, self.end = 0, rest
            while self.end < n:
                got = self.f.readinto(self.buffer[self.end :].data)  # type: ignore[attr-defined]
                if not got:
                    raise _BadFileError(
                        "the file ended while reading its data section (it changed while being "
                        "read?)"
                    )
                self.end += got
        self.begin += n
        return self.buffer[self.begin - n : self.begin]

    def skip(self, n: int) -> None:
        held = min(n, self.end - self.begin)
        self.begin += held
        if n > held:
            self.f.seek(n - held, io.SEEK_CUR)


def _fill(data: _DataReader, t: _Tensor, dest: Array) -> None:
    """Read tensor ``t``, the next in ``data``, into ``dest`` and check that it is finite.
    ``dest`` may lie in memory in any order (W lies column by column, see glassnet.layers)."""
    dtype = _TENSOR_DTYPES[t.dtype]
    nbytes = t.end - t.begin
    if nbytes <= _BLOCK_BYTES:  # most tensors: one block
        block = data.take(nbytes).view(dtype).reshape(t.shape)
        _check_finite(block, t, (0, 0))
        dest[...] = block
        return
    grid = _grid(dest)  # a view: writing to it writes to dest
    for rows, cols in _blocks(grid.shape, _BLOCK_BYTES // dtype.itemsize):
        target = grid[rows, cols]
        block = data.take(target.size * dtype.itemsize).view(dtype).reshape(target.shape)
        _check_finite(block, t, (rows.start, cols.start))
        target[...] = block


def _check_finite(block: Array, t: _Tensor, corner: tuple[int, int]) -> None:
    """Raise if ``block`` holds a NaN or an infinity, naming the first one's index in tensor
    ``t``. ``block`` is all of ``t``, or some of its rows and columns (seen as a matrix, see
    :func:`_grid`) starting at ``corner``."""
    finite = np.isfinite(block)
    if finite.all():
        return
    i, j = (int(k) for k in np.argwhere(_grid(~finite))[0])
    width = t.shape[-1] if t.shape else 1
    flat = (corner[0] + i) * width + corner[1] + j
    where = tuple(int(k) for k in np.unravel_index(flat, t.shape))
    raise _BadFileError(
        f"tensor {_tensor_label(t.name)} holds NaN or infinite values (the first at index "
        f"{where}); "
        + (
            "a network's weights and biases must be finite"
            if t.symbol
            else "a checkpoint's arrays must be finite"
        )
    )


# -- rebuilding the network -----------------------------------------------------------------------


def _resolve_activation(spec: dict[str, Any], l: int) -> Activation:
    """The activation a layer's ``{"name": …, <parameters>}`` names, from the registry only."""
    name = spec["name"]
    params = {k: v for k, v in spec.items() if k != "name"}
    entry = activation_registry.ACTIVATIONS.get(name)
    if entry is None:
        known = ", ".join(sorted(activation_registry.ACTIVATIONS))
        raise _BadFileError(
            f"layer {l} uses the activation {_short(name)}, which is not registered in this "
            "process. If it is an activation of your own, register it before loading: "
            f"glassnet.activations.register(Activation({_short(name)}, forward=..., "
            f"prime=...)). Registered now: {known}"
        )
    if isinstance(entry, Activation):  # registered by the user: one instance, fixed parameters
        try:
            registered = json.loads(json.dumps(entry.config()))
        except (TypeError, ValueError):
            registered = entry.config()
        if params != registered:
            raise _BadFileError(
                f"layer {l}'s activation {name!r} has parameters {_short(params)} in the file, "
                f"but the {name!r} registered in this process has {_short(registered)}; "
                "register the activation the network was saved with"
            )
        return entry
    if not (isinstance(entry, type) and issubclass(entry, Activation)):
        raise _BadFileError(f"layer {l}'s activation {name!r} is registered as something unusable")
    # A built-in class: the file must give exactly the parameters its config() reports.
    try:
        defaults = entry().config()
    except (TypeError, ValueError) as exc:
        raise _BadFileError(
            f"layer {l}'s activation {name!r} cannot be built from a file: {exc}"
        ) from None
    if params.keys() != defaults.keys():
        raise _BadFileError(
            f"layer {l}'s activation {name!r} takes the parameters {sorted(defaults)}, but the "
            f"file gives {_short(sorted(params))}"
        )
    for key, value in params.items():
        default = defaults[key]
        if type(default) in (int, float):  # a number: JSON may write 1.0 as 1, but not as true
            # abs(v) ≤ max float, not math.isfinite(v): an integer like 10**400 overflows that
            fits = type(value) in (int, float) and abs(value) <= sys.float_info.max
        else:
            fits = type(value) is type(default)
        if not fits:
            raise _BadFileError(
                f"layer {l}'s activation {name!r} has {key} = {_short(value)}; "
                f"expected a value like {default!r}"
            )
    try:
        return entry(**params)
    except (TypeError, ValueError) as exc:
        raise _BadFileError(
            f"layer {l}'s activation {name}({_short(params)}) is invalid: {exc}"
        ) from None


def _numbered(config: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(l, layer spec)`` for l = 1..L."""
    return list(enumerate(config["layers"], start=1))


def _build(config: dict[str, Any], rng: np.random.Generator) -> Network:
    """The network the configuration describes, its weights and biases not yet read (zero)."""
    activations = [_resolve_activation(spec["activation"], l) for l, spec in _numbered(config)]
    for l, spec in _numbered(config):
        init = spec.get("init")
        if init is not None and init not in initializers.INITS:
            raise _BadFileError(
                f"layer {l} names the init scheme {_short(init)}; "
                f"known: {', '.join(initializers.INITS)} (or null)"
            )
    cost = cost_registry.COSTS.get(config["cost"])
    if cost is None:
        raise _BadFileError(
            f"it names the cost {_short(config['cost'])}, which glassnet does not have; "
            f"known: {', '.join(sorted(cost_registry.COSTS))}"
        )
    try:
        layers = [
            Dense(
                spec["n_in"],
                spec["n_out"],
                activation=act,
                init=_no_draw,
                dropout=spec.get("dropout", 0.0),
            )
            for act, (_, spec) in zip(activations, _numbered(config), strict=True)
        ]
        net = Network(
            layers,
            cost=cost(),
            seed=rng,
            dtype=config["dtype"],
            l2=config.get("l2", 0.0),
            l1=config.get("l1", 0.0),
        )
    except ValueError as exc:
        raise _BadFileError(f"its configuration does not make a valid network: {exc}") from None
    for layer, (_, spec) in zip(net.layers, _numbered(config), strict=True):
        # what Dense(init=spec["init"]) would have set: the scheme, or the activation's default
        layer.init = spec.get("init") or initializers.default_for(layer.activation)
    return net


def _no_draw(n_out: int, n_in: int, rng: np.random.Generator, dtype: Any) -> Array:
    """The init of a network being loaded: draws nothing, and allocates nothing but the layer's
    own W (a read-only zero view, which the layer copies into its W), since the file's weights
    are read into W next. Loading thus takes no more memory than the network itself."""
    if n_out * n_in <= 4096:  # small: zeros cost less than a view
        return np.zeros((n_out, n_in), dtype=dtype)
    return np.broadcast_to(np.zeros((), dtype=dtype), (n_out, n_in))
