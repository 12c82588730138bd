"""glassnet.io._layers: layers of any registered type in a model file — the type in the
configuration, one tensor ``<parameter>.<l>`` per parameter, the shapes checked before any
number is read. A layer type of this file's own (``ScaleShift``) goes through save and load
with no change to glassnet.io."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import ModelFormatError, load, read_config, save
from glassnet.io._format import BadFileError
from glassnet.io._layers import (
    array_of,
    check_layer,
    describe,
    layer_config,
    tensor_label,
    tensor_shapes,
    tensors_to_save,
)
from glassnet.layers import LAYERS, register
from test_layers import Scale


class ScaleShift(Scale):
    """z = a ⊙ g + c (``Scale`` of test_layers.py), checking its argument and allocating nothing
    before build, as a layer type read from a file must: one glassnet.io has never heard of."""

    def __init__(self, n: int, activation: str = "identity") -> None:
        if type(n) is not int or n < 1:
            raise ValueError(f"ScaleShift n must be a positive integer, got {n!r}")
        super().__init__(n, activation)
        self.g, self.c = np.zeros(0), np.zeros(0)  # nothing allocated before build


@pytest.fixture
def registered() -> Iterator[type[ScaleShift]]:
    register(ScaleShift)
    yield ScaleShift
    LAYERS.pop("ScaleShift", None)


def mixed(seed: int = 0) -> gn.Network:
    layers = [gn.Dense(3, 4, activation="tanh"), ScaleShift(4, "sigmoid"), gn.Dense(4, 2)]
    return gn.Network(layers, cost="mse", seed=seed, dtype="float64")


def split_file(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def rewrite(path: Path, edit: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
    """Edit a saved file's header and configuration, keeping its data section."""
    header, data = split_file(path)
    config = json.loads(header["__metadata__"]["glassnet"])
    edit(header, config)
    header["__metadata__"]["glassnet"] = json.dumps(config)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


# -- a layer type of one's own, through a file -----------------------------------------------------


def test_a_registered_layer_type_round_trips_bit_for_bit(
    registered: type[ScaleShift], tmp_path: Path
) -> None:
    net = mixed()
    X = np.random.default_rng(1).normal(size=(6, 3))
    net.fit(X, np.random.default_rng(2).random((6, 2)), epochs=3, batch_size=2, verbose=0)
    path = tmp_path / "mixed.safetensors"
    save(net, path)

    header, _ = split_file(path)
    assert [k for k in header if k != "__metadata__"] == ["W.1", "b.1", "g.2", "c.2", "W.3", "b.3"]
    config = read_config(path)
    assert config["format_version"] == 3  # older glassnets say to upgrade, not "unknown 'type'"
    assert config["layers"][1] == {"type": "ScaleShift", "n": 4, "activation": "sigmoid"}
    assert "type" not in config["layers"][0]  # Dense: stored as it always was

    again = load(path)
    assert [type(layer) for layer in again.layers] == [gn.Dense, ScaleShift, gn.Dense]
    for before, after in zip(net.layers, again.layers, strict=True):
        for name, p in before.parameters().items():
            got = after.parameters()[name]
            assert got.dtype == p.dtype and got.tobytes() == p.tobytes(), name
    np.testing.assert_array_equal(again.forward(X), net.forward(X))
    assert again.layers[1].activation == net.layers[1].activation


def test_a_network_of_dense_layers_is_saved_as_before(tmp_path: Path) -> None:
    path = tmp_path / "dense.safetensors"
    save(gn.Network.from_sizes([2, 3, 1], seed=0), path)
    config = read_config(path)
    assert config["format_version"] == 1 and all("type" not in s for s in config["layers"])


def test_an_unregistered_layer_type_is_not_saved(tmp_path: Path) -> None:
    path = tmp_path / "mixed.safetensors"
    with pytest.raises(ValueError, match=r"type ScaleShift is not registered.*register\("):
        save(mixed(), path)
    assert not path.exists()  # nothing written


def test_an_unknown_layer_type_is_refused_in_one_line(
    registered: type[ScaleShift], tmp_path: Path
) -> None:
    path = tmp_path / "mixed.safetensors"
    save(mixed(), path)
    del LAYERS["ScaleShift"]  # a fresh process that did not register it
    for read in (load, read_config):
        with pytest.raises(ModelFormatError) as info:
            read(path)
        message = str(info.value)
        assert "\n" not in message
        assert "layer 2 is of type 'ScaleShift', which is not registered" in message
        assert "glassnet.layers.register(cls)" in message
        assert "Dense" in message.partition("Registered now: ")[2]  # the types it knows


def test_a_wrong_tensor_shape_is_refused_before_reading(
    registered: type[ScaleShift], tmp_path: Path
) -> None:
    path = tmp_path / "mixed.safetensors"
    save(mixed(), path)
    rewrite(path, lambda header, _: header["g.2"].update(shape=[2, 2]))  # same bytes
    wrong = (
        r"'g\.2' \(net\.layers\[1\]\.g\) has shape \[2, 2\], but layer 2 \(ScaleShift\) needs \[4\]"
    )
    with pytest.raises(ModelFormatError, match=wrong):
        load(path)


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda c: c["layers"][1].update(n="four"),
            r"layer 2 \(ScaleShift\) cannot be built .*ValueError: ScaleShift n must be",
        ),
        (
            lambda c: c["layers"][1].update(bias=1),
            r"layer 2 \(ScaleShift\) cannot be built .*TypeError",
        ),
        (
            lambda c: c["layers"][1].update(activation="swishy"),
            r"layer 2 \(ScaleShift\) cannot be built",
        ),
        (
            lambda c: c["layers"][1].update(n=5),
            r"layer 2 \(ScaleShift\) gets inputs of shape \(4,\) from layer 1 \(Dense\), but "
            r"takes inputs of shape \(5,\)",
        ),
        (lambda c: c["layers"][1].update(type=3), "'type' must be a layer type's name"),
        (lambda c: c.update(format_version=2), "format version 2 holds Dense layers only"),
    ],
)
def test_a_bad_layer_entry_is_refused(
    registered: type[ScaleShift],
    tmp_path: Path,
    edit: Callable[[dict[str, Any]], object],
    message: str,
) -> None:
    path = tmp_path / "mixed.safetensors"
    save(mixed(), path)
    rewrite(path, lambda _, config: edit(config))
    with pytest.raises(ModelFormatError, match=message) as info:
        load(path)
    assert "\n" not in str(info.value)


