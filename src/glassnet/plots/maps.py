"""Maps over the input: the output and each neuron over the plane of a 2-D input, and the
first layer's weights as images."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import as_features, positive_int
from ..network import Network
from .base import (
    WEIGHT_CMAP,
    axes_grid,
    axes_or_new,
    check_network,
    figure_or_new,
    neuron_cap,
    require_matplotlib,
    shown_neurons,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_decision_boundary", "plot_first_layer_weights", "plot_neuron_maps"]


def _plane(net: Network, what: str) -> None:
    if net.sizes[0] != 2:
        raise ValueError(
            f"{what} needs a network with 2 inputs (a point in the plane); this one has "
            f"n_0 = {net.sizes[0]}"
        )


def _resolution(value: int) -> int:
    res = positive_int(value, "resolution")
    if not 2 <= res <= 2000:
        raise ValueError(f"resolution must be between 2 and 2000 grid points per axis, got {res}")
    return res


def _extent(
    X: NDArray[Any] | None, extent: Sequence[float] | None
) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max): given, else the data's range plus 10 %, else [−1.5, 1.5]²."""
    if extent is not None:
        box = tuple(float(v) for v in extent)
        if len(box) != 4 or not (box[0] < box[1] and box[2] < box[3]):
            raise ValueError(
                f"extent must be (x_min, x_max, y_min, y_max) with min < max, got {extent}"
            )
        return box
    if X is None:
        return (-1.5, 1.5, -1.5, 1.5)
    lo, hi = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    pad = np.where(hi > lo, 0.1 * (hi - lo), 0.5)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def _grid_points(box: tuple[float, float, float, float], res: int, dtype: Any) -> NDArray[Any]:
    """res × res points covering ``box``, row by row from the bottom: shape (res·res, 2)."""
    g0, g1 = np.linspace(box[0], box[1], res), np.linspace(box[2], box[3], res)
    P0, P1 = np.meshgrid(g0, g1)
    return np.column_stack([P0.ravel(), P1.ravel()]).astype(dtype)


def _labels_of(y: Any, m: int) -> NDArray[Any]:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        arr = arr.argmax(axis=1)  # one-hot rows
    arr = arr.reshape(-1) if arr.ndim == 2 and arr.shape[1] == 1 else arr
    if arr.ndim != 1 or arr.shape[0] != m:
        raise ValueError(
            f"y must hold one label (or target) per row of X: {m} of them, got shape {np.shape(y)}"
        )
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"y must hold numbers, got an array of dtype {arr.dtype}")
    return arr


