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

- **Tensor names** are ``<parameter>.<l>``: one tensor for each of layer l's
  :attr:`~glassnet.layers.Layer.parameter_names`, of the shape its
  :meth:`~glassnet.layers.Layer.parameter_shapes` gives, for l = 1..L. For a Dense layer, with
  the tutorial's layer numbers, ``W.l`` is ``net.W[l]``, of shape (n_l, n_{l−1}) with row j
  holding the weights *to* neuron j, and ``b.l`` is ``net.b[l]``, of shape (n_l,). A model file
  has no other tensors; a checkpoint (format version 2, see below) adds its training state as
  tensors named ``checkpoint.…``.
- **dtype** is ``"F32"`` (float32) or ``"F64"`` (float64), the same for every parameter's
  tensor and equal to the configuration's ``dtype`` (a ``checkpoint.…`` tensor may be either).
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

``layers[l-1]`` describes layer l. For a :class:`~glassnet.Dense` layer it is
:meth:`Dense.config() <glassnet.Dense.config>`: the activation by name plus its parameters
(:meth:`Activation.config`), and the init scheme's name (``null`` for a custom init function);
``init`` may be left out (meaning ``null``), and so may ``"type": "Dense"``. Any other layer
type is ``{"type": <its class name>, **layer.config()}``, e.g. ``{"type": "Scale", "n": 4,
"activation": "sigmoid"}``: the class is looked up in :data:`glassnet.layers.LAYERS` (so it
must be registered with :func:`glassnet.layers.register`, before saving and before loading),
and rebuilt with ``cls.from_config`` (the entry less ``"type"``). Its ``input_shape`` must be
the ``output_shape`` of the layer before, and ``sizes[l]`` counts the numbers in its output.
``glassnet_version`` is informative and optional. Every other key of the configuration is
required and no other keys are allowed.

Every other ``__metadata__`` entry is yours: pass ``metadata={...}`` to :func:`save` and read it
back with :func:`read_metadata`. The key ``"glassnet"`` is reserved.

Format version 2 is version 1 plus tensors whose names start with ``"checkpoint."``: the
optimizer's buffers and other arrays of a :mod:`glassnet.checkpoint`, stored like the weights.
Version 3 is version 2 plus layers of types other than Dense. :func:`save` writes version 1 for
a network of Dense layers alone, so a plain model file is byte for byte what earlier glassnets
wrote, version 2 only when there are ``checkpoint.…`` tensors, and version 3 only when a layer
is not Dense (an older glassnet then says to upgrade); :func:`load` reads all three, and skips
the ``checkpoint.…`` tensors.

Loading is safe
---------------
A model file is data, never code. :func:`load` uses no pickle, no eval and no imports; the
names in a file are looked up only in glassnet's own registries,
:data:`glassnet.layers.LAYERS`, :data:`glassnet.activations.ACTIVATIONS` and
:data:`glassnet.costs.COSTS`. A layer type or an activation of your own is found only if this
process registered it (:func:`glassnet.layers.register`,
:func:`glassnet.activations.register`) before loading; a layer type must be registered even to
read a file's header, since its tensors' shapes come from the class. Every length, offset,
dtype and shape is checked against the configuration (and the shapes the layers give) and the
size of the file before any tensor is read or any parameter allocated, and the parameters must
be finite. Any problem
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

Where the code is
-----------------
This module saves and loads. What it reads is checked in :mod:`glassnet.io._checks` (the
length field, the JSON, ``__metadata__``, the configuration, the tensor entries) before any
tensor is read; what a layer looks like on disk, whatever its type (its entry in ``layers``, its
tensors ``<parameter>.<l>``, rebuilding it) is in :mod:`glassnet.io._layers`, which asks the
layer class and needs no change for a new layer type; Dense's own field-by-field checks are in
:mod:`glassnet.io._dense`; the constants and the words of the checks' messages are in
:mod:`glassnet.io._format`.
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .. import _jsonparse
from .. import costs as cost_registry
from .._files import NotRegularFileError, open_regular, write_atomically
from .._inputs import as_rng
from ..network import Network
from . import _layers
from ._checks import Header, Limits, Tensor, parse_json, read_header
from ._format import (
    CONFIG_KEY,
    DTYPES,
    EXTRA_TENSOR_PREFIX,
    FORMAT_VERSION,
    TENSOR_DTYPES,
    TYPE_KEY,
    TYPED_VERSION,
    BadFileError,
    short,
)

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

