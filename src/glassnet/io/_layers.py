"""Layers in a model file, whatever their type: the one place that knows a layer's layout on disk.

Layer l of a network is stored as

- its configuration's ``layers[l-1]``: ``{"type": <class name>, **layer.config()}``. The type
  is looked up in :data:`glassnet.layers.LAYERS` only (never imported by name), and the layer
  is rebuilt with ``cls.from_config(entry without "type")``. An entry without ``"type"`` is a
  :class:`~glassnet.layers.Dense` layer; Dense is stored that way, and checked field by field
  (:mod:`glassnet.io._dense`);
- one tensor per parameter and buffer, named ``<name>.<l>`` after :attr:`Layer.parameter_names
  <glassnet.layers.Layer.parameter_names>` and :attr:`~glassnet.layers.Layer.buffer_names`
  (for Dense ``W.l`` and ``b.l``; BatchNorm's running statistics too), of the shape
  :meth:`Layer.parameter_shapes <glassnet.layers.Layer.parameter_shapes>` gives. The shapes
  are known from the configuration alone, so every tensor's entry is checked against them
  before any number is read or any parameter allocated.

Consecutive layers must fit: each layer is connected (:meth:`Layer.connect
<glassnet.layers.Layer.connect>`) to the shape the one before gives, the first to the
configuration's ``input_shape`` (written only for a shaped input such as images; default
``[n_0]``), and ``sizes`` counts the numbers in each: n_l = ∏ output_shape of layer l.

>>> config = {"format_version": 1, "sizes": [2, 3, 1], "layers": [
...     {"n_in": 2, "n_out": 3}, {"n_in": 3, "n_out": 1}]}
>>> tensor_shapes(describe(config))
{'W.1': (3, 2), 'b.1': (3,), 'W.2': (1, 3), 'b.2': (1,)}
>>> tensor_label("W.2"), tensor_label("g.3"), tensor_label("checkpoint.optimizer.t")
("'W.2' (net.W[2])", "'g.3' (net.layers[2].g)", "'checkpoint.optimizer.t'")
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..layers import LAYERS, Dense, Layer
from ..network import Network
from . import _dense
from ._format import (
    EXTRA_TENSOR_PREFIX,
    TYPE_KEY,
    TYPED_VERSION,
    BadFileError,
    kind,
    short,
)

Array = NDArray[np.floating[Any]]

__all__ = [
    "DEFAULT_TYPE",
    "OnDisk",
    "array_of",
    "build_layers",
    "check_built",
    "check_layer",
    "describe",
    "layer_config",
    "need",
    "restore_inits",
    "tensor_label",
    "tensor_shapes",
    "tensors_to_save",
]

#: The type of a layer whose entry names none: every file written before layer types.
DEFAULT_TYPE = "Dense"
_MAX_NDIM = 8  # the most dimensions a parameter may have, as for any tensor of a file


class OnDisk(NamedTuple):
    """What the configuration says of layer l, known before any tensor is read."""

    type: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    shapes: dict[str, tuple[int, ...]]  # parameter → shape, in the order of parameter_names
    layer: Layer | None  # built from its config (parameters not yet); None for Dense


def type_of(spec: dict[str, Any]) -> str:
    """The type a checked layer entry names (``"Dense"`` when it names none)."""
    name = spec.get(TYPE_KEY, DEFAULT_TYPE)
    return name if isinstance(name, str) else DEFAULT_TYPE


# -- the configuration: checking, and the shapes it gives ---------------------------------------


def check_layer(spec: object, l: int, sizes: list[int], what: str, version: int) -> None:
    """Check layer l's entry: an object whose type is registered; a Dense entry field by field.
    Nothing is built (``what`` names the entry in messages)."""
    if not isinstance(spec, dict):
        raise BadFileError(f"{what} must be a JSON object, got a JSON {kind(spec)}")
    name = spec.get(TYPE_KEY, DEFAULT_TYPE)
    if not isinstance(name, str):
        raise BadFileError(f"{what}: {TYPE_KEY!r} must be a layer type's name, got {short(name)}")
    if name == DEFAULT_TYPE:
        _dense.check_layer(spec, l, sizes, what)
        return
    if LAYERS.get(name) is None:
        raise BadFileError(
            f"layer {l} is of type {short(name)}, which is not registered in this process; "
            "if it is a layer type of your own, register its class before loading with "
            f"glassnet.layers.register(cls). Registered now: {', '.join(sorted(LAYERS))}"
        )
    if version < TYPED_VERSION:
        raise BadFileError(
            f"layer {l} is of type {name!r}, but a file of format version {version} holds "
            f"Dense layers only (other layer types came with version {TYPED_VERSION})"
        )


def describe(config: dict[str, Any]) -> list[OnDisk]:
    """Each layer's shapes, from a configuration :func:`check_layer` accepted: a Dense entry's
    from its fields, another type's from ``cls.from_config`` connected to the shape the layer
    before gives (the first to ``input_shape``, default ``[n_0]``); checks that they fit
    together and fit ``sizes``. No parameter is allocated."""
    sizes = config["sizes"]
    shape = tuple(config.get("input_shape", [sizes[0]]))
    found: list[OnDisk] = []
    for l, spec in enumerate(config["layers"], start=1):
        name = type_of(spec)
        source = f"layer {l - 1} ({found[-1].type})" if found else "the input"
        if name == DEFAULT_TYPE:
            entry = OnDisk(name, (spec["n_in"],), (spec["n_out"],), _dense.shapes(spec), None)
        else:
            entry = _from_config(LAYERS[name], spec, l, shape, source)
        if entry.input_shape != shape:
            raise BadFileError(
                f"layer {l} ({name}) takes inputs of shape {entry.input_shape}, but {source} "
                f"gives {shape}; consecutive layers must fit"
            )
        if math.prod(entry.output_shape) != sizes[l]:
            raise BadFileError(
                f"layer {l} ({name}) gives outputs of shape {entry.output_shape}, "
                f"{math.prod(entry.output_shape)} numbers, but sizes {short(sizes)} say "
                f"n_{l} = {sizes[l]}"
            )
        found.append(entry)
        shape = entry.output_shape
    return found


def _from_config(
    cls: type[Layer], spec: dict[str, Any], l: int, input_shape: tuple[int, ...], source: str
) -> OnDisk:
    """Layer l of a registered type other than Dense, built from its entry and connected to
    ``input_shape``, what ``source`` gives (parameters not built)."""
    name = cls.__name__
    params = {k: v for k, v in spec.items() if k != TYPE_KEY}
    try:
        layer = cls.from_config(params)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadFileError(
            f"layer {l} ({name}) cannot be built from its configuration {short(params)}: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        if isinstance(layer, Layer):
            layer.connect(input_shape)
        problem = _contract_problem(layer, cls)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadFileError(
            f"layer {l} ({name}) gets inputs of shape {input_shape} from {source}, but {exc}"
        ) from None
    if problem:
        raise BadFileError(f"layer {l} ({name}) built from {short(params)} {problem}")
    return OnDisk(name, layer.input_shape, layer.output_shape, layer.parameter_shapes(), layer)


def _contract_problem(layer: object, cls: type[Layer]) -> str:
    """What is wrong with a layer's shapes and parameter names for a file ('' if nothing)."""
    if type(layer) is not cls:
        return f"is a {type(layer).__name__}, not a {cls.__name__}"
    assert isinstance(layer, Layer)
    for what, shape in (("input_shape", layer.input_shape), ("output_shape", layer.output_shape)):
        if not (_is_shape(shape, low=1) and shape):
            return f"has {what} {short(shape)}; expected 1 to {_MAX_NDIM} positive integers"
    shapes, names = layer.parameter_shapes(), [*layer.parameter_names, *layer.buffer_names]
    if not isinstance(shapes, dict) or list(shapes) != names:
        return (
            f"has parameter_shapes() for {short(list(shapes))}, but its parameters and buffers "
            f"are {names}; they must name the same arrays, in order"
        )
    for p, shape in shapes.items():
        if not (isinstance(p, str) and p.isidentifier()) or f"{p}.".startswith(EXTRA_TENSOR_PREFIX):
            return f"has a parameter named {short(p)}; a file needs an identifier, not 'checkpoint'"
        if not _is_shape(shape, low=0):
            return f"gives {p} the shape {short(shape)}; expected at most {_MAX_NDIM} sizes ≥ 0"
    return ""