def plot_decision_boundary(
    net: Network, X: Any, y: Any, ax: Axes | None = None, resolution: int = 200
) -> Axes:
    """What a network with 2 inputs outputs at every point of the plane, with the data on top.

    One output neuron: a^(L) as a heat map (with the 0.5 contour, the decision boundary of a
    0/1 classifier). Several: each point takes the colour of its class argmax_j a^(L)_j, paler
    where the network is less sure.

    Args:
        net: a network with n_0 = 2.
        X: the points, shape (m, 2); the picture covers their range plus 10 %.
        y: their class labels (or one-hot rows, or targets for a regression), shape (m,).
        ax: the Axes to draw on (default: a new figure).
        resolution: grid points per axis (the network is evaluated resolution² times).

    Returns:
        ``ax``: one image (the output over the plane) and one scatter of the m points.

    Example:
        >>> import glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_decision_boundary
        >>> data = gn.datasets.load("xor", n_samples=40, seed=0)
        >>> net = gn.Network.from_sizes([2, 4, 1], seed=0)
        >>> ax = Figure().add_subplot()
        >>> ax = plot_decision_boundary(net, data.X_train, data.y_train, ax, resolution=20)
        >>> len(ax.images), len(ax.collections[-1].get_offsets())
        (1, 32)
    """
    net = check_network(net)
    _plane(net, "a decision boundary")
    res = _resolution(resolution)
    x = as_features(X, 2, np.dtype(np.float64))
    labels = _labels_of(y, x.shape[0])
    box = _extent(x, None)
    out = net.predict(_grid_points(box, res, net.dtype)).astype(float)
    mpl = require_matplotlib()
    ax = axes_or_new(ax, (5.5, 4.5))
    n_L = net.sizes[-1]
    if n_L == 1:
        Z = out[:, 0].reshape(res, res)
        lo = min(float(Z.min()), float(labels.min()))
        hi = max(float(Z.max()), float(labels.max()))
        image = ax.imshow(
            Z,
            origin="lower",
            extent=box,
            aspect="auto",
            cmap=WEIGHT_CMAP,
            vmin=lo,
            vmax=hi if hi > lo else lo + 1.0,
            alpha=0.8,
        )
        ax.figure.colorbar(image, ax=ax, label="$a^{(L)}$")
        if float(Z.min()) < 0.5 < float(Z.max()) and np.all(np.isin(labels, (0, 1))):
            ax.contour(Z, levels=[0.5], colors="black", linewidths=1.2, extent=box, origin="lower")
        ax.scatter(
            x[:, 0],
            x[:, 1],
            c=labels.astype(float),
            cmap=WEIGHT_CMAP,
            vmin=lo,
            vmax=hi if hi > lo else lo + 1.0,
            edgecolors="black",
            s=22,
            zorder=3,
        )
    else:
        palette = mpl.colormaps["tab10" if n_L <= 10 else "tab20"]
        colours = np.array([palette(i % palette.N) for i in range(n_L)])
        P = out.reshape(res, res, n_L)
        rgba = colours[P.argmax(axis=2)]
        sure = (P.max(axis=2) - 1.0 / n_L) / (1.0 - 1.0 / n_L)  # 0 at a tie, 1 when certain
        rgba[..., 3] = 0.15 + 0.6 * np.clip(sure, 0.0, 1.0)
        ax.imshow(rgba, origin="lower", extent=box, aspect="auto")
        if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
            raise ValueError("with several outputs, y must be integer class labels (or one-hot)")
        classes = labels.astype(int)
        if classes.min() < 0 or classes.max() >= n_L:
            raise ValueError(f"y has labels outside 0..{n_L - 1}, the classes of the {n_L} outputs")
        ax.scatter(x[:, 0], x[:, 1], c=colours[classes], edgecolors="black", s=22, zorder=3)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title("the network's output over the plane")
    return ax


def plot_neuron_maps(
    net: Network,
    X: Any = None,
    fig: Figure | None = None,
    *,
    resolution: int = 60,
    extent: Sequence[float] | None = None,
    max_neurons: int = 8,
    include_output: bool = False,
) -> NDArray[Any]:
    """What each hidden neuron computes: a^(l)_j over the plane of a 2-D input, one small map
    per neuron, layers as columns (as TensorFlow Playground shows them).

    Args:
        net: a network with n_0 = 2 and at least one hidden layer (or ``include_output``).
        X: points of shape (m, 2): drawn faintly on each map, and they set its range (else
            ``extent``, else [−1.5, 1.5]²).
        fig: the Figure to draw in (default: a new one).
        resolution: grid points per axis.
        extent: (x_min, x_max, y_min, y_max) of the maps.
        max_neurons: at most this many neurons per layer (the first and last few).
        include_output: add the output layer's neurons as a last column.

    Returns:
        The grid of Axes, shape (max neurons drawn in a layer, layers); column c holds layer c+1,
        and the Axes below a short layer's last neuron are switched off.

    Example:
        >>> import glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_neuron_maps
        >>> net = gn.Network.from_sizes([2, 3, 2, 1], seed=0)
        >>> axes = plot_neuron_maps(net, fig=Figure(), resolution=8)
        >>> axes.shape, sum(len(ax.images) for ax in axes.flat)
        ((3, 2), 5)
    """
    net = check_network(net)
    _plane(net, "neuron maps")
    cap = neuron_cap(max_neurons, "max_neurons")
    res = _resolution(resolution)
    layers = list(range(1, net.L + (1 if include_output else 0)))
    if not layers:
        raise ValueError("this network has no hidden layers; pass include_output=True")
    points = None if X is None else as_features(X, 2, np.dtype(np.float64))
    box = _extent(points, extent)
    a, _ = net.forward_pass(_grid_points(box, res, net.dtype))
    shown = {l: shown_neurons(net.sizes[l], cap)[0] for l in layers}
    rows = max(len(v) for v in shown.values())
    fig = figure_or_new(fig, (2.2 * len(layers) + 0.4, 1.9 * rows + 0.5))
    axes = np.asarray(fig.subplots(rows, len(layers), squeeze=False))
    for c, l in enumerate(layers):
        maps = a[l].astype(float)
        lo, hi = float(maps[:, shown[l]].min()), float(maps[:, shown[l]].max())
        for r in range(rows):
            ax = axes[r, c]
            if r >= len(shown[l]):
                ax.set_axis_off()
                continue
            jj = shown[l][r]
            ax.imshow(
                maps[:, jj].reshape(res, res),
                origin="lower",
                extent=box,
                aspect="auto",
                cmap=WEIGHT_CMAP,
                vmin=lo,
                vmax=hi if hi > lo else lo + 1.0,
            )
            if points is not None:
                ax.scatter(points[:, 0], points[:, 1], s=3, c="black", alpha=0.3)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"$a^{{({l})}}_{{{jj}}}$", fontsize=9)
    fig.suptitle("$a^{(l)}_j$ over the input plane (red high, blue low)", fontsize=10)
    return axes


