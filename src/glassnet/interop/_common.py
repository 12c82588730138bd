"""What the three tools share: importing the optional package, checking the network, and
making a glassnet network from layers and the numbers read elsewhere."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .._inputs import as_dtype
from ..costs import Cost
from ..layers import Layer
from ..layers.residual import Residual
from ..network import Network

Array = NDArray[np.floating[Any]]


def require(module: str, extra: str, what: str) -> Any:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{what} needs {module.split('.')[0]}: pip install 'glassnet[{extra}]'"
        ) from exc


def check_network(net: object, what: str) -> Network:
    """``net`` itself if it is a glassnet Network; else a ValueError naming ``what``."""
    if not isinstance(net, Network):
        raise ValueError(f"{what} takes a glassnet Network, got {type(net).__name__}")
    return net


def network_from(
    layers: Sequence[Layer],
    values: Sequence[Mapping[str, NDArray[Any]] | Sequence[Any]],
    cost: str | Cost,
    dtype: DTypeLike,
    seed: int | np.random.Generator | None,
    input_shape: Sequence[int] | None = None,
) -> Network:
    """A Network of ``layers`` whose parameters and buffers are ``values[l-1]`` (name → array,
    copied in the network's dtype after a check that each is finite and has its shape; for a
    Residual block, a list of its layers' values: f's in order, then the projection's)."""
    net = Network(layers, cost=cost, seed=seed, dtype=as_dtype(dtype), input_shape=input_shape)
    for l, (layer, given) in enumerate(zip(net.layers, values, strict=True), start=1):
        _fill(layer, given, str(l))
    return net


def _fill(layer: Layer, given: Mapping[str, NDArray[Any]] | Sequence[Any], where: str) -> None:
    """Copy ``given`` into ``layer`` (layer ``where``: ``"3"``, or ``"3.1"`` for a Residual's)."""
    if isinstance(layer, Residual):  # its layers of f, then the projection: values of their own
        subs = [*layer.layers, *([] if layer.projection is None else [layer.projection])]
        tags = [*map(str, range(1, len(layer.layers) + 1)), "p"]
        for sub, tag, inner in zip(subs, tags, given, strict=False):
            _fill(sub, inner, f"{where}.{tag}")
        return
    assert isinstance(given, Mapping)
    shapes = layer.parameter_shapes()
    for name, value in given.items():
        if value.shape != shapes[name]:
            raise ValueError(
                f"layer {where} ({type(layer).__name__})'s {name} has shape {value.shape}, "
                f"but the layer needs {shapes[name]}"
            )
        if not np.isfinite(value).all():
            raise ValueError(f"layer {where}'s {name} holds NaN or infinite values")
        getattr(layer, name)[...] = value  # in place: keeps the layer's memory order
