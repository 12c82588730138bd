"""One picture of a saved model on a new Figure, for ``glassnet plot --kind KIND``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..network import Network
from .base import require_matplotlib
from .curves import history_series, plot_history
from .diagrams import plot_backward_graph, plot_network
from .layers import plot_activation_histograms, plot_gradient_flow
from .maps import plot_decision_boundary, plot_first_layer_weights, plot_neuron_maps

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["KINDS", "MAX_DPI", "figure_for"]


#: the sharpest picture ``glassnet plot --dpi`` draws: print quality, and an 8 × 6 inch figure
#: stays under 20 million pixels (a larger dpi would ask for gigabytes of image memory)
MAX_DPI = 600


#: the pictures ``glassnet plot --kind`` draws
KINDS = (
    "network",
    "backward",
    "weights",
    "boundary",
    "neurons",
    "gradients",
    "activations",
    "history",
)


def figure_for(
    kind: str,
    net: Network,
    *,
    X: Any = None,
    y: Any = None,
    history: Any = None,
    sample: int | None = None,
    weight: tuple[int, int, int] | None = None,
    shape: tuple[int, int] | None = None,
) -> Figure:
    """One picture of ``net`` on a new Figure that needs no display (the Agg canvas).

    ``kind`` is one of :data:`KINDS`; X and y (data) are needed by ``boundary``,
    ``gradients`` and ``activations``, by ``network`` and ``backward`` with a ``sample``
    (a row number of X), and optionally by ``neurons``; ``history`` by ``history``;
    ``weight`` = (l, j, k) by ``backward`` (default (1, 0, 0)); ``shape`` by ``weights``.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.plots import figure_for
        >>> fig = figure_for("network", gn.Network.from_sizes([2, 3, 1], seed=0))
        >>> len(fig.axes)
        1
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of picture {kind!r}; choose one of: {', '.join(KINDS)}")
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if kind in ("network", "backward", "weights"):  # pictures of neurons and their weights
        net.dense_layers(f"the {kind} picture")
    needs_data = kind in ("boundary", "gradients", "activations") or (
        kind in ("network", "backward") and sample is not None
    )
    if needs_data and (X is None or y is None):
        raise ValueError(f"a {kind} picture needs data (X and y)")
    x_row = y_row = None
    if sample is not None and X is not None and y is not None:
        if not 0 <= sample < len(X):
            raise ValueError(f"sample must be a row number 0..{len(X) - 1}, got {sample}")
        x_row, y_row = np.asarray(X)[sample], np.asarray(y)[sample]

    fig = Figure(figsize=(8.0, 6.0), layout="constrained")
    FigureCanvasAgg(fig)
    if kind == "network":
        plot_network(net, x_row, ax=fig.add_subplot())
    elif kind == "backward":
        l, j, k = weight or (1, 0, 0)
        plot_backward_graph(net, l, j, k, ax=fig.add_subplot(), x=x_row, y=y_row)
    elif kind == "weights":
        plot_first_layer_weights(net, shape, fig=fig)
    elif kind == "boundary":
        plot_decision_boundary(net, X, y, ax=fig.add_subplot())
    elif kind == "neurons":
        plot_neuron_maps(net, X, fig=fig, include_output=net.L == 1)
    elif kind == "gradients":
        plot_gradient_flow(net, X, y, ax=fig.add_subplot())
    elif kind == "activations":
        plot_activation_histograms(net, X, fig=fig, include_output=net.L == 1)
    else:
        if history is None:
            raise ValueError("a history picture needs a training history")
        has_accuracy = bool(
            history_series(history, "accuracy") or history_series(history, "val_accuracy")
        )
        plot_history(history, ax=fig.add_subplot(), metric="both" if has_accuracy else "loss")
    return fig
