"""Pictures of a network on images: its kernels, one sample's feature maps, and the saliency map.

A convolution's numbers are laid out like the image they slide over, so they are best seen as
images: each kernel W^(l)_{o,i} (kH × kW), each channel of a^(l) (H × W), and ∂C/∂x, how much
each input pixel moves the cost.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import positive_int
from ..network import Network
from .base import WEIGHT_CMAP, axes_grid, axes_or_new, check_network, figure_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_feature_maps", "plot_filters", "plot_saliency"]


def _layer_number(net: Network, l: Any, first: int) -> int:
    if isinstance(l, bool) or not isinstance(l, (int, np.integer)):
        raise ValueError(f"the layer number l must be an int, got {l!r}")
    ll = int(l) + net.L + 1 if l < 0 else int(l)
    if not first <= ll <= net.L:
        raise ValueError(f"layer l = {l} does not exist; this network has layers {first}..{net.L}")
    return ll


def _one_image(net: Network, x: Any) -> NDArray[Any]:
    """One sample shaped (C, H, W), as the network's input; ValueError for anything else."""
    shape = net.input_shape
    if len(shape) != 3:
        raise ValueError(
            f"this network takes inputs of shape {shape}, not images (channels, height, width); "
            "give it input_shape=(C, H, W) and a first layer that takes images"
        )
    arr = np.asarray(x, dtype=np.float64)
    if arr.shape == (1, *shape):
        arr = arr[0]
    if arr.shape != shape:
        raise ValueError(f"x must be one image of shape {shape} (or (1, …)), got {arr.shape}")
    return arr


def _show(ax: Axes, image: NDArray[Any], title: str, scale: float, cmap: str = WEIGHT_CMAP) -> Any:
    low = -scale if cmap == WEIGHT_CMAP else 0.0
    shown = ax.imshow(image, cmap=cmap, vmin=low, vmax=scale)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)
    return shown


def plot_filters(
    net: Network, l: int, fig: Figure | None = None, max_filters: int = 16, max_inputs: int = 8
) -> NDArray[Any]:
    """Each kernel of a convolution layer as a small image: row o is output channel o's filter,
    column i its kernel W^(l)_{o,i} over input channel i (kH × kW).

    z^(l)_{o,y,x} = Σ_i Σ_{p,q} w^(l)_{o,i,p,q} a^(l−1)_{i, y·s+p, x·s+q} + b^(l)_o: the
    kernel is the pattern of pixels that excites channel o (red) or inhibits it (blue), one
    colour scale for all.

    Args:
        net: the network; layer l has a weight W of shape (out, in, kH, kW).
        l: the layer, 1..L (negative counts from L).
        fig: the Figure to draw in (default: a new one).
        max_filters, max_inputs: draw at most this many output channels (rows) and input
            channels (columns).

    Returns:
        The grid of Axes, shape (rows, columns); ``axes[o, i].images[0]`` shows W^(l)[o, i].

    Example:
        >>> import glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_filters
        >>> net = gn.Network([gn.Conv2D(2, 3, 3), gn.Flatten()], input_shape=(2, 5, 5), seed=0)
        >>> axes = plot_filters(net, 1, fig=Figure())
        >>> axes.shape, sum(len(ax.images) for ax in axes.flat)
        ((3, 2), 6)
    """
    net = check_network(net)
    l = _layer_number(net, l, 1)
    W = net.layers[l - 1].parameters().get("W")
    if W is None or W.ndim != 4:
        kind = type(net.layers[l - 1]).__name__
        have = "no W" if W is None else f"W of shape {W.shape}"
        raise ValueError(
            f"layer {l} ({kind}) has {have}, not kernels of shape (out, in, kH, kW): "
            "plot_filters draws a convolution layer's filters"
        )
    W = np.asarray(W, dtype=np.float64)
    rows = min(positive_int(max_filters, "max_filters"), W.shape[0])
    cols = min(positive_int(max_inputs, "max_inputs"), W.shape[1])
    fig = figure_or_new(fig, (1.2 * cols + 1.2, 1.2 * rows + 0.6))
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    scale = float(np.abs(W[:rows, :cols]).max()) or 1.0
    image = None
    for o in range(rows):
        for i in range(cols):
            image = _show(axes[o, i], W[o, i], f"o={o}, i={i}", scale)
    if image is not None:
        fig.colorbar(image, ax=list(axes.flat), fraction=0.03, label=f"$w^{{({l})}}_{{o,i,p,q}}$")
    fig.suptitle(f"filters of layer {l}: $W^{{({l})}}$, shape {W.shape}", fontsize=10)
    return axes


