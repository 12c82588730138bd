"""Dense layers in a model file: their thorough checks, kept from before layers had types.

A :class:`~glassnet.layers.Dense` layer l is stored as

- its configuration's ``layers[l-1]``, :meth:`Dense.config() <glassnet.layers.Dense.config>`:
  ``{"n_in", "n_out", "activation": {"name", <parameters>}, "init", "dropout"}``, with no
  ``"type"`` (a layer without one is Dense, so files written before layer types load as they
  did, and a network of Dense layers is saved byte for byte as before);
- two tensors, named with the tutorial's layer numbers: ``W.l`` is ``net.W[l]``, of shape
  (n_l, n_{l−1}), and ``b.l`` is ``net.b[l]``, of shape (n_l,).

Every other layer type goes through its own ``config``/``from_config``
(:mod:`glassnet.io._layers`); Dense's entry is checked here field by field, its activation
looked up in the registry only, and its weights are not drawn when it is rebuilt.

>>> shapes({"n_in": 2, "n_out": 3})
{'W': (3, 2), 'b': (3,)}
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import activations as activation_registry
from .. import init as initializers
from ..activations import Activation
from ..layers import Dense
from ._format import TYPE_KEY, BadFileError, check_keys, is_int, kind, short

Array = NDArray[np.floating[Any]]

__all__ = [
    "SHAPE_HINT",
    "build",
    "check_layer",
    "layer_config",
    "restore_init",
    "shapes",
]

_LAYER_KEYS = {TYPE_KEY, "n_in", "n_out", "activation", "init", "dropout"}
_LAYER_OPTIONAL = {TYPE_KEY, "init", "dropout"}
#: How a layer's tensors are shaped, for messages about a tensor of the wrong shape.
SHAPE_HINT = "(W.l is (n_l, n_{l−1}) and b.l is (n_l,))"


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


def shapes(spec: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """W: (n_out, n_in), b: (n_out,) of a checked entry (:func:`check_layer`), nothing built."""
    return {"W": (spec["n_out"], spec["n_in"]), "b": (spec["n_out"],)}


def build(spec: dict[str, Any], l: int) -> Dense:
    """Layer l as its checked entry describes it, the activation and init scheme looked up in
    the registries only; its W is not drawn (``ValueError`` for a layer that cannot be built)."""
    act = _resolve_activation(spec["activation"], l)
    init = spec.get("init")
    if init is not None and init not in initializers.INITS:
        raise BadFileError(
            f"layer {l} names the init scheme {short(init)}; "
            f"known: {', '.join(initializers.INITS)} (or null)"
        )
    return Dense(
        spec["n_in"], spec["n_out"], activation=act, init=_no_draw, dropout=spec.get("dropout", 0.0)
    )


def restore_init(layer: Dense, spec: dict[str, Any]) -> None:
    """Set the layer's ``init`` to what ``Dense(init=spec["init"])`` would have set: the scheme,
    or the activation's default (it was built with one that draws nothing)."""
    layer.init = spec.get("init") or initializers.default_for(layer.activation)


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
