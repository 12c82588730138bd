"""Dense layers in a model file: the one place that knows what a layer looks like on disk.

A network of L :class:`~glassnet.layers.Dense` layers is stored as

- its configuration's ``layers[l-1]``, :meth:`Dense.config() <glassnet.layers.Dense.config>` of
  layer l: ``{"n_in", "n_out", "activation": {"name", <parameters>}, "init", "dropout"}``;
- two tensors per layer, named with the tutorial's layer numbers: ``W.l`` is ``net.W[l]``, of
  shape (n_l, n_{l−1}), and ``b.l`` is ``net.b[l]``, of shape (n_l,).

Everything else in :mod:`glassnet.io` (the header, the data section, the limits, the network's
cost and dtype) is the same whatever the layers are; a new layer type changes only this module.

>>> tensor_shapes([2, 3, 1])
{'W.1': (3, 2), 'b.1': (3,), 'W.2': (1, 3), 'b.2': (1,)}
>>> tensor_label("W.2"), tensor_label("checkpoint.optimizer.t")
("'W.2' (net.W[2])", "'checkpoint.optimizer.t'")
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import activations as activation_registry
from .. import init as initializers
from ..activations import Activation
from ..layers import Dense
from ..network import Network
from ._format import EXTRA_TENSOR_PREFIX, BadFileError, check_keys, is_int, kind, short

Array = NDArray[np.floating[Any]]

__all__ = [
    "SHAPE_HINT",
    "array_of",
    "build_layers",
    "check_layer",
    "layer_config",
    "resolve_names",
    "restore_inits",
    "tensor_label",
    "tensor_shapes",
    "tensors_to_save",
]

_LAYER_KEYS = {"n_in", "n_out", "activation", "init", "dropout"}
_LAYER_OPTIONAL = {"init", "dropout"}
#: How a layer's tensors are shaped, for messages about a tensor of the wrong shape.
SHAPE_HINT = "(W.l is (n_l, n_{l−1}) and b.l is (n_l,))"


# -- the tensors ----------------------------------------------------------------------------------


def tensor_shapes(sizes: list[int]) -> dict[str, tuple[int, ...]]:
    """The network's tensors for ``sizes``, by name, in the order :func:`save` writes them."""
    shapes: dict[str, tuple[int, ...]] = {}
    for l in range(1, len(sizes)):
        shapes[f"W.{l}"] = (sizes[l], sizes[l - 1])
        shapes[f"b.{l}"] = (sizes[l],)
    return shapes


def tensor_label(name: str) -> str:
    """``'W.2' (net.W[2])``: the file's name and the network's."""
    if name.startswith(EXTRA_TENSOR_PREFIX):
        return repr(name)
    symbol, l = name.split(".")
    return f"{name!r} (net.{symbol}[{l}])"


def tensors_to_save(net: Network) -> Iterator[tuple[str, str, Array]]:
    """``(file name, the network's name, array)`` for each of the network's tensors, in file
    order; raises ``ValueError`` for an array that lost its layer's dtype or shape."""
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
            yield f"{symbol}.{l}", f"net.{symbol}[{l}]", arr


def array_of(net: Network, name: str) -> Array:
    """The network's array that the tensor ``name`` (``W.l`` or ``b.l``) is read into."""
    symbol, _, l = name.partition(".")
    layer = net.layers[int(l) - 1]
    return layer.W if symbol == "W" else layer.b


# -- the configuration ----------------------------------------------------------------------------


def check_layer(layer: object, l: int, sizes: list[int], what: str) -> None:
    """Check the structure of layer l's configuration (``what`` names it in messages); names
    are not looked up."""
    if not isinstance(layer, dict):
        raise BadFileError(f"{what} must be a JSON object, got a JSON {kind(layer)}")
    check_keys(layer, _LAYER_KEYS, _LAYER_OPTIONAL, what)
    if (
        layer["n_in"] != sizes[l - 1]
        or layer["n_out"] != sizes[l]
        or not (is_int(layer["n_in"]) and is_int(layer["n_out"]))
    ):
        raise BadFileError(
            f"{what} has n_in = {short(layer['n_in'])}, n_out = {short(layer['n_out'])}, "
            f"but sizes {sizes} need n_in = {sizes[l - 1]}, n_out = {sizes[l]}"
        )
    act = layer["activation"]
    if not isinstance(act, dict) or not isinstance(act.get("name"), str):
        raise BadFileError(
            f"{what}: 'activation' must be an object with a 'name' string and the "
            f'activation\'s parameters, e.g. {{"name": "leaky_relu", "slope": 0.01}}; '
            f"got {short(act)}"
        )
    init = layer.get("init")
    if init is not None and not isinstance(init, str):
        raise BadFileError(f"{what}: 'init' must be a scheme's name or null, got {short(init)}")


