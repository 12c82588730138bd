"""Reading a model file's header, which is untrusted: every length, key, type and offset checked.

:func:`read_header` reads the 8-byte length field and the header, and checks them before any
tensor is read: the JSON (bounded, see :mod:`glassnet._jsonparse`), ``__metadata__``, the
configuration (:func:`check_config`) and each tensor's entry against the shapes the layers give
and the size of the file (:func:`check_tensors`). What a layer's entry and tensors must look
like is asked of :mod:`glassnet.io._layers` (which looks a layer's type up in
:data:`glassnet.layers.LAYERS` and asks the class its shapes). The limits come in as a
:class:`Limits`, read from :mod:`glassnet.io` (``MAX_LAYERS`` and the others) at each call.
Any problem raises :class:`~glassnet.io._format.BadFileError`.

>>> limits = Limits(header_bytes=1000, json_values=100, json_depth=8, layers=4,
...                 metadata_entries=10)
>>> config = {"format_version": 1, "sizes": [2, 1], "dtype": "float32", "cost": "quadratic",
...           "layers": [{"n_in": 2, "n_out": 1, "activation": {"name": "sigmoid"}}]}
>>> check_config(config, limits)["sizes"]
[2, 1]
>>> try:
...     check_config({**config, "sizes": [2, 1, 1, 1, 1, 1]}, limits)
... except BadFileError as exc:
...     print(exc)  # doctest: +ELLIPSIS
the configuration (...): 'sizes' describes a network of 5 layers, more than the 4 a model ...
"""

from __future__ import annotations

import math
import operator
import os
import struct
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from .. import _jsonparse
from . import _layers
from ._format import (
    CONFIG_KEY,
    DTYPES,
    EXTRA_TENSOR_PREFIX,
    FORMAT_VERSION,
    TENSOR_DTYPES,
    BadFileError,
    check_keys,
    is_int,
    kind,
    short,
)
from ._layers import OnDisk

__all__ = [
    "Header",
    "Limits",
    "Tensor",
    "check_config",
    "check_tensors",
    "parse_json",
    "read_header",
]

_CONFIG_KEYS = {
    "format_version",
    "glassnet_version",
    "sizes",
    "dtype",
    "cost",
    "layers",
    "l2",
    "l1",
    "input_shape",
}
_CONFIG_OPTIONAL = {"glassnet_version", "l2", "l1", "input_shape"}
_TENSOR_KEYS = {"dtype", "shape", "data_offsets"}
_MAX_NDIM = 8  # the most dimensions a tensor may have (NumPy's own limit is 32)


@dataclass(frozen=True)
class Limits:
    """What a header may hold (see :data:`glassnet.io.MAX_HEADER_BYTES` and the others)."""

    header_bytes: int
    json_values: int
    json_depth: int
    layers: int
    metadata_entries: int


class Tensor(NamedTuple):
    """One tensor entry of the header, checked."""

    name: str
    dtype: str  # "F32" or "F64"
    shape: tuple[int, ...]
    begin: int  # byte offsets in the data section
    end: int
    network: bool  # one of the network's tensors (W.l, b.l, …); False for a checkpoint.… tensor


@dataclass(frozen=True)
class Header:
    """A checked header."""

    config: dict[str, Any]  # checked for structure; names not yet looked up
    metadata: dict[str, str]  # the user's entries of __metadata__
    tensors: list[Tensor]  # in file order: sorted by offset, tiling the data section
    data_start: int  # file offset of the data section
    data_len: int
    layers: list[OnDisk] = field(default_factory=list)  # each layer's type and shapes


def read_header(f: IO[bytes], limits: Limits) -> Header:
    """Read and check the length field and the header; every offset is checked, no data read.
    ``f`` is a regular file, so its size is its length."""
    size = os.fstat(f.fileno()).st_size
    head = f.read(8)
    if len(head) < 8:
        raise BadFileError(
            f"it is {len(head)} bytes long, too short even for the 8-byte header length that "
            "starts every model file"
        )
    (n,) = struct.unpack("<Q", head)
    if n > limits.header_bytes:
        raise BadFileError(
            f"its first 8 bytes give a header length of {n:,} bytes, more than the "
            f"{limits.header_bytes:,} allowed; it is not a safetensors file, or its start is "
            "damaged"
        )
    if 8 + n > size:
        raise BadFileError(
            f"its header should be {n:,} bytes long, but only {size - 8:,} bytes follow the "
            "length field; the file is truncated, or it is not a model file"
        )
    raw = f.read(n)
    if len(raw) != n:
        raise BadFileError(f"the file ended while reading its {n:,}-byte header (truncated?)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadFileError(
            f"its header is not UTF-8 text (bad byte at header position {exc.start})"
        ) from None
    if not text.startswith("{"):
        raise BadFileError(
            "its header does not start with '{': a safetensors header is one JSON object"
        )
    obj = _parse_json_object(text, "its header", limits)

    if "__metadata__" not in obj:
        raise BadFileError(
            "its header has no '__metadata__', so it holds no glassnet configuration; glassnet "
            "reads files written by glassnet.io.save, or safetensors files whose "
            "__metadata__['glassnet'] describes the network (see glassnet.io)"
        )
    metadata = obj.pop("__metadata__")
    if not isinstance(metadata, dict):
        raise BadFileError(
            f"'__metadata__' must be a JSON object of strings, got a JSON {kind(metadata)}"
        )
    if len(metadata) > limits.metadata_entries:
        raise BadFileError(
            f"its __metadata__ has {len(metadata):,} entries, more than the "
            f"{limits.metadata_entries:,} a model file may have "
            "(glassnet.io.MAX_METADATA_ENTRIES)"
        )
    for key, value in metadata.items():
        if not isinstance(value, str):
            raise BadFileError(
                f"__metadata__[{key!r}] is a JSON {kind(value)}, but safetensors metadata "
                "values must be strings"
            )
    if CONFIG_KEY not in metadata:
        raise BadFileError(
            f"its __metadata__ has no {CONFIG_KEY!r} entry, so the network's configuration is "
            "missing; was it written by glassnet.io.save? (see glassnet.io for the layout)"
        )
    config = check_config(
        _parse_json_object(metadata.pop(CONFIG_KEY), f"__metadata__[{CONFIG_KEY!r}]", limits),
        limits,
    )
    layers = _layers.describe(config)
    tensors = check_tensors(obj, config, data_len=size - 8 - n, layers=layers)
    return Header(config, metadata, tensors, 8 + n, size - 8 - n, layers)


