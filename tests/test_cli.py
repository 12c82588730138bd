"""The command line, run the way a user runs it: as a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *args], capture_output=True, text=True, timeout=120
    )


def test_train_default_prints_test_accuracy() -> None:
    pytest.importorskip("sklearn")
    result = run("train", "--epochs", "5", "--quiet")
    assert result.returncode == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if l.startswith("test accuracy"))
    assert float(line.split()[2]) > 0.8


def test_bad_option_is_one_clear_sentence_and_exit_2() -> None:
    result = run("train", "--activation", "sigmod", "--epochs", "1")
    assert result.returncode == 2
    assert "unknown activation 'sigmod'" in result.stderr
    assert "Traceback" not in result.stderr
