"""glassnet.io._dense: a Dense layer's configuration entry, checked field by field, and
rebuilding it. The generic part (types, tensor names) is in test_io_layers.py; the round trips
through files are in test_io.py."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.io._dense import build, check_layer, layer_config, restore_init, shapes
from glassnet.io._format import BadFileError


def small_net() -> gn.Network:
    layers = [
        gn.Dense(3, 4, activation=gn.activations.LeakyReLU(slope=0.2), init="he", dropout=0.25),
        gn.Dense(4, 2, activation="softmax"),
    ]
    return gn.Network(layers, cost="cross_entropy", seed=0)


def test_a_dense_entrys_shapes_come_from_its_fields() -> None:
    assert shapes({"n_in": 3, "n_out": 4}) == {"W": (4, 3), "b": (4,)}
    assert shapes({"n_in": 3, "n_out": 4}) == gn.Dense(3, 4).parameter_shapes()


def test_a_layer_config_is_what_the_layer_reports_and_leads_back_to_its_activation() -> None:
    net = small_net()
    spec = layer_config(net.layers[0], 1)  # type: ignore[arg-type]
    assert spec == net.layers[0].config() and "type" not in spec  # Dense: saved as before
    assert spec["activation"] == {"name": "leaky_relu", "slope": 0.2} and spec["init"] == "he"
    odd = gn.Dense(2, 1, activation=gn.Activation("odd", forward=np.sin, prime=np.cos))
    with pytest.raises(ValueError, match="cannot save layer 3: its activation"):
        layer_config(odd, 3)  # not registered: a file could not find it by name


def test_layers_are_rebuilt_from_their_configuration() -> None:
    net = small_net()
    specs = [layer_config(layer, l) for l, layer in enumerate(net.layers, 1)]  # type: ignore[arg-type]
    layers = [build(spec, l) for l, spec in enumerate(specs, 1)]
    assert [layer.activation for layer in layers] == [layer.activation for layer in net.layers]
    again = gn.Network(layers, cost="cross_entropy", seed=0)
    for layer, spec in zip(layers, specs, strict=True):
        restore_init(layer, spec)
    assert [layer.config() for layer in again.layers] == [layer.config() for layer in net.layers]
    assert [layer.init for layer in layers] == [
        "he",
        gn.init.default_for(net.layers[1].activation),
    ]


@pytest.mark.parametrize(
    "layer, message",
    [
        ([1, 2], "layer 1 must be a JSON object, got a JSON array"),
        ({"n_in": 2, "activation": {"name": "relu"}}, "layer 1 lacks 'n_out'"),
        ({"n_in": 2, "n_out": 3, "activation": {"name": "relu"}}, "need n_in = 2, n_out = 1"),
        ({"n_in": 2, "n_out": 1, "activation": "relu"}, "'activation' must be an object"),
        ({"n_in": 2, "n_out": 1, "activation": {"name": "relu"}, "init": 3}, "'init' must be"),
        ({"n_in": 2, "n_out": 1, "activation": {"name": "relu"}, "bias": 0}, "unknown 'bias'"),
    ],
)
def test_check_layer_names_what_is_wrong(layer: object, message: str) -> None:
    with pytest.raises(BadFileError, match=message):
        check_layer(layer, 1, [2, 1], "layer 1")
    check_layer({"n_in": 2, "n_out": 1, "activation": {"name": "relu"}}, 1, [2, 1], "layer 1")
    check_layer(  # the type may be named: Dense is the default
        {"type": "Dense", "n_in": 2, "n_out": 1, "activation": {"name": "relu"}}, 1, [2, 1], "l"
    )


@pytest.mark.parametrize(
    "activation, message",
    [
        ({"name": "no_such"}, "not registered in this process"),
        ({"name": "leaky_relu"}, r"takes the parameters \['slope'\], but the file gives \[\]"),
        ({"name": "leaky_relu", "slope": True}, "has slope = True; expected a value like"),
    ],
)
def test_names_are_looked_up_in_the_registries_only(
    activation: dict[str, object], message: str
) -> None:
    with pytest.raises(BadFileError, match=message):
        build({"n_in": 2, "n_out": 1, "activation": activation}, 1)


def test_an_unknown_init_scheme_is_refused() -> None:
    spec = {"n_in": 2, "n_out": 1, "activation": {"name": "relu"}, "init": "x"}
    with pytest.raises(BadFileError, match="layer 1 names the init scheme 'x'"):
        build(spec, 1)
