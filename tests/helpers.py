"""Small random data and networks for the tests, all seeded."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def random_targets(cost: str, m: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Targets that make sense for ``cost``: probability rows for cross-entropy, values in
    [0, 1] for binary cross-entropy, anything for the squared errors."""
    if cost == "cross_entropy":
        p = rng.random((m, n_out)) + 0.1
        return p / p.sum(axis=1, keepdims=True)
    if cost == "binary_cross_entropy":
        return rng.random((m, n_out))
    return rng.normal(size=(m, n_out))


def random_network(
    hidden: str, output: str, cost: str, rng: np.random.Generator, dtype: str = "float64"
) -> gn.Network:
    depth = int(rng.integers(1, 4))
    sizes = [int(n) for n in rng.integers(1, 6, size=depth + 2)]
    sizes[-1] = max(sizes[-1], 2) if output == "softmax" else sizes[-1]
    net = gn.Network.from_sizes(
        sizes,
        activation=hidden,
        output_activation=output,
        cost=cost,
        seed=int(rng.integers(1 << 30)),
        dtype=dtype,
    )
    for l in range(1, net.L + 1):  # biases away from zero, so that they matter
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


def traced_lines(run: Callable[[], object]) -> int:
    """How many lines of Python ``run`` executes (a loop's line counts once per turn): a
    measure of work that, unlike time, does not depend on the machine or its load."""
    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += event == "line"
        return tracer

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return count


def peak_memory(run: Callable[[], object]) -> int:
    """The most memory allocated at once while ``run`` runs, beyond what was there before
    (NumPy reports its arrays to tracemalloc); a ValueError it raises (a refused file) ends
    the run like a return."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        with contextlib.suppress(ValueError):
            run()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def error_reading_a_fifo(read: Callable[[Path], object], path: Path) -> BaseException:
    """Make ``path`` a FIFO, call ``read(path)`` in a thread and return what it raised; fail the
    test if it waits for a writer instead (opening a FIFO waits until one comes, maybe never)."""
    os.mkfifo(path)
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            read(path)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=60)
    if thread.is_alive():  # blocked: a writer that opens and closes at once lets it go
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail(f"{getattr(read, '__name__', read)} waited on a FIFO")
    (exc,) = outcome
    return exc


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``glassnet ARGS`` in this process: (exit status, stdout, stderr)."""
    from glassnet.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
