"""``glassnet train --layers SPEC``: networks written token by token, and the commands that read
them (info, evaluate, predict, explain, plot). Run in-process through ``glassnet.cli.main``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.layerspec import GRAMMAR, build_layers, parse_layers
from glassnet.layers import BatchNorm, Dense
from helpers import run_cli

CONV = "conv:4:3,relu,maxpool:2,flatten,dense"


glassnet = run_cli  # glassnet(capsys, ARGS…): the command line, in this process


def kinds(spec: str) -> list[tuple[str, tuple[int, ...], str | None, float]]:
    return [(t.kind, t.numbers, t.activation, t.dropout) for t in parse_layers(spec)]


def test_every_token_kind_is_read() -> None:
    assert kinds("conv:16:3,relu,conv:8:5:2,conv:4:3:1:1,tanh") == [
        ("conv", (16, 3), "relu", 0.0),
        ("conv", (8, 5, 2), None, 0.0),
        ("conv", (4, 3, 1, 1), "tanh", 0.0),
    ]
    assert kinds("maxpool:2, pool:3:1 ,avgpool:2,AvgPool:3:2") == [
        ("maxpool", (2,), None, 0.0),
        ("maxpool", (3, 1), None, 0.0),
        ("avgpool", (2,), None, 0.0),
        ("avgpool", (3, 2), None, 0.0),
    ]
    assert kinds("bn,sigmoid,batchnorm,flatten,dense:128,relu,dropout:0.25,dense,softmax") == [
        ("bn", (), "sigmoid", 0.0),
        ("bn", (), None, 0.0),
        ("flatten", (), None, 0.0),
        ("dense", (128,), "relu", 0.25),
        ("dense", (), "softmax", 0.0),
    ]
    # dropout before the activation reads the same; padding may be 0
    assert kinds("conv:2:3:1:0,dropout:0.5,gelu") == [("conv", (2, 3, 1, 0), "gelu", 0.5)]
    # every registered activation is a token
    for name in gn.activations.ACTIVATIONS:
        assert parse_layers(f"dense:3,{name}")[0].activation == name


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("", "needs at least one layer"),
        ("dense:8,,dense", "token 2 is empty"),
        ("dense:8,", "token 2 is empty"),
        ("relu,dense", "token 1 'relu' has no layer before it"),
        ("maxpol:2,dense", "token 1 'maxpol:2' is neither a layer nor an activation"),
        ("conv:4,dense", "token 1 'conv:4' has 1 number after conv; write conv:OUT:K"),
        ("conv:4:3:1:1:1,dense", "has 5 numbers after conv"),
        ("conv:4:3:x", "needs a whole number >= 1 for STRIDE, got 'x'"),
        ("conv:0:3", "needs a whole number >= 1 for OUT, got '0'"),
        ("conv:4:-3", "needs a whole number >= 1 for K, got '-3'"),
        ("conv:4:3:1:-1", "needs a whole number >= 0 for PADDING"),
        ("dense:2.5", "needs a whole number >= 1 for N, got '2.5'"),
        ("pool", "token 1 'pool' has 0 numbers after pool; write maxpool:K"),
        ("bn:4", "has 1 number after bn; write bn"),
        ("flatten:1", "has 1 number after flatten"),
        ("dense:3:4", "has 2 numbers after dense"),
        ("dense:8,dropout", "token 2 'dropout' takes 1 number (dropout:P)"),
        ("dense:8,dropout:1", "needs a probability 0 <= P < 1, got '1'"),
        ("dense:8,dropout:nan", "needs a probability"),
        ("dense:8,dropout:0.1,dropout:0.2", "token 3 'dropout:0.2' is a second dropout"),
        ("bn,dropout:0.1", "follows bn; dropout is for conv and dense layers"),
        ("dense:8,relu:2", "token 2 'relu:2' takes no numbers: write relu"),
        ("dense:8,relu,tanh", "token 3 'tanh' is a second activation for token 1 'dense:8'"),
        ("conv:4:3,maxpool:2,relu", "token 3 'relu' follows maxpool:2, which has no activation"),
        ("flatten,tanh", "follows flatten, which has no activation"),
    ],
)
def test_a_mistake_in_spec_names_the_token_and_shows_the_grammar(spec: str, said: str) -> None:
    with pytest.raises(ValueError, match=re.escape(said)) as caught:
        parse_layers(spec)
    assert str(caught.value).endswith(GRAMMAR) and "\n" not in str(caught.value)


def test_layers_are_built_for_the_datas_shape() -> None:
    layers = build_layers(parse_layers("bn,conv:2:3:1:1,pool:2,flatten,dense"), 64, (8, 8), 10,
                          "softmax")  # fmt: skip
    names = [type(layer).__name__ for layer in layers]
    assert names == ["Reshape", "BatchNorm", "Conv2D", "MaxPool2D", "Flatten", "Dense"]
    assert [layer.output_shape for layer in layers] == [
        (1, 8, 8), (1, 8, 8), (2, 8, 8), (2, 4, 4), (32,), (10,),
    ]  # fmt: skip
    assert layers[1].n == 1 and layers[2].activation.name == "identity"
    assert layers[-1].activation.name == "softmax"
    # a network that starts with dense takes the flat rows as they are, even of images
    flat = build_layers(parse_layers("dense:16,relu,dropout:0.5,bn,dense:10,tanh"), 64, (8, 8),
                        10, "sigmoid")  # fmt: skip
    assert [type(layer) for layer in flat] == [Dense, BatchNorm, Dense]
    assert flat[0].dropout == 0.5 and flat[2].activation.name == "tanh"
    net = gn.Network(layers, cost="cross_entropy", seed=0)
    assert net.input_shape == (64,) and net.predict(np.zeros((3, 64))).shape == (3, 10)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--layers", "dense:16,relu", "--activation", "relu"],
         "--activation is for the layers of --hidden; with --layers, write each layer's"),
        (["--layers", "dense:16,dense", "--dropout", "0.2"], "write dropout:P after the layer"),
        (["--layers", "dense:16,dense,softmax", "--output-activation", "sigmoid"],
         "--layers sets the output layer's activation (softmax, token 3) and so does"),
        (["--layers", "dense:16,relu"], "token 1 'dense:16' gives 16 outputs, but digits needs "
         "10; write dense (the size comes from the data) or dense:10"),
        (["--layers", "dense,dense"], "token 1 'dense' leaves out its size, which only the last"),
        (["--layers", "dense:16,bn"], "token 2 'bn' ends the network, but the last layer must"),
        (["--layers", "dense:16,softmax,dense"], "token 1 'dense:16' has softmax, which is for"),
        (["--layers", "dense:16,dense,dropout:0.5"], "token 2 'dense' is the output layer, and "
         "dropout 0.5 would switch off"),
        (["--layers", "conv:4:3,relu,dense", "--dataset", "xor"], "token 1 'conv:4:3' needs "
         "images, but the samples of xor are rows of 2 numbers"),
        (["--layers", "dense:16,conv:4:3,flatten,dense"], "token 2 'conv:4:3' needs images "
         "(C×H×W), but gets flat rows of 16 numbers"),
        (["--layers", "flatten,maxpool:2,dense"], "token 2 'maxpool:2' needs images"),
        (["--layers", "conv:4:3,relu,dense"], "token 3 'dense' gets images of 4×6×6; put "
         "flatten before it"),
        (["--layers", "conv:4:9,flatten,dense"], "token 1 'conv:4:9' gets inputs of shape "
         "1×8×8 from the layer before, but"),
        (["--layers", "pool:2,pool:2,pool:2,pool:2,flatten,dense"], "token 4 'pool:2' gets "
         "inputs of shape 1×1×1 from the layer before, but"),
        (["--layers", "dense:8,relu", "--hidden", "30"], "argument --hidden: not allowed with "
         "argument --layers"),
    ],
)  # fmt: skip
def test_a_network_that_does_not_fit_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    said: str,
) -> None:
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    code, out, err = glassnet(capsys, "train", "--epochs", "1", "-q", *args)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert said in err and ("SPEC is" in err) == said.startswith("token"), err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing saved


def test_a_conv_network_on_the_digits_trains_saves_and_is_read_by_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    code, out, err = glassnet(
        capsys, "train", "--layers", CONV, "--epochs", "1", "--cost", "cross_entropy",
        "--output-activation", "softmax", "--optimizer", "adam", "--lr", "0.01", "-o", "c.st",
    )  # fmt: skip
    assert code == 0, err
    trained = float(re.search(r"test accuracy (\S+)", out)[1])  # type: ignore[index]
    assert "Conv2D" in out and trained > 0.3  # 10 classes: well above chance after one epoch
    net = gn.load("c.st")
    assert [type(layer).__name__ for layer in net.layers] == [
        "Reshape", "Conv2D", "MaxPool2D", "Flatten", "Dense",
    ]  # fmt: skip
    assert net.input_shape == (64,) and net.shapes[2] == (4, 6, 6)
    assert net.W[2].shape == (4, 1, 3, 3) and net.layers[1].activation.name == "relu"
    assert net.layers[-1].activation.name == "softmax" and net.n_params == 40 + 370

    code, out, err = glassnet(capsys, "info", "c.st")
    assert code == 0, err
    table = {line.split()[0] + " " + line.split()[1]: line.split() for line in out.splitlines()
             if re.match(r"\d \w", line)}  # fmt: skip
    assert table["2 Conv2D"][2:] == ["4×6×6", "relu", "(4,", "1,", "3,", "3)", "(4,)", "40"]
    assert table["3 MaxPool2D"][2] == "4×3×3" and table["3 MaxPool2D"][-1] == "0"
    assert table["4 Flatten"][2] == "36" and out.count("Reshape") >= 1
    assert "parameters: 410" in out and "images 8×8" in out

    code, out, err = glassnet(capsys, "evaluate", "c.st")
    assert code == 0 and f"accuracy {trained:.4f}" in out, (out, err)

    digits = gn.datasets.load("digits", seed=0)
    np.save("x.npy", digits.X_test[:4] * 16)  # raw ink counts, as predict expects them
    code, out, err = glassnet(capsys, "predict", "c.st", "x.npy")
    assert code == 0, err
    assert out.split() == [str(c) for c in net.predict(digits.X_test[:4]).argmax(axis=1)]

    # explain: a Dense layer's weight and a convolution's bias, as for any network ...
    code, out, err = glassnet(capsys, "explain", "c.st", "--weight=-1,3,7")
    assert code == 0 and "∂C/∂w^(5)_{3,7}" in out, err
    code, out, err = glassnet(capsys, "explain", "c.st", "--bias", "2,1", "--format", "json")
    assert code == 0 and '"b^(2)_1"' in out, err
    # ... but a kernel weight has four indices: refused, pointing to explain_parameter
    code, out, err = glassnet(capsys, "explain", "c.st", "--weight", "2,0,0")
    assert code == 2 and err.count("\n") == 1
    assert "layer 2 of c.st is a Conv2D layer, which holds W of shape (4, 1, 3, 3)" in err
    assert 'gn.explain_parameter(net, X, Y, 2, "W", (0, 0, 0, 0))' in err
    code, out, err = glassnet(capsys, "explain", "c.st", "--weight", "4,0,0")
    assert code == 2 and "a Flatten layer, which has no parameters" in err
    for option in (["--ledger"], ["--neuron", "5,0"], ["--activation", "2,0"]):
        code, out, err = glassnet(capsys, "explain", "c.st", *option)
        assert code == 2 and err.count("\n") == 1 and "gn.explain_parameter" in err, err
        assert f"{option[0]} explains networks of Dense layers only" in err


def test_plot_refuses_the_pictures_of_dense_networks_for_a_conv_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    code, _, err = glassnet(capsys, "train", "--layers", CONV, "--epochs", "1", "-q", "-o", "c.st")
    assert code == 0, err
    for kind in ("network", "backward", "weights"):
        code, _, err = glassnet(capsys, "plot", "c.st", "--kind", kind)
        assert code == 2 and err.count("\n") == 1, err
        assert f"a {kind} picture draws" in err and "choose --kind gradients" in err
    code, _, err = glassnet(capsys, "plot", "c.st", "--kind", "history")
    assert code == 0 and (tmp_path / "c-history.png").is_file(), err


def test_a_dense_and_batchnorm_network_by_layers_trains_like_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    spec = "dense:32,dropout:0.1,bn,relu,dense"
    code, out, err = glassnet(capsys, "train", "--layers", spec, "--epochs", "2", "-o", "b.st")
    assert code == 0, err
    assert "2 BatchNorm  32" in out  # the layer table, printed before training
    net = gn.load("b.st")
    assert [type(layer) for layer in net.layers] == [Dense, BatchNorm, Dense]
    # no activation after dense:32: none; the output's is sigmoid, as --hidden's default
    assert [layer.activation.name for layer in net.layers] == ["identity", "relu", "sigmoid"]
    assert net.layers[0].dropout == 0.1 and net.layers[2].W.shape == (10, 32)
    code, out, err = glassnet(capsys, "info", "b.st")
    assert code == 0 and "gamma (32,)" in out, err


def test_hidden_still_builds_the_tutorials_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    code, out, err = glassnet(capsys, "train", "--epochs", "1", "-o", "h.st")
    assert code == 0 and "Network([64, 30, 10], activations=[sigmoid, sigmoid]" in out, err
    net = gn.load("h.st")
    assert net.sizes == [64, 30, 10] and float(np.abs(net.W[1]).std()) < 0.2  # init "small"
    code, out, err = glassnet(capsys, "train", "--epochs", "1", "--hidden", "8",
                              "--activation", "relu", "-q", "-o", "r.st")  # fmt: skip
    assert code == 0, err
    assert [layer.activation.name for layer in gn.load("r.st").layers] == ["relu", "relu"]


def test_a_conv_network_too_large_for_memory_is_refused_before_it_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("glassnet.cli.common._memory_limit", lambda: (2 * 2**30, 2**30))
    # 4096·4096·9 = 151 million kernel weights, each kept 4 times in float32: 2.3 GiB at least
    spec = "conv:4096:3:1:1,relu,conv:4096:3:1:1,relu,flatten,dense"
    code, out, err = glassnet(capsys, "train", "--layers", spec, "--epochs", "1")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "a network of 5 layers would need about" in err  # Reshape, 2 Conv2D, Flatten, Dense
    assert "more than half of this machine's 2 GiB; choose fewer filters" in err


# -- the documented Fashion-MNIST recipe (docs/cli.md), short -------------------------------------

#: the SPEC of docs/cli.md's convolutional recipe (test accuracy 0.9+ after 15 epochs)
RECIPE = (
    "conv:32:3:1:1,relu,maxpool:2,conv:64:3:1:1,relu,maxpool:2,"
    "flatten,dense:128,relu,dropout:0.3,dense"
)


@pytest.mark.skipif(
    not gn.datasets.FASHION_MNIST_DEBIAN_DIR.is_dir(),
    reason="apt-get install dataset-fashion-mnist to run the recipe on the real data",
)
def test_the_fashion_mnist_recipe_learns_in_a_short_run() -> None:
    """The recipe's network, optimizer and batch size on 3,000 training images for one epoch:
    the full run is a documented command with its recorded result, not a test."""
    doc = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f'--layers "{RECIPE}"' in doc  # the test runs what the docs say
    data = gn.datasets.load("fashion-mnist")
    layers = build_layers(parse_layers(RECIPE), 784, data.image_shape, 10, "softmax")
    net = gn.Network(layers, cost="cross_entropy", seed=0)
    assert net.n_params == 421_642 and net.input_shape == (784,)
    history = net.fit(data.X_train[:3000], data.y_train[:3000], epochs=1, batch_size=128,
                      optimizer=gn.Adam(lr=0.001), verbose=0)  # fmt: skip
    assert history.loss[0] < 1.5  # from ln 10 ≈ 2.3 at the start
    assert net.evaluate(data.X_test[:1000], data.y_test[:1000])["accuracy"] > 0.6


def test_diagnose_reads_a_conv_network(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = glassnet(
        capsys, "train", "--dataset", "digits",
        "--layers", "conv:4:3,relu,maxpool:2,bn,flatten,dense",
        "--optimizer", "adam", "--lr", "0.01", "--cost", "cross_entropy",
        "--output-activation", "softmax", "--epochs", "2", "--diagnose", "--no-save",
    )  # fmt: skip
    assert code == 0
    assert "Training diagnosis (2 epochs" in out and "Network diagnosis on" in out
    assert re.search(r"\n  2 +4×6×6 +relu .*Conv2D\n", out) and "BatchNorm" in out