# FORMAT_VERSION, CONFIG_KEY and EXTRA_TENSOR_PREFIX are defined, with the dtypes, in ._format.
# The limits are defined here, and read at each call (see _limits): setting
# glassnet.io.MAX_LAYERS changes what save and load accept.

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
#: How the name of a save's temporary file ends.
TEMP_SUFFIX = ".gntmp"

_PLAIN_VERSION = 1  # the version of a file that holds the network's tensors only
_EXTRAS_VERSION = 2  # … and checkpoint.… tensors (TYPED_VERSION: and a layer not Dense)
# Tensors are read and written a block of at most this many bytes at a time, through one buffer.
_BLOCK_BYTES = 1 << 20


def _limits() -> Limits:
    """The limits in force now (a test may lower them: they are read at each call)."""
    return Limits(
        header_bytes=MAX_HEADER_BYTES,
        json_values=MAX_JSON_VALUES,
        json_depth=MAX_JSON_DEPTH,
        layers=MAX_LAYERS,
        metadata_entries=MAX_METADATA_ENTRIES,
    )


def _parse_json(text: str, what: str, *, constants: bool = False) -> Any:
    """JSON read from a file (a checkpoint's entry), bounded by the limits in force; any problem
    raises ``BadFileError`` naming ``what`` (see :func:`glassnet.io._checks.parse_json`)."""
    return parse_json(text, what, _limits(), constants=constants)


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


# -- saving ---------------------------------------------------------------------------------------


