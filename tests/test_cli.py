"""The command line, run the way a user runs it: as a subprocess, checking exit codes and output."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

#: seconds after which a command is taken to hang. Not a speed limit: a loaded 2-core machine
#: runs these commands 10-30 times slower than a quiet one, and a test must not fail for that.
HANG = 3600


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *args],
        capture_output=True, text=True, timeout=HANG, cwd=cwd, env={**os.environ, **(env or {})},
    )  # fmt: skip


def number_after(text: str, word: str) -> float:
    """The number after ``word`` on the last line that starts with "test" (the result line)."""
    tokens = [line for line in text.splitlines() if line.startswith("test")][-1].split()
    return float(tokens[tokens.index(word) + 1])


def test_train_default_digits_prints_accuracy_and_saves_a_model(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    result = run("train", "--epochs", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Network([64, 30, 10]" in out and "digits" in out
    # not a terminal: one plain line per epoch, no progress bar
    assert [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")] == [
        "1/5", "2/5", "3/5", "4/5", "5/5",
    ]  # fmt: skip
    assert number_after(out, "accuracy") > 0.8
    model = tmp_path / "glassnet-digits.safetensors"
    assert model.is_file() and "saved the model to glassnet-digits.safetensors" in out
    assert gn.load(model).sizes == [64, 30, 10]


def test_evaluate_predict_and_info_on_a_saved_model(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    trained = run("train", "--epochs", "3", "--quiet", "-o", "m.safetensors", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert trained.stdout.count("\n") == 1 and trained.stdout.startswith("test loss")
    accuracy = number_after(trained.stdout, "accuracy")

    evaluated = run("evaluate", "m.safetensors", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stdout.startswith("digits test set (360 samples): loss")
    assert float(evaluated.stdout.split()[-1]) == pytest.approx(accuracy, abs=1e-4)

    data = gn.datasets.load("digits")
    np.save(tmp_path / "x.npy", data.X_test[:6])
    np.savetxt(tmp_path / "x.csv", data.X_test[:6], delimiter=",")
    net = gn.load(tmp_path / "m.safetensors")
    expected = net.forward(data.X_test[:6]).argmax(axis=1)
    for name in ("x.npy", "x.csv"):  # the loader's numbers: already scaled
        predicted = run("predict", "m.safetensors", name, "--scaled", cwd=tmp_path)
        assert predicted.returncode == 0, predicted.stderr
        assert [int(v) for v in predicted.stdout.split()] == expected.tolist()
    proba = run("predict", "m.safetensors", "x.npy", "--proba", "--scaled", cwd=tmp_path)
    proba = proba.stdout.splitlines()
    assert len(proba) == 6 and len(proba[0].split(",")) == 11

    info = run("info", "m.safetensors", cwd=tmp_path)
    assert info.returncode == 0
    assert "(30, 64)" in info.stdout and "2,260" in info.stdout and "dataset: digits" in info.stdout
    # the data record reads as a sentence, not as the raw JSON the file holds
    data_line = next(line for line in info.stdout.splitlines() if line.startswith("data: "))
    assert "raw 0..16 scaled to [0, 1]" in data_line and "{" not in data_line


def test_toy_and_regression_sets_train(tmp_path: Path) -> None:
    moons = run("train", "--dataset", "moons", "--hidden", "8", "--activation", "tanh",
                "--lr", "0.5", "--epochs", "30", "--no-save", "-q", cwd=tmp_path)  # fmt: skip
    assert moons.returncode == 0, moons.stderr
    assert number_after(moons.stdout, "accuracy") > 0.8
    sine = run("train", "--dataset", "sine", "--hidden", "16", "--activation", "tanh",
               "--output-activation", "identity", "--cost", "mse", "--lr", "0.1",
               "--epochs", "20", "--no-save", "-q", cwd=tmp_path)  # fmt: skip
    assert sine.returncode == 0, sine.stderr
    assert "accuracy" not in sine.stdout and number_after(sine.stdout, "loss") < 0.5
    assert not list(tmp_path.iterdir())  # --no-save wrote nothing


def test_adam_and_validation_fraction(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    result = run("train", "--optimizer", "adam", "--hidden", "32", "--activation", "relu",
                 "--output-activation", "softmax", "--cost", "cross_entropy",
                 "--epochs", "3", "--val-fraction", "0.2", "--no-save", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Adam(lr=0.001" in result.stdout and "288 for validation" in result.stdout
    assert "val_loss" in result.stdout


def test_divergence_is_reported_and_exits_1(tmp_path: Path) -> None:
    result = run("train", "--dataset", "sine", "--hidden", "16", "--activation", "relu",
                 "--output-activation", "identity", "--cost", "mse", "--lr", "1000",
                 "--epochs", "20", "--no-save", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1
    assert "diverged" in result.stderr and "smaller learning rate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--activation", "sigmod"], "unknown activation 'sigmod'"),
        (["train", "--cost", "hinge"], "unknown cost 'hinge'"),
        (["train", "--dataset", "cifar"], "cifar"),
        (["train", "--cost", "cross_entropy"], "softmax output layer"),
        (["train", "--hidden", "-1"], "expected whole numbers"),
        (["train", "--lr", "-1"], "must be positive"),
        (["train", "--val-fraction", "1.5"], "[0, 1)"),
        (["evaluate", "missing.safetensors"], "no model file at 'missing.safetensors'"),
        (["info", "garbage.safetensors"], "not a valid glassnet model file"),
        (["predict", "garbage.safetensors", "x.npy"], "not a valid glassnet model file"),
        (["train", "--dataset", "fashion-mnist", "--data-dir", "nowhere"], "apt-get install"),
    ],
)
def test_mistakes_are_one_clear_sentence_and_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    (tmp_path / "garbage.safetensors").write_bytes(b"\x00" * 40)
    extra = ["--no-save"] if args[0] == "train" else []
    result = run(*args, *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("glassnet-*.safetensors"))


def test_predict_rejects_inputs_of_the_wrong_width(tmp_path: Path) -> None:
    gn.save(gn.Network.from_sizes([3, 2], seed=0), tmp_path / "m.safetensors")
    np.save(tmp_path / "x.npy", np.zeros((2, 5)))
    result = run("predict", "m.safetensors", "x.npy", cwd=tmp_path)
    assert result.returncode == 2 and "5 numbers per row but the model takes 3" in result.stderr


def test_help_and_version(tmp_path: Path) -> None:
    assert "train" in run("--help", cwd=tmp_path).stdout
    assert run("--version", cwd=tmp_path).stdout.startswith("glassnet ")


def test_train_with_regularisation_schedule_and_early_stopping(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    result = run(
        "train", "--hidden", "32", "--activation", "relu", "--output-activation", "softmax",
        "--cost", "cross_entropy", "--optimizer", "adam", "--lr", "0.05", "--epochs", "40",
        "--batch-size", "32", "--l2", "1e-4", "--dropout", "0.2", "--schedule", "cosine",
        "--val-fraction", "0.2", "--patience", "3", "-o", "m.safetensors", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    epochs_run = [line for line in result.stdout.splitlines() if line.startswith("epoch ")]
    assert 3 < len(epochs_run) < 40  # early stopping ended it
    assert "early stopping" in result.stderr
    assert number_after(result.stdout, "accuracy") > 0.9
    net = gn.load(tmp_path / "m.safetensors")
    assert net.l2 == 1e-4 and net.layers[0].dropout == 0.2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--patience", "3"], "--val-fraction"),
        (["--dropout", "1.0"], "probability"),
        (["--l2", "-1"], ">= 0"),
        (["--l1", "nan"], "finite"),
    ],
)
def test_train_regularisation_mistakes(tmp_path: Path, args: list[str], message: str) -> None:
    result = run("train", "--epochs", "1", "--no-save", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_closed_pipe_is_a_quiet_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """``glassnet predict … | head -1``: the reader leaving early is no error (exit 0)."""
    import io

    from glassnet import cli
    from glassnet.cli import parser

    def reader_went_away(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(parser, "run_info", reader_went_away)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stderr", errors)
    assert cli.main(["info", "m.safetensors"]) == 0
    assert errors.getvalue() == ""


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist").is_dir(),
    reason="Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist",
)
def test_the_documented_fashion_mnist_recipe_runs_as_written(tmp_path: Path) -> None:
    """docs/cli.md's practitioner's command, exactly as written but for 2 of its 30 epochs.

    The full run (test accuracy 0.8989, recorded in docs/cli.md with the command that gives it)
    takes half a minute on a quiet machine and many minutes on a loaded one; two epochs show
    that the documented options parse and learn: 784-256-128-10 with dropout, Adam, a cosine
    schedule, early stopping on 6,000 held-out images, and above 0.85 on the test set already.
    """
    import re
    import shlex

    docs = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = docs[docs.index("### Past 0.89") :]
    command = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)  # type: ignore[union-attr]
    args = shlex.split(command.replace("\\\n", " "))
    assert args[:2] == ["glassnet", "train"] and args[args.index("--epochs") + 1] == "30"
    assert "test accuracy of 0.8989" in section  # the full run's result, recorded
    result = run(*args[1:], "--epochs", "2", "--no-save", cwd=tmp_path)  # the last --epochs wins
    assert result.returncode == 0, result.stderr
    assert "Network([784, 256, 128, 10]" in result.stdout and "6000 for validation" in result.stdout
    assert [line.split()[1] for line in result.stdout.splitlines() if line.startswith("epoch")] == [
        "1/2", "2/2",
    ]  # fmt: skip
    assert number_after(result.stdout, "accuracy") > 0.85


def test_train_defaults_are_the_tutorials_recipe(tmp_path: Path) -> None:
    """No options: the tutorial's cost (mse, no ½), its small random weights, and η = 1.5 (the
    step of Nielsen's η = 3.0 on ½‖y − a‖²). Away from sigmoid, each activation's own init."""
    pytest.importorskip("sklearn")
    result = run("train", "--epochs", "1", "-o", "seed.safetensors", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "cost=mse" in result.stdout and "SGD(lr=1.5," in result.stdout
    net = gn.load(tmp_path / "seed.safetensors")
    assert net.cost_function.name == "mse" and [layer.init for layer in net.layers] == [
        "small", "small"
    ]  # fmt: skip
    relu = run("train", "--epochs", "1", "--activation", "relu", "--output-activation",
               "sigmoid", "--init", "xavier", "-o", "relu.safetensors", cwd=tmp_path)  # fmt: skip
    assert relu.returncode == 0, relu.stderr
    assert [layer.init for layer in gn.load(tmp_path / "relu.safetensors").layers] == [
        "xavier", "xavier"
    ]  # fmt: skip
    he = run("train", "--epochs", "1", "--activation", "relu", "--output-activation", "sigmoid",
             "-o", "he.safetensors", cwd=tmp_path)  # fmt: skip
    assert he.returncode == 0, he.stderr
    assert [layer.init for layer in gn.load(tmp_path / "he.safetensors").layers] == ["he", "xavier"]


# -- training that goes wrong, and mistakes caught before the work -------------------------------

SINE = ["train", "--dataset", "sine", "--hidden", "16", "--activation", "tanh",
        "--output-activation", "identity", "--cost", "mse", "-q"]  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one sentence a user mistake gets: exit status 2, no traceback, no warning."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet: error: "), result.stderr
    return lines[0]


def test_a_diverged_run_leaves_the_earlier_model_byte_identical(tmp_path: Path) -> None:
    good = run(*SINE, "--lr", "0.05", "-o", "m.safetensors", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    before = (tmp_path / "m.safetensors").read_bytes()
    assert number_after(good.stdout, "loss") < 0.05

    diverged = run(*SINE, "--lr", "0.433929", "-o", "m.safetensors", cwd=tmp_path)
    assert diverged.returncode == 1
    assert "Traceback" not in diverged.stderr and "Warning" not in diverged.stderr
    message = diverged.stderr.strip()
    assert len(message.splitlines()) == 1 and "training diverged" in message
    assert "nothing was saved: m.safetensors still holds its earlier model" in message
    assert (tmp_path / "m.safetensors").read_bytes() == before
    # nor is a new file written for a run that diverged
    again = run(*SINE, "--lr", "0.433929", "-o", "new.safetensors", cwd=tmp_path)
    assert again.returncode == 1 and "nothing was saved" in again.stderr
    assert not (tmp_path / "new.safetensors").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]  # no temporary file


@pytest.mark.parametrize(
    "output, message",
    [
        ("nowhere/m.safetensors", "the folder 'nowhere' does not exist; create it first"),
        ("folder", "'folder': it is a folder; give a file name inside it"),
    ],
)
def test_the_model_path_is_checked_before_training(
    tmp_path: Path, output: str, message: str
) -> None:
    (tmp_path / "folder").mkdir()
    result = run(*SINE, "--lr", "0.05", "--epochs", "500", "-o", output, cwd=tmp_path)
    line = one_line_error(result)
    assert message in line and ".gntmp" not in line
    assert result.stdout == ""  # no epoch was trained, no result line printed


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("zero_d.npy", np.array(3.0), "'zero_d.npy' holds a single number"),
        ("empty.npy", None, "'empty.npy' is empty or cut short"),
        ("no_rows.npy", np.zeros((0, 3)), "'no_rows.npy' holds no numbers"),
        ("empty.csv", "", "'empty.csv' holds no numbers"),
        ("blank.csv", "\n\n", "'blank.csv' holds no numbers"),
        ("words.npy", np.array([["a", "b", "c"]]), "'words.npy' holds values of type <U1"),
        ("complex.npy", np.ones((2, 3)) * (1 + 1j), "'complex.npy' holds complex numbers"),
        ("nan.npy", np.array([[0.0, np.nan, 1.0]]), "'nan.npy' holds NaN or infinite values"),
        ("huge.npy", np.full((2, 3), 1e39), "'huge.npy' holds numbers too large for float32"),
        ("archive.npy", "npz", "'archive.npy' is an .npz archive"),
    ],
)
def test_predict_on_unusable_inputs_is_one_sentence_naming_the_file(
    tmp_path: Path, name: str, content: object, message: str
) -> None:
    gn.save(gn.Network.from_sizes([3, 2], seed=0), tmp_path / "m.safetensors")
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content)
    elif content == "npz":
        with path.open("wb") as f:
            np.savez(f, x=np.zeros((2, 3)))
    else:
        path.write_text(content or "")
    assert message in one_line_error(run("predict", "m.safetensors", name, cwd=tmp_path))


def test_predict_with_a_model_whose_outputs_overflow_is_one_sentence(tmp_path: Path) -> None:
    net = gn.Network.from_sizes([3, 4, 1], activation="relu", output_activation="identity",
                                cost="mse", seed=0)  # fmt: skip
    for l in (1, 2):
        net.W[l] *= 1e30  # what a diverged run used to leave: (1e30)² overflows float32
    gn.save(net, tmp_path / "huge.safetensors")
    np.save(tmp_path / "x.npy", np.ones((2, 3)))
    line = one_line_error(run("predict", "huge.safetensors", "x.npy", cwd=tmp_path))
    assert "outputs are not finite numbers for row 0 of 'x.npy'" in line and "e+30" in line


def test_a_network_too_large_for_memory_is_refused_before_it_is_made(tmp_path: Path) -> None:
    # 10^12 weights: terabytes on any machine (the 100000 100000 is 10^10)
    result = run("train", "--dataset", "xor", "--hidden", "1000000", "1000000", "--no-save",
                 cwd=tmp_path)  # fmt: skip
    line = one_line_error(result)
    assert "network would need about" in line and "GiB" in line
    assert "choose smaller --hidden layers" in line and "2-1000000-1000000-1 network" in line
    assert "1,000,005,000,001 weights and biases in float32" in line  # (2+1)·10⁶ + (10⁶+1)·10⁶ + …


def test_plot_bounds_dpi_and_checks_its_output_before_drawing(tmp_path: Path) -> None:
    gn.save(gn.Network.from_sizes([2, 3, 1], seed=0), tmp_path / "m.safetensors")
    dpi = run("plot", "m.safetensors", "--dpi", "100000", cwd=tmp_path)
    assert dpi.returncode == 2 and "Traceback" not in dpi.stderr
    assert "--dpi: must be at most 600" in dpi.stderr
    pytest.importorskip("matplotlib")
    line = one_line_error(run("plot", "m.safetensors", "-o", "nowhere/n.png", cwd=tmp_path))
    assert "cannot save the picture to 'nowhere/n.png'" in line


# -- the command line as a newcomer meets it: help, mistakes, data, terminals ---------------------


def parsers() -> dict[str, argparse.ArgumentParser]:
    """``glassnet`` and each of its commands' parsers, by name."""
    from glassnet.cli import build_parser

    top = build_parser()
    commands = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    return {"glassnet": top, **commands.choices}


