"""``glassnet train --layers "rnn:…"`` on the sequence tasks, --data-option, and the
adding-problem recipe that docs/cli.md and docs/sequences.md record. Run in-process through
``glassnet.cli.main``."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest

from glassnet import datasets
from glassnet.cli.common import CLIError
from glassnet.cli.layerspec import build_layers, parse_layers
from glassnet.datasets import ADDING_BASELINE
from glassnet.io import load
from helpers import run_cli

DOCS = Path(__file__).resolve().parents[1] / "docs"


glassnet = run_cli  # glassnet(capsys, ARGS…): the command line, in this process


def recipe(page: str) -> list[str]:
    """The arguments of the page's documented ``glassnet train --dataset adding`` command."""
    text = (DOCS / page).read_text(encoding="utf-8")
    found = re.search(r"```bash\n(glassnet train --dataset adding.*?)\n```", text, flags=re.S)
    assert found, f"{page} records no adding-problem command"
    return shlex.split(found.group(1).replace("\\\n", " "))[1:]


def test_both_pages_record_the_same_adding_recipe() -> None:
    assert recipe("cli.md") == recipe("sequences.md")


def test_the_adding_recipe_beats_the_trivial_baseline_on_a_short_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The recorded command, on shorter sequences (T = 10) and fewer of them, for 8 epochs with
    a larger step: the network must find the two marks to get far below the 0.167 of always
    answering 1.0."""
    model = tmp_path / "adding.safetensors"
    short = ["--data-option", "T=10", "--data-option", "n_samples=4000", "--epochs", "8"]
    code, out, err = glassnet(capsys, *recipe("cli.md"), *short, "--lr", "0.01", "-o", str(model))
    assert code == 0, err
    assert "RNN" in out and "data: adding, 3200 training samples, 800 test samples" in out
    loss = float(re.search(r"test loss ([\d.]+)", out).group(1))
    assert loss < 0.05 < ADDING_BASELINE  # the network found the marks

    code, out, _ = glassnet(capsys, "info", str(model))
    assert code == 0
    assert re.search(r"1 Reshape\s+10×2", out) and re.search(r"2 RNN\s+32", out)
    assert "adding (n_samples 4000, T 10," in out  # the data record, with the options

    code, out, _ = glassnet(capsys, "evaluate", str(model))  # its own test split, made again
    assert code == 0 and f"loss {loss:.4f}" in out

    net = load(model)
    assert net.shapes[0] == (20,)  # the model takes flat rows of T·n_in numbers


def test_rnn_tokens_are_read() -> None:
    tokens = parse_layers("rnn:16:seq,relu,RNN:8:SEQ,rnn:4,dense")
    assert [(t.kind, t.numbers, t.sequences, t.activation) for t in tokens] == [
        ("rnn", (16,), True, "relu"),
        ("rnn", (8,), True, None),
        ("rnn", (4,), False, None),
        ("dense", (), False, None),
    ]
    layers = build_layers(tokens, 30, None, 1, "identity", sequence_shape=(10, 3))
    assert [type(layer).__name__ for layer in layers] == ["Reshape", "RNN", "RNN", "RNN", "Dense"]
    assert layers[1].cell_activation.name == "relu" and layers[1].return_sequences
    assert layers[2].cell_activation.name == "tanh" and layers[2].n_in == 16
    assert not layers[3].return_sequences and layers[4].n_in == 4
    flat = build_layers(parse_layers("rnn:4:seq,flatten,dense"), 30, None, 1, "identity",
                        sequence_shape=(10, 3))  # fmt: skip
    assert flat[-1].n_in == 10 * 4


def test_a_first_rnn_reads_an_image_row_by_row() -> None:
    layers = build_layers(parse_layers("rnn:16,dense"), 64, (8, 8), 10, "softmax")
    assert repr(layers[0]) == "Reshape((8, 8))" and layers[1].n_in == 8


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rnn,dense", r"token 1 'rnn' has 0 numbers after rnn; write rnn:H or rnn:H:seq"),
        ("rnn:0,dense", r"token 1 'rnn:0' needs a whole number >= 1 for H, got '0'"),
        ("rnn:8:all,dense", r"token 1 'rnn:8:all' has 2 numbers after rnn; write rnn:H or"),
        ("rnn:seq,dense", r"token 1 'rnn:seq' needs a whole number >= 1 for H, got 'seq'"),
        ("rnn:8,softmax,dense", r"token 2 'softmax' follows rnn:8, whose steps need an elem"),
        ("rnn:8,dropout:0.1,dense", r"token 2 'dropout:0.1' follows rnn:8; dropout is for"),
        ("rnn:8,tanh,relu,dense", r"token 3 'relu' is a second activation for token 1"),
    ],
)
def test_bad_rnn_tokens_are_one_sentence(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_layers(spec)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rnn:8:seq,dense", r"token 2 'dense' gets sequences of 10×8; put flatten before it"),
        ("dense:8,rnn:4,dense", r"token 2 'rnn:4' needs sequences \(T×n_in\), but gets inputs"),
        ("rnn:8,rnn:4,dense", r"token 2 'rnn:4' needs sequences .* after an rnn:H:seq"),
        ("rnn:8", r"token 1 'rnn:8' ends the network, but the last layer must be dense"),
    ],
)
def test_rnn_layers_that_do_not_fit_say_so(spec: str, message: str) -> None:
    with pytest.raises(CLIError, match=message):
        build_layers(parse_layers(spec), 20, None, 1, "identity", sequence_shape=(10, 2))


def test_an_rnn_on_rows_that_are_no_sequences_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = glassnet(capsys, "train", "--dataset", "moons", "--layers", "rnn:4,dense")
    assert code == 2
    assert "token 1 'rnn:4' needs sequences, but the samples of moons are rows of 2 numbers" in err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("T", "takes KEY=VALUE, such as T=50 or n_samples=20000, got 'T'"),
        ("depth=3", "data set 'adding' does not take depth; it takes n_samples, T,"),
        ("seed=3", "--data-option seed=... is --seed's to set; pass --seed instead"),
        ("T=1", "T is the sequence length and must be at least 2"),
    ],
)
def test_bad_data_options_are_one_sentence(
    capsys: pytest.CaptureFixture[str], option: str, message: str
) -> None:
    code, _, err = glassnet(
        capsys, "train", "--dataset", "adding", "--data-option", option, "--no-save", "-q"
    )
    assert code == 2 and message in err and len(err.strip().splitlines()) <= 2


def test_data_options_reach_any_generated_data_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = glassnet(
        capsys, "train", "--dataset", "moons", "--data-option", "n_samples=50",
        "--data-option", "noise=0.3", "--epochs", "1", "--no-save",
    )  # fmt: skip
    assert code == 0, err
    assert "data: moons, 40 training samples, 10 test samples" in out


def sunspots_recipe() -> list[str]:
    """The arguments of the ``glassnet train --dataset sunspots`` command sequences.md records."""
    text = (DOCS / "sequences.md").read_text(encoding="utf-8")
    found = re.search(r"```bash\n(glassnet train --dataset sunspots.*?)\n```", text, flags=re.S)
    assert found, "sequences.md records no sunspots command"
    return shlex.split(found.group(1).replace("\\\n", " "))[1:]


@pytest.mark.skipif(
    importlib.util.find_spec("statsmodels") is None,
    reason="the sunspots file ships with statsmodels (pip install 'glassnet[datasets]')",
)
def test_the_sunspots_recipe_beats_persistence_on_the_test_years(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The recorded command as it stands (about a second): an RNN on windows of 20 years must
    forecast the test years 1951-2008 better than repeating the last year; the model file
    records the data, so evaluate makes the same windows again."""
    model = tmp_path / "sunspots.safetensors"
    code, out, err = glassnet(capsys, *sunspots_recipe(), "-o", str(model))
    assert code == 0, err
    assert "RNN" in out and "data: sunspots, 231 training samples, 58 test samples" in out
    loss = float(re.search(r"test loss ([\d.]+)", out).group(1))
    ds = datasets.load("sunspots")  # the defaults the command used: T = 20, horizon 1
    assert loss < datasets.persistence_mse(ds.X_test, ds.y_test)

    code, out, _ = glassnet(capsys, "evaluate", str(model))
    assert code == 0 and f"loss {loss:.4f}" in out
    code, _, err = glassnet(capsys, *sunspots_recipe(), "--data-dir", str(tmp_path))
    assert code != 0 and "sunspots is read from statsmodels, so leave --data-dir out" in err
