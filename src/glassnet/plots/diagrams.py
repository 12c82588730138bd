"""Diagrams of the network: its neurons and weights, and the chain rule's graph for one weight."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import as_features
from ..network import Network
from .base import (
    WEIGHT_CMAP,
    axes_or_new,
    check_network,
    neuron_cap,
    require_matplotlib,
    shown_neurons,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_backward_graph", "plot_network"]


def _slots(n: int, cap: int) -> tuple[list[int], list[float], float | None]:
    """Neuron numbers drawn and their heights, top to bottom and centred on 0; the gap's height."""
    shown, gap = shown_neurons(n, cap)
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
    net = check_network(net)
    cap = neuron_cap(max_neurons, "max_neurons")
    require_matplotlib()
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import Circle

    layout = [_slots(n, cap) for n in net.sizes]
    tallest = max(len(shown) + (gap is not None) for shown, _, gap in layout)
    dx = max(2.5, 0.5 * tallest)  # horizontal distance between layers
    radius = 0.3
    ax = axes_or_new(ax, (2.0 + 1.3 * net.L * dx / 2.5, 1.0 + 0.55 * tallest))

    activations = None
    if x is not None:
        a, _ = net.forward_pass(_one_sample(net, x))
        activations = [a[l][0] for l in range(net.L + 1)]  # a^(l) of the sample, l = 0..L
    whole = all(len(shown) == n for (shown, _, _), n in zip(layout, net.sizes, strict=True))
    if labels is None:
        labels = activations is not None and whole and max(net.sizes) <= 8
    if labels and activations is None:
        raise ValueError("labels=True writes the activations of a sample; pass x as well")

    # the weights: one LineCollection per layer, colour = sign, width ∝ |w^(l)_jk|
    drawn = [net.W[l][np.ix_(layout[l][0], layout[l - 1][0])] for l in range(1, net.L + 1)]
    w_max = max(float(np.max(np.abs(W))) for W in drawn) or 1.0
    cmap = require_matplotlib().colormaps[WEIGHT_CMAP]
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
    a_cmap = require_matplotlib().colormaps["viridis"]
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
    net = check_network(net)
    cap = neuron_cap(max_neurons, "max_neurons")
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
        xs, ys, _ = net.check_data(_one_sample(net, x), target)
        a_all, z_all = net.forward_pass(xs)
        # lists indexed by the layer number: a[0..L], z[1..L] (z[0], unused, is the input too)
        a = [a_all[m][0].astype(float) for m in range(L + 1)]
        z = [a[0], *(z_all[m][0].astype(float) for m in range(1, L + 1))]
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
            a_rows, gap = shown_neurons(net.sizes[m], cap)
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
        next_rows, gap = shown_neurons(net.sizes[m + 1], cap)
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
    require_matplotlib()
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    dx, dy = 2.4, 1.0
    tallest = max(len(col) + (c in gaps) for c, col in enumerate(columns))
    ax = axes_or_new(ax, (1.0 + 1.55 * len(columns), 1.4 + 0.95 * tallest))
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