def _is_shape(shape: object, low: int) -> bool:
    """Whether ``shape`` is a tuple of at most ``_MAX_NDIM`` integers ≥ ``low``."""
    return (
        isinstance(shape, tuple)
        and len(shape) <= _MAX_NDIM
        and all(type(n) is int and n >= low for n in shape)
    )


def tensor_shapes(layers: list[OnDisk]) -> dict[str, tuple[int, ...]]:
    """The network's tensors by name, in the order :func:`save` writes them."""
    return {
        f"{p}.{l}": shape
        for l, entry in enumerate(layers, start=1)
        for p, shape in entry.shapes.items()
    }


def need(name: str, layers: list[OnDisk], sizes: list[int]) -> str:
    """Who needs tensor ``name`` its shape, for a message: ``sizes [3, 2, 2] need [2, 3] (…)``."""
    l = int(name.rpartition(".")[2])
    entry = layers[l - 1]
    shape = list(entry.shapes[name.rpartition(".")[0]])
    if entry.type == DEFAULT_TYPE:
        return f"sizes {short(sizes)} need {shape} {_dense.SHAPE_HINT}"
    return f"layer {l} ({entry.type}) needs {shape} (its parameter_shapes())"


def tensor_label(name: str) -> str:
    """``'W.2' (net.W[2])``, ``'g.3' (net.layers[2].g)``: the file's name and the network's."""
    symbol, _, l = name.rpartition(".")
    if name.startswith(EXTRA_TENSOR_PREFIX) or not (symbol and l.isdigit()):
        return repr(name)
    return f"{name!r} ({_network_name(symbol, int(l))})"