MARKUP = ("``", ":func:", ":class:", ":mod:", ":meth:", ":data:")


def test_help_is_plain_text_and_every_option_says_what_it_does_and_its_default() -> None:
    for name, parser in parsers().items():
        text = parser.format_help()
        assert not [m for m in MARKUP if m in text], (name, text)
        required = {
            a for g in parser._mutually_exclusive_groups if g.required for a in g._group_actions
        }
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                assert action.help
                continue
            assert action.help, (name, action.dest)  # positionals too: evaluate's and info's model
            takes_value = action.option_strings and action.nargs != 0
            if takes_value and action not in required:  # said in the help, or added by it
                assert "default" in action.help or action.default is not None, (name, action.dest)
    train = " ".join(parsers()["train"].format_help().split())
    for shown in ("--batch-size M samples per mini-batch (default: 10)",
                  "--epochs N passes over the training data (default: 20)",
                  "the same seed gives the same run (default: 0)",
                  "held out for validation; 0 holds out none (default: 0)",
                  "precision of the weights and of every computation (default: float32)",
                  "--hidden 0 for no hidden layer (default: 30)"):  # fmt: skip
        assert shown in train
    # as a terminal shows them
    for args in (["--help"], ["lab", "--help"], ["train", "--help"]):
        result = run(*args, cwd=Path.cwd())
        assert result.returncode == 0 and not [m for m in MARKUP if m in result.stdout]
    info = run("info", "--help", cwd=Path.cwd()).stdout
    assert "model  " in info and "a model file saved by glassnet train" in info