def save(
    net: Network, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None
) -> None:
    """Write ``net`` to ``path`` as a glassnet model file (see :mod:`glassnet.io` for the layout).

    The file is a safetensors file: the tensors ``W.1``, ``b.1``, …, ``W.L``, ``b.L`` (for a
    layer of another type, one ``<parameter>.<l>`` per parameter) and the network's
    configuration (sizes, layer types, activations, cost, dtype, init schemes). The random
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
        ValueError: the network cannot be stored: a weight is NaN or infinite, a layer's type
            is not registered (call :func:`glassnet.layers.register` first), an activation is
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
    config = _config_of(net, _EXTRAS_VERSION if extras else _PLAIN_VERSION)
    code, _ = DTYPES[net.dtype.name]

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

    for name, label, arr in _layers.tensors_to_save(net):  # W.1, b.1, …, W.L, b.L
        if not _all_finite(arr):
            raise ValueError(
                f"cannot save: {label} holds NaN or infinite values (did training diverge? try "
                "a smaller learning rate); a model file stores finite numbers only, so nothing "
                "was written"
            )
        add(name, arr, code)
    for name, arr in extras.items():
        if not (isinstance(name, str) and name.startswith(EXTRA_TENSOR_PREFIX)):
            raise ValueError(f"an extra tensor's name must start with {EXTRA_TENSOR_PREFIX!r}")
        dtype = arr.dtype.newbyteorder("<") if isinstance(arr, np.ndarray) else None
        extra_code = next((c for c, le in TENSOR_DTYPES.items() if le == dtype), None)
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
    from .. import __version__  # at call time: glassnet/__init__.py may import this module

    cost = net.cost_function
    if cost_registry.COSTS.get(cost.name) is not type(cost):
        raise ValueError(
            f"cannot save: the cost {cost!r} is not one of glassnet's built-in costs, and a model "
            f"file stores the cost by name; use one of: {', '.join(sorted(cost_registry.COSTS))}"
        )
    layers = [_layers.layer_config(layer, l) for l, layer in enumerate(net.layers, start=1)]
    if any(TYPE_KEY in spec for spec in layers):  # a layer type older readers lack
        version = max(version, TYPED_VERSION)
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
    if net.input_shape != (net.sizes[0],):  # shaped input, e.g. images (m, C, H, W)
        config["input_shape"] = list(net.input_shape)
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
    bit-for-bit the saved ones, in the saved dtype. A layer type or an activation of your own
    (saved after :func:`glassnet.layers.register` or :func:`glassnet.activations.register`)
    must be registered in this process before loading.

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
    not read, and activation and cost names are not looked up; layer types are, since the
    tensors' shapes come from them).

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

    The structure is checked as :func:`load` checks it, but activation and cost names are not
    looked up (layer types are), so this also works for a file whose activation is not
    registered in this process: it shows which one to register.

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
            header = read_header(f, _limits())
            net = _build(header, rng)
            arrays = _read_tensors(f, header, net, extras)
        except BadFileError as exc:
            raise ModelFormatError(path, str(exc)) from None
    return net, header.metadata, arrays


def _read_file(path: str | os.PathLike[str]) -> Header:
    """The checked header alone (no tensor is read, no name looked up)."""
    with _open(path) as f:
        try:
            return read_header(f, _limits())
        except BadFileError as exc:
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


def _read_tensors(f: IO[bytes], header: Header, net: Network, extras: bool) -> dict[str, Array]:
    """Read every tensor into ``net``'s arrays, checking that the values are finite; returns the
    ``checkpoint.…`` tensors as new arrays if ``extras``, else skips their bytes."""
    data = _DataReader(f, header.data_start, header.data_len)
    found: dict[str, Array] = {}
    for t in header.tensors:  # in file order, so the reads go straight through the file
        if t.network:
            dest = _layers.array_of(net, t.name)
        elif extras:
            dest = np.empty(t.shape, dtype=TENSOR_DTYPES[t.dtype].newbyteorder("="))
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
                    raise BadFileError(
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


def _fill(data: _DataReader, t: Tensor, dest: Array) -> None:
    """Read tensor ``t``, the next in ``data``, into ``dest`` and check that it is finite.
    ``dest`` may lie in memory in any order (W lies column by column, see glassnet.layers)."""
    dtype = TENSOR_DTYPES[t.dtype]
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


def _check_finite(block: Array, t: Tensor, corner: tuple[int, int]) -> None:
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
    raise BadFileError(
        f"tensor {_layers.tensor_label(t.name)} holds NaN or infinite values (the first at index "
        f"{where}); "
        + (
            "a network's weights and biases must be finite"
            if t.network
            else "a checkpoint's arrays must be finite"
        )
    )


# -- rebuilding the network -----------------------------------------------------------------------


def _build(header: Header, rng: np.random.Generator) -> Network:
    """The network the configuration describes, its parameters not yet read."""
    config = header.config
    try:  # Dense layers are built here, looking up their activations and init schemes
        layers = _layers.build_layers(config, header.layers)
    except ValueError as exc:
        raise BadFileError(f"its configuration does not make a valid network: {exc}") from None
    cost = cost_registry.COSTS.get(config["cost"])
    if cost is None:
        raise BadFileError(
            f"it names the cost {short(config['cost'])}, which glassnet does not have; "
            f"known: {', '.join(sorted(cost_registry.COSTS))}"
        )
    try:
        net = Network(
            layers,
            cost=cost(),
            seed=np.random.default_rng(0),  # build() may draw; the file's numbers replace them
            dtype=config["dtype"],
            l2=config.get("l2", 0.0),
            l1=config.get("l1", 0.0),
            input_shape=config.get("input_shape"),
        )
    except ValueError as exc:
        raise BadFileError(f"its configuration does not make a valid network: {exc}") from None
    net.rng = rng
    _layers.check_built(net, header.layers)
    _layers.restore_inits(net, config)
    return net
