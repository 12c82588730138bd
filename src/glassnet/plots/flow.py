"""The gradient's size in depth and in time: plain vs residual networks, an RNN's steps.

The numbers come from :mod:`glassnet.diagnosis.flow` (its ``gradient_flow`` and
``gradient_through_time``); the functions here only draw them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..diagnosis.flow import gradient_flow, gradient_through_time
from .base import axes_or_new, check_network

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..network import Network

__all__ = ["plot_gradient_flows", "plot_gradient_through_time"]


def _named(nets: Any) -> dict[str, Network]:
    """``{name: network}`` from a mapping, or from a list (named "network 1", …)."""
    if isinstance(nets, Mapping):
        named = dict(nets)
    elif isinstance(nets, Sequence) and not isinstance(nets, str):
        named = {f"network {k}": net for k, net in enumerate(nets, start=1)}
    else:
        named = {}
    if not named:
        raise ValueError(
            "give a network, or several to compare as a dict {name: network} or a list, e.g. "
            "plot_gradient_flow({'plain': plain, 'residual': residual}, X, Y)"
        )
    return {str(name): check_network(net) for name, net in named.items()}


def plot_gradient_flows(nets: Any, X: Any, Y: Any, ax: Axes | None = None) -> Axes:
    """‖∂C/∂W‖ of every layer with weights, in depth order, one line per network (log scale):
    a deep plain network next to the same depth with residual blocks (whose sub-layers count one
    by one, :func:`~glassnet.diagnosis.flow.gradient_flow`).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> plain = gn.Network.from_sizes([2, 3, 3, 1], seed=0)
        >>> block = gn.Residual([gn.Dense(3, 3)])
        >>> res = gn.Network([gn.Dense(2, 3), block, gn.Dense(3, 1)], seed=0)
        >>> ax = plot_gradient_flows({"plain": plain, "residual": res}, [[0.0, 1.0]], [[1.0]],
        ...                          ax=Figure().add_subplot())
        >>> [line.get_label() for line in ax.get_lines()]
        ['plain', 'residual']
    """
    named = _named(nets)
    ax = axes_or_new(ax, (6.0, 4.0))
    anything = False
    for name, net in named.items():
        flow = gradient_flow(net, X, Y)
        anything |= bool(np.any(flow.norms > 0))
        ax.plot(flow.depth, np.where(flow.norms > 0, flow.norms, np.nan), marker="o", label=name)
    if anything:
        ax.set_yscale("log")
    ax.set_xlabel("layer with weights, from the input (a block's layers one by one)")
    ax.set_ylabel("$\\|\\partial C/\\partial W\\|$ (log scale)")
    ax.set_title("gradient flow in depth")
    ax.legend(loc="best")
    return ax


def plot_gradient_through_time(
    net: Network, X: Any, Y: Any, l: int | None = None, ax: Axes | None = None
) -> Axes:
    """‖∂C/∂h_t‖ at every step t = 1..T of the RNN layer l (default: the first), log scale:
    falling towards t = 1, the gradient vanishes through time; rising, it explodes.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> net = gn.Network([gn.RNN(1, 2), gn.Dense(2, 1)], input_shape=(5, 1), seed=0)
        >>> ax = plot_gradient_through_time(net, np.ones((2, 5, 1)), np.ones((2, 1)),
        ...                                 ax=Figure().add_subplot())
        >>> [int(t) for t in ax.get_lines()[0].get_xdata()]
        [1, 2, 3, 4, 5]
    """
    tt = gradient_through_time(check_network(net), X, Y, l)
    norms = tt.norms()
    ax = axes_or_new(ax, (6.0, 4.0))
    steps = list(range(1, tt.T + 1))
    ax.plot(steps, np.where(norms > 0, norms, np.nan), marker="o", label=f"layer {tt.l}")
    if np.any(norms > 0):
        ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("$\\|\\partial C/\\partial h_t\\|$ (log scale)")
    ax.set_title(f"gradient through time: ‖∂C/∂h_1‖ / ‖∂C/∂h_T‖ = {tt.ratio:.3g}")
    ax.legend(loc="best")
    return ax
