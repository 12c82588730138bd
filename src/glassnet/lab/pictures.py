"""Pictures of the lab: contour plots with trajectories, slices, sweeps and races.

Everything here needs matplotlib (``pip install 'glassnet[plot]'``), imported only when a
picture is drawn. Every function takes ``ax=`` (or ``fig=``) to draw into, creates one when it
is None, and returns it, so pictures can be combined and saved as usual
(``ax.figure.savefig("out.png")``).

* :func:`plot_surface`: contours of f with each optimizer's path, the start and known minima;
* :func:`plot_values`: f − f* per step, on a log scale (how fast each one gets down);
* :func:`plot_lr_sweep`: one panel per learning rate (too small, right, too large);
* :func:`animate_race`: the optimizers moving step by step; :func:`save_animation` writes GIF
  (Pillow) or MP4 (ffmpeg, where installed);
* :func:`plot_slice`: a network's cost along a 1-D slice (training steps marked) or a 2-D slice
  (with the training path); :func:`plot_landscape`: four such views before and after training.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .descent import Trajectory
from .surfaces import Surface
from .surfaces import get as get_surface

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .landscape import Slice, TrainingPath

__all__ = [
    "animate_race",
    "plot_landscape",
    "plot_lr_sweep",
    "plot_slice",
    "plot_surface",
    "plot_values",
    "save_animation",
]

#: the ``gid`` of every trajectory line drawn by this module (to find them again)
TRAJECTORY_GID = "glassnet-trajectory"


def pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "the lab's pictures need matplotlib: pip install 'glassnet[plot]'"
        ) from None
    return plt


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 5.0)) -> Axes:
    if ax is not None:
        return ax
    plt = pyplot()
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _contours(surface: Surface, ax: Axes, resolution: int, levels: int) -> None:
    """Filled contours of f over the surface's window, levels at quantiles of f so that they are
    spread evenly over the picture whatever the range of f."""
    xs = np.linspace(*surface.xlim, resolution)
    ys = np.linspace(*surface.ylim, resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = surface.value(X, Y)
    marks = np.unique(np.quantile(Z, np.linspace(0.0, 1.0, levels)))
    ax.contourf(X, Y, Z, levels=marks, cmap="viridis", alpha=0.55)
    ax.contour(X, Y, Z, levels=marks, colors="k", linewidths=0.4, alpha=0.5)


def _runs(runs: Trajectory | Sequence[Trajectory]) -> list[Trajectory]:
    items = [runs] if isinstance(runs, Trajectory) else list(runs)
    for r in items:
        if not isinstance(r, Trajectory):
            raise ValueError(
                "expected Trajectory objects from lab.descend, lab.race or lab.lr_sweep, got "
                f"{type(r).__name__}"
            )
    return items


def plot_surface(
    surface: str | Surface,
    runs: Trajectory | Sequence[Trajectory] = (),
    *,
    ax: Axes | None = None,
    resolution: int = 150,
    levels: int = 25,
    legend: bool = True,
) -> Axes:
    """Contours of f with each run's path (one line per run, ``gid`` = :data:`TRAJECTORY_GID`),
    the start (black dot), the minima (stars) and saddle points (crosses).

    The view stays on the surface's window, so a diverging run leaves the picture.

    Example:
        >>> from matplotlib.figure import Figure
        >>> from glassnet import lab
        >>> runs = lab.race("bowl", ["sgd", "adam"], steps=20)
        >>> ax = lab.plot_surface("bowl", runs, ax=Figure().add_subplot(), resolution=30)
        >>> ax.get_title()
        'bowl: f = 0.5 x² + y²'
        >>> [line.get_label() for line in ax.lines if line.get_gid() == TRAJECTORY_GID]
        ['sgd η=0.1', 'adam η=0.2']
    """
    surf = get_surface(surface)
    items = _runs(runs)
    ax = _new_axes(ax)
    _contours(surf, ax, resolution, levels)
    for c in surf.critical_points:
        marker = "*" if c.is_minimum else "X"
        ax.plot(c.x, c.y, marker, color="white", mec="k", ms=13 if c.is_minimum else 9, zorder=4)
    colors = _colors(len(items))
    for run, color in zip(items, colors, strict=True):
        p = run.points
        ax.plot(
            p[:, 0],
            p[:, 1],
            "-o",
            ms=2.5,
            lw=1.5,
            color=color,
            label=run.label,
            gid=TRAJECTORY_GID,
            zorder=5,
        )
    if items:
        ax.plot(*items[0].points[0], "o", color="k", ms=7, zorder=6)
    ax.set_xlim(*surf.xlim)
    ax.set_ylim(*surf.ylim)
    ax.set_xlabel("x  (w₁)")
    ax.set_ylabel("y  (w₂)")
    ax.set_title(f"{surf.name}: f = {surf.formula}", fontsize=9)
    if legend and items:
        ax.legend(fontsize=8, loc="upper right")
    return ax


def _colors(n: int) -> list[Any]:
    plt = pyplot()
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]


def plot_values(runs: Trajectory | Sequence[Trajectory], *, ax: Axes | None = None) -> Axes:
    """f − f* against the step, on a log scale (f* = the global minimum's value).

    Example:
        >>> from matplotlib.figure import Figure
        >>> from glassnet import lab
        >>> runs = lab.race("bowl", ["sgd", "adam"], steps=20)
        >>> ax = lab.plot_values(runs, ax=Figure().add_subplot())
        >>> len(ax.lines), ax.get_yscale(), len(ax.lines[0].get_xdata())  # the start + 20 steps
        (2, 'log', 21)
    """
    items = _runs(runs)
    ax = _new_axes(ax, (6.0, 4.0))
    for run, color in zip(items, _colors(len(items)), strict=True):
        best = run.surface.global_minimum.value if run.surface.minima else 0.0
        gap = np.clip(run.values - best, 1e-16, None)
        ax.semilogy(np.arange(len(gap)), gap, color=color, label=run.label, gid=TRAJECTORY_GID)
    ax.set_xlabel("step t")
    ax.set_ylabel("f − f*  (log scale)")
    ax.grid(True, alpha=0.3)
    if items:
        ax.legend(fontsize=8)
    return ax


def plot_lr_sweep(
    runs: Sequence[Trajectory], *, fig: Figure | None = None, resolution: int = 100
) -> Figure:
    """One panel per run of :func:`~glassnet.lab.lr_sweep`, side by side, each titled with its
    η and verdict (too small: still moving; right: converged; too large: diverged).

    Example:
        >>> from matplotlib.figure import Figure
        >>> from glassnet import lab
        >>> runs = lab.lr_sweep("bowl", "sgd", steps=40)
        >>> fig = lab.plot_lr_sweep(runs, fig=Figure(), resolution=30)
        >>> [ax.get_title() for ax in fig.axes]  # doctest: +NORMALIZE_WHITESPACE
        ['η = 0.02: still moving', 'η = 0.666667: global minimum', 'η = 1.1: diverged']
    """
    items = _runs(runs)
    if not items:
        raise ValueError("runs is empty; pass what lab.lr_sweep returned")
    if fig is None:
        fig = pyplot().figure(figsize=(4.2 * len(items), 4.0), layout="constrained")
    axes = fig.subplots(1, len(items), squeeze=False)[0]
    for ax, run in zip(axes, items, strict=True):
        plot_surface(run.surface, [run], ax=ax, resolution=resolution, legend=False)
        ax.set_title(f"η = {run.lr:g}: {run.verdict.kind}", fontsize=10)
    fig.suptitle(f"{items[0].surface.name}: learning-rate sweep", fontsize=11)
    return fig


def animate_race(
    runs: Sequence[Trajectory],
    *,
    fig: Figure | None = None,
    frames: int | None = None,
    fps: int = 10,
    path: str | Path | None = None,
    resolution: int = 100,
) -> FuncAnimation:
    """The optimizers racing on their surface: frame by frame, each path grows by its steps.

    Args:
        runs: trajectories on one surface (what :func:`~glassnet.lab.race` returns).
        fig: the figure to draw into (its first axes, or a new one).
        frames: how many frames (default: one per step, at most 60); steps are spread evenly.
        fps: frames per second when saved.
        path: if given, the animation is saved there (see :func:`save_animation`).

    Returns:
        the matplotlib ``FuncAnimation`` (keep a reference to it until it is saved or shown).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from matplotlib.figure import Figure
        >>> from glassnet import lab
        >>> runs = lab.race("bowl", ["sgd", "adam"], steps=10)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     gif = Path(tmp) / "race.gif"
        ...     anim = lab.animate_race(runs, fig=Figure((3, 2.5)), frames=3, path=gif)
        ...     gif.read_bytes()[:4]
        b'GIF8'
    """
    from matplotlib.animation import FuncAnimation

    items = _runs(runs)
    if not items:
        raise ValueError("runs is empty; pass what lab.race returned")
    if path is not None:
        animation_writer(path, fps)  # refuse a file it cannot write before drawing anything
    if len({id(r.surface) for r in items}) != 1:
        raise ValueError("all runs of a race must be on the same surface")
    longest = max(r.steps for r in items)
    n = min(longest + 1, 60) if frames is None else int(frames)
    if n < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    index = np.unique(np.linspace(0, longest, n).round().astype(int))
    if fig is None:
        fig = pyplot().figure(figsize=(6.0, 5.0), layout="constrained")
    ax = fig.axes[0] if fig.axes else fig.add_subplot()
    plot_surface(items[0].surface, (), ax=ax, resolution=resolution)
    ax.plot(*items[0].points[0], "o", color="k", ms=7, zorder=6)
    colors = _colors(len(items))
    lines = [
        ax.plot([], [], "-", lw=1.5, color=c, label=r.label, gid=TRAJECTORY_GID, zorder=5)[0]
        for r, c in zip(items, colors, strict=True)
    ]
    heads = [ax.plot([], [], "o", color=c, mec="k", ms=7, zorder=7)[0] for c in colors]
    ax.legend(fontsize=8, loc="upper right")
    clock = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=10)

    def draw(t: int) -> list[Any]:
        for run, line, head in zip(items, lines, heads, strict=True):
            p = run.points[: min(t, run.steps) + 1]
            line.set_data(p[:, 0], p[:, 1])
            head.set_data(p[-1:, 0], p[-1:, 1])
        clock.set_text(f"step {t}")
        return [*lines, *heads, clock]

    anim = FuncAnimation(
        fig, draw, frames=[int(i) for i in index], interval=1000 / fps, blit=False, repeat=False
    )
    if path is not None:
        save_animation(anim, path, fps=fps)
    return anim


def animation_writer(path: str | Path, fps: int) -> Any:
    """The matplotlib writer for ``path``: Pillow for .gif, ffmpeg for .mp4."""
    from matplotlib import animation

    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".gif":
        return animation.PillowWriter(fps=fps)
    if suffix == ".mp4":
        if not animation.FFMpegWriter.isAvailable():
            raise ValueError(
                f"cannot write {out}: MP4 needs the ffmpeg program, which is not installed; "
                "install it (e.g. apt-get install ffmpeg) or write a .gif instead"
            )
        return animation.FFMpegWriter(fps=fps)
    raise ValueError(f"cannot write an animation as {out.name!r}; use a .gif or .mp4 file name")


def save_animation(anim: FuncAnimation, path: str | Path, *, fps: int = 10) -> Path:
    """Write an animation: ``.gif`` with Pillow, ``.mp4`` with ffmpeg (which must be installed).

    Returns the path written.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from matplotlib.figure import Figure
        >>> from glassnet import lab
        >>> runs = lab.race("bowl", ["sgd"], steps=4)
        >>> anim = lab.animate_race(runs, fig=Figure((3, 2.5)), resolution=20)  # 5 frames
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = lab.save_animation(anim, Path(tmp) / "race.gif", fps=5)
        ...     out.name, out.read_bytes()[:4]
        ('race.gif', b'GIF8')
        >>> lab.save_animation(anim, "race.avi")
        Traceback (most recent call last):
        ValueError: cannot write an animation as 'race.avi'; use a .gif or .mp4 file name
    """
    writer = animation_writer(path, fps)
    anim.save(str(path), writer=writer)
    return Path(path)


def plot_slice(s: Slice, *, ax: Axes | None = None, label: str | None = None) -> Axes:
    """A 1-D slice as a curve (training steps as dots at their α and real cost) or a 2-D slice
    as contours (with the training path from its start, a black dot, to the end).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet import lab
        >>> X, y = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> d = lab.random_direction(net, seed=0)
        >>> s = lab.slice_1d(net, X, y, d, np.linspace(-1, 1, 11), label="random direction")
        >>> ax = lab.plot_slice(s, ax=Figure().add_subplot())
        >>> ax.get_title(), ax.get_xlabel(), len(ax.lines[0].get_xdata())
        ('random direction', 'α', 11)
    """
    ax = _new_axes(ax, (6.0, 4.5))
    name = s.label if label is None else label
    if s.betas is None:
        ax.plot(s.alphas, s.costs, "-", lw=1.8, label=name or "C(w + α d)")
        if s.path is not None and s.path_costs is not None:
            ax.plot(
                s.path[:, 0],
                s.path_costs,
                "o-",
                ms=3,
                lw=0.8,
                alpha=0.8,
                label="training steps",
                gid=TRAJECTORY_GID,
            )
            ax.plot(s.path[0, 0], s.path_costs[0], "o", color="k", ms=7)
        ax.set_xlabel("α")
        ax.set_ylabel("cost C")
        ax.legend(fontsize=8)
    else:
        finite = np.nan_to_num(np.asarray(s.costs, dtype=np.float64), nan=float(np.nanmax(s.costs)))
        marks = np.unique(np.quantile(finite, np.linspace(0, 1, 20)))
        A, B = np.meshgrid(s.alphas, s.betas)
        ax.contourf(A, B, finite, levels=marks, cmap="viridis", alpha=0.7)
        ax.contour(A, B, finite, levels=marks, colors="k", linewidths=0.4, alpha=0.5)
        if s.path is not None:
            ax.plot(
                s.path[:, 0],
                s.path[:, 1],
                "o-",
                color="tab:red",
                ms=2.5,
                lw=1,
                label="training path",
                gid=TRAJECTORY_GID,
            )
            ax.plot(s.path[0, 0], s.path[0, 1], "o", color="k", ms=7)
            ax.legend(fontsize=8)
        ax.plot(0, 0, "*", color="white", mec="k", ms=12)
        ax.set_xlabel("α")
        ax.set_ylabel("β")
    if name:
        ax.set_title(name, fontsize=10)
    return ax


def plot_landscape(
    path: TrainingPath,
    X: Any,
    Y: Any,
    *,
    fig: Figure | None = None,
    seed: int | np.random.Generator | None = 0,
    resolution: int = 21,
) -> Figure:
    """Four views of a network's landscape from a :func:`~glassnet.lab.train_and_record` run.

    1. the cost along one random, layer-normalised direction, before and after training;
    2. a 2-D slice along two random directions around the trained weights;
    3. the 1-D slice from the trained weights (α = 0) back to the start (α = 1), with the
       recorded steps marked at their projection and real cost;
    4. the 2-D slice spanned by the two principal directions of the path, with the path.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from matplotlib.figure import Figure
        >>> from glassnet import lab
        >>> X, y = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> path = lab.train_and_record(net, X, y, lr=3.0, epochs=5, batch_size=2)
        >>> fig = lab.plot_landscape(path, X, y, fig=Figure(), resolution=5)
        >>> [ax.get_title()[:16] for ax in fig.axes]
        ['random direction', 'after training: ', 'from the end (α ', "the path's princ"]
        >>> [line.get_label() for line in fig.axes[0].lines]
        ['before training', 'after training']
    """
    from .._inputs import as_rng
    from .landscape import random_direction, slice_1d, slice_2d, trajectory_directions

    rng = as_rng(seed)
    if fig is None:
        fig = pyplot().figure(figsize=(11.0, 8.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    before, after, W = path.before, path.after, path.weights
    for net, when in ((before, "before"), (after, "after")):
        d = random_direction(net, seed=rng)
        plot_slice(slice_1d(net, X, Y, d), ax=axes[0], label=f"{when} training")
    axes[0].set_title("random direction (normalised per layer)", fontsize=10)
    grid = np.linspace(-1, 1, resolution)
    d1, d2 = random_direction(after, seed=rng), random_direction(after, seed=rng)
    plot_slice(
        slice_2d(after, X, Y, d1, d2, grid, grid),
        ax=axes[1],
        label="after training: two random directions",
    )
    line = slice_1d(after, X, Y, W[0] - W[-1], np.linspace(-0.5, 1.5, 41), path=W)
    plot_slice(line, ax=axes[2], label="from the end (α = 0) to the start (α = 1)")
    if W.shape[0] >= 3:
        (u, v), explained = trajectory_directions(W, k=2)
        coords = (W - W[-1]) @ np.stack([u, v], axis=1)
        pad = 0.25 * max(float(np.ptp(coords[:, 0])), float(np.ptp(coords[:, 1])), 1e-3)
        a = np.linspace(coords[:, 0].min() - pad, coords[:, 0].max() + pad, resolution)
        b = np.linspace(coords[:, 1].min() - pad, coords[:, 1].max() + pad, resolution)
        plane = slice_2d(after, X, Y, u, v, a, b, path=W)
        plot_slice(
            plane,
            ax=axes[3],
            label=f"the path's principal plane "
            f"({100 * explained[0]:.0f} % + {100 * explained[1]:.0f} % of its variation)",
        )
    else:
        axes[3].set_axis_off()
    fig.suptitle(f"loss landscape of {after!r}", fontsize=10)
    return fig