def test_plain_glassnet_prints_the_help_and_V_prints_the_version(tmp_path: Path) -> None:
    plain = run(cwd=tmp_path)
    assert plain.returncode == 0 and plain.stderr == ""
    assert plain.stdout == run("--help", cwd=tmp_path).stdout
    assert plain.stdout.startswith("usage: glassnet") and "glassnet train --help" in plain.stdout
    for flag in ("-V", "--version"):
        version = run(flag, cwd=tmp_path)
        assert version.returncode == 0 and version.stdout == f"glassnet {gn.__version__}\n"


@pytest.mark.parametrize(
    "args, line",
    [
        (["train", "--epochs", "x"],
         "glassnet train: error: argument --epochs: expected a whole number, got 'x' "
         "(see glassnet train --help)"),
        (["train", "--optimizer", "sgdd"],
         "glassnet train: error: argument --optimizer: invalid choice: 'sgdd' (choose from "
         "'adagrad', 'adam', 'adamw', 'momentum', 'nesterov', 'rmsprop', 'sgd') "
         "(see glassnet train --help)"),
        (["evaluate"],
         "glassnet evaluate: error: the following arguments are required: model "
         "(see glassnet evaluate --help)"),
        (["lab", "--steps", "0"],
         "glassnet lab: error: argument --steps: must be at least 1, got 0 "
         "(see glassnet lab --help)"),
        (["trian"], "glassnet: error: argument COMMAND: invalid choice: 'trian' (choose from "
         "'train', 'evaluate', 'predict', 'info', 'explain', 'plot', 'playground', 'lab') "
         "(see glassnet --help)"),
    ],
)  # fmt: skip
def test_a_bad_option_value_is_one_line_that_points_to_the_help(
    tmp_path: Path, args: list[str], line: str
) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == line + "\n"  # no usage block before it


