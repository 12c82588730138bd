"""Pictures of a network: what it computes, how it learned, and where its gradients come from.

Every function draws onto matplotlib Axes and returns them, so that a picture can be placed in a
figure of your own (``ax=`` or ``fig=``) or shown on its own (``plt.show()``). matplotlib is an
optional extra and is imported only when a picture is drawn::

    pip install 'glassnet[plot]'

>>> import glassnet as gn
>>> from glassnet import plots                     # doctest: +SKIP
>>> ax = plots.plot_network(gn.Network.from_sizes([2, 3, 1], seed=0))    # doctest: +SKIP

================================  =============================================================
function                          picture
================================  =============================================================
:func:`plot_history`              loss / accuracy per epoch, training and validation
:func:`plot_network`              neurons as circles, weights w^(l)_jk as lines (colour = sign,
                                  width = |w|), optionally one sample's activations a^(l)_j
:func:`plot_backward_graph`       the chain rule for one weight: w → z^(l)_j → a^(l)_j → z^(l+1)
                                  → … → a^(L) → C, each edge labelled with its factor
:func:`plot_decision_boundary`    a^(L) over the plane of a 2-D input, with the data
:func:`plot_neuron_maps`          a^(l)_j of every hidden neuron over the plane of a 2-D input
:func:`plot_first_layer_weights`  row j of W^(1) as an image, for image inputs
:func:`plot_gradient_flow`        ‖∂C/∂W^(l)‖ and mean |δ^(l)| per layer, on a log scale
:func:`plot_activation_histograms`  the values a^(l) takes, one histogram per hidden layer
================================  =============================================================

Colours: a weight or value above 0 is red, below 0 blue (matplotlib's ``coolwarm``); near 0 grey.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import as_features, positive_int
from .network import Network

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .activations import Activation

__all__ = [
    "KINDS",
    "figure_for",
    "plot_activation_histograms",
    "plot_activations",
    "plot_backward_graph",
    "plot_decision_boundary",
    "plot_first_layer_weights",
    "plot_gradient_flow",
    "plot_history",
    "plot_network",
    "plot_neuron_maps",
]

INSTALL_HINT = "plots need matplotlib: pip install 'glassnet[plot]'"
#: the sharpest picture ``glassnet plot --dpi`` draws: print quality, and an 8 × 6 inch figure
#: stays under 20 million pixels (a larger dpi would ask for gigabytes of image memory)
MAX_DPI = 600
WEIGHT_CMAP = "coolwarm"  # w < 0 blue, w ≈ 0 grey, w > 0 red


# -- helpers ----------------------------------------------------------------------------------


def _matplotlib() -> Any:
    """The matplotlib module, or an ImportError that says how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return matplotlib


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _matplotlib()
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