def plot_feature_maps(
    net: Network, x: Any, l: int, fig: Figure | None = None, max_channels: int = 36
) -> NDArray[Any]:
    """a^(l) of one sample, one panel per channel: where in the image each filter fired.

    Args:
        net: the network (inputs are images (C, H, W)).
        x: one image, shape (C, H, W) (or (1, C, H, W)).
        l: the layer, 0..L (0 is the image itself; negative counts from L); its outputs must be
            images (channels, height, width), as a convolution's or a pooling layer's are.
        fig: the Figure to draw in (default: a new one).
        max_channels: draw channels 0..max_channels−1 (at most).

    Returns:
        The grid of Axes; ``axes.flat[c].images[0]`` shows a^(l)[c].

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_feature_maps
        >>> net = gn.Network([gn.Conv2D(1, 4, 3), gn.Flatten()], input_shape=(1, 6, 6), seed=0)
        >>> axes = plot_feature_maps(net, np.ones((1, 6, 6)), 1, fig=Figure())
        >>> sum(len(ax.images) for ax in axes.flat)
        4
    """
    net = check_network(net)
    image = _one_image(net, x)
    l = _layer_number(net, l, 0)
    shape = net.shapes[l]
    if len(shape) != 3:
        raise ValueError(
            f"layer {l} outputs shape {shape}, not images (channels, height, width): "
            "plot_feature_maps draws the output of a convolution or pooling layer (or l = 0)"
        )
    a = np.asarray(net.forward_pass(image[None])[0][l][0], dtype=np.float64)
    count = min(positive_int(max_channels, "max_channels"), shape[0])
    cols = math.ceil(math.sqrt(count))
    fig = figure_or_new(fig, (8.0, 8.0 * math.ceil(count / cols) / cols + 0.6))
    axes = axes_grid(fig, count, cols)
    low, high = float(a[:count].min()), float(a[:count].max())
    for c, ax in zip(range(count), axes.flat, strict=False):
        ax.imshow(a[c], cmap="viridis", vmin=low, vmax=high if high > low else low + 1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"channel {c}", fontsize=8)
    fig.suptitle(f"feature maps $a^{{({l})}}$ of one sample, shape {shape}", fontsize=10)
    return axes


def plot_saliency(net: Network, x: Any, y: Any, ax: Axes | None = None) -> Axes:
    """|∂C/∂x| for one image as a heat map: the pixels whose change moves the cost most.

    The input gradient ∂C/∂a^(0) is what backpropagation hands back past layer 1 (the trace's
    ``dC_da[0]``); for an image of several channels the map shows the largest |∂C/∂x| of each
    pixel over its channels.

    Args:
        net: the network (inputs are images (C, H, W)).
        x: one image, shape (C, H, W) (or (1, C, H, W)); y: its target or class label.
        ax: the Axes to draw on (default: a new figure).

    Returns:
        ``ax``; ``ax.images[0]`` holds the (H, W) map.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_saliency
        >>> net = gn.Network([gn.Conv2D(1, 2, 3), gn.Flatten(), gn.Dense(32, 2)],
        ...                  input_shape=(1, 6, 6), seed=0)
        >>> ax = plot_saliency(net, np.ones((1, 6, 6)), 1, ax=Figure().add_subplot())
        >>> ax.images[0].get_array().shape
        (6, 6)
    """
    net = check_network(net)
    image = _one_image(net, x)
    targets = np.asarray(y)
    one = targets.reshape(1, -1) if targets.ndim else targets.reshape(1)
    g = np.asarray(net.trace(image[None], one).dC_da[0][0], dtype=np.float64)  # ∂C/∂x
    heat = np.abs(g).max(axis=0)
    ax = axes_or_new(ax, (4.5, 4.0))
    shown = _show(ax, heat, "", float(heat.max()) or 1.0, cmap="magma")
    ax.figure.colorbar(shown, ax=ax, fraction=0.046, label=r"$|\partial C/\partial x|$")
    ax.set_title(r"saliency $|\partial C/\partial x|$ of one image", fontsize=10)
    return ax