def test_hidden_needs_sizes_and_0_alone_means_no_hidden_layer(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    bare = run("train", "--hidden", "--epochs", "1", "--no-save", cwd=tmp_path)
    assert bare.returncode == 2 and bare.stdout == ""
    assert bare.stderr.startswith("glassnet train: error: argument --hidden: needs at least one")
    assert "--hidden 0: no hidden layer" in bare.stderr and len(bare.stderr.splitlines()) == 1
    mixed = run("train", "--hidden", "0", "30", "--no-save", cwd=tmp_path)
    assert mixed.returncode == 2 and "0 means no hidden layer and stands alone" in mixed.stderr
    none = run("train", "--hidden", "0", "--epochs", "2", "-q", "-o", "m.safetensors", cwd=tmp_path)
    assert none.returncode == 0, none.stderr
    assert gn.load(tmp_path / "m.safetensors").sizes == [64, 10]
    landscape = run("lab", "--landscape", "--hidden", cwd=tmp_path)
    assert landscape.returncode == 2 and "argument --hidden: needs at least one" in landscape.stderr


@pytest.mark.parametrize(
    "args, env, says",
    [
        (["--dataset", "fashion-mnist", "--data-dir", "nowhere"], {},
         ["(looked in nowhere, given by --data-dir)", "apt-get install dataset-fashion-mnist",
          "pass --data-dir DIR"]),
        (["--dataset", "mnist"], {"GLASSNET_MNIST": ""},
         ["MNIST not found: no directory given (no --data-dir, and GLASSNET_MNIST is not set)",
          "pass --data-dir DIR (or set GLASSNET_MNIST=DIR)"]),
        (["--dataset", "idx"], {}, ["--dataset idx reads four IDX files", "pass --data-dir DIR"]),
        (["--dataset", "moons", "--data-dir", "."], {},
         ["--data-dir is for the data sets read from files", "leave --data-dir out"]),
    ],
)  # fmt: skip
def test_missing_data_is_one_line_in_the_command_lines_words(
    tmp_path: Path, args: list[str], env: dict[str, str], says: list[str]
) -> None:
    line = one_line_error(run("train", *args, "--no-save", cwd=tmp_path, env=env))
    assert all(s in line for s in says), line
    assert "path=" not in line and "path argument" not in line and "load_" not in line


def run_on_a_terminal(*args: str, cwd: Path, columns: int) -> str:
    """What ``glassnet ARGS`` writes to a pseudo-terminal of ``columns`` columns (0: no size)."""
    import fcntl
    import select
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24 if columns else 0, columns, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "glassnet", *args], cwd=cwd,
                               stdin=slave, stdout=slave, stderr=slave)  # fmt: skip
    os.close(slave)
    chunks = []
    while select.select([master], [], [], HANG)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command has ended and all is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=HANG) == 0
    return b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="pseudo-terminals are POSIX")
