"""glassnet.io._dense: a Dense layer in a model file, its configuration entry and its tensors
W.l and b.l, and rebuilding it. The round trips through files are in test_io.py."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.io._dense import (
    array_of,
    build_layers,
    check_layer,
    layer_config,
    resolve_names,
    restore_inits,
    tensor_label,
    tensor_shapes,
    tensors_to_save,
)
from glassnet.io._format import BadFileError


def small_net() -> gn.Network:
    layers = [
        gn.Dense(3, 4, activation=gn.activations.LeakyReLU(slope=0.2), init="he", dropout=0.25),
        gn.Dense(4, 2, activation="softmax"),
    ]
    return gn.Network(layers, cost="cross_entropy", seed=0)


def test_the_tensors_are_named_with_the_tutorials_layer_numbers() -> None:
    assert tensor_shapes([3, 4, 2]) == {"W.1": (4, 3), "b.1": (4,), "W.2": (2, 4), "b.2": (2,)}
    assert tensor_label("W.2") == "'W.2' (net.W[2])"
    assert tensor_label("checkpoint.optimizer.t") == "'checkpoint.optimizer.t'"


def test_the_tensors_to_save_are_the_networks_own_arrays_in_file_order() -> None:
    net = small_net()
    saved = list(tensors_to_save(net))
    assert [(name, label) for name, label, _ in saved] == [
        ("W.1", "net.W[1]"), ("b.1", "net.b[1]"), ("W.2", "net.W[2]"), ("b.2", "net.b[2]"),
    ]  # fmt: skip
    assert list(tensor_shapes(net.sizes)) == [name for name, _, _ in saved]
    for name, _, arr in saved:
        assert arr is array_of(net, name)  # saved from, and loaded into, the same array
        assert arr.shape == tensor_shapes(net.sizes)[name]
    assert array_of(net, "W.2") is net.layers[1].W and array_of(net, "b.1") is net.layers[0].b


def test_an_array_that_lost_its_shape_is_not_saved() -> None:
    net = small_net()
    net.layers[1].b = np.zeros(3, dtype=net.dtype)  # not through net.b[2] = ..., which checks
    with pytest.raises(ValueError, match=r"net\.b\[2\] is float32 of shape \(3,\)"):
        list(tensors_to_save(net))


def test_a_layer_config_is_what_the_layer_reports_and_leads_back_to_its_activation() -> None:
    net = small_net()
    spec = layer_config(net.layers[0], 1)
    assert spec == net.layers[0].config()
    assert spec["activation"] == {"name": "leaky_relu", "slope": 0.2} and spec["init"] == "he"
    odd = gn.Dense(2, 1, activation=gn.Activation("odd", forward=np.sin, prime=np.cos))
    with pytest.raises(ValueError, match="cannot save layer 3: its activation"):
        layer_config(odd, 3)  # not registered: a file could not find it by name


def test_layers_are_rebuilt_from_their_configuration() -> None:
    net = small_net()
    config = {"layers": [layer_config(layer, l) for l, layer in enumerate(net.layers, 1)]}
    activations = resolve_names(config)
    assert activations == [layer.activation for layer in net.layers]
    layers = build_layers(config, activations)
    again = gn.Network(layers, cost="cross_entropy", seed=0)
    restore_inits(again, config)
    assert [layer.config() for layer in again.layers] == [layer.config() for layer in net.layers]
    assert [layer.init for layer in again.layers] == [
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
    config = {"layers": [{"n_in": 2, "n_out": 1, "activation": activation}]}
    with pytest.raises(BadFileError, match=message):
        resolve_names(config)


def test_an_unknown_init_scheme_is_refused() -> None:
    config = {"layers": [{"n_in": 2, "n_out": 1, "activation": {"name": "relu"}, "init": "x"}]}
    with pytest.raises(BadFileError, match="layer 1 names the init scheme 'x'"):
        resolve_names(config)