def _parse_json_object(text: str, what: str, limits: Limits) -> dict[str, Any]:
    """:func:`parse_json` of a text that must hold one JSON object."""
    value = parse_json(text, what, limits)
    if not isinstance(value, dict):
        raise BadFileError(f"{what} must be a JSON object {{...}}, but it is a JSON {kind(value)}")
    return value


def parse_json(text: str, what: str, limits: Limits, *, constants: bool = False) -> Any:
    """``json.loads``, bounded (see :mod:`glassnet._jsonparse`): at most ``limits.json_values``
    values, counted before parsing, and ``limits.json_depth`` levels of nesting; refuses
    repeated keys, and NaN and Infinity unless ``constants``. Any problem raises
    :class:`BadFileError` naming ``what``."""
    try:
        return _jsonparse.loads(
            text, max_values=limits.json_values, max_depth=limits.json_depth, constants=constants
        )
    except _jsonparse.LimitError as exc:
        raise BadFileError(
            f"{what} {exc} (glassnet.io.MAX_JSON_VALUES and MAX_JSON_DEPTH); it is damaged, or "
            "not a glassnet file"
        ) from None
    except ValueError as exc:  # JSONDecodeError, a repeated key, NaN
        raise BadFileError(f"{what} is not valid JSON: {exc}") from None