def _figure(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    if fig is not None:
        return fig
    _matplotlib()
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def _grid(fig: Figure, n: int, cols: int | None = None) -> NDArray[Any]:
    """A (rows, cols) array of Axes holding at least n; the unused ones are switched off."""
    cols = cols or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return axes


def _network(net: Any) -> Network:
    if not isinstance(net, Network):
        raise ValueError(f"expected a glassnet.Network, got {type(net).__name__}")
    return net


def _cap(value: int, name: str) -> int:
    cap = positive_int(value, name)
    if cap < 2:
        raise ValueError(f"{name} must be at least 2 (the first and the last neuron), got {cap}")
    return cap


def _shown(n: int, cap: int) -> tuple[list[int], int | None]:
    """The neurons drawn of a layer of n: all of them, or the first and last few around a gap.

    Returns the neuron numbers and the slot of the gap (drawn as ⋮), or None without one.
    """
    if n <= cap:
        return list(range(n)), None
    head = (cap + 1) // 2
    return [*range(head), *range(n - (cap - head), n)], head


def _slots(n: int, cap: int) -> tuple[list[int], list[float], float | None]:
    """Neuron numbers drawn and their heights, top to bottom and centred on 0; the gap's height."""
    shown, gap = _shown(n, cap)
    total = len(shown) + (gap is not None)
    top = (total - 1) / 2
    heights = [top - (p if gap is None or p < gap else p + 1) for p in range(len(shown))]
    return shown, heights, (None if gap is None else top - gap)


def _one_sample(net: Network, x: Any, name: str = "x") -> NDArray[Any]:
    """One sample as a (1, n_0) array of the network's dtype."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[0] != 1:
        raise ValueError(
            f"{name} must be one sample, of shape (n_0,) = ({net.sizes[0]},), got shape "
            f"{np.shape(x)}; pick one row, e.g. X[0]"
        )
    return as_features(arr, net.sizes[0], net.dtype, name)


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


# -- training curves --------------------------------------------------------------------------


def _series(history: Any, key: str) -> list[float]:
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
        key: _series(history, key) for key in ("loss", "val_loss", "accuracy", "val_accuracy")
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
    ax = _axes(ax, (6.0, 4.0))
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


# -- the network diagram ----------------------------------------------------------------------


def plot_network(
    net: Network,
    x: Any = None,
    ax: Axes | None = None,
    *,
    max_neurons: int = 10,
    labels: bool | None = None,
) -> Axes:
    """The network as the tutorial draws it: layers 0..L left to right, neurons as circles, and
    each weight w^(l)_jk as a line from neuron k of layer l−1 to neuron j of layer l.

    A weight's colour is its sign (red > 0, blue < 0) and its width grows with |w|, scaled by the
    largest |w| drawn, so the thickest line is the largest weight. With a sample ``x`` the
    neurons are filled with that sample's activations a^(l)_j (colour bar on the right).

    Args:
        net: the network.
        x: one sample, shape (n_0,), whose forward pass is shown; ``None`` for empty neurons.
        ax: the Axes to draw on (default: a new figure).
        max_neurons: at most this many neurons are drawn per layer: the first and the last few,
            with ⋮ for the rest (a 784-input layer draws 10 circles, not 784).
        labels: write each activation's value in its neuron (default: when every layer is drawn
            whole and has at most 8 neurons; needs ``x``).

    Returns:
        ``ax``. Its patches are the neurons (``matplotlib.patches.Circle``, gid ``"a^(l)_j"``);
        its collections hold one ``LineCollection`` per layer l (gid ``"W^(l)"``) whose segments
        are the drawn weights, row by row: (j, k) for the drawn j of layer l and k of layer l−1.

    Example:
        >>> import glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_network
        >>> ax = plot_network(gn.Network.from_sizes([3, 4, 2], seed=0), ax=Figure().add_subplot())
        >>> len(ax.patches), [len(c.get_segments()) for c in ax.collections]
        (9, [12, 8])
    """
    net = _network(net)
    cap = _cap(max_neurons, "max_neurons")
    _matplotlib()
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import Circle

    layout = [_slots(n, cap) for n in net.sizes]
    tallest = max(len(shown) + (gap is not None) for shown, _, gap in layout)
    dx = max(2.5, 0.5 * tallest)  # horizontal distance between layers
    radius = 0.3
    ax = _axes(ax, (2.0 + 1.3 * net.L * dx / 2.5, 1.0 + 0.55 * tallest))

    activations = None
    if x is not None:
        a, _ = net._forward(_one_sample(net, x))
        activations = [a_l[0] for a_l in a]
    whole = all(len(shown) == n for (shown, _, _), n in zip(layout, net.sizes, strict=True))
    if labels is None:
        labels = activations is not None and whole and max(net.sizes) <= 8
    if labels and activations is None:
        raise ValueError("labels=True writes the activations of a sample; pass x as well")

    # the weights: one LineCollection per layer, colour = sign, width ∝ |w^(l)_jk|
    drawn = [net.W[l][np.ix_(layout[l][0], layout[l - 1][0])] for l in range(1, net.L + 1)]
    w_max = max(float(np.max(np.abs(W))) for W in drawn) or 1.0
    cmap = _matplotlib().colormaps[WEIGHT_CMAP]
    norm = Normalize(-w_max, w_max)
    for l, W in enumerate(drawn, start=1):
        _, y_to, _ = layout[l]
        _, y_from, _ = layout[l - 1]
        segments = [
            [((l - 1) * dx + radius, yk), (l * dx - radius, yj)] for yj in y_to for yk in y_from
        ]
        w = W.ravel().astype(float)
        lines = LineCollection(
            segments,
            colors=cmap(norm(w)),
            linewidths=0.3 + 3.2 * np.abs(w) / w_max,
            zorder=1,
            gid=f"W^({l})",
        )
        ax.add_collection(lines)

    # the neurons, and a ⋮ where some are left out
    a_norm = None
    if activations is not None:
        values = np.concatenate(
            [act[shown] for act, (shown, _, _) in zip(activations, layout, strict=True)]
        )
        lo, hi = float(values.min()), float(values.max())
        a_norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    a_cmap = _matplotlib().colormaps["viridis"]
    for l, (shown, heights, gap) in enumerate(layout):
        for j, yj in zip(shown, heights, strict=True):
            face: Any = "white"
            if activations is not None and a_norm is not None:
                value = float(activations[l][j])
                face = a_cmap(a_norm(value))
            ax.add_patch(
                Circle(
                    (l * dx, yj),
                    radius,
                    facecolor=face,
                    edgecolor="black",
                    lw=1.0,
                    zorder=2,
                    gid=f"a^({l})_{j}",
                )
            )
            if labels and activations is not None and a_norm is not None:
                value = float(activations[l][j])
                dark = a_norm(value) < 0.6  # viridis is dark at its low end
                ax.text(
                    l * dx,
                    yj,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                    zorder=3,
                )
        if gap is not None:
            hidden = net.sizes[l] - len(shown)
            ax.text(l * dx, gap, f"⋮ {hidden}", ha="center", va="center", fontsize=9, zorder=3)
        name = "input" if l == 0 else net.layers[l - 1].activation.name
        ax.text(
            l * dx,
            -(tallest / 2) - 0.4,
            f"layer {l}\n{name}, n={net.sizes[l]}",
            ha="center",
            va="top",
            fontsize=8,
        )

    if activations is not None and a_norm is not None:
        from matplotlib.cm import ScalarMappable

        bar = ax.figure.colorbar(ScalarMappable(a_norm, a_cmap), ax=ax, fraction=0.04, pad=0.02)
        bar.set_label("activation a of the sample")
    ax.set_xlim(-1.0, net.L * dx + 1.0)
    ax.set_ylim(-(tallest / 2) - 1.4, tallest / 2 + 0.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"{'-'.join(map(str, net.sizes))} network: weights red > 0, blue < 0, width ∝ |w|")
    return ax


# -- the backward pass for one weight ---------------------------------------------------------


def _tex(symbol: str, l: int | str, sub: str) -> str:
    return f"{symbol}^{{({l})}}_{{{sub}}}"


def _jk(j: int, k: int) -> str:
    return f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}"  # w_{3,20}, not the ambiguous w_{320}


def plot_backward_graph(
    net: Network,
    l: int,
    j: int,
    k: int,
    ax: Axes | None = None,
    x: Any = None,
    y: Any = None,
    *,
    max_neurons: int = 5,
    max_labels: int = 30,
) -> Axes:
    """The dependency graph of ∂C/∂w^(l)_jk: every way the weight w^(l)_jk reaches the cost.

    The nodes are the quantities the weight changes, layer by layer, as in the tutorial's figure::

        w^(l)_jk → z^(l)_j → a^(l)_j → z^(l+1)_i → a^(l+1)_i → … → a^(L)_p → C

    and each edge carries its chain-rule factor ∂head/∂tail: a^(l−1)_k for w → z, σ'(z) for
    z → a, w^(m)_ip for a^(m−1)_p → z^(m)_i, ∂C/∂a^(L)_p for a^(L)_p → C (with a softmax layer,
    ∂a_p/∂z_i from every z to every a). ∂C/∂w^(l)_jk is the sum, over the paths from w to C,
    of the product of the factors on the path. With a penalty (``net.l2``, ``net.l1``) the weight
    also reaches C directly, with the factor λ₂w + λ₁ sign(w).

    Args:
        net: the network.
        l, j, k: the weight w^(l)_jk = ``net.W[l][j, k]`` (l = 1..L; negative l counts from L).
        ax: the Axes to draw on (default: a new figure).
        x, y: one sample and its target; when given, every node and factor shows its value and
            the title shows ∂C/∂w^(l)_jk for that sample (equal to ``net.gradients(x, y)``).
        max_neurons: at most this many neurons per layer after layer l (the first and last few).
        max_labels: label every edge when there are at most this many, else only the edges
            from w to a^(l) and into C.

    Returns:
        ``ax``. Nodes are texts with gid ``"node"``, edges ``FancyArrowPatch`` patches with gid
        ``"edge"``, factors texts with gid ``"factor"``.

    Example:
        >>> import glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet.plots import plot_backward_graph
        >>> net = gn.Network.from_sizes([2, 3, 2], seed=0)
        >>> ax = plot_backward_graph(net, 1, 0, 1, ax=Figure().add_subplot())
        >>> sum(p.get_gid() == "edge" for p in ax.patches)    # w→z, z→a, 2 a→z, 2 z→a, 2 a→C
        8
    """
    net = _network(net)
    cap = _cap(max_neurons, "max_neurons")
    L = net.L
    for name, number in (("l", l), ("j", j), ("k", k)):
        if isinstance(number, bool) or not isinstance(number, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {number!r}")
    if l < 0:
        l += L + 1
    if not 1 <= l <= L:
        raise ValueError(f"l must be a layer with weights, 1..{L} (or −1..−{L}), got {l}")
    l, j, k = int(l), int(j), int(k)
    if not 0 <= j < net.sizes[l]:
        raise ValueError(f"j must be a neuron of layer {l}, 0..{net.sizes[l] - 1}, got {j}")
    if not 0 <= k < net.sizes[l - 1]:
        raise ValueError(f"k must be a neuron of layer {l - 1}, 0..{net.sizes[l - 1] - 1}, got {k}")
    if (x is None) != (y is None):
        raise ValueError("give both x and y (one sample and its target) to show values, or neither")

    a = z = dC_daL = None
    grad = cost = None
    if x is not None:
        target = np.asarray(y)
        target = target.reshape(1) if target.size == 1 else target.reshape(1, -1)
        xs, ys, _ = net._check_xy(_one_sample(net, x), target)
        a_all, z_all = net._forward(xs)
        a, z = [v[0].astype(float) for v in a_all], [v[0].astype(float) for v in z_all]
        dC_daL = net.cost_function.derivative(a_all[L], ys)[0].astype(float)  # ∂C/∂a^(L)
        cost = float(net.cost(xs, ys))
        grad = float(net.gradients(xs, ys).W[l][j, k])

    # columns of nodes (label, value), left to right; edges (column, row → column, row, factor)
    Node = tuple[str, float | None]
    columns: list[list[Node]] = []
    edges: list[tuple[int, int, int, int, str, float | None, bool]] = []  # col, row → col, row

    def at(arr: list[NDArray[Any]] | None, m: int, i: int) -> float | None:
        return None if arr is None else float(arr[m][i])

    w_value = float(net.W[l][j, k])
    columns.append([(f"${_tex('w', l, _jk(j, k))}$", w_value)])
    columns.append([(f"${_tex('z', l, str(j))}$", at(z, l, j))])
    z_rows = [j]  # neurons of layer m whose z the weight reaches
    edges.append((0, 0, 1, 0, f"${_tex('a', l - 1, str(k))}$", at(a, l - 1, k), True))
    gaps: dict[int, tuple[int, int]] = {}  # column → (slot of the ⋮, neurons left out)
    for m in range(l, L + 1):
        act = net.layers[m - 1].activation
        zc = len(columns) - 1
        a_rows = z_rows
        if zc in gaps:  # the same neurons, the same gap
            gaps[zc + 1] = gaps[zc]
        if m == l and not act.elementwise:  # softmax: z^(l)_j changes every a^(l)_p
            a_rows, gap = _shown(net.sizes[m], cap)
            if gap is not None:
                gaps[zc + 1] = (gap, net.sizes[m] - len(a_rows))
        # z^(m) → a^(m)
        columns.append([(f"${_tex('a', m, str(i))}$", at(a, m, i)) for i in a_rows])
        J = None
        if a is not None and z is not None and not act.elementwise:
            J = act.jacobian(z[m][None, :], a[m][None, :])[0]  # J[p, i] = ∂a_p/∂z_i
        for r, i in enumerate(z_rows):
            for c, p in enumerate(a_rows):
                if act.elementwise and p != i:
                    continue
                if act.elementwise:
                    sym = f"$\\sigma'({_tex('z', m, str(i))})$"
                    val = (
                        None
                        if a is None or z is None
                        else float(act.prime(z[m][None, :], a[m][None, :])[0, i])
                    )
                else:
                    sym = f"$\\partial {_tex('a', m, str(p))}/\\partial {_tex('z', m, str(i))}$"
                    val = None if J is None else float(J[p, i])
                edges.append((zc, r, zc + 1, c, sym, val, m == l))
        if m == L:
            break
        # a^(m) → z^(m+1): every drawn neuron of layer m+1
        next_rows, gap = _shown(net.sizes[m + 1], cap)
        ac = len(columns) - 1
        columns.append([(f"${_tex('z', m + 1, str(i))}$", at(z, m + 1, i)) for i in next_rows])
        if gap is not None:
            gaps[ac + 1] = (gap, net.sizes[m + 1] - len(next_rows))
        for r, p in enumerate(a_rows):
            for c, i in enumerate(next_rows):
                w = float(net.W[m + 1][i, p])
                edges.append((ac, r, ac + 1, c, f"${_tex('w', m + 1, _jk(i, p))}$", w, False))
        z_rows = next_rows
    # a^(L) → C
    ac = len(columns) - 1
    columns.append([("$C$", cost)])
    for r, p in enumerate(a_rows):
        sym = f"$\\partial C/\\partial {_tex('a', L, str(p))}$"
        edges.append((ac, r, ac + 1, 0, sym, None if dC_daL is None else float(dC_daL[p]), True))
    penalty = net.l2, net.l1
    if any(penalty):
        val = penalty[0] * w_value + penalty[1] * float(np.sign(w_value))
        sym = "$\\lambda_2 w + \\lambda_1\\,\\mathrm{sign}(w)$"
        edges.append((0, 0, len(columns) - 1, 0, sym, val, True))

    # drawing: columns left to right, nodes centred vertically
    _matplotlib()
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    dx, dy = 2.4, 1.0
    tallest = max(len(col) + (c in gaps) for c, col in enumerate(columns))
    ax = _axes(ax, (1.0 + 1.55 * len(columns), 1.4 + 0.95 * tallest))
    where: dict[tuple[int, int], tuple[float, float]] = {}
    for c, col in enumerate(columns):
        top = (len(col) + (c in gaps) - 1) / 2 * dy
        for r, (sym, val) in enumerate(col):
            slot = r + (c in gaps and r >= gaps[c][0])
            pos = (c * dx, top - slot * dy)
            where[c, r] = pos
            text = sym if val is None else f"{sym}\n{val + 0.0:.3g}"
            ax.text(
                *pos,
                text,
                ha="center",
                va="center",
                fontsize=9,
                zorder=3,
                gid="node",
                bbox={"boxstyle": "round,pad=0.3", "fc": "#f4f4f4", "ec": "0.3"},
            )
        if c in gaps:
            ax.text(
                c * dx,
                top - gaps[c][0] * dy,
                f"⋮ {gaps[c][1]} more",
                ha="center",
                va="center",
                fontsize=8,
            )
    label_all = len(edges) <= max_labels
    half = tallest / 2 * dy + 0.6
    for c0, r0, c1, r1, sym, val, key in edges:
        start, end = where[c0, r0], where[c1, r1]
        direct = c1 - c0 > 1  # the penalty's edge w → C runs above the graph
        route = [start, (start[0], half + 0.3), (end[0], half + 0.3), end]
        arrow = FancyArrowPatch(
            path=Path(route, [Path.MOVETO] + [Path.LINETO] * 3) if direct else None,
            posA=None if direct else start,
            posB=None if direct else end,
            arrowstyle="-|>",
            mutation_scale=9,
            shrinkA=16,
            shrinkB=16,
            color="0.35",
            lw=0.8,
            zorder=1,
            gid="edge",
        )
        ax.add_patch(arrow)
        if label_all or key:
            fan = len(columns[c1]) - len(columns[c0])  # spread labels where edges spread
            t = 0.5 if direct or start[1] == end[1] else (0.64 if fan > 0 else 0.5 if fan else 0.4)
            mx, my = start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])
            if direct:
                my = half + 0.3
            text = sym if val is None else f"{sym}\n= {val + 0.0:.3g}"
            ax.text(
                mx,
                my,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="darkred",
                zorder=2,
                gid="factor",
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            )
    ax.set_xlim(-0.8, (len(columns) - 1) * dx + 0.8)
    ax.set_ylim(-half, half + (0.8 if any(penalty) else 0.0))
    ax.set_axis_off()
    title = (
        f"$\\partial C/\\partial {_tex('w', l, _jk(j, k))}$ = Σ over paths of the product "
        "of the factors on the edges"
    )
    if grad is not None:
        title += f"\n= {grad:.6g} for this sample"
    ax.set_title(title, fontsize=10)
    return ax


# -- the plane of a 2-D input -----------------------------------------------------------------


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
    net = _network(net)
    _plane(net, "a decision boundary")
    res = _resolution(resolution)
    x = as_features(X, 2, np.dtype(np.float64))
    labels = _labels_of(y, x.shape[0])
    box = _extent(x, None)
    out = net.predict(_grid_points(box, res, net.dtype)).astype(float)
    mpl = _matplotlib()
    ax = _axes(ax, (5.5, 4.5))
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
    net = _network(net)
    _plane(net, "neuron maps")
    cap = _cap(max_neurons, "max_neurons")
    res = _resolution(resolution)
    layers = list(range(1, net.L + (1 if include_output else 0)))
    if not layers:
        raise ValueError("this network has no hidden layers; pass include_output=True")
    points = None if X is None else as_features(X, 2, np.dtype(np.float64))
    box = _extent(points, extent)
    a, _ = net._forward(_grid_points(box, res, net.dtype))
    shown = {l: _shown(net.sizes[l], cap)[0] for l in layers}
    rows = max(len(v) for v in shown.values())
    fig = _figure(fig, (2.2 * len(layers) + 0.4, 1.9 * rows + 0.5))
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


# -- images, gradients and histograms ---------------------------------------------------------


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
    net = _network(net)
    n_0 = net.sizes[0]
    if shape is None:
        side = math.isqrt(n_0)
        if side * side != n_0:
            raise ValueError(
                f"n_0 = {n_0} inputs are not a square image; give the images' shape (height, "
                "width), as shape=(h, w) (or --shape H W to glassnet plot)"
            )
        shape = (side, side)
    if len(shape) != 2 or int(shape[0]) * int(shape[1]) != n_0:
        raise ValueError(
            f"shape must be (height, width) with height · width = n_0 = {n_0}, got {shape}"
        )
    count = min(positive_int(max_neurons, "max_neurons"), net.sizes[1])
    W = net.W[1].astype(float)
    cols = math.ceil(math.sqrt(count))
    fig = _figure(fig, (8.0, 8.0 * math.ceil(count / cols) / cols + 0.6))
    axes = _grid(fig, count, cols)
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


def plot_gradient_flow(net: Network, X: Any, Y: Any, ax: Axes | None = None) -> Axes:
    """How the gradient's size changes from layer L back to layer 1 (log scale).

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
    net = _network(net)
    t = net.trace(X, Y)
    layers = list(range(1, net.L + 1))
    norms = np.array([float(np.linalg.norm(t.dW[l])) for l in layers])
    deltas = np.array([float(np.mean(np.abs(t.delta[l]))) for l in layers])
    ax = _axes(ax, (5.5, 4.0))
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
    net = _network(net)
    bins = positive_int(bins, "bins")
    layers = list(range(1, net.L + (1 if include_output else 0)))
    if not layers:
        raise ValueError("this network has no hidden layers; pass include_output=True")
    a, _ = net._forward(as_features(X, net.sizes[0], net.dtype))
    fig = _figure(fig, (3.2 * len(layers) + 0.5, 3.2))
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


# -- one picture of a saved model, for ``glassnet plot`` ----------------------------------------

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
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

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
        has_accuracy = bool(_series(history, "accuracy") or _series(history, "val_accuracy"))
        plot_history(history, ax=fig.add_subplot(), metric="both" if has_accuracy else "loss")
    return fig


# -- the tutorial's overview of activation functions -------------------------------------------


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
    from .activations import ACTIVATIONS
    from .activations import get as get_activation

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
    fig = _figure(fig, (2.6 * min(len(acts), 4) + 0.4, 2.4 * math.ceil(len(acts) / 4)))
    grid = _grid(fig, len(acts), cols=min(len(acts), 4))
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
