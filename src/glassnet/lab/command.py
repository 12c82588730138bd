"""``glassnet lab``: the optimizer lab on the command line.

    glassnet lab --surface rosenbrock --optimizers sgd,momentum,adam --steps 300 -o race.png
    glassnet lab --surface two_minima --start 1.5,1 -o race.gif          (an animation)
    glassnet lab --surface bowl --optimizers sgd --sweep -o sweep.png     (too small/right/large)
    glassnet lab --landscape --dataset xor --hidden 4 --epochs 30 -o landscape.png
    glassnet lab --list                                                   (the surfaces)

Each run's verdict is printed; a picture is written only with ``-o`` (.png, .svg, .pdf; .gif or
.mp4 for an animation of the race).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .descent import OPTIMIZERS, Trajectory, lr_sweep, race
from .surfaces import SURFACES, get

__all__ = ["add_parser", "run"]

#: What ``glassnet lab --help`` says: plain text, as a terminal shows it.
DESCRIPTION = """\
The optimizer lab: watch gradient descent move on classic cost surfaces, or through a real
network's loss landscape.

  glassnet lab --surface rosenbrock --optimizers sgd,momentum,adam --steps 300 -o race.png
  glassnet lab --surface two_minima --start 1.5,1 -o race.gif          (an animation)
  glassnet lab --surface bowl --optimizers sgd --sweep -o sweep.png     (too small/right/large)
  glassnet lab --landscape --dataset xor --hidden 4 --epochs 30 -o landscape.png
  glassnet lab --list                                                   (the surfaces)

Each run's verdict is printed; a picture is written only with -o (.png, .svg, .pdf; .gif or
.mp4 for an animation of the race)."""

_STILL = (".png", ".svg", ".pdf")
_MOVING = (".gif", ".mp4")


def _floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}"
        ) from None
    if not values or not all(np.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"learning rates must be positive numbers, got {text!r}")
    return values


def _point(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y such as -1.5,2, got {text!r}") from None
    return x, y


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return n


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``lab`` subcommand to the ``glassnet`` command's subparsers."""
    from ..cli.arguments import HiddenSizes, layer_size

    lab = sub.add_parser(
        "lab",
        help="watch optimizers move on classic surfaces, or a network's loss landscape",
        description=DESCRIPTION,
    )
    lab.add_argument(
        "--surface",
        default="rosenbrock",
        choices=sorted(SURFACES),
        help="the cost surface (default: rosenbrock)",
    )
    lab.add_argument(
        "--optimizers",
        default="sgd,momentum,nesterov,rmsprop,adam",
        metavar="NAMES",
        help=f"comma-separated, from {', '.join(OPTIMIZERS)} (default: "
        "sgd,momentum,nesterov,rmsprop,adam); --sweep and --landscape use the first",
    )
    lab.add_argument(
        "--lr",
        type=_floats,
        default=None,
        metavar="ETA[,ETA...]",
        help="one η for all, one per optimizer, or the η's of --sweep "
        "(default: an η that suits each optimizer on the surface)",
    )
    lab.add_argument("--steps", type=_count, default=200, help="steps per run (default: 200)")
    lab.add_argument(
        "--start",
        type=_point,
        default=None,
        metavar="X,Y",
        help="where every run starts (default: the surface's start)",
    )
    lab.add_argument(
        "--sweep",
        action="store_true",
        help="one optimizer with several learning rates, side by side",
    )
    lab.add_argument("--list", action="store_true", help="list the surfaces and exit")
    lab.add_argument(
        "--landscape",
        action="store_true",
        help="train a network and draw its loss landscape instead",
    )
    lab.add_argument("--dataset", default="xor", help="data set for --landscape (default: xor)")
    lab.add_argument(
        "--hidden",
        type=layer_size,
        nargs="*",
        action=HiddenSizes,
        default=[4],
        metavar="N",
        help="hidden layer sizes for --landscape; --hidden 0 for none (default: 4)",
    )
    lab.add_argument(
        "--activation", default="sigmoid", metavar="NAME", help="σ of the --landscape network"
    )
    lab.add_argument(
        "--epochs", type=_count, default=30, metavar="N", help="epochs of --landscape training"
    )
    lab.add_argument(
        "--batch-size", type=_count, default=10, metavar="M",
        help="mini-batch size of --landscape training",
    )  # fmt: skip
    lab.add_argument(
        "--seed", type=int, default=0,
        help="seeds the --landscape network, its data and the random slice directions",
    )  # fmt: skip
    lab.add_argument(
        "--frames", type=_count, default=None, metavar="N",
        help="frames of an animation (default: one per step, at most 60)",
    )  # fmt: skip
    lab.add_argument("--fps", type=_count, default=10, help="frames per second of an animation")
    lab.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="write a picture: .png/.svg/.pdf, or .gif/.mp4 for an animation (default: none, "
        "only the verdicts are printed)",
    )
    lab.set_defaults(run=run)
    return lab


def _check_output(args: argparse.Namespace) -> Path | None:
    """The picture's path, checked before any work: its name, its folder, and that the
    plotting extra (and, for an animation, its writer) is installed."""
    if not args.output:
        return None
    out = Path(args.output)
    suffix = out.suffix.lower()
    allowed = _STILL if (args.landscape or args.sweep) else _STILL + _MOVING
    if suffix not in allowed:
        raise ValueError(
            f"cannot write {out.name!r}: use a file name ending in {', '.join(allowed)}"
        )
    from ..cli.common import writable_file

    writable_file(out, "the picture")
    from .pictures import pyplot

    pyplot()  # matplotlib missing: an ImportError that says how to install it
    if suffix in _MOVING:
        from .pictures import animation_writer

        animation_writer(out, args.fps)  # .mp4 without ffmpeg: a ValueError that says so
    return out