def test_a_terminal_of_no_width_gets_one_plain_line_per_epoch(tmp_path: Path) -> None:
    """Some job runners and containers give a pseudo-terminal no size: a progress bar there
    drew only blank lines. glassnet writes its plain epoch lines instead; a terminal with a
    width gets the bar."""
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    args = ("train", "--epochs", "3", "--no-save")
    plain = run_on_a_terminal(*args, cwd=tmp_path, columns=0)
    epochs = [line for line in plain.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epochs] == ["1/3", "2/3", "3/3"], plain
    assert all("  loss 0." in line and "  accuracy 0." in line for line in epochs)
    assert "test accuracy" in plain and "batch/s" not in plain and "s/batch" not in plain
    bar = run_on_a_terminal(*args, cwd=tmp_path, columns=100)
    assert "144/144" in bar  # tqdm's count of the epoch's 144 mini-batches
    assert "test accuracy" in bar


# -- the data preparation belongs to the model: its split and its scaling ----------------------


def test_evaluate_after_train_with_a_seed_reports_exactly_trains_accuracy(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    trained = run("train", "--seed", "5", "--epochs", "2", "-q", "-o", "m.safetensors",
                  cwd=tmp_path)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    evaluated = run("evaluate", "m.safetensors", cwd=tmp_path)
    assert evaluated.returncode == 0 and evaluated.stderr == "", evaluated.stderr
    # "test loss L  test accuracy A  (…)" and "digits test set (360 samples): loss L  accuracy A"
    said = trained.stdout.split()
    assert evaluated.stdout.split()[-4:] == ["loss", said[2], "accuracy", said[5]]
    explained = run("explain", "m.safetensors", "--ledger", "--samples", "2", cwd=tmp_path)
    assert explained.returncode == 0 and explained.stderr == "", explained.stderr


def test_a_seed_that_contradicts_the_record_is_refused_or_said(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    assert run("train", "--seed", "5", "--epochs", "1", "-q", "-o", "d.safetensors",
               cwd=tmp_path).returncode == 0  # fmt: skip
    for command in (["evaluate"], ["explain", "--ledger"]):
        line = one_line_error(run(*command[:1], "d.safetensors", *command[1:], "--seed", "0",
                                  cwd=tmp_path))  # fmt: skip
        assert "d.safetensors was trained with --seed 5, which chose its test split" in line
        # the numbers: 290 of seed 0's 360 test samples are seed 5's training samples
        assert "with --seed 0, 290 of the 360 test samples would be samples it was trained on" in (
            line
        )
    same = run("evaluate", "d.safetensors", "--seed", "5", cwd=tmp_path)
    assert same.returncode == 0 and same.stderr == ""
    # a toy set's other seed draws fresh points: allowed, and said in one line
    assert run("train", "--dataset", "moons", "--seed", "5", "--epochs", "2", "-q",
               "-o", "moons.safetensors", cwd=tmp_path).returncode == 0  # fmt: skip
    fresh = run("evaluate", "moons.safetensors", "--seed", "6", cwd=tmp_path)
    assert fresh.returncode == 0 and fresh.stdout.startswith("moons test set (40 samples)")
    assert fresh.stderr.strip().splitlines() == [
        "glassnet: note: using the data of --seed 6, not moons.safetensors's own (--seed 5); "
        "none of its 40 test samples is a training sample"
    ]


def test_predict_proba_on_raw_digits_equals_the_network_on_scaled_digits(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    assert run("train", "--seed", "5", "--epochs", "2", "-q", "-o", "m.safetensors",
               cwd=tmp_path).returncode == 0  # fmt: skip
    raw = gn.datasets.load("digits", seed=5, scale=False).X_test[:20].astype(np.int64)  # 0..16
    scaled = gn.datasets.load("digits", seed=5).X_test[:20]
    np.save(tmp_path / "raw.npy", raw)
    np.savetxt(tmp_path / "raw.csv", raw, delimiter=",", fmt="%d")
    np.save(tmp_path / "scaled.npy", scaled)
    A = gn.load(tmp_path / "m.safetensors").predict(scaled)
    expected = [f"{a.argmax()}," + ",".join(f"{v:.6g}" for v in a) for a in A]
    for args in (["raw.npy"], ["raw.csv"], ["scaled.npy", "--scaled"]):
        result = run("predict", "m.safetensors", *args, "--proba", cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert result.stdout.splitlines() == expected, args
    # raw numbers said to be scaled, and scaled numbers given as raw: one line each on stderr
    raw_as_scaled = run("predict", "m.safetensors", "raw.npy", "--scaled", cwd=tmp_path)
    assert raw_as_scaled.returncode == 0 and len(raw_as_scaled.stderr.splitlines()) == 1
    assert raw_as_scaled.stderr.startswith("glassnet: warning: the inputs reach 16, far outside")
    assert "leave out --scaled so that the model's scaling (0..16 → 0..1) is applied" in (
        raw_as_scaled.stderr
    )
    scaled_as_raw = run("predict", "m.safetensors", "scaled.npy", cwd=tmp_path)
    assert scaled_as_raw.returncode == 0 and len(scaled_as_raw.stderr.splitlines()) == 1
    assert "if they are already scaled, pass --scaled" in scaled_as_raw.stderr


def _fake_idx(directory: Path, n_train: int = 40, n_test: int = 6) -> np.ndarray:
    """Four IDX files of 28×28 light-on-dark 'images' (a bright square per class); returns the
    raw test images."""
    from glassnet.datasets import write_idx

    rng = np.random.default_rng(0)
    directory.mkdir()
    test = None
    for split, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 3).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28), dtype=np.uint8)
        for i, c in enumerate(labels):
            images[i, 4 + 8 * c : 10 + 8 * c, 8:20] = 250
        write_idx(directory / f"{split}-images-idx3-ubyte", images)
        write_idx(directory / f"{split}-labels-idx1-ubyte", labels)
        test = images
    assert test is not None
    return test


def test_predict_on_a_png_a_folder_of_pngs_and_a_bad_image(tmp_path: Path) -> None:
    Image = pytest.importorskip("PIL.Image")
    test = _fake_idx(tmp_path / "data")
    assert run("train", "--dataset", "idx", "--data-dir", "data", "--hidden", "8", "--epochs",
               "2", "-q", "-o", "m.safetensors", cwd=tmp_path).returncode == 0  # fmt: skip
    net = gn.load(tmp_path / "m.safetensors")
    A = net.predict(gn.datasets.load("idx", path=tmp_path / "data").X_test)
    lines = [f"{a.argmax()}," + ",".join(f"{v:.6g}" for v in a) for a in A]
    Image.fromarray(test[0]).save(tmp_path / "one.png")  # 28×28 grey, as the loader's pixels
    one = run("predict", "m.safetensors", "one.png", "--proba", cwd=tmp_path)
    assert one.returncode == 0 and one.stderr == "", one.stderr
    assert one.stdout.splitlines() == [f"one.png,{lines[0]}"]  # exactly the loader's test row
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(test[1]).save(folder / "b.png")
    Image.fromarray(test[2]).convert("RGB").resize((84, 84)).save(folder / "a.jpg")  # resized
    Image.fromarray(255 - test[1]).save(folder / "c.png")  # dark on light
    (folder / "notes.txt").write_text("not an image, not read")
    many = run("predict", "m.safetensors", "photos", cwd=tmp_path)
    assert many.returncode == 0 and many.stderr == "", many.stderr
    rows = [line.split(",") for line in many.stdout.splitlines()]
    assert [r[0] for r in rows] == ["a.jpg", "b.png", "c.png"]
    assert rows[0][1] == lines[2].split(",")[0] and rows[1][1] == lines[1].split(",")[0]
    inverted = run("predict", "m.safetensors", "photos/c.png", "--invert", cwd=tmp_path)
    assert inverted.stdout == f"c.png,{lines[1].split(',')[0]}\n"
    # the same model's raw .npy gives the same as its PNG
    np.save(tmp_path / "raw.npy", test[:1])
    assert run("predict", "m.safetensors", "raw.npy", "--proba",
               cwd=tmp_path).stdout.splitlines() == lines[:1]  # fmt: skip

    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    line = one_line_error(run("predict", "m.safetensors", "photos", cwd=tmp_path))
    assert "cannot read 'photos/broken.png' as an image" in line
    (tmp_path / "text.png").write_text("hello")
    line = one_line_error(run("predict", "m.safetensors", "text.png", cwd=tmp_path))
    assert "cannot read 'text.png' as an image: it is not in an image format Pillow" in line
    (tmp_path / "empty").mkdir()
    assert "holds no images" in one_line_error(run("predict", "m.safetensors", "empty",
                                                   cwd=tmp_path))  # fmt: skip
    assert "--scaled is for .npy and .csv" in one_line_error(
        run("predict", "m.safetensors", "one.png", "--scaled", cwd=tmp_path)
    )
    # a model of points, not images
    assert run("train", "--dataset", "xor", "--epochs", "1", "-q", "-o", "xor.safetensors",
               cwd=tmp_path).returncode == 0  # fmt: skip
    assert "xor, the data this model was trained on, is not images" in one_line_error(
        run("predict", "xor.safetensors", "one.png", cwd=tmp_path)
    )


def test_a_moved_data_folder_is_named_and_data_dir_overrides_it(tmp_path: Path) -> None:
    _fake_idx(tmp_path / "data")
    assert run("train", "--dataset", "idx", "--data-dir", "data", "--hidden", "4", "--epochs",
               "1", "-q", "-o", "m.safetensors", cwd=tmp_path).returncode == 0  # fmt: skip
    accuracy = run("evaluate", "m.safetensors", cwd=tmp_path).stdout.split()[-1]
    (tmp_path / "data").rename(tmp_path / "moved")
    line = one_line_error(run("evaluate", "m.safetensors", cwd=tmp_path))
    assert "pass --data-dir to say where the files are on this machine" in line
    again = run("evaluate", "m.safetensors", "--data-dir", "moved", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.split()[-1] == accuracy


def test_an_older_model_file_is_said_in_one_line_and_read_as_before(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from glassnet.io import read_metadata, save

    assert run("train", "--epochs", "1", "-q", "-o", "new.safetensors",
               cwd=tmp_path).returncode == 0  # fmt: skip
    meta = read_metadata(tmp_path / "new.safetensors")
    assert "data" in meta
    del meta["data"]  # what glassnet train wrote before it recorded the data's preparation
    save(gn.load(tmp_path / "new.safetensors"), tmp_path / "old.safetensors", metadata=meta)
    new = run("evaluate", "new.safetensors", cwd=tmp_path)
    old = run("evaluate", "old.safetensors", cwd=tmp_path)
    assert old.returncode == 0 and old.stdout == new.stdout  # as before: digits, --seed 0
    assert old.stderr.strip().splitlines() == [
        "glassnet: note: old.safetensors does not record how its data was split and scaled (an "
        "older glassnet saved it): using digits split with --seed 0, which may not be the split "
        "it was trained on"
    ]
    scaled = gn.datasets.load("digits").X_test[:3]
    np.save(tmp_path / "x.npy", scaled)
    predicted = run("predict", "old.safetensors", "x.npy", cwd=tmp_path)
    assert predicted.returncode == 0 and len(predicted.stderr.splitlines()) == 1
    assert "does not record how its data was scaled" in predicted.stderr
    assert predicted.stdout == run("predict", "new.safetensors", "x.npy", "--scaled",
                                   cwd=tmp_path).stdout  # fmt: skip


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist").is_dir(),
    reason="Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist",
)
def test_the_readmes_images_npy_is_made_and_predicted_as_written(tmp_path: Path) -> None:
    """The README's `python -c` line makes images.npy (raw pixels) and its `glassnet predict`
    line reads it: the model (here a quickly made one in place of 30 epochs) scales them."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Real data from the command line") :]
    lines = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1).splitlines()  # type: ignore[union-attr]
    make = next(shlex.split(line) for line in lines if line.startswith("python -c"))
    predict = next(shlex.split(line) for line in lines if line.startswith("glassnet predict"))
    fashion = gn.datasets.load("fashion-mnist")
    assert fashion.preparation is not None
    net = gn.Network.from_sizes([784, 10], seed=0)
    gn.save(net, tmp_path / predict[2], metadata=fashion.preparation.with_training(
        fashion.X_train, fashion.X_test, fashion.y_test, 0.0, 0).to_metadata())  # fmt: skip
    made = subprocess.run([sys.executable, *make[1:]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert np.load(tmp_path / "images.npy").max() > 1  # raw pixels, not scaled ones
    result = run(*predict[1:], cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.split() == [str(c) for c in net.predict(fashion.X_test[:5]).argmax(1)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_given_as_a_model_is_named_for_what_it_is(tmp_path: Path) -> None:
    """Not "no model file at …": the reader's own words, that a pipe is not a regular file."""
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    result = run("info", str(fifo), cwd=tmp_path)
    assert result.returncode == 2
    assert "FIFO" in result.stderr and "no model file" not in result.stderr
    assert "Traceback" not in result.stderr


# -- the shared helpers other parts use (the lab's command) ---------------------------------------


def test_the_shared_helpers_refuse_in_one_sentence(tmp_path: Path) -> None:
    from glassnet.cli.common import CLIError, check_memory, load_model, writable_file
    from glassnet.optimizers import by_name

    check_memory([784, 30, 10], "float32", by_name("adam"), rows=1000)  # a few MB: fine
    with pytest.raises(CLIError, match=r"2-1000000-1000000-1 network would need about .* GiB"):
        check_memory([2, 10**6, 10**6, 1], "float32", by_name("sgd"), rows=10)
    with pytest.raises(CLIError, match=r"recorded steps\), more than half .*; fewer steps"):
        check_memory([2, 10**5, 1], "float64", by_name("sgd"), 10, copies=10**5, hint="fewer steps")
    assert writable_file(tmp_path / "m.safetensors", "the model") == tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match=r"the folder .* does not exist; create it first"):
        writable_file(tmp_path / "nowhere" / "m.safetensors", "the model")
    with pytest.raises(CLIError, match=r"no model file at .*; train one with: glassnet train"):
        load_model(str(tmp_path / "m.safetensors"))


def test_a_recorded_image_shape_must_match_the_inputs() -> None:
    from types import SimpleNamespace

    from glassnet.cli.data import recorded_image_shape

    assert recorded_image_shape(SimpleNamespace(image_shape=(28, 28)), 784) == (28, 28)
    assert recorded_image_shape(SimpleNamespace(image_shape=(28, 28)), 64) is None
    assert recorded_image_shape(SimpleNamespace(image_shape=None), 784) is None
    assert recorded_image_shape(None, 784) is None


def test_no_module_imports_a_private_name_of_the_command_line() -> None:
    """Other parts (the lab) use the cli package's public helpers, never its ``_private`` ones."""
    import ast

    root = Path(gn.__file__).parent
    private = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and "cli" in (node.module or "").split("."):
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
