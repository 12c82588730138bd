"""Layer by layer: how the gradient's size changes from L back to 1, and the values a^(l) takes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import positive_int
from ..network import Network
from .base import (
    axes_or_new,
    check_network,
    figure_or_new,
)
from .flow import plot_gradient_flows

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..activations import Activation

__all__ = ["plot_activation_histograms", "plot_gradient_flow"]


def plot_gradient_flow(net: Any, X: Any, Y: Any, ax: Axes | None = None) -> Axes:
    """How the gradient's size changes from layer L back to layer 1 (log scale).

    Given several networks (a dict ``{name: network}`` or a list), one line per network of
    ‖∂C/∂W‖ in depth order instead, a Residual block's layers one by one
    (:func:`~glassnet.plots.flow.plot_gradient_flows`): a deep plain network next to the same
    depth with skips.

    Two lines over l = 1..L: ‖∂C/∂W^(l)‖ (Frobenius norm of the mini-batch gradient) and the
    mean of |δ^(l)_ij| over samples and neurons. Falling by orders of magnitude towards layer 1
    is the vanishing gradient; rising, the exploding gradient. A zero (a layer that learns
    nothing on these samples) cannot be drawn on a log scale and is left out of its line.

    Args:
        net: the network.
        X, Y: a mini-batch, as for :meth:`Network.trace`.
        ax: the Axes to draw on (default: a new figure).

    Returns:
        ``ax`` with the two lines (labels ``"‖∂C/∂W^(l)‖"`` and ``"mean |δ^(l)|"``).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_gradient_flow
        >>> net = gn.Network.from_sizes([2, 3, 3, 1], seed=0)
        >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1, 0])
        >>> ax = plot_gradient_flow(net, X, Y, ax=Figure().add_subplot())
        >>> [len(line.get_xdata()) for line in ax.get_lines()]
        [3, 3]
    """
    if not isinstance(net, Network):
        return plot_gradient_flows(net, X, Y, ax)
    t = net.trace(X, Y)
    layers = list(range(1, net.L + 1))
    norms = np.array([float(np.linalg.norm(t.dW[l])) for l in layers])
    deltas = np.array([float(np.mean(np.abs(t.delta[l]))) for l in layers])
    ax = axes_or_new(ax, (5.5, 4.0))
    for values, label, marker in (
        (norms, "$\\|\\partial C/\\partial W^{(l)}\\|$", "o"),
        (deltas, "mean $|\\delta^{(l)}|$", "s"),
    ):
        shown = np.where(values > 0, values, np.nan)
        ax.plot(layers, shown, marker=marker, label=label)
    if np.any(np.concatenate([norms, deltas]) > 0):
        ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xlabel("layer l")
    ax.set_ylabel("size (log scale)")
    ax.set_title(f"gradient flow over {t.a[0].shape[0]} samples")
    ax.legend(loc="best")
    return ax


#: how close to an end of σ's range a value of a saturating activation counts as saturated
_NEAR_END = 0.02


def _extremes(act: Activation, a: NDArray[Any]) -> str | None:
    """The share of the values a of a layer that are dead or saturated, in words, from what the
    activation says of itself: dead values sit at the lowest of its range (``act.dies``, relu:
    "exactly 0"), saturated ones within 0.02 of a finite end (``act.saturates``, sigmoid:
    "within 0.02 of 0 or 1"). None when it can do neither."""
    low, high = act.output_range
    if act.dies and math.isfinite(low):
        return f"{100 * float(np.mean(a == low)):.0f} % exactly {low:g}"
    ends = [end for end in (low, high) if math.isfinite(end)]
    if not act.saturates or not ends:
        return None
    near = np.zeros(a.shape, dtype=bool)
    if math.isfinite(low):
        near |= a < low + _NEAR_END
    if math.isfinite(high):
        near |= a > high - _NEAR_END
    where = f"±{high:g}" if low == -high else " or ".join(f"{end:g}" for end in ends)
    return f"{100 * float(np.mean(near)):.0f} % within {_NEAR_END:g} of {where}"


def plot_activation_histograms(
    net: Network,
    X: Any,
    fig: Figure | None = None,
    *,
    bins: int = 30,
    include_output: bool = False,
) -> NDArray[Any]:
    """The values a^(l) takes on the samples X, one histogram per hidden layer.

    A sigmoid or tanh layer piled up at its ends is saturated (σ' ≈ 0, so little gradient
    passes back through it); a ReLU layer piled at 0 has dead neurons. Each title says which
    fraction of the values is there.

    Args:
        net: the network.
        X: samples, shape (m, n_0).
        fig: the Figure to draw in (default: a new one).
        bins: histogram bins.
        include_output: add the output layer a^(L).

    Returns:
        A 1-D array of Axes, one per layer drawn (layer 1 first).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_activation_histograms
        >>> net = gn.Network.from_sizes([2, 4, 3, 1], seed=0)
        >>> X = np.random.default_rng(0).normal(size=(20, 2))
        >>> axes = plot_activation_histograms(net, X, fig=Figure())
        >>> len(axes), [len(ax.patches) for ax in axes]
        (2, [30, 30])
    """
    net = check_network(net)
    bins = positive_int(bins, "bins")
    layers = list(range(1, net.L + (1 if include_output else 0)))
    if not layers:
        raise ValueError("this network has no hidden layers; pass include_output=True")
    a, _ = net.forward_pass(X)
    fig = figure_or_new(fig, (3.2 * len(layers) + 0.5, 3.2))
    axes = np.asarray(fig.subplots(1, len(layers), squeeze=False))[0]
    for ax, l in zip(axes, layers, strict=True):
        values = a[l].astype(float).ravel()
        ax.hist(values, bins=bins, color="C0")
        act = net.layers[l - 1].activation
        title = f"$a^{{({l})}}$ ({act.name})"
        extremes = _extremes(act, values)
        if extremes is not None:
            title += f"\n{extremes}"
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("activation")
    axes[0].set_ylabel("count")
    return axes