def _check_start(args: argparse.Namespace) -> None:
    """Refuse a --start where the surface's value or slope is too large to compute."""
    if args.start is None or args.landscape:
        return
    surface = get(args.surface)
    with np.errstate(all="ignore"):
        numbers = [float(surface.value(*args.start)), *map(float, surface.gradient(*args.start))]
    if not all(np.isfinite(numbers)):
        x, y = args.start
        x0, y0 = surface.start
        raise ValueError(
            f"--start {x:g},{y:g} is too far out: the {surface.name} surface's value or slope "
            f"there is too large for a float64; start nearer its minima, e.g. --start {x0:g},{y0:g}"
        )


def run(args: argparse.Namespace) -> int:
    """Carry out ``glassnet lab``; mistakes raise ValueError (exit status 2)."""
    if args.list:
        for name, surface in SURFACES.items():
            minima = "; ".join(c.describe() for c in surface.critical_points)
            print(f"{name:11s} f = {surface.formula}\n{'':11s} {minima}")
        return 0
    names = [n.strip().lower() for n in args.optimizers.split(",") if n.strip()]
    unknown = [n for n in names if n not in OPTIMIZERS]
    if not names or unknown:
        raise ValueError(
            f"unknown optimizer {', '.join(unknown) or '(none given)'}; --optimizers takes names "
            f"from {', '.join(OPTIMIZERS)}, separated by commas"
        )
    _check_start(args)
    try:
        out = _check_output(args)
        if args.landscape:
            return _landscape(args, names[0], out)
        return _surface(args, names, out)
    except ImportError as exc:  # matplotlib missing: say how to install it
        raise ValueError(str(exc)) from None


def _surface(args: argparse.Namespace, names: list[str], out: Path | None) -> int:
    runs: list[Trajectory]
    if args.sweep:
        runs = lr_sweep(args.surface, names[0], args.lr, start=args.start, steps=args.steps)
    else:
        lr: Any = None
        if args.lr is not None:
            if len(args.lr) not in (1, len(names)):
                raise ValueError(
                    f"--lr has {len(args.lr)} values for {len(names)} optimizers; give one η "
                    "for all or one per optimizer"
                )
            lr = args.lr[0] if len(args.lr) == 1 else dict(zip(names, args.lr, strict=True))
        runs = race(args.surface, names, lr=lr, start=args.start, steps=args.steps)
    surface = runs[0].surface
    x, y = runs[0].points[0]
    print(f"{surface.name}: f(x, y) = {surface.formula}; start ({x:g}, {y:g}), {args.steps} steps")
    for r in runs:
        print(f"  {r.verdict}")
    if out is None:
        return 0
    from .pictures import animate_race, plot_lr_sweep, plot_surface, plot_values, pyplot

    plt = pyplot()

    if out.suffix.lower() in _MOVING:
        fig = plt.figure(figsize=(6.0, 5.0), layout="constrained")
        animate_race(runs, fig=fig, frames=args.frames, fps=args.fps, path=out)
        plt.close(fig)
    else:
        if args.sweep:
            fig = plot_lr_sweep(runs)
        else:
            fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
            plot_surface(surface, runs, ax=left)
            plot_values(runs, ax=right)
        fig.savefig(out, dpi=110)
        plt.close(fig)
    print(f"wrote {out}")
    return 0


def _landscape(args: argparse.Namespace, name: str, out: Path | None) -> int:
    from .. import datasets
    from ..cli.common import check_memory
    from ..network import Network
    from .landscape import train_and_record, trajectory_directions

    try:
        data = datasets.load(args.dataset, seed=args.seed)
    except (ImportError, FileNotFoundError) as exc:
        raise ValueError(str(exc)) from None
    X, y = data.X_train, data.y_train
    n_out = int(data.n_classes or 1) if data.task == "classification" else 1
    if n_out == 2:
        n_out = 1  # one sigmoid neuron for two classes
    sizes = [X.shape[1], *args.hidden, n_out]
    lr = args.lr[0] if args.lr else OPTIMIZERS[name].lr  # the default η of glassnet train
    steps = args.epochs * -(-len(X) // args.batch_size)  # the path keeps the weights of each
    check_memory(sizes, "float64", OPTIMIZERS[name](lr), len(X), copies=2 * (steps + 1),
                  hint="choose smaller --hidden layers or fewer --epochs")  # fmt: skip
    net = Network.from_sizes(
        sizes,
        activation=args.activation,
        seed=args.seed,
        dtype="float64",
    )
    with np.errstate(over="ignore"):
        path = train_and_record(
            net,
            X,
            y,
            optimizer=name,
            lr=lr,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
        )
    loss = path.history.loss
    print(
        f"trained {net!r} on {data.name} with {path.optimizer}: loss {loss[0]:.4g} → "
        f"{loss[-1]:.4g} in {path.history.epochs} epochs; {len(path.weights)} weight "
        f"vectors recorded"
    )
    if len(path.weights) >= 3:
        _, explained = trajectory_directions(path.weights)
        print(
            f"the path's two principal directions hold {100 * explained[0]:.1f} % and "
            f"{100 * explained[1]:.1f} % of its variation"
        )
    if out is None:
        return 0
    from .pictures import plot_landscape, pyplot

    plt = pyplot()

    fig = plot_landscape(path, X, y, seed=args.seed)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    print(f"wrote {out}")
    return 0
