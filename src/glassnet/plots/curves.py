"""Curves: the training history per epoch, and σ(z) with σ'(z) of the activation functions."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import positive_int
from .base import (
    axes_grid,
    axes_or_new,
    figure_or_new,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["history_series", "plot_activations", "plot_history"]


def history_series(history: Any, key: str) -> list[float]:
    """One list of a training history (``"loss"``, ``"val_accuracy"``, ...) as floats; empty if
    the history (a :class:`~glassnet.History` or a mapping) has none.

    Example:
        >>> from glassnet.plots.curves import history_series
        >>> history_series({"loss": [0.5, 0.25]}, "loss"), history_series({}, "val_loss")
        ([0.5, 0.25], [])
    """
    values = history.get(key, []) if isinstance(history, Mapping) else getattr(history, key, [])
    return [float(v) for v in (values or [])]


def plot_history(history: Any, ax: Axes | None = None, metric: str = "loss") -> Axes:
    """Training curves: the loss (and/or accuracy) after each epoch, training and validation.

    Args:
        history: what :meth:`Network.fit` returned (a :class:`~glassnet.History`), or a mapping
            with the lists ``loss``, ``val_loss``, ``accuracy``, ``val_accuracy`` (as
            ``glassnet train`` stores in a model file's metadata), or its JSON text.
        ax: the Axes to draw on (default: a new figure).
        metric: ``"loss"``, ``"accuracy"`` or ``"both"`` (accuracy on a second y-axis,
            ``ax.twinx()``, dashed).

    Returns:
        ``ax``: one line per curve with data (training, and validation when there is some).

    Example:
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_history
        >>> ax = Figure().add_subplot()
        >>> ax = plot_history({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5]}, ax=ax)
        >>> [line.get_label() for line in ax.get_lines()]
        ['training loss', 'validation loss']
    """
    if metric not in ("loss", "accuracy", "both"):
        raise ValueError(f"metric must be 'loss', 'accuracy' or 'both', got {metric!r}")
    if isinstance(history, (str, bytes)):
        try:
            history = json.loads(history)
        except json.JSONDecodeError as exc:
            raise ValueError(f"history is text but not JSON: {exc}") from None
    wanted = ["loss", "accuracy"] if metric == "both" else [metric]
    curves = {
        key: history_series(history, key)
        for key in ("loss", "val_loss", "accuracy", "val_accuracy")
    }
    for name in wanted:
        if not curves[name] and not curves["val_" + name]:
            raise ValueError(
                f"the history has no {name} to draw"
                + (
                    " (accuracy is recorded for classification targets only); use metric='loss'"
                    if name == "accuracy"
                    else "; train for at least one epoch first"
                )
            )
    ax = axes_or_new(ax, (6.0, 4.0))
    axes = {"loss": ax, "accuracy": ax.twinx() if metric == "both" else ax}
    style = {"loss": "-", "accuracy": "--" if metric == "both" else "-"}
    for name in wanted:
        for key, label, colour in ((name, "training", "C0"), ("val_" + name, "validation", "C1")):
            values = curves[key]
            if values:
                epochs = np.arange(1, len(values) + 1)
                axes[name].plot(
                    epochs, values, style[name], color=colour, marker=".", label=f"{label} {name}"
                )
        axes[name].set_ylabel(name)
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    handles = [line for a in dict.fromkeys(axes.values()) for line in a.get_lines()]
    if metric == "both":  # below the plot, where the two y-axes' lines cannot hide it
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    else:
        ax.legend(handles=handles, loc="best")
    ax.set_title("training curves" if metric != "accuracy" else "accuracy per epoch")
    return ax


def plot_activations(
    activations: Sequence[Any] | None = None,
    fig: Figure | None = None,
    *,
    z_range: tuple[float, float] = (-5.0, 5.0),
    points: int = 401,
) -> NDArray[Any]:
    """σ(z) (solid) and its derivative σ'(z) (dashed) of each activation, one panel each.

    The curves are glassnet's own ``forward`` and ``prime``, the functions the layers run: the
    tutorial's overview of activation functions, drawn by the code it describes.

    Args:
        activations: names or :class:`~glassnet.Activation` objects (default: every
            elementwise built-in, in the registry's order). softmax is not elementwise, so it
            has no curve σ(z); it raises ValueError.
        fig: the Figure to draw in (default: a new one).
        z_range: (lo, hi) of the z axis.
        points: how many values of z are drawn.

    Returns:
        A 1-D array of Axes, one per activation.

    Example:
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_activations
        >>> axes = plot_activations(["sigmoid", "relu"], fig=Figure())
        >>> [ax.get_title() for ax in axes], len(axes[0].lines)
        (['sigmoid', 'relu'], 3)
    """
    from ..activations import ACTIVATIONS
    from ..activations import get as get_activation

    if activations is None:
        activations = [n for n, e in ACTIVATIONS.items() if getattr(e, "elementwise", True)]
    acts = [get_activation(a) for a in activations]
    if not acts:
        raise ValueError("activations is empty; name at least one, e.g. ['sigmoid']")
    for act in acts:
        if not act.elementwise:
            raise ValueError(
                f"{act.name} is not elementwise: each a_j depends on every z_k, so it has no "
                "curve σ(z); leave it out (softmax of [z, 0] is sigmoid(z))"
            )
    lo, hi = (float(v) for v in z_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"z_range must be (lo, hi) with lo < hi, got {z_range!r}")
    if positive_int(points, "points") < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    z = np.linspace(lo, hi, points)
    fig = figure_or_new(fig, (2.6 * min(len(acts), 4) + 0.4, 2.4 * math.ceil(len(acts) / 4)))
    grid = axes_grid(fig, len(acts), cols=min(len(acts), 4))
    axes = grid.flat[: len(acts)]
    for ax, act in zip(axes, acts, strict=True):
        a = act(z)
        ax.axhline(0.0, color="0.8", linewidth=0.8)
        ax.plot(z, a, color="C0", label="σ(z)")
        ax.plot(z, act.prime(z, a), color="C1", linestyle="--", label="σ'(z)")
        ax.set_title(act.name, fontsize=9)
        ax.set_xlabel("z")
    axes[0].legend(fontsize=8, loc="upper left")
    return np.asarray(list(axes))
