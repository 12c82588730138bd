"""The pictures of the documentation site, drawn by glassnet itself when the site is built.

``pictures()`` returns each picture's bytes by its path under ``img/generated/``; the site's hook
(``scripts/mkdocs_hooks.py``) adds them to the site, so no picture is committed by hand.
Each takes a fraction of a second to a few seconds on one core.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the pictures go to files
import matplotlib.pyplot as plt
import numpy as np

import glassnet as gn
from glassnet import lab, plots


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")  # titles whole
    plt.close(fig)
    return buffer.getvalue()


def training_curve() -> bytes:
    """Loss and accuracy per epoch on the moons, training and validation."""
    data = gn.datasets.load("moons", n_samples=300, noise=0.15, seed=0)
    net = gn.Network.from_sizes(
        [2, 8, 8, 1], activation="tanh", output_activation="sigmoid", seed=0
    )
    history = net.fit(
        data.X_train, data.y_train, epochs=60, optimizer=gn.SGD(lr=0.5),
        validation_data=(data.X_test, data.y_test), verbose=0, seed=0,
    )  # fmt: skip
    fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    plots.plot_history(history, ax=ax, metric="both")
    return _png(fig)


def backward_graph() -> bytes:
    """Every path from w^(1)_20 to C in a 2-3-4-2 network, each edge with its factor."""
    net = gn.Network.from_sizes([2, 3, 4, 2], seed=0)
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    plots.plot_backward_graph(net, 1, 2, 0, ax=ax, x=np.array([0.5, -1.0]), y=1)
    return _png(fig)


def decision_boundary() -> bytes:
    """a^(L) over the plane of the circles, with the test data on top."""
    data = gn.datasets.load("circles", n_samples=300, seed=0)
    net = gn.Network.from_sizes([2, 6, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.fit(data.X_train, data.y_train, epochs=80, optimizer=gn.Adam(lr=0.05), verbose=0, seed=0)
    fig, ax = plt.subplots(figsize=(5, 4.2), layout="constrained")
    plots.plot_decision_boundary(net, data.X_test, data.y_test, ax=ax, resolution=120)
    return _png(fig)


def network_diagram() -> bytes:
    """The tutorial's small network, filled with one sample's activations."""
    net = gn.Network.from_sizes([2, 3, 1], activation="sigmoid", seed=0)
    fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    plots.plot_network(net, np.array([1.0, 0.5]), ax=ax)
    return _png(fig)


def lab_race() -> bytes:
    """SGD, momentum and Adam racing on a surface with two minima, as a GIF."""
    runs = lab.race("two_minima", ["sgd", "momentum", "adam"], start=(1.5, 1.0), steps=60)
    fig = plt.figure(figsize=(5, 4))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "race.gif"
        lab.animate_race(runs, fig=fig, frames=20, fps=6, path=path, resolution=60)
        plt.close(fig)
        return path.read_bytes()


PICTURES: dict[str, Callable[[], bytes]] = {
    "img/generated/training-curve.png": training_curve,
    "img/generated/backward-graph.png": backward_graph,
    "img/generated/decision-boundary.png": decision_boundary,
    "img/generated/network.png": network_diagram,
    "img/generated/lab-race.gif": lab_race,
}


def pictures() -> dict[str, bytes]:
    """Every picture, drawn now: path under the site's root → the file's bytes."""
    return {path: draw() for path, draw in PICTURES.items()}


if __name__ == "__main__":  # python scripts/docs_pictures.py OUT: write them to OUT to look at
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/pictures")
    for relative, data in pictures().items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(data)
        print(out / relative, len(data))