def layer_config(layer: Dense, l: int) -> dict[str, Any]:
    """Layer l's entry of the configuration, checked to load back the same layer."""
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
    except BadFileError:
        again = None
    if again != act:
        raise ValueError(
            f"cannot save layer {l}: its activation {act!r} is not the one glassnet finds "
            f"under the name {act.name!r}, and a model file stores activations by name. "
            "Register it first with glassnet.activations.register(activation) (giving it "
            "a name of its own if that one is taken), and register it again before loading"
        )
    return spec


# -- rebuilding the layers ------------------------------------------------------------------------


def resolve_names(config: dict[str, Any]) -> list[Activation]:
    """Each layer's activation, looked up in the registry only; each init scheme's name checked."""
    found = [_resolve_activation(spec["activation"], l) for l, spec in _numbered(config)]
    for l, spec in _numbered(config):
        init = spec.get("init")
        if init is not None and init not in initializers.INITS:
            raise BadFileError(
                f"layer {l} names the init scheme {short(init)}; "
                f"known: {', '.join(initializers.INITS)} (or null)"
            )
    return found


def build_layers(config: dict[str, Any], activations: list[Activation]) -> list[Dense]:
    """The layers the configuration describes, their weights not yet read (``ValueError`` for a
    layer that cannot be built)."""
    return [
        Dense(
            spec["n_in"],
            spec["n_out"],
            activation=act,
            init=_no_draw,
            dropout=spec.get("dropout", 0.0),
        )
        for act, (_, spec) in zip(activations, _numbered(config), strict=True)
    ]


def restore_inits(net: Network, config: dict[str, Any]) -> None:
    """Set each layer's ``init`` to what ``Dense(init=spec["init"])`` would have set: the scheme,
    or the activation's default."""
    for layer, (_, spec) in zip(net.layers, _numbered(config), strict=True):
        layer.init = spec.get("init") or initializers.default_for(layer.activation)


def _numbered(config: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(l, layer spec)`` for l = 1..L."""
    return list(enumerate(config["layers"], start=1))


def _resolve_activation(spec: dict[str, Any], l: int) -> Activation:
    """The activation a layer's ``{"name": …, <parameters>}`` names, from the registry only."""
    name = spec["name"]
    params = {k: v for k, v in spec.items() if k != "name"}
    entry = activation_registry.ACTIVATIONS.get(name)
    if entry is None:
        known = ", ".join(sorted(activation_registry.ACTIVATIONS))
        raise BadFileError(
            f"layer {l} uses the activation {short(name)}, which is not registered in this "
            "process. If it is an activation of your own, register it before loading: "
            f"glassnet.activations.register(Activation({short(name)}, forward=..., "
            f"prime=...)). Registered now: {known}"
        )
    if isinstance(entry, Activation):  # registered by the user: one instance, fixed parameters
        try:
            registered = json.loads(json.dumps(entry.config()))
        except (TypeError, ValueError):
            registered = entry.config()
        if params != registered:
            raise BadFileError(
                f"layer {l}'s activation {name!r} has parameters {short(params)} in the file, "
                f"but the {name!r} registered in this process has {short(registered)}; "
                "register the activation the network was saved with"
            )
        return entry
    if not (isinstance(entry, type) and issubclass(entry, Activation)):
        raise BadFileError(f"layer {l}'s activation {name!r} is registered as something unusable")
    # A built-in class: the file must give exactly the parameters its config() reports.
    try:
        defaults = entry().config()
    except (TypeError, ValueError) as exc:
        raise BadFileError(
            f"layer {l}'s activation {name!r} cannot be built from a file: {exc}"
        ) from None
    if params.keys() != defaults.keys():
        raise BadFileError(
            f"layer {l}'s activation {name!r} takes the parameters {sorted(defaults)}, but the "
            f"file gives {short(sorted(params))}"
        )
    for key, value in params.items():
        default = defaults[key]
        if type(default) in (int, float):  # a number: JSON may write 1.0 as 1, but not as true
            # abs(v) ≤ max float, not math.isfinite(v): an integer like 10**400 overflows that
            fits = type(value) in (int, float) and abs(value) <= sys.float_info.max
        else:
            fits = type(value) is type(default)
        if not fits:
            raise BadFileError(
                f"layer {l}'s activation {name!r} has {key} = {short(value)}; "
                f"expected a value like {default!r}"
            )
    try:
        return entry(**params)
    except (TypeError, ValueError) as exc:
        raise BadFileError(
            f"layer {l}'s activation {name}({short(params)}) is invalid: {exc}"
        ) from None


def _no_draw(n_out: int, n_in: int, rng: np.random.Generator, dtype: Any) -> Array:
    """The init of a network being loaded: draws nothing, and allocates nothing but the layer's
    own W (a read-only zero view, which the layer copies into its W), since the file's weights
    are read into W next. Loading thus takes no more memory than the network itself."""
    if n_out * n_in <= 4096:  # small: zeros cost less than a view
        return np.zeros((n_out, n_in), dtype=dtype)
    return np.broadcast_to(np.zeros((), dtype=dtype), (n_out, n_in))
