"""The command line, run the way a user runs it: as a subprocess, checking exit codes and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd, env={**os.environ, **(env or {})},
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
    for name in ("x.npy", "x.csv"):
        predicted = run("predict", "m.safetensors", name, cwd=tmp_path)
        assert predicted.returncode == 0, predicted.stderr
        assert [int(v) for v in predicted.stdout.split()] == expected.tolist()
    proba = run("predict", "m.safetensors", "x.npy", "--proba", cwd=tmp_path).stdout.splitlines()
    assert len(proba) == 6 and len(proba[0].split(",")) == 11

    info = run("info", "m.safetensors", cwd=tmp_path)
    assert info.returncode == 0
    assert "(30, 64)" in info.stdout and "2,260" in info.stdout and "dataset: digits" in info.stdout


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
        (["train", "--hidden", "0"], "must be positive"),
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
    gn.Network.from_sizes([3, 2], seed=0).save(tmp_path / "m.safetensors")
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

    def reader_went_away(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "_info", reader_went_away)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stderr", errors)
    assert cli.main(["info", "m.safetensors"]) == 0
    assert errors.getvalue() == ""


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist").is_dir(),
    reason="Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist",
)
def test_the_documented_fashion_mnist_recipe_passes_089(tmp_path: Path) -> None:
    """docs/cli.md promises test accuracy ≥ 0.89 for its command: run it exactly as written."""
    import re
    import shlex

    docs = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = docs[docs.index("### Past 0.89") :]
    command = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)  # type: ignore[union-attr]
    args = shlex.split(command.replace("\\\n", " "))
    assert args[:2] == ["glassnet", "train"]
    result = run(*args[1:], "--no-save", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    accuracy = number_after(result.stdout, "accuracy")
    assert accuracy >= 0.89


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
