"""The model file format's constants, and the words its checks use to say what is wrong.

Everything here is shared by the modules of :mod:`glassnet.io` that read a file: the header's
checks (:mod:`glassnet.io._checks`) and the per-layer part (:mod:`glassnet.io._layers`, with
Dense's own checks in :mod:`glassnet.io._dense`). A problem
found in a file's contents raises :class:`BadFileError`; the public functions of
:mod:`glassnet.io` turn it into a :class:`~glassnet.io.ModelFormatError` naming the file.

>>> short("x" * 100, limit=10), kind([1]), kind(True), is_int(True)
("'xxxxxx...", 'array', 'boolean', False)
"""

from __future__ import annotations

from typing import Any, TypeGuard

import numpy as np

__all__ = [
    "CONFIG_KEY",
    "DTYPES",
    "EXTRA_TENSOR_PREFIX",
    "FORMAT_VERSION",
    "TENSOR_DTYPES",
    "TYPED_VERSION",
    "TYPE_KEY",
    "BadFileError",
    "check_keys",
    "is_int",
    "kind",
    "short",
]

#: The newest model format version; :func:`~glassnet.io.load` reads versions 1 up to it.
#: :func:`~glassnet.io.save` writes version 1 for a network of Dense layers alone, version 2 when
#: the file also holds ``checkpoint.…`` tensors, and version 3 when a layer is of another type.
FORMAT_VERSION = 3
#: The first version whose layers may be of a type other than Dense (named by ``"type"``).
TYPED_VERSION = 3
#: The key of a layer's configuration entry that names its type; a layer without it is Dense.
TYPE_KEY = "type"
#: The ``__metadata__`` key that holds the network's configuration.
CONFIG_KEY = "glassnet"
#: How the names of the tensors that are not the network's begin (format version 2).
EXTRA_TENSOR_PREFIX = "checkpoint."

# network dtype -> (safetensors dtype, little-endian NumPy dtype)
DTYPES: dict[str, tuple[str, np.dtype[Any]]] = {
    "float32": ("F32", np.dtype("<f4")),
    "float64": ("F64", np.dtype("<f8")),
}
TENSOR_DTYPES = {code: le for code, le in DTYPES.values()}  # safetensors dtype -> NumPy dtype


class BadFileError(Exception):
    """A problem found in a file's contents; the public functions add the file's name."""


def kind(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    kinds = {dict: "object", list: "array", str: "string", int: "number", float: "number"}
    return kinds.get(type(value), type(value).__name__)


def short(value: object, limit: int = 80) -> str:
    """``repr`` cut to ``limit`` characters, for messages about values read from a file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is a JSON integer (true and false arrive as bool, which is not one)."""
    return type(value) is int


def check_keys(obj: dict[str, Any], allowed: set[str], optional: set[str], what: str) -> None:
    """Raise :class:`BadFileError` if ``obj`` lacks a required key or has one not ``allowed``."""
    missing = sorted(allowed - optional - obj.keys())
    if missing:
        raise BadFileError(f"{what} lacks {', '.join(map(repr, missing))}")
    unknown = sorted(obj.keys() - allowed)
    if unknown:
        raise BadFileError(
            f"{what} has unknown {', '.join(map(repr, unknown))}; "
            f"the keys allowed are {', '.join(sorted(allowed))}"
        )