def plot_first_layer_weights(
    net: Network,
    shape: tuple[int, int] | None = None,
    fig: Figure | None = None,
    max_neurons: int = 36,
    *,
    share_scale: bool = True,
) -> NDArray[Any]:
    """Each first-layer neuron's weights as an image: row j of W^(1), shaped like the input.

    Neuron j of layer 1 computes z^(1)_j = Σ_k w^(1)_jk x_k + b^(1)_j, so its weights, laid out
    like the pixels they multiply, show the pattern that excites it (red) or inhibits it (blue).

    Args:
        net: the network; its inputs are images of ``shape``.
        shape: (height, width) with height · width = n_0; default: a square (28×28 for 784).
        fig: the Figure to draw in (default: a new one).
        max_neurons: draw neurons 0..max_neurons−1 of layer 1 (at most).
        share_scale: one colour scale for all images (compare neurons), or one each
            (see each neuron's pattern best).

    Returns:
        The grid of Axes, shape (rows, columns); Axes past the last neuron are switched off.

    Example:
        >>> import glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_first_layer_weights
        >>> net = gn.Network.from_sizes([16, 5, 2], seed=0)
        >>> axes = plot_first_layer_weights(net, fig=Figure())
        >>> axes.shape, sum(len(ax.images) for ax in axes.flat)
        ((2, 3), 5)
    """
    from ..datasets.images import square_image_shape

    net = check_network(net)
    n_0 = net.sizes[0]
    if shape is None:
        shape = square_image_shape(n_0)
        if shape is None:
            raise ValueError(
                f"n_0 = {n_0} inputs are not a square image; give the images' shape (height, "
                "width), as shape=(h, w) (or --shape H W to glassnet plot)"
            )
    if len(shape) != 2 or int(shape[0]) * int(shape[1]) != n_0:
        raise ValueError(
            f"shape must be (height, width) with height · width = n_0 = {n_0}, got {shape}"
        )
    count = min(positive_int(max_neurons, "max_neurons"), net.sizes[1])
    W = net.W[1].astype(float)
    cols = math.ceil(math.sqrt(count))
    fig = figure_or_new(fig, (8.0, 8.0 * math.ceil(count / cols) / cols + 0.6))
    axes = axes_grid(fig, count, cols)
    w_max = float(np.abs(W[:count]).max()) or 1.0
    image = None
    for jj, ax in zip(range(count), axes.flat, strict=False):
        scale = w_max if share_scale else (float(np.abs(W[jj]).max()) or 1.0)
        image = ax.imshow(
            W[jj].reshape(int(shape[0]), int(shape[1])), cmap=WEIGHT_CMAP, vmin=-scale, vmax=scale
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"j = {jj}", fontsize=8)
    if share_scale and image is not None:
        fig.colorbar(image, ax=list(axes.flat), fraction=0.03, label="$w^{(1)}_{jk}$")
    fig.suptitle(f"first-layer weights $w^{{(1)}}_{{jk}}$ of neurons 0..{count - 1}", fontsize=10)
    return axes