def _network_name(symbol: str, l: int) -> str:
    return f"net.{symbol}[{l}]" if symbol in ("W", "b") else f"net.layers[{l - 1}].{symbol}"


# -- saving ---------------------------------------------------------------------------------------


def layer_config(layer: Layer, l: int) -> dict[str, Any]:
    """Layer l's entry of the configuration, checked to load back the same layer: its type is
    registered, its config is plain JSON and ``from_config`` rebuilds a layer of its shapes."""
    cls = type(layer)
    name = cls.__name__
    if LAYERS.get(name) is not cls:
        raise ValueError(
            f"cannot save layer {l}: its type {name} is not registered, and a model file names "
            f"a layer's type so that loading can find it. Call glassnet.layers.register({name}) "
            "before saving, and again before loading"
        )
    if cls is Dense:
        assert isinstance(layer, Dense)
        return _dense.layer_config(layer, l)
    spec = layer.config()
    try:
        spec = json.loads(json.dumps(spec, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"cannot save layer {l} ({name}): its config() {short(spec)} cannot be stored as JSON "
            f"({exc}); it must hold plain numbers, strings, lists and dicts"
        ) from None
    if not isinstance(spec, dict) or TYPE_KEY in spec:
        raise ValueError(
            f"cannot save layer {l} ({name}): its config() must be a dict of its constructor's "
            f"arguments, without the key {TYPE_KEY!r} (the file keeps the type there)"
        )
    problem = _contract_problem(layer, cls)
    if problem:
        raise ValueError(f"cannot save layer {l}: the {name} {problem}")
    try:
        again = _from_config(cls, spec, l, layer.input_shape, "the layer before")
    except BadFileError as exc:
        raise ValueError(f"cannot save layer {l}: it could not be loaded back, as {exc}") from None
    if again[1:4] != (layer.input_shape, layer.output_shape, layer.parameter_shapes()):
        raise ValueError(
            f"cannot save layer {l}: {name}.from_config(its config()) makes a layer of other "
            "shapes, so it could not be loaded back; make config() give every constructor "
            "argument"
        )
    return {TYPE_KEY: name, **spec}


def tensors_to_save(net: Network) -> Iterator[tuple[str, str, Array]]:
    """``(file name, the network's name, array)`` for each of the network's tensors, in file
    order; raises ``ValueError`` for an array that lost its layer's dtype or shape."""
    for l, layer in enumerate(net.layers, start=1):
        for p, shape in layer.parameter_shapes().items():
            arr = getattr(layer, p)
            label = _network_name(p, l)
            if getattr(arr, "dtype", None) != net.dtype or getattr(arr, "shape", None) != shape:
                how = f"{label} = ..." if p in ("W", "b") else f"{label}[...] = ..."
                raise ValueError(
                    f"cannot save: {label} is {getattr(arr, 'dtype', type(arr).__name__)} of "
                    f"shape {getattr(arr, 'shape', None)}, but the network's dtype is "
                    f"{net.dtype} and layer {l} needs shape {shape}; assign through {how} so "
                    "that the array keeps its dtype and shape"
                )
            yield f"{p}.{l}", label, arr


# -- loading --------------------------------------------------------------------------------------


def build_layers(config: dict[str, Any], layers: list[OnDisk]) -> list[Layer]:
    """The layers, their parameters not yet read: Dense ones built here (looking up their
    activation and init scheme), the others those :func:`describe` built."""
    built: list[Layer] = []
    for l, (spec, entry) in enumerate(zip(config["layers"], layers, strict=True), start=1):
        built.append(_dense.build(spec, l) if entry.layer is None else entry.layer)
    return built


def check_built(net: Network, layers: list[OnDisk]) -> None:
    """Check that each layer's ``build`` made the parameters its shapes promised, so that the
    file's numbers are read into arrays of exactly their shape."""
    for l, (layer, entry) in enumerate(zip(net.layers, layers, strict=True), start=1):
        for p, shape in entry.shapes.items():
            arr = getattr(layer, p, None)
            if not isinstance(arr, np.ndarray) or arr.shape != shape or arr.dtype != net.dtype:
                raise BadFileError(
                    f"layer {l} ({entry.type}) built {p} as {short(arr, 60)}, but its "
                    f"parameter_shapes() says {net.dtype} of shape {shape}; fix its build()"
                )


def restore_inits(net: Network, config: dict[str, Any]) -> None:
    """Give each Dense layer the ``init`` its entry names (see :func:`_dense.restore_init`)."""
    for layer, spec in zip(net.layers, config["layers"], strict=True):
        if type(layer) is Dense:
            _dense.restore_init(layer, spec)


def array_of(net: Network, name: str) -> Array:
    """The network's array that the tensor ``name`` (``<parameter>.<l>``) is read into."""
    symbol, _, l = name.rpartition(".")
    arr: Array = getattr(net.layers[int(l) - 1], symbol)
    return arr