def test_a_layer_whose_config_does_not_lead_back_is_not_saved(
    registered: type[ScaleShift], tmp_path: Path
) -> None:
    net = mixed()
    net.layers[1].config = lambda: {"n": 4, "gain": 2}  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="cannot save layer 2: it could not be loaded back"):
        save(net, tmp_path / "x.safetensors")
    net.layers[1].config = lambda: {"n": 4, "activation": "sigmoid", "type": "x"}  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="without the key 'type'"):
        save(net, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()


# -- the parts, called directly ------------------------------------------------------------------


def small_net() -> gn.Network:
    layers = [
        gn.Dense(3, 4, activation=gn.activations.LeakyReLU(slope=0.2), init="he", dropout=0.25),
        gn.Dense(4, 2, activation="softmax"),
    ]
    return gn.Network(layers, cost="cross_entropy", seed=0)


def config_of(net: gn.Network) -> dict[str, Any]:
    specs = [layer_config(layer, l) for l, layer in enumerate(net.layers, 1)]
    return {"format_version": 3, "sizes": net.sizes, "layers": specs}


def test_the_tensors_are_named_with_the_tutorials_layer_numbers() -> None:
    assert tensor_shapes(describe(config_of(small_net()))) == {
        "W.1": (4, 3), "b.1": (4,), "W.2": (2, 4), "b.2": (2,),
    }  # fmt: skip
    assert tensor_label("W.2") == "'W.2' (net.W[2])"
    assert tensor_label("g.3") == "'g.3' (net.layers[2].g)"
    assert tensor_label("checkpoint.optimizer.t") == "'checkpoint.optimizer.t'"


def test_the_tensors_to_save_are_the_networks_own_arrays_in_file_order(
    registered: type[ScaleShift],
) -> None:
    for net in (small_net(), mixed()):
        saved = list(tensors_to_save(net))
        shapes = tensor_shapes(describe(config_of(net)))
        assert list(shapes) == [name for name, _, _ in saved]
        for name, _, arr in saved:
            assert arr is array_of(net, name)  # saved from, and loaded into, the same array
            assert arr.shape == shapes[name]
    net = small_net()
    assert [(name, label) for name, label, _ in tensors_to_save(net)] == [
        ("W.1", "net.W[1]"), ("b.1", "net.b[1]"), ("W.2", "net.W[2]"), ("b.2", "net.b[2]"),
    ]  # fmt: skip
    assert array_of(net, "W.2") is net.layers[1].W and array_of(net, "b.1") is net.layers[0].b
    assert array_of(mixed(), "g.2").shape == (4,)


def test_an_array_that_lost_its_shape_is_not_saved(registered: type[ScaleShift]) -> None:
    net = small_net()
    net.layers[1].b = np.zeros(3, dtype=net.dtype)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"net\.b\[2\] is float32 of shape \(3,\)"):
        list(tensors_to_save(net))
    net = mixed()
    net.layers[1].g = np.zeros(4, dtype="float32")  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"net\.layers\[1\]\.g is float32 .* float64"):
        list(tensors_to_save(net))


def test_check_layer_looks_the_type_up_in_the_registry_only() -> None:
    check_layer({"n_in": 2, "n_out": 1, "activation": {"name": "relu"}}, 1, [2, 1], "l", 1)
    with pytest.raises(BadFileError, match=r"type 'os\.system', which is not registered"):
        check_layer({"type": "os.system"}, 1, [2, 1], "l", 3)
    with pytest.raises(BadFileError, match="must be a JSON object"):
        check_layer([], 1, [2, 1], "layer 1", 3)


def test_a_checkpoint_of_a_mixed_network_resumes_exactly(
    registered: type[ScaleShift], tmp_path: Path
) -> None:
    """Optimizer buffers are named by each layer's own parameters (exp_avg.g[2], …), so a run
    with a layer type of its own stops and resumes to the very weights of an unbroken run."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(24, 3)), rng.random((24, 2))
    path = tmp_path / "run.ckpt.safetensors"
    whole = mixed()
    whole.fit(X, Y, epochs=6, batch_size=8, optimizer=gn.Adam(lr=0.05), seed=1, verbose=0)
    first = mixed()
    first.fit(X, Y, epochs=3, batch_size=8, optimizer=gn.Adam(lr=0.05), seed=1, verbose=0,
              callbacks=[gn.checkpoint.Checkpoint(path)])  # fmt: skip
    state = gn.load_checkpoint(path)
    assert "exp_avg.g[2]" in state.optimizer.state_dict()
    state.resume(X, Y, epochs=6, verbose=0)  # the saved batch size and seed carry on
    np.testing.assert_array_equal(state.net.parameter_vector(), whole.parameter_vector())