def check_config(config: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Check the configuration's structure (types, sizes, each layer's entry); no names looked
    up but the layers' types (see :func:`glassnet.io._layers.check_layer`)."""
    where = f"the configuration (__metadata__[{CONFIG_KEY!r}])"
    version = config.get("format_version")
    if not is_int(version) or version < 1:
        raise BadFileError(f"{where} needs 'format_version', a positive integer; got {version!r}")
    if version > FORMAT_VERSION:
        raise BadFileError(
            f"it uses model format version {version}, but this glassnet reads versions up to "
            f"{FORMAT_VERSION}; upgrade glassnet to load it"
        )
    check_keys(config, _CONFIG_KEYS, _CONFIG_OPTIONAL, where)
    if "glassnet_version" in config and not isinstance(config["glassnet_version"], str):
        raise BadFileError(f"{where}: 'glassnet_version' must be a string")

    sizes = config["sizes"]
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(is_int(n) and n >= 1 for n in sizes)
    ):
        raise BadFileError(
            f"{where}: 'sizes' must list at least two positive integers [n_0, …, n_L]; "
            f"got {short(sizes)}"
        )
    if len(sizes) - 1 > limits.layers:
        raise BadFileError(
            f"{where}: 'sizes' describes a network of {len(sizes) - 1:,} layers, more than the "
            f"{limits.layers:,} a model file may have (glassnet.io.MAX_LAYERS)"
        )
    shape = config.get("input_shape", [sizes[0]])
    if not (
        isinstance(shape, list)
        and 1 <= len(shape) <= _MAX_NDIM
        and all(is_int(n) and n >= 1 for n in shape)
        and math.prod(shape) == sizes[0]
    ):
        raise BadFileError(
            f"{where}: 'input_shape' must list one sample's shape, 1 to {_MAX_NDIM} positive "
            f"integers whose product is n_0 = {sizes[0]}; got {short(shape)}"
        )
    dtype = config["dtype"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise BadFileError(f"{where}: 'dtype' must be 'float32' or 'float64', got {short(dtype)}")
    if not isinstance(config["cost"], str):
        raise BadFileError(f"{where}: 'cost' must be a cost's name, got {short(config['cost'])}")

    layers = config["layers"]
    if not isinstance(layers, list) or len(layers) != len(sizes) - 1:
        raise BadFileError(
            f"{where}: 'layers' must be a list of {len(sizes) - 1} layers, one for each of "
            f"layers 1..L of sizes {sizes}; got {short(layers)}"
        )
    for l, layer in enumerate(layers, start=1):
        _layers.check_layer(layer, l, sizes, f"layer {l} of {where}", version)
    return config


def check_tensors(
    obj: dict[str, Any],
    config: dict[str, Any],
    data_len: int,
    layers: list[OnDisk] | None = None,
) -> list[Tensor]:
    """Check each tensor entry against the layers' shapes (``layers``, or those
    :func:`glassnet.io._layers.describe` gives) and the data section's length; the tensors in
    file order."""
    sizes = config["sizes"]
    if layers is None:
        layers = _layers.describe(config)
    expected = _layers.tensor_shapes(layers)
    missing = [name for name in expected if name not in obj]
    if missing:
        raise BadFileError(
            f"it has no tensor {_names(missing)}; the layers of sizes {short(sizes)} need the "
            f"tensors {_names(list(expected))}"
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
        raise BadFileError(
            f"its header has entries {short(unknown)} that are not among the tensors "
            f"{_names(list(expected))} that sizes {short(sizes)} need{extra}"
        )

    code = DTYPES[config["dtype"]][0]
    tensors: list[Tensor] = []
    for name in [*expected, *others]:
        shape = expected.get(name)
        entry = obj[name]
        if not isinstance(entry, dict):
            raise BadFileError(
                f"the header entry of {_label(name)} must be an object, got a JSON {kind(entry)}"
            )
        if entry.keys() != _TENSOR_KEYS:
            check_keys(entry, _TENSOR_KEYS, set(), f"the header entry of {_label(name)}")
        dtype = entry["dtype"]
        if not isinstance(dtype, str) or dtype not in TENSOR_DTYPES:
            raise BadFileError(
                f"{_label(name)} has dtype {short(dtype)}; glassnet model files hold 'F32' "
                "(float32) or 'F64' (float64) tensors only"
            )
        if shape is not None and dtype != code:
            raise BadFileError(
                f"{_label(name)} has dtype {dtype}, but the configuration says the network is "
                f"{config['dtype']}, whose tensors are {code}"
            )
        got = entry["shape"]
        if not (isinstance(got, list) and len(got) <= _MAX_NDIM and _sizes(got)):
            raise BadFileError(
                f"{_label(name)} has shape {short(got)}, which is not a list of sizes "
                f"(at most {_MAX_NDIM} of them)"
            )
        if shape is not None and tuple(got) != shape:
            raise BadFileError(
                f"{_label(name)} has shape {got}, but {_layers.need(name, layers, sizes)}"
            )
        offsets = entry["data_offsets"]
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and is_int(offsets[0])
            and is_int(offsets[1])
            and 0 <= offsets[0] <= offsets[1]
        ):
            raise BadFileError(
                f"{_label(name)} has data_offsets {short(offsets)}; they must be [begin, end], "
                "two integers with 0 ≤ begin ≤ end"
            )
        begin, end = offsets
        nbytes = math.prod(got) * TENSOR_DTYPES[dtype].itemsize
        if end - begin != nbytes:
            raise BadFileError(
                f"{_label(name)} has data_offsets [{begin}, {end}], {end - begin:,} bytes, but a "
                f"{dtype} tensor of shape {short(got)} takes {nbytes:,} bytes"
            )
        if end > data_len:
            raise BadFileError(
                f"{_label(name)} needs bytes {begin:,}..{end:,} of the data section, but the "
                f"file has only {data_len:,} bytes of data; the file is truncated"
            )
        tensors.append(Tensor(name, dtype, tuple(got), begin, end, network=shape is not None))

    # The tensors must tile the data section: each begins where the one before it ends.
    tensors.sort(key=operator.itemgetter(3, 4))  # (begin, end): an empty tensor first
    position = 0
    for t in tensors:
        if t.begin > position:
            raise BadFileError(
                f"bytes {position:,}..{t.begin:,} of the data section, before tensor "
                f"{_layers.tensor_label(t.name)}, belong to no tensor; tensors must be packed "
                "back to back"
            )
        if t.begin < position:
            raise BadFileError(
                f"tensor {_layers.tensor_label(t.name)} (bytes {t.begin:,}..{t.end:,}) overlaps "
                f"the tensor before it, which ends at byte {position:,}"
            )
        position = t.end
    if position != data_len:
        raise BadFileError(
            f"its tensors fill {position:,} bytes, but the data section holds {data_len:,}: "
            f"{data_len - position:,} bytes after the last tensor belong to no tensor"
        )
    return tensors


def _label(name: str) -> str:
    return f"tensor {_layers.tensor_label(name)}"


def _names(names: list[str], most: int = 8) -> str:
    """``'W.1', 'b.1', …`` — the first few names of a list that may be very long."""
    shown = ", ".join(map(repr, names[:most]))
    return shown if len(names) <= most else f"{shown}, … ({len(names):,} in all)"


def _sizes(values: list[Any]) -> bool:
    """Whether every value is an integer ≥ 0 (not a bool, not a float)."""
    return not values or (set(map(type, values)) == {int} and min(values) >= 0)
