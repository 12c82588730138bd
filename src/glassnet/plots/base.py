"""What every picture shares: matplotlib on demand, new Axes or Figures, the neurons drawn.

matplotlib is an optional extra: :func:`require_matplotlib` imports it when a picture is drawn,
or raises an ImportError that says how to install it (``pip install 'glassnet[plot]'``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import positive_int
from ..network import Network

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "INSTALL_HINT",
    "WEIGHT_CMAP",
    "axes_grid",
    "axes_or_new",
    "check_network",
    "figure_or_new",
    "neuron_cap",
    "require_matplotlib",
    "shown_neurons",
]


#: what an ImportError says when matplotlib is missing
INSTALL_HINT = "plots need matplotlib: pip install 'glassnet[plot]'"
#: the colour map of weights and signed values
WEIGHT_CMAP = "coolwarm"  # w < 0 blue, w ≈ 0 grey, w > 0 red


def require_matplotlib() -> Any:
    """The matplotlib module, or an ImportError that says how to install it.

    Example:
        >>> from glassnet.plots import require_matplotlib
        >>> require_matplotlib().__name__
        'matplotlib'
    """
    try:
        import matplotlib
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return matplotlib


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` itself, or the Axes of a new pyplot figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    require_matplotlib()
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


def figure_or_new(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    """``fig`` itself, or a new pyplot figure of ``figsize`` inches."""
    if fig is not None:
        return fig
    require_matplotlib()
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def axes_grid(fig: Figure, n: int, cols: int | None = None) -> NDArray[Any]:
    """A (rows, cols) array of Axes holding at least n; the unused ones are switched off."""
    cols = cols or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return axes


def check_network(net: Any) -> Network:
    """``net`` when it is a :class:`~glassnet.Network`, else a ValueError naming what it is."""
    if not isinstance(net, Network):
        raise ValueError(f"expected a glassnet.Network, got {type(net).__name__}")
    return net


def neuron_cap(value: int, name: str) -> int:
    """``max_neurons`` checked: a whole number of at least 2 (the first and the last neuron)."""
    cap = positive_int(value, name)
    if cap < 2:
        raise ValueError(f"{name} must be at least 2 (the first and the last neuron), got {cap}")
    return cap


def shown_neurons(n: int, cap: int) -> tuple[list[int], int | None]:
    """The neurons drawn of a layer of n: all of them, or the first and last few around a gap.

    Returns the neuron numbers and the slot of the gap (drawn as ⋮), or None without one.

    Example:
        >>> from glassnet.plots.base import shown_neurons
        >>> shown_neurons(784, 5)                     # 0, 1, 2, ⋮, 782, 783
        ([0, 1, 2, 782, 783], 3)
    """
    if n <= cap:
        return list(range(n)), None
    head = (cap + 1) // 2
    return [*range(head), *range(n - (cap - head), n)], head
